#!/usr/bin/env python3
"""Fleet benchmark: prints figures, not a test.

Starts a collector in a temporary state folder (SQLite, or PostgreSQL from scripts/pg-throwaway.sh
with --db postgresql), runs mamori-fleet-sim against it with a named scenario, and does the same
against a reference collector binary (--reference-bin: the previous connection layer) in the same
invocation; prints both side by side.

Scenarios (every figure can be changed with the options below):
  steady     N agents enroll over --ramp, heartbeat every --heartbeat s, spool an event batch every
             --batch-interval s and upload it
  attackers  a few agents plus --idle-tls idle TLS connections, --slowloris slowloris connections and
             --raw-tcp raw TCP connections, with GET /healthz on a new connection every second
  outage     the collector is stopped --outage-at s into the run for --outage-for s while the agents
             keep spooling, then started again on the same port: how long until every spool is drained

Usage: bench/fleet.py [--scenario steady|attackers|outage] [--db sqlite|postgresql] [options]
(run after building mamori-collector and mamori-fleet-sim; see bench/README.md)
"""

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mamori_testkit import harness

SCENARIOS = {
    "steady": dict(agents=500, ramp=60, heartbeat=10, batch_interval=60, batch_events=10, duration=120,
                   idle_tls=0, slowloris=0, raw_tcp=0, probe=0),
    "attackers": dict(agents=100, ramp=10, heartbeat=10, batch_interval=30, batch_events=10, duration=60,
                      idle_tls=16, slowloris=0, raw_tcp=0, probe=1),
    "outage": dict(agents=500, ramp=30, heartbeat=10, batch_interval=20, batch_events=20, duration=180,
                   idle_tls=0, slowloris=0, raw_tcp=0, probe=0, outage_at=45, outage_for=60),
}


def start_collector(collector, pid_file):
    """Starts it and writes its PID where the simulator reads it at every sample."""
    collector.start(timeout=60)
    with open(pid_file + ".tmp", "w") as f:
        f.write(f"{collector.process.pid}\n")
    os.replace(pid_file + ".tmp", pid_file)


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


class FdSampler:
    """The collector's open descriptors once a second (a restarted collector is followed)."""

    def __init__(self, collector):
        self.collector = collector
        self.start = None
        self.peak = 0
        self.end = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            process = self.collector.process
            n = open_fds(process.pid) if process else None
            if n is not None:
                self.start = n if self.start is None else self.start
                self.peak = max(self.peak, n)
            self.done.wait(1)

    def stop(self):
        self.done.set()
        self.thread.join()


def connections_open(collector):
    status, text = collector.api().request("GET", "/metrics", token="", timeout=10)
    found = re.search(r"^mamori_connections_open (\S+)$", text.decode(), re.MULTILINE) if status == 200 else None
    return float(found.group(1)) if found else float("inf")


def stored_events(collector, workdir, label, db_url):
    """(rows, distinct ids) of the simulator's event type in the collector's database, read after it stopped."""
    query = "SELECT count(*), count(DISTINCT id) FROM events WHERE type = 'activity.removable_write'"
    if db_url:
        out = subprocess.run(["psql", db_url, "-At", "-F", " ", "-c", query], capture_output=True, text=True,
                             check=True).stdout.split()
        return int(out[0]), int(out[1])
    with sqlite3.connect(os.path.join(collector.state_dir, "collector.db")) as db:
        return tuple(db.execute(query).fetchone())


