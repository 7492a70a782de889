"""P2P guard against Windows clients run through Wine (issue 19, docs/decisions/0036): a Winny stand-in
built now with mingw-w64 (tests/fixtures/wine: a Winny-like version resource and the strings of the
built-in winny_engine rule) is started with Debian's wine64, as installed and as a renamed copy in
another folder and as a copy named without a folder (`wine64 notes2`, found on Wine's search path),
by the real agent whose guard is confined to a pid namespace the test made (as in test_p2p). Each
launch is refused or killed with exactly one event (the exec guard and the kill after the exec race
for a Wine launch; the second does not report again), with the version resource and the rule as
evidence; an ordinary Windows program with an ordinary version resource runs to its end.

The first Wine start creates the prefix (in the test's folder, before the agent starts; its time is
printed). Needs root, gcc-mingw-w64-x86-64 (with windres) and wine64 (scripts/bootstrap.sh --test).
"""

import os
import shutil
import time
import unittest

import test_p2p
from mamori_testkit.harness import MamoriTestCase, require_root
from mamori_testkit.p2p import Sandbox, build_pe, missing_wine_tools, wine_argv

class WineP2pGuardTest(MamoriTestCase):
    # The P2P tests' sandbox and helpers, reused as they are (the functions, not the test class,
    # so its tests do not run twice).
    start_agent = test_p2p.P2pGuardTest.start_agent
    dir = test_p2p.P2pGuardTest.dir
    stop_event = test_p2p.P2pGuardTest.stop_event
    assertStopped = test_p2p.P2pGuardTest.assertStopped

    def setUp(self):
        super().setUp()
        require_root(self)
        missing = missing_wine_tools()
        if missing:
            self.fail(f"missing {', '.join(missing)}: install gcc-mingw-w64-x86-64 and wine64 "
                      "(scripts/bootstrap.sh --test)")
        self.sandbox = Sandbox(f"mamori-wine-{os.getpid()}")
        self.addCleanup(self.sandbox.close)
        self.coll = self.collector()
        self.api = self.coll.api()
        self.prefix = self.dir("wineprefix")

    def build(self, name):
        return build_pe(name, self.dir("build"))

    def tail(self, log):
        with open(os.path.join(self.workdir, log), "rb") as f:
            return f.read()[-2000:]

    def wine(self, program, cwd, log):
        """wine64 PROGRAM in the sandbox, with the test's prefix."""
        return self.sandbox.spawn(wine_argv(self.prefix, program), cwd=cwd, log=log)

    def test_windows_clients_under_wine_are_stopped_and_ordinary_programs_run(self):
        winny = self.build("winny_like")
        hello = self.build("hello")

        # The prefix first, before the agent (wineboot starts about 20 Windows processes once).
        started = time.monotonic()
        with open(os.path.join(self.workdir, "prefix.log"), "wb") as log:
            first = self.wine(hello, self.dir("build"), log)
            first.wait(300)
        print(f"FIGURE wine prefix created (first start of a console program) in {time.monotonic() - started:.1f} s")
        self.assertEqual(first.returncode, 0, self.tail("prefix.log"))

        self.start_agent()

        # An ordinary Windows program runs to its end under the guard.
        ordinary = os.path.join(self.dir("tools"), "hello.exe")
        shutil.copy(hello, ordinary)
        started = time.monotonic()
        hello_log = os.path.join(self.workdir, "hello.log")
        with open(hello_log, "wb") as log:
            proc = self.wine(ordinary, self.dir("tools"), log)
            proc.wait(120)
        print(f"FIGURE ordinary program under wine with the guard on: {time.monotonic() - started:.2f} s")
        self.assertEqual(proc.returncode, 0, self.tail("hello.log"))
        self.assertIn(b"hello from an ordinary tool", self.tail("hello.log"))

        # The stand-in as installed (absolute path), a renamed copy in another folder (relative), and
        # one named without a folder, found where Wine looks (`wine notes2`: NAME.exe in system32, the
        # working directory, C:\windows ...).
        installed = os.path.join(self.dir("Winny"), "Winny.exe")
        shutil.copy(winny, installed)
        renamed = os.path.join(self.dir("documents"), "notes.exe")
        shutil.copy(winny, renamed)
        bare = os.path.join(self.dir("elsewhere"), "notes2.exe")
        shutil.copy(winny, bare)
        # The installed name decides at once; the renamed copies are known by their content: the
        # version resource and the rule (both read in one pass over the file).
        by_content = {("version_info", "ProductName=Winny*"), ("yara", "winny_engine")}
        launches = ((installed, self.dir("Winny"), installed, installed, {("name", "winny")}),
                    ("./notes.exe", self.dir("documents"), "notes.exe", renamed, by_content),
                    ("notes2", self.dir("elsewhere"), "notes2", bare, by_content))
        for program, cwd, marker, script, expected in launches:
            with self.subTest(program=program):
                with open(os.path.join(self.workdir, os.path.basename(program) + ".log"), "wb") as log:
                    event = self.assertStopped(self.wine(program, cwd, log), marker)
                details = event["details"]
                signals = {(s["signal"], s["matched"]) for s in details["p2p.signals"]}
                print(f"FIGURE {program}: {details['p2p.action']} (trigger {details['p2p.trigger']}"
                      + (f", decided in {details['p2p.decision_us']} us" if "p2p.decision_us" in details else "")
                      + (f", {details['p2p.exec_to_kill_us']} us after exec" if "p2p.exec_to_kill_us" in details
                         else "") + f"); signals {sorted(signals)}")
                self.assertTrue(details.get("process.wine"), details)
                self.assertEqual(details["process.script"], script, details)
                self.assertTrue(expected <= signals, f"expected {expected} in {signals}")
                if "version_info" in {signal for signal, _ in expected}:
                    self.assertEqual(details["process.pe.product"], "Winny", details)
                    self.assertEqual(details["process.pe.original_file_name"], "Winny.exe", details)

        # One decision per launch: the loader's second exec refused and the kill after its first exec
        # race (docs/decisions/0036); whichever comes second acts without a second event. A last
        # launch of a client known by name is reported after anything the Wine launches could still
        # have reported (events leave in the order they were made), so counting then is final.
        sentinel = os.path.join(self.dir("last"), "ctorrent")
        shutil.copy("/bin/sleep", sentinel)
        self.assertStopped(self.sandbox.spawn([sentinel, "60"]), sentinel)
        reported = [e for kind in ("p2p.killed", "p2p.exec_denied", "p2p.detected") for e in self.api.events(type=kind)]
        for _, _, marker, _, _ in launches:
            mine = [e for e in reported if any(marker in arg for arg in e["details"].get("process.args", []))]
            self.assertEqual(len(mine), 1, f"{marker}: {[(e['type'], e['details']['p2p.action']) for e in mine]}")
        # The ordinary program was never reported.
        for event in reported:
            self.assertFalse(any("hello.exe" in arg for arg in event["details"].get("process.args", [])), event)


if __name__ == "__main__":
    unittest.main()
