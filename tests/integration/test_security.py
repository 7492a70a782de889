"""Authentication and hostile requests against a real collector process."""

import http.client
import json
import socket
import os
import ssl
import subprocess
import unittest

from mamori_testkit.harness import Api, MamoriTestCase, binary, gzip_bytes, require_root, uuid7, wait_until


def event(agent_id, **over):
    e = {"id": "", "type": "test.event", "time": "2026-11-23T02:48:03.123Z", "severity": "info",
         "agent_id": agent_id, "host": "h", "user": "u", "details": {}}
    e.update(over)
    return e


def mamorictl_bytes(collector, *args):
    """mamorictl against collector, its output as bytes (a CSV's byte-order mark included)."""
    done = subprocess.run([binary("mamorictl"), "--collector", collector.url, "--ca-file", collector.ca_file,
                           "--token-file", collector.admin_token_file, *args], capture_output=True, timeout=60)
    return done.returncode, done.stdout, done.stderr.decode(errors="replace")


class SecurityTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.coll = self.collector()
        self.api = self.coll.api()
        self.agent_id = uuid7()
        status, body = self.api.json("POST", "/api/v1/enroll", {
            "enroll_secret": self.coll.read_secret("enroll.secret"), "agent_id": self.agent_id,
            "host": "pc-test", "os": "test", "agent_version": "0"}, token="")
        self.assertEqual(status, 200, body)
        self.node_key = body["node_key"]

    def post_events(self, events, token=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps({"events": events}).encode()
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        return self.api.json("POST", "/api/v1/events", body, hdrs, token=self.node_key if token is None else token)

    def test_enroll_with_a_wrong_secret_is_refused(self):
        status, body = self.api.json("POST", "/api/v1/enroll", {
            "enroll_secret": "0" * 64, "agent_id": uuid7(), "host": "x", "os": "x", "agent_version": "0"}, token="")
        self.assertEqual(status, 401, body)
        self.assertIn("error", body)

    def test_unauthenticated_and_forged_keys_are_refused_and_nothing_is_stored(self):
        good = event(self.agent_id, id=uuid7())
        for token in ("", "0" * 64, self.node_key[:-1] + ("0" if self.node_key[-1] != "0" else "1"),
                      self.coll.admin_token):
            status, body = self.post_events([good], token=token)
            self.assertEqual(status, 401, f"token {token!r}: {body!r}")
            status, body = self.api.json("POST", "/api/v1/heartbeat", event(self.agent_id, id=uuid7(),
                                         type="agent.heartbeat"), token=token)
            self.assertEqual(status, 401, body)
        # Admin endpoints refuse agents' keys and forged tokens.
        for token in ("", self.node_key, "f" * 64):
            for path in ("/api/v1/events", "/api/v1/agents"):
                status, _ = self.api.json("GET", path, token=token)
                self.assertEqual(status, 401, path)
        self.assertEqual(self.api.count(), 0)

    def test_hostile_names_reach_mamorictl_as_visible_markers_not_terminal_controls(self):
        # An agent may call itself anything; what an administrator's terminal prints must not act on
        # escape sequences or reverse text (issue 20).
        hostile = "pc-invoice\u202efdp.exe\u200b\u001b[2J\u001b]0;owned\u0007"
        agent_id = uuid7()
        status, body = self.api.json("POST", "/api/v1/enroll", {
            "enroll_secret": self.coll.read_secret("enroll.secret"), "agent_id": agent_id,
            "host": hostile, "os": "test", "agent_version": "0"}, token="")
        self.assertEqual(status, 200, body)
        status, body = self.post_events([event(agent_id, id=uuid7(), host=hostile, user=hostile)],
                                        token=body["node_key"])
        self.assertEqual(status, 200, body)
        shown = "pc-invoice<U+202E>fdp.exe<U+200B><U+001B>[2J<U+001B>]0;owned<U+0007>"
        for args in (("agents",), ("events",), ("policy", "status")):
            _, out, _ = self.coll.ctl(*args, check=0)
            self.assertIn(shown, out, args)
            for raw in ("\u202e", "\u200b", "\u001b", "\u0007"):
                self.assertNotIn(raw, out, f"mamorictl {' '.join(args)} printed {raw!r} raw")
        # --json keeps the exact value (JSON escapes it) for programs that read it.
        _, out, _ = self.coll.ctl("agents", "--json", check=0)
        self.assertIn(hostile, [json.loads(line)["host"] for line in out.splitlines()])

    def test_a_hostile_sign_in_name_stays_on_one_log_line(self):
        # Anyone who reaches the listener can type a user name; the collector logs failed sign-ins.
        # A line break in it must not forge a second log line, nor an escape sequence reach a terminal.
        forged = "x\nmamori-collector[1] info: console user admin signed in\u001b[2J\u202e"
        status, body = self.api.json("POST", "/api/v1/session", {"user": forged, "password": "wrong"}, token="")
        self.assertEqual(status, 401, body)
        shown = ('console sign-in failed for user "x<U+000A>mamori-collector[1] info: console user admin signed '
                 'in<U+001B>[2J<U+202E>" from 127.0.0.1')
        wait_until(lambda: shown in self.coll.process.output(), 10, "the failed sign-in's log line")
        lines = self.coll.process.output().splitlines()
        self.assertFalse([line for line in lines if line.startswith("mamori-collector[1] ")], lines)
        self.assertFalse([line for line in lines if "\u001b" in line or "\u202e" in line], lines)

    def scanning_agent(self, name):
        """A real agent (root) whose policy scans a new home folder on each change; returns (agent, home)."""
        require_root(self)
        from test_activity import COMPANY_RULES, agent_confinement
        os.chmod(self.workdir, 0o755)
        home = os.path.join(self.workdir, "home")
        os.makedirs(home)
        policy = {
            "schema_version": 1, "version": 1, "name": name,
            "device_control": {"mode": "off"}, "p2p_guard": {"mode": "off"},
            "content_scan": {"rule_sets": [{"name": "company", "source": COMPANY_RULES}], "paths": [home],
                             "schedule": {"interval_hours": 8000, "on_change": True}},
        }
        policy_path = os.path.join(self.workdir, "policy.json")
        with open(policy_path, "w") as f:
            json.dump(policy, f)
        agent = self.agent(self.coll, extra=agent_confinement() + ["--policy", policy_path]).start()
        wait_until(lambda: "policy: applied the local file" in agent.process.output(), 60,
                   "the agent to apply the test policy")
        return agent, home

    def test_a_file_named_in_shift_jis_is_reported_and_holds_back_no_batch(self):
        # A file name is bytes: Shift_JIS names come out of old zip files, and anyone can name a file
        # "\\xff". The collector cannot store such bytes; the agent writes them as "\\xNN", so the
        # match and the events travelling in the same batch all reach the console.
        names = {b"\x8e\x91\x97\xbf-\xff.txt": "\\x8e\\x91\\x97\\xbf-\\xff.txt", b"plain.txt": "plain.txt"}
        agent, home = self.scanning_agent("hostile-names")
        for raw in names:  # written once the agent watches the folder: each write is scanned
            with open(os.path.join(os.fsencode(home), raw), "wb") as f:
                f.write("社外秘: 2027 merger plan\n".encode())
        wanted = sorted(os.path.join(home, shown) for shown in names.values())

        def reported():
            paths = sorted(e["details"]["file.path"] for e in self.api.events(type="content.match"))
            return paths if paths == wanted else None
        try:
            wait_until(reported, 90, "both files' content.match at the collector", interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}; agent log: {agent.process.output()[-3000:]}") from None
        self.assertNotIn("refused", agent.process.output())

    def test_a_member_name_longer_than_the_collector_takes_holds_back_no_batch(self):
        # A zip member's name can be 64 KiB, a program's argument 128 KiB; the collector takes strings of
        # 16 KiB. The agent cuts a longer one between characters (with "…[cut: N bytes]"), so the match
        # and the events travelling in the same batch reach the console.
        import zipfile
        agent, home = self.scanning_agent("long-names")
        member = "資料" * 3000 + ".txt"  # 18 004 bytes of UTF-8
        with zipfile.ZipFile(os.path.join(home, "old.zip"), "w") as z:
            z.writestr(member, "社外秘: 2027 merger plan\n")
        with open(os.path.join(home, "plain.txt"), "w") as f:
            f.write("社外秘: 2027 merger plan\n")

        def reported():
            events = self.api.events(type="content.match")
            paths = {e["details"]["file.path"] for e in events}
            return events if len(paths) == 2 else None
        try:
            events = wait_until(reported, 90, "both files' content.match at the collector", interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}; agent log: {agent.process.output()[-3000:]}") from None
        zipped = [e for e in events if e["details"]["file.path"].endswith("old.zip")][0]
        shown = json.dumps(zipped["details"], ensure_ascii=False)
        self.assertIn(os.path.join(home, "old.zip") + "!資料資料", shown)
        self.assertIn("…[cut: ", shown)
        self.assertNotIn("refused", agent.process.output())

    def test_a_zip_of_a_hundred_company_files_is_reported(self):
        # 100 matches of four keys each are more keys than the collector takes (256): the event, and its
        # batch, was refused for good. The agent keeps the first matches that fit and says how many it
        # left out.
        import zipfile
        agent, home = self.scanning_agent("many-members")
        with zipfile.ZipFile(os.path.join(home, "old.zip"), "w") as z:
            for i in range(100):
                z.writestr(f"doc{i:03}.txt", "社外秘: 2027 merger plan\n")

        def reported():
            return self.api.events(type="content.match") or None
        try:
            events = wait_until(reported, 90, "the zip's content.match at the collector", interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}; agent log: {agent.process.output()[-3000:]}") from None
        details = events[0]["details"]
        self.assertEqual(len(details["content.matches"]) + details["mamori.items_left_out"], 100, details)
        self.assertTrue(details["content.matches"][0]["container_path"].endswith("old.zip!doc000.txt"), details)
        self.assertNotIn("refused", agent.process.output())

    def test_events_as_json_send_no_c1_control_to_the_terminal(self):
        # Poco writes C1 controls raw in JSON: a file named with the 8-bit CSI (U+009B) cleared the screen
        # of an administrator running mamorictl events --json in xterm. They are \u escapes now, and the
        # value reads back exact.
        hostile = "/home/u/a\u009b2J\u0085b\u2028c 社外秘.xlsx"
        status, body = self.post_events([event(self.agent_id, id=uuid7(), host="pc\u009b1", details={"file.path": hostile})])
        self.assertEqual(status, 200, body)
        code, out, err = mamorictl_bytes(self.coll, "events", "--json")
        self.assertEqual(code, 0, err)
        for raw in ("\u009b", "\u0085", "\u2028"):
            self.assertNotIn(raw.encode(), out)
        shown = [json.loads(line) for line in out.decode().splitlines()]
        self.assertIn(hostile, [e["details"].get("file.path") for e in shown])
        self.assertIn("\\u009B2J".encode(), out)

    def test_events_as_csv_open_in_a_spreadsheet_with_japanese_intact_and_no_formula(self):
        import csv
        import io
        formula = '=HYPERLINK("http://evil.example/","請求書")'
        status, body = self.post_events([event(self.agent_id, id=uuid7(), host="経理-pc01", user=formula,
                                               details={"file.path": "/home/山田/社外秘, \"計画\".xlsx"})])
        self.assertEqual(status, 200, body)
        code, out, err = mamorictl_bytes(self.coll, "events", "--csv")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark for Excel")
        rows = list(csv.reader(io.StringIO(out[3:].decode("utf-8"), newline="")))
        self.assertEqual(rows[0], ["id", "time", "severity", "type", "agent_id", "host", "user", "details"])
        self.assertEqual(len(rows), 2, rows)
        row = dict(zip(rows[0], rows[1]))
        self.assertEqual(row["host"], "経理-pc01")
        self.assertEqual(row["user"], "'" + formula, "a formula must not reach the spreadsheet as one")
        self.assertEqual(json.loads(row["details"])["file.path"], '/home/山田/社外秘, "計画".xlsx')
        code, _, err = mamorictl_bytes(self.coll, "events", "--csv", "--json")
        self.assertEqual(code, 2, err)
        # The console's export (GET /api/v1/events.csv) is written by the same code: the same bytes.
        status, exported = self.coll.api().request("GET", "/api/v1/events.csv")
        self.assertEqual(status, 200, exported)
        self.assertEqual(exported, out)

    def test_tls_is_required_and_the_certificate_is_pinned(self):
        plain = http.client.HTTPConnection("127.0.0.1", self.coll.port, timeout=10)
        try:
            plain.request("GET", "/healthz")
            status = plain.getresponse().status
        except (http.client.HTTPException, OSError):
            status = None
        self.assertIsNone(status, "plain HTTP must not be served")

        system_cas_only = ssl.create_default_context()  # the self-signed certificate is not trusted there
        conn = http.client.HTTPSConnection("127.0.0.1", self.coll.port, context=system_cas_only, timeout=10)
        with self.assertRaises(ssl.SSLError):
            conn.request("GET", "/healthz")
            conn.getresponse()

    def test_malformed_batches_get_clear_4xx_and_nothing_half_stored(self):
        first_ok = event(self.agent_id, id=uuid7())
        bad = event(self.agent_id, id=uuid7(), severity="urgent")
        status, body = self.post_events([first_ok, bad])
        self.assertEqual(status, 400)
        self.assertEqual(body["where"], "/events/1/severity")
        self.assertEqual(self.api.count(), 0, "a rejected batch must store nothing")

        status, body = self.post_events([], raw=b'{"events": [')
        self.assertEqual(status, 400, body)
        status, body = self.post_events([first_ok], headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 415, body)
        other_agent = event(uuid7(), id=uuid7())
        status, body = self.post_events([first_ok, other_agent])
        self.assertEqual(status, 422, body)
        bomb = gzip_bytes(b'{"events":[' + b" " * (64 << 20) + b"]}")
        status, body = self.post_events([], raw=bomb, headers={"Content-Encoding": "gzip"})
        self.assertEqual(status, 413, body)
        status, body = self.post_events([], raw=b"\x1f\x8b garbage", headers={"Content-Encoding": "gzip"})
        self.assertIn(status, (400, 415), body)
        self.assertEqual(self.api.count(), 0)

        # The good event alone is accepted; sending it again is a duplicate, not a second copy.
        status, body = self.post_events([first_ok])
        self.assertEqual((status, body["accepted"], body["duplicates"]), (200, 1, 0))
        status, body = self.post_events([first_ok], headers={"Content-Encoding": "gzip"},
                                        raw=gzip_bytes(json.dumps({"events": [first_ok]}).encode()))
        self.assertEqual((status, body["accepted"], body["duplicates"]), (200, 0, 1))
        self.assertEqual(self.api.count(), 1)

    def test_oversized_body_is_refused_without_reading_it_all(self):
        # Announce 20 MiB but send only the headers: the collector must answer 413 from the announced
        # length alone, without waiting for (or buffering) the body.
        context = ssl.create_default_context(cafile=self.coll.ca_file)
        with socket.create_connection(("127.0.0.1", self.coll.port), timeout=20) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall((f"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"Authorization: Bearer {self.node_key}\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {20 << 20}\r\n\r\n").encode())
                status_line = tls.recv(4096).split(b"\r\n", 1)[0]
        self.assertEqual(status_line.split()[1], b"413", status_line)
        self.assertEqual(self.api.json("GET", "/healthz", token="")[0], 200)

    def test_health_and_metrics(self):
        status, _ = self.api.request("GET", "/healthz", token="")
        self.assertEqual(status, 200)
        self.post_events([event(self.agent_id, id=uuid7())])
        status, text = self.api.request("GET", "/metrics", token="")
        self.assertEqual(status, 200)
        self.assertIn(b"mamori_events_stored_total 1", text)
        self.assertIn(b"mamori_agents_enrolled 1", text)


if __name__ == "__main__":
    unittest.main()
