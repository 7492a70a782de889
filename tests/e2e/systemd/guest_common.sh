# Sourced by the scripts the systemd e2e machine runs at every boot (tests/e2e/systemd/guest.sh and
# bench/boot_ready_guest.sh; make_payload puts it beside them in /run/mamori-e2e). The caller sets UNIT
# (the agent's systemd unit) and may set STATE (the agent's state folder) before sourcing it.
# Lines to the host go on /dev/ttyS1 (and the console, for a person watching the boot).

stty -F /dev/ttyS1 raw -echo 115200
exec 3<>/dev/ttyS1
say() { printf 'E2E %s\n' "$*" >&3; printf 'E2E %s\n' "$*" >/dev/console; }
# ask WHAT ARGS...: a question the host answers with one line, printed.
ask() { say ASK "$@"; IFS= read -r reply <&3; printf '%s\n' "$reply"; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds, false at the deadline. The deadlines callers
# give are generous: under TCG on a loaded 2-core host the agent took over 90 s to be ready (restarted
# by its own CPU limit on the way).
wait_for() {
  deadline=$(( $(date +%s) + $1 )); shift
  while ! "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
prop() { systemctl show -p "$1" --value "$UNIT"; }
active() { [ "$(prop ActiveState)" = active ] && [ "$(prop SubState)" = running ]; }
agent_id() { sed -n 's/.*"agent_id" *: *"\([^"]*\)".*/\1/p' "${STATE:-/var/lib/mamori}/identity.json" 2>/dev/null; }
