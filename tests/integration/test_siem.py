"""SIEM export end to end: a real collector forwards what real agents sent to a real rsyslog (Debian's,
over TCP and over TLS with a CA made here), to a JSON-lines file with rotation and to an HTTPS
endpoint; receivers and the collector are stopped mid-stream and nothing goes missing.

rsyslog runs as a child of the test with its own config, work directory and port (port 0, read back
from listenPortFileName); the system's rsyslog and /var/log are never touched.
"""

import glob
import http.server
import json
import os
import re
import ssl
import threading
import unittest

from mamori_testkit.harness import MamoriTestCase, wait_until
from mamori_testkit.rsyslog import Rsyslog, make_test_ca

def parse_cef(msg):
    """The CEF header fields and extension as a dict, unescaped (the spec's rules, written independently)."""
    header, i, field = [], 0, ""
    while len(header) < 7:
        c = msg[i]
        if c == "\\":
            field += msg[i + 1]
            i += 2
            continue
        if c == "|":
            header.append(field)
            field = ""
        else:
            field += c
        i += 1
    ext = msg[i:]
    keys = [m for m in re.finditer(r'(?:^| )([A-Za-z0-9]+)=', ext) if not _escaped(ext, m.end() - 1)]
    values = {}
    for n, m in enumerate(keys):
        end = keys[n + 1].start() if n + 1 < len(keys) else len(ext)
        raw = ext[m.end():end]
        values[m.group(1)] = re.sub(r'\\(.)', lambda x: {"n": "\n", "r": "\r"}.get(x.group(1), x.group(1)), raw)
    return header, values


