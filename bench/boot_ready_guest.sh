#!/bin/sh
# bench/boot_ready.py's scenario inside the systemd e2e machine (tests/e2e/systemd): mamori-e2e.service
# runs it as guest.sh at every boot, after multi-user.target (so after the agent is ready: nothing of
# this script runs before the figure it reads). The kernel command line says the boot's kind:
#   mamori.bench=setup    install the agent package (its trigger rebuilds the initramfs with the USB
#                         gate), enroll, take the e2e policy from the collector, keep that initramfs
#                         as /boot/initrd-gate.img and make one without the gate as docs/install.md
#                         says (the rule masked in /etc/modprobe.d, update-initramfs -u)
#   mamori.bench=gate     a boot with the gate (the package as installed; its initramfs)
#   mamori.bench=nogate   a boot without it (the rule masked; the masked initramfs)
# Each boot ends by asking the host for the next kind, masking or unmasking the rule for it, and
# rebooting (or powering off when the host says done). Lines to the host on /dev/ttyS1 as guest.sh's.
set -u
E2E=/run/mamori-e2e
UNIT=mamori-agent.service
MASK=/etc/modprobe.d/mamori-usb-storage.conf
export DEBIAN_FRONTEND=noninteractive

. "$E2E/guest_common.sh"  # say, ask, wait_for, prop, active, agent_id (tests/e2e/systemd)
seconds() { echo "$1" | awk '{printf "%.1f", $1 / 1e6}'; }

kind=$(sed -n 's/.*mamori\.bench=\([a-z]*\).*/\1/p' /proc/cmdline)
say PHASE "$kind"
cd "$E2E" || exit 1

if [ "$kind" = setup ]; then
  install -d -m 0755 /etc/mamori
  install -m 0644 collector.crt /etc/mamori/collector.crt
  install -m 0600 enroll.secret /etc/mamori/enroll.secret
  install -m 0644 agent.conf /etc/mamori/agent.conf
  apt install -y ./new/mamori-agent_*.deb >"$E2E/apt.log" 2>&1 || { tail -n 5 "$E2E/apt.log" | while IFS= read -r l; do say LOG "$l"; done; }
  if wait_for 600 active; then say RESULT installed PASS; else say RESULT installed FAIL "$(prop ActiveState)"; fi
  gate=no
  lsinitramfs "/boot/initrd.img-$(uname -r)" | grep -q 'lib/modprobe.d/mamori-usb-storage.conf' && gate=yes
  say RESULT gate_in_initramfs "$([ $gate = yes ] && echo PASS || echo FAIL)"
  agent=$(agent_id)
  # The e2e machine test's policy (agent_limits lifted: under emulation the agent's CPU share would
  # otherwise restart it mid-boot); applied now, so every measured boot applies the same persisted one.
  ask policy 7 >/dev/null
  old=$(prop MainPID)
  systemctl kill --signal=SIGTERM "$UNIT"
  wait_for 300 sh -c "[ \"\$(systemctl show -p MainPID --value $UNIT)\" != $old ] && [ \"\$(systemctl show -p SubState --value $UNIT)\" = running ]"
  case "$(ask event policy.applied "$agent" 1 300 policy.version=7 policy.source=collector)" in
    OK*) say RESULT policy_applied PASS ;;
    *) say RESULT policy_applied FAIL ;;
  esac
  # Both initramfs images made here, by the same hooks: the package's (kept as /boot/initrd-gate.img),
  # then the one docs/install.md's way of lifting the gate makes (the rule masked, update-initramfs -u).
  cp "/boot/initrd.img-$(uname -r)" /boot/initrd-gate.img
  ln -sf /dev/null "$MASK"
  if update-initramfs -u >"$E2E/update-initramfs.log" 2>&1; then say RESULT initramfs_without_gate PASS
  else say RESULT initramfs_without_gate FAIL "$(tail -n 2 "$E2E/update-initramfs.log" | tr '\n' ' ')"; fi
else
  if ! wait_for 900 active; then
    say RESULT "ready_$kind" FAIL "$(prop ActiveState)/$(prop SubState)"
  else
    # Monotonic microseconds since the kernel started (systemd's timestamps), as the machine test's
    # boot_to_agent_ready_seconds; the agent's own start (exec to READY=1 and ExecStartPost).
    ready=$(prop ActiveEnterTimestampMonotonic)
    exec_at=$(prop ExecMainStartTimestampMonotonic)
    say FIGURE "${kind}_ready" "$(seconds "$ready")"
    say FIGURE "${kind}_agent_start" "$(echo "$exec_at $ready" | awk '{printf "%.1f", ($2 - $1) / 1e6}')"
    say FIGURE "${kind}_systemd_analyze" "$(systemd-analyze 2>&1 | head -n 1)"
    # Whether the boot was the kind it claims: the stick attached from power-on had a disk (no gate)
    # or never had one (gate); and when usb-storage registered, in seconds since the kernel started.
    klog=$(journalctl -k -b --no-pager -o short-monotonic)
    disk=$(printf '%s\n' "$klog" | grep -m1 'Attached SCSI' | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
    storage=$(printf '%s\n' "$klog" | grep -m1 'registered new interface driver usb-storage' | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
    say FIGURE "${kind}_stick_disk_at" "${disk:-never}"
    # The initramfs's own poller says whether usb-storage was there (the gate's rule held it, or not).
    say FIGURE "${kind}_initramfs_usb_storage" "$(printf '%s\n' "$klog" | sed -n 's/.*initramfs: block devices:.*usb_storage module: \([a-z]*\).*/\1/p' | head -n 1)"
    say FIGURE "${kind}_usb_storage_at" "${storage:-never}"
    say RESULT "ready_$kind" PASS
  fi
fi

next=$(ask next)
case "$next" in
  "OK nogate") ln -sf /dev/null "$MASK" ;;
  "OK gate") rm -f "$MASK" ;;
esac
sync
if [ "$next" = "OK done" ]; then
  say DONE
  systemctl poweroff
else
  say REBOOT
  systemctl reboot
fi
