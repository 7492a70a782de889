#!/usr/bin/env python3
"""Content sets benchmark (issue 18, docs/decisions/0032, 0034, 0052): prints figures, asserts nothing.

  PYTHONPATH=tests/support/python bench/sets.py [--sets edm,fingerprints] [--rows N] [--documents D]
      [--files M] [--repeat R] [--reference-bin DIR] [--keep DIR]

With the real binaries on loopback (a collector over TLS on a throwaway state directory):
  1. registration: `mamorictl edm add` of a generated customer table of --rows rows (name, kana,
     address, phone, e-mail, My Number) and `mamorictl fingerprints add` of --documents generated
     documents (English and Japanese prose of about --chars characters): wall time, rate;
  2. each set: its summary and the signed file's size;
  3. loading, once per set version in the resident agent: the time a one-file scan takes with the set
     over without it (start, reading the file, its Ed25519 check, parsing), and the scanner's peak RSS
     with the set over without it (goal <= 64 MiB for both sets);
  4. scan throughput, the steady state of an agent that scans for days with its sets loaded: the CPU
     (and wall) time of `mamori-agent scan --threads 2` over a tree of --files plain-text files minus
     the same command's one-file run (so process start and set loading are not in it), with no set
     (the reference), with each set alone and with all of them; best of --repeat rounds, every mode
     (and build) in every round, in an order that rotates per round, so the machine's load falls on
     all alike. Goal: >= 0.8x the reference with both sets.

The tree: for EDM, files of 40 made-up customer rows and Japanese prose, one in ten holding 5
registered rows among them; for fingerprints, English or Japanese prose of about 5,000 characters, one
in ten holding a 1,500-character excerpt of a registered document. With both sets the tree holds
--files of each kind, and every mode scans all of it.

--reference-bin DIR runs another build's mamori-agent (for example main before a change) over the
same tree, alternating with this build's in every round, and reports it beside (a table of both at the
end). It scans the same set files when it can read them; when it refuses them (another set format, as
after docs/decisions/0063), the reference build registers the same documents and rows itself (its
own collector and mamorictl from DIR, in reference/ under the work folder; kept with --keep), and
scans those.
--keep DIR works in DIR and leaves the set files (bench.edm, bench.fingerprints), the collector's
public key (policy.pub) and the tree there; a later run with the same --keep DIR and the same --rows,
--documents and --chars reuses the sets instead of registering them again (e.g. to profile a scan
with perf, or to repeat the figures).
"""

