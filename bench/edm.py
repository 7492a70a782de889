#!/usr/bin/env python3
"""Exact-data-match benchmark (issue 18, docs/decisions/0034): prints figures, asserts nothing.

With the real binaries on loopback (a collector over TLS on a throwaway state directory):
  1. registration: `mamorictl edm add` of a generated customer table of --rows rows (name, kana,
     address, phone, e-mail, My Number): wall time, rows per second (reading, hashing, upload in parts,
     the collector's build and signature);
  2. the set: artifact bytes, values;
  3. the index in the scanner: peak RSS of `mamori-agent scan --edm` minus the same scan without the
     set, on one small file;
  4. scan throughput on a tree of --files text files (one in ten holds 5 registered rows among
     made-up ones, the rest made-up customer lists and Japanese prose) with the set and without it,
     best of --repeat runs (page cache warm): the reference is the same command without --edm.
     Reported for the whole run and for the scanning alone (a one-file run's time, process start and
     set loading, taken off).

--reference-bin DIR runs another build's mamori-agent (for example main before a change) over the
same set and tree, alternating with this build's in every round, and reports it beside.

Goals (issue 18): index <= 64 MiB with a 1,000,000-row table; throughput with it >= 0.8x without.
Usage: bench/edm.py [--rows N] [--files M] [--repeat R] [--reference-bin DIR]
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mamori_testkit.edm_fixtures import customers
from fingerprints import compare_scans, prose  # noqa: E402
from mamori_testkit.harness import Collector, wait_until

BIN = os.environ.get("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
os.environ.setdefault("MAMORI_BIN_DIR", BIN)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-bin", help="another build's bin directory: its mamori-agent scans the same "
                        "set and tree, alternating with this build's, and is reported beside it")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and leave the set file (bench.*), the collector's "
                        "public key (policy.pub) and the tree there, e.g. to profile a scan with perf")
    args = parser.parse_args()
    rng = random.Random(18)
    tmp = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="mamori-bench-edm-")
    os.makedirs(tmp, exist_ok=True)
    collector = Collector(tmp, log_level="warning").start()
    try:
        rows = customers(args.rows)
        table = os.path.join(tmp, "customers.csv")
        with open(table, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["name", "kana", "address", "phone", "email", "mynumber"])
            w.writerows(rows)
        start = time.monotonic()
        done = collector.ctl("edm", "add", "--set", "bench", "--columns", "name,kana,address,phone,email,mynumber",
                             table, timeout=1800)
        if done[0] != 0 and "Timeout" in done[2]:
            # mamorictl waits 30 s for an answer; on a loaded machine the collector's build of a large
            # table outlasts it and finishes anyway: wait for the set to appear.
            def built():
                code, out, _ = collector.ctl("edm", "show", "bench", "--json")
                return out if code == 0 else None
            shown = json.loads(wait_until(built, 1800, "the collector to build the set", interval=1))
            done = (0, f"set bench version {shown['version']}: {shown['rows']} rows, {shown['values']} values "
                       f"(mamorictl timed out waiting; the collector finished)\n", "")
        registration = time.monotonic() - start
        if done[0] != 0:
            raise SystemExit(done[1] + done[2])
        summary = [line for line in done[1].splitlines() if line.startswith("set bench")][-1]
        bundle = os.path.join(tmp, "bench.edm")
        collector.ctl("edm", "export", "bench", "--output", bundle, check=0)
        pem = os.path.join(tmp, "policy.pub")
        subprocess.run(["openssl", "pkey", "-in", collector.policy_key_file, "-pubout", "-out", pem], check=True)

        fake = customers(2000, seed=99)
        tree = os.path.join(tmp, "tree")
        for i in range(args.files):
            lines = [",".join(r) for r in rng.sample(fake, 40)]
            if i % 10 == 0:  # one in ten holds 5 registered rows
                for r in rng.sample(rows, 5):
                    lines.insert(rng.randrange(len(lines)), ",".join(r))
            body = "\n".join(lines) + "\n" + prose(rng, 3000, True)
            path = os.path.join(tree, f"{i // 100:02d}", f"f{i:05d}.txt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(body)
        with_set = ["--edm", bundle, "--collector-key", pem]
        print(f"rows registered          {args.rows} x 6 columns in {registration:.1f} s "
              f"({args.rows / registration:.0f} rows/s, mamorictl reading + hashing + upload, collector build)")
        compare_scans(tmp, tree, summary, bundle, with_set, "edm", args.repeat, args.reference_bin)
    finally:
        collector.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
