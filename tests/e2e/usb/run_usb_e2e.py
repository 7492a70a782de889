#!/usr/bin/env python3
"""USB device control end to end on a real kernel USB stack: boots a Debian 12 kernel in QEMU (TCG)
with mamori-agent in the initramfs and hot-plugs usb-storage sticks and a usb-kbd through QMP. One
check is activity monitoring's: a company document copied onto the allowed stick is reported.
The guest (guest-init.sh) checks and reports; this script serves its plug requests and judges.
  run_usb_e2e.py --agent build/bin/mamori-agent --cache build/e2e-cache"""
import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_guest import Guest  # noqa: E402

EXPECTED = ["early_disk_before_agent", "authorized_default_closed", "early_blocked_at_start", "default_blocked",
            "keyboard_beside_blocked", "blocked_stays_blocked", "allowed_read_write",
            "allowed_stick_receives_company_file", "read_only", "exception_opens", "exception_expires"]


def prepare(args):
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([os.path.join(here, "prepare_guest.sh"), args.cache, args.agent], check=True)
    return os.path.join(args.cache, "vmlinuz"), os.path.join(args.cache, "initramfs.cpio.gz")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--mamorictl", required=True, help="signs the exception response (offline, key file)")
    parser.add_argument("--timeout", type=float, default=420)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run_usb_e2e: needs root (apt-get download, depmod)", file=sys.stderr)
        return 1
    started = time.monotonic()
    kernel, initrd = prepare(args)
    prepared = time.monotonic()
    work = os.path.join(args.cache, "run-checks")
    os.makedirs(work, exist_ok=True)
    append = "console=ttyS0 loglevel=4 usb_storage.delay_use=0 printk.devkmsg=on panic=-1 mamori.e2e=checks"
    guest = Guest(work, kernel, initrd, append, early="early-1")
    key = os.path.join(args.cache, "e2e-policy.key")
    guest.signer = lambda challenge, minutes: subprocess.run(
        [args.mamorictl, "exception", "grant", "--challenge", challenge, "--minutes", minutes, "--key-file", key],
        check=True, capture_output=True, text=True).stdout.strip()
    results = {}

    def on_line(line):
        at = line.find("E2E ")
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
    failed = [name for name in EXPECTED if results.get(name, ("MISSING",))[0] != "PASS"]
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
