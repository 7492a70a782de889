"""Loss-free delivery from a real agent to a real collector over TLS: crashes, outages, corruption."""

import os
import signal
import unittest

from mamori_testkit.harness import MamoriTestCase, kill9_mid_upload, wait_until


class DeliveryTest(MamoriTestCase):
    def test_100k_events_survive_kill9_of_the_agent_exactly_once(self):
        n = 100_000
        collector = self.collector()
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=n)
        stored_at_kill = kill9_mid_upload(agent, api, n)
        print(f"\n  stored when the agent was killed: {stored_at_kill} of {n}")

        # Restart without --emit-synthetic: it drains what the spool holds.
        agent.start(exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        self.assertExactlySynthetic(api, n)

    def test_collector_stopped_during_a_burst_everything_arrives_later(self):
        n = 20_000
        collector = self.collector()
        api = collector.api()
        port = collector.port
        agent = self.agent(collector)
        agent.start(emit=n, extra=["--batch-max-events", "500"])
        wait_until(lambda: api.count(type="agent.synthetic") > 0 or None, 60, "the first batch")
        self.assertEqual(collector.stop(), 0)

        # The agent keeps spooling and retrying while the collector is down.
        wait_until(lambda: "synthetic: " in agent.process.output() or None, 60, "the agent to finish emitting")
        self.assertTrue(agent.process.running(), "the agent must keep running while the collector is down")

        collector.listen = f"127.0.0.1:{port}"  # same address: the agent's URL does not change
        collector.start()
        api = collector.api()
        wait_until(lambda: api.count(type="agent.synthetic") >= n or None, 180, "all events after the restart")
        self.assertExactlySynthetic(api, n)
        self.assertEqual(agent.process.stop(), 0)

    def test_corrupt_spool_is_moved_aside_and_reported(self):
        collector = self.collector()
        api = collector.api()
        agent = self.agent(collector)
        os.makedirs(agent.state_dir, mode=0o700)
        garbage = b"this is not an SQLite database\x00" * 200
        with open(agent.spool_path, "wb") as f:
            f.write(garbage)

        agent.start(emit=100, exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=120), 0, agent.process.output())

        aside = [name for name in os.listdir(agent.state_dir) if name.startswith("spool.db.corrupt-")]
        self.assertEqual(len(aside), 1, f"expected the corrupt spool moved aside, found {os.listdir(agent.state_dir)}")
        with open(os.path.join(agent.state_dir, aside[0]), "rb") as f:
            self.assertEqual(f.read(), garbage, "the corrupt spool must be kept as it was")
        reports = api.events(type="spool.corrupt")
        self.assertEqual(len(reports), 1)
        self.assertEqual(reports[0]["severity"], "high")
        self.assertIn(aside[0], str(reports[0]["details"]))
        self.assertExactlySynthetic(api, 100)

    def test_spool_overflow_drops_low_severity_first_and_says_what_it_dropped(self):
        collector = self.collector()
        api = collector.api()
        port = collector.port
        self.assertEqual(collector.stop(), 0)  # collector down: everything stays in the spool

        agent = self.agent(collector)
        n = 3000
        agent.start(emit=n, extra=["--spool-max-events", "1000"])
        wait_until(lambda: "synthetic: " in agent.process.output() or None, 60, "the agent to finish emitting")

        collector.listen = f"127.0.0.1:{port}"
        collector.start()
        api = collector.api()
        wait_until(lambda: api.count(type="spool.overflow") > 0 or None, 120, "the spool.overflow report")
        self.assertEqual(agent.process.stop(), 0)
        agent.start(exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=120), 0, agent.process.output())

        synthetic = api.events(type="agent.synthetic")
        overflow = api.events(type="spool.overflow")
        dropped_by_severity = {}
        for report in overflow:
            self.assertEqual(report["severity"], "medium")
            self.assertNotIn("spool.dropped.other_events", report["details"])
            for line in report["details"]["spool.dropped.by_type"]:
                if line["type"] == "agent.synthetic":
                    sev = line["severity"]
                    dropped_by_severity[sev] = dropped_by_severity.get(sev, 0) + int(line["events"])
        dropped = sum(dropped_by_severity.values())
        self.assertGreater(dropped, 0)
        # No loss beyond what the overflow reports say.
        self.assertEqual(len(synthetic) + dropped, n, f"delivered {len(synthetic)}, reported dropped {dropped}")
        # Lowest severity goes first: with fewer high-severity events than the spool holds, none is dropped.
        self.assertEqual(dropped_by_severity.get("high", 0) + dropped_by_severity.get("critical", 0), 0,
                         f"high-severity events were dropped while lower ones were kept: {dropped_by_severity}")
        emitted_high = sum(1 for seq in range(1, n + 1) if seq % 1000 == 0 or seq % 20 == 0)
        kept_high = sum(1 for e in synthetic if e["severity"] in ("high", "critical"))
        self.assertEqual(kept_high, emitted_high)

    def test_sigterm_stops_the_agent_cleanly_and_it_reports_start_and_stop(self):
        collector = self.collector()
        api = collector.api()
        agent = self.agent(collector)
        agent.start(extra=["--heartbeat-interval", "1"])
        wait_until(lambda: api.count(type="agent.started") == 1 or None, 60, "agent.started")
        wait_until(lambda: any(a["last_seen"] for a in api.agents()) or None, 30, "a heartbeat")
        agent.process.signal(signal.SIGTERM)
        self.assertEqual(agent.process.wait(timeout=30), 0, agent.process.output())
        # agent.stopped is spooled at the stop; it is delivered at the next start at the latest.
        agent.start(exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=60), 0, agent.process.output())
        # Two clean stops (SIGTERM, then exit when drained), two starts.
        self.assertEqual(api.count(type="agent.stopped"), 2)
        self.assertEqual(api.count(type="agent.started"), 2)


if __name__ == "__main__":
    unittest.main()
