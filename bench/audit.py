#!/usr/bin/env python3
"""What the audit trail costs an administrative call, and how long `mamorictl audit verify` takes.

For this build and a reference collector binary without the audit trail (`--reference`, e.g. one built
from a commit before 8febf17), on SQLite and on a throwaway PostgreSQL: `--calls` audited calls
(PUT /api/v1/agents/{id}/group, the administrator moving an agent) over one keep-alive HTTPS connection,
median and p99 per call, in `--rounds` alternating rounds so both binaries see the same machine load.
Then `mamorictl audit verify` over the trail those calls left (this build only).

Usage: bench/audit.py --reference /path/to/old/mamori-collector [--calls 1000] [--rounds 3] [--no-postgresql]
"""

import argparse
import http.client
import json
import os
import ssl
import statistics
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mamori_testkit import harness


def start(binary, workdir, db):
    collector = harness.Collector(workdir, name="c-" + harness.uuid_suffix(), db=db, program=binary)
    return collector.start()


def calls(collector, n):
    """Seconds per audited call, n of them on one connection."""
    api = collector.api()
    agent = harness.uuid7()
    status, body = api.json("POST", "/api/v1/enroll", {"enroll_secret": collector.read_secret("enroll.secret"),
                                                       "agent_id": agent, "host": "bench"}, token="")
    assert status == 200, body
    conn = http.client.HTTPSConnection("127.0.0.1", collector.port,
                                       context=ssl.create_default_context(cafile=collector.ca_file), timeout=30)
    headers = {"Authorization": "Bearer " + collector.admin_token, "Content-Type": "application/json"}
    times = []
    for i in range(n):
        started = time.perf_counter()
        conn.request("PUT", f"/api/v1/agents/{agent}/group", body=json.dumps({"group": f"g{i % 5}"}), headers=headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    conn.close()
    return times


def figures(times):
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "build", "bin", "mamori-collector"))
    parser.add_argument("--reference", required=True, help="a mamori-collector without the audit trail")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    harness.BIN_DIR = os.path.dirname(os.path.abspath(args.binary))  # mamorictl beside it

    with tempfile.TemporaryDirectory(prefix="mamori-bench-audit-") as work:
        pg = None
        backends = [("sqlite", lambda name: None)]
        if not args.no_postgresql:
            os.chmod(work, 0o755)  # the PostgreSQL server runs as user postgres and must reach its folder
            pg = harness.ThrowawayPostgres(os.path.join(work, "pg"))
            pg.start()
            backends.append(("postgresql", lambda name: pg.database(name)))
        try:
            print(f"{args.calls} audited calls (PUT agent group) per round, {args.rounds} rounds, ms per call")
            print(f"{'backend':<11} {'binary':<10} {'median':>8} {'p99':>8}")
            for backend, database in backends:
                results = {"this": [], "reference": []}
                last = None
                for round_number in range(args.rounds):
                    for label, binary in (("reference", args.reference), ("this", args.binary)):
                        name = f"bench_audit_{label}_{round_number}_{harness.uuid_suffix()}"
                        collector = start(binary, work, database(name))
                        try:
                            results[label] += calls(collector, args.calls)
                        finally:
                            if label == "this" and round_number == args.rounds - 1:
                                last = collector  # verify below, then stop
                            else:
                                collector.stop()
                for label in ("reference", "this"):
                    median, p99 = figures(results[label])
                    print(f"{backend:<11} {label:<10} {median:>8.2f} {p99:>8.2f}", flush=True)
                try:
                    started = time.perf_counter()
                    code, out, err = last.ctl("audit", "verify")
                    elapsed = time.perf_counter() - started
                finally:
                    last.stop()
                print(f"{backend:<11} mamorictl audit verify: {elapsed:.2f} s, exit {code}: {out.strip().splitlines()[0]}",
                      flush=True)
        finally:
            if pg:
                pg.stop()


if __name__ == "__main__":
    main()
