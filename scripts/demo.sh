#!/usr/bin/env bash
# The main job on the embedded defaults, on one machine: installs what is needed, builds, starts a
# collector (SQLite, TLS, loopback, a free port) and an agent enrolled to it, then prints the events
# as they reach the collector. Ctrl-C stops everything it started.
#   scripts/demo.sh                   run until Ctrl-C
#   MAMORI_DEMO_DIR=/tmp/x scripts/demo.sh   keep state (certificate, secrets, databases) there
#   MAMORI_DEMO_SECONDS=30 scripts/demo.sh   stop by itself after 30 seconds
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh >/dev/null
bin=$(pwd)/${MAMORI_BUILD_DIR:-build}/bin

work=${MAMORI_DEMO_DIR:-$(mktemp -d /tmp/mamori-demo.XXXXXX)}
mkdir -p "$work"
collector_pid=""; agent_pid=""; follow_pid=""
stop_all() {
  for pid in $follow_pid $agent_pid $collector_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $follow_pid $agent_pid $collector_pid; do wait "$pid" 2>/dev/null || true; done
  echo "demo: stopped; state kept in $work"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

# A web console account for the demo (docs/console.md), made once per state directory.
if [ ! -s "$work/console.password" ]; then
  mkdir -p "$work/collector"
  (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/console.password")
  "$bin/mamori-collector" user add demo --role administrator --state-dir "$work/collector" \
    <"$work/console.password" >/dev/null
fi

rm -f "$work/collector.port"
"$bin/mamori-collector" --state-dir "$work/collector" --listen 127.0.0.1:0 --port-file "$work/collector.port" \
  2>"$work/collector.log" &
collector_pid=$!
for _ in $(seq 1 300); do  # up to 30 s for the first start (it makes a TLS certificate)
  [ -s "$work/collector.port" ] && break
  kill -0 "$collector_pid" 2>/dev/null || { cat "$work/collector.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/collector.port" ] || { echo "demo: the collector did not start; see $work/collector.log" >&2; exit 1; }
port=$(cat "$work/collector.port")

"$bin/mamori-agent" --state-dir "$work/agent" --collector "https://127.0.0.1:$port" \
  --ca-file "$work/collector/tls/collector.crt" --enroll-secret-file "$work/collector/enroll.secret" \
  --heartbeat-interval 10 --emit-synthetic 5 2>"$work/agent.log" &
agent_pid=$!

export MAMORI_COLLECTOR="https://127.0.0.1:$port"
export MAMORI_CA_FILE="$work/collector/tls/collector.crt"
export MAMORI_ADMIN_TOKEN_FILE="$work/collector/admin.token"
cat <<TXT
demo: collector  https://127.0.0.1:$port  (log: $work/collector.log)
demo: agent      pid $agent_pid, state $work/agent  (log: $work/agent.log)
demo: console    https://127.0.0.1:$port/  user demo, password $(cat "$work/console.password")
                 (the browser warns about the self-signed certificate: $work/collector/tls/collector.crt)
demo: try in another shell:
        export MAMORI_COLLECTOR=$MAMORI_COLLECTOR MAMORI_CA_FILE=$MAMORI_CA_FILE MAMORI_ADMIN_TOKEN_FILE=$MAMORI_ADMIN_TOKEN_FILE
        $bin/mamorictl agents
demo: events as they arrive (Ctrl-C stops):
TXT
"$bin/mamorictl" events --follow &
follow_pid=$!
if [ -n "${MAMORI_DEMO_SECONDS:-}" ]; then
  timeout "$MAMORI_DEMO_SECONDS" tail --pid="$follow_pid" -f /dev/null || true
else
  wait "$follow_pid"
fi
