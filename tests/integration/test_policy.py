"""Policy distribution end to end: a real collector signs and serves group policies, a real agent
fetches, verifies, applies, persists and reports them (issue 3)."""

import base64
import json
import os
import shutil
import sqlite3
import time
import unittest

from mamori_testkit.harness import MamoriTestCase, mamorictl, wait_until

POLL_MS = 5000  # the smallest poll interval a policy may set (docs/policy.md)
GROUP = "office"


def policy_doc(version, **over):
    doc = {"schema_version": 1, "version": version, "name": f"office v{version}", "group": GROUP,
           "reporting": {"policy_poll_interval_ms": POLL_MS, "heartbeat_interval_ms": 1000}}
    doc.update(over)
    return doc


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PolicyTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.coll = self.collector()
        self.api = self.coll.api()
        self.db_path = os.path.join(self.coll.state_dir, "collector.db")

    def write(self, name, doc):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
        return path

    def push(self, doc, collector=None, check=0):
        return (collector or self.coll).ctl("policy", "push", self.write(f"p{doc['version']}.json", doc),
                                            "--group", GROUP, check=check)

    def events(self, agent_id, type_):
        return self.api.events(type=type_, agent=agent_id)

    def wait_event(self, agent_id, type_, match, timeout, what):
        return wait_until(lambda: [e for e in self.events(agent_id, type_) if match(e["details"])], timeout, what,
                          interval=0.2)

    def reported(self, agent_id):
        for a in self.api.agents():
            if a["agent_id"] == agent_id:
                return a
        return None

    def stored_envelope(self):
        with sqlite3.connect(self.db_path, timeout=10) as db:
            return db.execute("SELECT envelope FROM group_policies WHERE agent_group = ?", (GROUP,)).fetchone()[0]

    def serve_envelope(self, envelope):
        """Replaces what the collector serves for the group, behind its back (a tampered database)."""
        with sqlite3.connect(self.db_path, timeout=10) as db:
            db.execute("UPDATE group_policies SET envelope = ? WHERE agent_group = ?", (envelope, GROUP))

    def start_agent(self):
        agent = self.agent(self.coll)
        agent.start(extra=["--group", GROUP, "--heartbeat-interval", "1"])
        wait_until(lambda: os.path.exists(os.path.join(agent.state_dir, "identity.json")) and
                   agent.identity().get("node_key"), 30, "enrollment")
        return agent, agent.identity()["agent_id"]

    def test_validate_reports_every_error_with_its_pointer_offline(self):
        bad = self.write("bad.json", {"schema_version": 1, "version": 0, "name": "x", "grup": "office",
                                      "reporting": {"policy_poll_interval_ms": 10}})
        code, out, err = mamorictl("policy", "validate", bad)
        self.assertEqual(code, 1, out + err)
        for pointer in ("/version", "/grup", "/reporting/policy_poll_interval_ms"):
            self.assertIn(f"{bad}:{pointer}:", err)
        good = self.write("good.json", policy_doc(2))
        code, out, err = mamorictl("policy", "validate", good)
        self.assertEqual(code, 0, out + err)
        self.assertIn("version 2", out)
        self.assertEqual(mamorictl("policy", "validate")[0], 2)
        self.assertEqual(mamorictl("policy", "--help")[0], 0)
        # The collector refuses the same document with the same pointers, and nothing is stored.
        code, out, err = self.coll.ctl("policy", "push", bad, "--group", GROUP)
        self.assertEqual(code, 1)
        self.assertIn(f"{bad}:/grup:", err)
        # A policy is administrators' text passed around as a file: a key with an escape sequence and a
        # name with the 8-bit CSI and a direction override show as markers, never raw on the terminal ...
        hostile = self.write("hostile.json", json.dumps(dict(policy_doc(3), name="office\u009b2J\u202e"), ensure_ascii=False)
                             .replace('"schema_version"', '"x\\u001b[2J": 1, "schema_version"', 1))
        code, out, err = mamorictl("policy", "validate", hostile)
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"{hostile}:/x<U+001B>[2J:", err)
        self.assertNotIn("\x1b", err)
        named = self.write("named.json", json.dumps(dict(policy_doc(3), name="office\u009b2J\u202e"), ensure_ascii=False))
        code, out, err = mamorictl("policy", "validate", named)
        self.assertEqual(code, 0, out + err)
        self.assertIn('valid policy "office<U+009B>2J<U+202E>" version 3', out)
        # ... and policy show writes the stored document with the C1 control as a \u escape.
        code, out, err = self.coll.ctl("policy", "push", named, "--group", GROUP)
        self.assertEqual(code, 0, out + err)
        code, out, err = self.coll.ctl("policy", "show", "--group", GROUP)
        self.assertEqual(code, 0, err)
        self.assertNotIn("\u009b", out + err)
        self.assertEqual(json.loads(out)["name"], "office\u009b2J\u202e")

    def test_push_apply_status_then_forged_and_replayed_policies_are_refused(self):
        self.push(policy_doc(1))
        v1_envelope = self.stored_envelope()
        agent, agent_id = self.start_agent()
        # The first fetch happens right after enrollment, not one interval later.
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.version"] == 1 and
                        d["policy.source"] == "collector", 30, "v1 applied")
        self.assertTrue(os.path.exists(os.path.join(agent.state_dir, "policy-key.pem")))

        # v2, tried in audit mode for device control: applied within one poll interval.
        pushed_at = time.monotonic()
        self.push(policy_doc(2, device_control={"mode": "audit"}))
        applied = self.wait_event(agent_id, "policy.applied", lambda d: d["policy.version"] == 2, POLL_MS / 1000 * 1.1 + 5,
                                  "v2 applied")[0]["details"]
        self.assertLess(time.monotonic() - pushed_at, POLL_MS / 1000 * 1.1 + 3)
        self.assertEqual(applied["policy.mode.device_control"], "audit")
        self.assertEqual(applied["policy.group"], GROUP)
        self.assertIn("reporting", applied["policy.capabilities"])
        wait_until(lambda: self.reported(agent_id)["policy"]["version"] == 2, 10, "heartbeat reports v2")
        code, out, err = self.coll.ctl("policy", "status", check=0)
        line = next(l for l in out.splitlines() if agent_id in l)
        self.assertIn(" 2 ", line)
        self.assertIn("current", line)
        self.assertIn(applied["policy.sha256"][:12], line)
        code, out, err = self.coll.ctl("policy", "show", "--group", GROUP, check=0)
        self.assertEqual(json.loads(out)["version"], 2)
        with open(os.path.join(agent.state_dir, "policy.json")) as f:
            self.assertIn(b64url(json.dumps(policy_doc(2, device_control={"mode": "audit"}), indent=2).encode()),
                          f.read())

        # A replayed v1 is refused by the collector (409) ...
        code, out, err = self.push(policy_doc(1), check=1)
        self.assertIn("409", err)
        # ... and by the agent when served anyway (a tampered database).
        self.serve_envelope(v1_envelope)
        rejected = self.wait_event(agent_id, "policy.rejected", lambda d: d["policy.reason"] == "rollback",
                                   POLL_MS / 1000 * 1.1 + 5, "replayed v1 refused")[0]
        self.assertEqual(rejected["details"]["policy.version"], 1)
        wait_until(lambda: "rollback" in self.reported(agent_id)["policy"]["error"], 10, "status shows the refusal")
        code, out, err = self.coll.ctl("policy", "status", check=0)
        self.assertIn("refused a policy", next(l for l in out.splitlines() if agent_id in l))

        # A document changed after signing: bad signature.
        env = json.loads(v1_envelope)
        env["document"] = b64url(json.dumps(policy_doc(9)).encode())
        self.serve_envelope(json.dumps(env))
        self.wait_event(agent_id, "policy.rejected", lambda d: d["policy.reason"] == "bad_signature",
                        POLL_MS / 1000 * 1.1 + 5, "tampered document refused")

        # A second collector with its own signing key on the same database signs v3: the agent
        # pinned the first collector's key and refuses it.
        rogue = self.collector(name="rogue", db="sqlite:" + self.db_path)
        self.push(policy_doc(3), collector=rogue)
        self.wait_event(agent_id, "policy.rejected", lambda d: d["policy.reason"] == "unknown_key" and
                        d["policy.version"] == 3, POLL_MS / 1000 * 1.1 + 5, "foreign key refused")
        # Through all of it v2 stayed in force.
        applied = [(e["details"]["policy.source"], e["details"]["policy.version"])
                   for e in self.events(agent_id, "policy.applied")]
        self.assertEqual(applied, [("builtin", 1), ("collector", 1), ("collector", 2)])
        with open(os.path.join(agent.state_dir, "policy.json")) as f:
            self.assertEqual(json.loads(f.read())["key_id"], json.loads(v1_envelope)["key_id"])
        self.assertEqual(agent.process.stop(), 0)

    def test_audit_mode_reaches_device_control_which_reports_and_blocks_nothing(self):
        # A recorded sysfs tree (tests/fixtures/sysfs/desktop: a keyboard, a keyboard+storage composite
        # and a stick), copied because device control writes its authorized files.
        sysfs = os.path.join(self.workdir, "sysfs")
        shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "fixtures", "sysfs", "desktop"), sysfs,
                        symlinks=True)
        self.push(policy_doc(1, device_control={"mode": "audit"}))
        agent = self.agent(self.coll)
        agent.start(extra=["--group", GROUP, "--heartbeat-interval", "1", "--sysfs-root", sysfs])
        wait_until(lambda: os.path.exists(os.path.join(agent.state_dir, "identity.json")) and
                   agent.identity().get("node_key"), 30, "enrollment")
        agent_id = agent.identity()["agent_id"]
        # The built-in policy (enforce) is in force until the first fetch: the storage is blocked ...
        self.wait_event(agent_id, "device.blocked", lambda d: True, 30, "device.blocked under the built-in policy")
        # ... then the group's audit policy reaches device control, which decides again and only reports.
        applied = self.wait_event(agent_id, "policy.applied", lambda d: d["policy.source"] == "collector", 30,
                                  "the audit policy applied")[0]["details"]
        self.assertIn("device_control", applied["policy.capabilities"])
        self.assertEqual(applied["policy.mode.device_control"], "audit")
        audits = self.wait_event(agent_id, "device.audit", lambda d: True, 30, "device.audit (would block)")
        self.assertTrue(all(e["details"]["device.enforced"] == "allow" for e in audits))
        authorized = []
        for root, _dirs, files in os.walk(os.path.join(sysfs, "devices")):
            for name in ("authorized", "authorized_default"):
                if name in files:
                    with open(os.path.join(root, name)) as f:
                        authorized.append((os.path.join(root, name), f.read().strip()))
        self.assertTrue(authorized)
        self.assertEqual([p for p, v in authorized if v != "1"], [], "audit mode left something deauthorized")
        self.assertEqual(agent.process.stop(), 0)

    def test_corrupt_policy_file_at_start_falls_back_to_the_previous_one_and_reports(self):
        self.push(policy_doc(1))
        agent, agent_id = self.start_agent()
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.version"] == 1, 30, "v1 applied")
        self.push(policy_doc(2))
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.version"] == 2, POLL_MS / 1000 * 1.1 + 5,
                        "v2 applied")
        self.assertEqual(agent.process.stop(), 0)
        policy_file = os.path.join(agent.state_dir, "policy.json")
        with open(policy_file, "r+b") as f:
            f.truncate(40)  # a torn write

        agent.start(extra=["--heartbeat-interval", "1"])
        fallback = self.wait_event(agent_id, "policy.fallback", lambda d: True, 30, "policy.fallback")[0]["details"]
        self.assertEqual(fallback["policy.file"], policy_file)
        self.assertEqual(fallback["policy.fallback_to"], policy_file + ".prev")
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.source"] == "persisted" and
                        d["policy.version"] == 1, 30, "the previous copy applied at start")
        # The collector's current policy follows at the first fetch.
        self.wait_event(agent_id, "policy.applied", lambda d: d["policy.source"] == "collector" and
                        d["policy.version"] == 2 and d["policy.sha256"], 30, "v2 again from the collector")
        self.assertEqual(agent.process.stop(), 0)

        # Both copies unusable: the built-in default, and both files reported.
        for name in ("policy.json", "policy.json.prev"):
            with open(os.path.join(agent.state_dir, name), "w") as f:
                f.write("{not json")
        self.coll.stop()  # nothing to fetch: the built-in policy must stay in force
        agent.start(extra=["--heartbeat-interval", "1"])
        wait_until(lambda: agent.process.output().count("falling back to builtin") >= 2, 30,
                   "two fallbacks to the built-in policy in the agent's log")
        wait_until(lambda: "applied \"" in agent.process.output() and "(builtin," in agent.process.output(), 30,
                   "built-in policy applied")
        self.assertEqual(agent.process.stop(), 0)


if __name__ == "__main__":
    unittest.main()
