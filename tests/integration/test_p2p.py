"""P2P guard (issue 5) with real Debian clients: each is started in a network namespace that holds only
lo and in a pid namespace of its own; the agent is confined to that pid namespace with --p2p-scope, so
nothing the test did not start can be touched. Installed clients and renamed copies are stopped and
the event reaches the collector; benign programs that look similar are left alone.

Needs root (namespaces, the proc connector, kill); CI runs as root.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import time
import unittest

from mamori_testkit.harness import MamoriTestCase, require_root, wait_until
from mamori_testkit.p2p import Sandbox, make_torrent, thread_usage


def machine_forks():
    """Processes created on the machine since boot (/proc/stat's "processes")."""
    with open("/proc/stat") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("processes "))


class P2pTestBase(MamoriTestCase):
    """The sandbox, a collector, the agent confined to the sandbox and the checks of a stop (test_p2p_renamed.py
    uses them too)."""

    def setUp(self):
        super().setUp()
        require_root(self)
        self.sandbox = Sandbox(f"mamori-p2p-{os.getpid()}")
        self.addCleanup(self.sandbox.close)
        self.coll = self.collector()
        self.api = self.coll.api()

    def start_agent(self, policy=None):
        extra = ["--p2p-scope", f"pidns:{self.sandbox.init_pid}", "--device-control", "off"]
        if policy is not None:
            path = os.path.join(self.workdir, "policy.json")
            with open(path, "w") as f:
                f.write(policy)
            extra += ["--policy", path]
        agent = self.agent(self.coll, extra=extra).start()
        self.agent_process = agent.process
        wait_until(lambda: "p2p guard: enforce" in agent.process.output() or None, 30, "the P2P guard to start")
        return agent

    def dir(self, name):
        path = os.path.join(self.workdir, name)
        os.makedirs(path, exist_ok=True)
        return path

    def stop_event(self, marker, timeout=30):
        """The p2p.killed or p2p.exec_denied event whose argv holds marker (a path unique to one launch;
        for a refused exec, argv is the caller's: nsenter's command line holds the program's)."""
        def find():
            for kind in ("p2p.killed", "p2p.exec_denied"):
                for event in self.api.events(type=kind):
                    if any(marker in arg for arg in event["details"]["process.args"]):
                        return event
            return None
        return wait_until(find, timeout, f"a p2p.killed or p2p.exec_denied event for {marker}")

    def assertStopped(self, proc, marker, timeout=30, actions=("killed", "exec_denied")):
        try:
            event = self.stop_event(marker, timeout)
        except AssertionError as failure:
            # What the guard saw and decided is in its journal: without it a timeout says nothing.
            raise AssertionError(f"{failure}\nagent log (last 60 lines):\n" +
                                 "\n".join(self.agent_process.output().splitlines()[-60:])) from None
        proc.wait(timeout)
        self.assertIn(event["details"]["p2p.action"], actions, event)
        self.assertNotEqual(proc.returncode, 0, "the program ended on its own")
        self.assertTrue(event["details"]["p2p.signals"], event)
        self.assertEqual(event["details"]["p2p.scope"], f"pidns:{self.sandbox.init_pid}")
        self.assertEqual(event["details"]["user.name"], "root")
        return event

    def client_commands(self, torrent):
        """Headless invocations (DHT, LPD, PEX and port mapping off where the client has a switch)."""
        d = self.dir
        return {
            "transmission-daemon": ["transmission-daemon", "-f", "-g", d("transmission"), "--no-dht", "--no-lpd",
                                    "--no-portmap", "-T"],
            "qbittorrent-nox": ["qbittorrent-nox", f"--profile={d('qbittorrent')}", "--webui-port=18080"],
            "aria2c": ["aria2c", "--enable-dht=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                       f"--dir={d('aria2c')}", torrent],
            "ctorrent": ["ctorrent", "-s", d("ctorrent") + "/out", torrent],
            "rtorrent": ["rtorrent", "-n", "-o", "system.daemon.set=true", "-o", f"session.path.set={d('rtorrent')}",
                         "-o", "dht.mode.set=disable", "-o", "protocol.pex.set=no"],
            "deluged": ["deluged", "-d", "-c", d("deluged"), "-L", "error"],
            "amuled": ["amuled", f"--config-dir={d('amuled')}"],
        }

    def start_network_only_agent(self):
        """An agent whose names, hashes and YARA rules say nothing: no built-in signatures, one set that
        matches nothing; only traffic can give a client away."""
        policy = ('{"schema_version": 1, "version": 1, "name": "network only", "group": "default",'
                  ' "p2p_guard": {"mode": "enforce", "builtin_signatures": false, "network_detection": true,'
                  ' "signature_sets": [{"name": "company", "process_names": ["nothing-matches-this"]}]}}')
        agent = self.start_agent(policy)
        wait_until(lambda: "applied the local file" in agent.process.output() or None, 30, "the local policy")

    def start_tracker(self, log=None):
        """The test tracker (HTTP and UDP on port 6969) in the sandbox, once it answers."""
        here = os.path.dirname(os.path.abspath(__file__))
        tracker = self.sandbox.spawn(["python3", os.path.join(here, "p2p_tracker.py"), "6969"], log=log)

        def tracker_up():
            return subprocess.run(["nsenter", "-t", str(self.sandbox.init_pid), "--pid", "--net", "--", "curl", "-s",
                                   "-o", "/dev/null", "http://127.0.0.1:6969/"], capture_output=True).returncode == 0
        wait_until(tracker_up, 30, "the test tracker")
        return tracker

    def torrent_of_random_file(self, announce):
        files = self.dir("files")
        payload = os.path.join(files, "payload.bin")
        with open(payload, "wb") as f:
            f.write(os.urandom(300_000))
        torrent = os.path.join(files, "payload.torrent")
        make_torrent(payload, torrent, announce)
        return payload, torrent

    def assertStoppedByNetwork(self, proc, marker, protocol, attribution, address="127.0.0.1"):
        event = self.assertStopped(proc, marker, timeout=60, actions=("killed",))
        self.assertEqual(event["details"]["p2p.trigger"], "network", event)
        network = [s for s in event["details"]["p2p.signals"] if s["signal"] == "network"]
        self.assertTrue(network, event)
        self.assertTrue(network[0]["matched"].startswith(protocol), event)
        self.assertIn(address, network[0]["subject"], event)
        self.assertRegex(network[0]["attribution"], attribution, event)
        return network[0]


class P2pGuardTest(P2pTestBase):
    def test_installed_and_renamed_clients_are_stopped(self):
        agent = self.start_agent()
        payload = os.path.join(self.dir("files"), "payload.bin")
        with open(payload, "wb") as f:
            f.write(os.urandom(200_000))
        torrent = os.path.join(self.workdir, "files", "payload.torrent")
        make_torrent(payload, torrent, "http://127.0.0.1:6969/announce")

        # Known by name: refused before they run (deny_exec, fanotify), or killed right after the exec
        # where the filesystem holding them takes no fanotify marks (some container roots).
        exec_guard = "no exec permission guard" not in agent.process.output()
        denied = 0
        for name, args in self.client_commands(torrent).items():
            with self.subTest(client=name):
                self.assertTrue(shutil.which(args[0]), f"{args[0]} is not installed (scripts/bootstrap.sh --test)")
                proc = self.sandbox.spawn(args)
                marker = next(a for a in args if self.workdir in a)
                event = self.assertStopped(proc, marker)
                self.assertTrue(event["details"]["process.hash.sha256"], event)
                if event["details"]["p2p.action"] == "exec_denied":
                    denied += 1
                    self.assertGreaterEqual(event["details"]["p2p.decision_us"], 0)
        if not exec_guard:
            self.assertEqual(denied, 0, "an exec was refused although the agent said it has no exec guard")
        print(f"\n{denied} of 7 installed clients refused before they ran, the rest killed after their exec")

        # Renamed copies of all seven in other folders, and two patched so their hash differs (one
        # byte of a help text): the names say nothing; the file's content (YARA), the libraries it
        # needs (DT_NEEDED, resolved before it runs) or the launcher script's content decide, before
        # the exec where the exec guard runs.
        stopped_before = 0
        for name, (args, event) in self.run_copies(torrent).items():
            with self.subTest(copy=name):
                signals = {s["signal"] for s in event["details"]["p2p.signals"]}
                self.assertNotIn("name", signals, event)  # recognised without its name
                program, _, patch = self.COPIES[name]
                learned = {s["signature_set"] for s in event["details"]["p2p.signals"] if s["signal"] == "exe_hash"}
                if patch:  # another hash: the content or the libraries it needs decide
                    self.assertEqual(learned, set(), event)
                    self.assertTrue(signals & {"yara", "library_hash"}, event)
                else:  # the agent learned the installed client's hash at start
                    self.assertIn(f"learned:{shutil.which(program)}", learned, event)
                if exec_guard:
                    self.assertEqual(event["details"]["p2p.action"], "exec_denied", event)
                if event["details"]["p2p.action"] == "exec_denied":
                    stopped_before += 1
        print(f"{stopped_before} of {len(self.COPIES)} renamed or patched copies refused before they ran")
        print(next((line for line in agent.process.output().splitlines() if "learned the hashes" in line), ""))

        # An interpreter told to run a renamed launcher script: python3 is benign, so it runs and is
        # killed once the script (its content) is seen.
        relay = os.path.join(self.dir("interpreted"), "relay")
        shutil.copy("/usr/bin/deluged", relay)
        proc = self.sandbox.spawn(["python3", relay, "-d", "-c", self.dir("relay"), "-L", "error"])
        event = self.assertStopped(proc, relay, timeout=45, actions=("killed",))
        signals = {s["signal"] for s in event["details"]["p2p.signals"]}
        self.assertNotIn("name", signals, event)
        self.assertTrue(signals & {"yara", "script_hash", "library_hash"}, event)
        self.assertEqual(event["details"]["process.script"], relay, event)

    # name -> (installed program, new name, bytes to patch (old, new) or None). Folders differ per copy.
    COPIES = {
        "transmission-daemon": ("transmission-daemon", "syncd", None),
        "qbittorrent-nox": ("qbittorrent-nox", "indexer", None),
        "aria2c": ("aria2c", "notepad", None),
        "ctorrent": ("ctorrent", "backup", None),
        "rtorrent": ("rtorrent", "svchost", None),
        "deluged": ("deluged", "updater", None),  # a python script: the renamed launcher
        "amuled": ("amuled", "mailer", None),
        "ctorrent patched": ("ctorrent", "archiver", (b"Max peers count", b"Max peers Count")),
        "transmission-daemon patched": ("transmission-daemon", "mirror",
                                        (b"Run in the foreground", b"Run in the Foreground")),
    }

    def run_copies(self, torrent):
        """Starts each copy in COPIES and returns {name: (args, stop event)}."""
        results = {}
        commands = self.client_commands(torrent)
        for name, (program, new_name, patch) in self.COPIES.items():
            folder = self.dir("copies/" + new_name)
            path = os.path.join(folder, new_name)
            with open(shutil.which(program), "rb") as f:
                data = f.read()
            if patch:
                self.assertEqual(data.count(patch[0]), 1, f"{program}: the text to patch is not there once")
                data = data.replace(*patch)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o755)
            if patch:
                with open(shutil.which(program), "rb") as f:
                    self.assertNotEqual(hashlib.sha256(f.read()).hexdigest(), hashlib.sha256(data).hexdigest())
            args = [path, *[a.replace(program, new_name) for a in commands[program][1:]]]
            proc = self.sandbox.spawn(args)
            results[name] = (args, self.assertStopped(proc, path, timeout=45))
        return results

    def test_benign_programs_are_left_alone(self):
        self.start_agent()
        www = self.dir("www")
        with open(os.path.join(www, "BitTorrent protocol.txt"), "w") as f:
            f.write("d1:ad2:id20:" + "x" * 20 + "e1:q9:get_peers1:y1:qe announce?info_hash=")
        server = self.sandbox.spawn(["python3", "-m", "http.server", "--bind", "127.0.0.1", "8000",
                                     "--directory", www])
        fetched = os.path.join(self.workdir, "fetched.txt")

        def curl():
            done = subprocess.run(["nsenter", "-t", str(self.sandbox.init_pid), "--pid", "--net", "--", "curl",
                                   "-sf", "-o", fetched, "http://127.0.0.1:8000/BitTorrent%20protocol.txt"],
                                  capture_output=True)
            return done.returncode == 0
        wait_until(curl, 30, "curl to fetch over loopback from python3 -m http.server")
        capture = os.path.join(self.workdir, "lo.pcap")
        tshark = self.sandbox.spawn(["tshark", "-i", "lo", "-c", "5", "-w", capture, "-q"])
        wait_until(lambda: curl() and tshark.poll() is not None, 60, "tshark to capture 5 packets")
        self.assertEqual(tshark.returncode, 0)
        self.assertIsNone(server.poll(), "python3 -m http.server was stopped")
        # A renamed coreutils binary and programs that merely link OpenSSL or libcurl run to the end.
        looks = self.dir("lookalikes")
        shutil.copy("/usr/bin/sort", os.path.join(looks, "indexd"))
        for args in ([os.path.join(looks, "indexd"), "--version"], ["openssl", "version"],
                     ["curl", "--version"]):
            done = subprocess.run(["nsenter", "-t", str(self.sandbox.init_pid), "--pid", "--net", "--", *args],
                                  capture_output=True, timeout=30)
            self.assertEqual(done.returncode, 0, f"{args[0]} did not run: {done.stderr!r}")
        # Positive control: a renamed client started after them goes through the same steps (names,
        # hashes, YARA over the exe and libraries) and is caught, so the guard was looking.
        bin_dir = self.dir("control")
        shutil.copy("/usr/bin/aria2c", os.path.join(bin_dir, "editor"))
        control = self.sandbox.spawn([os.path.join(bin_dir, "editor"), "--enable-rpc", "--rpc-listen-port=6800"])
        self.assertStopped(control, bin_dir)
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        for kind in ("p2p.killed", "p2p.detected", "p2p.exec_denied"):
            others = [e for e in self.api.events(type=kind)
                      if not any(a.startswith(bin_dir) for a in e["details"]["process.args"])]
            self.assertEqual(others, [], f"a benign program got {kind}")


    def test_idle_cost_with_300_sleeping_processes(self):
        """Nothing happens for 2 minutes while 300 processes sleep in the scope. Measured for the whole
        agent, per thread: wake-ups (context switches) and read system calls (/proc/PID/task/TID/status
        and io: independent of the machine's speed) and CPU, under generous bounds that polling breaks.
        Before issue 19 the guard read every process every 2 s (about 1,300 reads/s on its thread) and
        the activity monitor took a descriptor and a readlink for every file closed anywhere on the
        disk (800-2,000 wake-ups/s with other builds running); after it, the whole agent made about
        40 wake-ups and 70 reads a second on the shared 2-core machine. What is left is driven by other
        programs (execs answered by mamori-exec, closes read by mamori-activity at most every 50 ms,
        the proc connector on the main thread). Figures belong to bench/p2p_idle.py."""
        sleepers = self.sandbox.spawn(["sh", "-c", "for i in $(seq 300); do sleep infinity & done; wait"])
        self.addCleanup(lambda: (sleepers.kill(), sleepers.wait(10)))
        ns = os.readlink(f"/proc/{self.sandbox.init_pid}/ns/pid")

        def sleeping():
            count = 0
            for entry in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{entry}/comm") as f:
                        count += f.read().strip() == "sleep" and os.readlink(f"/proc/{entry}/ns/pid") == ns
                except OSError:
                    continue
            return count >= 300 or None
        wait_until(sleeping, 60, "300 sleeping processes in the namespace")
        agent = self.start_agent()
        pid = agent.process.pid

        before, start, forks0 = thread_usage(pid), time.monotonic(), machine_forks()
        time.sleep(120)  # the measurement window itself: nothing is supposed to happen in it
        after, elapsed = thread_usage(pid), time.monotonic() - start
        # Nothing happens in the scope, but the proc connector and the exec guard hear every program
        # the machine starts (other tests, compilers): each fork costs a few wake-ups and reads
        # whatever the agent does. The bounds grow with that rate; a timer polling shows at any rate.
        forks = (machine_forks() - forks0) / elapsed
        rates = {}  # tid: (name, CPU %, wake-ups/s, reads/s), threads alive at both ends
        for tid, (name, cpu, wakeups, reads) in after.items():
            if tid in before:
                _, cpu0, wakeups0, reads0 = before[tid]
                rates[tid] = (name, 100 * (cpu - cpu0) / elapsed, (wakeups - wakeups0) / elapsed,
                              (reads - reads0) / elapsed)
        print(f"\nagent threads while idle with 300 processes in scope, {forks:.0f} forks/s on the machine "
              "(CPU %, wake-ups/s, reads/s):")
        for name, share, wakeups, reads in sorted(rates.values(), key=lambda r: -r[2]):
            print(f"  {name:<16} {share:5.2f} {wakeups:7.1f} {reads:7.1f}")
        _, main_share, _, main_reads = rates[str(pid)]
        # Per fork elsewhere, measured (a /bin/true loop, issue 19): about 6 wake-ups, 12 reads and
        # 0.03% of a core per fork/s at load 12; the allowances below are about twice that.
        self.assertLess(main_reads, 300 + 25 * forks, "the P2P guard reads while nothing happens (polling /proc?)")
        self.assertLess(main_share, 2.5 + 0.05 * forks,
                        "the P2P guard's thread is busy while nothing happens (polling?)")
        wakeups = sum(r[2] for r in rates.values())
        reads = sum(r[3] for r in rates.values())
        share = sum(r[1] for r in rates.values())
        self.assertLess(wakeups, 250 + 12 * forks, "the agent wakes up while nothing happens (a timer polling, "
                                                   "or events from outside its roots read one by one?)")
        self.assertLess(reads, 400 + 25 * forks, "the agent reads while nothing happens (polling?)")
        self.assertLess(share, 4.0 + 0.06 * forks, "the agent is busy while nothing happens (polling?)")
        # Still looking: a renamed client started now is stopped.
        copy = os.path.join(self.dir("after-idle"), "worker")
        shutil.copy("/usr/bin/ctorrent", copy)
        self.assertStopped(self.sandbox.spawn([copy, "-s", self.dir("after-idle") + "/out", "/nonexistent.torrent"]),
                           copy)

    def test_unknown_clients_are_caught_by_their_traffic(self):
        self.start_network_only_agent()
        payload, torrent = self.torrent_of_random_file("http://127.0.0.1:6969/announce")
        tracker = self.start_tracker()
        bin_dir = self.dir("unknown")
        shutil.copy("/usr/bin/ctorrent", os.path.join(bin_dir, "seedbox"))
        shutil.copy("/usr/bin/aria2c", os.path.join(bin_dir, "fetcher"))
        seeder = self.sandbox.spawn([os.path.join(bin_dir, "seedbox"), "-e", "1", "-p", "6881", "-s", payload, torrent])
        leecher = self.sandbox.spawn([os.path.join(bin_dir, "fetcher"), "--enable-dht=false", "--bt-enable-lpd=false",
                                      "--enable-peer-exchange=false", "--listen-port=6882",
                                      f"--dir={self.dir('download')}", torrent])
        for proc, marker in ((seeder, "seedbox"), (leecher, "fetcher")):
            # By the flow's socket, or (it had closed) by the client's listening port.
            self.assertStoppedByNetwork(proc, os.path.join(bin_dir, marker), "bittorrent",
                                        r"^by (the flow's socket|its listening port (6881|6882) \()")
        self.assertIsNone(tracker.poll(), "the tracker (it only answers) was stopped")
        tracker.kill()
        tracker.wait(10)

    def test_a_client_of_a_udp_tracker_is_caught_by_its_announce(self):
        # transmission-daemon renamed, its torrent's only tracker a UDP one (BEP 15), already in the
        # swarm when the agent starts: it connected (the one packet with the protocol's fixed id) before
        # the agent looked, and re-announces every 5 s with the connection id the tracker gave it, so
        # only the announce (whose start is that random id) can give it away.
        _, torrent = self.torrent_of_random_file("udp://127.0.0.1:6969/announce")
        tracker_log = os.path.join(self.workdir, "tracker.log")
        with open(tracker_log, "wb") as log:
            tracker = self.start_tracker(log)
        client = os.path.join(self.dir("udp-client"), "sync-helper")
        shutil.copy("/usr/bin/transmission-daemon", client)
        watch = self.dir("udp-watch")
        shutil.copy(torrent, watch)
        proc = self.sandbox.spawn([client, "-f", "-g", self.dir("udp-config"), "--no-dht", "--no-lpd", "--no-portmap",
                                   "-T", "-c", watch, "-w", self.dir("udp-download"), "-P", "6883"])

        def announced():
            with open(tracker_log) as f:
                return "udp announce from port 6883" in f.read() or None
        wait_until(announced, 60, "the client's first UDP announce")
        self.start_network_only_agent()
        signal = self.assertStoppedByNetwork(proc, client, "bittorrent-udp-tracker: announce info_hash ",
                                             r"^by (the flow's socket|its listening port 6883 \()")
        self.assertRegex(signal["subject"], r"^udp 127\.0\.0\.1:6883 -> 127\.0\.0\.1:6969$")
        self.assertIsNone(tracker.poll(), "the tracker (it only answers) was stopped")
        tracker.kill()
        tracker.wait(10)

if __name__ == "__main__":
    unittest.main()
