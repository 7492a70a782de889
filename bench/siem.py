#!/usr/bin/env python3
"""SIEM forwarding benchmark: prints events/s, not a test.

A collector holding N stored events (uploaded by a real agent) is restarted with one syslog sink
(RFC 5424 + CEF over TCP, octet counting) pointing at Debian's rsyslog on loopback; the figure is N
over the time from the collector's start until rsyslog has written the N-th message. Beside it, the
reference: the same number of messages of the same size written by one Python TCP client straight
into the same rsyslog (what rsyslog itself takes), in the same run.

Usage: bench/siem.py [--events N] [--batch B]   (run after scripts/build.sh; needs rsyslog)
"""

import argparse
import json
import os
import shutil
import socket
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness
from mamori_testkit.rsyslog import Rsyslog


def lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mamori-bench-siem-")
    started = []
    try:
        collector = harness.Collector(work)
        started.append(collector)
        collector.start()
        agent = harness.Agent(work, collector)
        agent.start(emit=args.events, exit_when_drained=True)
        started.append(agent)
        if agent.process.wait(timeout=600) != 0:
            raise SystemExit("the agent failed:\n" + agent.process.output())
        total = collector.api().count()
        collector.stop()

        r = Rsyslog(work, "rsyslog")
        started.append(r)
        r.start()
        config = os.path.join(work, "siem.json")
        with open(config, "w") as f:
            json.dump({"sinks": [{"name": "bench", "kind": "syslog", "host": "127.0.0.1", "port": r.port,
                                  "batch_size": args.batch}], "poll_ms": 50}, f)
        collector.extra = ["--siem-config", config]
        t0 = time.monotonic()
        collector.start()
        harness.wait_until(lambda: lines(r.output) >= total or None, 900, "every event at rsyslog", interval=0.02)
        forwarded = total / (time.monotonic() - t0)
        with open(r.output, "rb") as f:
            size = len(f.readline())
        collector.stop()
        r.stop()

        # Reference: rsyslog fed directly, one connection, same count and message size.
        os.unlink(r.output)
        r.start()
        message = (b"<134>1 2026-11-23T00:48:03.123Z pc mamori - agent.synthetic - " + b"x" * max(0, size - 64))
        frame = str(len(message)).encode() + b" " + message
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", r.port)) as s:
            for start in range(0, total, 1000):
                s.sendall(frame * min(1000, total - start))
        harness.wait_until(lambda: lines(r.output) >= total or None, 900, "reference messages", interval=0.02)
        reference = total / (time.monotonic() - t0)
        r.stop()
        print(f"siem forwarding (syslog/TCP, CEF, batch {args.batch}): {total} events, {forwarded:,.0f} events/s "
              f"(~{size} bytes/message); reference (python client straight into rsyslog): {reference:,.0f} events/s")
    finally:
        for p in started:
            proc = getattr(p, "process", None)
            if proc is not None and proc.running():
                proc.kill9()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
