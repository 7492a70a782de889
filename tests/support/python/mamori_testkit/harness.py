"""Test harness for real mamori processes: a collector over TLS on a port-0 loopback socket, agents
enrolled to it, and an HTTPS client that pins the collector's certificate.

Every process is started by the test and stopped by PID; nothing else on the machine is touched.
Waits poll a condition with a deadline; there are no bare sleeps.
"""

import gzip
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse

BIN_DIR = os.environ.get("MAMORI_BIN_DIR", "")
# The repository's top folder (this file is tests/support/python/mamori_testkit/harness.py).
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))


def binary(name):
    path = os.path.join(BIN_DIR, name)
    if not BIN_DIR or not os.access(path, os.X_OK):
        raise RuntimeError(f"{name} not found: set MAMORI_BIN_DIR to build/bin (scripts/test.sh does)")
    return path


def load_average():
    """'1.2 on 2 cores': the one-minute load, printed beside a benchmark's figures (a shared machine's noise)."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def wait_until(condition, timeout, what, interval=0.05):
    """Polls condition() until it returns a truthy value; fails the test with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)  # polling interval of a deadline wait, not a bare sleep
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def mamorictl(*args, check=None, timeout=60):
    """Runs mamorictl; returns (exit code, stdout, stderr). check: the exit code expected, if any."""
    done = subprocess.run([binary("mamorictl"), *args], capture_output=True, text=True, timeout=timeout)
    if check is not None and done.returncode != check:
        raise AssertionError(f"mamorictl {' '.join(args)} exited {done.returncode}, expected {check}:\n"
                             f"{done.stdout}{done.stderr}")
    return done.returncode, done.stdout, done.stderr


class Process:
    """A child process with its stderr captured to a file, stopped by PID only."""

    def __init__(self, args, log_path, env=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM, wait; returns the exit code."""
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.args[0]} did not stop within {timeout}s of SIGTERM")
        finally:
            self.log.close()

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is not None:
                self.log.close()

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Collector:
    def __init__(self, workdir, name="collector", db=None, listen="127.0.0.1:0", state_dir=None, extra=(),
                 program=None, log_level="info"):
        """program: another mamori-collector binary (a benchmark's reference); default MAMORI_BIN_DIR's."""
        self.program = program
        self.log_level = log_level
        self.state_dir = state_dir or os.path.join(workdir, name)
        self.workdir = workdir
        self.name = name
        self.db = db
        self.listen = listen
        self.extra = list(extra)
        self.port_file = os.path.join(workdir, name + ".port")
        self.process = None
        self.port = None

    def start(self, timeout=30):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        args = [self.program or binary("mamori-collector"), "--state-dir", self.state_dir, "--listen", self.listen,
                "--port-file", self.port_file, "--log-level", self.log_level]
        if self.db:
            args += ["--db", self.db]
        args += self.extra
        self.process = Process(args, os.path.join(self.workdir, self.name + ".log"))

        def port_written():
            if not self.process.running():
                raise AssertionError("collector exited early:\n" + self.process.output())
            try:
                with open(self.port_file) as f:
                    text = f.read()
                return int(text) if text.endswith("\n") else None
            except (FileNotFoundError, ValueError):
                return None

        self.port = wait_until(port_written, timeout, "the collector's port file")
        return self

    def stop(self):
        code = self.process.stop()
        self.process = None
        return code

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self):
        return self._option("--cert", os.path.join(self.state_dir, "tls", "collector.crt"))

    def read_secret(self, name):
        with open(os.path.join(self.state_dir, name)) as f:
            return f.read().strip()

    @property
    def admin_token(self):
        with open(self._option("--admin-token-file", os.path.join(self.state_dir, "admin.token"))) as f:
            return f.read().strip()

    def _option(self, name, default):
        return self.extra[self.extra.index(name) + 1] if name in self.extra else default

    @property
    def policy_key_file(self):
        return self._option("--policy-key-file", os.path.join(self.state_dir, "policy-signing.key"))

    @property
    def admin_token_file(self):
        return self._option("--admin-token-file", os.path.join(self.state_dir, "admin.token"))

    def ctl(self, *args, check=None, timeout=60):
        """Runs mamorictl against this collector; returns (exit code, stdout, stderr)."""
        return mamorictl("--collector", self.url, "--ca-file", self.ca_file, "--token-file", self.admin_token_file,
                         *args, check=check, timeout=timeout)

    @property
    def enroll_secret_file(self):
        return self._option("--enroll-secret-file", os.path.join(self.state_dir, "enroll.secret"))

    def api(self):
        return Api(self.url, self.ca_file, self.admin_token)


class Api:
    """HTTPS client pinned to the collector's certificate."""

    def __init__(self, url, ca_file, token=None):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.context = ssl.create_default_context(cafile=ca_file)
        self.token = token

    def request(self, method, path, body=None, headers=None, token=None, timeout=30):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)
        try:
            hdrs = dict(headers or {})
            bearer = token if token is not None else self.token
            if bearer:
                hdrs["Authorization"] = "Bearer " + bearer
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None, token=None):
        status, data = self.request(method, path, body, headers, token)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data

    def events(self, **filters):
        """All events matching the filters, following next_cursor to the end."""
        out = []
        cursor = None
        while True:
            query = {k: v for k, v in filters.items() if v is not None}
            query["limit"] = 10000
            if cursor:
                query["cursor"] = cursor
            status, body = self.json("GET", "/api/v1/events?" + urllib.parse.urlencode(query))
            if status != 200:
                raise AssertionError(f"GET /api/v1/events answered {status}: {body!r}")
            out.extend(body["events"])
            cursor = body.get("next_cursor")
            if not cursor or not body["events"]:
                return out

    def count(self, **filters):
        return len(self.events(**filters))

    def agents(self):
        status, body = self.json("GET", "/api/v1/agents")
        if status != 200:
            raise AssertionError(f"GET /api/v1/agents answered {status}: {body!r}")
        return body["agents"]


