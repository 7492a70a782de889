#!/bin/sh
# The systemd e2e scenario, run inside the Debian 12 guest by mamori-e2e.service at every boot (from the
# payload the host writes, /run/mamori-e2e). It installs and exercises the real package under systemd as
# PID 1 and reports to the host on /dev/ttyS1, one line each:
#   E2E RESULT name PASS|FAIL detail     a check
#   E2E FIGURE name value                a measurement
#   E2E ASK what args...                 a question the host answers with one line (OK ... / NO ...)
#   E2E REBOOT | E2E DONE
# Boot 1 installs the previous package, checks the service, the watchdog, tamper refusals, a policy,
# then upgrades to the package under test and reboots. Boot 2 (a USB stick and keyboard attached from
# power-on) checks the early USB gate, the keyboard, late-loaded drivers, then stop and purge.
set -u
E2E=/run/mamori-e2e
PHASE_FILE=/var/lib/mamori-e2e/phase
STATE=/var/lib/mamori
UNIT=mamori-agent.service
export DEBIAN_FRONTEND=noninteractive

. "$E2E/guest_common.sh"  # say, ask, wait_for, prop, active, agent_id
pass() { say RESULT "$1" PASS "${2:-}"; }
fail() { say RESULT "$1" FAIL "${2:-}"; }
check() {  # check NAME DETAIL COMMAND...
  name=$1 detail=$2; shift 2
  if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; fi
}
main_pid() { prop MainPID; }
new_pid_active() { p=$(main_pid); [ "$p" != 0 ] && [ "$p" != "$1" ] && active; }
# ask_event TYPE N [key=value ...]: the host waits until the collector holds N such events of this agent.
ask_event() { type=$1 n=$2; shift 2; case "$(ask event "$type" "$AGENT" "$n" 180 "$@")" in OK*) return 0 ;; *) return 1 ;; esac; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' mamori-agent 2>/dev/null)" = "ii " ]; }
gate_in_initramfs() { lsinitramfs "/boot/initrd.img-$(uname -r)" | grep -q 'lib/modprobe.d/mamori-usb-storage.conf'; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# logged NAME COMMAND...: runs COMMAND with its output in $E2E/NAME.log, each line prefixed with the
# guest's uptime; on failure the log goes to the host line by line (E2E LOG NAME ...), so a failed apt
# run can be read in the test's output. Reports the step's seconds, and those of update-initramfs in it
# (from its "Generating" line to the next line), as figures.
logged() {
  name=$1 log=$E2E/$1.log; shift
  begin=$(uptime_s)
  say STEP "$begin" "$*"
  { "$@" 2>&1; echo $? >"$log.code"; } |
    while IFS= read -r line; do read -r up _ </proc/uptime; printf '%s %s\n' "$up" "$line"; done >"$log"
  code=$(cat "$log.code")
  if [ "$code" -ne 0 ]; then
    while IFS= read -r line; do say LOG "$line"; done <"$log"
  else  # dpkg's steps with their uptimes: where the step's time went
    grep -E ' (Unpacking|Setting up|Processing triggers|update-initramfs|Removing|Purging) ' "$log" |
      while IFS= read -r line; do say TIMING "$name" "$line"; done
  fi
  end=$(uptime_s)
  say STEP "$end" "exit $code"
  say FIGURE "seconds_$name" "$(echo "$end $begin" | awk '{printf "%.1f", $1 - $2}')"
  initramfs=$(awk -v end="$end" '/update-initramfs: Generating/ {s = $1; next} s && !e {e = $1}
    END {if (s) printf "%.1f", (e ? e : end) - s}' "$log")
  [ -z "$initramfs" ] || say FIGURE "seconds_${name}_update_initramfs" "$initramfs"
  return "$code"
}
# boot_figures: how long this boot took to reach the scenario (`systemd-analyze blame` would name the
# slowest units, but costs 20 s of TCG time).
boot_figures() {
  say FIGURE "boot${phase}_scenario_start_seconds" "$(uptime_s)"
  say FIGURE "boot${phase}_systemd_analyze" "$(systemd-analyze 2>&1 | head -n 1)"
}
# The unit refuses `systemctl restart` (RefuseManualStop): a clean exit makes systemd start it again.
# check_restarted NAME WHAT OLD_PID SECONDS: the unit runs again under a new main process.
check_restarted() {
  if wait_for "$4" new_pid_active "$3"; then
    pass "$1" "$2 pid $3, running again as pid $(main_pid)"
  else
    fail "$1" "$2 pid $3, now pid $(main_pid) $(prop ActiveState)"
  fi
}
restart_agent() { old=$(main_pid); systemctl kill --signal=SIGTERM "$UNIT"; wait_for 240 new_pid_active "$old"; }
# start_figure NAME: seconds from the agent's exec to its readiness (systemd's timestamps), under TCG.
start_figure() {
  say FIGURE "agent_start_seconds_$1" "$(echo "$(prop ExecMainStartTimestampMonotonic) $(prop ActiveEnterTimestampMonotonic)" |
    awk '{printf "%.1f", ($2 - $1) / 1e6}')"
}
# limit_figure: restarts by the agent's own CPU and memory limits so far (agent.limit_exceeded, exit 3;
# a figure, not a check: under emulation the agent's CPU share says more about the emulator).
limit_figure() { n=$(ask count agent.limit_exceeded "$AGENT"); say FIGURE "agent_limit_exceeded_events_by_boot$phase" "${n#OK }"; }

phase=$(cat "$PHASE_FILE" 2>/dev/null || echo 1)
say PHASE "$phase"
cd "$E2E" || exit 1
boot_figures

if [ "$phase" = 1 ]; then
  # ---- install the previous version, configured as a configuration management tool would ----
  install -d -m 0755 /etc/mamori
  install -m 0644 collector.crt /etc/mamori/collector.crt
  install -m 0600 enroll.secret /etc/mamori/enroll.secret
  install -m 0600 uninstall.token.sha256 /etc/mamori/uninstall.token.sha256
  install -m 0644 agent.conf /etc/mamori/agent.conf
  prev=$(ls ./prev/mamori-agent_*.deb)
  # The previous version is only the starting point of the upgrade: its initramfs is not looked at (the
  # upgrade's is, and the purge's), so update-initramfs (minutes under TCG) is told to skip this once.
  initramfs_conf=/etc/initramfs-tools/update-initramfs.conf
  sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$initramfs_conf"
  if logged apt-install apt install -y "$prev"; then
    pass apt_install_previous "$(tail -n 1 "$E2E/apt-install.log" | cut -d' ' -f2-)"
  else
    fail apt_install_previous "$(tail -n 3 "$E2E/apt-install.log" | tr '\n' ' ')"
  fi
  sed -i 's/^update_initramfs=.*/update_initramfs=yes/' "$initramfs_conf"
  check unit_active_after_install "state $(prop ActiveState)/$(prop SubState) at the start of the wait" wait_for 300 active
  check unit_type_notify_ready "Type=$(prop Type) status '$(prop StatusText)'" \
    sh -c "[ '$(prop Type)' = notify ] && [ '$(prop StatusText)' = running ]"
  start_figure install
  AGENT=$(agent_id)
  check agent_enrolled "agent $AGENT" ask_event agent.started 1

  # ---- hardening as the kernel sees it ----
  pid=$(main_pid)
  status=$(cat "/proc/$pid/status")
  capbnd=$(printf '%s\n' "$status" | awk '/^CapBnd:/ {print $2}')
  check bounding_set_nine_capabilities "CapBnd $capbnd" [ "$capbnd" = 00000000012830e4 ]
  check seccomp_and_no_new_privs "$(printf '%s\n' "$status" | grep -E '^(Seccomp|NoNewPrivs):' | tr '\n\t' '  ')" \
    sh -c "printf '%s\n' '$status' | grep -q '^Seccomp:[[:space:]]*2' && printf '%s\n' '$status' | grep -q '^NoNewPrivs:[[:space:]]*1'"
  check protect_system_strict "/usr read-only, state writable in the unit's mount namespace" \
    sh -c "! nsenter -t $pid -m touch /usr/mamori-e2e 2>/dev/null && nsenter -t $pid -m touch $STATE/.e2e && rm -f $STATE/.e2e"
  exposure=$(systemd-analyze security "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  say FIGURE exposure "$exposure"
  check exposure_at_most_4_5 "exposure $exposure" sh -c "echo '$exposure' | awk '{exit !(\$1 > 0 && \$1 <= 4.5)}'"
  verify=$(systemd-analyze verify "/lib/systemd/system/$UNIT" 2>&1)
  check unit_verifies_with_man_page "${verify:-clean}" [ -z "$verify" ]

  # ---- stopping and removing without the token: refused, reported ----
  mamori-agent ctl stop >"$E2E/ctl.log" 2>&1
  code=$?
  check ctl_stop_without_token_refused "exit $code, $(prop ActiveState)" sh -c "[ $code -ne 0 ] && [ '$(prop ActiveState)' = active ]"
  check ctl_stop_reported_as_tamper "agent.tamper at the collector" ask_event agent.tamper 1
  systemctl stop "$UNIT" >"$E2E/systemctl-stop.log" 2>&1
  code=$?
  check systemctl_stop_refused "exit $code: $(head -n 1 "$E2E/systemctl-stop.log")" \
    sh -c "[ $code -ne 0 ] && grep -q refused '$E2E/systemctl-stop.log' && [ '$(prop ActiveState)' = active ]"
  logged apt-remove apt remove -y mamori-agent
  code=$?
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' mamori-agent)
  check apt_remove_without_token_refused "exit $code, $(grep -o 'removal refused[^;]*' "$E2E/apt-remove.log" | head -n 1), dpkg '$status', $(prop ActiveState)/$(prop SubState)" \
    sh -c "[ $code -ne 0 ] && [ '$status' = 'ii ' ] && [ '$(prop ActiveState)' = active ]"
  check apt_remove_reported_as_tamper "agent.tamper tamper.action=package_removal" \
    ask_event agent.tamper 1 tamper.action=package_removal

  # ---- a policy from the collector; the watchdog restarts a frozen agent, systemd a killed one ----
  # One restart serves both: the agent asks for its group's policy at start (then every poll interval,
  # minutes), and the shorter timeouts (in /run only) need a new main process: systemd holds a running
  # process to the watchdog interval it was started with. Each agent start costs 10-30 s of emulated CPU.
  pushed=$(ask policy 7)
  mkdir -p "/run/systemd/system/$UNIT.d"
  printf '[Service]\nWatchdogSec=6\nRestartSec=1\n' >"/run/systemd/system/$UNIT.d/e2e-timeouts.conf"
  systemctl daemon-reload
  restart_agent
  start_figure policy_restart
  check policy_applied "push: $pushed; version 7 from the collector" \
    ask_event policy.applied 1 policy.version=7 policy.source=collector
  frozen=$(main_pid)
  kill -STOP "$frozen"
  check_restarted watchdog_restarts_frozen_agent SIGSTOP "$frozen" 300
  journalctl -u "$UNIT" -b --no-pager | grep -q 'Watchdog timeout' && pass watchdog_timeout_logged || fail watchdog_timeout_logged
  # Back to the unit's own timeouts before the SIGKILL: the agent systemd starts after it has the unit's
  # 60 s watchdog for the rest of the scenario (a 6 s one would kill it at a main-thread pause of an
  # emulated CPU under apt's load).
  rm -rf "/run/systemd/system/$UNIT.d"
  systemctl daemon-reload
  killed=$(main_pid)
  kill -KILL "$killed"
  check_restarted restart_after_sigkill SIGKILL "$killed" 240
  check unclean_stop_reported "agent.unclean_stop at the collector" ask_event agent.unclean_stop 1

  # ---- the upgrade keeps identity, spool and policy ----
  identity_before=$(sha256sum "$STATE/identity.json" | cut -d' ' -f1)
  policy_before=$(sha256sum "$STATE/policy.json" | cut -d' ' -f1)
  # The collector unreachable (a blackhole route) while an event is made: it can only be in the spool.
  tamper_before=$(ask count agent.tamper "$AGENT")
  ip route add blackhole 10.0.2.100/32
  mamori-agent ctl stop >/dev/null 2>&1
  new=$(ls ./new/mamori-agent_*.deb)
  old_pid=$(main_pid)
  upgrade_started=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)  # the agent's clock, as in its events
  if logged apt-upgrade apt install -y "$new"; then
    pass apt_upgrade "$(dpkg-query -W -f='${Version}' mamori-agent)"
  else
    fail apt_upgrade "$(tail -n 3 "$E2E/apt-upgrade.log" | tr '\n' ' ')"
  fi
  check_restarted unit_active_after_upgrade "upgraded from" "$old_pid" 300
  start_figure upgrade
  tamper_during=$(ask count agent.tamper "$AGENT")
  ip route del blackhole 10.0.2.100/32
  check upgrade_keeps_identity "agent $(agent_id)" \
    sh -c "[ '$(agent_id)' = '$AGENT' ] && [ '$(sha256sum "$STATE/identity.json" | cut -d' ' -f1)' = '$identity_before' ]"
  check upgrade_keeps_policy "policy.json unchanged, applied again from the file" \
    sh -c "[ '$(sha256sum "$STATE/policy.json" | cut -d' ' -f1)' = '$policy_before' ]"
  # The restarts after the watchdog and SIGKILL applied the persisted policy too: only an event made
  # after the upgrade began counts.
  check upgrade_applies_persisted_policy "since $upgrade_started" \
    ask_event policy.applied 1 policy.version=7 policy.source=persisted since="$upgrade_started"
  before=${tamper_before#OK } during=${tamper_during#OK }
  if [ "$during" = "$before" ] && ask_event agent.tamper $(( before + 1 )); then
    pass upgrade_keeps_spool "agent.tamper made while unreachable, before the upgrade: $before -> $during -> $(( before + 1 ))"
  else
    fail upgrade_keeps_spool "agent.tamper count $before before, $during while unreachable, $(ask count agent.tamper "$AGENT") after"
  fi
  check initramfs_holds_usb_gate "lsinitramfs" gate_in_initramfs
  check gate_rule_installed "" [ -f /lib/modprobe.d/mamori-usb-storage.conf ]
  limit_figure

  echo 2 >"$PHASE_FILE"
  sync
  say REBOOT
  systemctl reboot
  exit 0
fi

if [ "$phase" = 2 ]; then
  # ---- booted with a USB stick and a USB keyboard attached from power-on ----
  check unit_active_after_reboot "" wait_for 600 active
  AGENT=$(agent_id)
  ready_us=$(prop ActiveEnterTimestampMonotonic)
  say FIGURE boot_to_agent_ready_seconds "$(echo "$ready_us" | awk '{printf "%.1f", $1 / 1e6}')"
  kernel_log=$E2E/kernel.log
  journalctl -k -b --no-pager -o short-monotonic >"$kernel_log"
  check initramfs_poller_ran "" grep -q 'mamori-e2e: initramfs: polling' "$kernel_log"
  check systemd_poller_ran "" grep -q 'mamori-e2e: systemd: polling' "$kernel_log"
  check initramfs_kept_usb_storage_out "$(grep -o 'initramfs: block devices.*' "$kernel_log")" \
    grep -q 'initramfs: block devices: .*usb_storage module: absent' "$kernel_log"
  check keyboard_bound_in_initramfs "" grep -Eq 'initramfs: block devices: .*usbhid: [0-9]+-[0-9.]+:1\.0' "$kernel_log"
  check keyboard_typed_at_initramfs_prompt "$(grep -o "prompt read '[^']*'" "$kernel_log")" \
    grep -q "prompt read 'mamori'" "$kernel_log"
  early=""
  for dev in /sys/bus/usb/devices/*; do
    [ "$(cat "$dev/serial" 2>/dev/null)" = E2E-EARLY ] && early=$dev
  done
  check early_stick_deauthorized "${early##*/} authorized=$(cat "$early/authorized" 2>/dev/null)" \
    sh -c "[ -n '$early' ] && [ \"\$(cat '$early/authorized')\" = 0 ]"
  check storage_drivers_loaded_after_ready "" [ -d /sys/module/usb_storage ]
  check early_stick_reported_blocked "device.blocked usb.serial=E2E-EARLY" ask_event device.blocked 1 usb.serial=E2E-EARLY
  check keyboard_bound_to_usbhid "$(ls /sys/bus/usb/drivers/usbhid | grep ':' | tr '\n' ' ')" \
    sh -c "ls /sys/bus/usb/drivers/usbhid | grep -q ':'"
  # The login prompt on tty1: the host types "root" on the USB keyboard (no password in this guest).
  wait_for 180 systemctl -q is-active getty@tty1.service
  ask type root >/dev/null
  check keyboard_login_at_tty1 "$(who | tr '\n' ' ')" wait_for 180 sh -c 'who | grep -q "^root *tty1"'
  # Drivers loaded late, the agent still decides: an allowed stick gets its disk, another does not.
  ask plug late E2E-LATE >/dev/null
  late_decided() {
    for dev in /sys/bus/usb/devices/*; do
      [ "$(cat "$dev/serial" 2>/dev/null)" = E2E-LATE ] && [ "$(cat "$dev/authorized")" = 0 ] && return 0
    done
    return 1
  }
  check late_stick_blocked "" wait_for 180 late_decided
  ask plug allowed E2E-ALLOWED >/dev/null
  check allowed_stick_gets_block_device "$(ls /sys/block | tr '\n' ' ')" wait_for 180 sh -c 'ls /sys/block | grep -q "^sd"'
  check only_allowed_stick_has_disk "$(ls -d /sys/block/sd* 2>/dev/null | wc -l) disk(s)" \
    sh -c '[ "$(ls -d /sys/block/sd* | wc -l)" = 1 ]'
  touch /run/mamori-e2e-poll.done
  journalctl -k -b --no-pager -o short-monotonic >"$kernel_log"
  # Before the allowed stick was plugged, no USB disk ever existed: the pollers never saw one and the
  # kernel never attached one.
  allowed_at=$(grep -n 'E2E-ALLOWED\|SerialNumber: E2E-ALLOWED' "$kernel_log" | head -n 1 | cut -d: -f1)
  before=$(head -n "$(( ${allowed_at:-999999} - 1 ))" "$kernel_log")
  check no_block_device_before_allowed_stick "$(printf '%s\n' "$before" | grep -E 'block device sd|Attached SCSI|Mass Storage device detected' | head -n 2 | tr '\n' ' ')" \
    sh -c "! printf '%s\n' \"\$1\" | grep -Eq 'block device sd|Attached SCSI|Mass Storage device detected'" _ "$before"

  # ---- a DVD drive with a disc, attached from power-on, under the installed unit ----
  # The policy leaves optical at its default, read_only: burning is refused. A burning program opens
  # the drive's nodes for writing; the kernel's device cgroup check (the agent's BPF program) refuses
  # that for an ordinary account and for root alike ("Operation not permitted", before the driver),
  # each refusal reaches the collector, and reading the disc still works. The nodes are opened to
  # everyone first, as udev's uaccess opens them to the person at the seat (else the user's open would
  # fail on the file mode instead). dd stands in for the burner: the refusal comes at the open.
  check optical_drive_read_only "device.read_only device.channel=optical" \
    ask_event device.read_only 1 device.channel=optical
  wait_for 60 sh -c 'ls /sys/block/sr0/device/scsi_generic 2>/dev/null | grep -q "^sg"'
  sg=$(for node in /sys/block/sr0/device/scsi_generic/sg*; do echo "/dev/${node##*/}"; done | head -n 1)
  chmod 0666 /dev/sr0 "$sg"
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  burn() { dd if=/dev/null of="$1" conv=notrunc status=none 2>&1; }  # an open for writing, nothing written
  both_refused() { for said in "$@"; do printf '%s' "$said" | grep -q 'Operation not permitted' || return 1; done; }
  user_sr=$(as_user dd if=/dev/null of=/dev/sr0 conv=notrunc status=none 2>&1)
  user_sg=$(as_user dd if=/dev/null of="$sg" conv=notrunc status=none 2>&1)
  check optical_write_refused_user "uid 65534: /dev/sr0 '$user_sr', $sg '$user_sg'" both_refused "$user_sr" "$user_sg"
  root_sr=$(burn /dev/sr0) root_sg=$(burn "$sg")
  check optical_write_refused_root "root: /dev/sr0 '$root_sr', $sg '$root_sg'" both_refused "$root_sr" "$root_sg"
  reported=""
  for open in "/dev/sr0 65534" "$sg 65534" "/dev/sr0 0" "$sg 0"; do
    node=${open% *} uid=${open#* }
    ask_event device.open_refused 1 open.node="$node" open.access=write process.uid="$uid" process.name=dd ||
      reported="$reported; none for $node uid $uid"
  done
  check optical_refusals_reported "device.open_refused for sr0 and ${sg#/dev/}, uid 65534 and 0${reported}" [ -z "$reported" ]
  check optical_disc_readable "uid 65534 reads the disc's volume descriptor" \
    sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups dd if=/dev/sr0 bs=2048 skip=16 count=1 status=none | grep -q CD001'

  limit_figure

  # ---- stop and purge with the token: nothing left ----
  mamori-agent ctl stop --token-file "$E2E/uninstall.token" >"$E2E/ctl.log" 2>&1
  code=$?
  check ctl_stop_with_token "exit $code" wait_for 120 sh -c "[ '\$(systemctl show -p ActiveState --value $UNIT)' != active ]"
  check stopped_stays_stopped "exit status $(prop ExecMainStatus)" [ "$(prop ExecMainStatus)" = 4 ]
  check stop_reported "agent.stopped" ask_event agent.stopped 1
  if logged apt-purge env MAMORI_UNINSTALL_TOKEN_FILE="$E2E/uninstall.token" apt purge -y mamori-agent; then
    pass apt_purge_with_token
  else
    fail apt_purge_with_token "$(tail -n 3 "$E2E/apt-purge.log" | tr '\n' ' ')"
  fi
  left=""
  for path in /var/lib/mamori /etc/mamori /usr/bin/mamori-agent /lib/systemd/system/$UNIT \
      /etc/systemd/system/multi-user.target.wants/$UNIT /lib/modprobe.d/mamori-usb-storage.conf \
      /usr/share/initramfs-tools/hooks/mamori-agent /usr/share/man/man8/mamori-agent.8.gz \
      /var/lib/systemd/deb-systemd-helper-enabled/$UNIT.dsh-also \
      /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/$UNIT \
      /var/lib/systemd/deb-systemd-helper-masked/$UNIT; do
    [ -e "$path" ] || [ -L "$path" ] && left="$left $path"
  done
  check purge_leaves_nothing "${left:-nothing left}" [ -z "$left" ]
  check purge_no_process "" sh -c '! pgrep -x mamori-agent >/dev/null'
  check purge_no_unit "$(systemctl list-unit-files "$UNIT" --no-legend | head -n 1)" \
    sh -c "[ -z \"\$(systemctl list-unit-files $UNIT --no-legend)\" ]"
  check purge_package_gone "$(dpkg-query -W -f='${db:Status-Abbrev}' mamori-agent 2>&1)" sh -c '! dpkg-query -W mamori-agent >/dev/null 2>&1 || [ "$(dpkg-query -W -f="\${db:Status-Abbrev}" mamori-agent)" = "un " ]'
  if gate_in_initramfs; then fail initramfs_updated_after_purge; else pass initramfs_updated_after_purge; fi
  # No device program of the agent's is left on the root cgroup: the drive's sg node opens for writing
  # again (sr0 would refuse a write open for its read-only disc whatever the gate: EROFS).
  after=$(burn "$sg")
  check purge_leaves_no_device_gate "root opens $sg for writing: '${after:-opened}'" [ -z "$after" ]
  echo 3 >"$PHASE_FILE"
  say DONE
fi
