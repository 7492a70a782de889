#!/usr/bin/env python3
"""USB device control end to end on a real kernel USB stack: boots a Debian 12 kernel in QEMU (TCG)
with mamori-agent in the initramfs and hot-plugs usb-storage sticks, usb-kbd keyboards and usb-mtp
(an MTP responder, as a phone in file-transfer mode) and USB CD burners (usb-bot with a scsi-cd) through
QMP, NVMe drives and a SAS controller with a disk (megasas-gen2) into PCIe hot-plug slots and SCSI disks
onto a virtio-scsi controller (eSATA's stand-in); an SD card sits in a PCI SDHCI reader at boot and is
swapped for another one later; a DVD drive is on the SATA controller. In the guest's own kernel,
configfs gadgets on dummy_hcd are an Android phone's MTP interface beside a keyboard, its non-MTP twin
and a two-configuration device (guest-init.sh 7b). One check is activity monitoring's:
a company document copied onto the allowed stick is reported. Prints plug-to-decision figures per
channel from the guest kernel's clock (plug_timing.py).
The guest (guest-init.sh) checks and reports; this script serves its plug requests and judges.
  run_usb_e2e.py --agent build/bin/mamori-agent --mamorictl build/bin/mamorictl --cache build/e2e-cache
  [--only optical|pcie|pcie_hba|scsi|usb_burner|gadget]   (the checks whose names start so, in a shorter guest run)"""
import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from mamori_testkit.plug_timing import analyse, parse_line, summary
from mamori_testkit.qemu_guest import Guest

EXPECTED = ["early_disk_before_agent", "authorized_default_closed", "early_blocked_at_start", "default_blocked",
            "keyboard_beside_blocked", "blocked_stays_blocked", "allowed_read_write",
            "allowed_stick_receives_company_file", "read_only", "exception_opens", "exception_expires",
            "phone_mtp_refused", "phone_mtp_recognised", "keyboard_beside_phone", "phone_replugs",
            "early_card_before_agent", "card_blocked_at_start", "card_inserted_blocked", "card_read_only",
            "early_nvme_before_agent", "pcie_nvme_blocked", "pcie_nvme_allowed", "pcie_boot_drive_untouched",
            "scsi_hotplug_blocked", "scsi_hotplug_allowed", "scsi_boot_disk_untouched",
            "optical_read_only_at_start", "optical_burn_refused", "optical_burn_refused_root", "optical_disc_readable",
            "optical_burner_allowed",
            "pcie_hba_blocked", "pcie_hba_boot_disks_untouched",
            "usb_burner_blocked", "usb_burner_burn_refused", "usb_burner_burn_refused_root", "usb_burner_disc_readable",
            "usb_burner_read_only_entry", "usb_burner_allowed"]
# The configfs gadgets on dummy_hcd (guest-init.sh 7b): a phone with MTP and a keyboard, its twin, a two-faced device.
EXPECTED += ["gadget_root_hub_closed", "gadget_new_controller_closed", "gadget_phone_refused",
             "gadget_phone_recognised", "gadget_keyboard_beside_phone", "gadget_phone_replugs", "gadget_vendor_not_mtp",
             "gadget_two_configurations_blocked"]


