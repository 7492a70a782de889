"""The fleet deployment (docs/install.md): two stateless collectors on one PostgreSQL behind HAProxy in TCP
mode with a TLS health check on /healthz. One collector is killed with SIGKILL while agents upload: every
agent carries on through the other, and the database ends up with every event exactly once."""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import unittest
import urllib.request

from mamori_testkit.harness import Api, MamoriTestCase, Process, binary, postgres_database, uuid7, wait_until

AGENTS = 4
PER_AGENT = 20_000
# HAProxy connects to the collectors from this address and puts a PROXY v2 header before each
# connection (docs/examples/haproxy.cfg); the collectors believe headers from it alone.
BALANCER = "127.0.0.9"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(collector, name, **labels):
    """One value from the collector's /metrics (0 when the series is absent)."""
    context = ssl.create_default_context(cafile=collector.ca_file)
    with urllib.request.urlopen(collector.url + "/metrics", context=context, timeout=10) as r:
        text = r.read().decode()
    want = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return 0.0


class HaproxyFailoverTest(MamoriTestCase):
    def start_haproxy(self, backends):
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not os.access(haproxy, os.X_OK):
            raise AssertionError("haproxy is not installed (scripts/bootstrap.sh --test installs it)")
        # HAProxy cannot report a port it picked itself: take a free one and retry if it was taken meanwhile.
        for attempt in range(5):
            port = free_port()
            config = os.path.join(self.workdir, "haproxy.cfg")
            servers = "\n".join(f"    server {name} 127.0.0.1:{c.port}" for name, c in backends.items())
            with open(config, "w") as f:
                f.write(f"""global
    maxconn 1000
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend mamori
    bind 127.0.0.1:{port}
    default_backend collectors
backend collectors
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz
    http-check expect status 200
    source {BALANCER}
    default-server check check-ssl verify none inter 300ms fall 2 rise 1 on-marked-down shutdown-sessions send-proxy-v2 check-send-proxy
{servers}
""")
            process = Process([haproxy, "-db", "-f", config], os.path.join(self.workdir, f"haproxy.{attempt}.log"))

            def listening():
                if not process.running():
                    return "exited"
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    return "up"
                except OSError:
                    return None

            state = wait_until(listening, 15, "haproxy to listen")
            if state == "up":
                self.addCleanup(lambda p=process: p.stop() if p.running() else None)
                return port, process
        raise AssertionError("haproxy did not start:\n" + process.output())

    def shared_pair(self, db):
        """Two collectors on one database with the same certificate, enroll secret, admin token and policy key."""
        first = self.collector(name="collector-a", db=db)
        shared = ["--enroll-secret-file", first.enroll_secret_file, "--admin-token-file", first.admin_token_file,
                  "--policy-key-file", first.policy_key_file,
                  "--cert", first.ca_file, "--key", os.path.join(first.state_dir, "tls", "collector.key"),
                  # As docs/install.md says for HAProxy: its PROXY header names each client, so the
                  # per-address handshake gate keeps its default.
                  "--proxy-protocol-from", BALANCER]
        first.stop()
        first.extra = list(shared)
        first.start()
        return first, self.collector(name="collector-b", db=db, extra=shared)

    def test_two_collectors_with_the_same_files_are_interchangeable(self):
        db = postgres_database(self, "interchange")
        a, b = self.shared_pair(db)
        # Enrolled through A; events and heartbeats through B with the node key A issued.
        agent_id = uuid7()
        status, enrolled = a.api().json("POST", "/api/v1/enroll", {
            "enroll_secret": a.read_secret("enroll.secret"), "agent_id": agent_id, "host": "pc-1", "os": "test",
            "agent_version": "0"}, token="")
        self.assertEqual(status, 200, enrolled)
        event = {"id": uuid7(), "type": "test.event", "time": "2026-12-01T00:00:00.000Z", "severity": "low",
                 "agent_id": agent_id, "host": "pc-1", "user": "u", "details": {}}
        status, body = b.api().json("POST", "/api/v1/events", {"events": [event]}, token=enrolled["node_key"])
        self.assertEqual((status, body["accepted"]), (200, 1), body)
        beat = dict(event, id=uuid7(), type="agent.heartbeat", details={"agent.heartbeat_interval_ms": 1000})
        self.assertEqual(b.api().json("POST", "/api/v1/heartbeat", beat, token=enrolled["node_key"])[0], 200)
        # The admin token of one is the admin token of the other; both see the heartbeat B batched.
        wait_until(lambda: [x for x in a.api().agents() if x["agent_id"] == agent_id and
                            x["heartbeat_interval_ms"] == 1000], 15, "A to list the heartbeat B received")
        # The policy key pinned at enrollment through A is the one B signs with.
        status, enrolled_b = b.api().json("POST", "/api/v1/enroll", {
            "enroll_secret": a.read_secret("enroll.secret"), "agent_id": uuid7(), "host": "pc-2"}, token="")
        self.assertEqual(status, 200, enrolled_b)
        self.assertEqual(enrolled_b["policy_key_id"], enrolled["policy_key_id"])
        # A console session signed in on A is valid on B (sessions live in the database).
        added = subprocess.run([binary("mamori-collector"), "user", "add", "ops", "--role", "viewer", "--db", db],
                               input="correct horse battery\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(added.returncode, 0, added.stderr)
        context = ssl.create_default_context(cafile=a.ca_file)
        conn = http.client.HTTPSConnection("127.0.0.1", a.port, context=context, timeout=30)
        conn.request("POST", "/api/v1/session", body=json.dumps({"user": "ops", "password": "correct horse battery"}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 200)
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        conn.close()
        conn = http.client.HTTPSConnection("127.0.0.1", b.port, context=context, timeout=30)
        conn.request("GET", "/api/v1/session", headers={"Cookie": cookie})
        response = conn.getresponse()
        session = json.loads(response.read())
        conn.close()
        self.assertEqual((response.status, session.get("user")), (200, "ops"), session)

    def test_kill9_of_one_collector_every_agent_fails_over_nothing_lost_or_duplicated(self):
        first, second = self.shared_pair(postgres_database(self, "failover"))
        port, _ = self.start_haproxy({"a": first, "b": second})

        class Front:  # what the agents see: HAProxy's address, the collectors' certificate and secret
            url = f"https://127.0.0.1:{port}"
            ca_file = first.ca_file
            enroll_secret_file = first.enroll_secret_file

        agents = []
        for i in range(AGENTS):
            agent = self.agent(Front, name=f"agent-{i}")
            agent.start(emit=PER_AGENT, exit_when_drained=True,
                        extra=["--heartbeat-interval", "1", "--batch-max-events", "200"])
            agents.append(agent)

        # Mid-run: both collectors have stored events (round robin spread the agents), not all are in.
        api = second.api()
        total = AGENTS * PER_AGENT
        wait_until(lambda: metric(first, "mamori_events_stored_total") > 0 and
                   metric(second, "mamori_events_stored_total") > 0 and
                   api.count(type="agent.synthetic") >= total // 10, 120, "both collectors to store events")
        stored_at_kill = api.count(type="agent.synthetic")
        first.process.kill9()
        first.process = None
        self.assertLess(stored_at_kill, total, "everything was delivered before the kill; the test proves nothing")
        print(f"collector-a killed with {stored_at_kill} of {total} events stored", flush=True)

        for agent in agents:
            self.assertEqual(agent.process.wait(timeout=240), 0, agent.process.output())
        agent_ids = [agent.identity()["agent_id"] for agent in agents]
        for agent_id in agent_ids:
            self.assertExactlySynthetic(api, PER_AGENT, agent_id=agent_id)
        self.assertEqual(api.count(type="agent.synthetic"), total)
        # Heartbeats went through the survivor's batches and every agent is listed as seen.
        listed = {a["agent_id"]: a for a in api.agents()}
        self.assertEqual(sorted(listed), sorted(agent_ids))
        self.assertGreater(metric(second, "mamori_heartbeat_agents_written_total"), 0)

        # The audit trail names the administrator's own address, not HAProxy's: a read of the trail
        # through HAProxy is the next record, seen by the read after it.
        through = Api(Front.url, first.ca_file, second.admin_token)
        for _ in range(2):
            status, body = through.json("GET", "/api/v1/audit?order=desc&limit=1")
            self.assertEqual(status, 200, body)
        self.assertEqual(body["records"][0]["address"], "127.0.0.1", body)


if __name__ == "__main__":
    unittest.main()
