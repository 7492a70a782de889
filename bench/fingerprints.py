#!/usr/bin/env python3
"""Document fingerprint benchmark (issue 18, docs/decisions/0032): prints figures, asserts nothing.

With the real binaries on loopback (a collector over TLS on a throwaway state directory):
  1. registration: `mamorictl fingerprints add` of N generated documents (English and Japanese prose,
     about --chars normalised characters each): wall time, documents per second;
  2. the set: artifact bytes, fingerprints kept, boilerplate dropped;
  3. the index in the scanner: peak RSS of `mamori-agent scan --fingerprints` minus the same scan
     without the set, on one small file (what the set costs a scanning process);
  4. scan throughput on a tree of M plain-text files (some of them derived from registered
     documents) with the set and without it, best of --repeat runs (page cache warm): the reference
     is the same command without --fingerprints. Reported for the whole run and for the scanning
     alone (a one-file run's time, process start and set loading, taken off).

--reference-bin DIR runs another build's mamori-agent (for example main before a change) over the
same set and tree, alternating with this build's in every round, and reports it beside.

Goals (issue 18): index <= 64 MiB with 10,000 documents (and a 1,000,000-row EDM table, not built
yet); throughput with the set >= 0.8x without.
Usage: bench/fingerprints.py [--documents N] [--chars C] [--files M] [--repeat R] [--reference-bin DIR]
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from mamori_testkit.harness import Collector

BIN = os.environ.get("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
os.environ.setdefault("MAMORI_BIN_DIR", BIN)

EN = ("the plan market customer price quarter sales launch region team budget review product and of to in for "
      "with new growth partner cost target risk year share report supplier contract margin channel forecast "
      "retail online store inventory logistics hiring training quality audit security policy release").split()
JA = ("営業 顧客 計画 予算 売上 新規 製品 開発 市場 価格 契約 取引 担当 部門 会議 資料 報告 目標 利益 費用 の を に は "
      "が と で も から 東京 大阪 支店 本社 四半期 年度 戦略 施策 改善 品質 納期 在庫 物流 採用 研修 監査").split()


def prose(rng, chars, japanese):
    words, out, n = (JA, [], 0) if japanese else (EN, [], 0)
    while n < chars:
        w = rng.choice(words)
        out.append(w)
        out.append("" if japanese else " ")
        n += len(w)
        if rng.random() < 0.08:
            out.append("。\n" if japanese else ".\n")
    return "".join(out)


def peak_rss_kib(args):
    """Peak RSS of one run, measured by a fresh Python child so earlier children do not count."""
    code = ("import resource,subprocess,sys,json;d=subprocess.run(sys.argv[1:],capture_output=True);"
            "print(json.dumps([d.returncode,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def compare_scans(tmp, tree, summary, bundle, with_set, kind, repeat, reference_bin=None):
    """Prints the set's summary and size, then scans tree and a one-file tree with and without the set,
    with this build's mamori-agent and, given reference_bin, another build's: builds and modes
    alternate in every round so a shared machine's load falls on all alike; best of repeat rounds.
    Prints, per build: the set's peak RSS cost, the whole run's throughput ratio (set loading
    included) and the scanning ratio (the one-file run's time, process start and set loading, taken
    off both: the rate a resident agent scans at once its set is loaded)."""
    files = sum(len(ns) for _, _, ns in os.walk(tree))
    tree_bytes = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(tree) for n in ns)
    print(f"set                      {summary}")
    print(f"artifact (signed bundle) {os.path.getsize(bundle) / 1048576:.1f} MiB")
    print(f"scan of {files} files ({tree_bytes / 1048576:.1f} MiB; one in ten should match)")
    one = os.path.join(tmp, "one.txt")
    with open(one, "w") as f:
        f.write("hello\n")
    builds = {"this build": os.path.join(BIN, "mamori-agent")}
    if reference_bin:
        builds["reference"] = os.path.join(reference_bin, "mamori-agent")
    times = {(name, mode, target): [] for name in builds for mode in (False, True) for target in (tree, one)}
    cpu = {key: [] for key in times}
    matched = {}
    load = [os.getloadavg()[0]]
    for _ in range(repeat):
        for name, agent in builds.items():
            for mode in (False, True):
                for target in (one, tree):
                    args = [agent, "scan", "--json", "--threads", "2"] + (with_set if mode else []) + [target]
                    start, used = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
                    run = subprocess.run(args, capture_output=True, text=True)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    times[(name, mode, target)].append(time.monotonic() - start)
                    cpu[(name, mode, target)].append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
                    if mode and target == tree:
                        matched[name] = sum(1 for line in run.stdout.splitlines() if f'"type":"{kind}"' in line)
        load.append(os.getloadavg()[0])
    print(f"load average (1 min) during the scans: {min(load):.1f} to {max(load):.1f} on {os.cpu_count()} cores")
    def ratio(without, with_it):
        return f"{without / with_it:.2f}x" if without > 0 and with_it > 0 else "n/a (below the noise)"

    for name, agent in builds.items():
        best = {key[1:]: min(value) for key, value in times.items() if key[0] == name}
        least = {key[1:]: min(value) for key, value in cpu.items() if key[0] == name}
        base, with_it = best[(False, tree)], best[(True, tree)]
        plain = [agent, "scan", "--json", "--threads", "2", "--no-sandbox"]
        _, rss_without = peak_rss_kib(plain + [one])
        _, rss_with = peak_rss_kib(plain + with_set + [one])
        print(f"[{name}] scanner peak RSS {rss_without / 1024:.1f} MiB without the set, {rss_with / 1024:.1f} MiB "
              f"with it: +{(rss_with - rss_without) / 1024:.1f} MiB (goal <= 64 MiB)")
        print(f"[{name}] whole run, best of {repeat}: {base:.2f} s without the set (reference), {with_it:.2f} s "
              f"with it: {ratio(base, with_it)}; start and set loading (one-file run) {best[(True, one)]:.2f} s, "
              f"{best[(False, one)]:.2f} s without; {matched[name]} files matched")
        for what, table in (("wall", best), ("CPU", least)):
            without_scan = table[(False, tree)] - table[(False, one)]
            with_scan = table[(True, tree)] - table[(True, one)]
            print(f"[{name}] scanning alone, {what} (one-file run taken off): {without_scan:.2f} s without, "
                  f"{with_scan:.2f} s with: {ratio(without_scan, with_scan)} (goal >= 0.8x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-bin", help="another build's bin directory: its mamori-agent scans the same "
                        "set and tree, alternating with this build's, and is reported beside it")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and leave the set file (bench.*), the collector's "
                        "public key (policy.pub) and the tree there, e.g. to profile a scan with perf")
    args = parser.parse_args()
    rng = random.Random(18)
    tmp = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="mamori-bench-fp-")
    os.makedirs(tmp, exist_ok=True)
    collector = Collector(tmp, log_level="warning").start()
    try:
        reg = os.path.join(tmp, "registered")
        texts = []
        for i in range(args.documents):
            text = prose(rng, args.chars, i % 2 == 1)
            texts.append(text)
            path = os.path.join(reg, f"{i // 1000:02d}", f"doc{i:05d}.txt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        start = time.monotonic()
        done = collector.ctl("fingerprints", "add", "--set", "bench", reg, timeout=1800)
        registration = time.monotonic() - start
        if done[0] != 0:
            raise SystemExit(done[1] + done[2])
        summary = [line for line in done[1].splitlines() if line.startswith("set bench")][-1]
        bundle = os.path.join(tmp, "bench.fingerprints")
        collector.ctl("fingerprints", "export", "bench", "--output", bundle, check=0)
        pem = os.path.join(tmp, "policy.pub")
        subprocess.run(["openssl", "pkey", "-in", collector.policy_key_file, "-pubout", "-out", pem], check=True)

        tree = os.path.join(tmp, "tree")
        for i in range(args.files):
            if i % 10 == 0:  # one in ten holds an excerpt of a registered document
                src = texts[rng.randrange(len(texts))]
                body = prose(rng, 2000, False) + src[1000:2500] + prose(rng, 2000, False)
            else:
                body = prose(rng, 5000, i % 2 == 1)
            path = os.path.join(tree, f"{i // 100:02d}", f"f{i:05d}.txt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(body)
        with_set = ["--fingerprints", bundle, "--collector-key", pem, "--min-containment", "30"]
        print(f"documents registered     {args.documents} x ~{args.chars} chars in {registration:.1f} s "
              f"({args.documents / registration:.0f} documents/s, mamorictl extraction + hashing + upload)")
        compare_scans(tmp, tree, summary, bundle, with_set, "fingerprint", args.repeat, args.reference_bin)
    finally:
        collector.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
