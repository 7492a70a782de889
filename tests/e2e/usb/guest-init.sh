#!/bin/sh
# /init of the USB end-to-end guest (tests/e2e/usb/run_usb_e2e.py boots it). Talks to the host on the
# serial console: "E2E PLUG <id> <serial|kbd>" / "E2E UNPLUG <id>" ask the host to hot-plug through
# QMP; "E2E RESULT <check> PASS|FAIL <detail>" reports; "E2E DONE" ends. Every wait is on a condition
# with a deadline (TCG is slow), never a bare sleep.
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
# cgroup v2, where the agent attaches its device program (the optical channel; systemd mounts it on a PC).
mount -t cgroup2 none /sys/fs/cgroup
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
say() { echo "E2E $*" > /dev/console; }
result() { say "RESULT $1 $2 ${3:-}"; }
finish() { say "DONE"; sync; poweroff -f; }

# wait_for SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds; 1 on timeout.
wait_for() {
  limit=$(( $1 * 20 )); shift; n=0
  while ! "$@" >/dev/null 2>&1; do
    n=$((n + 1)); [ "$n" -ge "$limit" ] && return 1
    usleep 50000
  done
}
# The sd disks of USB sticks (the virtio-scsi system disk and the disks hot-plugged onto it are not).
usb_disks() { for ud in /sys/block/sd*; do readlink -f "$ud" | grep -q '/usb[0-9]*/' && basename "$ud"; done; }
has_disk() { [ -n "$(usb_disks)" ]; }
no_disk() { ! has_disk; }
disk() { usb_disks | head -1; }
logged() { grep "event $1 " /tmp/agent.log | grep -q "\"usb.serial\":\"$2\""; }
# No USB stick is attached but the one attached at boot (early-1: blocked at start, it stays plugged;
# counting it made every wait for the others' removal run to its deadline, about 2 minutes under TCG).
no_stick() {
  for ns_product in $(grep -l HARDDRIVE /sys/bus/usb/devices/*/product 2>/dev/null); do
    [ "$(cat "$(dirname "$ns_product")/serial" 2>/dev/null)" = early-1 ] || return 1
  done
}
kmsg_count() { dmesg | grep -c "mamori: $1" ; }
# Conditions for wait_for are functions: "$(...)" in wait_for's arguments would be evaluated only once.
decisions_at_least() { [ "$(kmsg_count "$1")" -ge "$2" ]; }
is_read_only() { [ "$(cat "/sys/block/$1/ro")" = 1 ]; }
# The agent's activity fanotify group has a mount mark on mount id $1 (fdinfo prints it in hex).
activity_marked() { grep -q "fanotify mnt_id:$(printf %x "$1") " /proc/"$agent_pid"/fdinfo/* 2>/dev/null; }
# Activity events of type $1 naming file $2, one per line ("\/" in the JSON read as "/").
activity_events() { grep "event $1 " /tmp/agent.log | sed 's#\\/#/#g' | grep "\"file.path\":\"$2\""; }
activity_logged() { activity_events "$@" | grep -q .; }

mode=$(sed -n 's/.*mamori\.e2e=\([a-z_]*\).*/\1/p' /proc/cmdline)
for m in $(cat /lib/modules/load-order); do insmod "/lib/modules/$m" || say "WARN insmod $m failed"; done

# start_agent [POLICY [LOG]]
start_agent() {
  agent_log=${2:-/tmp/agent.log}
  MAMORI_TRACE_KMSG=1 mamori-agent --state-dir /var/lib/mamori --collector https://127.0.0.1:9 \
    --policy "${1:-/etc/policy-e2e.json}" --heartbeat-interval 3600 2>"$agent_log" &
  agent_pid=$!
  wait_for 120 grep -q "device control: mode enforce" "$agent_log" || { result agent_start FAIL "$(tail -5 "$agent_log")"; finish; }
  say "AGENT up"
}
# The agent has exited (a zombie until reaped counts as gone).
agent_gone() { [ ! -e "/proc/$agent_pid" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$agent_pid/stat"; }
has_mmc() { ls /sys/block | grep -q '^mmcblk'; }
no_mmc() { ! has_mmc; }
mmc_disk() { ls /sys/block | grep '^mmcblk' | head -1; }
sd_reader_bound() { ls /sys/bus/pci/drivers/sdhci-pci 2>/dev/null | grep -q '^0000:'; }

# check_read_only CHECK DISK: the disk turns read-only before anyone mounts it; it mounts (read-only),
# reads work, writes fail.
check_read_only() {
  wait_for 30 is_read_only "$2"
  ro=$(cat "/sys/block/$2/ro")
  mount -t vfat "/dev/$2" /mnt 2>/tmp/mount.err || mount -t vfat -o ro "/dev/$2" /mnt 2>>/tmp/mount.err
  if grep -q " /mnt vfat ro" /proc/mounts && ls /mnt >/dev/null 2>&1; then
    if echo x > /mnt/new.txt 2>/dev/null; then result "$1" FAIL "write succeeded (ro=$ro)";
    else result "$1" PASS "$2 ro=$ro, mounted read-only, write refused"; fi
  else result "$1" FAIL "mount failed: $(cat /tmp/mount.err)"; fi
  umount /mnt 2>/dev/null
}

plug() { say "PLUG $1 $2"; }
unplug() { say "UNPLUG $1"; }

# 10. Optical drives: a DVD drive on the SATA (AHCI) controller since boot with an ISO 9660 disc in it.
# optical is read_only (the default): burning programs (wodim, xorriso) cannot open the drive for
# writing, as a desktop user (the nodes opened to everyone, as udev's uaccess ACL gives the seat's
# user) or as root (the kernel's device cgroup check applies to root too), and each refusal is
# reported; reading the disc (dd by the user, mount by root) works.
optical_checks() {
  chmod 666 /dev/sr0 /dev/sg* /dev/bsg/* 2>/dev/null
  as_burner() { su -s /bin/sh burner -c "$*"; }
  optical_event() { grep "event $1 " "${2:-/tmp/agent.log}" | grep '"device.channel":"optical"' | tail -1; }
  optical_logged() { [ -n "$(optical_event "$@")" ]; }
  refused_for() { grep "event device.open_refused " /tmp/agent.log | grep "\"process.name\":\"$1\"" | grep -q "\"process.uid\":$2"; }
  if wait_for 30 optical_logged device.read_only && [ "$(cat /sys/block/sr0/ro)" = 1 ]; then
    result optical_read_only_at_start PASS "$(optical_event device.read_only | grep -o '"optical.model":"[^"]*"') $(optical_event device.read_only | grep -o '"optical.nodes":\[[^]]*\]')"
  else result optical_read_only_at_start FAIL "$(grep -E 'optical|error' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  w_out=$(as_burner "wodim dev=/dev/sr0 -checkdrive" 2>&1); w_rc=$?
  x_out=$(as_burner "xorriso -outdev /dev/sr0 -toc" 2>&1); x_rc=$?
  if [ "$w_rc" != 0 ] && [ "$x_rc" != 0 ] && wait_for 30 refused_for wodim 1000 && wait_for 30 refused_for xorriso 1000; then
    result optical_burn_refused PASS "wodim exit $w_rc ($(echo "$w_out" | grep -m1 -iE 'permi|cannot' | cut -c1-120)), xorriso exit $x_rc ($(echo "$x_out" | grep -m1 -iE 'permi|cannot|FAILURE' | cut -c1-120))"
  else result optical_burn_refused FAIL "wodim $w_rc: $(echo "$w_out" | tail -3 | tr '\n' ' ' | cut -c1-300); xorriso $x_rc: $(echo "$x_out" | tail -3 | tr '\n' ' ' | cut -c1-300)"; fi
  r_out=$(wodim dev=/dev/sr0 -checkdrive 2>&1); r_rc=$?
  if [ "$r_rc" != 0 ] && wait_for 30 refused_for wodim 0; then result optical_burn_refused_root PASS "wodim exit $r_rc";
  else result optical_burn_refused_root FAIL "wodim $r_rc: $(echo "$r_out" | tail -3 | tr '\n' ' ' | cut -c1-300)"; fi
  if as_burner "dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null" | grep -q CD001 &&
     mount -t iso9660 -o ro /dev/sr0 /mnt && grep -q "mamori optical disc" /mnt/readme.txt; then
    result optical_disc_readable PASS "dd by the user, mount by root"
  else result optical_disc_readable FAIL "$(dmesg | tail -3 | tr '\n' ' ')"; fi
  umount /mnt 2>/dev/null
}

# 10b. The restarted agent's policy names the DVD drive's model in optical_allow: a burning program
# opens it for writing (QEMU's drive cannot burn: the open and the drive's answers are what is checked).
optical_allowed_check() {
  if wait_for 60 optical_logged device.allowed /tmp/agent-ro.log; then
    w_out=$(as_burner "wodim dev=/dev/sr0 -checkdrive" 2>&1); w_rc=$?
    if [ "$w_rc" = 0 ] && ! grep -q "event device.open_refused" /tmp/agent-ro.log; then
      result optical_burner_allowed PASS "$(echo "$w_out" | grep -m1 -E 'Identification|Vendor' | cut -c1-120)"
    else result optical_burner_allowed FAIL "wodim $w_rc: $(echo "$w_out" | tail -4 | tr '\n' ' ' | cut -c1-400)"; fi
  else result optical_burner_allowed FAIL "no device.allowed; $(grep -E 'optical|error' /tmp/agent-ro.log | tail -3 | cut -c1-300)"; fi
}

# 8. PCIe hot-plug: NVMe drives put into hot-plug slots 2-4 are blocked: held without a driver
# (driver_override), and while their driver had made a disk for a moment, no open of any of their
# nodes passed the agent's device gate (the uevent listener tried each the moment its uevent arrived).
# One in slot 5 (pci_allow names the slot) gets its disk and its partition (re-read by the agent: the
# kernel's own partition scan was refused by the gate), both readable and writable; the drive in slot 1
# since boot keeps its driver, disk and partition, which open throughout.
# disk_and_partition_take_writes DISK PARTITION: sector 1 of the disk (before the partition) and the
# partition's first sector, which is sector 2048 of the disk, written through each node and read back
# through the disk with the caches dropped.
disk_and_partition_take_writes() {
  echo mamori-disk | dd of="/dev/$1" bs=512 seek=1 count=1 conv=sync,fsync 2>/dev/null &&
    echo mamori-part | dd of="/dev/$2" bs=512 count=1 conv=sync,fsync 2>/dev/null && sync &&
    echo 3 > /proc/sys/vm/drop_caches &&
    dd if="/dev/$1" bs=512 skip=1 count=1 2>/dev/null | grep -q mamori-disk &&
    dd if="/dev/$1" bs=512 skip=2048 count=1 2>/dev/null | grep -q mamori-part &&
    dd if="/dev/$2" bs=512 count=1 2>/dev/null | grep -q mamori-part
}
slot_addr() { cat "/sys/bus/pci/slots/$1/address"; }
slot_dev() { echo "/sys/bus/pci/devices/$(slot_addr "$1").0"; }
pci_logged() { grep "event $1 " /tmp/agent.log | grep -q "\"pci.slot\":\"$2\""; }
nvme_disk_in() { ls "$(slot_dev "$1")"/nvme/*/ 2>/dev/null | grep -m1 '^nvme[0-9]*n1$'; }
has_nvme_disk_in() { [ -n "$(nvme_disk_in "$1")" ]; }
has_part_in() { pi_n=$(nvme_disk_in "$1"); [ -n "$pi_n" ] && [ -e "/sys/class/block/${pi_n}p1" ] && [ -e "/dev/${pi_n}p1" ]; }
# A block device of that slot's drive ever added (the uevent log keeps the ones since removed).
exposed_in() { grep -q "^add block .*/$(slot_addr "$1").0/" /tmp/uevents.log; }
# The uevent listener's opens of that slot's nodes, one result a line (opened, refused, gone, other:...).
opens_in() { grep " /devices/.*/$(slot_addr "$1").0/" /tmp/opens.log 2>/dev/null | awk '{print $3}'; }
pcie_checks() {
  held=0; exposed=0; raced=0
  for slot in 2 3 4; do
    plug "nvb$slot" "nvme:rp$slot"
    if wait_for 90 pci_logged device.blocked "$slot"; then
      d=$(slot_dev "$slot")
      # Decided: nothing may bind it afterwards (a probe now would also be refused by the override).
      echo "$(basename "$d")" > /sys/bus/pci/drivers_probe 2>/dev/null
      if [ ! -e "$d/driver" ] && [ "$(cat "$d/driver_override")" = mamori-blocked ] && ! ls "$d"/nvme >/dev/null 2>&1; then
        held=$((held + 1))
      fi
    fi
  done
  uevents_drained || say "WARN the uevent listener did not catch up"
  tried=""; with_disk=0
  for slot in 2 3 4; do
    if exposed_in "$slot"; then
      exposed=$((exposed + 1))
      opens_in "$slot" | grep -qx refused && with_disk=$((with_disk + 1))
    fi
    grep "event device.blocked " /tmp/agent.log | grep "\"pci.slot\":\"$slot\"" | grep -q block_devices_removed && raced=$((raced + 1))
    tried="$tried $(opens_in "$slot")"
  done
  opened=$(echo "$tried" | tr ' ' '\n' | grep -c '^opened$')
  refused=$(echo "$tried" | tr ' ' '\n' | grep -c '^refused$')
  gone=$(echo "$tried" | tr ' ' '\n' | grep -c '^gone$')
  other=$(echo "$tried" | tr ' ' '\n' | grep -c '^other')
  usage="$((opened + refused + gone + other)) opens of their nodes at the uevent: $refused refused, $gone gone, $opened opened, $other other"
  # Asserted: after the decision each drive is without a driver and a disk; no open of a blocked drive's
  # node ever passed, and each drive that had a disk for a moment (its driver won the race,
  # docs/decisions/0033) had an open of it refused by the gate (docs/decisions/0046).
  if [ "$held" = 3 ] && [ "$opened" = 0 ] && [ "$other" = 0 ] && [ "$with_disk" = "$exposed" ]; then
    result pcie_nvme_blocked PASS "3 held without a driver or disk; $exposed had a disk for a moment ($raced unbound with a disk), 0 usable: $usage"
  else result pcie_nvme_blocked FAIL "$held held, $exposed had a disk, $with_disk of them refused; $usage; $(grep -E 'pcie|pci\.' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  say "PCIE-EXPOSED $exposed of 3 had a disk for a moment; usable: $opened ($usage)"
  plug nva5 "nvme:rp5"
  if wait_for 90 pci_logged device.allowed 5 && wait_for 60 has_nvme_disk_in 5 && wait_for 30 has_part_in 5; then
    n=$(nvme_disk_in 5)
    # Sector 1 of the disk (before the partition) and the partition's first sector, which is sector 2048
    # of the disk: written through each node, read back through the disk with the caches dropped.
    if disk_and_partition_take_writes "$n" "${n}p1"; then
      result pcie_nvme_allowed PASS "$n and ${n}p1 of $(slot_addr 5).0 in slot 5 read and written (opens at the uevent: $(opens_in 5 | sort | uniq -c | tr -s ' \n' ' '))"
    else result pcie_nvme_allowed FAIL "$n or ${n}p1 of $(slot_addr 5).0 in slot 5 not readable and writable"; fi
  else result pcie_nvme_allowed FAIL "disk: $(nvme_disk_in 5), partition: $(has_part_in 5 && echo yes || echo no); $(grep -E 'pci' /tmp/agent.log | tail -2 | cut -c1-300)"; fi
  # The drive in slot 1 since boot: never named by the agent, its disk and partition open and take a write.
  b=$(ls /sys/bus/pci/devices/0000:01:00.0/nvme/*/ 2>/dev/null | grep -m1 '^nvme[0-9]*n1$')
  if boot_nvme_ok && ! grep -q '"pci.kernel_name":"0000:01:00.0"' /tmp/agent.log &&
     echo mamori-boot | dd of="/dev/${b}p1" bs=512 seek=1 count=1 conv=sync,fsync 2>/dev/null &&
     [ "$(dd if="/dev/$b" bs=512 count=1 2>/dev/null | wc -c)" = 512 ] &&
     ! grep -q "pcie storage: refused .*/dev/$b" /tmp/agent.log; then
    result pcie_boot_drive_untouched PASS "$b and ${b}p1 open and take writes"
  else result pcie_boot_drive_untouched FAIL "$b: $(ls /sys/bus/pci/devices/0000:01:00.0 | tr '\n' ' '); $(grep "refused .*/dev/$b" /tmp/agent.log | head -2)"; fi
}

# 11. SCSI disks on a non-USB transport, hot-plugged while the agent runs: the stand-in for eSATA and
# hot-plugged SATA/SAS disks (QEMU cannot hot-plug a disk onto its AHCI controller; a scsi-hd put onto
# the virtio-scsi controller is a SCSI disk on a non-USB transport, decided the same way). Under the
# default pcie_storage block, two unknown disks are refused: their nodes exist, but no open of the
# disk or its sg/bsg nodes ever passes the device gate (the listener tries each at its uevent), dd and
# mount fail. The company disk (disk_allow by model and serial) gets its partition (re-read by the
# agent) at once usable, both written and read back; its partition's open at the uevent already
# passes (the agent allows the disk's whole minor range). It is then unplugged: how long its freed
# number stayed allowed is measured by the listener. The system disk on the same controller since boot:
# never named, opens and takes writes throughout.
scsi_disk_of() { for sd in /sys/block/sd*; do grep -aq "$1" "$sd/device/vpd_pg80" 2>/dev/null && basename "$sd"; done | head -1; }
scsi_disk_in() { [ -n "$(scsi_disk_of "$1")" ]; }
scsi_logged() { grep "event $1 " /tmp/agent.log | grep -q "\"scsi.serial\":\"$2\""; }
scsi_part_in() { sp_d=$(scsi_disk_of "$1"); [ -n "$sp_d" ] && [ -e "/dev/${sp_d}1" ]; }
# The listener's opens of the nodes of the SCSI device of disk $1 (sd, partitions, sg, bsg).
scsi_opens_of() {
  so_dev=$(readlink -f "/sys/block/$1/device"); so_dev=${so_dev#/sys}
  grep " $so_dev/" /tmp/opens.log 2>/dev/null | awk '{print $3}'
}
scsi_checks() {
  sb=$(scsi_disk_of boot-scsi)
  tried=""; blocked=0; unusable=0
  for i in 1 2; do
    plug "scb$i" "scsi:blocked-disk-$i"
    if wait_for 90 scsi_logged device.blocked "blocked-disk-$i" && wait_for 30 scsi_disk_in "blocked-disk-$i"; then
      blocked=$((blocked + 1))
      d=$(scsi_disk_of "blocked-disk-$i")
      if ! dd if="/dev/$d" of=/dev/null bs=512 count=1 2>/dev/null && ! mount -t vfat "/dev/$d" /mnt 2>/dev/null &&
         [ ! -e "/dev/${d}1" ]; then unusable=$((unusable + 1)); fi
    fi
  done
  uevents_drained || say "WARN the uevent listener did not catch up"
  for i in 1 2; do d=$(scsi_disk_of "blocked-disk-$i"); [ -n "$d" ] && tried="$tried $(scsi_opens_of "$d")"; done
  opened=$(echo "$tried" | tr ' ' '\n' | grep -c '^opened$')
  refused=$(echo "$tried" | tr ' ' '\n' | grep -c '^refused$')
  other=$(echo "$tried" | tr ' ' '\n' | grep -c -e '^gone$' -e '^other')
  reported=$(grep "event device.open_refused " /tmp/agent.log | grep -c '"scsi.serial":"blocked-disk-')
  usage="$((opened + refused + other)) opens of their nodes at the uevent: $refused refused, $opened opened, $other other; $reported device.open_refused"
  if [ "$blocked" = 2 ] && [ "$unusable" = 2 ] && [ "$opened" = 0 ] && [ "$refused" -ge 4 ] && [ "$reported" -ge 1 ]; then
    result scsi_hotplug_blocked PASS "2 refused (dd, mount, no partition), 0 usable: $usage"
  else result scsi_hotplug_blocked FAIL "$blocked blocked, $unusable unusable; $usage; $(grep -E 'hot-plugged|scsi' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  say "SCSI-EXPOSED usable: $opened ($usage)"
  plug sca1 "scsi:company-disk"
  if wait_for 90 scsi_logged device.allowed company-disk && wait_for 30 scsi_part_in company-disk; then
    sn=$(scsi_disk_of company-disk)  # not n: wait_for counts in n
    if disk_and_partition_take_writes "$sn" "${sn}1"; then
      uevents_drained
      at_uevent=$(grep -E "^open (${sn}|${sn}1) " /tmp/opens.log | awk '{print $2"="$3}' | sort | uniq -c | tr -s ' \n' ' ')
      # The partition appears after the agent allowed the disk's minor range: open at its uevent.
      if grep -q "^open ${sn}1 opened " /tmp/opens.log; then
        result scsi_hotplug_allowed PASS "$sn and ${sn}1 read and written (opens at the uevent:$at_uevent)"
      else result scsi_hotplug_allowed FAIL "${sn}1 not opened at its uevent (opens:$at_uevent)"; fi
    else result scsi_hotplug_allowed FAIL "$sn or ${sn}1 not readable and writable"; fi
    unplug sca1
    freed() { grep -q "^freed $sn " /tmp/opens.log; }
    if wait_for 60 freed; then say "SCSI-FREED $(grep "^freed $sn " /tmp/opens.log | tail -1)"; fi
  else result scsi_hotplug_allowed FAIL "disk: $(scsi_disk_of company-disk), partition: $(scsi_part_in company-disk && echo yes || echo no); $(grep -E 'scsi|hot-plugged' /tmp/agent.log | tail -2 | cut -c1-300)"; fi
  if [ -n "$sb" ] && ! grep -q '"scsi.serial":"boot-scsi"' /tmp/agent.log &&
     echo mamori-boot | dd of="/dev/${sb}1" bs=512 seek=1 count=1 conv=sync,fsync 2>/dev/null &&
     [ "$(dd if="/dev/$sb" bs=512 count=1 2>/dev/null | wc -c)" = 512 ] &&
     ! grep -q "hot-plugged disks: refused .*/dev/$sb" /tmp/agent.log; then
    result scsi_boot_disk_untouched PASS "$sb and ${sb}1 open and take writes"
  else result scsi_boot_disk_untouched FAIL "$sb: $(ls /sys/block | tr '\n' ' '); $(grep "refused .*/dev/$sb" /tmp/agent.log | head -2)"; fi
}

# 7b. A phone made by the kernel's own gadget stack, as a real Android phone shows itself: dummy_hcd
# (a host and a device controller in this kernel, its root hub closed by the agent like xHCI's) and a
# configfs gadget with Google's MTP ids, an MTP interface as AOSP builds it (FunctionFS served by
# gadget-phone: class ff/ff/00, interface string "MTP", Microsoft OS extended compat ID "MTP") and a HID
# keyboard beside it in the same configuration. The agent reads the string and the Microsoft OS
# descriptor from the unconfigured device; the device is authorized with its MTP interface refused
# (authorized 0, no driver, and the usbfs claim libmtp would make fails) and its keyboard bound (usbhid,
# an input device). Three replugs (the gadget unbound from its UDC and bound again) add to the
# plug-to-decision figures. The negative control: the same ids and interface class with another
# string and no Microsoft OS descriptor is a vendor-specific interface the policy's default allows:
# authorized and claimable, so the phone was recognised by its descriptors, not by its ids or class.
# Before them, dummy_hcd's root hub is closed (at the agent's start, and when it comes again while the
# agent is stopped); last, a hostile device with two configurations (see there).
gadget_root=/sys/kernel/config/usb_gadget
# gadget_make NAME mtp|vendor|twoface SERIAL PRODUCT: the gadget NAME (not bound) and its FunctionFS
# server. mtp and vendor: the FunctionFS interface (0) and a keyboard (1) in one configuration;
# twoface: the vendor one alone in configuration 1, a mass-storage function in configuration 2.
gadget_make() {
  gm=$gadget_root/$1
  mkdir -p "$gm/strings/0x409" "$gm/configs/c.1/strings/0x409" "$gm/functions/ffs.$1" || return 1
  echo 0x18d1 > "$gm/idVendor"; echo 0x4ee1 > "$gm/idProduct"; echo 0x0200 > "$gm/bcdUSB"
  echo mamori > "$gm/strings/0x409/manufacturer"; echo "$4" > "$gm/strings/0x409/product"
  echo "$3" > "$gm/strings/0x409/serialnumber"; echo "$2" > "$gm/configs/c.1/strings/0x409/configuration"
  ln -s "$gm/functions/ffs.$1" "$gm/configs/c.1/" || return 1
  if [ "$2" = twoface ]; then
    mkdir -p "$gm/configs/c.2/strings/0x409" "$gm/functions/mass_storage.$1" || return 1
    dd if=/dev/zero of="/tmp/$1.img" bs=1024 count=1024 2>/dev/null
    echo "/tmp/$1.img" > "$gm/functions/mass_storage.$1/lun.0/file"
    ln -s "$gm/functions/mass_storage.$1" "$gm/configs/c.2/" || return 1
  else
    # A boot keyboard: the report descriptor of the kernel's gadget_hid documentation.
    mkdir -p "$gm/functions/hid.$1" || return 1
    echo 1 > "$gm/functions/hid.$1/protocol"; echo 1 > "$gm/functions/hid.$1/subclass"
    echo 8 > "$gm/functions/hid.$1/report_length"
    printf '\x05\x01\x09\x06\xa1\x01\x05\x07\x19\xe0\x29\xe7\x15\x00\x25\x01\x75\x01\x95\x08\x81\x02\x95\x01\x75\x08\x81\x03\x95\x05\x75\x01\x05\x08\x19\x01\x29\x05\x91\x02\x95\x01\x75\x03\x91\x03\x95\x06\x75\x08\x15\x00\x25\x65\x05\x07\x19\x00\x29\x65\x81\x00\xc0' > "$gm/functions/hid.$1/report_desc"
    ln -s "$gm/functions/hid.$1" "$gm/configs/c.1/" || return 1
  fi
  if [ "$2" = mtp ]; then  # the composite layer answers string 0xEE and the vendor request for it
    echo 1 > "$gm/os_desc/use"; echo 0x01 > "$gm/os_desc/b_vendor_code"; echo MSFT100 > "$gm/os_desc/qw_sign"
    ln -s "$gm/configs/c.1" "$gm/os_desc/" || return 1
  fi
  mkdir -p "/dev/ffs-$1" && mount -t functionfs "$1" "/dev/ffs-$1" || return 1
  gadget-phone serve "/dev/ffs-$1" "$([ "$2" = mtp ] && echo mtp || echo vendor)" > "/tmp/ffs-$1.log" 2>&1 &
  wait_for 10 grep -q ready "/tmp/ffs-$1.log"
}
gadget_bind() { ls /sys/class/udc | head -1 > "$gadget_root/$1/UDC"; }
gadget_unbind() { echo > "$gadget_root/$1/UDC"; }
# The host side: the device of serial $1, and its interface of class $2 (ff, 03).
gadget_dev() { grep -lx "$1" /sys/bus/usb/devices/*/serial 2>/dev/null | head -1 | xargs -r dirname; }
gadget_gone() { [ -z "$(gadget_dev "$1")" ]; }
gadget_if() { grep -lx "$2" "$(gadget_dev "$1")"/*:*/bInterfaceClass 2>/dev/null | head -1 | xargs -r dirname; }
gadget_node() { gn=$(gadget_dev "$1"); printf '/dev/bus/usb/%03d/%03d' "$(cat "$gn/busnum")" "$(cat "$gn/devnum")"; }
gadget_claim() { gadget-phone claim "$(gadget_node "$1")" "$(cat "$(gadget_if "$1" "$2")/bInterfaceNumber")"; }
gadget_event() { grep "event $1 " /tmp/agent.log | grep "\"usb.serial\":\"$2\"" | tail -1; }
gadget_events() { grep "event $1 " /tmp/agent.log | grep -c "\"usb.serial\":\"$2\""; }
gadget_events_above() { [ "$(gadget_events "$1" "$2")" -gt "$3" ]; }
gadget_decided() { grep -E "event device\.(blocked|allowed|read_only) " /tmp/agent.log | grep -q "\"usb.serial\":\"$1\""; }
gadget_kbd_input() { gk=$(gadget_if "$1" 03); [ -n "$gk" ] && [ -e "$gk/driver" ] && ls -d "$gk"/*/input/input* >/dev/null 2>&1; }
# The MTP interface exists (the device is configured) and is refused: not authorized, no driver.
gadget_mtp_refused() {
  gr=$(gadget_if "$1" ff); [ -n "$gr" ] && [ "$(cat "$gr/authorized")" = 0 ] && [ ! -e "$gr/driver" ]
}
# has_all TEXT PATTERN...: every fixed string is in TEXT.
has_all() { ha_text=$1; shift; for ha in "$@"; do echo "$ha_text" | grep -qF "$ha" || return 1; done; }
gadget_phone_checks() {
  gp_t0=$(uptime_s)
  # dummy_hcd's root hub was there when the agent started: closed like the others.
  rh=$(ls -d /sys/bus/platform/devices/dummy_hcd.0/usb* 2>/dev/null | head -1)
  if [ -n "$rh" ] && [ "$(cat "$rh/authorized_default")" = 0 ] && [ "$(cat "$rh/interface_authorized_default")" = 0 ]; then
    result gadget_root_hub_closed PASS "$(basename "$rh") authorized_default=0 interface_authorized_default=0"
  else result gadget_root_hub_closed FAIL "${rh:-no dummy_hcd root hub}: $(cat "$rh/authorized_default" "$rh/interface_authorized_default" 2>&1 | tr '\n' ' ')"; fi
  # A host controller added while the agent runs (a dock's, an ExpressCard's): dummy_hcd loaded again
  # while the agent is stopped, so that only usbcore's authorized_default (which the agent closed at
  # start) can have closed the new root hub; then the agent goes on and the phone comes on that bus.
  kill -STOP "$agent_pid"
  rmmod dummy_hcd && insmod /lib/modules/dummy_hcd.ko
  rh=$(ls -d /sys/bus/platform/devices/dummy_hcd.0/usb* 2>/dev/null | head -1)
  rh_default=$(cat "$rh/authorized_default" 2>&1)
  kill -CONT "$agent_pid"
  if [ "$rh_default" = 0 ]; then result gadget_new_controller_closed PASS "$(basename "$rh") authorized_default=0 before the agent heard of it"
  else result gadget_new_controller_closed FAIL "${rh:-no root hub} authorized_default=$rh_default (usbcore: $(cat /sys/module/usbcore/parameters/authorized_default))"; fi
  if ! grep -q configfs /proc/mounts; then mount -t configfs none /sys/kernel/config; fi
  if ! gadget_make phone mtp gadget-mtp "e2e gadget phone"; then
    result gadget_phone_refused FAIL "gadget not made: $(cat /tmp/ffs-phone.log 2>/dev/null) $(dmesg | tail -3 | tr '\n' ' ')"
    return
  fi
  gadget_bind phone
  if wait_for 60 gadget_events_above device.blocked gadget-mtp 0 && wait_for 10 gadget_mtp_refused gadget-mtp; then
    d=$(gadget_dev gadget-mtp); claimed=$(gadget_claim gadget-mtp ff)
    case "$claimed" in
      refused*) result gadget_phone_refused PASS "$(basename "$d") authorized=$(cat "$d/authorized"), MTP interface $(basename "$(gadget_if gadget-mtp ff)") authorized=0 without a driver, usbfs claim $claimed" ;;
      *) result gadget_phone_refused FAIL "usbfs claim of the MTP interface: $claimed" ;;
    esac
  else result gadget_phone_refused FAIL "$(gadget_event device.blocked gadget-mtp | cut -c1-400); $(ls "$(gadget_dev gadget-mtp)" 2>&1 | tr '\n' ' ')"; fi
  event=$(gadget_event device.blocked gadget-mtp)
  if has_all "$event" '"usb.vendor_id":"18d1"' '"usb.product_id":"4ee1"' '"usb.serial":"gadget-mtp"' \
       '"usb.product":"e2e gadget phone"' '"device.channel":"phones"' '"device.protocols":["mtp"]' \
       '"recognised_by":["interface_string","ms_os_descriptor"]' '"device.decision":"partial"' '"string":"MTP"'; then
    result gadget_phone_recognised PASS "18d1:4ee1 gadget-mtp, MTP by its interface string and Microsoft OS descriptor, partial"
  else result gadget_phone_recognised FAIL "$(echo "$event" | cut -c1-800)"; fi
  if wait_for 30 gadget_kbd_input gadget-mtp && [ "$(cat "$(gadget_if gadget-mtp 03)/authorized")" = 1 ]; then
    k=$(gadget_if gadget-mtp 03)
    result gadget_keyboard_beside_phone PASS "$(basename "$k") $(basename "$(readlink "$k/driver")") $(basename "$(ls -d "$k"/*/input/input* | head -1)")"
  else result gadget_keyboard_beside_phone FAIL "$(ls "$(gadget_if gadget-mtp 03)" 2>&1 | tr '\n' ' ')"; fi
  # Replugs: the same phone unplugged and plugged again, decided again each time.
  refused=0; usable=0; round=1
  while [ "$round" -le 3 ]; do
    before=$(gadget_events device.blocked gadget-mtp)
    gadget_unbind phone; wait_for 30 gadget_gone gadget-mtp
    gadget_bind phone
    if wait_for 60 gadget_events_above device.blocked gadget-mtp "$before" && wait_for 10 gadget_mtp_refused gadget-mtp; then
      refused=$((refused + 1))
    fi
    case "$(gadget_claim gadget-mtp ff)" in claimed) usable=$((usable + 1)) ;; esac
    round=$((round + 1))
  done
  gadget_unbind phone; wait_for 30 gadget_gone gadget-mtp
  if [ "$refused" = 3 ] && [ "$usable" = 0 ]; then result gadget_phone_replugs PASS "3 refused, 0 claimable";
  else result gadget_phone_replugs FAIL "$refused refused, $usable claimable"; fi
  # The negative control.
  if gadget_make vendor vendor gadget-vendor "e2e gadget vendor" && gadget_bind vendor &&
     wait_for 60 gadget_events_above device.allowed gadget-vendor 0; then
    event=$(gadget_event device.allowed gadget-vendor)
    vi=$(gadget_if gadget-vendor ff)
    claimed=$(gadget_claim gadget-vendor ff)
    if [ -n "$vi" ] && [ "$(cat "$vi/authorized")" = 1 ] && [ "$claimed" = claimed ] &&
       has_all "$event" '"usb.vendor_id":"18d1"' '"usb.product_id":"4ee1"' '"string":"Vendor Bulk"' &&
       ! echo "$event" | grep -q '"device.protocols"' && wait_for 30 gadget_kbd_input gadget-vendor; then
      result gadget_vendor_not_mtp PASS "same ids and class, string \"Vendor Bulk\", no Microsoft OS descriptor: allowed (vendor_specific), usbfs claim $claimed"
    else result gadget_vendor_not_mtp FAIL "interface $vi authorized=$(cat "$vi/authorized" 2>/dev/null), claim $claimed; $(echo "$event" | cut -c1-600)"; fi
  else result gadget_vendor_not_mtp FAIL "no device.allowed: $(cat /tmp/ffs-vendor.log 2>/dev/null) $(grep gadget-vendor /tmp/agent.log | tail -2 | cut -c1-400)"; fi
  gadget_unbind vendor; wait_for 30 gadget_gone gadget-vendor
  # Hostile: two configurations, the vendor-specific interface alone in the first (allowed by
  # default) and mass storage in the second. Linux configures the second (the first one whose first
  # interface is not vendor-specific): the agent decides on that one, so the device is never authorized.
  if gadget_make twoface twoface gadget-twoface "e2e gadget two-faced" && gadget_bind twoface &&
     wait_for 60 gadget_decided gadget-twoface; then
    d=$(gadget_dev gadget-twoface); event=$(gadget_event 'device\.[a-z_]*' gadget-twoface)
    if [ "$(cat "$d/authorized")" = 0 ] && [ -z "$(cat "$d/bConfigurationValue")" ] &&
       has_all "$event" '"usb.interface_classes":["mass_storage"]' '"device.decision":"block"'; then
      result gadget_two_configurations_blocked PASS "$(basename "$d") not authorized, never configured: decided as the mass storage of configuration 2"
    else
      wait_for 10 has_disk
      result gadget_two_configurations_blocked FAIL "$(basename "$d") authorized=$(cat "$d/authorized") configuration $(cat "$d/bConfigurationValue") disks: $(usb_disks | tr '\n' ' '); $(echo "$event" | cut -c1-500)"
    fi
  else result gadget_two_configurations_blocked FAIL "no decision: $(cat /tmp/ffs-twoface.log 2>/dev/null) $(grep gadget-twoface /tmp/agent.log | tail -2 | cut -c1-400)"; fi
  gadget_unbind twoface; wait_for 30 gadget_gone gadget-twoface
  say_time gadget_phone_checks "$gp_t0"
}

# 12. USB CD/DVD burners: QEMU's usb-bot with a scsi-cd holding the disc, hot-plugged. The USB
# channel decides at the plug, before any SCSI type is known: a burner no allow entry names is blocked
# like a stick (never authorized: no SCSI host, no sr or sg node); one its allow entry (vid/pid/serial)
# admits gets its drive, which the optical channel decides like the SATA one: read_only (the default)
# refuses opening it for writing to the user and to root (wodim, xorriso), the disc stays readable. The
# uevent listener tried each of its sr and sg nodes for writing at its uevent (/tmp/wopens.log).
# After the restart (policy-e2e-cards-ro.json: optical_allow names QEMU CD-ROM) a burner whose USB entry
# is read_only still cannot burn (burning is a write), one whose entry is full can.
ub_dev() { grep -l "^$1\$" /sys/bus/usb/devices/*/serial 2>/dev/null | head -1 | xargs -r dirname | xargs -r readlink -f; }
ub_gone() { [ -z "$(ub_dev "$1")" ]; }
# The nodes of class $2 (block, scsi_generic) below the USB burner of serial $1.
ub_nodes() {
  ubn_dev=$(ub_dev "$1"); [ -n "$ubn_dev" ] || return 0
  for ubn in /sys/class/"$2"/*; do case "$(readlink -f "$ubn")" in "$ubn_dev"/*) basename "$ubn" ;; esac; done
}
ub_sr() { ub_nodes "$1" block | grep '^sr' | head -1; }
ub_has_sr() { ub_s=$(ub_sr "$1"); [ -n "$ub_s" ] && [ -e "/dev/$ub_s" ]; }
ub_logged() { grep "event $1 " "${3:-/tmp/agent.log}" | grep -q "\"usb.serial\":\"$2\""; }
# The USB channel let the burner of serial $1 in (fully or read-only), in log $2.
ub_admitted() { grep -E "event device\.(allowed|read_only) " "$2" | grep -q "\"usb.serial\":\"$1\""; }
# An optical event of type $1 for the drive at SCSI address $2 in log $3.
ub_optical() { grep "event $1 " "${3:-/tmp/agent.log}" | grep '"device.channel":"optical"' | grep -q "\"optical.address\":\"$2\""; }
# The device.open_refused events of log $1 after its line $2 (SCSI addresses are reused by later drives).
ub_refusals() { tail -n "+$(($2 + 1))" "$1" | grep "event device.open_refused "; }
# A device.open_refused of the drive at $3 for program $1 run by uid $2, in log $4 after its line $5.
ub_refused_for() {
  ub_refusals "${4:-/tmp/agent.log}" "${5:-0}" | grep "\"process.name\":\"$1\"" |
    grep "\"process.uid\":$2" | grep -q "\"optical.address\":\"$3\""
}
ub_as_burner() { su -s /bin/sh burner -c "$*"; }
# The burner of serial $1 plugged as id $2: its sr name, SCSI address and sg name in ub_s, ub_a, ub_g
# (nodes opened to everyone, as udev's uaccess ACL gives the seat's user); 1 when no drive came.
ub_plug_drive() {
  ub_wfrom=$(wc -l < /tmp/wopens.log 2>/dev/null || echo 0)
  plug "$2" "usbcd:$1"
  wait_for 90 ub_admitted "$1" "${3:-/tmp/agent.log}" && wait_for 60 ub_has_sr "$1" || return 1
  ub_s=$(ub_sr "$1"); ub_a=$(basename "$(readlink -f "/sys/class/block/$ub_s/device")"); ub_g=$(ub_nodes "$1" scsi_generic | head -1)
  chmod 666 "/dev/$ub_s" "/dev/$ub_g" "/dev/bsg/$ub_a" 2>/dev/null
}
# The write opens at their uevent of the last plugged burner's nodes (below SCSI address $1; addresses
# are reused, so only since its plug).
ub_wopens() { tail -n "+$((ub_wfrom + 1))" /tmp/wopens.log 2>/dev/null | grep " /devices/.*/$1/"; }
# How many of them passed the gate (opened, or refused by the driver itself: EROFS).
ub_wopen_passed() { ub_wopens "$1" | awk '$3 != "refused" && $3 != "gone"' | wc -l; }
# Seconds since boot, to say how long a section took ("TIME name seconds").
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say_time() { say "TIME $1 $(echo "$(uptime_s) $2" | awk '{printf "%.1f", $1 - $2}')"; }
usb_burner_checks() {
  ub_t0=$(uptime_s)
  ubx_from=$(wc -l < /tmp/uevents.log)
  plug ubx "usbcd:burner-private"
  if wait_for 90 ub_logged device.blocked burner-private; then
    ubx_dev=$(ub_dev burner-private); ubx_name=$(basename "$ubx_dev")
    uevents_drained
    # Never authorized: no interface, so no SCSI host; no node below it ever added (the uevent log
    # since its plug: the port's earlier devices had theirs).
    ubx_nodes=$(tail -n "+$((ubx_from + 1))" /tmp/uevents.log | grep -c "^add \(block\|scsi_generic\|bsg\|scsi_host\) .*/$ubx_name/")
    if [ "$(cat "$ubx_dev/authorized")" = 0 ] && [ "$ubx_nodes" = 0 ] && ! ls -d "$ubx_dev/$ubx_name":* >/dev/null 2>&1; then
      result usb_burner_blocked PASS "$ubx_name authorized=0, no interface, 0 nodes ever added"
    else result usb_burner_blocked FAIL "$ubx_name authorized=$(cat "$ubx_dev/authorized"), $ubx_nodes nodes added: $(ls "$ubx_dev" | tr '\n' ' ')"; fi
  else result usb_burner_blocked FAIL "no device.blocked; $(grep -E 'burner|error' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  say "USB-BURNER-EXPOSED blocked: ${ubx_nodes:-?} nodes"
  unplug ubx
  if ub_plug_drive burner-company uba; then
    if wait_for 30 ub_optical device.read_only "$ub_a" && [ "$(cat "/sys/block/$ub_s/ro")" = 1 ]; then
      ro_ok=1; else ro_ok=0; fi
    ub_from=$(wc -l < /tmp/agent.log)
    w_out=$(ub_as_burner "wodim dev=/dev/$ub_s -checkdrive" 2>&1); w_rc=$?
    x_out=$(ub_as_burner "xorriso -outdev /dev/$ub_s -toc" 2>&1); x_rc=$?
    g_out=$(ub_as_burner "wodim dev=/dev/$ub_g -checkdrive" 2>&1); g_rc=$?
    if [ "$ro_ok" = 1 ] && [ "$w_rc" != 0 ] && [ "$x_rc" != 0 ] && [ "$g_rc" != 0 ] &&
       wait_for 30 ub_refused_for wodim 1000 "$ub_a" /tmp/agent.log "$ub_from" &&
       wait_for 30 ub_refused_for xorriso 1000 "$ub_a" /tmp/agent.log "$ub_from"; then
      result usb_burner_burn_refused PASS "$ub_s/$ub_g at $ub_a read_only: wodim exit $w_rc (sr) $g_rc (sg), xorriso exit $x_rc"
    else result usb_burner_burn_refused FAIL "ro event $ro_ok; wodim $w_rc/$g_rc: $(echo "$w_out" | tail -2 | tr '\n' ' ' | cut -c1-200); xorriso $x_rc: $(echo "$x_out" | tail -2 | tr '\n' ' ' | cut -c1-200)"; fi
    r_out=$(wodim dev="/dev/$ub_s" -checkdrive 2>&1); r_rc=$?
    if [ "$r_rc" != 0 ] && wait_for 30 ub_refused_for wodim 0 "$ub_a" /tmp/agent.log "$ub_from"; then result usb_burner_burn_refused_root PASS "wodim exit $r_rc";
    else result usb_burner_burn_refused_root FAIL "wodim $r_rc: $(echo "$r_out" | tail -3 | tr '\n' ' ' | cut -c1-300)"; fi
    if ub_as_burner "dd if=/dev/$ub_s bs=2048 skip=16 count=1 2>/dev/null" | grep -q CD001 &&
       mount -t iso9660 -o ro "/dev/$ub_s" /mnt && grep -q "mamori optical disc" /mnt/readme.txt; then
      result usb_burner_disc_readable PASS "dd by the user, mount by root"
    else result usb_burner_disc_readable FAIL "$(dmesg | tail -3 | tr '\n' ' ')"; fi
    umount /mnt 2>/dev/null
    uevents_drained
    say "USB-BURNER-EXPOSED allowed read_only: $(ub_wopen_passed "$ub_a") of its sr/sg nodes opened for writing at their uevent ($(ub_wopens "$ub_a" | awk '{print $2"="$3}' | tr '\n' ' '))"
  else result usb_burner_burn_refused FAIL "no drive: $(grep -E 'burner|optical|error' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  unplug uba
  wait_for 60 ub_gone burner-private; wait_for 60 ub_gone burner-company
  say_time usb_burner_checks "$ub_t0"
}
# After the restart with policy-e2e-cards-ro.json (optical_allow: QEMU CD-ROM, full).
usb_burner_allowed_checks() {
  ub_t0=$(uptime_s)
  if ub_plug_drive burner-ro ubr /tmp/agent-ro.log && wait_for 30 ub_optical device.read_only "$ub_a" /tmp/agent-ro.log; then
    ub_from=$(wc -l < /tmp/agent-ro.log)
    w_out=$(ub_as_burner "wodim dev=/dev/$ub_g -checkdrive" 2>&1); w_rc=$?
    reason=$(grep "event device.read_only " /tmp/agent-ro.log | grep "\"optical.address\":\"$ub_a\"" | grep -o '"device.reason":"[^"]*"' | tail -1)
    if [ "$w_rc" != 0 ] && wait_for 30 ub_refused_for wodim 1000 "$ub_a" /tmp/agent-ro.log "$ub_from"; then
      result usb_burner_read_only_entry PASS "wodim exit $w_rc; $reason"
    else result usb_burner_read_only_entry FAIL "wodim $w_rc: $(echo "$w_out" | tail -2 | tr '\n' ' ' | cut -c1-300)"; fi
  else result usb_burner_read_only_entry FAIL "no read-only drive: $(grep -E 'burner|optical' /tmp/agent-ro.log | tail -3 | cut -c1-300)"; fi
  unplug ubr
  wait_for 60 ub_gone burner-ro
  if ub_plug_drive burner-company ubf /tmp/agent-ro.log && wait_for 30 ub_optical device.allowed "$ub_a" /tmp/agent-ro.log; then
    ub_from=$(wc -l < /tmp/agent-ro.log)
    w_out=$(ub_as_burner "wodim dev=/dev/$ub_g -checkdrive" 2>&1); w_rc=$?
    # The write open passed and the drive answered wodim's inquiry (QEMU's scsi-cd cannot burn, so
    # wodim's exit status says nothing here); no refusal since the drive came (the agent reports the
    # gate's refusals every 250 ms: an absence is checked after 500).
    if echo "$w_out" | grep -q "Identification" && usleep 500000 && ! ub_refusals /tmp/agent-ro.log "$ub_from" | grep -q "\"optical.address\":\"$ub_a\""; then
      result usb_burner_allowed PASS "wodim exit $w_rc: $(echo "$w_out" | grep -m1 -E 'Identification' | cut -c1-120)"
    else result usb_burner_allowed FAIL "wodim $w_rc: $(echo "$w_out" | tail -3 | tr '\n' ' ' | cut -c1-300)"; fi
  else result usb_burner_allowed FAIL "no allowed drive: $(grep -E 'burner|optical' /tmp/agent-ro.log | tail -3 | cut -c1-300)"; fi
  unplug ubf
  wait_for 60 ub_gone burner-company
  say_time usb_burner_allowed_checks "$ub_t0"
}

# 13. A PCI storage controller other than NVMe hot-plugged into PCIe slot 6 with a disk behind it:
# QEMU's megasas-gen2 (an LSI MegaRAID SAS 2108 HBA, class 0104, driven by megaraid_sas), standing in
# for a SAS/SATA HBA in a PCIe hot-plug slot or a Thunderbolt expansion chassis and for ExpressCard
# SATA (QEMU cannot hot-plug its AHCI controller). Under the default pcie_storage block the controller
# is held without a driver; whether its disk ever appeared is measured from the uevent log, and no
# open of its nodes at their uevents passed (the gate refuses the sd and sg majors for a disk not
# allowed). The boot NVMe drive and the boot SCSI disk keep working.
hba_checks() {
  hba_t0=$(uptime_s)
  plug hba6 "hba:rp6"
  held=0
  if wait_for 90 pci_logged device.blocked 6; then
    d=$(slot_dev 6)
    echo "$(basename "$d")" > /sys/bus/pci/drivers_probe 2>/dev/null
    if [ ! -e "$d/driver" ] && [ "$(cat "$d/driver_override")" = mamori-blocked ] && ! ls -d "$d"/host* >/dev/null 2>&1; then held=1; fi
  fi
  uevents_drained || say "WARN the uevent listener did not catch up"
  hosts=$(grep -c "^add scsi_host .*/$(slot_addr 6).0/" /tmp/uevents.log)
  disks=$(grep -c "^add block .*/$(slot_addr 6).0/" /tmp/uevents.log)
  tried=$(opens_in 6 | tr '\n' ' ')
  opened=$(echo "$tried" | tr ' ' '\n' | grep -c '^opened$')
  usage="$hosts SCSI hosts and $disks disks ever added; opens at the uevent: ${tried:-none}"
  if [ "$held" = 1 ] && [ "$opened" = 0 ]; then
    result pcie_hba_blocked PASS "$(cat "$(slot_dev 6)/vendor" "$(slot_dev 6)/device" "$(slot_dev 6)/class" | tr '\n' ' ')held without a driver; $usage"
  else result pcie_hba_blocked FAIL "held=$held; $usage; $(grep -E 'pcie|pci\.' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
  say "HBA-EXPOSED $disks disks; usable: $opened ($usage)"
  b=$(ls /sys/bus/pci/devices/0000:01:00.0/nvme/*/ 2>/dev/null | grep -m1 '^nvme[0-9]*n1$')
  sb=$(scsi_disk_of boot-scsi)
  if boot_nvme_ok && [ -n "$sb" ] &&
     echo mamori-boot | dd of="/dev/${b}p1" bs=512 seek=1 count=1 conv=sync,fsync 2>/dev/null &&
     echo mamori-boot | dd of="/dev/${sb}1" bs=512 seek=1 count=1 conv=sync,fsync 2>/dev/null &&
     [ "$(dd if="/dev/$sb" bs=512 count=1 2>/dev/null | wc -c)" = 512 ] &&
     ! grep -q "refused .*/dev/\($b\|$sb\)" /tmp/agent.log; then
    result pcie_hba_boot_disks_untouched PASS "${b}p1 and ${sb}1 take writes"
  else result pcie_hba_boot_disks_untouched FAIL "$b $sb: $(grep -E "refused .*/dev/($b|$sb)" /tmp/agent.log | head -2)"; fi
  say_time hba_checks "$hba_t0"
}

# A quick run of two parts (run_usb_e2e.py --only optical|usb_burner): $1 under the e2e policy, then
# the agent restarted with policy-e2e-cards-ro.json and $2; the agent's device lines and the kernel's
# plug and decision lines (plug-to-decision figures) go to the host.
quick_run() {
  start_agent
  "$1"
  kill "$agent_pid"
  if wait_for 60 agent_gone; then wait "$agent_pid"; fi
  start_agent /etc/policy-e2e-cards-ro.json /tmp/agent-ro.log
  "$2"
  say "AGENT-LOG-BEGIN"; grep -hE 'event device|error|warning' /tmp/agent.log /tmp/agent-ro.log | cut -c1-600 > /dev/console; say "AGENT-LOG-END"
  say "DMESG-BEGIN"; dmesg | grep -E 'Product:|SerialNumber:|CD-ROM|mamori: device\.' > /dev/console; say "DMESG-END"
  finish
}
# Only the optical checks (a quick run while working on them: run_usb_e2e.py --only optical).
[ "$mode" = optical ] && quick_run optical_checks optical_allowed_check
# Only the gadget phone's checks (run_usb_e2e.py --only gadget).
[ "$mode" = gadget ] && quick_run gadget_phone_checks true

if [ "$mode" = bench ]; then
  start_agent
  rounds=$(sed -n 's/.*mamori\.rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
  i=1
  while [ "$i" -le "${rounds:-20}" ]; do
    plug "b$i" bench-block
    wait_for 60 decisions_at_least device.blocked "$i" || say "WARN round $i: no block decision"
    unplug "b$i"
    wait_for 60 no_stick || say "WARN round $i: blocked stick not gone"
    plug "a$i" bench-allow
    wait_for 60 has_disk || say "WARN round $i: allowed stick has no disk"
    unplug "a$i"
    wait_for 60 no_disk || say "WARN round $i: disk not gone"
    wait_for 60 no_stick || say "WARN round $i: allowed stick not gone"
    i=$((i + 1))
  done
  say "DMESG-BEGIN"; dmesg > /dev/console; say "DMESG-END"
  finish
fi

# 1. A stick attached at boot, before the agent runs: the kernel gives it a disk...
if wait_for 90 has_disk; then result early_disk_before_agent PASS "$(disk)"; else result early_disk_before_agent FAIL "no disk at boot"; fi
# An NVMe drive in PCIe hot-plug slot 1 from boot: the agent must never touch it (a system disk).
boot_nvme_dev() { basename "$(dirname "$(grep -l '^0000:01:00$' /sys/bus/pci/slots/*/address | head -1)")"; }
boot_nvme_ok() { [ -e /sys/bus/pci/devices/0000:01:00.0/driver ] && ls /sys/bus/pci/devices/0000:01:00.0/nvme/*/ 2>/dev/null | grep -q 'nvme[0-9]*n1'; }
if wait_for 90 boot_nvme_ok; then result early_nvme_before_agent PASS "slot $(boot_nvme_dev)"; else result early_nvme_before_agent FAIL "$(ls /sys/bus/pci/devices/0000:01:00.0 2>&1 | tr '\n' ' ')"; fi
# Every uevent from now on, for the PCIe checks: did a hot-plugged drive ever get a disk, and could
# anyone open it? Each NVMe node (disk, partition, controller, generic) is opened the moment its add
# uevent arrives (open-on-uevent, tests/e2e/usb/open_on_uevent.c), before the agent can have reacted:
# "open NAME opened|refused|gone|other:... DEVPATH" in /tmp/opens.log; each sr and sg node is also
# opened for writing, as a burning program would, in /tmp/wopens.log (the USB burner checks).
open-on-uevent /tmp/uevents.log /tmp/opens.log /tmp/wopens.log &
# Waits until the listener has handled every uevent sent so far (a synthetic one goes last).
uevents_drained() {
  ud_before=$(grep -c '^change mem /devices/virtual/mem/null$' /tmp/uevents.log 2>/dev/null)
  ud_before=${ud_before:-0}
  echo change > /sys/devices/virtual/mem/null/uevent
  ud_more() { [ "$(grep -c '^change mem /devices/virtual/mem/null$' /tmp/uevents.log)" -gt "$ud_before" ]; }
  wait_for 60 ud_more
}
# Only the PCIe or SCSI checks (a quick run while working on them: run_usb_e2e.py --only pcie|scsi;
# --only pcie_hba: the non-NVMe controller alone).
if [ "$mode" = pcie ] || [ "$mode" = scsi ] || [ "$mode" = pcie_hba ]; then
  start_agent
  case "$mode" in pcie) pcie_checks; hba_checks ;; pcie_hba) hba_checks ;; *) scsi_checks ;; esac
  say "AGENT-LOG-BEGIN"; grep -hE 'event device|pcie|hot-plugged|error|warning' /tmp/agent.log | cut -c1-400 > /dev/console; say "AGENT-LOG-END"
  say "OPENS-BEGIN"; cat /tmp/opens.log > /dev/console; say "OPENS-END"
  finish
fi
# Only the USB burner checks (run_usb_e2e.py --only usb_burner; after the uevent listener started).
[ "$mode" = usb_burner ] && quick_run usb_burner_checks usb_burner_allowed_checks
# An SD card in the PCI SDHCI reader at boot: a disk too.
if wait_for 90 has_mmc; then result early_card_before_agent PASS "$(mmc_disk)"; else result early_card_before_agent FAIL "no mmcblk at boot: $(ls /sys/bus/mmc/devices 2>&1)"; fi
start_agent
defaults=$(cat /sys/bus/usb/devices/usb*/authorized_default | tr -d '\n')
case "$defaults" in *1*) result authorized_default_closed FAIL "$defaults" ;; *) result authorized_default_closed PASS "$defaults" ;; esac
# ... which the agent takes away when it starts.
if wait_for 60 logged device.blocked early-1 && wait_for 30 no_disk; then
  result early_blocked_at_start PASS; else result early_blocked_at_start FAIL "$(ls /sys/block)"; fi
# ... and the card's (card_readers defaults to block): unbound from mmcblk, while the reader keeps its driver.
if wait_for 60 no_mmc && sd_reader_bound && [ "$(cat /sys/bus/mmc/drivers_autoprobe)" = 0 ]; then
  result card_blocked_at_start PASS "$(ls /sys/bus/mmc/devices | tr '\n' ' ')reader $(ls /sys/bus/pci/drivers/sdhci-pci | grep '^0000')"
else result card_blocked_at_start FAIL "$(ls /sys/block | tr '\n' ' ') autoprobe=$(cat /sys/bus/mmc/drivers_autoprobe)"; fi

# 2. Default policy: a stick plugged now never gets a disk.
hosts_before=$(dmesg | grep -c 'scsi host')
plug blocked1 blocked-1
if wait_for 90 logged device.blocked blocked-1; then
  hosts_after=$(dmesg | grep -c 'scsi host')
  if has_disk || [ "$hosts_after" != "$hosts_before" ]; then result default_blocked FAIL "disk or SCSI host appeared";
  else result default_blocked PASS; fi
else result default_blocked FAIL "no device.blocked"; fi

# 3. A keyboard beside the blocked stick keeps working (authorized, usbhid bound).
plug kbd1 kbd
if wait_for 90 grep -q '"usb.product":"QEMU USB Keyboard"' /tmp/agent.log; then
  kbd=$(grep -l 'QEMU USB Keyboard' /sys/bus/usb/devices/*/product | head -1 | xargs dirname)
  name=$(basename "$kbd")
  if wait_for 30 [ -e "$kbd/$name:1.0/driver" ] && [ "$(cat "$kbd/authorized")" = 1 ]; then
    result keyboard_beside_blocked PASS "$name $(basename "$(readlink "$kbd/$name:1.0/driver")") $(ls /sys/class/input | tr '\n' ' ')"
  else result keyboard_beside_blocked FAIL "$name not bound"; fi
else result keyboard_beside_blocked FAIL "no decision"; fi
stick=$(grep -l 'blocked-1' /sys/bus/usb/devices/*/serial | head -1 | xargs dirname)
[ "$(cat "$stick/authorized")" = 0 ] && result blocked_stays_blocked PASS || result blocked_stays_blocked FAIL
unplug blocked1
unplug kbd1
wait_for 60 no_stick

# 4. Allow-listed serial: the disk appears and mounts read-write.
plug rw1 allow-rw
if wait_for 90 has_disk; then
  d=$(disk)
  wait_for 30 [ -e "/dev/$d" ]
  if mount -t vfat "/dev/$d" /mnt && echo mamori > /mnt/written.txt && sync && umount /mnt &&
     mount -t vfat "/dev/$d" /mnt && grep -q mamori /mnt/written.txt; then
    result allowed_read_write PASS "$d"
  else result allowed_read_write FAIL "mount/write failed on $d"; fi
  umount /mnt 2>/dev/null
  logged device.allowed allow-rw || result allowed_event FAIL
  # 4b. Activity: a company document copied onto the allowed stick is reported, a personal one is
  # not. Mounted under /media, which the policy watches but does not list as removable: the agent
  # knows the stick is removable from sysfs (its disk sits below the USB controller).
  mkdir -p /media/stick
  if mount -t vfat "/dev/$d" /media/stick; then
    mnt=$(awk '$5 == "/media/stick" {print $1}' /proc/self/mountinfo)
    # cp only after the agent has marked the new mount (it follows mountinfo changes).
    if wait_for 60 activity_marked "$mnt"; then
      # The personal file goes first: once the company file's event is there, both were analysed.
      cp /usr/share/mamori-e2e/shopping.docx /usr/share/mamori-e2e/merger-plan.docx /media/stick/ && sync
      if wait_for 120 activity_logged activity.removable_write /media/stick/merger-plan.docx; then
        event=$(activity_events activity.removable_write /media/stick/merger-plan.docx | tail -1)
        case "$event" in
          *'"company:company_confidential"'*'"device.source":"/dev/'"$d"'"'*|*'"device.source":"/dev/'"$d"'"'*'"company:company_confidential"'*)
            if activity_logged activity.removable_write /media/stick/shopping.docx; then
              result allowed_stick_receives_company_file FAIL "the personal file was reported too"
            else result allowed_stick_receives_company_file PASS "$d merger-plan.docx reported, shopping.docx not"; fi ;;
          *) result allowed_stick_receives_company_file FAIL "$(echo "$event" | cut -c1-300)" ;;
        esac
      else result allowed_stick_receives_company_file FAIL "no activity.removable_write; $(grep -E 'activity|error' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
    else result allowed_stick_receives_company_file FAIL "mount $mnt not marked by the agent"; fi
    umount /media/stick
  else result allowed_stick_receives_company_file FAIL "mount on /media/stick failed"; fi
else result allowed_read_write FAIL "no disk; $(agent_gone && echo "the agent exited:") $(tail -2 /tmp/agent.log | cut -c1-300)"; fi
unplug rw1
wait_for 60 no_disk

# 5. Read-only entry: the disk is read-only before anyone mounts it; reads work, writes fail.
plug ro1 allow-ro
if wait_for 90 has_disk; then
  check_read_only read_only "$(disk)"
else result read_only FAIL "no disk"; fi
unplug ro1
wait_for 60 no_disk

# 6. Temporary exception: the blocked stick's challenge goes to the host, which signs a one-minute
# response with the policy key (mamorictl exception grant) and sends it back on the second serial port.
plug ex1 except-1
if wait_for 90 logged device.blocked except-1; then
  challenge=$(grep "event device.blocked " /tmp/agent.log | grep '"usb.serial":"except-1"' |
    sed -n 's/.*"device.exception_challenge":"\([0-9a-f-]*\)".*/\1/p' | tail -1)
  # The port is open before the host is asked: bytes arriving at a closed tty are dropped.
  exec 3< /dev/ttyS1
  say "SIGN $challenge 1"
  response=""
  read -r -t 120 response <&3
  exec 3<&-
  echo "$response" > /var/lib/mamori/exceptions/response
  if wait_for 60 has_disk; then result exception_opens PASS "$(disk)"; else result exception_opens FAIL "no disk; $(grep exception /tmp/agent.log | tail -2)"; fi
  if wait_for 150 no_disk && wait_for 10 grep -q "event device.exception_expired" /tmp/agent.log; then
    result exception_expires PASS; else result exception_expires FAIL "$(ls /sys/block)"; fi
else result exception_opens FAIL "no device.blocked"; fi
unplug ex1
wait_for 60 no_stick

# 7. Phones: QEMU's MTP responder (usb-mtp) is refused. Its only interface speaks MTP, so the device is
# never authorized and no interface exists to claim; the agent recognises it from the unconfigured
# device itself (interface string and Microsoft OS descriptor over usbfs, and the class). A keyboard
# plugged beside it works. Four more plugs give the plug-to-decision figures for this channel.
phone() { grep -l "^mtp-$1\$" /sys/bus/usb/devices/*/serial 2>/dev/null | head -1 | xargs -r dirname; }
no_phone() { [ -z "$(phone "$1")" ]; }
kbd_bound() {
  kb_dev=$(grep -l 'QEMU USB Keyboard' /sys/bus/usb/devices/*/product 2>/dev/null | head -1 | xargs -r dirname)
  [ -n "$kb_dev" ] && [ -e "$kb_dev/$(basename "$kb_dev"):1.0/driver" ]
}
# Usable = authorized, or an interface directory that is authorized (usbfs could then claim it).
# (Shell functions share variables with their callers: these names are used nowhere else.)
phone_usable() {
  pu_dev=$(phone "$1"); [ -n "$pu_dev" ] || return 1
  [ "$(cat "$pu_dev/authorized")" = 1 ] && return 0
  for pu_if in "$pu_dev/$(basename "$pu_dev")":*; do
    [ -e "$pu_if/authorized" ] && [ "$(cat "$pu_if/authorized")" = 1 ] && return 0
  done
  return 1
}
plug mtp1 mtp
plug kbd2 kbd
if wait_for 90 logged device.blocked mtp-mtp1; then
  event=$(grep "event device.blocked " /tmp/agent.log | grep '"usb.serial":"mtp-mtp1"' | tail -1)
  p=$(phone mtp1)
  if [ -n "$p" ] && ! phone_usable mtp1 && ! ls -d "$p/$(basename "$p")":* >/dev/null 2>&1; then
    result phone_mtp_refused PASS "$(basename "$p") authorized=$(cat "$p/authorized"), no interface"
  else result phone_mtp_refused FAIL "$p authorized=$(cat "$p/authorized" 2>/dev/null) $(ls "$p" 2>/dev/null | tr '\n' ' ')"; fi
  case "$event" in
    *'"device.protocols":["mtp"]'*'"recognised_by":["interface_string","ms_os_descriptor","still_image_class"]'*|*'"recognised_by":["interface_string","ms_os_descriptor","still_image_class"]'*'"device.protocols":["mtp"]'*)
      result phone_mtp_recognised PASS "interface string, MS OS descriptor and class read from the unconfigured device" ;;
    *) result phone_mtp_recognised FAIL "$(echo "$event" | cut -c1-600)" ;;
  esac
