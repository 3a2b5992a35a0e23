"""The ``postroom`` command: serve, worker, demo, createadmin, token, parse-email, smtpd,
fetch, import, migrate, manage."""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys

# Commands whose module parses its own arguments (options included): ``main(argv) -> int``.
DELEGATED = {
    "smtpd": "postroom.mail.sources.smtpd",
    "fetch": "postroom.mail.sources.imap.cli",
    "import": "postroom.mail.sources.importer",
    "parse-email": "postroom.mail.parsing.cli",
}
NO_DJANGO = {"parse-email"}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    _index_if_new()


def _index_if_new() -> None:
    """An installation that had conversations before search existed gets them indexed
    once (the search reactor, new there, only sees what happens from now on)."""
    from postroom.inbox.models import Conversation
    from postroom.search.indexer import reindex_all
    from postroom.search.models import SearchDocument

    if Conversation.objects.exists() and not SearchDocument.objects.exists():
        print("Indexing conversations for search (once)…", file=sys.stderr)
        print(f"Indexed {reindex_all()} conversations.", file=sys.stderr)


def cmd_reindex_search(args: argparse.Namespace) -> int:
    _setup()
    from postroom.search.indexer import reindex_all

    print(f"Indexed {reindex_all()} conversations.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup()
    if not args.no_migrate:
        _migrate()
    from postroom.server import serve

    serve(host=args.host, port=args.port, web_only=args.web_only)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    if args.once:
        from postroom.events.reactors import drain
        from postroom.jobs import run_jobs_now
        from postroom.mail.digest.digest import digest_all
        from postroom.outbound.loop import deliver_due

        digested = digest_all()
        handled = drain()
        jobs = run_jobs_now()
        sent = deliver_due()
        print(f"digested {digested}, events handled {handled}, jobs {jobs}, sent {sent}")
        return 0
    from postroom.server import work

    work()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo also receives mail over SMTP, so a newcomer can watch mail arrive.
    os.environ.setdefault("POSTROOM_SMTPD", "true")
    _setup()
    if args.reset:
        from postroom.demo import DemoResetRefused, reset_demo_data

        try:
            removed = reset_demo_data()
        except DemoResetRefused as exc:
            print(f"postroom demo --reset: {exc}", file=sys.stderr)
            return 2
        print("Removed: " + (", ".join(str(path) for path in removed) or "nothing (no demo yet)"))
    _migrate()
    from postroom.demo import DEMO_PASSWORD, load_demo_data

    created = load_demo_data()
    url = f"http://{args.host}:{args.port}/"
    print()
    print("Postroom demo " + ("data loaded." if created else "data already present."))
    print(f"  Open {url} and log in as:")
    print(f"    alice@demo.example  / {DEMO_PASSWORD}   (owner)")
    print(f"    bob@demo.example    / {DEMO_PASSWORD}   (agent, replies on support@)")
    print(f"    dora@demo.example   / {DEMO_PASSWORD}   (view only on sales@)")
    print("  Mail sent over SMTP to 127.0.0.1:2525 for support@demo.example (or sales@,")
    print("  info@) arrives live, e.g.: swaks --server 127.0.0.1:2525 --to support@demo.example")
    print("  Press Ctrl+C to stop.")
    print(flush=True)
    from postroom.server import serve

    serve(host=args.host, port=args.port)
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup()
    _migrate()
    from django.core.exceptions import ValidationError

    from postroom.accounts.models import Role
    from postroom.inbox.actions import do_create_user
    from postroom.inbox.actors import SYSTEM

    password = args.password or os.environ.get("POSTROOM_ADMIN_PASSWORD") or getpass.getpass()
    try:
        user = do_create_user(
            email=args.email,
            name=args.name or args.email.split("@")[0],
            password=password,
            role=Role.OWNER,
            actor=SYSTEM,
        )
    except ValidationError as exc:
        print(f"error: {'; '.join(exc.messages)}", file=sys.stderr)
        return 2
    print(f"Created owner {user.email}.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    _setup()
    from postroom.accounts.models import User
    from postroom.inbox.actions import do_create_api_token
    from postroom.inbox.actors import SYSTEM

    user = User.objects.filter(email__iexact=args.user, is_active=True).first()
    if user is None:
        print(f"error: no active user {args.user}", file=sys.stderr)
        return 2
    _token, secret = do_create_api_token(user, name=args.name, actor=SYSTEM)
    print(secret)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the audit trail's hash chain: exit 0 when intact, 1 when not."""
    _setup()
    from postroom.audit.trail import verify

    result = verify()
    if result.intact:
        print(f"{result.entries} audit entries, chain intact.")
        return 0
    print(f"audit trail broken: {result.problem} ({result.entries} entries read)")
    return 1


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Re-encrypt every stored secret with POSTROOM_ENCRYPTION_KEY."""
    _setup()
    from postroom.core.crypto import SecretUnreadable
    from postroom.inbox.actors import SYSTEM
    from postroom.mail.actions import do_rotate_secrets

    try:
        count = do_rotate_secrets(actor=SYSTEM)
    except SecretUnreadable as exc:
        print(
            f"error: {exc}; nothing was changed (is an old key missing from "
            "POSTROOM_ENCRYPTION_OLD_KEYS?)",
            file=sys.stderr,
        )
        return 1
    print(f"Re-encrypted {count} stored secrets with the current key.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    _migrate()
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["postroom manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postroom", description="A shared inbox for teams.")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, func, helptext in (
        ("serve", cmd_serve, "run the web app, live updates and background jobs"),
        ("demo", cmd_demo, "load demo data and serve it"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default=os.environ.get("POSTROOM_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("POSTROOM_PORT", "8000")))
        if name == "demo":
            p.add_argument(
                "--reset",
                action="store_true",
                help="delete the demo's SQLite database and uploaded files first, then load "
                "the demo data again",
            )
        if name == "serve":
            p.add_argument("--no-migrate", action="store_true")
            p.add_argument(
                "--web-only",
                action="store_true",
                help="only the web app and live sockets; run `postroom worker` beside it",
            )
        p.set_defaults(func=func)

    p = sub.add_parser(
        "worker", help="run reactors, jobs, the digest, the outbox and IMAP fetchers"
    )
    p.add_argument("--once", action="store_true", help="do what is due now, then exit")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("createadmin", help="create an owner account")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--password", default="")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("token", help="manage API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it once")
    create.add_argument("--user", required=True, help="the user's email")
    create.add_argument("--name", default="cli")
    create.set_defaults(func=cmd_token)

    p = sub.add_parser("rotate-key", help="re-encrypt stored secrets with the current key")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser("audit", help="the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser("verify", help="check that no entry was changed or removed")
    check.set_defaults(func=cmd_audit_verify)

    # Listed for --help only: main() hands their arguments to their module before parsing.
    for name, helptext in (
        ("parse-email", "parse an email file and print the result (--json)"),
        ("smtpd", "receive mail for the inboxes over SMTP"),
        ("fetch", "fetch mail from the inboxes' IMAP mailboxes (--once to fetch and exit)"),
        ("import", "import .eml files, directories, mbox files and Maildirs into an inbox"),
    ):
        sub.add_parser(name, help=helptext, add_help=False)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    p = sub.add_parser("reindex-search", help="rebuild the search index of every conversation")
    p.set_defaults(func=cmd_reindex_search)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:
        if argv[0] not in NO_DJANGO:
            _setup()
        delegated: int = importlib.import_module(DELEGATED[argv[0]]).main(argv[1:])
        return delegated
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
