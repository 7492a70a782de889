#!/usr/bin/env bash
# Builds the Debian 12 machine of the systemd end-to-end test, once, into the cache (build tree, never
# committed): a root file system made with mmdebstrap from Debian's mirror, with systemd as init, the
# Debian kernel (../kernel.sh) and its initramfs-tools image, and the libraries mamori-agent depends on
# (so `apt install ./mamori-agent_*.deb` works in the guest without a mirror). The agent itself is
# NOT in the image: the test installs it.
#   prepare_image.sh CACHE AGENT_DEB  ->  CACHE/systemd/root.raw (ext4, /dev/vda), boot.raw (ext4 /boot,
#                                         /dev/vdb), vmlinuz, kver
# The image is rebuilt when the kernel, the agent's Depends or the files in guest/ change.
set -euo pipefail
cache=$(realpath -m "$1"); deb=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
out="$cache/systemd"
mkdir -p "$out"

for tool in mmdebstrap mke2fs debugfs dpkg-deb apt-get depmod; do
  command -v "$tool" >/dev/null || { echo "prepare_image: $tool missing; run scripts/bootstrap.sh --test" >&2; exit 1; }
done

t0=$(date +%s.%N)
. "$here/../kernel.sh"
e2e_kernel "$cache" || exit 1

# The agent's run-time dependencies by name (versions are whatever bookworm has, as for a user).
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/[[:space:]]//g' |
  grep -v '^$' | sort -u | paste -sd, -)
packages="systemd,systemd-sysv,udev,dbus,kmod,initramfs-tools,busybox,zstd,man-db,procps,iproute2,$depends"
stamp="$kver $(cat "$here"/prepare_image.sh "$here"/guest/* "$here"/../kernel.sh | sha256sum | cut -c1-16)"
# Up to date: same kernel and guest files, and every package the agent depends on is in the image.
if [ -f "$out/root.raw" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] &&
   [ -z "$(tr ',' '\n' <<<"$depends" | grep -vxF -f "$out/packages.txt")" ]; then
  echo "prepare_image: up to date ($kver)"; exit 0
fi
rm -f "$out/root.raw" "$out/boot.raw" "$out/stamp" "$out/packages.txt"

tree="$out/tree"
rm -rf "$tree"
t1=$(date +%s.%N)
# The kernel package goes in with --include (its postinst makes the initramfs with our settings,
# written by the essential hook before it runs). Modules a small VM never loads are left out.
# Downloaded packages are kept in CACHE/apt between image builds (mmdebstrap's sync-in/sync-out hooks).
mkdir -p "$cache/apt"
# force-unsafe-io: no fsync per unpacked file while the image is made (a failed build is thrown away);
# the guest's own dpkg keeps the default. PKGSYSTEM_ENABLE_FSYNC=0 does the same for update-mime-database.
PKGSYSTEM_ENABLE_FSYNC=0 mmdebstrap --variant=minbase --include="$packages,$kdeb" \
  --dpkgopt=force-unsafe-io \
  --setup-hook="mkdir -p \"\$1/var/cache/apt/archives\"" \
  --setup-hook="sync-in $cache/apt /var/cache/apt/archives" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/sound/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/gpu/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/media/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/net/wireless/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/infiniband/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/staging/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/net/bluetooth/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/net/mac80211/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/net/wireless/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/net/ethernet/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/iio/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/comedi/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/isdn/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/target/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/mtd/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/hwmon/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/platform/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/btrfs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/xfs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/ocfs2/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/nfs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/nfsd/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/smb/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/ceph/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/gfs2/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/f2fs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/reiserfs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/jfs/*' \
  --dpkgopt='path-exclude=/lib/modules/*/kernel/fs/ubifs/*' \
  --essential-hook="mkdir -p \"\$1/etc/initramfs-tools/conf.d\" \"\$1/usr/share/initramfs-tools/modules.d\" \"\$1/etc/initramfs-tools/scripts/init-top\" \"\$1/etc/initramfs-tools/scripts/init-bottom\"" \
  --essential-hook="cp $here/guest/initramfs.conf \"\$1/etc/initramfs-tools/conf.d/mamori-e2e.conf\"" \
  --essential-hook="cp $here/guest/initramfs.modules \"\$1/usr/share/initramfs-tools/modules.d/mamori-e2e\"" \
  --essential-hook="install -m 0755 $here/guest/initramfs-poll-top \"\$1/etc/initramfs-tools/scripts/init-top/mamori-e2e-poll\"" \
  --essential-hook="install -m 0755 $here/guest/initramfs-poll-bottom \"\$1/etc/initramfs-tools/scripts/init-bottom/mamori-e2e-poll\"" \
  --customize-hook="$here/guest/customize.sh \"\$1\" $here/guest" \
  --customize-hook="sync-out /var/cache/apt/archives $cache/apt" \
  --customize-hook="sed -i '/^force-unsafe-io\$/d' \"\$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap\"" \
  --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package}\\n' > $out/packages.txt" \
  --verbose bookworm "$tree" 2>&1 | perl -MTime::HiRes=time -pe 'BEGIN{$t0=time} printf "%7.1f ", time-$t0' >"$out/mmdebstrap.log" ||
  { tail -n 40 "$out/mmdebstrap.log" >&2; exit 1; }

t2=$(date +%s.%N)
[ -f "$tree/boot/initrd.img-$kver" ] || { echo "prepare_image: no initramfs was made" >&2; exit 1; }
cp "$tree/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" > "$out/kver"
# /boot on its own small disk, so the host reads the initramfs the guest itself rebuilds (debugfs).
mke2fs -q -t ext4 -L boot -d "$tree/boot" "$out/boot.raw.tmp" 256M
rm -rf "${tree:?}/boot"/*
mke2fs -q -t ext4 -L root -d "$tree" "$out/root.raw.tmp" 3G
mv "$out/boot.raw.tmp" "$out/boot.raw"
mv "$out/root.raw.tmp" "$out/root.raw"
rm -rf "$tree"
echo "$stamp" > "$out/stamp"
echo "prepare_image: Debian 12 with systemd, kernel $kver, root $(du -h "$out/root.raw" | cut -f1);" \
  "$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$(date +%s.%N)" \
     'BEGIN {printf "TIME kernel %.1f s, mmdebstrap %.1f s, disk images %.1f s", b - a, c - b, d - c}')"