def run_once(args, binary, label, workdir, db_url):
    collector = harness.Collector(workdir, name=label, db=db_url, extra=args.collector_arg, program=binary,
                                  log_level="warning")
    pid_file = os.path.join(workdir, label + ".pid")
    start_collector(collector, pid_file)
    s = args.settings
    json_path = os.path.join(workdir, label + ".json")
    sim = [args.sim_bin, "--url", f"https://127.0.0.1:{collector.port}",
           "--ca-file", os.path.join(collector.state_dir, "tls", "collector.crt"),
           "--enroll-secret-file", os.path.join(collector.state_dir, "enroll.secret"),
           "--collector-pid-file", pid_file, "--json", json_path,
           "--agents", str(s["agents"]), "--ramp", str(s["ramp"]), "--heartbeat", str(s["heartbeat"]),
           "--batch-interval", str(s["batch_interval"]), "--batch-events", str(s["batch_events"]),
           "--duration", str(s["duration"]), "--drain-timeout", str(args.drain_timeout)]
    attack = ["--idle-tls", str(s["idle_tls"]), "--slowloris", str(s["slowloris"]), "--raw-tcp", str(s["raw_tcp"])]
    if args.attacker_source:
        attack += ["--attacker-source", args.attacker_source]
    attackers_apart = args.attackers_process and (s["idle_tls"] or s["slowloris"] or s["raw_tcp"])
    if s["probe"]:
        sim += ["--probe-interval", str(s["probe"])]
    if args.keep_connections:
        sim += ["--keep-connections"]
    if not args.one_agent_host and s["agents"] > 1:
        sim += ["--agent-hosts", str(min(s["agents"], 60000))]  # every simulated PC has its own address
    print(f"--- {label}: {binary}", flush=True)
    started = time.monotonic()
    attacker_proc = None
    attacker_json = os.path.join(workdir, label + "-attackers.json")
    if attackers_apart:
        # The attackers are another host: their handshakes must not queue in the event loop that
        # times the legitimate requests (one simulator process is one thread).
        base = sim[:sim.index("--collector-pid-file")]
        attacker_proc = subprocess.Popen(base + ["--json", attacker_json, "--agents", "0",
                                                 "--duration", str(s["duration"])] + attack,
                                         stdout=subprocess.PIPE, text=True)
    else:
        sim += attack
    proc = subprocess.Popen(sim, stdout=subprocess.PIPE, text=True)
    fds = FdSampler(collector)
    released_s = None
    try:
        if args.scenario == "outage":
            harness.wait_until(lambda: time.monotonic() - started >= s["outage_at"] or proc.poll() is not None,
                               s["outage_at"] + 30, "the outage's start", interval=0.2)
            proc.send_signal(signal.SIGUSR1)
            collector.stop()
            collector.listen = f"127.0.0.1:{collector.port}"  # it comes back on the same port
            print(f"    collector down at {time.monotonic() - started:.0f} s for {s['outage_for']} s", flush=True)
            harness.wait_until(lambda: time.monotonic() - started >= s["outage_at"] + s["outage_for"],
                               s["outage_for"] + 30, "the outage's end", interval=0.2)
            start_collector(collector, pid_file)
            proc.send_signal(signal.SIGUSR2)
        out, _ = proc.communicate(timeout=s["duration"] + args.drain_timeout + 300)
        attacker_out = attacker_proc.communicate(timeout=s["duration"] + 300)[0] if attacker_proc else ""
        # Every client has gone: the collector should close their connections within its idle
        # timeout (15 s by default); the one left open is the question's own.
        gone = time.monotonic()
        try:
            harness.wait_until(lambda: connections_open(collector) <= 1, 60,
                               "the collector to close the connections of clients that left", interval=0.5)
            released_s = time.monotonic() - gone
        except AssertionError:
            pass
        fds.end = open_fds(collector.process.pid)
    finally:
        fds.stop()
        for p in (proc, attacker_proc):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        if collector.process:
            collector.stop()
    print(out, flush=True)
    with open(json_path) as f:
        result = json.load(f)
    result["stored_rows"], result["stored_ids"] = stored_events(collector, workdir, label, db_url)
    with open(os.path.join(workdir, label + ".log"), errors="replace") as f:
        problems = [line for line in f if line.strip()]  # it logs at warning level: every line is one
    result["log_problems"] = len(problems)
    for line in problems[:20]:
        print("    collector log: " + line.rstrip(), flush=True)
    result["fds"] = (fds.start or 0, fds.peak, fds.end or 0, released_s)
    if attacker_proc:
        print("attackers (their own simulator process):\n" + attacker_out, flush=True)
        with open(attacker_json) as f:
            result["attackers"] = json.load(f)["attackers"]
    return result


def latencies(kind):
    """p50 / p99 / max in ms, or "-" when the kind had no request."""
    if kind["p50_ms"] < 0:
        return "-"
    return "%.0f / %.0f / %.0f" % (kind["p50_ms"], kind["p99_ms"], kind["max_ms"])


