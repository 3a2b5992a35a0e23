"""``postroom fetch``: run the IMAP fetchers on their own, or fetch once (see docs/imap.md).

postroom fetch                 keep fetching every enabled mailbox until stopped
postroom fetch --once          fetch what is new now, print a line per mailbox, exit
postroom fetch --account 3     only that account (repeatable)

A mailbox that another process is fetching (it holds the account's lease) is left to
it: ``--once`` reports it as skipped, and the long-running form takes it over once that
lease is released or expires.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from postroom.mail.models import ImapAccount
from postroom.mail.sources.imap.fetcher import FetcherBusy, fetch_once, supervise_fetchers
from postroom.mail.sources.imap.state import LeaseLost


def _once(account_ids: list[int]) -> int:
    accounts = ImapAccount.objects.select_related("inbox").order_by("pk")
    accounts = accounts.filter(pk__in=account_ids) if account_ids else accounts.filter(enabled=True)
    failed = 0
    for account in accounts:
        try:
            new = fetch_once(account)
        except (FetcherBusy, LeaseLost) as exc:
            # Not a failure: the mailbox is being fetched, by someone else.
            print(f"{account}: skipped: {exc}")
        except Exception:
            failed += 1
            account.refresh_from_db(fields=["last_error"])
            print(f"{account}: {account.last_error}", file=sys.stderr)
        else:
            print(f"{account}: {new} new")
    return 1 if failed else 0


def _forever(account_ids: list[int]) -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    supervise_fetchers(stop, account_ids=account_ids or None)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="postroom fetch", description="Fetch mail from the inboxes' IMAP mailboxes."
    )
    parser.add_argument("--once", action="store_true", help="fetch what is new, then exit")
    parser.add_argument(
        "--account", type=int, action="append", default=[], help="account id (repeatable)"
    )
    args = parser.parse_args(argv)
    return _once(args.account) if args.once else _forever(args.account)
