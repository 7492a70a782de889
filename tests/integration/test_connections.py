"""The collector's connection layer against hostile clients: idle TLS connections and slowloris
headers held open must not delay a real agent's upload nor a health check, and the collector's own
deadlines must close them (counted in /metrics). Everything is on loopback and bounded."""

import re
import socket
import ssl
import threading
import time

from mamori_testkit.harness import MamoriTestCase, wait_until

IDLE = 300
SLOWLORIS = 100
SILENT = 20  # TCP connections that never send a TLS hello
# Short enough for a bounded test, long enough to hold the attackers open while the agent uploads.
IDLE_TIMEOUT = 12
HEADER_TIMEOUT = 14


def metric(text, name, labels=""):
    """The value of one sample of the Prometheus text, or 0 when it is absent."""
    pattern = "^" + re.escape(name + (("{" + labels + "}") if labels else "")) + r" (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class ConnectionLayerTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.sockets = []
        self.stop_trickle = threading.Event()
        self.addCleanup(self.close_sockets)

    def close_sockets(self):
        self.stop_trickle.set()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass
        self.sockets.clear()

    def open_tls(self, port, context):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.sockets.append(tls)
        return tls

    def metrics(self, api):
        status, text = api.request("GET", "/metrics", token="", timeout=10)
        self.assertEqual(status, 200)
        return text.decode()

    def test_idle_and_slowloris_connections_do_not_stall_an_agent_and_are_closed_by_deadlines(self):
        collector = self.collector(extra=["--idle-timeout", str(IDLE_TIMEOUT), "--header-timeout",
                                          str(HEADER_TIMEOUT), "--handshake-timeout", "5"])
        api = collector.api()
        context = ssl.create_default_context(cafile=collector.ca_file)

        # 300 connections that finish the TLS handshake and then say nothing.
        for _ in range(IDLE):
            self.open_tls(collector.port, context)
        # 100 that start a request and send one more header line every second, never the end.
        slow = []
        for i in range(SLOWLORIS):
            tls = self.open_tls(collector.port, context)
            tls.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(tls)

        def trickle():
            n = 0
            while not self.stop_trickle.wait(1.0):
                n += 1
                for tls in slow:
                    try:
                        tls.sendall(f"X-Slow-{n}: x\r\n".encode())
                    except OSError:
                        pass  # closed by the collector's header deadline: what the test expects

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        self.addCleanup(trickler.join, 5)
        held_since = time.monotonic()
        text = self.metrics(api)
        self.assertGreaterEqual(metric(text, "mamori_connections_open"), IDLE + SLOWLORIS,
                                "the attackers' connections should all be open")

        # While they are held: a health check on a new connection, and a real agent's upload.
        started = time.monotonic()
        status, body = api.request("GET", "/healthz", token="", timeout=5)
        health_seconds = time.monotonic() - started
        self.assertEqual((status, body), (200, b"ok\n"))
        self.assertLess(health_seconds, 3, "/healthz on a new connection was delayed")

        agent = self.agent(collector)
        started = time.monotonic()
        agent.start(emit=200)
        wait_until(lambda: api.count(type="agent.synthetic") >= 200 or None, 20,
                   "the agent's events at the collector while the attackers are held")
        upload_seconds = time.monotonic() - started
        self.assertExactlySynthetic(api, 200)
        self.assertLess(time.monotonic() - held_since, IDLE_TIMEOUT,
                        "the attackers were no longer all held when the agent delivered: the test proves nothing")
        print(f"\n  with {IDLE} idle + {SLOWLORIS} slowloris connections: /healthz {health_seconds * 1000:.0f} ms, "
              f"agent start to 200 events stored {upload_seconds:.1f} s")

        # The collector's deadlines close them: idle ones at the idle timeout, slowloris ones at the
        # header deadline, however regularly they trickle.
        def closed():
            text = self.metrics(api)
            idle = metric(text, "mamori_connections_closed_total", 'reason="idle"')
            header = metric(text, "mamori_connections_closed_total", 'reason="header_deadline"')
            return (idle, header) if idle >= IDLE and header >= SLOWLORIS else None

        idle_closed, header_closed = wait_until(closed, IDLE_TIMEOUT + HEADER_TIMEOUT + 20,
                                                "the collector to close the idle and slowloris connections")
        text = self.metrics(api)
        self.assertLess(metric(text, "mamori_connections_open"), 10)
        for tls in self.sockets[:5] + slow[:5]:
            tls.settimeout(5)
            try:
                self.assertEqual(tls.recv(1), b"", "the collector should have closed this connection")
            except (ConnectionResetError, ssl.SSLError):
                pass  # closed with a reset: closed as well
        self.assertEqual(agent.process.stop(), 0)
        print(f"  closed by the collector: {idle_closed:.0f} idle, {header_closed:.0f} at the header deadline")

    def test_sigterm_does_not_wait_for_connections_that_never_said_hello(self):
        # A fleet's collector always has some: HAProxy's health checks, PCs that just connected,
        # port scanners. Stopping it (a rolling restart, the outage of bench/fleet.py) must close them
        # at once, not keep each until its handshake deadline.
        handshake_timeout = 20
        collector = self.collector(extra=["--handshake-timeout", str(handshake_timeout)])
        api = collector.api()
        for _ in range(SILENT):
            self.sockets.append(socket.create_connection(("127.0.0.1", collector.port), timeout=10))
        wait_until(lambda: metric(self.metrics(api), "mamori_connections_open") >= SILENT, 15,
                   "the silent connections to be accepted")
        started = time.monotonic()
        self.assertEqual(collector.stop(), 0)
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, handshake_timeout / 2,
                        f"SIGTERM took {elapsed:.1f} s: closed connections were kept until their hello deadline")


if __name__ == "__main__":
    import unittest
    unittest.main()
