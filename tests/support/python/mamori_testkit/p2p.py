"""What the P2P tests and benchmarks share: a network and pid namespace sandbox for real clients, a
.torrent writer, per-thread CPU of a process, and the Winny stand-in built with mingw-w64 and run under
Debian's wine64 (tests/integration/test_p2p.py, test_p2p_wine.py; bench/p2p.py, p2p_idle.py)."""

import hashlib
import os
import shutil
import subprocess
import tempfile

from mamori_testkit.harness import wait_until


def bencode(value):
    """Just enough bencoding for a .torrent file and a tracker answer."""
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(value)


def make_torrent(payload_path, torrent_path, announce):
    with open(payload_path, "rb") as f:
        data = f.read()
    piece = 16384
    pieces = b"".join(hashlib.sha1(data[i:i + piece]).digest() for i in range(0, len(data), piece))
    info = {"name": os.path.basename(payload_path), "length": len(data), "piece length": piece, "pieces": pieces}
    with open(torrent_path, "wb") as f:
        f.write(bencode({"announce": announce, "info": info}))
    return hashlib.sha1(bencode(info)).hexdigest()


def thread_usage(pid):
    """{tid: (name, CPU seconds, wake-ups, read system calls)} of a process's threads so far. Wake-ups
    are context switches (/proc/PID/task/TID/status), reads are syscr (.../io): both count what the
    thread did, not how fast the machine is (bench/p2p_idle.py prints them too)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(f"{base}/stat") as f:
                name, _, rest = f.read().partition("(")[2].rpartition(")")
                fields = rest.split()
            with open(f"{base}/status") as f:
                wakeups = sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
            with open(f"{base}/io") as f:
                reads = next(int(line.split()[1]) for line in f if line.startswith("syscr:"))
        except OSError:
            continue  # a thread that ended meanwhile
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), wakeups, reads)
    return out


class Sandbox:
    """A network namespace with only lo up, and a pid namespace whose init lives in it. Programs are
    started inside both with nsenter; the namespace init's death (kill-child) ends everything in it."""

    def __init__(self, name):
        self.netns = name
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        self.holder = subprocess.Popen(["ip", "netns", "exec", name, "unshare", "--pid", "--fork", "--kill-child",
                                        "--mount-proc", "sleep", "infinity"])
        self.init_pid = wait_until(self._find_init, 10, "the pid namespace's init")

    def _find_init(self):
        # unshare's child: `sleep infinity`, pid 1 inside the new namespace.
        try:
            out = subprocess.run(["pgrep", "-P", str(self.holder.pid)], capture_output=True, text=True).stdout.split()
        except OSError:
            return None
        return int(out[0]) if out else None

    def spawn(self, args, cwd=None, stdin=subprocess.DEVNULL, log=None):
        return subprocess.Popen(["nsenter", "-t", str(self.init_pid), "--pid", "--net", "--", *args], cwd=cwd,
                                stdin=stdin, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else
                                subprocess.DEVNULL)

    def close(self):
        if self.holder.poll() is None:
            self.holder.kill()  # --kill-child: the namespace's init and with it every process inside die
            self.holder.wait(10)
        subprocess.run(["ip", "netns", "delete", self.netns], capture_output=True)


WINE = "/usr/lib/wine/wine64"  # Debian's wine64 package (the wine package's `wine` script execs it)
GCC = "x86_64-w64-mingw32-gcc"
WINDRES = "x86_64-w64-mingw32-windres"
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "fixtures", "wine")


def missing_wine_tools():
    """The tools the stand-ins need that are not installed (also used by bench/p2p.py)."""
    missing = [tool for tool in (GCC, WINDRES) if shutil.which(tool) is None]
    if not os.access(WINE, os.X_OK):
        missing.append(WINE)
    return missing


def build_pe(name, out):
    """Compiles fixtures/wine/<name>.c with its version resource <name>.rc into a console PE in out."""
    os.makedirs(out, exist_ok=True)
    subprocess.run([WINDRES, os.path.join(FIXTURES, name + ".rc"), "-O", "coff", "-o",
                    os.path.join(out, name + ".res.o")], check=True)
    exe = os.path.join(out, name + ".exe")
    subprocess.run([GCC, "-O2", "-s", "-o", exe, os.path.join(FIXTURES, name + ".c"),
                    os.path.join(out, name + ".res.o")], check=True)
    return exe


def wine_argv(prefix, program):
    """wine64 PROGRAM with the prefix given, no debug output and no display."""
    return ["/usr/bin/env", f"WINEPREFIX={prefix}", "WINEDEBUG=-all", "DISPLAY=", "WAYLAND_DISPLAY=", WINE, program]


class SandboxedRun:
    """A P2P benchmark's setting: a work folder, a Sandbox, and the collector and agent the benchmark
    starts in them (it sets .collector and .agent). As a context manager it stops them at the end (the
    agent killed if it still runs), closes the sandbox and removes the folder."""

    def __init__(self, name):
        self.work = tempfile.mkdtemp(prefix=f"mamori-bench-{name}-")
        self.sandbox = Sandbox(f"mamori-{name}-{os.getpid()}")
        self.collector = None
        self.agent = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.agent is not None and self.agent.process is not None and self.agent.process.running():
            self.agent.process.kill9()
        if self.collector is not None:
            self.collector.stop()
        self.sandbox.close()
        shutil.rmtree(self.work, ignore_errors=True)
