#!/usr/bin/env python3
"""Print-gate benchmark (issue 16): prints figures, not a test. Needs root (the agent reads the root-only
spool) and Debian's cups packages (scripts/bootstrap.sh --test).

Two test-owned cupsd (mamori_testkit/cupsd.py: each its own spool and socket, a raw queue whose test
backend appends the job's data to a file), the same personal 10-page PDF printed N times on each,
alternating job by job so both see the same machine:

  1. the reference cupsd, which no agent touches: the queue's default is no-hold, cupsd prints at once;
  2. the gated cupsd, named by the agent's policy (activity.printing.mode enforce): every job is held,
     the gate inspects the document in the extraction sandbox and releases it.

Per job: from `lp` starting to the whole document in the backend's file (polled every 2 ms, the same in
both), median / p90 / max. The agent's own figure beside it: its inspection time per job (its log).
Goal: the held job's median <= 1 s.
Usage: bench/print_hold.py [--rounds 20] [--pdf FILE]   (after scripts/build.sh, as root)
"""

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
from mamori_testkit import harness
from mamori_testkit import make_fixtures
from mamori_testkit.cupsd import Cupsd

COMPANY_RULES = 'rule company_confidential { strings: $a = "Company Confidential" condition: $a }'


def ten_pages():
    pages = []
    for page in range(10):
        lines = "".join(f"BT /F1 10 Tf 60 {740 - 14 * n} Td (Page {page + 1} line {n + 1}: a personal letter, "
                        f"nothing of the company's, just text to fill the page.) Tj ET\n" for n in range(50))
        pages.append(lines)
    return make_fixtures.pdf_pages(pages)


def one_job(cups, path, size, timeout=60):
    before = len(cups.printed())
    start = time.monotonic()
    cups.print_file(path, "letter")
    deadline = start + timeout
    while len(cups.printed()) < before + size:
        if time.monotonic() > deadline:
            raise AssertionError(f"the job did not print within {timeout} s ({cups.root}/log)")
        time.sleep(0.002)
    return (time.monotonic() - start) * 1000


def summary(values):
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pdf", help="print this personal PDF instead of the generated 10-page one")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/print_hold.py needs root (the agent reads the CUPS spool)")
    workdir = tempfile.mkdtemp(prefix="mamori-bench-print-")
    os.chmod(workdir, 0o755)
    for d in ("gated", "reference"):
        os.makedirs(os.path.join(workdir, d))
        os.chmod(os.path.join(workdir, d), 0o755)
    gated = Cupsd(os.path.join(workdir, "gated")).start()
    reference = Cupsd(os.path.join(workdir, "reference")).start()
    collector = agent = None
    try:
        pdf = os.path.join(workdir, "letter.pdf")
        if args.pdf:
            with open(args.pdf, "rb") as f:
                data = f.read()
        else:
            data = ten_pages()
        with open(pdf, "wb") as f:
            f.write(data)
        what = args.pdf or "a generated 10-page text PDF"
        print(f"document: {what}, {len(data)} bytes, personal; {args.rounds} jobs each way, alternated")

        collector = harness.Collector(workdir).start()
        agent = harness.Agent(workdir, collector)
        policy = {
            "schema_version": 1, "version": 1, "name": "print-bench",
            "device_control": {"mode": "off"}, "p2p_guard": {"mode": "off"},
            "content_scan": {"rule_sets": [{"name": "company", "source": COMPANY_RULES}], "paths": [],
                             "schedule": {"interval_hours": 8000, "on_change": False}},
            "activity": {"watched": [], "cloud_sync_folders": [], "removable_mounts": [],
                         "printing": {"mode": "enforce", "server": gated.socket, "spool_dir": gated.spool}},
        }
        policy_path = os.path.join(workdir, "policy.json")
        with open(policy_path, "w") as f:
            json.dump(policy, f)
        agent.start(extra=["--device-control", "off", "--policy", policy_path])
        harness.wait_until(lambda: gated.hold_default() == "indefinite", 60, "the print gate to hold the queue")
        # The first job of each loads cupsd's backend, and the gate's first starts its sandbox worker.
        one_job(gated, pdf, len(data))
        one_job(reference, pdf, len(data))
        without, held = [], []
        for _ in range(args.rounds):
            held.append(one_job(gated, pdf, len(data)))
            without.append(one_job(reference, pdf, len(data)))
        if reference.hold_default() not in (None, "no-hold"):
            raise AssertionError("the reference queue was held: the agent touched the wrong cupsd")
        inspected = [int(m) for m in re.findall(r"released \(inspected in (\d+) ms\)", agent.process.output())][1:]

        print(f"without the agent         {summary(without)}")
        print(f"held by the print gate    {summary(held)}")
        print(f"  the gate's inspection   {summary(inspected)}   (agent log, per job)")
        added = statistics.median(held) - statistics.median(without)
        print(f"added by the gate (median): {added:.1f} ms; goal: held median <= 1000 ms -> "
              f"{'met' if statistics.median(held) <= 1000 else 'NOT met'}")
        print(f"load average during the run: {harness.load_average()}")
    finally:
        if agent is not None and agent.process is not None and agent.process.running():
            agent.process.stop()
        if collector is not None:
            collector.stop()
        gated.stop()
        reference.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
