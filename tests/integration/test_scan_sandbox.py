"""The extraction sandbox with the real binaries: `mamori-agent scan` over a temporary tree in which
some documents make a worker crash, loop, allocate without bound, or try to open a file or a socket
(their test hooks, built only into the test build), both kinds of worker (docs/decisions/0062): the
light mamori-extract-light that takes every document first, and mamori-extract, which the scanner
starts for a document that needs libarchive (a tar here). Each of those ends as not inspected with its
reason while every other file of the tree is scanned and matched; no worker outlives the scan.

Needs root (CI runs as root): the workers then drop to nobody, as on a company PC.

ScanFrontTest: `mamori-scan`, the same command in a lean binary (docs/decisions/0039), prints the same
findings, summary, messages and exit codes as `mamori-agent scan` over the company files of that tree,
and its ELF NEEDED list holds none of the daemon's libraries (Qt, Poco Net, libusb). About 3 s.
"""

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest
import zipfile

from mamori_testkit.harness import binary, wait_until

HOOK = "MAMORI-EXTRACT-TEST:"
EXPECTED = {
    "bad/crash.txt": "extractor crashed (SIGSEGV)",
    "bad/loop.txt": "extractor timed out",
    "bad/alloc.txt": "extractor out of memory",
    "bad/open.txt": "extractor crashed (SIGSYS",
    "bad/socket.txt": "extractor crashed (SIGSYS",
    # The same through mamori-extract: the scanner sniffs a tar and sends it there directly.
    "bad/crash.tar": "extractor crashed (SIGSEGV)",
    "bad/loop.tar": "extractor timed out",
    "bad/alloc.tar": "extractor out of memory",
    "bad/open.tar": "extractor crashed (SIGSYS",
    "bad/socket.tar": "extractor crashed (SIGSYS",
}
WORKERS = ("mamori-extract-light", "mamori-extract")
def hook_document(hook):
    """A document that makes the test build's worker misbehave. It must reach the worker: plain UTF-8
    text is matched by the scanner without one (nothing to parse), so the document carries a line of
    Shift_JIS, which only the sandbox decodes."""
    return f"{HOOK}{hook}\n".encode() + "社外秘\n".encode("cp932")


def tar_hook_document(hook):
    """A test hook document that reaches mamori-extract: 'ustar' at offset 257 is a tar to the scanner's
    sniff, and only the full worker reads tar."""
    head = f"{HOOK}{hook}\n".encode()
    return head + b" " * (257 - len(head)) + b"ustar" + b"\0" * 250


CARDS = "4111 1111 1111 1111\n5500 0000 0000 0004\n3400 0000 0000 009\n"


