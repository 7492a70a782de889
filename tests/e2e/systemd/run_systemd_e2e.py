#!/usr/bin/env python3
"""The agent package on a real Debian 12 machine with systemd as PID 1 (issue 22): boots a guest in QEMU
(TCG) from a root file system made with mmdebstrap and cached in the build tree (prepare_image.sh),
installs the packages scripts/package.sh makes with `apt install ./...`, enrolls to a real collector on
the host's loopback (QEMU user networking, restricted, with one guestfwd port), and reboots it once with
a USB stick and a USB keyboard attached from power-on. The guest runs guest.sh and reports each check;
this script answers its questions (collector events, policy push, key presses, hot-plugs) and judges.
  run_systemd_e2e.py --build-dir build --cache build/e2e-cache"""
import argparse
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
from mamori_testkit.qemu_guest import Qmp
from mamori_testkit import harness
from mamori_testkit.harness import Collector

# Every check guest.sh reports; a missing one fails like a failed one.
EXPECTED = [
    "apt_install_previous", "unit_active_after_install", "unit_type_notify_ready", "agent_enrolled",
    "bounding_set_nine_capabilities", "seccomp_and_no_new_privs", "protect_system_strict", "exposure_at_most_4_5",
    "unit_verifies_with_man_page", "watchdog_restarts_frozen_agent", "watchdog_timeout_logged",
    "restart_after_sigkill", "unclean_stop_reported", "ctl_stop_without_token_refused", "ctl_stop_reported_as_tamper",
    "systemctl_stop_refused",
    "apt_remove_without_token_refused", "apt_remove_reported_as_tamper", "policy_applied", "apt_upgrade",
    "unit_active_after_upgrade", "upgrade_keeps_identity", "upgrade_keeps_policy", "upgrade_applies_persisted_policy",
    "upgrade_keeps_spool", "initramfs_holds_usb_gate", "gate_rule_installed",
    "unit_active_after_reboot", "initramfs_poller_ran", "systemd_poller_ran", "initramfs_kept_usb_storage_out",
    "keyboard_bound_in_initramfs", "keyboard_typed_at_initramfs_prompt", "early_stick_deauthorized",
    "storage_drivers_loaded_after_ready", "early_stick_reported_blocked", "keyboard_bound_to_usbhid",
    "keyboard_login_at_tty1", "late_stick_blocked", "allowed_stick_gets_block_device", "only_allowed_stick_has_disk",
    "no_block_device_before_allowed_stick", "ctl_stop_with_token", "stopped_stays_stopped", "stop_reported",
    "apt_purge_with_token", "purge_leaves_nothing", "purge_no_process", "purge_no_unit", "purge_package_gone",
    "optical_drive_read_only", "optical_write_refused_user", "optical_write_refused_root", "optical_refusals_reported",
    "optical_disc_readable", "initramfs_updated_after_purge", "purge_leaves_no_device_gate",
]
# mitigations=off: an emulated CPU needs no speculation barriers, and each one costs TCG time;
# init_on_alloc=0: Debian's kernel zeroes every page and slab object it allocates (hardening against
# leaks between processes), emulated work for each of the thousands of processes apt and
# update-initramfs start (not measured on its own).
# no_timer_check: a loaded host can make the IO-APIC timer check miss its window and panic the boot.
APPEND = ("root=LABEL=root rw console=ttyS0 loglevel=4 printk.devkmsg=on usb_storage.delay_use=0 panic=-1 "
          "systemd.show_status=0 nowatchdog mitigations=off init_on_alloc=0 no_timer_check")


def run(*args, **kwargs):
    return subprocess.run(list(args), check=True, **kwargs)


def build_packages(build_dir, out):
    """The packages as a user makes them; the agent's .deb path."""
    run(os.path.join(REPO, "scripts", "package.sh"), build_dir, out, stdout=subprocess.DEVNULL)
    debs = [name for name in os.listdir(out) if name.startswith("mamori-agent_") and name.endswith(".deb")]
    if len(debs) != 1:
        raise SystemExit(f"run_systemd_e2e: expected one mamori-agent .deb in {out}: {debs}")
    return os.path.join(out, debs[0])


def previous_version(deb, out):
    """The same package relabelled as an earlier version (VERSION~e2e.prev sorts before VERSION), so the
    guest upgrades through the maintainer scripts as from a real previous release."""
    tree = os.path.join(out, "tree")
    run("dpkg-deb", "-R", deb, tree)
    control = os.path.join(tree, "DEBIAN", "control")
    with open(control) as f:
        lines = f.read().splitlines()
    version = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Version:"))
    with open(control, "w") as f:
        f.write("\n".join(f"Version: {version}~e2e.prev" if line.startswith("Version:") else line for line in lines) + "\n")
    path = os.path.join(out, f"mamori-agent_{version}~e2e.prev_amd64.deb")
    # gzip -1: seconds less than the default xz, and the guest unpacks it as any other .deb.
    run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", tree, path, stdout=subprocess.DEVNULL)
    shutil.rmtree(tree)
    return path


