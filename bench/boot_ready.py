#!/usr/bin/env python3
"""Boot to agent-ready time with and without the early USB gate (issue 22, docs/decisions/0018), in the
systemd e2e machine (tests/e2e/systemd: the same harness, the same cached Debian 12 image, QEMU TCG
with one vCPU, the same hardware as the machine test's second boot: a USB stick and a USB keyboard
attached from power-on, a DVD drive with a disc).

One setup boot installs the agent package (its trigger rebuilds the initramfs with the gate), enrolls
it to a collector on the host, applies the machine test's policy and makes a second initramfs the way
docs/install.md lifts the gate (/etc/modprobe.d/mamori-usb-storage.conf -> /dev/null, update-initramfs
-u). Then --rounds pairs of boots, alternating, the boot without the gate first in each pair:
  without the gate (the reference): the rule masked, the masked initramfs;
  with the gate: the package as installed, its initramfs.
The figure is systemd's ActiveEnterTimestampMonotonic of mamori-agent.service (seconds since the kernel
started, after READY=1 and the unit's ExecStartPost that loads the storage drivers), as the machine
test's boot_to_agent_ready_seconds. Each boot also says whether usb-storage was loaded in the
initramfs and the early stick got a disk (both without the gate, neither with it), so a boot of the
wrong kind is caught (and the documented way of lifting the gate is checked).
  PYTHONPATH=tests/support/python bench/boot_ready.py --build-dir build [--rounds 3]
Needs root (the machine test's image, QEMU). Under TCG on a shared host the absolute figures follow the
host's load (printed): compare the two columns of one run."""
import argparse
import os
import signal
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e", "systemd"))
import run_systemd_e2e as e2e  # noqa: E402


class BenchHost(e2e.Host):
    """The machine test's answers, and the kind of the next boot."""

    def __init__(self, collector, policy, schedule):
        super().__init__(collector, policy)
        self.schedule = schedule

    def ask(self, machine, words):
        if words and words[0] == "next":
            return "OK " + (self.schedule[0] if self.schedule else "done")
        return super().ask(machine, words)


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--cache", help="default: BUILD_DIR/e2e-cache")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of boots (without, with the gate)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for all boots")
    parser.add_argument("--image-wait", type=float, default=900)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the collector and the guest are stopped
    if not e2e.check_host_tools("xorriso"):
        return 1
    build_dir = os.path.abspath(args.build_dir)
    cache = os.path.abspath(args.cache or os.path.join(build_dir, "e2e-cache"))
    print(f"boot_ready: start, {load()}", flush=True)
    work, new_dir, _, image, kver, _ = e2e.start_machine_run(build_dir, cache, args.image_wait, "systemd-bench")
    disc = e2e.make_disc(work)
    collector = e2e.Collector(work, extra=["--cert-name", "collector.e2e"]).start()
    payload = e2e.make_payload(work, collector, new_dir, None, os.path.join(HERE, "boot_ready_guest.sh"))
    disks = e2e.machine_disks(work, image, payload)
    pristine = e2e.dump_initrd(disks["boot"][0], kver, os.path.join(work, "initrd-setup.img"))
    schedule = ["nogate", "gate"] * args.rounds
    host = BenchHost(collector, os.path.join(e2e.HERE, "policy-systemd.json"), schedule)
    session = e2e.Session(work, image, disks, collector, host, time.monotonic() + args.timeout)
    boots = []  # (kind, ready seconds, stick disk at, usb-storage at, load average at the end)
    current = {}

    def on_figure(name, value):
        current[name] = value

    try:
        hardware = {"usb_at_power_on": True, "disc": disc}
        if not session.boot("setup", pristine, e2e.APPEND + " mamori.bench=setup", **hardware):
            raise SystemExit(f"boot_ready: the setup boot did not reboot (console: {work}/console-setup.log)")
        failed = [n for n, (verdict, _) in session.results.items() if verdict != "PASS"]
        if failed:
            raise SystemExit(f"boot_ready: setup failed: {failed} {session.results}")
        # Both made by the guest in the setup boot with the same hooks: the package's, and the one
        # update-initramfs made with the rule masked.
        gated = os.path.join(work, "initrd-gate.img")
        e2e.run("debugfs", "-R", f"dump /initrd-gate.img {gated}", disks["boot"][0], stderr=e2e.subprocess.DEVNULL)
        without = e2e.dump_initrd(disks["boot"][0], kver, os.path.join(work, "initrd-nogate.img"))
        print(f"boot_ready: initramfs {os.path.getsize(without) / 1024:.0f} KiB without the gate, "
              f"{os.path.getsize(gated) / 1024:.0f} KiB with it", flush=True)
        while schedule:
            kind = schedule.pop(0)
            current.clear()
            label = f"{len(boots) + 1}-{kind}"
            session.boot(label, gated if kind == "gate" else without, e2e.APPEND + f" mamori.bench={kind}",
                         on_figure=on_figure, **hardware)
            if session.results.get(f"ready_{kind}", ("MISSING",))[0] != "PASS" or f"{kind}_ready" not in current:
                raise SystemExit(f"boot_ready: boot {label} did not report the agent ready "
                                 f"(console: {work}/console-{label}.log)")
            disk, storage = current.get(f"{kind}_stick_disk_at"), current.get(f"{kind}_usb_storage_at")
            early = current.get(f"{kind}_initramfs_usb_storage")
            if (kind == "gate") != (disk == "never") or early != ("absent" if kind == "gate" else "loaded"):
                raise SystemExit(f"boot_ready: boot {label} was not a {kind} boot: the early stick's disk at {disk}, "
                                 f"usb-storage in the initramfs: {early}")
            boots.append((kind, float(current[f"{kind}_ready"]), disk, storage, load()))
            print(f"boot_ready: boot {label}: agent ready at {current[f'{kind}_ready']} s (agent exec to ready "
                  f"{current.get(f'{kind}_agent_start')} s), stick disk at {disk}, usb-storage at {storage}; "
                  f"{current.get(f'{kind}_systemd_analyze', '')}; {load()}", flush=True)
    finally:
        collector.stop()

    ready = {kind: [b[1] for b in boots if b[0] == kind] for kind in ("nogate", "gate")}
    ref, gate = statistics.median(ready["nogate"]), statistics.median(ready["gate"])
    print("boot_ready: boot to agent-ready, seconds since the kernel started (QEMU TCG, 1 vCPU; median of "
          f"{args.rounds} boots each, alternating)")
    print(f"  {'':24} {'without the gate (ref)':>24} {'with the gate':>16}")
    print(f"  {'median':24} {ref:>24.1f} {gate:>16.1f}   ({gate - ref:+.1f} s, {100 * (gate / ref - 1):+.0f}%)")
    print(f"  {'each boot':24} {', '.join(f'{x:.1f}' for x in ready['nogate']):>24} "
          f"{', '.join(f'{x:.1f}' for x in ready['gate']):>16}")
    print(f"boot_ready: end, {load()} (the host's load: other work shares its cores, and TCG follows it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