def make_tree(root):
    def write(rel, data):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    for hook in ("crash", "loop", "alloc", "open", "socket"):
        write(f"bad/{hook}.txt", hook_document(hook))
        write(f"bad/{hook}.tar", tar_hook_document(hook))
    write("good/marked.txt", "議事録 社外秘 2026\n".encode())
    write("good/cards.txt", CARDS.encode())
    write("good/sjis.txt", "顧客一覧 社外秘\r\n".encode("cp932"))
    write("good/utf16.txt", "\ufeff取扱注意 社外秘".encode("utf-16-le"))
    write("good/report.txt.gz", gzip.compress("四半期報告 社外秘\n".encode()))
    # A zip (the light worker's) holding a tar (libarchive's) between two text members: handed on
    # part-way, every marking found once.
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w") as tar:
        data = "顧客台帳 社外秘\n".encode()
        info = tarfile.TarInfo("ledger.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("a.txt", "議事録 社外秘\n".encode("cp932"))
        z.writestr("inner.tar", inner.getvalue())
        z.writestr("z.txt", "取扱注意 社外秘\n".encode("cp932"))
    write("good/mixed.zip", outer.getvalue())
    for i in range(40):
        write(f"good/clean/{i:02d}.txt", f"meeting notes {i}\n".encode())


def orphaned_workers():
    """This build's workers (both kinds) whose scanner is gone (reparented away from a mamori program
    or test): other tests running in parallel keep theirs under a live parent."""
    orphans = []
    for pid in [p for name in WORKERS for p in extract_workers(binary(name))]:
        try:
            ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            parent = os.readlink(f"/proc/{ppid}/exe") if ppid > 1 else ""
        except (OSError, ValueError, IndexError):
            continue
        if not (os.path.basename(parent).startswith("mamori-") or parent.endswith("_test")):
            orphans.append(pid)
    return orphans


def extract_workers(path):
    """PIDs of running processes whose executable is path (one of this build's workers)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{pid}/exe") == path:
                found.append(int(pid))
        except OSError:
            continue
    return found


class ScanSandboxTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("this test needs root (CI runs as root): the workers' drop to nobody is part of it")
        self.tmp = tempfile.TemporaryDirectory(prefix="mamori-sandbox-")
        self.root = os.path.join(self.tmp.name, "tree")
        make_tree(self.root)

    def tearDown(self):
        self.tmp.cleanup()

    def scan(self, *extra):
        started = time.monotonic()
        done = subprocess.run([binary("mamori-agent"), "scan", "--json", "--threads", "2", *extra, self.root],
                              capture_output=True, text=True, timeout=240)
        elapsed = time.monotonic() - started
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        results = {r["path"][len(self.root) + 1:]: r for r in lines if "path" in r}
        summary = next(r["summary"] for r in lines if "summary" in r)
        return done, results, summary, elapsed

    def test_broken_extractions_are_reported_and_the_rest_is_scanned(self):
        done, results, summary, _ = self.scan("--extract-timeout", "2")
        self.assertEqual(done.returncode, 1, done.stderr)  # matches were found
        self.assertEqual(summary["files"], 10 + 6 + 40)
        for path, reason in EXPECTED.items():
            with self.subTest(path=path):
                self.assertIn(path, results)
                reasons = [n["reason"] for n in results[path]["not_inspected"]]
                self.assertEqual(len(reasons), 1, reasons)
                self.assertTrue(reasons[0].startswith(reason), reasons)
                self.assertNotIn("ESCAPE", reasons[0])
        names = {path: {m["name"] for m in r["matches"]} for path, r in results.items()}
        for path in ("good/marked.txt", "good/sjis.txt", "good/utf16.txt", "good/report.txt.gz", "good/mixed.zip"):
            with self.subTest(path=path):
                self.assertIn(path, results)
                self.assertTrue(any(n.endswith("confidential_marking_ja") or "marking" in n for n in names[path]),
                                names[path])
                self.assertEqual(results[path]["not_inspected"], [])
        self.assertIn("credit_card", names["good/cards.txt"])
        # The gzip's member (no stored name: "data") is named in the container path.
        self.assertTrue(results["good/report.txt.gz"]["matches"][0]["container_path"].endswith("!data"))
        self.assertFalse(any(p.startswith("good/clean/") for p in results))
        # The zip's three markings, each once: two from the light worker, the tar's from mamori-extract;
        # as in-process extraction finds them.
        mixed = results["good/mixed.zip"]["matches"]
        inside = sorted(m["container_path"].split("!", 1)[1] for m in mixed if "marking" in m["name"])
        self.assertEqual(inside, ["a.txt", "inner.tar!ledger.txt", "z.txt"], mixed)
        _, in_process, _, _ = self.scan("--no-sandbox")
        self.assertEqual(mixed, in_process["good/mixed.zip"]["matches"])
        # Every worker ended with the scan (crashed ones were reaped, the rest stopped).
        wait_until(lambda: not orphaned_workers(), 10, "no worker left behind")

    def test_the_worker_is_confined_while_it_parses(self):
        # While a worker is stuck in the loop document, look at it from outside: nobody, no
        # capabilities, no_new_privs, a seccomp filter, and no descriptors beyond its channel and
        # the document it was handed. Both kinds: the light worker (text), mamori-extract (a tar).
        for name, document in (("loop.txt", hook_document("loop")), ("loop.tar", tar_hook_document("loop"))):
            worker = "mamori-extract-light" if name.endswith(".txt") else "mamori-extract"
            with self.subTest(worker=worker):
                only = os.path.join(self.tmp.name, "loop-only-" + name)
                os.makedirs(only)
                with open(os.path.join(only, name), "wb") as f:
                    f.write(document)
                self.assert_confined(only, worker)

    def assert_confined(self, only, worker):
        scan = subprocess.Popen([binary("mamori-agent"), "scan", "--json", "--threads", "1", "--extract-timeout", "20",
                                 only], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def confined_worker():
                for pid in extract_workers(binary(worker)):
                    try:
                        with open(f"/proc/{pid}/status") as f:
                            status = f.read()
                        ppid = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]
                        if "Seccomp:\t2" in status and ppid == str(scan.pid):
                            return pid, status, sorted(os.listdir(f"/proc/{pid}/fd"), key=int)
                    except OSError:
                        continue
                return None

            pid, status, fds = wait_until(confined_worker, 15, f"a confined {worker} child of the scan")
            self.assertIn("Uid:\t65534\t65534\t65534\t65534", status)
            self.assertIn("NoNewPrivs:\t1", status)
            self.assertIn("CapEff:\t0000000000000000", status)
            self.assertIn("CapPrm:\t0000000000000000", status)
            self.assertEqual(fds, ["0", "1", "2", "3", "4"])  # stdio, the channel, the document
        finally:
            scan.kill()
            scan.wait(timeout=30)
        # The worker dies with its scanner (parent-death signal).
        wait_until(lambda: not orphaned_workers(), 10, "no worker left behind")

    def test_without_the_sandbox_the_hooks_are_plain_text(self):
        # The hooks live only in the worker: in-process extraction reads those files as text.
        done, results, summary, _ = self.scan("--no-sandbox")
        self.assertEqual(done.returncode, 1, done.stderr)
        for path in EXPECTED:
            if path.endswith(".txt"):
                self.assertEqual(results[path]["not_inspected"], [], path)
            else:  # no tar to libarchive, but no extractor failure either
                self.assertFalse(any("extractor" in n["reason"] for n in results[path]["not_inspected"]), path)
        self.assertEqual(summary["files"], 56)


class ExtractCommandLineTest(unittest.TestCase):
    """Both workers read their two options with the grammar of every mamori program."""

    def run_worker(self, worker, *args):
        done = subprocess.run([binary(worker), *args], capture_output=True, text=True, timeout=30)
        return done.returncode, done.stdout + done.stderr

    def test_options_help_and_usage_errors(self):
        for worker in WORKERS:
            with self.subTest(worker=worker):
                self.check_worker(worker)

    def check_worker(self, worker):
        code, text = self.run_worker(worker, "--help")
        self.assertEqual(code, 0)
        self.assertTrue(text.startswith(f"Usage: {worker} [--user NAME] [--memory BYTES]"), text[:80])
        self.assertIn("Exit status:", text)
        # --name=value and --name value both reach the channel check (nothing on descriptor 3 here).
        for args in (["--memory=100000000", "--user=nobody"], ["--memory", "100000000", "--user", "nobody"]):
            code, text = self.run_worker(worker, *args)
            self.assertEqual((code, text.splitlines()[0]), (2, f"{worker}: no channel on descriptor 3; "
                                                               "this program is started by the scanner, not by hand"))
        for args, message in ((["--memory=1"], '--memory: needs a byte count of at least 64 MiB, got "1"'),
                              (["--memory", "lots"], '--memory: needs a byte count of at least 64 MiB, got "lots"'),
                              (["--bogus"], "--bogus: unknown option (see --help)"),
                              (["--user"], "--user: expects a value")):
            with self.subTest(args=args):
                self.assertEqual(self.run_worker(worker, *args),
                                 (2, f"{worker}: {message}\nTry '{worker} --help'.\n"))


def run_scan(command, *args):
    """`command` is the argv prefix of one front; returns (exit code, stdout, stderr)."""
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def findings(stdout):
    """The JSON lines of a run: per-file results in a stable order, and the summary without its timing."""
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    results = sorted((r for r in lines if "path" in r), key=lambda r: r["path"])
    summary = next(r["summary"] for r in lines if "summary" in r)
    summary.pop("elapsed_ms", None)
    return results, summary


class ScanFrontTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mamori-scan-front-")
        make_tree(os.path.join(self.tmp.name, "tree"))
        self.good = os.path.join(self.tmp.name, "tree", "good")  # company files; no test hooks
        self.fronts = {"mamori-agent scan": [binary("mamori-agent"), "scan"], "mamori-scan": [binary("mamori-scan")]}

    def tearDown(self):
        self.tmp.cleanup()

    def test_mamori_scan_answers_as_mamori_agent_scan(self):
        agent, lean = self.fronts["mamori-agent scan"], self.fronts["mamori-scan"]
        # Company files (Shift_JIS and gzip ones through the sandbox), JSON: the same findings and exit 1.
        code_a, out_a, err_a = run_scan(agent, "--json", "--threads", "2", self.good)
        code_l, out_l, err_l = run_scan(lean, "--json", "--threads", "2", self.good)
        self.assertEqual((code_a, code_l), (1, 1), err_a + err_l)
        results, summary = findings(out_l)
        self.assertEqual((results, summary), findings(out_a))
        self.assertEqual(summary["files"], 46)
        by_path = {r["path"][len(self.good) + 1:]: {m["name"] for m in r["matches"]} for r in results}
        self.assertIn("credit_card", by_path["cards.txt"])
        for path in ("marked.txt", "sjis.txt", "utf16.txt", "report.txt.gz"):
            self.assertTrue(any("marking" in name for name in by_path[path]), (path, by_path))
        # The text form with one thread (a fixed order): the same bytes, the same summary on stderr.
        code_a, out_a, err_a = run_scan(agent, "--threads", "1", self.good)
        code_l, out_l, err_l = run_scan(lean, "--threads", "1", self.good)
        self.assertEqual((code_l, out_l, err_l), (code_a, out_a, err_a))
        self.assertIn("cards.txt", out_l)
        # With a state directory, the second run reads nothing again and finds the same.
        state = os.path.join(self.tmp.name, "state")
        os.makedirs(state)
        self.assertEqual(run_scan(lean, "--json", "--state-dir", state, self.good)[0], 1)
        code, out, _ = run_scan(lean, "--json", "--state-dir", state, self.good)
        again, again_summary = findings(out)
        self.assertEqual((code, again_summary["files_read"], again_summary["cache_hits"]), (1, 0, 46))
        self.assertEqual([r["matches"] for r in again], [r["matches"] for r in results])
        # A clean tree: exit 0 from both.
        clean = os.path.join(self.good, "clean")
        self.assertEqual([run_scan(f, clean)[0] for f in (agent, lean)], [0, 0])

    def test_usage_and_errors_name_the_front(self):
        for name, command in self.fronts.items():
            with self.subTest(front=name):
                code, out, err = run_scan(command, "--help")
                self.assertEqual((code, err), (0, ""))
                self.assertTrue(out.startswith(f"Usage: {name} [OPTIONS] PATH..."), out[:80])
                self.assertIn("Exit status:", out)
                code, _, err = run_scan(command, "--bogus", self.good)
                self.assertEqual(code, 2)
                prefix = name.replace(" ", ": ") + ": "  # "mamori-agent: scan: " (common/CommandLine.h)
                self.assertEqual(err, f"{prefix}--bogus: unknown option (see --help)\nTry '{name} --help'.\n")
                missing = os.path.join(self.tmp.name, "missing")
                code, _, err = run_scan(command, missing)
                self.assertEqual(code, 2)
                self.assertEqual(err, f"{prefix}{missing}: cannot scan (No such file or directory)\n")
                # Rules that do not compile: one line naming the file and each error (printError).
                rules = os.path.join(self.tmp.name, "bad.yar")
                with open(rules, "w") as f:
                    f.write("rule a { condition: nonsense }\nrule b { strings: $x = \"y\" condition: }\n")
                code, _, err = run_scan(command, "--rules", rules, self.good)
                self.assertEqual(code, 2, err)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertTrue(err.startswith(f"{prefix}{rules}: the rules do not compile: line 1: "), err)
                self.assertNotIn("<U+000A>", err)
        # Apart from the program's name, one help text.
        helps = [run_scan(c, "--help")[1].replace(n, "PROGRAM") for n, c in self.fronts.items()]
        self.assertEqual(helps[0], helps[1])

    def test_mamori_scan_does_not_link_the_daemon(self):
        readelf = shutil.which("readelf")
        self.assertIsNotNone(readelf, "readelf (binutils) is needed to read the NEEDED lists")

        def needed(path):
            out = subprocess.run([readelf, "-d", path], capture_output=True, text=True, check=True).stdout
            return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))

        daemon = ("libQt6Network", "libQt6Core", "libPocoNet", "libPocoNetSSL", "libPocoData", "libusb-1.0",
                  "libcups")
        agent = needed(binary("mamori-agent"))
        # The pattern reads the list right: the daemon's binary has these.
        self.assertTrue({"libQt6Network", "libPocoNet"} <= {n.split(".so")[0] for n in agent}, agent)
        lean = needed(binary("mamori-scan"))
        self.assertIn("libyara.so.9", lean)
        self.assertEqual(sorted(n for n in lean if n.split(".so")[0] in daemon), [])
        self.assertLess(len(lean), len(agent))


if __name__ == "__main__":
    unittest.main()