else result phone_mtp_refused FAIL "no device.blocked; $(grep -E 'mtp|error' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
if wait_for 90 kbd_bound; then result keyboard_beside_phone PASS "$(ls /sys/class/input | tr '\n' ' ')";
else result keyboard_beside_phone FAIL "keyboard not bound"; fi
unplug mtp1
unplug kbd2
wait_for 60 no_phone mtp1
exposed=0; refused=0; round=2
while [ "$round" -le 5 ]; do
  plug "mtp$round" mtp
  if wait_for 90 logged device.blocked "mtp-mtp$round"; then refused=$((refused + 1)); fi
  phone_usable "mtp$round" && exposed=$((exposed + 1))
  unplug "mtp$round"
  wait_for 60 no_phone "mtp$round"
  round=$((round + 1))
done
if [ "$refused" = 4 ] && [ "$exposed" = 0 ]; then result phone_replugs PASS "4 refused, 0 usable";
else result phone_replugs FAIL "$refused refused, $exposed usable"; fi

gadget_phone_checks

pcie_checks

hba_checks

scsi_checks

optical_checks

usb_burner_checks

# 9. Card readers: a card inserted later (QEMU changes the SD card's medium) never gets a disk. Then
# the agent restarts with card_readers read_only: the card's disk comes back, read-only.
card_blocks() { grep "event device.blocked " /tmp/agent.log | grep -c '"device.channel":"card_readers"'; }
card_blocks_above() { [ "$(card_blocks)" -gt "$1" ]; }
before=$(card_blocks)
say "CARD card2"
if wait_for 90 card_blocks_above "$before"; then
  # The decision is made; nothing may bind the card afterwards (autoprobe is 0).
  if wait_for 3 has_mmc; then result card_inserted_blocked FAIL "$(ls /sys/block | tr '\n' ' ')";
  else result card_inserted_blocked PASS "$(ls /sys/bus/mmc/devices | tr '\n' ' ')no mmcblk"; fi
