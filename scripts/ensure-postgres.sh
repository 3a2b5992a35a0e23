#!/usr/bin/env bash
# Print a DATABASE_URL for a running PostgreSQL: the machine's server on 127.0.0.1:5432,
# started if it is installed but stopped, or else a throwaway cluster under .pg/.
# With CI=true, no PostgreSQL at all is a failure, never a skip.
set -uo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p "$1" 2>/dev/null; }
if ready 5432; then echo "postgres://postgres@127.0.0.1:5432/postgres"; exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 2>/dev/null || true
  for _ in $(seq 20); do ready 5432 && { echo "postgres://postgres@127.0.0.1:5432/postgres"; exit 0; }; sleep 0.5; done
fi
initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)
if [ -n "$initdb" ]; then
  bindir=$(dirname "$initdb"); dir="$(pwd)/.pg"; port=54329
  owner=$( [ "$(id -u)" -eq 0 ] && echo nobody || id -un )
  if [ ! -d "$dir/data" ]; then
    mkdir -p "$dir" && chmod 755 "$dir" && chown "$owner" "$dir"
    runuser -u "$owner" -- "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust >&2 || true
  fi
  ready $port || runuser -u "$owner" -- "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
  for _ in $(seq 20); do ready $port && { echo "postgres://postgres@127.0.0.1:$port/postgres"; exit 0; }; sleep 0.5; done
fi
echo "PostgreSQL is not available (needed for the database tests)" >&2
exit 1
