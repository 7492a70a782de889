#!/usr/bin/env bash
# Builds the guest for the USB end-to-end test: a Debian 12 kernel fetched from Debian at run time
# and an initramfs with busybox, the USB/SCSI/FAT/HID, SD card reader (sdhci-pci, mmc_block), NVMe, virtio-scsi and MegaRAID SAS (megaraid_sas) modules, the USB gadget stack on dummy_hcd (the gadget phone), mamori-agent with its libraries,
# guest-init.sh and two documents for the activity check. Everything downloaded or built stays in CACHE (under the build tree, never committed).
#   prepare_guest.sh CACHE AGENT_BINARY   -> CACHE/vmlinuz, CACHE/initramfs.cpio.gz
set -euo pipefail
cache=$(realpath -m "$1"); agent=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)

need() { command -v "$1" >/dev/null || { echo "prepare_guest: $1 missing; run scripts/bootstrap.sh --test" >&2; exit 1; }; }
need dpkg; need cc; need openssl; need wodim; need xorriso; need python3; need depmod; need modprobe; need cpio; need apt-get

# The kernel (kver, kdeb, kroot: ../kernel.sh) and busybox-static.
. "$here/../kernel.sh"
e2e_kernel "$cache" || exit 1
e2e_fetch "$cache" busybox-static || exit 1
cd "$cache/debs"
cp "$kroot/boot/vmlinuz-$kver" "$cache/vmlinuz"

testkit="$here/../../support/python"  # mamori_testkit (tests/support/python)
fixtures="$testkit/mamori_testkit/make_fixtures.py"
stamp="$kver $(sha256sum "$(command -v wodim)" "$(command -v xorriso)" "$agent" "$(dirname "$agent")/mamori-extract" "$(dirname "$agent")/mamori-extract-light" "$here"/guest-init.sh "$here"/*.c "$here"/prepare_guest.sh "$here"/../kernel.sh "$here"/policy-*.json "$fixtures" | sha256sum | cut -c1-16)"
if [ -f "$cache/initramfs.cpio.gz" ] && [ "$(cat "$cache/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "prepare_guest: initramfs up to date ($kver)"; exit 0
fi

root="$cache/initramfs"
rm -rf "$root"; mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,etc,var/lib/mamori,usr/bin}
bb="$cache/busybox"
[ -x "$bb/bin/busybox" ] || { rm -rf "$bb"; mkdir -p "$bb"; dpkg -x busybox-static_*.deb "$bb"; }
cp "$bb/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done

# Modules in load order, as modprobe resolves them; crct10dif-pclmul needs CPU features TCG lacks.
# add_modules MODULE...: each with its dependencies, once, after those already listed.
: > "$root/lib/modules/load-order"
add_modules() {
  for mod in "$@"; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | grep -v crct10dif-pclmul | while read -r ko; do
    base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}
    ! grep -qx "$base" "$root/lib/modules/load-order" || continue
    case "$ko" in
      *.xz) xz -dc "$ko" > "$root/lib/modules/$base" ;;
      *.zst) zstd -qdc "$ko" > "$root/lib/modules/$base" ;;
      *) cp "$ko" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >> "$root/lib/modules/load-order"
  done
}
# crc64_rocksoft_generic provides the crypto algorithm crc64-rocksoft (t10-pi, sd_mod) asks for by name.
add_modules crc64_rocksoft_generic xhci-pci usb-storage uas sd_mod vfat nls_cp437 nls_ascii usbhid hid-generic \
    sdhci-pci mmc_block nvme ahci sr_mod sg isofs virtio_pci virtio_scsi \
    megaraid_sas

# The gadget phone (guest-init.sh gadget_phone_checks): dummy_hcd is a USB host controller and a device
# controller wired to each other in one kernel; configfs and libcomposite build a gadget on it from a
# FunctionFS function (the MTP interface, served by gadget-phone), a HID keyboard function and a
# mass-storage function (the second configuration of a hostile device).
add_modules dummy_hcd libcomposite usb_f_fs usb_f_hid usb_f_mass_storage

# mamori-agent, the extraction workers it starts (mamori-extract-light for most documents and
# mamori-extract for archives, found next to the agent; they run as nobody: docs/decisions/0022, 0062)
# and every library ldd names, at the same paths (the loader too).
extract="$(dirname "$agent")/mamori-extract"
extract_light="$(dirname "$agent")/mamori-extract-light"
for worker in "$extract" "$extract_light"; do
  [ -x "$worker" ] || { echo "prepare_guest: $worker missing (build the $(basename "$worker") target)" >&2; exit 1; }
done
cp "$agent" "$root/usr/bin/mamori-agent"
cp "$extract" "$extract_light" "$root/usr/bin/"
! command -v strip >/dev/null || strip --strip-debug "$root/usr/bin/mamori-agent" "$root/usr/bin/mamori-extract" "$root/usr/bin/mamori-extract-light"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nburner:x:1000:1000:burner:/tmp:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nburner:x:1000:\n' > "$root/etc/group"
# Real burning programs from Debian for the optical check: wodim (cdrkit) and xorriso (libburn).
cp "$(command -v wodim)" "$(command -v xorriso)" "$root/usr/bin/"
# The uevent listener that opens each NVMe and SCSI node the moment it is announced (the PCIe and SCSI checks).
cc -O2 -Wall -Werror -o "$root/usr/bin/open-on-uevent" "$here/open_on_uevent.c"
# The gadget phone's FunctionFS server and usbfs claim (gadget_phone.c), static: nothing for ldd to add.
cc -O2 -Wall -Werror -static -o "$root/usr/bin/gadget-phone" "$here/gadget_phone.c"
ldd "$agent" "$extract" "$extract_light" "$(command -v wodim)" "$(command -v xorriso)" "$root/usr/bin/open-on-uevent" | awk '/=> \// {print $3} /^\s*\/lib/ {print $1}' | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
done
mkdir -p "$root/lib64"; cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
cp "$here/guest-init.sh" "$root/init"; chmod 755 "$root/init"
cp "$here"/policy-*.json "$root/etc/"
# The activity check's files: a company document (the policy's rule matches it) and a personal one,
# built by the scanner tests' fixture builder.
mkdir -p "$root/media" "$root/usr/share/mamori-e2e"
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$testkit" python3 - "$root/usr/share/mamori-e2e" <<'PY'
import os, sys
from mamori_testkit import make_fixtures
docs = {"merger-plan.docx": "Company Confidential: 2027 merger plan", "shopping.docx": "eggs, rice, green tea"}
for name, text in docs.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(make_fixtures.docx([[text]]))
PY
# A policy key for the exception check: the guest's agent has the public half pinned (as enrollment
# would), the host signs responses with the private half (mamorictl exception grant --key-file).
if [ ! -f "$cache/e2e-policy.key" ]; then
  openssl genpkey -algorithm ed25519 -out "$cache/e2e-policy.key" 2>/dev/null
  chmod 600 "$cache/e2e-policy.key"
fi
openssl pkey -in "$cache/e2e-policy.key" -pubout -out "$root/var/lib/mamori/policy-key.pem"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initramfs.cpio.gz.tmp"
mv "$cache/initramfs.cpio.gz.tmp" "$cache/initramfs.cpio.gz"
echo "$stamp" > "$cache/initramfs.stamp"
echo "prepare_guest: kernel $kver, $(wc -l < "$root/lib/modules/load-order") modules, initramfs $(du -h "$cache/initramfs.cpio.gz" | cut -f1)"
