#!/bin/sh
# mmdebstrap customize hook of the e2e guest (prepare_image.sh): the machine's own settings.
#   customize.sh ROOT GUEST_FILES
set -e
root=$1; files=$2
echo mamori-e2e > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 mamori-e2e\n10.0.2.100 collector.e2e\n' > "$root/etc/hosts"
# No fsck pass: the disks are made fresh for each run (systemd-fsck@ took seconds of each TCG boot).
printf '/dev/vda / ext4 rw,errors=remount-ro 0 0\n/dev/vdb /boot ext4 rw 0 0\n' > "$root/etc/fstab"
# root logs in without a password at the console (the keyboard check types "root" at the login prompt);
# the machine has no network but the test's own forwarded port.
chroot "$root" passwd -d root >/dev/null
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' > "$root/etc/systemd/network/10-e2e.network"
chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Nothing else runs on a timer and competes with the scenario for the emulated CPUs.
# e2scrub_reap.service alone took 20 s of a TCG boot.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer >/dev/null 2>&1 || true
# The guest has no device-mapper disk: dmsetup's initramfs hook (70 processes per update-initramfs,
# seconds each under TCG) is switched off.
[ ! -f "$root/usr/share/initramfs-tools/hooks/dmsetup" ] || chmod -x "$root/usr/share/initramfs-tools/hooks/dmsetup"
# Two of Debian's initramfs hooks start a process per file (a busybox link, a klibc command): they are
# diverted (outside the hooks folder, so they do not run) and replaced by versions that make the same
# files with one process each. About 320 of the 1,420 processes of an update-initramfs; the initramfs
# is the same file for file (links, modes).
for hook in zz-busybox klibc-utils; do
  chroot "$root" dpkg-divert --quiet --local --rename \
    --divert "/usr/share/initramfs-tools/$hook.hook-debian" --add "/usr/share/initramfs-tools/hooks/$hook"
  install -m 0755 "$files/initramfs-hook-$hook" "$root/usr/share/initramfs-tools/hooks/$hook"
done
# No man-db index rebuild at every package operation (minutes under TCG); man pages still resolve.
rm -f "$root/var/lib/man-db/auto-update"
install -m 0644 "$files/mamori-e2e.service" "$files/mamori-e2e-poll.service" "$root/etc/systemd/system/"
install -m 0755 "$files/mamori-e2e-poll" "$root/usr/local/sbin/"
chroot "$root" systemctl enable mamori-e2e.service mamori-e2e-poll.service >/dev/null 2>&1
mkdir -p "$root/var/lib/mamori-e2e"
# A persistent journal: what happened in a failed run can be read from the disk afterwards.
mkdir -p "$root/var/log/journal"
