#!/usr/bin/env python3
"""Connection-layer benchmark of mamori-collector: prints figures, asserts nothing.

For each collector binary given (this build, and a reference such as the previous Poco-based one):
  1. N idle TLS connections (handshake done, no request) held open, for each N of --idle: the time of
     GET /healthz on a new connection (median and worst of --probes; a probe that gets no answer
     within --probe-timeout counts as a failure), the collector's RSS and RSS per idle connection.
  2. Heartbeats per second: --agents enrolled agents, each on its own keep-alive connection in its
     own thread, sending POST /api/v1/heartbeat for --seconds; answers counted by status.
Everything runs on loopback against a collector started here (SQLite in a temporary directory).

Usage: bench/connections.py [--binary build/bin/mamori-collector] [--reference /work/ref-bin/mamori-collector]
                            [--idle 0,16,100,1000,5000] [--agents 16] [--seconds 10]
"""

import argparse
import http.client
import json
import os
import socket
import ssl
import statistics
import tempfile
import threading
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mamori_testkit import harness


def uuid7():
    """Enough of a UUIDv7 for an event id: version 7, variant 10, random rest."""
    raw = bytearray(uuid.uuid4().bytes)
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_collector(binary, workdir, extra=()):
    os.environ["MAMORI_BIN_DIR"] = os.path.dirname(os.path.abspath(binary))
    collector = harness.Collector(workdir, name="c-" + uuid.uuid4().hex[:6], extra=list(extra))
    # harness.binary() looks the name up in MAMORI_BIN_DIR; the reference may be named differently.
    original = harness.binary
    harness.binary = lambda name: os.path.abspath(binary) if name == "mamori-collector" else original(name)
    try:
        collector.start()
    finally:
        harness.binary = original
    return collector


def probe_healthz(collector, context, timeout):
    started = time.monotonic()
    try:
        conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=timeout)
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
        conn.close()
        return (time.monotonic() - started, status == 200)
    except (OSError, http.client.HTTPException):
        return (time.monotonic() - started, False)


def idle_figures(binary, workdir, counts, probes, probe_timeout, extra=()):
    rows = []
    for n in counts:
        collector = start_collector(binary, workdir, extra)
        context = ssl.create_default_context(cafile=collector.ca_file)
        pid = collector.process.pid
        probe_healthz(collector, context, probe_timeout)  # warm up
        base = rss_kib(pid)
        held = []
        opened = 0
        failures = 0
        try:
            # A collector that handshakes only when a thread is free stops completing handshakes: give
            # up opening after three in a row fail (the row shows how many were opened).
            while opened < n and failures < 3:
                try:
                    raw = socket.create_connection(("127.0.0.1", collector.port), timeout=5)
                except OSError:
                    failures += 1
                    continue
                try:
                    held.append(context.wrap_socket(raw, server_hostname="127.0.0.1"))
                    opened += 1
                    failures = 0
                except (OSError, ssl.SSLError):
                    raw.close()
                    failures += 1
            time.sleep(1)  # let the collector settle before reading RSS (a figure, not a test wait)
            rss = rss_kib(pid)
            times = [probe_healthz(collector, context, probe_timeout) for _ in range(probes)]
            ok = [t for t, good in times if good]
            rows.append({"idle": n, "opened": opened, "ok": len(ok), "probes": probes,
                         "median_ms": statistics.median(ok) * 1000 if ok else None,
                         "worst_ms": max(t for t, _ in times) * 1000,
                         "rss_mib": rss / 1024, "kib_per_conn": (rss - base) / opened if opened else None})
        finally:
            for s in held:
                s.close()
            collector.stop()
    return rows


def heartbeat_rate(binary, workdir, agents, seconds):
    collector = start_collector(binary, workdir)
    context = ssl.create_default_context(cafile=collector.ca_file)
    secret = collector.read_secret("enroll.secret")
    keys = []
    for i in range(agents):
        agent_id = str(uuid.uuid4())
        conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=30)
        body = json.dumps({"enroll_secret": secret, "agent_id": agent_id, "host": f"pc-{i}", "os": "bench",
                           "agent_version": "0"})
        conn.request("POST", "/api/v1/enroll", body, {"Content-Type": "application/json"})
        answer = json.loads(conn.getresponse().read())
        conn.close()
        keys.append((agent_id, answer["node_key"]))
    counts = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    cpu_before = cpu_seconds(collector.process.pid)

    def run(agent_id, key):
        conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}
        local = {}
        while time.monotonic() < stop_at:
            beat = json.dumps({"id": uuid7(), "type": "agent.heartbeat",
                               "time": "2026-12-06T09:00:00.000Z", "severity": "info", "agent_id": agent_id,
                               "host": "pc", "user": "", "details": {"agent.heartbeat_interval_ms": 60000}})
            try:
                conn.request("POST", "/api/v1/heartbeat", beat, headers)
                response = conn.getresponse()
                response.read()
                local[response.status] = local.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException):
                local["error"] = local.get("error", 0) + 1
                conn.close()
                conn = http.client.HTTPSConnection("127.0.0.1", collector.port, context=context, timeout=60)
        conn.close()
        with lock:
            for k, v in local.items():
                counts[k] = counts.get(k, 0) + v

    threads = [threading.Thread(target=run, args=key) for key in keys]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(collector.process.pid) - cpu_before
    collector.stop()
    return {"per_s": counts.get(200, 0) / elapsed, "counts": counts, "collector_cpu_s": cpu, "seconds": elapsed}


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "build", "bin", "mamori-collector"))
    parser.add_argument("--reference", default="/work/ref-bin/mamori-collector")
    parser.add_argument("--idle", default="0,16,100,1000,5000")
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--probe-timeout", type=float, default=35)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--collector-arg", action="append", default=[],
                        help="an option for both collectors, e.g. --collector-arg=--idle-timeout=600 so that "
                             "connections opened early are still open when RSS is read")
    args = parser.parse_args()
    counts = [int(n) for n in args.idle.split(",")]
    binaries = [("this build", args.binary)]
    if args.reference and os.access(args.reference, os.X_OK):
        binaries.append(("reference", args.reference))
    else:
        print(f"no reference binary at {args.reference}: figures of this build only")
    workdir = tempfile.mkdtemp(prefix="mamori-bench-conn-")
    for label, binary in binaries:
        print(f"\n== {label}: {binary}")
        print(f"{'idle conns':>10} {'opened':>7} {'healthz ok':>10} {'median ms':>10} {'worst ms':>9} "
              f"{'RSS MiB':>8} {'KiB/conn':>9}")
        for row in idle_figures(binary, workdir, counts, args.probes, args.probe_timeout, args.collector_arg):
            median = f"{row['median_ms']:.1f}" if row["median_ms"] is not None else "-"
            per = f"{row['kib_per_conn']:.1f}" if row["kib_per_conn"] is not None else "-"
            print(f"{row['idle']:>10} {row['opened']:>7} {row['ok']:>4}/{row['probes']:<5} {median:>10} "
                  f"{row['worst_ms']:>9.0f} {row['rss_mib']:>8.1f} {per:>9}", flush=True)
        beats = heartbeat_rate(binary, workdir, args.agents, args.seconds)
        print(f"heartbeats: {beats['per_s']:.0f}/s over {beats['seconds']:.1f} s from {args.agents} keep-alive "
              f"clients; answers {beats['counts']}; collector CPU {beats['collector_cpu_s']:.1f} s")


if __name__ == "__main__":
    main()