def prepare_image(cache, deb, wait):
    """prepare_image.sh under CACHE/systemd.lock. scripts/test.sh starts it in the background while the
    rest builds (tests/e2e/systemd/prebuild_image.sh); this waits for that run, at most WAIT seconds."""
    os.makedirs(cache, exist_ok=True)
    lock_path = os.path.join(cache, "systemd.lock")
    with open(lock_path, "w") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"run_systemd_e2e: the machine image in {cache}/systemd was still being made by "
                                     f"another process after {wait:.0f} s (it holds {lock_path}; its log: "
                                     f"{cache}/prebuild.log)")
                time.sleep(1)
        run(os.path.join(HERE, "prepare_image.sh"), cache, deb)


class Machine:
    """One QEMU run of the guest until it powers off or reboots (-no-reboot: QEMU exits, the next boot is
    a new QEMU with the same disks, as after a power cycle)."""

    def __init__(self, work, kernel, initrd, disks, port, usb_at_power_on, append, disc=None):
        self.work = work
        self.console = os.path.join(work, "console.log")
        qmp, ctl = os.path.join(work, "qmp.sock"), os.path.join(work, "ctl.sock")
        for path in (qmp, ctl):
            if os.path.exists(path):
                os.unlink(path)
        relay = f"cmd:{sys.executable} {os.path.join(HERE, 'relay.py')} {port}"
        # One vCPU: with two (multi-threaded TCG) the agent, no longer sharing its CPU with apt and
        # update-initramfs, went over its default agent_limits (25% of one core, everything being slow
        # under emulation) and restarted (exit 3) in the middle of the checks.
        # -nodefaults: no floppy or CD-ROM drive (the kernel, udev and blkid probed both at every boot),
        # no default network card; the VGA card is kept for tty1 (the login prompt the keyboard types at).
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "pc,i8042=off", "-m", "1024", "-smp", "1",
               "-nodefaults", "-vga", "std", "-display", "none", "-monitor", "none", "-no-reboot",
               "-serial", f"file:{self.console}",
               "-chardev", f"socket,id=ctl,path={ctl},server=on,wait=off", "-device", "isa-serial,chardev=ctl",
               "-qmp", f"unix:{qmp},server=on,wait=off",
               "-kernel", kernel, "-initrd", initrd, "-append", append,
               "-nic", f"user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:8443-{relay}",
               "-device", "qemu-xhci,id=xhci"]
        for ident, (path, fmt, readonly) in disks.items():
            # cache=unsafe: the guest's flushes (dpkg's fsync per file, the journal) are not passed on to
            # this host's disk; these disks live only for this run.
            cmd += ["-drive", f"if=none,id={ident},file={path},format={fmt}" + (",readonly=on" if readonly else ",cache=unsafe"),
                    "-device", f"virtio-blk-pci,drive={ident},serial={ident}"]
        if disc:
            # A DVD drive with a disc in it on the machine's own IDE controller (ata_piix, loaded at every
            # boot anyway): sr0 and an sg node, as a PC's built-in burner.
            cmd += ["-drive", f"if=none,id=dvd,media=cdrom,format=raw,readonly=on,file={disc}",
                    "-device", "ide-cd,bus=ide.1,drive=dvd,id=dvd"]
        if usb_at_power_on:
            early = self.stick_image("early")
            cmd += ["-device", "usb-kbd,bus=xhci.0,id=kbd",
                    "-drive", f"if=none,id=early,file={early},format=raw",
                    "-device", "usb-storage,bus=xhci.0,drive=early,serial=E2E-EARLY,id=early"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(work, "qemu.err"), "a"))
        self.qmp = Qmp(qmp, time.monotonic() + 30)
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(ctl)
        self.ctl.setblocking(False)
        self.ctl_buffer = b""
        self.console_offset = 0

    def stick_image(self, name):
        path = os.path.join(self.work, f"{name}.img")
        with open(path, "wb") as f:
            f.truncate(8 << 20)
        return path

    def plug(self, ident, serial):
        self.qmp.command("blockdev-add", **{"driver": "raw", "node-name": f"n{ident}",
                                            "file": {"driver": "file", "filename": self.stick_image(ident)}})
        self.qmp.command("device_add", driver="usb-storage", bus="xhci.0", drive=f"n{ident}", serial=serial, id=ident)

    def type(self, text):
        """Keys on the USB keyboard (the only keyboard: i8042 is off)."""
        for char in text:
            key = "ret" if char == "\n" else char
            # hold-time 10 ms (QEMU's default is 100): the key-up is queued right behind the key-down, so a
            # guest starved of CPU by a busy host is less likely to see the key held past its 250 ms
            # autorepeat delay (at load 9-10 it once read "maamori").
            self.qmp.command("send-key", keys=[{"type": "qcode", "data": key}], **{"hold-time": 10})
            time.sleep(0.05)  # key spacing as a person types; the guest reads them as one line

    def ctl_lines(self):
        try:
            chunk = self.ctl.recv(65536)
            if chunk:
                self.ctl_buffer += chunk
        except BlockingIOError:
            pass
        *lines, self.ctl_buffer = self.ctl_buffer.split(b"\n")
        return [line.decode("utf-8", "replace").strip() for line in lines]

    def console_lines(self):
        with open(self.console, "rb") as f:
            f.seek(self.console_offset)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.console_offset += cut
        return [line.decode("utf-8", "replace").rstrip("\r") for line in data[:cut].split(b"\n")[:-1]]

    def answer(self, text):
        self.ctl.setblocking(True)
        self.ctl.sendall((text + "\n").encode())
        self.ctl.setblocking(False)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Host:
    """Answers the guest's questions (E2E ASK ...)."""

    def __init__(self, collector, policy):
        self.collector = collector
        self.api = collector.api()
        self.policy = policy

    def matching(self, event_type, agent, filters):
        """Events of this type and agent whose details have every key=value; since=TIME keeps those made
        at or after TIME (the agent's clock, the events' own format: 2026-01-31T12:00:00.000Z)."""
        wanted = dict(item.split("=", 1) for item in filters)
        since = wanted.pop("since", "")
        return [e for e in self.api.events(type=event_type, agent=agent)
                if e.get("time", "") >= since and all(str(e.get("details", {}).get(k)) == v for k, v in wanted.items())]

    def ask(self, machine, words):
        what, args = words[0], words[1:]
        if what == "event":  # event TYPE AGENT N TIMEOUT [key=value ... | since=TIME]
            event_type, agent, n, timeout = args[0], args[1], int(args[2]), float(args[3])
            deadline = time.monotonic() + timeout
            while True:
                found = len(self.matching(event_type, agent, args[4:]))
                if found >= n:
                    return f"OK {found}"
                if time.monotonic() > deadline:
                    return f"NO {found}"
                time.sleep(0.5)
        if what == "count":  # count TYPE AGENT [key=value ...]
            return f"OK {len(self.matching(args[0], args[1], args[2:]))}"
        if what == "policy":  # policy VERSION: push the e2e policy to the guest's group
            code, out, err = self.collector.ctl("policy", "push", self.policy, "--group", "e2e")
            return "OK" if code == 0 else f"NO {err.strip()}"
        if what == "type":
            machine.type(" ".join(args) + "\n")
            return "OK"
        if what == "plug":  # plug ID SERIAL
            machine.plug(args[0], args[1])
            return "OK"
        return f"NO unknown question {what}"


