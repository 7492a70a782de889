"""Retention through the real collector: events older than their type's retention disappear, newer ones
stay, on SQLite and on PostgreSQL (docs/admin.md "Decide how long events are kept")."""

import json
import os
import subprocess
import time
import unittest
import urllib.request
import ssl

from mamori_testkit.harness import MamoriTestCase, binary, postgres_database, uuid7, wait_until

DAY_MS = 86_400_000
# (age in days, type, kept?) under --retention-days 30 --retention file.read_bulk=5,content.*=0
PLAN = [(40, "test.event", False), (20, "test.event", True), (6, "file.read_bulk", False),
        (4, "file.read_bulk", True), (400, "content.match", True), (0, "test.event", True)]


def utc(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


class RetentionTest(MamoriTestCase):
    def run_retention(self, db=None):
        collector = self.collector(db=db, extra=["--retention-days", "30", "--retention", "file.read_bulk=5,content.*=0",
                                                 "--retention-interval", "1s"])
        api = collector.api()
        agent_id = uuid7()
        status, body = api.json("POST", "/api/v1/enroll", {
            "enroll_secret": collector.read_secret("enroll.secret"), "agent_id": agent_id, "host": "pc-old",
            "os": "test", "agent_version": "0"}, token="")
        self.assertEqual(status, 200, body)
        now = int(time.time() * 1000)
        events, kept = [], set()
        for age, kind, keep in PLAN:
            for i in range(5):
                ms = now - age * DAY_MS + i
                e = {"id": uuid7(ms), "type": kind, "time": utc(ms), "severity": "low", "agent_id": agent_id,
                     "host": "pc-old", "user": "yamada", "details": {"file.path": "/home/yamada/plan.docx"}}
                events.append(e)
                if keep:
                    kept.add(e["id"])
        status, body = api.json("POST", "/api/v1/events", json.dumps({"events": events}).encode(),
                                {"Content-Type": "application/json"}, token=body["node_key"])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accepted"], len(events))
        stored = lambda: {e["id"] for e in api.events(agent=agent_id)}
        wait_until(lambda: stored() == kept, 60, "retention to delete exactly the events past their days")

        context = ssl.create_default_context(cafile=collector.ca_file)
        with urllib.request.urlopen(collector.url + "/metrics", context=context, timeout=10) as r:
            metrics = r.read().decode()
        self.assertIn("mamori_retention_failures_total 0\n", metrics)
        deleted = [line for line in metrics.splitlines() if line.startswith("mamori_retention_deleted_events_total ")]
        self.assertGreaterEqual(int(deleted[0].split()[1]), 10)
        self.assertIn("retention: default 30 days; file.read_bulk=5 days, content.*=forever",
                      collector.process.output())

    def test_sqlite_events_past_their_retention_are_deleted_newer_ones_stay(self):
        self.run_retention()

    def test_postgresql_events_past_their_retention_are_deleted_newer_ones_stay(self):
        self.run_retention(postgres_database(self, "retention"))

    def test_a_wrong_retention_rule_stops_the_collector_with_exit_2_naming_it(self):
        done = subprocess.run([binary("mamori-collector"), "--state-dir", os.path.join(self.workdir, "x"),
                               "--retention", "content.*=365,File.Bulk=3"], capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn('File.Bulk=3', done.stderr)


if __name__ == "__main__":
    unittest.main()
