"""The print gate (activity.printing.mode enforce, docs/decisions/0042) with a test-owned cupsd
(mamori_testkit/cupsd.py: its own config, spool and socket, a raw queue whose test backend appends
what it prints to a file) and the real agent, whose policy names only that cupsd, watches no file tree
and has device control and the P2P guard off.

- a company PDF's job is cancelled before anything is printed, with activity.print_blocked;
- a personal PDF comes out, byte for byte;
- a class added while the agent runs is held as well;
- agent stopped, fail closed (the default): a new job waits held, and prints once the agent is back;
- fail open: stopping the agent puts the queue's default back, and a job prints without it;
- a crashed agent's holds: lifted by `mamori-agent printing release` under fail open (systemd's
  ExecStopPost), left under fail closed, lifted by the package's removal whatever the mode.

Needs root (the agent reads the root-only spool) and Debian's cups, cups-client and cups-ipp-utils
(scripts/bootstrap.sh --test). Missing pieces FAIL the test; nothing is skipped. About 30-60 s.
"""

import json
import os
import subprocess
import unittest

from mamori_testkit import make_fixtures  # (the scanner's fixture builders)
from mamori_testkit.cupsd import Cupsd
from mamori_testkit.harness import MamoriTestCase, binary, require_root, wait_until

COMPANY_RULES = 'rule company_confidential { strings: $a = "Company Confidential" condition: $a }'


class PrintGateTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        require_root(self)
        os.chmod(self.workdir, 0o755)
        self.cups = Cupsd(self.workdir)
        self.docs = os.path.join(self.workdir, "docs")
        os.makedirs(self.docs)

    def tearDown(self):
        self.cups.stop()
        super().tearDown()

    def write_policy(self, name, fail):
        policy = {
            "schema_version": 1, "version": 1, "name": "print-gate-test",
            "device_control": {"mode": "off"},
            "p2p_guard": {"mode": "off"},
            "content_scan": {
                "rule_sets": [{"name": "company", "source": COMPANY_RULES}],
                "paths": [],
                "schedule": {"interval_hours": 8000, "on_change": False},
            },
            "activity": {
                "watched": [], "cloud_sync_folders": [], "removable_mounts": [],
                "printing": {"mode": "enforce", "fail": fail, "server": self.cups.socket,
                             "spool_dir": self.cups.spool},
            },
        }
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            json.dump(policy, f)
        return path

    def pdf(self, name, text):
        path = os.path.join(self.docs, name)
        with open(path, "wb") as f:
            f.write(make_fixtures.pdf(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n"))
        return path

    def start_agent(self, agent, policy):
        agent.start(extra=["--device-control", "off", "--policy", policy])
        wait_until(lambda: "activity: print jobs are held until inspected" in agent.process.output(), 60,
                   "the agent to start the print gate")
        wait_until(lambda: self.cups.hold_default() == "indefinite", 30,
                   "the queue's job-hold-until default to become indefinite")

    def wait_state(self, job, states, what):
        return wait_until(lambda: self.cups.job_state(job)[0] in states and self.cups.job_state(job), 60, what)

    def test_company_job_cancelled_personal_printed_and_fail_modes(self):
        company = self.pdf("q3.pdf", "Company Confidential: Q3 numbers")
        personal = self.pdf("recipe.pdf", "rice, miso, green tea")
        later = self.pdf("later.pdf", "a personal letter printed while the agent is stopped")
        self.cups.start()
        collector = self.collector()
        api = collector.api()
        agent = self.agent(collector)
        self.start_agent(agent, self.write_policy("closed.json", "closed"))

        # A company document: cancelled, reported, nothing printed.
        company_job = self.cups.print_file(company, "Q3 numbers")
        self.wait_state(company_job, ("canceled",), "the company job to be cancelled")
        blocked = wait_until(lambda: [e for e in api.events(type="activity.print_blocked")
                                      if e["details"]["print.job_id"] == company_job], 60,
                             "activity.print_blocked at the collector")[0]
        d = blocked["details"]
        self.assertEqual(blocked["severity"], "high")
        self.assertEqual(d["print.reason"], "company_document")
        self.assertTrue(d["print.cancelled"])
        self.assertEqual(d["print.printer"], self.cups.queue)
        self.assertEqual(d["print.title"], "Q3 numbers")
        self.assertEqual(d["user.name"], "root")
        self.assertEqual([m["name"] for m in d["content.matches"]], ["company:company_confidential"])
        self.assertEqual(len(d["file.hash.sha256"]), 64)

        # A personal document: released and printed as sent.
        with open(personal, "rb") as f:
            personal_bytes = f.read()
        personal_job = self.cups.print_file(personal, "recipe")
        wait_until(lambda: personal_bytes in self.cups.printed(), 60, "the personal PDF to be printed")
        self.wait_state(personal_job, ("completed",), "the personal job to complete")
        self.assertNotIn(b"Company Confidential", self.cups.printed())
        self.assertEqual(self.cups.printed(), personal_bytes)

        # A class (a queue that hands its jobs to a member) is held too, once the gate has seen it.
        self.cups.add_class("floor")
        wait_until(lambda: self.cups.hold_default("floor") == "indefinite", 30, "the class to be held")
        class_job = self.cups.print_file(company, "Q3 via the class", queue="floor")
        self.wait_state(class_job, ("canceled",), "the company job sent to the class to be cancelled")
        self.assertEqual(self.cups.printed(), personal_bytes)

        # Agent stopped, fail closed: the queue keeps holding; a new job waits (cupsd never lifts an
        # indefinite hold by itself) and prints once the agent is back.
        self.assertEqual(agent.process.stop(), 0)
        self.assertEqual(self.cups.hold_default(), "indefinite")
        waiting_job = self.cups.print_file(later, "letter")
        self.assertEqual(self.wait_state(waiting_job, ("pending-held",), "the job to be held"),
                         ("pending-held", "indefinite"))
        self.assertEqual(self.cups.printed(), personal_bytes)
        with open(later, "rb") as f:
            later_bytes = f.read()
        self.start_agent(agent, self.write_policy("closed.json", "closed"))
        wait_until(lambda: later_bytes in self.cups.printed(), 60, "the waiting job to print after the restart")

        # Fail open: a stopped agent puts the queue's default back; jobs print without it.
        agent.process.stop()
        self.start_agent(agent, self.write_policy("open.json", "open"))
        self.assertEqual(agent.process.stop(), 0)
        self.assertEqual(self.cups.hold_default(), "no-hold")
        before = self.cups.printed()
        open_job = self.cups.print_file(personal, "recipe again")
        wait_until(lambda: len(self.cups.printed()) == len(before) + len(personal_bytes), 60,
                   "the job to print while the agent is stopped (fail open)")
        self.wait_state(open_job, ("completed",), "the job to complete without the agent")
        # Never a company byte on paper.
        self.assertNotIn(b"Company Confidential", self.cups.printed())
        self.assertFalse(api.events(type="activity.print_gate_error"), "the gate lost the scheduler")

    def release(self, agent, *options):
        """`mamori-agent printing release` as systemd's ExecStopPost (--if-fail-open) or the package's
        removal (without) runs it, on the agent's state folder."""
        done = subprocess.run([binary("mamori-agent"), "printing", "release", "--state-dir", agent.state_dir,
                               *options], capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        return done.stdout

    def test_crashed_agent_holds_lifted_by_printing_release(self):
        """A crash leaves the holds (the agent cannot lift them): under fail open the command systemd runs
        after every stop lifts them; under fail closed it leaves them, and the package's removal lifts
        them whatever the mode."""
        personal = self.pdf("recipe.pdf", "rice, miso, green tea")
        with open(personal, "rb") as f:
            personal_bytes = f.read()
        self.cups.start()
        agent = self.agent(self.collector())
        for fail in ("open", "closed"):
            self.start_agent(agent, self.write_policy(f"{fail}.json", fail))
            agent.process.kill9()
            self.assertEqual(self.cups.hold_default(), "indefinite", "a crash cannot put the default back")
            before = self.cups.printed()
            job = self.cups.print_file(personal, f"recipe ({fail})")
            self.wait_state(job, ("pending-held",), "the job to wait for the crashed agent")
            out = self.release(agent, "--if-fail-open")
            if fail == "closed":
                self.assertIn("printing.fail is closed", out)
                self.assertEqual(self.cups.hold_default(), "indefinite")
                self.assertEqual(self.cups.job_state(job)[0], "pending-held")
                out = self.release(agent)  # the package's removal
            self.assertIn("1 waiting job(s) released", out)
            self.assertEqual(self.cups.hold_default(), "no-hold")
            wait_until(lambda: len(self.cups.printed()) == len(before) + len(personal_bytes), 60,
                       f"the held job to print once released ({fail})")
        # Run again (systemd after a later stop): nothing is held any more, nothing to release.
        self.assertIn("0 waiting job(s) released", self.release(agent))


if __name__ == "__main__":
    unittest.main()
