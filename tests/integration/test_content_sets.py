"""Content sets in the resident agent (issue 18, docs/decisions/0035): a real agent enrolled over TLS to a
real collector gets a policy naming an exact-data-match set and a fingerprint set, fetches both signed
sets, and reports a file with registered rows written into a watched folder (an on-change scan:
fanotify) with the row count, and a copy of a registered document with its document id; a
tampered set served by the collector is refused (content.set_rejected) and the last good one stays in
use, also across a restart (read back from the state directory).

Needs root (fanotify)."""

import base64
import csv
import hashlib
import json
import os
import sqlite3
import unittest

import test_fingerprints as documents
from mamori_testkit.edm_fixtures import customers
from mamori_testkit.harness import MamoriTestCase, require_root, wait_until
from test_activity import agent_confinement

GROUP = "office"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ContentSetsTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        require_root(self)
        os.chmod(self.workdir, 0o755)
        self.home = os.path.join(self.workdir, "home")
        os.makedirs(self.home)
        self.rows = customers(200)

    def policy(self, version):
        return {
            "schema_version": 1, "version": version, "name": "content-sets-test", "group": GROUP,
            "device_control": {"mode": "off"},
            "p2p_guard": {"mode": "off"},
            "content_scan": {
                "paths": [self.home],
                "schedule": {"interval_hours": 8000, "on_change": True},
                "edm": [{"set": "customers", "min_rows": 2}],
                "fingerprints": [{"set": "memos", "min_containment": 0.5, "min_chars": 300}],
            },
            "activity": {"watched": [self.home]},
            "reporting": {"policy_poll_interval_ms": 5000},
        }

    def write_rows(self, name, rows):
        path = os.path.join(self.home, name)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["name", "phone", "email"])
            for r in rows:
                w.writerow([r[0], r[3], r[4]])
        return path

    def held(self, api, agent_id, name, check, what):
        """Waits until the agent's heartbeat reports set `name` so that check(entry) holds; returns it."""
        def entry():
            for agent in api.agents():
                if agent["agent_id"] != agent_id:
                    continue
                for s in agent.get("content_sets", []):
                    if s["name"] == name and check(s):
                        return s
            return None
        return wait_until(entry, 60, what, interval=0.2)

    def match_for(self, api, path, timeout=60):
        def found():
            return [e for e in api.events(type="content.match") if e["details"].get("file.path") == path]
        return wait_until(found, timeout, f"content.match for {path}", interval=0.2)[0]

    def test_agent_fetches_applies_and_keeps_a_good_set(self):
        collector = self.collector()
        api = collector.api()
        table = os.path.join(self.workdir, "customers.csv")
        with open(table, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["name", "kana", "address", "phone", "email", "mynumber"])
            w.writerows(self.rows)
        collector.ctl("edm", "add", "--set", "customers", "--columns", "name,kana,address,phone,email,mynumber",
                      table, check=0)
        registered = os.path.join(self.workdir, "registered")
        memo = documents.prose(documents.EN_WORDS, 400, 7)
        documents.write(os.path.join(registered, "memo.txt"), memo)
        documents.write(os.path.join(registered, "other.txt"), documents.prose(documents.EN_WORDS, 400, 8))
        collector.ctl("fingerprints", "add", "--set", "memos", registered, check=0)
        policy_path = os.path.join(self.workdir, "policy.json")
        with open(policy_path, "w") as f:
            json.dump(self.policy(1), f)
        collector.ctl("policy", "push", policy_path, "--group", GROUP, check=0)

        agent = self.agent(collector, extra=agent_confinement() + ["--group", GROUP]).start()

        def applied(source):
            return [e for e in api.events(type="content.set_applied")
                    if e["details"]["content.set.name"] == "customers" and e["details"]["content.set.source"] == source]
        event = wait_until(lambda: applied("collector"), 90, "the agent to apply the set from the collector",
                           interval=0.2)[0]
        self.assertEqual(event["details"]["content.set.kind"], "edm")
        self.assertEqual(event["details"]["content.set.version"], 1)
        kept = os.path.join(agent.state_dir, "content-sets", "edm-customers.set")
        self.assertEqual(os.stat(kept).st_mode & 0o777, 0o600)
        with open(kept, "rb") as f:
            good = f.read()
        self.assertTrue(good.startswith(b"MAMORSET"))
        # The heartbeat tells the collector which version the agent uses (GET /api/v1/agents).
        agent_id = agent.identity()["agent_id"]
        entry = self.held(api, agent_id, "customers", lambda s: s["version"] == 1, "the heartbeat to report the set")
        self.assertEqual((entry["kind"], entry["bytes"], entry["refused_version"], entry["error"]),
                         ("edm", len(good), 0, ""))
        self.assertGreater(entry["entries"], 0)

        # Rows copied into the watched folder: reported with the set and the row count, never a value.
        path = self.write_rows("export.csv", self.rows[10:14])
        match = self.match_for(api, path)
        hits = match["details"]["content.matches"]
        self.assertEqual([(h["type"], h["count"]) for h in hits], [("edm", 4)], hits)
        self.assertTrue(hits[0]["name"].startswith("customers:"), hits)
        self.assertNotIn(self.rows[10][3], json.dumps(match, ensure_ascii=False))
        # A copy of a registered document: the fingerprint set and the document's id.
        wait_until(lambda: [e for e in api.events(type="content.set_applied")
                            if e["details"]["content.set.name"] == "memos"], 60, "the fingerprint set", interval=0.2)
        copy = os.path.join(self.home, "memo-copy.txt")
        documents.write(copy, "Forwarded:\n" + memo)
        hits = self.match_for(api, copy)["details"]["content.matches"]
        self.assertEqual([h["type"] for h in hits], ["fingerprint"], hits)
        self.assertTrue(hits[0]["name"].startswith("memos:"), hits)
        self.assertGreaterEqual(hits[0]["count"], 90, hits)
        made_up = self.write_rows("made-up.csv", customers(5, seed=99))

        # The collector serves a tampered newer version: refused, the last good one stays in use.
        db = os.path.join(collector.state_dir, "collector.db")
        with sqlite3.connect(db, timeout=10) as conn:
            stored = conn.execute("SELECT envelope FROM edm_sets WHERE name = 'customers'").fetchone()[0]
            raw = bytearray(b64url_decode(stored))
            raw[300] ^= 0x01
            conn.execute("UPDATE edm_sets SET version = 2, envelope = ? WHERE name = 'customers'",
                         (b64url_encode(bytes(raw)),))
        rejected = wait_until(lambda: [e for e in api.events(type="content.set_rejected")
                                       if e["details"]["content.set.name"] == "customers"], 60,
                              "the tampered set to be refused", interval=0.2)[0]
        self.assertIn("signature", rejected["details"]["error.message"])
        self.assertEqual(rejected["details"]["content.set.version"], 1)
        # The refusal reaches the collector's view of the agent; version 1 stays in use. (The file's
        # own header still says version 1: only the database row was raised.)
        entry = self.held(api, agent_id, "customers", lambda s: "signature" in s["error"], "the refusal in the heartbeat")
        self.assertEqual((entry["version"], entry["refused_version"]), (1, 1))
        with open(kept, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(), hashlib.sha256(good).digest())
        path = self.write_rows("second.csv", self.rows[50:53])
        self.assertEqual(self.match_for(api, path)["details"]["content.matches"][0]["count"], 3)

        # After a restart the kept set is read back and used at once.
        agent.process.stop()
        agent.start(extra=["--group", GROUP])
        wait_until(lambda: applied("state"), 60, "the agent to apply its kept set", interval=0.2)
        path = self.write_rows("third.csv", self.rows[100:102])
        self.assertEqual(self.match_for(api, path)["details"]["content.matches"][0]["count"], 2)
        # The refused file was remembered across the restart (content-sets/refused.json, its tag sent
        # as If-None-Match): not downloaded and refused a second time, and still shown as refused.
        self.assertEqual(len([e for e in api.events(type="content.set_rejected")
                              if e["details"]["content.set.name"] == "customers"]), 1)
        self.held(api, agent_id, "customers", lambda s: "signature" in s["error"] and s["version"] == 1,
                  "the refusal in the heartbeat after the restart")
        # Made-up rows never matched.
        self.assertFalse([e for e in api.events(type="content.match") if e["details"].get("file.path") == made_up])
        agent.process.stop()


if __name__ == "__main__":
    unittest.main()
