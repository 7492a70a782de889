#!/usr/bin/env python3
"""Ingest benchmark: prints events/s, not a test.

  1. Storage path alone (mamori-bench-store: EventStore, no HTTP, no JSON) into SQLite and PostgreSQL,
     beside the reference: the same number of rows inserted by the database's own CLI (sqlite3, psql)
     in one statement per batch, into a table of the same shape, in the same run.
  2. End to end over keep-alive HTTPS: K agents whose spools were filled while the collector was down
     drain into one collector; events/s over wall time, and events per CPU-second of the collector.

Goals (issue 2): >= 100,000 events/s on the SQLite storage path; >= 20,000 events/s per core over HTTPS.
Usage: bench/ingest.py [--events N] [--agents K] [--no-postgresql]   (run after scripts/build.sh)
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness

# The same shape and indexes as the collector's events table (collector/store/Migrations.cpp).
REFERENCE_SCHEMA = ("CREATE TABLE ref_events (id TEXT PRIMARY KEY, agent_id TEXT, host TEXT, user_name TEXT, "
                    "time_ms BIGINT, type TEXT, severity INT, details TEXT, received_ms BIGINT); "
                    "CREATE INDEX ref_type_id ON ref_events (type, id); "
                    "CREATE INDEX ref_agent_id ON ref_events (agent_id, id); "
                    "CREATE INDEX ref_time ON ref_events (time_ms)")


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def store_bench(db, events, batch):
    """events/s of mamori-bench-store, which prints `key=value` pairs (events_per_s=...)."""
    out = run([harness.binary("mamori-bench-store"), "--db", db, "--events", str(events), "--batch", str(batch)])
    fields = dict(item.split("=", 1) for item in out.stdout.split() if "=" in item)
    if "events_per_s" not in fields:
        raise RuntimeError("mamori-bench-store printed no figure:\n" + out.stdout)
    return float(fields["events_per_s"])


def reference_sql(events, batch, dialect):
    """One INSERT ... SELECT over a generated series per batch, each batch in its own transaction."""
    if dialect == "sqlite":
        series, v, event_id = "generate_series({a}, {b})", "value", "printf('%036d', value)"
    else:
        series, v, event_id = "generate_series({a}, {b}) AS g(v)", "v", "lpad(v::text, 36, '0')"
    lines = []
    for start in range(0, events, batch):
        end = min(start + batch, events) - 1
        lines.append("BEGIN;")
        lines.append(
            f"INSERT INTO ref_events SELECT {event_id}, 'agent-1', 'pc-1', 'taro', 1763866083123 + {v}, "
            f"'agent.synthetic', {v} % 5, "
            f"'{{\"synthetic.seq\":' || {v} || ',\"file.path\":\"/home/taro/Documents/plan.docx\"}}', "
            f"1763866083123 FROM {series.format(a=start, b=end)};")
        lines.append("COMMIT;")
    return "\n".join(lines)


def sqlite_reference(workdir, events, batch):
    path = os.path.join(workdir, "reference.db")
    run(["sqlite3", path, f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; {REFERENCE_SCHEMA};"])
    sql = "PRAGMA synchronous=NORMAL;\n" + reference_sql(events, batch, "sqlite")
    t0 = time.monotonic()
    run(["sqlite3", path], input=sql)
    return events / (time.monotonic() - t0)


def postgres_reference(url, events, batch):
    run(["psql", url, "-q", "-c", REFERENCE_SCHEMA])
    sql = reference_sql(events, batch, "postgresql")
    t0 = time.monotonic()
    run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], input=sql)
    return events / (time.monotonic() - t0)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_to_end(workdir, db, agents, per_agent):
    workdir = tempfile.mkdtemp(prefix="e2e-", dir=workdir)  # fresh collector and agent state per run
    collector = harness.Collector(workdir, name="bench-collector", db=db).start(timeout=60)
    port = collector.port
    fleet = [harness.Agent(workdir, collector, name=f"bench-agent-{i}") for i in range(agents)]
    # Fill the spools while the collector is down, so the timed part is upload + ingest only.
    collector.stop()
    for a in fleet:
        a.start(emit=per_agent)
    for a in fleet:
        harness.wait_until(lambda a=a: "synthetic: " in a.process.output() or None, 300, "spooling")
        a.process.stop()
    collector.listen = f"127.0.0.1:{port}"
    collector.start(timeout=60)
    cpu0 = cpu_seconds(collector.process.pid)
    t0 = time.monotonic()
    for a in fleet:
        a.start(exit_when_drained=True)
    for a in fleet:
        if a.process.wait(timeout=900) != 0:
            raise RuntimeError("agent failed:\n" + a.process.output())
    wall = time.monotonic() - t0
    cpu = cpu_seconds(collector.process.pid) - cpu0
    stored = collector.api().count(type="agent.synthetic")
    collector.stop()
    total = agents * per_agent
    if stored != total:
        raise RuntimeError(f"expected {total} events stored, found {stored}")
    return total / wall, total / cpu if cpu > 0 else float("inf")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="events per storage run (default 200000)")
    parser.add_argument("--batch", type=int, default=2000, help="events per transaction/batch (default 2000)")
    parser.add_argument("--agents", type=int, default=4, help="agents in the end-to-end run (default 4)")
    parser.add_argument("--per-agent", type=int, default=50_000, help="events per agent (default 50000)")
    parser.add_argument("--no-postgresql", action="store_true", help="skip PostgreSQL runs")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="mamori-bench-")
    os.chmod(workdir, 0o755)  # the PostgreSQL server runs as user postgres and must reach its folder
    pg = harness.ThrowawayPostgres(os.path.join(workdir, "pg"))
    pg_url = None
    try:
        if not args.no_postgresql:
            pg_url = pg.start()
        rows = []
        sqlite_db = "sqlite:" + os.path.join(workdir, "store.db")
        rows.append(("storage path, SQLite", store_bench(sqlite_db, args.events, args.batch),
                     "sqlite3 CLI", sqlite_reference(workdir, args.events, args.batch)))
        if pg_url:
            rows.append(("storage path, PostgreSQL", store_bench(pg_url, args.events, args.batch),
                         "psql", postgres_reference(pg_url, args.events, args.batch)))
        e2e = [("HTTPS end to end, SQLite", end_to_end(workdir, None, args.agents, args.per_agent))]
        if pg_url:
            e2e.append(("HTTPS end to end, PostgreSQL",
                        end_to_end(workdir, pg.database("bench_e2e"), args.agents, args.per_agent)))

        print(f"\nmamori ingest benchmark ({os.cpu_count()} cores, {args.events} events per storage run, "
              f"batch {args.batch}; {args.agents} agents x {args.per_agent} events end to end)\n")
        print(f"{'path':34} {'mamori events/s':>16} {'reference':>14} {'ref events/s':>14} {'ratio':>7}")
        for name, ours, ref_name, ref in rows:
            print(f"{name:34} {ours:16,.0f} {ref_name:>14} {ref:14,.0f} {ours / ref:7.2f}")
        print(f"\n{'path':34} {'events/s (wall)':>16} {'per collector CPU-second':>26}")
        for name, (wall, per_cpu) in e2e:
            print(f"{name:34} {wall:16,.0f} {per_cpu:26,.0f}")
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
