"""The administrators' audit trail through real collectors over TLS, on SQLite and PostgreSQL
(docs/admin.md "The audit trail"): every administrative route, taken from the collector's own route
table (`mamori-collector routes`), appends exactly one record with its action and result; a viewer
cannot read the trail; a failed sign-in is recorded; editing or deleting a row in the database makes
`mamorictl audit verify` fail and name the record; appends from two collectors on one PostgreSQL
stay one linear chain; the records reach a SIEM sink as admin.* events."""

import glob
import hashlib
import http.client
import json
import os
import pwd
import re
import sqlite3
import ssl
import subprocess
import threading
import unittest

from mamori_testkit.harness import MamoriTestCase, binary, postgres_database, uuid7, wait_until

PASSWORD = "correct horse battery"


def route_table():
    out = subprocess.run([binary("mamori-collector"), "routes"], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def policy(version, group="default"):
    return {"schema_version": 1, "version": version, "name": f"audit v{version}", "group": group}


class AuditTest(MamoriTestCase):
    # ---- helpers -------------------------------------------------------------------------------

    def start(self, db=None, name="collector", extra=()):
        collector = self.collector(db=db, name=name, extra=list(extra))
        self.db_url = db or "sqlite:" + os.path.join(collector.state_dir, "collector.db")
        return collector

    def add_user(self, name, role):
        done = subprocess.run([binary("mamori-collector"), "user", "add", name, "--role", role, "--db", self.db_url],
                              input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)

    def sign_in(self, collector, user, password=PASSWORD):
        """(status, cookie header, csrf token) of a console sign-in."""
        conn = http.client.HTTPSConnection("127.0.0.1", collector.port,
                                           context=ssl.create_default_context(cafile=collector.ca_file), timeout=30)
        try:
            conn.request("POST", "/api/v1/session", body=json.dumps({"user": user, "password": password}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = json.loads(response.read() or b"{}")
            cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
            return response.status, cookie, body.get("csrf_token", "")
        finally:
            conn.close()

    def records_after(self, api, seq):
        status, body = api.json("GET", f"/api/v1/audit?after={seq}")
        self.assertEqual(status, 200, body)
        return body["records"]

    def head(self, api):
        """The newest seq; the read itself becomes the record after it."""
        status, body = api.json("GET", "/api/v1/audit?order=desc&limit=1")
        self.assertEqual(status, 200, body)
        return body["records"][0]["seq"] if body["records"] else 0

    def enroll(self, collector):
        agent_id = uuid7()
        status, body = collector.api().json("POST", "/api/v1/enroll", {
            "enroll_secret": collector.read_secret("enroll.secret"), "agent_id": agent_id, "host": "pc-audit"},
            token="")
        self.assertEqual(status, 200, body)
        return agent_id

    # ---- every administrative route appends exactly one record ----------------------------------

    def walk_routes(self, db=None):
        collector = self.start(db)
        api = collector.api()
        agent_id = self.enroll(collector)
        self.add_user("ops", "viewer")
        incident = uuid7()
        # Calls that succeed where that is easy to arrange; any other route of the table is called
        # with placeholders and an empty object, which it must refuse and still record.
        samples = {
            ("POST", "/api/v1/policies"): ("/api/v1/policies?group=default", policy(2), "ok", "group:default"),
            ("PUT", "/api/v1/agents/{agent_id}/group"):
                (f"/api/v1/agents/{agent_id}/group", {"group": "finance"}, "ok", f"agent:{agent_id}"),
            ("PUT", "/api/v1/incidents/{incident_id}"):
                (f"/api/v1/incidents/{incident}", {"status": "acknowledged", "comment": "seen"}, "ok",
                 f"incident:{incident}"),
            ("GET", "/api/v1/audit"): ("/api/v1/audit?limit=1", None, "ok", "audit trail"),
            ("GET", "/api/v1/events.csv"): ("/api/v1/events.csv?type=device.blocked", None, "ok",
                                            "events?type=device.blocked"),
            ("POST", "/api/v1/session"): ("/api/v1/session", {"user": "ops", "password": "wrong password"},
                                          "refused", "user:ops"),
            ("GET", "/api/v1/inspections/{id}"): ("/api/v1/inspections/" + "ab" * 32, None, "refused",
                                                  "inspection:" + "ab" * 32),
            ("GET", "/api/v1/report"): ("/api/v1/report?group=finance&format=csv", None, "ok", "group:finance"),
            ("GET", "/api/v1/reports/{name}"): ("/api/v1/reports/mamori-report-all-2026-11-30.html", None, "refused",
                                                "report:mamori-report-all-2026-11-30.html"),
        }
        routes = route_table()
        audited = [r for r in routes if r["audit_action"]]
        self.assertGreaterEqual(len(audited), 8, routes)
        for route in routes:
            key = (route["method"], route["path"])
            with self.subTest(route=key):
                path, body, result, target = samples.get(key, (route["path"].replace("{", "").replace("}", ""), {},
                                                              None, None))
                if route["method"] in ("GET", "DELETE") and key not in samples:
                    body = None
                token = "" if route["access"] in ("agent", "sign-in") else None
                before = self.head(api)
                status, answer = api.json(route["method"], path, body, token=token)
                added = self.records_after(api, before + 1)  # before + 1 is the head() read
                if not route["audit_action"]:
                    self.assertEqual(added, [], f"{key} is not audited ({route['not_audited']}) but added records")
                    continue
                self.assertEqual(len(added), 1, f"{key} answered {status} {answer!r} and added {added!r}")
                record = added[0]
                self.assertEqual(record["action"], route["audit_action"])
                self.assertEqual(record["status"], status)
                self.assertEqual(record["result"], "ok" if status < 400 else "refused")
                self.assertEqual(record["address"], "127.0.0.1")
                if result:
                    self.assertEqual(record["result"], result, answer)
                    self.assertEqual(record["target"], target)
                if route["access"] == "sign-in":
                    self.assertEqual(record["actor"], "ops")  # the failed sign-in names the account tried
                else:
                    self.assertEqual(record["actor"], "admin-token")

        # Before and after where a value changed.
        records = self.records_after(api, 0)
        group = [r for r in records if r["action"] == "agent.group.set" and r["result"] == "ok"][0]
        self.assertEqual((group["before"], group["after"]), ("default", "finance"))
        pushed = [r for r in records if r["action"] == "policy.push" and r["result"] == "ok"][0]
        self.assertEqual(pushed["before"], "")
        self.assertTrue(pushed["after"].startswith("version 2 sha256 "), pushed)
        # A wrong admin token is recorded even on a route whose allowed calls are not.
        before = self.head(api)
        status, _ = api.json("GET", "/api/v1/agents", token="not-the-token")
        self.assertEqual(status, 401)
        added = self.records_after(api, before + 1)
        self.assertEqual([(r["action"], r["actor"], r["result"], r["target"]) for r in added],
                         [("auth.refused", "(wrong admin token)", "refused", "GET /api/v1/agents")])
        # The events API does not show the admin.* events stored for the SIEM.
        self.assertEqual(api.events(q="admin."), [])
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)
        self.assertIn("audit trail intact", out)
        return collector

    def test_sqlite_every_administrative_route_appends_exactly_one_record(self):
        self.walk_routes()

    def test_postgresql_every_administrative_route_appends_exactly_one_record(self):
        self.walk_routes(postgres_database(self, "audit_routes"))

    # ---- roles -----------------------------------------------------------------------------------

    def test_a_viewer_cannot_read_the_audit_trail_and_failed_sign_ins_are_recorded(self):
        collector = self.start()
        self.add_user("ops", "viewer")
        self.add_user("chief", "administrator")
        again = subprocess.run([binary("mamori-collector"), "user", "add", "ops", "--role", "viewer", "--db",
                                self.db_url], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(again.returncode, 3, again.stderr)
        api = collector.api()
        status, _, _ = self.sign_in(collector, "chief", "not the password")
        self.assertEqual(status, 401)
        status, _, _ = self.sign_in(collector, "nobody", "not the password")
        self.assertEqual(status, 401)
        status, viewer, _ = self.sign_in(collector, "ops")
        self.assertEqual(status, 200)
        status, body = api.json("GET", "/api/v1/audit", headers={"Cookie": viewer}, token="")
        self.assertEqual(status, 403, body)
        status, admin, _ = self.sign_in(collector, "chief")
        self.assertEqual(status, 200)
        status, body = api.json("GET", "/api/v1/audit", headers={"Cookie": admin}, token="")
        self.assertEqual(status, 200, body)
        seen = [(r["action"], r["actor"], r["result"], r["status"]) for r in body["records"]]
        # Accounts made on the collector host are recorded with the local account that made them.
        local = [(action, actor.split(" ")[0], result) for action, actor, result, _ in seen[:3]]
        me = "local:" + pwd.getpwuid(os.getuid()).pw_name
        self.assertEqual(local, [("user.add", me, "ok"), ("user.add", me, "ok"), ("user.add", me, "refused")])
        self.assertEqual(body["records"][0]["after"], "role viewer")
        self.assertEqual(body["records"][2]["detail"], "the user exists")
        self.assertEqual(seen[3:], [("session.signin", "chief", "refused", 401),
                                    ("session.signin", "nobody", "refused", 401), ("session.signin", "ops", "ok", 200),
                                    ("audit.read", "ops", "refused", 403), ("session.signin", "chief", "ok", 200)])
        self.assertIn("wrong user name or password", body["records"][3]["detail"])
        self.assertIn("viewer role", body["records"][6]["detail"])
        # mamorictl shows the same records, the admin-token's own read after the console's.
        code, out, err = collector.ctl("audit", "--json")
        self.assertEqual(code, 0, err)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([r["action"] for r in lines][-1], "audit.read")
        self.assertEqual(lines[-1]["actor"], "chief")
        code, out, err = collector.ctl("audit", "--since", "0", "--limit", "5")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.splitlines()), 6, out)  # the header and five records
        self.assertIn("nobody", out.splitlines()[-1])
        self.assertIn("refused 401  wrong user name or password", out)
        # A sign-in name is typed by anyone: a line break and the 8-bit CSI reach neither form raw.
        status, _, _ = self.sign_in(collector, "eve\u009b2J\nx", "not the password")
        self.assertEqual(status, 401)
        code, out, err = collector.ctl("audit", "--json")
        self.assertEqual(code, 0, err)
        self.assertNotIn("\u009b", out)
        self.assertIn("eve\u009b2J\nx", [json.loads(line)["actor"] for line in out.splitlines()])
        code, out, err = collector.ctl("audit")
        self.assertEqual(code, 0, err)
        self.assertNotIn("\u009b", out)
        self.assertIn("eve<U+009B>2J<U+000A>x", out)

    # ---- tampering -------------------------------------------------------------------------------

    def tamper(self, collector, execute, refuse):
        api = collector.api()
        for version in range(2, 8):
            status, body = api.json("POST", "/api/v1/policies?group=default", policy(version))
            self.assertEqual(status, 200, body)
        refuse("UPDATE audit_log SET actor = 'x'")
        refuse("DELETE FROM audit_log WHERE seq = 6")
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)
        self.assertIn("audit trail intact: 6 records", out)
        original = self.records_after(api, 2)[0]  # record 3: the push of version 4
        self.assertEqual(original["seq"], 3)

        # An edited row: verify exits 3 and names it.
        execute("UPDATE audit_log SET after_value = 'version 9' WHERE seq = 3")
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 3, out + err)
        self.assertIn("BROKEN at record 3 (edited)", out)
        self.assertIn("its content does not match its hash", out)
        # An edit that also rewrote the row's own hash is found through the next record's link.
        edited = self.records_after(api, 2)[0]
        canonical = {k: v for k, v in edited.items() if k not in ("hash", "time")}
        rehash = hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()).hexdigest()
        execute(f"UPDATE audit_log SET hash = '{rehash}' WHERE seq = 3")
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 3, out + err)
        self.assertIn("BROKEN at record 3 (edited)", out)
        self.assertIn("record 4 recorded its hash as", out)
        # Put back, the chain verifies again: verify recomputes, it remembers nothing.
        execute(f"UPDATE audit_log SET after_value = '{original['after']}', hash = '{original['hash']}'"
                " WHERE seq = 3")
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)

        # A deleted row: verify exits 3 and says it is missing.
        execute("DELETE FROM audit_log WHERE seq = 5")
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 3, out + err)
        self.assertIn("BROKEN at record 5 (missing)", out)
        self.assertIn("record 5 missing (deleted) before record 6", out)

    def test_sqlite_editing_or_deleting_a_row_makes_verify_fail(self):
        collector = self.start()
        path = self.db_url[len("sqlite:"):]

        def refuse(sql):
            with self.assertRaisesRegex(sqlite3.DatabaseError, "append-only"):
                with sqlite3.connect(path, timeout=10) as db:
                    db.execute(sql)

        def execute(sql):
            with sqlite3.connect(path, timeout=10) as db:
                # Whoever can write the file can drop the append-only triggers first.
                db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
                db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
                db.execute(sql)

        self.tamper(collector, execute, refuse)

    def test_postgresql_editing_or_deleting_a_row_makes_verify_fail(self):
        db = postgres_database(self, "audit_tamper")
        collector = self.start(db)

        def psql(sql, check=True):
            return subprocess.run(["psql", db, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], capture_output=True,
                                  text=True, check=check)

        def refuse(sql):
            refused = psql(sql, check=False)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("append-only", refused.stderr)

        def execute(sql):
            # A superuser can switch the triggers off; the chain still shows what changed.
            psql("SET session_replication_role = replica; " + sql)

        self.tamper(collector, execute, refuse)

    # ---- PostgreSQL: the shipped grants make the table append-only for the collector's role ------

    def test_postgresql_shipped_grants_leave_the_collector_insert_and_select_only(self):
        base = os.environ.get("MAMORI_TEST_PG_URL")
        if not base:
            raise AssertionError("MAMORI_TEST_PG_URL is not set: run through scripts/test.sh, which starts PostgreSQL")
        role = "mamori_" + uuid7().replace("-", "")[-12:]

        def admin(sql, url=base):
            return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], capture_output=True,
                                  text=True)

        self.assertEqual(admin(f"CREATE ROLE {role} LOGIN").returncode, 0)
        self.addCleanup(lambda: admin(f"DROP ROLE IF EXISTS {role}_owner; DROP ROLE IF EXISTS {role}"))
        db = postgres_database(self, "audit_grants")  # dropped before the roles (cleanups run last first)
        self.assertEqual(admin(f"ALTER DATABASE {db.rsplit('/', 1)[1]} OWNER TO {role}").returncode, 0)
        as_collector = db.replace("postgres@", f"{role}@", 1)
        collector = self.start(as_collector)
        api = collector.api()
        self.assertEqual(api.json("POST", "/api/v1/policies?group=default", policy(2))[0], 200)

        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "..", "docs", "examples", "audit-append-only.sql")) as f:
            script = re.sub(r"\bmamori_owner\b", f"{role}_owner", f.read())
        script = re.sub(r"\bmamori\b", role, script)
        applied = subprocess.run(["psql", db, "-v", "ON_ERROR_STOP=1", "-q"], input=script, capture_output=True,
                                 text=True)
        self.assertEqual(applied.returncode, 0, applied.stderr)

        for sql, error in [("UPDATE audit_log SET actor = 'x'", "permission denied"),
                           ("DELETE FROM audit_log", "permission denied"),
                           ("TRUNCATE audit_log", "permission denied"),
                           ("DROP TRIGGER audit_log_append_only ON audit_log", "must be owner"),
                           ("ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner")]:
            refused = admin(sql, as_collector)
            self.assertNotEqual(refused.returncode, 0, sql)
            self.assertIn(error, refused.stderr, sql)
        # The collector still appends and reads.
        self.assertEqual(api.json("POST", "/api/v1/policies?group=default", policy(3))[0], 200)
        code, out, err = collector.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)
        self.assertIn("audit trail intact: 2 records", out)

    # ---- PostgreSQL: two collectors, one chain ---------------------------------------------------

    def test_postgresql_two_collectors_appending_at_once_keep_one_linear_chain(self):
        db = postgres_database(self, "audit_chain")
        a = self.start(db, name="a")
        b = self.collector(db=db, name="b", state_dir=a.state_dir)  # the same token and keys
        agent_id = self.enroll(a)
        failures = []

        def push(collector, n):
            api = collector.api()
            for i in range(n):
                status, body = api.json("PUT", f"/api/v1/agents/{agent_id}/group", {"group": f"g{i % 3}"})
                if status != 200:
                    failures.append((status, body))

        threads = [threading.Thread(target=push, args=(c, 15)) for c in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(failures, [])
        records = self.records_after(a.api(), 0)
        self.assertEqual([r["seq"] for r in records], list(range(1, 61)))
        for earlier, later in zip(records, records[1:]):
            self.assertEqual(later["prev_hash"], earlier["hash"])
        code, out, err = b.ctl("audit", "verify")
        self.assertEqual(code, 0, out + err)
        self.assertIn("audit trail intact: 61 records", out)  # and a's read above

    # ---- the SIEM stream -------------------------------------------------------------------------

    def test_records_and_signed_checkpoints_reach_a_siem_sink_as_admin_events(self):
        files = os.path.join(self.workdir, "siem", "events.jsonl")
        os.makedirs(os.path.dirname(files))
        config = os.path.join(self.workdir, "siem.json")
        with open(config, "w") as f:
            json.dump({"sinks": [{"name": "archive", "kind": "file", "path": files}], "poll_ms": 100}, f)
        collector = self.start(extra=["--siem-config", config, "--audit-checkpoint-interval", "1s"])
        api = collector.api()
        status, body = api.json("POST", "/api/v1/policies?group=default", policy(2))
        self.assertEqual(status, 200, body)

        def sent(kind):
            out = []
            for path in glob.glob(files + "*"):
                with open(path, encoding="utf-8") as f:
                    out += [line for line in f if line.endswith("\n") and kind in line]
            return out

        pushed = wait_until(lambda: sent("admin.policy.push"), 60, "the admin.policy.push event in the file sink")
        checkpoint = wait_until(lambda: sent("admin.audit.checkpoint"), 60, "a checkpoint in the file sink")
        records = self.records_after(api, 0)
        self.assertEqual([r["action"] for r in records[:2]], ["policy.push", "audit.checkpoint"])
        self.assertIn(records[0]["hash"], pushed[0])
        self.assertIn(records[1]["hash"], checkpoint[0])
        self.assertIn(f"count 1 head {records[0]['hash']}", checkpoint[0])
        # Only one checkpoint while nothing else happens (the reads above come after it).
        self.assertEqual(len([r for r in records if r["action"] == "audit.checkpoint"]), 1)

        public = os.path.join(self.workdir, "policy.pub")
        subprocess.run(["openssl", "pkey", "-in", collector.policy_key_file, "-pubout", "-out", public], check=True)
        code, out, err = collector.ctl("audit", "verify", "--public-key", public)
        self.assertEqual(code, 0, out + err)
        self.assertIn("signatures verified", out)
        other = os.path.join(self.workdir, "other.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", other], check=True)
        subprocess.run(["openssl", "pkey", "-in", other, "-pubout", "-out", public], check=True)
        code, out, err = collector.ctl("audit", "verify", "--public-key", public)
        self.assertEqual(code, 3, out + err)
        self.assertIn("is not signed by key", out)

if __name__ == "__main__":
    unittest.main()