def prepare(args):
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([os.path.join(here, "prepare_guest.sh"), args.cache, args.agent], check=True)
    return os.path.join(args.cache, "vmlinuz"), os.path.join(args.cache, "initramfs.cpio.gz")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--mamorictl", required=True, help="signs the exception response (offline, key file)")
    parser.add_argument("--timeout", type=float, default=840)
    parser.add_argument("--only", choices=["optical", "pcie", "pcie_hba", "scsi", "usb_burner", "gadget"],
                        help="only these checks (a quick run while working on them)")
    args = parser.parse_args()
    # Absolute: QEMU is handed paths inside the cache over QMP (usb-mtp refuses a relative rootdir).
    args.cache = os.path.abspath(args.cache)
    if os.geteuid() != 0:
        print("run_usb_e2e: needs root (apt-get download, depmod)", file=sys.stderr)
        return 1
    started = time.monotonic()
    kernel, initrd = prepare(args)
    prepared = time.monotonic()
    work = os.path.join(args.cache, "run-checks")
    os.makedirs(work, exist_ok=True)
    # no_timer_check: under TCG on a loaded host the kernel's check that the IO-APIC timer ticks can
    # miss its window and panic the boot ("IO-APIC + timer doesn't work"); a virtual machine's timer
    # needs no such check.
    append = ("console=ttyS0 loglevel=4 usb_storage.delay_use=0 printk.devkmsg=on panic=-1 no_timer_check "
              "mamori.e2e=" +
              (args.only or "checks"))
    expected = [name for name in EXPECTED if not args.only or name.startswith(args.only)]
    # The disc in the SATA DVD drive: an ISO 9660 image with one file, made by xorriso.
    disc_dir = os.path.join(work, "disc")
    os.makedirs(disc_dir, exist_ok=True)
    with open(os.path.join(disc_dir, "readme.txt"), "w") as f:
        f.write("mamori optical disc\n")
    disc = os.path.join(work, "disc.iso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-V", "MAMORI", "-o", disc, disc_dir], check=True)
    guest = Guest(work, kernel, initrd, append, early="early-1", sdcard=True, disc=disc)
    key = os.path.join(args.cache, "e2e-policy.key")
    guest.signer = lambda challenge, minutes: subprocess.run(
        [args.mamorictl, "exception", "grant", "--challenge", challenge, "--minutes", minutes, "--key-file", key],
        check=True, capture_output=True, text=True).stdout.strip()
    results = {}
    dmesg = []
    exposed = []
    other_exposed = []  # the SAS controller's and the USB burners' lines, their sections' guest time
    inside = [False]

    def on_line(line):
        if "DMESG-BEGIN" in line or "DMESG-END" in line:
            inside[0] = "DMESG-BEGIN" in line
            return
        if inside[0]:
            parsed = parse_line(line)
            if parsed:
                dmesg.append(parsed)
            return
        at = line.find("E2E ")
        if "E2E PCIE-EXPOSED" in line:
            exposed.append(line[line.find("PCIE-EXPOSED") + 13:].strip())
        for tag in ("HBA-EXPOSED", "USB-BURNER-EXPOSED"):
            if f"E2E {tag} " in line:
                other_exposed.append(f"{tag.lower()}: " + line[line.find(tag) + len(tag) + 1:].strip())
        if "E2E TIME " in line:
            other_exposed.append("guest time of " + line[line.find("E2E TIME ") + 9:].strip() + " s")
        if at >= 0 or "mamori" in line:
            print(line, flush=True)
        if at >= 0:
            words = line[at:].split(maxsplit=4)
            if len(words) >= 4 and words[1] == "RESULT":
                results[words[2]] = (words[3], words[4] if len(words) > 4 else "")

    try:
        done = guest.run(time.monotonic() + args.timeout, on_line)
    finally:
        guest.close()
    finished = time.monotonic()
    print(f"run_usb_e2e: prepare {prepared - started:.1f} s, guest {finished - prepared:.1f} s", flush=True)
    # Plugs made after the agent started (the early stick and the card present at boot are decided
    # at start, not at plug).
    plugs = analyse(dmesg)
    cards = [p for p in plugs if p["channel"] == "card_readers"]
    plugs = [p for p in plugs if p["serial"] != "early-1" and p["channel"] != "other" and p not in cards[:1]]
    # The DVD drive on the SATA controller since boot is decided at start, not at a plug.
    optical = [p for p in plugs if p["channel"] == "optical"]
    plugs = [p for p in plugs if p not in optical[:1]]
    print("run_usb_e2e: plug -> decision per channel (QEMU TCG, guest kernel clock)")
    for channel in ("storage", "phones", "gadget_phones", "hid", "card_readers", "pcie_storage", "pcie_storage_hba",
                    "hotplug_disks",
                    "usb_burner", "optical"):
        times = [p["decided"] - p["t0"] for p in plugs if p["channel"] == channel and p["decided"]]
        print("  " + summary(channel, times))
    blocked = [p for p in plugs if p["channel"].startswith("pcie_storage") and p["decision"] == "blocked"]
    print(f"  pcie_storage blocked plugs whose driver started before the override: "
          f"{sum(1 for p in blocked if p.get('bound'))} of {len(blocked)}; had a disk for a moment: "
          f"{exposed[0] if exposed else 'not reported'}")
    for line in other_exposed:
        print("  " + line)
    failed = [name for name in expected if results.get(name, ("MISSING",))[0] != "PASS"]
    failed += [name for name, (verdict, _) in results.items() if verdict != "PASS" and name not in failed]
    if not done:
        print(f"run_usb_e2e: the guest did not finish (console: {guest.console})")
        failed.append("guest_finished")
    for name in failed:
        print(f"run_usb_e2e: FAIL {name}: {results.get(name)}")
    print("run_usb_e2e: " + ("PASS" if not failed else f"{len(failed)} checks failed"))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