def make_disc(work):
    """The disc in boot 2's DVD drive: an ISO 9660 image with one file, made by xorriso (368 KiB)."""
    tree = os.path.join(work, "disc")
    os.makedirs(tree, exist_ok=True)
    with open(os.path.join(tree, "readme.txt"), "w") as f:
        f.write("mamori optical disc\n")
    disc = os.path.join(work, "disc.iso")
    run("xorriso", "-as", "mkisofs", "-quiet", "-V", "MAMORI", "-o", disc, tree)
    return disc


def make_payload(work, collector, new_dir, prev_dir, script):
    """The guest's third disk (/dev/vdc, a plain tar mamori-e2e.service unpacks into /run/mamori-e2e):
    SCRIPT as guest.sh (with guest_common.sh, its helpers), the collector's certificate and enroll secret, agent.conf, an uninstall token and
    its hash, the packages under test (new/) and the previous version (prev/)."""
    token = "e2e-" + os.urandom(16).hex()
    payload_dir = os.path.join(work, "payload")
    os.makedirs(payload_dir)
    files = {"guest.sh": script, "guest_common.sh": os.path.join(HERE, "guest_common.sh"),
             "collector.crt": collector.ca_file, "enroll.secret": collector.enroll_secret_file}
    for name, source in files.items():
        shutil.copy(source, os.path.join(payload_dir, name))
    with open(os.path.join(payload_dir, "agent.conf"), "w") as f:
        f.write("collector = https://collector.e2e:8443\nca-file = /etc/mamori/collector.crt\n"
                "enroll-secret-file = /etc/mamori/enroll.secret\ngroup = e2e\n")
    with open(os.path.join(payload_dir, "uninstall.token"), "w") as f:
        f.write(token + "\n")
    with open(os.path.join(payload_dir, "uninstall.token.sha256"), "w") as f:
        f.write(subprocess.run(["sha256sum"], input=token.encode(), capture_output=True, check=True)
                .stdout.decode().split()[0] + "\n")
    payload = os.path.join(work, "payload.tar")
    with tarfile.open(payload, "w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(os.listdir(payload_dir)):
            tar.add(os.path.join(payload_dir, name), arcname=name)
        tar.add(new_dir, arcname="new", filter=lambda t: t if t.isdir() or t.name.endswith("_amd64.deb") else None)
        if prev_dir:
            tar.add(prev_dir, arcname="prev")
    with open(payload, "ab") as f:  # a whole number of 512-byte sectors
        f.write(b"\0" * (-os.path.getsize(payload) % 65536))
    return payload


def machine_disks(work, image, payload):
    """This run's disks: a copy-on-write layer over the cached root, a copy of /boot (read back between
    boots: the guest rebuilds its initramfs), the payload."""
    root = os.path.join(work, "root.qcow2")
    run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", os.path.join(image, "root.raw"), root)
    boot = os.path.join(work, "boot.raw")
    run("cp", "--sparse=always", os.path.join(image, "boot.raw"), boot)
    return {"root": (root, "qcow2", False), "boot": (boot, "raw", False), "payload": (payload, "raw", True)}


def dump_initrd(boot_disk, kver, path):
    """The initramfs as the guest left it on its /boot disk."""
    run("debugfs", "-R", f"dump /initrd.img-{kver} {path}", boot_disk, stderr=subprocess.DEVNULL)
    return path


class Session:
    """Boots of one machine (same disks, same collector), each until the guest reboots, powers off or
    says DONE; gathers what the guest reports (E2E RESULT / FIGURE / PHASE lines) and answers its
    questions through HOST."""

    def __init__(self, work, image, disks, collector, host, deadline):
        self.work, self.image, self.disks = work, image, disks
        self.collector, self.host, self.deadline = collector, host, deadline
        self.results, self.figures, self.boots, self.scenario_at = {}, {}, [], []
        self.done = False

    def boot(self, label, initrd, append, usb_at_power_on=False, disc=None, on_figure=None):
        """One power-on to power-off; True when the guest rebooted (QEMU exits at its reset: -no-reboot)."""
        machine = Machine(self.work, os.path.join(self.image, "vmlinuz"), initrd, self.disks, self.collector.port,
                          usb_at_power_on=usb_at_power_on, append=append, disc=disc)
        boot_started = time.monotonic()
        rebooting = False
        try:
            while time.monotonic() < self.deadline:
                quiet = True
                for line in machine.console_lines():
                    if "mamori-e2e: PROMPT" in line:
                        print("run_systemd_e2e: typing 'mamori' at the initramfs prompt", flush=True)
                        machine.type("mamori\n")
                for line in machine.ctl_lines():
                    quiet = False
                    print(f"[boot {label} +{time.monotonic() - boot_started:5.1f}s] {line}", flush=True)
                    words = line.split()
                    if len(words) < 2 or words[0] != "E2E":
                        continue
                    if words[1] == "RESULT" and len(words) >= 4:
                        self.results[words[2]] = (words[3], " ".join(words[4:]))
                    elif words[1] == "FIGURE":
                        self.figures[words[2]] = " ".join(words[3:])
                        if on_figure:
                            on_figure(words[2], " ".join(words[3:]))
                    elif words[1] == "ASK":
                        machine.answer(self.host.ask(machine, words[2:]))
                    elif words[1] == "PHASE":
                        self.scenario_at.append(time.monotonic() - boot_started)
                    elif words[1] == "REBOOT":
                        rebooting = True
                    elif words[1] == "DONE":
                        self.done = True
                if self.done or machine.proc.poll() is not None:
                    break
                if quiet:
                    time.sleep(0.05)
            if rebooting:  # QEMU exits at the guest's reset (-no-reboot)
                machine.proc.wait(timeout=max(1, self.deadline - time.monotonic()))
        finally:
            machine.close()
            shutil.copy(machine.console, os.path.join(self.work, f"console-{label}.log"))
            open(machine.console, "w").close()
        self.boots.append(time.monotonic() - boot_started)
        return rebooting


def start_machine_run(build_dir, cache, image_wait, work_name="systemd-run"):
    """What the test and bench/boot_ready.py share before the first boot: packages built with
    scripts/package.sh, the cached image up to date, a clean work folder (CACHE/WORK_NAME), this build's
    collector and mamorictl. Returns (work, new_dir, deb, image, kver, timings)."""
    started = time.monotonic()
    work = os.path.join(cache, work_name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    harness.BIN_DIR = os.path.join(build_dir, "bin")  # the collector and mamorictl of this build
    new_dir = os.path.join(work, "new")
    deb = build_packages(build_dir, new_dir)
    packaged = time.monotonic()
    prepare_image(cache, deb, image_wait)
    image = os.path.join(cache, "systemd")
    with open(os.path.join(image, "kver")) as f:
        kver = f.read().strip()
    return work, new_dir, deb, image, kver, (started, packaged, time.monotonic())


def check_host_tools(*extra):
    if os.geteuid() != 0:
        print("run_systemd_e2e: needs root (mmdebstrap, apt-get download)", file=sys.stderr)
        return False
    for tool in ("qemu-system-x86_64", "qemu-img", "debugfs", "dpkg-deb") + extra:
        if shutil.which(tool) is None:
            print(f"run_systemd_e2e: {tool} missing; run scripts/bootstrap.sh --test", file=sys.stderr)
            return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--timeout", type=float, default=2400,
                        help="seconds for the guest part (both boots took 1,030-1,700 s at load 9-12 on a shared "
                             "2-core machine; under ctest's TIMEOUT, so a stuck guest is reported)")
    parser.add_argument("--image-wait", type=float, default=900,
                        help="seconds to wait for an image build started by scripts/test.sh")
    args = parser.parse_args()
    if not check_host_tools("xorriso"):
        return 1
    work, new_dir, deb, image, kver, (started, packaged, prepared) = start_machine_run(
        os.path.abspath(args.build_dir), os.path.abspath(args.cache), args.image_wait)
    prev_dir = os.path.join(work, "prev")
    os.makedirs(prev_dir)
    prev = previous_version(deb, prev_dir)
    sizes = {os.path.basename(p): os.path.getsize(p) for p in
             [os.path.join(new_dir, n) for n in os.listdir(new_dir) if n.endswith((".deb", ".tar.gz"))]}
    disc = make_disc(work)

    collector = Collector(work, extra=["--cert-name", "collector.e2e"]).start()
    payload = make_payload(work, collector, new_dir, prev_dir, os.path.join(HERE, "guest.sh"))
    disks = machine_disks(work, image, payload)
    host = Host(collector, os.path.join(HERE, "policy-systemd.json"))
    session = Session(work, image, disks, collector, host, time.monotonic() + args.timeout)
    try:
        # Boot 1 installs, checks and upgrades; boot 2 has a USB stick, a USB keyboard and a DVD drive
        # with a disc attached from power-on.
        for boot_number in (1, 2):
            initrd = dump_initrd(disks["boot"][0], kver, os.path.join(work, f"initrd-{boot_number}.img"))
            append = APPEND + (" mamori.e2e_prompt" if boot_number == 2 else "")
            if not session.boot(boot_number, initrd, append, usb_at_power_on=boot_number == 2,
                                disc=disc if boot_number == 2 else None):
                break
    finally:
        collector.stop()
    finished = time.monotonic()

    # Where the time went (figures for the README's line on this test, not asserted).
    print(f"run_systemd_e2e: TIME packages {packaged - started:.1f} s, image {prepared - packaged:.1f} s, "
          f"boots {', '.join(f'{b:.1f} s' for b in session.boots)} (scenario started at "
          f"{', '.join(f'+{b:.1f} s' for b in session.scenario_at)}), total {finished - started:.1f} s", flush=True)
    for name, size in sorted(sizes.items()):
        print(f"run_systemd_e2e: FIGURE package {name} {size / 1024:.0f} KiB")
    for name, value in session.figures.items():
        print(f"run_systemd_e2e: FIGURE {name} {value}")
    results = session.results
    failed = [name for name in EXPECTED if results.get(name, ("MISSING",))[0] != "PASS"]
    failed += [name for name, (verdict, _) in results.items() if verdict != "PASS" and name not in failed]
    if not session.done:
        failed.append("guest_finished")
        print(f"run_systemd_e2e: the guest did not finish (consoles: {work}/console-*.log)")
    for name in failed:
        print(f"run_systemd_e2e: FAIL {name}: {results.get(name)}")
    print("run_systemd_e2e: " + ("PASS" if not failed else f"{len(failed)} checks failed"), flush=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
