"""Smoke test of the fleet simulator (bench/fleet/, mamori-fleet-sim) so that it cannot rot: a few
tens of simulated agents and a handful of attackers against a real collector for about 15 s. It
checks that the simulator speaks the API the collector accepts and reports what it did; the figures
themselves belong to bench/fleet.py, not to a test."""

import json
import os
import subprocess
import unittest

from mamori_testkit import harness

AGENTS = 30


class FleetSimTest(harness.MamoriTestCase):
    def test_small_fleet_with_attackers(self):
        collector = self.collector()
        pid_file = os.path.join(self.workdir, "collector.pid")
        with open(pid_file, "w") as f:
            f.write(f"{collector.process.pid}\n")
        report = os.path.join(self.workdir, "fleet.json")
        args = [harness.binary("mamori-fleet-sim"), "--url", collector.url, "--ca-file", collector.ca_file,
                "--enroll-secret-file", collector.enroll_secret_file, "--agents", str(AGENTS), "--ramp", "3",
                "--heartbeat", "2", "--batch-interval", "3", "--batch-events", "5", "--duration", "12",
                "--drain-timeout", "30", "--idle-tls", "2", "--raw-tcp", "2", "--slowloris", "2",
                "--probe-interval", "1", "--collector-pid-file", pid_file, "--json", report, "--fail-on-errors",
                "--agent-hosts", "4"]  # each simulated PC from its own loopback address (bound before connect)
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("heartbeat", done.stdout)
        with open(report) as f:
            result = json.load(f)
        self.assertEqual(result["enrolled"], AGENTS)
        self.assertEqual(result["failures"], 0)
        self.assertEqual(result["not_drained"], 0)
        self.assertGreater(result["events_made"], 0)
        self.assertEqual(result["events_acked"], result["events_made"])
        self.assertGreaterEqual(result["kinds"]["heartbeat"]["normal"]["ok"], AGENTS)
        self.assertGreater(result["kinds"]["healthz"]["normal"]["ok"], 0)
        for kind in ("idle_tls", "raw_tcp", "slowloris"):
            self.assertGreaterEqual(result["attackers"][kind]["opened"], 2, kind)
        self.assertTrue(result["collector"], "no CPU/RSS sample of the collector")
        # What the simulator says it stored is what the collector holds.
        api = collector.api()
        self.assertEqual(api.count(type="activity.removable_write"), result["events_made"])
        self.assertEqual(len(api.agents()), AGENTS)

    def test_refuses_a_remote_address(self):
        done = subprocess.run([harness.binary("mamori-fleet-sim"), "--url", "https://192.0.2.1:8443", "--ca-file",
                               "/dev/null", "--agents", "0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2)
        self.assertIn("loopback", done.stderr)


if __name__ == "__main__":
    unittest.main()
