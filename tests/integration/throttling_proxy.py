"""A TLS proxy in front of a real collector that plays a saturated collector: the first N requests to
chosen paths are answered `503` (or `429`) with a Retry-After header at once, everything after that is
forwarded to the collector and its answer relayed. It presents the collector's own certificate, so
the agent's pinning is unchanged, and it logs every request and every connection the client closes,
with times, for the test to judge the agent's manners.

Runs in the test's process on 127.0.0.1, port 0; one thread per client connection.
"""

import http.client
import json
import socket
import socketserver
import ssl
import threading
import time

MAX_HEADER_BYTES = 64 * 1024


class ThrottlingProxy:
    def __init__(self, collector, throttle, retry_after="3", status=503):
        """throttle: {path: how many requests to refuse first}; retry_after: the header's value, or a
        function that makes it at the moment of the answer (an HTTP-date relative to then)."""
        self.collector = collector
        self.remaining = dict(throttle)
        self.retry_after = retry_after
        self.status = status
        self.lock = threading.Lock()
        self.requests = []  # {"t", "conn", "method", "path", "status"}
        self.closed_by_client = {}  # conn id -> time the client closed it
        self.open_connections = set()
        self._next_conn = 0
        self.server = None
        self.port = None

    # The attributes harness.Agent reads from a collector.
    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self):
        return self.collector.ca_file

    @property
    def enroll_secret_file(self):
        return self.collector.enroll_secret_file

    def start(self):
        proxy = self
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(self.collector.ca_file, self.collector.ca_file.replace(".crt", ".key"))

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                proxy._serve(tls, self.request)

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def log(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def idle(self):
        """True when no client connection is open."""
        with self.lock:
            return not self.open_connections

    def _serve(self, tls, raw):
        with self.lock:
            conn_id = self._next_conn
            self._next_conn += 1
            self.open_connections.add(conn_id)
        upstream = None
        try:
            sock = tls.wrap_socket(raw, server_side=True)
            reader = sock.makefile("rb")
            while True:
                request = self._read_request(reader)
                if request is None:
                    break  # the client closed the connection
                method, path, headers, body = request
                arrived = time.monotonic()
                status, reply_headers, reply = self._answer(method, path, headers, body, upstream)
                if status is None:  # forwarded: keep the upstream connection for the next one
                    upstream, (status, reply_headers, reply) = reply
                with self.lock:
                    self.requests.append({"t": arrived, "conn": conn_id, "method": method, "path": path,
                                          "status": status})
                head = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'Status')}",
                        f"Content-Length: {len(reply)}"] + [f"{k}: {v}" for k, v in reply_headers]
                sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + reply)
                if headers.get("connection", "").lower() == "close":
                    break
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            with self.lock:
                self.open_connections.discard(conn_id)
                self.closed_by_client[conn_id] = time.monotonic()
            if upstream:
                upstream.close()
            raw.close()

    def _read_request(self, reader):
        line = reader.readline(MAX_HEADER_BYTES)
        if not line:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            line = reader.readline(MAX_HEADER_BYTES)
            if line in (b"\r\n", b"\n", b""):
                break
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return method, path, headers, body

    def _answer(self, method, path, headers, body, upstream):
        with self.lock:
            refuse = self.remaining.get(path, 0) > 0
            if refuse:
                self.remaining[path] -= 1
        if refuse:
            reply = json.dumps({"error": "the collector is saturated", "where": ""}).encode()
            value = self.retry_after() if callable(self.retry_after) else self.retry_after
            return self.status, [("Content-Type", "application/json"), ("Retry-After", value)], reply
        if upstream is None:
            context = ssl.create_default_context(cafile=self.collector.ca_file)
            upstream = http.client.HTTPSConnection("127.0.0.1", self.collector.port, context=context, timeout=30)
        forward = {k: v for k, v in headers.items() if k in ("content-type", "content-encoding", "authorization")}
        upstream.request(method, path, body=body if body else None, headers=forward)
        answer = upstream.getresponse()
        reply = answer.read()
        keep = [(k, v) for k, v in answer.getheaders() if k.lower() in ("content-type", "retry-after")]
        return None, None, (upstream, (answer.status, keep, reply))
