#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests and benchmarks: its own data directory,
# its own port on 127.0.0.1, trust authentication, nothing shared with a system cluster.
#   eval "$(scripts/pg-throwaway.sh start DIR)"   prints MAMORI_TEST_PG_URL=... and MAMORI_TEST_PG_DIR=...
#   scripts/pg-throwaway.sh stop DIR
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg-throwaway.sh start|stop DIR" >&2; exit 2; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "pg-throwaway: PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres mamori_test
    echo "export MAMORI_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/mamori_test"
    echo "export MAMORI_TEST_PG_DIR=$dir"
    echo "export MAMORI_TEST_PG_PORT=$port"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: pg-throwaway.sh start|stop DIR" >&2; exit 2 ;;
esac