def _escaped(text, pos):
    backslashes = 0
    while pos - 1 - backslashes >= 0 and text[pos - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


class Receiver(http.server.BaseHTTPRequestHandler):
    """An HTTPS endpoint that records each POSTed batch of JSON lines."""
    batches = None  # set per server
    fail = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.fail.is_set():
            self.send_response(503)
            self.end_headers()
            return
        self.server.batches.append((self.headers.get("Content-Type"), self.headers.get("Authorization"),
                                    body.decode("utf-8")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def https_receiver(test, pki):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.batches = []
    server.fail = threading.Event()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server.pem"], pki["server.key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return server


class SiemTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.pki = make_test_ca(self.workdir)

    def rsyslog(self, name, tls=False):
        r = Rsyslog(self.workdir, name, self.pki if tls else None)
        self._processes.append(r)
        return r.start()

    def siem_collector(self, sinks, **kwargs):
        path = os.path.join(self.workdir, "siem.json")
        with open(path, "w") as f:
            json.dump({"sinks": sinks, "poll_ms": 100}, f)
        return self.collector(extra=["--siem-config", path], **kwargs)

    def syslog_sink(self, name, r, tls=False, **more):
        sink = {"name": name, "kind": "syslog", "host": "127.0.0.1", "port": r.port, "batch_size": 200}
        if tls:
            sink.update({"transport": "tls", "ca_file": self.pki["ca.pem"], "server_name": "localhost"})
        sink.update(more)
        return sink

    def stored_events(self, api):
        return {e["id"]: e for e in api.events()}

    def assert_exactly_once(self, ids, stored, what):
        self.assertEqual(len(ids), len(set(ids)), f"{what}: an event arrived twice")
        self.assertEqual(set(ids), set(stored), f"{what}: events missing or unknown")

    def test_tcp_and_tls_rsyslog_get_every_event_once_with_the_documented_fields(self):
        n = 2000
        tcp = self.rsyslog("rsyslog-tcp")
        tls = self.rsyslog("rsyslog-tls", tls=True)
        collector = self.siem_collector([self.syslog_sink("soc-tcp", tcp), self.syslog_sink("soc-tls", tls, tls=True)])
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=n, exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        stored = self.stored_events(api)
        self.assertGreaterEqual(len(stored), n)
        for r in (tcp, tls):
            wait_until(lambda: len(r.event_ids()) >= len(stored) or None, 120, f"{r.dir}: every event")
            self.assert_exactly_once(r.event_ids(), stored, r.dir)

        # Field mapping (docs/siem.md) checked against what the collector stored, for every message.
        severities = {"info": (6, "1"), "low": (5, "3"), "medium": (4, "5"), "high": (3, "8"), "critical": (2, "10")}
        for m in tls.messages():
            e = stored[m["sd"]["event_id"]]
            syslog_severity, cef_severity = severities[e["severity"]]
            self.assertEqual(m["pri"], 16 * 8 + syslog_severity)
            self.assertEqual(m["host"], e["host"])
            self.assertEqual(m["app"], "mamori")
            self.assertEqual(m["msgid"], e["type"])
            self.assertEqual(m["sd"]["agent_id"], e["agent_id"])
            self.assertEqual(m["sd"]["severity"], e["severity"])
            header, ext = parse_cef(m["msg"])
            self.assertEqual(header[:3], ["CEF:0", "mamori", "mamori"])
            self.assertEqual(header[4], e["type"])
            self.assertEqual(header[6], cef_severity)
            self.assertEqual(ext["externalId"], e["id"])
            self.assertEqual(ext["dvchost"], e["host"])
            self.assertEqual(ext["deviceExternalId"], e["agent_id"])
            self.assertEqual(ext["cat"], e["type"].split(".")[0])
            self.assertEqual(json.loads(ext["cs1"]), e["details"])
            if "file.path" in e["details"]:
                self.assertEqual(ext["filePath"], e["details"]["file.path"])
            if e["user"]:
                self.assertEqual(ext["duser"], e["user"])

        wait_until(lambda: 'mamori_siem_lag_events{sink="soc-tls"} 0' in api.request("GET", "/metrics")[1].decode()
                   or None, 30, "lag 0 in /metrics")

    def test_wrong_ca_is_refused_and_nothing_is_counted_delivered(self):
        tls = self.rsyslog("rsyslog-tls", tls=True)
        other = make_test_ca(os.path.join(self.workdir, "other"))
        collector = self.siem_collector([{"name": "soc", "kind": "syslog", "transport": "tls", "host": "127.0.0.1",
                                          "port": tls.port, "ca_file": other["ca.pem"], "server_name": "localhost"}])
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=10, exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=120), 0, agent.process.output())
        wait_until(lambda: "siem sink soc" in collector.process.output() or None, 30, "the TLS failure in the log")
        metrics = api.request("GET", "/metrics")[1].decode()
        self.assertIn('mamori_siem_forwarded_total{sink="soc"} 0', metrics)
        self.assertEqual(tls.event_ids(), [])

    def test_rsyslog_stopped_during_a_burst_nothing_missing_after_catch_up(self):
        n = 20_000
        r = self.rsyslog("rsyslog")
        collector = self.siem_collector([self.syslog_sink("soc", r, batch_size=100)])
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=n, extra=["--batch-max-events", "500"])
        wait_until(lambda: len(r.event_ids()) > 0 or None, 60, "the first forwarded events")
        r.stop()
        wait_until(lambda: "siem sink soc" in collector.process.output() or None, 60, "the collector noticing")
        wait_until(lambda: api.count(type="agent.synthetic") >= n or None, 300, "ingest goes on while rsyslog is down")
        r.start()  # same port
        stored = self.stored_events(api)
        wait_until(lambda: set(r.event_ids()) >= set(stored) or None, 300, "catch-up after rsyslog is back")
        ids = r.event_ids()
        self.assertEqual(set(ids), set(stored), "events missing or unknown")
        duplicates = len(ids) - len(set(ids))
        print(f"\n  duplicates after the rsyslog restart: {duplicates} (at-least-once window)")
        self.assertLessEqual(duplicates, 5000 + 100, "more duplicates than the documented window")
        self.assertEqual(agent.process.stop(), 0)

    def test_collector_restarted_during_forwarding_nothing_missing_no_duplicates(self):
        n = 20_000
        r = self.rsyslog("rsyslog")
        # The events are stored first, with no sink; then the collector restarts with the sink and
        # is stopped while it forwards the backlog.
        collector = self.collector()
        api = collector.api()
        agent = self.agent(collector)
        agent.start(emit=n, exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        stored = self.stored_events(api)
        collector.stop()
        path = os.path.join(self.workdir, "siem.json")
        with open(path, "w") as f:
            json.dump({"sinks": [self.syslog_sink("soc", r, batch_size=20)]}, f)
        collector.extra = ["--siem-config", path]
        collector.start()
        wait_until(lambda: len(r.event_ids()) > 0 or None, 60, "forwarding to begin")
        self.assertEqual(collector.stop(), 0)  # SIGTERM: confirms what it sent, saves the cursor
        at_stop = len(r.event_ids())
        self.assertLess(at_stop, len(stored), "everything was forwarded before the stop; the test proves nothing")
        collector.start()
        wait_until(lambda: len(r.event_ids()) >= len(stored) or None, 300, "the rest after the restart")
        self.assert_exactly_once(r.event_ids(), stored, "after a clean collector restart")

        # SIGKILL during ingest and forwarding: no chance to save; what was sent after the last saved
        # cursor comes again, nothing is missing.
        collector.listen = f"127.0.0.1:{collector.port}"  # the agent's URL stays valid
        agent.start(emit=5000, exit_when_drained=True, extra=["--batch-max-events", "100"])
        wait_until(lambda: len(r.event_ids()) > len(stored) or None, 120, "new events being forwarded")
        collector.process.kill9()
        collector.start()
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        stored = self.stored_events(collector.api())
        wait_until(lambda: len(set(r.event_ids())) >= len(stored) or None, 300, "everything after the kill")
        ids = r.event_ids()
        self.assertEqual(set(ids), set(stored))
        duplicates = len(ids) - len(set(ids))
        print(f"\n  duplicates after SIGKILL of the collector: {duplicates} (at-least-once window)")
        self.assertLessEqual(duplicates, 5000 + 200, "more duplicates than the documented window")

    def test_json_lines_file_rotation_and_https_batches_and_webhook(self):
        n = 3000
        receiver = https_receiver(self, self.pki)
        hook = https_receiver(self, self.pki)
        files = os.path.join(self.workdir, "siem-out", "events.jsonl")
        os.makedirs(os.path.dirname(files))
        collector = self.siem_collector([
            {"name": "archive", "kind": "file", "path": files, "max_bytes": 65536, "keep": 1000},
            {"name": "pipeline", "kind": "http", "url": f"https://localhost:{receiver.server_port}/ingest?x=1",
             "ca_file": self.pki["ca.pem"], "headers": {"Authorization": "Bearer t0ken"}, "batch_size": 250},
            {"name": "incidents", "kind": "http", "url": f"https://localhost:{hook.server_port}/hook",
             "ca_file": self.pki["ca.pem"], "min_severity": "high", "batch_size": 1},
        ])
        api = collector.api()
        receiver.fail.set()  # the endpoint answers 503 at first: retried, not lost
        agent = self.agent(collector)
        agent.start(emit=n, exit_when_drained=True)
        self.assertEqual(agent.process.wait(timeout=300), 0, agent.process.output())
        stored = self.stored_events(api)

        def file_ids():
            """Every id in the files, or None when a rotation renamed a file between the listing and
            the read (the sink shifts events.jsonl.N to .N+1 while it writes)."""
            ids = []
            for path in glob.glob(files + "*"):
                try:
                    with open(path, encoding="utf-8") as f:
                        # The sink may be mid-write: a last line without its newline is not there yet.
                        ids += [json.loads(line)["event.id"] for line in f if line.endswith("\n")]
                except FileNotFoundError:
                    return None
            return ids

        def all_in_files():
            ids = file_ids()
            # A set: a file read under its old and its new name during a shift counts once here.
            return ids is not None and len(set(ids)) >= len(stored)

        wait_until(all_in_files, 120, "every event in the JSON lines files")
        self.assert_exactly_once(file_ids(), stored, "file sink")
        rotated = glob.glob(files + ".*")
        self.assertGreater(len(rotated), 3, "the files were never rotated")
        for path in rotated:
            self.assertLessEqual(os.path.getsize(path), 65536)
        with open(files, encoding="utf-8") as f:
            line = json.loads(f.readline())
        e = stored[line["event.id"]]
        self.assertEqual(line["event.action"], e["type"])
        self.assertEqual(line["host.name"], e["host"])
        self.assertEqual(line["agent.id"], e["agent_id"])
        self.assertEqual(line["log.level"], e["severity"])

        self.assertEqual(receiver.batches, [])
        receiver.fail.clear()

        def http_ids():
            return [json.loads(l)["event.id"] for _, _, body in receiver.batches for l in body.splitlines()]

        wait_until(lambda: len(http_ids()) >= len(stored) or None, 120, "every event at the HTTPS endpoint")
        self.assert_exactly_once(http_ids(), stored, "http sink")
        self.assertEqual({(t, a) for t, a, _ in receiver.batches}, {("application/x-ndjson", "Bearer t0ken")})
        self.assertTrue(all(len(body.splitlines()) <= 250 for _, _, body in receiver.batches))

        serious = {i for i, e in stored.items() if e["severity"] in ("high", "critical")}
        self.assertTrue(serious, "the synthetic events include no high ones; the webhook test proves nothing")
        hook_ids = lambda: [json.loads(body)["event.id"] for _, _, body in hook.batches]
        wait_until(lambda: set(hook_ids()) >= serious or None, 120, "every high event at the webhook")
        self.assert_exactly_once(hook_ids(), serious, "webhook")

    def test_a_bad_siem_config_stops_the_collector_with_the_field_named(self):
        path = os.path.join(self.workdir, "siem.json")
        with open(path, "w") as f:
            json.dump({"sinks": [{"name": "soc", "kind": "syslog", "host": "h", "port": 514, "prot": "x"}]}, f)
        with self.assertRaises(AssertionError) as failed:
            self.collector(extra=["--siem-config", path])
        self.assertIn("/sinks/0/prot: unknown key", str(failed.exception))


if __name__ == "__main__":
    unittest.main()