def figures(result):
    k = result["kinds"]
    cpu = [c[0] for c in result["collector"]] or [0]
    rss = [c[1] for c in result["collector"]] or [0]

    def total(kind, *outcomes, phase="normal"):
        return sum(k[kind][phase][o] for o in outcomes)

    rows = [(f"{kind} p50 / p99 / max ms", latencies(k[kind])) for kind in ("enroll", "heartbeat", "events")]
    if sum(k["healthz"]["normal"].values()):
        rows.append(("healthz (new conn.) p50 / p99 / max ms", latencies(k["healthz"])))
    kinds = ("enroll", "heartbeat", "events", "healthz")
    rows += [
        ("requests ok", str(sum(total(x, "ok") for x in kinds))),
        ("failed requests", str(result["failures"])),
        ("  of which timeouts", str(sum(total(x, "timeout") for x in kinds))),
        ("  connection / TLS / I/O errors", "%d / %d / %d" % tuple(sum(total(x, o) for x in kinds)
                                                                  for o in ("connect_error", "tls_error", "io_error"))),
        ("  HTTP 4xx / 5xx (not 429/503)", "%d / %d" % (sum(total(x, "http_4xx") for x in kinds),
                                                         sum(total(x, "http_5xx") for x in kinds))),
        ("429/503 answered (retried)", str(sum(total(x, "throttled") for x in kinds))),
        ("agents enrolled", "%d / %d" % (result["enrolled"], result["agents"])),
        ("spools not drained at the end", str(result["not_drained"])),
        ("events made / acknowledged", "%d / %d" % (result["events_made"], result["events_acked"])),
        ("events stored: rows / distinct ids", "%d / %d" % (result["stored_rows"], result["stored_ids"])),
        ("collector log lines (warning or worse)", str(result["log_problems"])),
    ]
    if result["drain_s"] >= 0 or result["outage_failures"]:
        rows.append(("requests failed during the outage", str(result["outage_failures"])))
        rows.append(("drained after the return (s)", "%.1f" % result["drain_s"] if result["drain_s"] >= 0 else "never"))
    for name, a in result["attackers"].items():
        if a["opened"] + a["open_failures"]:
            rows.append((f"{name} attackers: opened / closed by collector",
                         "%d / %d" % (a["opened"], a["closed_by_server"]) +
                         (" (median %.0f s)" % a["median_held_s"] if a["closed_by_server"] else "")))
    rows += [
        ("collector CPU mean / max (% of a core)", "%.0f / %.0f" % (sum(cpu) / len(cpu), max(cpu))),
        ("collector RSS max (MiB)", "%.1f" % (max(rss) / 1024)),
        ("collector threads max", str(max([c[2] for c in result["collector"]] or [0]))),
        ("collector fds start / max / after the run", "%d / %d / %d" % result["fds"][:3]),
        ("connections closed after the clients left (s)",
         "%.1f" % result["fds"][3] if result["fds"][3] is not None else "not within 60 s"),
    ]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="steady")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--collector-bin", default=os.path.join(REPO, "build", "bin", "mamori-collector"))
    parser.add_argument("--sim-bin", default=os.path.join(REPO, "build", "bin", "mamori-fleet-sim"))
    parser.add_argument("--reference-bin", default="/work/ref-bin/mamori-collector",
                        help="the previous connection layer's collector (default /work/ref-bin/mamori-collector)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference run (say so when quoting)")
    parser.add_argument("--collector-arg", action="append", default=[],
                        help="extra collector argument, repeatable (given to both collectors)")
    parser.add_argument("--keep-connections", action="store_true", help="agents keep connections (old habit)")
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--one-agent-host", action="store_true",
                        help="all agents connect from one address (a NAT without the PROXY protocol); by default "
                             "each has its own loopback address, as PCs have")
    parser.add_argument("--attackers-in-agents-process", dest="attackers_process", action="store_false",
                        help="run the attackers in the agents' simulator process (one event loop times both; "
                             "the default gives the attackers a process of their own, like another host)")
    parser.add_argument("--attacker-source", default="127.0.0.2",
                        help="loopback address the attackers connect from: one hostile host beside the agents "
                             "(default 127.0.0.2; \"\" = the agents' address)")
    for name in ("agents", "ramp", "heartbeat", "batch-interval", "batch-events", "duration", "idle-tls",
                 "slowloris", "raw-tcp", "probe", "outage-at", "outage-for"):
        parser.add_argument("--" + name, type=float, help="override the scenario's value")
    args = parser.parse_args()

    settings = dict(SCENARIOS[args.scenario])
    for key in list(settings) + ["outage_at", "outage_for"]:
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = int(value) if float(value).is_integer() else value
    args.settings = settings
    for path in [args.collector_bin, args.sim_bin] + ([] if args.no_reference else [args.reference_bin]):
        if not os.access(path, os.X_OK):
            sys.exit(f"fleet.py: {path} is not an executable (build it, or pass --no-reference for the reference)")

    workdir = tempfile.mkdtemp(prefix="mamori-fleet-")
    os.chmod(workdir, 0o755)  # PostgreSQL runs as user postgres and must reach its folder
    pg = harness.ThrowawayPostgres(os.path.join(workdir, "pg"))
    try:
        if args.db == "postgresql":
            pg.start()
        runs = []
        binaries = [("reference", args.reference_bin)] if not args.no_reference else []
        binaries.append(("mamori", args.collector_bin))
        for label, binary in binaries:
            db = pg.database(f"fleet_{label}") if pg.url else None
            runs.append((label, run_once(args, binary, label, workdir, db)))

        print(f"\nmamori fleet benchmark: scenario {args.scenario}, {args.db}, {os.cpu_count()} cores; " +
              ", ".join(f"{k.replace('_', '-')} {v}" for k, v in settings.items()))
        tables = [(label, dict(figures(result))) for label, result in runs]
        names = [name for name, _ in figures(runs[0][1])]
        header = f"{'':42}" + "".join(f"{label:>26}" for label, _ in tables)
        print(header)
        for name in names:
            print(f"{name:42}" + "".join(f"{table.get(name, '-'):>26}" for _, table in tables))
        if args.no_reference:
            print("(no reference run: --no-reference)")
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