class Agent:
    def __init__(self, workdir, collector, name="agent", extra=()):
        self.workdir = workdir
        self.collector = collector
        self.name = name
        self.state_dir = os.path.join(workdir, name)
        self.extra = list(extra)
        self.process = None
        self.runs = 0

    def start(self, emit=None, exit_when_drained=False, extra=(), collector=None):
        collector = collector or self.collector
        self.runs += 1
        args = [binary("mamori-agent"), "--state-dir", self.state_dir, "--collector", collector.url,
                "--ca-file", collector.ca_file, "--enroll-secret-file", collector.enroll_secret_file,
                "--log-level", "info"]
        if emit is not None:
            args += ["--emit-synthetic", str(emit)]
        if exit_when_drained:
            args.append("--exit-when-drained")
        args += self.extra + list(extra)
        if not any(a.startswith("--p2p-") for a in args):
            # The P2P guard kills processes: only tests that confine it (--p2p-scope) turn it on.
            args += ["--p2p-guard", "off"]
        if not any(a.startswith("--desktop-notices") or a.startswith("--user-runtime-root") for a in args):
            # Never notify the desktop of whoever runs the tests; tests of notices bring their own bus.
            args += ["--desktop-notices", "off"]
        self.process = Process(args, os.path.join(self.workdir, f"{self.name}.{self.runs}.log"))
        return self

    def identity(self):
        with open(os.path.join(self.state_dir, "identity.json")) as f:
            return json.load(f)

    @property
    def spool_path(self):
        return os.path.join(self.state_dir, "spool.db")


def kill9_mid_upload(agent, api, n):
    """Waits until the agent has spooled all n synthetic events, then SIGKILLs it while it uploads.
    Returns how many the collector held at that moment (fewer than n, or the test proves nothing)."""
    wait_until(lambda: f"synthetic: {n} events spooled" in agent.process.output() or None, 120,
               "the agent to spool every synthetic event")
    agent.process.kill9()
    stored = api.count(type="agent.synthetic")
    if stored >= n:
        raise AssertionError("the agent delivered everything before it could be killed; the test proves nothing")
    return stored


def synthetic_seqs(events):
    return [e["details"]["synthetic.seq"] for e in events if e["type"] == "agent.synthetic"]


class MamoriTestCase(unittest.TestCase):
    """Gives each test a fresh work directory and stops what the test started."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="mamori-it-")
        self._processes = []

    def tearDown(self):
        for p in self._processes:
            if p.process is not None and p.process.running():
                p.process.kill9()
        if os.environ.get("MAMORI_KEEP_TEST_DIRS"):
            print(f"kept {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def collector(self, **kwargs):
        c = Collector(self.workdir, **kwargs)
        self._processes.append(c)
        return c.start()

    def agent(self, collector, **kwargs):
        a = Agent(self.workdir, collector, **kwargs)
        self._processes.append(a)
        return a

    def assertExactlySynthetic(self, api, n, agent_id=None):
        events = api.events(type="agent.synthetic", agent=agent_id)
        ids = [e["id"] for e in events]
        self.assertEqual(len(ids), len(set(ids)), "an event id is stored twice")
        seqs = synthetic_seqs(events)
        self.assertEqual(len(seqs), n, f"expected {n} synthetic events, the collector holds {len(seqs)}")
        self.assertEqual(sorted(seqs), list(range(1, n + 1)), "synthetic sequence numbers are missing or repeated")
        return events


def gzip_bytes(data):
    return gzip.compress(data)


class ThrowawayPostgres:
    """A private PostgreSQL cluster from scripts/pg-throwaway.sh, for benchmarks (tests use the one
    scripts/test.sh starts). start() returns its URL; database(name) makes a fresh database there."""

    SCRIPT = os.path.join(REPO, "scripts", "pg-throwaway.sh")

    def __init__(self, folder):
        self.folder = folder
        self.url = None

    def start(self):
        env = subprocess.run([self.SCRIPT, "start", self.folder], check=True, capture_output=True, text=True).stdout
        self.url = [line.split("=", 1)[1] for line in env.splitlines() if "MAMORI_TEST_PG_URL" in line][0]
        return self.url

    def database(self, name):
        subprocess.run(["psql", self.url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self):
        if self.url:
            subprocess.run([self.SCRIPT, "stop", self.folder], capture_output=True)
            self.url = None


def postgres_database(test, name):
    """A fresh database in the throwaway cluster scripts/test.sh started; fails (never skips) without it."""
    base = os.environ.get("MAMORI_TEST_PG_URL")
    if not base:
        raise AssertionError("MAMORI_TEST_PG_URL is not set: run through scripts/test.sh, which starts PostgreSQL")
    db = f"{name}_{os.getpid()}_{uuid_suffix()}"
    subprocess.run(["psql", base, "-q", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
    test.addCleanup(lambda: subprocess.run(["psql", base, "-q", "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"],
                                           capture_output=True))
    return base.rsplit("/", 1)[0] + "/" + db


def uuid7(ms=None):
    """A UUIDv7 made at ms (Unix milliseconds; default now): the time first, version 7, variant 10, random rest.
    The collector partitions and ages events by this time (docs/decisions/0015)."""
    if ms is None:
        ms = int(time.time() * 1000)
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid_suffix():
    import uuid
    return uuid.uuid4().hex[:8]


def require_root(test):
    if os.geteuid() != 0:
        raise AssertionError("this test needs root (mounts a tmpfs); CI runs as root")