else result card_inserted_blocked FAIL "no decision; $(grep -E 'card|mmc' /tmp/agent.log | tail -3 | cut -c1-300)"; fi
kill "$agent_pid"
if wait_for 60 agent_gone; then wait "$agent_pid"; fi
start_agent /etc/policy-e2e-cards-ro.json /tmp/agent-ro.log
if wait_for 60 has_mmc; then
  check_read_only card_read_only "$(mmc_disk)"
else result card_read_only FAIL "no mmcblk; $(grep -E 'card|mmc' /tmp/agent-ro.log | tail -3 | cut -c1-300)"; fi

optical_allowed_check

usb_burner_allowed_checks

# The kernel's enumeration lines and the agent's decision lines, for the plug-to-decision figures.
say "DMESG-BEGIN"; dmesg | grep -E 'Product:|SerialNumber:|Attached SCSI|Direct-Access|CD-ROM|card at address|type 00 class 0x01|nvme nvme[0-9]*: pci function|megaraid_sas 0000|mamori: device\.' > /dev/console; say "DMESG-END"
say "AGENT-LOG-BEGIN"; grep -hE 'event (device|activity)|pcie storage|hot-plugged disks|error|warning' /tmp/agent.log /tmp/agent-ro.log | cut -c1-400 > /dev/console; say "AGENT-LOG-END"
# The uevent listener's opens of NVMe nodes (the PCIe checks).
say "OPENS-BEGIN"; cat /tmp/opens.log > /dev/console; say "OPENS-END"
finish