import argparse
import csv
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
# Before the test kit is imported: its harness reads MAMORI_BIN_DIR when it loads.
os.environ.setdefault("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
BIN = os.environ["MAMORI_BIN_DIR"]
from mamori_testkit.edm_fixtures import customers  # noqa: E402
from mamori_testkit import harness  # noqa: E402
from mamori_testkit.harness import Collector, wait_until  # noqa: E402

EN = ("the plan market customer price quarter sales launch region team budget review product and of to in for "
      "with new growth partner cost target risk year share report supplier contract margin channel forecast "
      "retail online store inventory logistics hiring training quality audit security policy release").split()
JA = ("営業 顧客 計画 予算 売上 新規 製品 開発 市場 価格 契約 取引 担当 部門 会議 資料 報告 目標 利益 費用 の を に は "
      "が と で も から 東京 大阪 支店 本社 四半期 年度 戦略 施策 改善 品質 納期 在庫 物流 採用 研修 監査").split()
KINDS = {"edm": "edm", "fingerprints": "fingerprint"}  # set -> the hit type its matches print


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


def edm_rows(count):
    return customers(count)


def documents(count, chars):
    rng = random.Random(18)
    return [prose(rng, chars, i % 2 == 1) for i in range(count)]


def register_edm(collector, tmp, rows):
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
    seconds = time.monotonic() - start
    if done[0] != 0:
        raise SystemExit(done[1] + done[2])
    collector.ctl("edm", "export", "bench", "--output", os.path.join(tmp, "bench.edm"), check=0)
    summary = [line for line in done[1].splitlines() if line.startswith("set bench")][-1]
    return summary, (f"{len(rows)} rows x 6 columns in {seconds:.1f} s ({len(rows) / seconds:.0f} rows/s, "
                     "mamorictl reading + hashing + upload, collector build)")


def register_fingerprints(collector, tmp, texts):
    reg = os.path.join(tmp, "registered")
    for i, text in enumerate(texts):
        path = os.path.join(reg, f"{i // 1000:02d}", f"doc{i:05d}.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    start = time.monotonic()
    done = collector.ctl("fingerprints", "add", "--set", "bench", reg, timeout=1800)
    seconds = time.monotonic() - start
    if done[0] != 0:
        raise SystemExit(done[1] + done[2])
    shutil.rmtree(reg, ignore_errors=True)
    collector.ctl("fingerprints", "export", "bench", "--output", os.path.join(tmp, "bench.fingerprints"), check=0)
    summary = [line for line in done[1].splitlines() if line.startswith("set bench")][-1]
    return summary, (f"{len(texts)} documents in {seconds:.1f} s ({len(texts) / seconds:.0f} documents/s, "
                     "mamorictl extraction + hashing + upload)")


def write_tree(tree, sets, files, rows, texts):
    """--files files per set kind; one in ten of each kind should match its set."""
    shutil.rmtree(tree, ignore_errors=True)
    rng = random.Random(19)  # not the documents' seed: the tree's prose must not repeat them
    bodies = []
    if "edm" in sets:
        fake = customers(2000, seed=99)
        for i in range(files):
            lines = [",".join(r) for r in rng.sample(fake, 40)]
            if i % 10 == 0:  # one in ten holds 5 registered rows
                for r in rng.sample(rows, 5):
                    lines.insert(rng.randrange(len(lines)), ",".join(r))
            bodies.append(("edm", i, "\n".join(lines) + "\n" + prose(rng, 3000, True)))
    if "fingerprints" in sets:
        for i in range(files):
            if i % 10 == 0:  # one in ten holds an excerpt of a registered document
                src = texts[rng.randrange(len(texts))]
                body = prose(rng, 2000, False) + src[1000:2500] + prose(rng, 2000, False)
            else:
                body = prose(rng, 5000, i % 2 == 1)
            bodies.append(("fp", i, body))
    for kind, i, body in bodies:
        path = os.path.join(tree, f"{kind}{i // 100:03d}", f"f{i:05d}.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)


def compare_scans(tmp, tree, sets, set_args, repeat, reference_bin=None):
    """Scans tree and a one-file tree in every mode (no set, each set alone, all sets), with this
    build's mamori-agent and, given reference_bin, another build's; modes and builds rotate in every
    round; best of repeat rounds. Prints per build and mode: loading (one-file run over the one
    without sets, peak RSS over it) and the scanning's CPU and wall with the ratio to no set, then
    (with a reference) both builds side by side. set_args: per build, per set, the scan options that
    name its set file and its collector's key."""
    files = sum(len(ns) for _, _, ns in os.walk(tree))
    tree_bytes = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(tree) for n in ns)
    print(f"tree: {files} files, {tree_bytes / 1048576:.1f} MiB (one in ten of each kind should match)")
    one = os.path.join(tmp, "one.txt")
    with open(one, "w") as f:
        f.write("hello\n")
    builds = {"this build": os.path.join(BIN, "mamori-agent")}
    if reference_bin:
        builds["reference"] = os.path.join(reference_bin, "mamori-agent")
    modes = {}
    for build in builds:
        own = set_args[build]
        modes[build] = {"no set": []}
        for name in sets:
            modes[build][name] = own[name]["set"] + own[name]["key"]
        if len(sets) > 1:
            modes[build]["+".join(sets)] = [a for name in sets for a in own[name]["set"]] + own[sets[0]]["key"]
    names = list(modes["this build"])
    runs = [(b, m, t) for b in builds for m in names for t in (one, tree)]
    wall = {key: [] for key in runs}
    cpu = {key: [] for key in runs}
    matched = {}
    load = [os.getloadavg()[0]]
    for round_ in range(repeat):
        turn = round_ % len(runs)
        for key in runs[turn:] + runs[:turn]:
            build, mode, target = key
            args = [builds[build], "scan", "--json", "--threads", "2"] + modes[build][mode] + [target]
            start, used = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
            run = subprocess.run(args, capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall[key].append(time.monotonic() - start)
            cpu[key].append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
            if target == tree:
                matched[(build, mode)] = {name: sum(1 for line in run.stdout.splitlines()
                                                    if f'"type":"{KINDS[name]}"' in line) for name in sets}
        load.append(os.getloadavg()[0])
    print(f"load average (1 min) during the scans: {min(load):.1f} to {max(load):.1f} on {os.cpu_count()} cores; "
          f"best of {repeat} rounds")

    def ratio(without, with_it):
        return f"{without / with_it:.2f}x" if without > 0 and with_it > 0 else "n/a (below the noise)"

    side = {}
    for build, agent in builds.items():
        plain = [agent, "scan", "--json", "--threads", "2", "--no-sandbox", one]
        _, rss_none = peak_rss_kib(plain)
        scan = {}
        for mode in names:
            scan[mode] = tuple(min(t[(build, mode, tree)]) - min(t[(build, mode, one)]) for t in (cpu, wall))
        for mode in names:
            found = ", ".join(f"{n} {name}" for name, n in matched[(build, mode)].items())
            side[(build, mode)] = f"{scan[mode][0]:.2f} s" + (
                "" if mode == "no set" else
                f" ({ratio(scan['no set'][0], scan[mode][0])}), +{scan[mode][0] - scan['no set'][0]:.2f} s") + \
                f"; matched {found}"
            print(f"[{build}] {mode}: scanning {scan[mode][0]:.2f} s CPU, {scan[mode][1]:.2f} s wall"
                  + ("" if mode == "no set" else
                     f" ({ratio(scan['no set'][0], scan[mode][0])} CPU, {ratio(scan['no set'][1], scan[mode][1])} "
                     "wall of no set; goal >= 0.8x)") + f"; files matched: {found}")
            if mode == "no set":
                continue
            _, rss = peak_rss_kib(plain[:-1] + modes[build][mode] + [one])
            start = min(wall[(build, mode, one)]) - min(wall[(build, 'no set', one)])
            print(f"[{build}] {mode}: loading (once per set version): +{start:.2f} s for a one-file run "
                  f"({min(wall[(build, mode, one)]):.2f} s), peak RSS +{(rss - rss_none) / 1024:.1f} MiB "
                  f"(goal <= 64 MiB)")
    if reference_bin:
        print("\nscanning CPU (ratio to no set; seconds the set adds), both builds in the same rounds:")
        print("| mode | reference | this build |\n|---|---|---|")
        for mode in names:
            print(f"| {mode} | {side[('reference', mode)]} | {side[('this build', mode)]} |")


def ensure_sets(tmp, sets, wanted, rows, texts, bin_dir, label):
    """The sets registered by the build in bin_dir (its collector and mamorictl), kept in tmp: all
    registered again when one is missing or of other sizes. Answers, per set, the scan options that
    name its file ("set") and its collector's key ("key")."""
    os.makedirs(tmp, exist_ok=True)
    made = os.path.join(tmp, "sets.json")
    held = {}
    if os.path.exists(made):
        with open(made) as f:
            held = json.load(f)
    pem = os.path.join(tmp, "policy.pub")
    missing = [s for s in sets if held.get(s, {}).get("size") != wanted[s] or not os.path.exists(pem)]
    if missing:
        kept_bin = harness.BIN_DIR
        harness.BIN_DIR = bin_dir  # mamorictl of that build (the harness runs it from there)
        collector = Collector(tmp, log_level="warning", program=os.path.join(bin_dir, "mamori-collector")).start()
        try:
            # Every set of one run from one collector: one fleet key, as in a real fleet.
            held = {}
            for name in sets:
                summary, rate = (register_edm(collector, tmp, rows) if name == "edm"
                                 else register_fingerprints(collector, tmp, texts))
                held[name] = {"size": wanted[name], "summary": summary, "registration": rate}
            subprocess.run(["openssl", "pkey", "-in", collector.policy_key_file, "-pubout", "-out", pem],
                           check=True)
        finally:
            collector.stop()
            harness.BIN_DIR = kept_bin
        with open(made, "w") as f:
            json.dump(held, f)
    files = {"edm": os.path.join(tmp, "bench.edm"), "fingerprints": os.path.join(tmp, "bench.fingerprints")}
    options = {"edm": {"set": ["--edm", files["edm"]], "key": ["--collector-key", pem]},
               "fingerprints": {"set": ["--fingerprints", files["fingerprints"], "--min-containment", "30"],
                                "key": ["--collector-key", pem]}}
    for name in sets:
        # One missing set registers them all again (one collector, one fleet key): "earlier run" only
        # when none was.
        print(f"[{label}] {name}: registered {held[name]['registration']}" + ("" if missing else " (earlier run)"))
        print(f"[{label}] {name}: {held[name]['summary']}; signed file "
              f"{os.path.getsize(files[name]) / 1048576:.1f} MiB")
    return held, options


def reads_sets(agent, options, sets, tmp):
    """Whether agent accepts every set: a one-file scan with them exits 0 or 1 (2: a set refused)."""
    one = os.path.join(tmp, "probe.txt")
    with open(one, "w") as f:
        f.write("hello\n")
    args = [agent, "scan", "--json", "--threads", "1", "--no-sandbox"] + \
        [a for name in sets for a in options[name]["set"]] + options[sets[0]]["key"] + [one]
    return subprocess.run(args, capture_output=True, text=True).returncode in (0, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="edm,fingerprints", help="edm, fingerprints or both (default)")
    parser.add_argument("--rows", type=int, default=1000000, help="EDM table rows (default 1,000,000)")
    parser.add_argument("--documents", type=int, default=10000, help="registered documents (default 10,000)")
    parser.add_argument("--chars", type=int, default=5000, help="characters per registered document")
    parser.add_argument("--files", type=int, default=2000, help="tree files per set kind (default 2,000)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference-bin", help="another build's bin directory: its mamori-agent scans the same "
                        "sets and tree, alternating with this build's, and is reported beside it")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and leave the sets, policy.pub and the tree "
                        "there; reused by a later run with the same DIR and set sizes")
    args = parser.parse_args(argv)
    sets = [s for s in ("edm", "fingerprints") if s in args.sets.split(",")]
    if not sets or len(sets) != len(args.sets.split(",")):
        parser.error("--sets: edm, fingerprints or edm,fingerprints")
    tmp = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="mamori-bench-sets-")
    os.makedirs(tmp, exist_ok=True)
    wanted = {"edm": {"rows": args.rows}, "fingerprints": {"documents": args.documents, "chars": args.chars}}
    rows = edm_rows(args.rows) if "edm" in sets else []
    texts = documents(args.documents, args.chars) if "fingerprints" in sets else []
    try:
        _, own = ensure_sets(tmp, sets, wanted, rows, texts, BIN, "this build")
        set_args = {"this build": own}
        if args.reference_bin:
            reference = os.path.abspath(args.reference_bin)
            if reads_sets(os.path.join(reference, "mamori-agent"), own, sets, tmp):
                set_args["reference"] = own
            else:
                print("reference: refuses this build's sets: it scans sets registered by itself "
                      "(reference/ in the work folder)")
                _, set_args["reference"] = ensure_sets(os.path.join(tmp, "reference"), sets, wanted, rows, texts,
                                                       reference, "reference")
        tree = os.path.join(tmp, "tree")
        write_tree(tree, sets, args.files, rows, texts)
        compare_scans(tmp, tree, sets, set_args, args.repeat, args.reference_bin)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
