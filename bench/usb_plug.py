#!/usr/bin/env python3
"""Plug-to-decision latency of USB device control on a real kernel USB stack (QEMU TCG guest, the same
one tests/e2e/usb boots). Each round hot-plugs a stick the policy blocks and one it allows; every
time comes from the guest kernel's clock (dmesg): the device's last enumeration line ("SerialNumber:",
printed just before the kernel sends the add uevent) to the agent's decision line, which the agent
writes to /dev/kmsg after its sysfs writes (MAMORI_TRACE_KMSG). The reference is the kernel's own
time from that line to the block device of an allowed stick ("Attached SCSI removable disk").
  bench/usb_plug.py --agent build/bin/mamori-agent [--rounds 20] [--cache build/e2e-cache]
Needs root (apt-get download, depmod). TCG emulates the CPU, so absolute figures are several times
those of real hardware; compare the two columns."""
import argparse
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
e2e = os.path.join(here, "..", "tests", "e2e", "usb")  # prepare_guest.sh
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from mamori_testkit.plug_timing import analyse, parse_line, summary  # noqa: E402
from mamori_testkit.qemu_guest import Guest  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--cache", default=os.path.join(here, "..", "build", "e2e-cache"))
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    subprocess.run([os.path.join(e2e, "prepare_guest.sh"), args.cache, args.agent], check=True)
    work = os.path.join(args.cache, "run-bench")
    os.makedirs(work, exist_ok=True)
    append = ("console=ttyS0 loglevel=4 usb_storage.delay_use=0 printk.devkmsg=on panic=-1 "
              f"mamori.e2e=bench mamori.rounds={args.rounds}")
    guest = Guest(work, os.path.join(args.cache, "vmlinuz"), os.path.join(args.cache, "initramfs.cpio.gz"), append)
    dmesg = []
    inside = [False]

    def on_line(line):
        if "DMESG-BEGIN" in line:
            inside[0] = True
        elif "DMESG-END" in line:
            inside[0] = False
        elif inside[0]:
            parsed = parse_line(line)
            if parsed:
                dmesg.append(parsed)
        elif "WARN" in line:
            print(line)

    started = time.monotonic()
    try:
        done = guest.run(time.monotonic() + 60 + 40 * args.rounds, on_line)
    finally:
        guest.close()
    if not done:
        print(f"usb_plug: the guest did not finish (console: {guest.console})")
        return 1
    plugs = [p for p in analyse(dmesg) if p["serial"].startswith("bench-")]
    blocked = [p["decided"] - p["t0"] for p in plugs if p["serial"] == "bench-block" and p["decided"]]
    allowed = [p["decided"] - p["t0"] for p in plugs if p["serial"] == "bench-allow" and p["decided"]]
    disks = [p["disk"] - p["t0"] for p in plugs if p["serial"] == "bench-allow" and p["disk"]]
    leaked = [p for p in plugs if p["serial"] == "bench-block" and p["disk"]]
    print(f"usb_plug: {args.rounds} rounds in {time.monotonic() - started:.0f} s (QEMU TCG, kernel clock in the guest)")
    print(summary("blocked stick: plug -> decision", blocked))
    print(summary("allowed stick: plug -> decision (authorized)", allowed))
    print(summary("reference: allowed stick plug -> disk", disks))
    print(f"blocked sticks that got a block device: {len(leaked)}")
    return 0 if not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
