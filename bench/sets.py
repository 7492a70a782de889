#!/usr/bin/env python3
"""Content sets benchmark (issue 18, docs/decisions/0032, 0034, 0052): prints figures, asserts nothing.

  PYTHONPATH=tests/support/python bench/sets.py [--sets edm,fingerprints] [--rows N] [--documents D]
      [--files M] [--tree lists|mixed|lists,mixed] [--vocabulary small|docs] [--repeat R]
      [--reference-bin DIR] [--keep DIR]

With the real binaries on loopback (a collector over TLS on a throwaway state directory):
  1. registration: `mamorictl edm add` of a generated customer table of --rows rows (name, kana,
     address, phone, e-mail, My Number) and `mamorictl fingerprints add` of --documents generated
     documents (English and Japanese prose of about --chars characters): wall time, rate;
  2. each set: its summary and the signed file's size;
  3. loading, once per set version in the resident agent: the time a one-file scan takes with the set
     over without it (start, reading the file, its Ed25519 check, parsing), and the scanner's peak RSS
     with the set over without it (goal <= 64 MiB for both sets);
  4. scan throughput, the steady state of an agent that scans for days with its sets loaded: the CPU
     (and wall) time of `mamori-agent scan --threads 2` over a tree (--tree) minus the same command's
     one-file run (so process start and set loading are not in it), with no set (the reference), with
     each set alone and with all of them; best of --repeat rounds, every mode (and build, and tree) in
     every round, in an order that rotates per round, so the machine's load falls on all alike. Goal:
     >= 0.8x the reference with both sets. With each figure, the files each set matched: how many of
     those planted to match it, how many others.

The trees (every mode scans all of the tree; `--tree lists,mixed` scans both in the same rounds):
- lists (the default, the worst case on purpose, the figures of bench/README.md before 2026-12-08):
  for EDM, --files files of 40 made-up customer rows and Japanese prose, one in ten holding 5
  registered rows among them; for fingerprints, --files files of English or Japanese prose of about
  5,000 characters, one in ten holding a 1,500-character excerpt of a registered document. The English
  is drawn from the registered documents' own 45-word vocabulary (--vocabulary small, the default), so
  unrelated English files hold fingerprints of the set (decision 0067: about 800 of 4,000 files), which
  overstates the fingerprint side; --vocabulary docs draws it from real English instead (below).
- mixed: 2 x --files files like a home folder (mamori_testkit.scan_trees.make_home_tree, shares in its
  HOME_SHARES): bench/scan.py's docx/xlsx (16 KiB of text, make_fixtures' writer) and text files
  (8 KiB), PDFs, mail (one in three with a docx attached), zip archives (a docx, notes, a customer
  list), this repository's source files, ELF programs copied from /usr/bin (16-512 KiB) and a few
  customer lists of made-up rows. Half the text is Japanese (the registered documents' vocabulary),
  half real English: the prose paragraphs of this checkout's docs/*.md and docs/decisions/*.md
  (mamori_testkit.scan_trees.EnglishText; it follows the documentation, so compare builds within one
  run). Planted, one file in 40 per set: a 1,500-character excerpt of a registered document among
  other text of its language in a docx, xlsx, PDF or mail in turn (fingerprints); 5 registered rows
  among 35 made-up ones in an xlsx or csv in turn (EDM); only for the sets of --sets, the other kinds
  filling their places. The registered documents and rows are the same for both trees (one
  registration serves both; the documents' English is the 45-word vocabulary's: bench/README.md has
  the planted excerpts' recall by language).

--reference-bin DIR runs another build's mamori-agent (for example main before a change) over the
same tree, alternating with this build's in every round, and reports it beside (a table of both at the
end). It scans the same set files when it can read them; when it refuses them (another set format, as
after docs/decisions/0063), the reference build registers the same documents and rows itself (its
own collector and mamorictl from DIR, in reference/ under the work folder; kept with --keep), and
scans those.
--keep DIR works in DIR and leaves the set files (bench.edm, bench.fingerprints), the collector's
public key (policy.pub) and the trees (tree/, tree-mixed/) there; a later run with the same --keep DIR
and the same --rows, --documents and --chars reuses the sets instead of registering them again (e.g.
to profile a scan with perf, or to repeat the figures); the trees are written again at every run.
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
from mamori_testkit import make_fixtures, scan_trees  # noqa: E402
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


def write_tree(tree, sets, files, rows, texts, english=None):
    """The lists tree: --files files per set kind; one in ten of each kind should match its set.
    english(rng, chars): the English prose (None: the 45-word vocabulary, --vocabulary small).
    Answers {set: the paths planted to match it}."""
    shutil.rmtree(tree, ignore_errors=True)
    rng = random.Random(19)  # not the documents' seed: the tree's prose must not repeat them
    if english is None:
        def english(rng, chars):
            return prose(rng, chars, False)
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
                body = english(rng, 2000) + src[1000:2500] + english(rng, 2000)
            else:
                body = prose(rng, 5000, True) if i % 2 == 1 else english(rng, 5000)
            bodies.append(("fp", i, body))
    planted = {name: set() for name in sets}
    for kind, i, body in bodies:
        path = os.path.join(tree, f"{kind}{i // 100:03d}", f"f{i:05d}.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)
        if i % 10 == 0:
            planted["edm" if kind == "edm" else "fingerprints"].add(path)
    return planted


def write_mixed_tree(tree, sets, files, rows, texts, english):
    """The mixed tree: 2 x files files like a home folder (mamori_testkit.scan_trees.make_home_tree:
    bench/scan.py's docx/xlsx and text files among PDFs, mail, zip archives, source code, programs and
    customer lists), half of the text English (english: real English), half Japanese; and, for each
    set of sets, one file in 40 planted: a 1,500-character excerpt of a registered document with
    other text of its language in a docx, xlsx, PDF or mail in turn; 5 registered rows among 35
    made-up ones in an xlsx or csv in turn. Answers {set: the paths planted to match it}."""
    shutil.rmtree(tree, ignore_errors=True)
    rng = random.Random(20)
    total = 2 * files
    each = max(1, total // 40)

    def blob(rng, size, mark, index):
        """English for files 0, 1, 4, 5, ... (docx and xlsx alike), Japanese for the others."""
        if (index // 2) % 2 == 0:
            return english(rng, size, mark)
        text = prose(rng, size // 3, True)
        if mark:
            at = rng.randrange(len(text))
            text = text[:at] + "社外秘" + text[at:]
        return text

    fake = customers(2000, seed=99)
    counts = scan_trees.make_home_tree(tree, total - each * len(sets), rng, blob, fake, REPO)
    planted = {name: set() for name in sets}

    def put(name, kind, i, suffix, data):
        path = os.path.join(tree, kind, f"d{i % 16:02d}", f"x{i:05d}{suffix}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        planted[name].add(path)

    if "fingerprints" in sets:
        for i in range(each):
            source = rng.randrange(len(texts))
            excerpt = texts[source][1000:2500]
            language = 2 * (source % 2)  # documents(): the odd ones are Japanese; blob's index for the same
            cut = [excerpt[k:k + 300] for k in range(0, len(excerpt), 300)]
            kind = ("docx", "xlsx", "pdf", "eml")[i % 4]
            if kind in ("docx", "xlsx"):
                paragraphs = scan_trees.office_paragraphs(rng, 8, False, language, blob)
                middle = len(paragraphs) // 2
                paragraphs[middle:middle] = [[c] for c in cut]
                data = make_fixtures.docx(paragraphs) if kind == "docx" else \
                    make_fixtures.xlsx(["".join(p) for p in paragraphs])
                put("fingerprints", "office", i, "." + kind, data)
            else:
                text = blob(rng, 2048, False, language) + "\n" + excerpt + "\n" + blob(rng, 2048, False, language)
                if kind == "pdf":
                    put("fingerprints", "pdf", i, ".pdf", scan_trees.pdf_text(text))
                else:
                    put("fingerprints", "mail", i, ".eml", scan_trees.mail_text(text))
    if "edm" in sets:
        for i in range(each):
            listed = rng.sample(fake, 35)
            for r in rng.sample(rows, 5):
                listed.insert(rng.randrange(len(listed) + 1), r)
            if i % 2 == 0:
                put("edm", "office", i + each, ".xlsx", scan_trees.customer_xlsx(listed))
            else:
                put("edm", "list", i + each, ".csv", scan_trees.customer_csv(listed))
    shares = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    planted_text = "; planted: " + ", ".join(f"{len(paths)} for {name}" for name, paths in planted.items())
    print(f"mixed tree, files of each kind: {shares}{planted_text}")
    return planted


def compare_scans(tmp, trees, sets, set_args, repeat, reference_bin=None):
    """Scans each tree of trees ({name: (folder, {set: planted paths})}) and a one-file tree in every
    mode (no set, each set alone, all sets), with this build's mamori-agent and, given reference_bin,
    another build's; modes, trees and builds rotate in every round; best of repeat rounds. Prints per
    build and mode: loading (one-file run over the one without sets, peak RSS over it) and, per tree,
    the scanning's CPU and wall with the ratio to no set and the files each set matched beside those
    planted, then (with a reference) both builds side by side. set_args: per build, per set, the
    scan options that name its set file and its collector's key."""
    for name, (tree, planted) in trees.items():
        files = sum(len(ns) for _, _, ns in os.walk(tree))
        tree_bytes = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(tree) for n in ns)
        print(f"{name} tree: {files} files, {tree_bytes / 1048576:.1f} MiB; planted to match: "
              + ", ".join(f"{len(paths)} {s}" for s, paths in planted.items()))
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
    targets = [one] + [tree for tree, _ in trees.values()]
    runs = [(b, m, t) for b in builds for m in names for t in targets]
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
            if target != one:
                found = {name: set() for name in sets}
                for line in run.stdout.splitlines():
                    if not line.startswith('{"path"'):
                        continue
                    hit = json.loads(line)
                    for name in sets:
                        if any(m["type"] == KINDS[name] for m in hit["matches"]):
                            found[name].add(hit["path"])
                matched[key] = found
        load.append(os.getloadavg()[0])
    print(f"load average (1 min) during the scans: {min(load):.1f} to {max(load):.1f} on {os.cpu_count()} cores; "
          f"best of {repeat} rounds")

    def ratio(without, with_it):
        return f"{without / with_it:.2f}x" if without > 0 and with_it > 0 else "n/a (below the noise)"

    def recall(key, planted):
        """Files matched per set, with how many of the planted ones and how many others."""
        return ", ".join(f"{len(paths)} {name}" + (f" ({len(paths & planted[name])} of {len(planted[name])} planted, "
                                                   f"{len(paths - planted[name])} other)" if planted[name] else "")
                         for name, paths in matched[key].items())

    side = {}
    for build, agent in builds.items():
        plain = [agent, "scan", "--json", "--threads", "2", "--no-sandbox", one]
        _, rss_none = peak_rss_kib(plain)
        for tname, (tree, planted) in trees.items():
            label = f"[{build}]" + (f" {tname} tree," if len(trees) > 1 else "")
            scan = {}
            for mode in names:
                scan[mode] = tuple(min(t[(build, mode, tree)]) - min(t[(build, mode, one)]) for t in (cpu, wall))
            for mode in names:
                found = recall((build, mode, tree), planted)
                side[(build, tname, mode)] = f"{scan[mode][0]:.2f} s" + (
                    "" if mode == "no set" else
                    f" ({ratio(scan['no set'][0], scan[mode][0])}), +{scan[mode][0] - scan['no set'][0]:.2f} s") + \
                    f"; matched {found}"
                print(f"{label} {mode}: scanning {scan[mode][0]:.2f} s CPU, {scan[mode][1]:.2f} s wall"
                      + ("" if mode == "no set" else
                         f" ({ratio(scan['no set'][0], scan[mode][0])} CPU, {ratio(scan['no set'][1], scan[mode][1])} "
                         "wall of no set; goal >= 0.8x)") + f"; files matched: {found}")
        for mode in names[1:]:
            _, rss = peak_rss_kib(plain[:-1] + modes[build][mode] + [one])
            start = min(wall[(build, mode, one)]) - min(wall[(build, 'no set', one)])
            print(f"[{build}] {mode}: loading (once per set version): +{start:.2f} s for a one-file run "
                  f"({min(wall[(build, mode, one)]):.2f} s), peak RSS +{(rss - rss_none) / 1024:.1f} MiB "
                  f"(goal <= 64 MiB)")
    if reference_bin:
        print("\nscanning CPU (ratio to no set; seconds the set adds), both builds in the same rounds:")
        print("| tree | mode | reference | this build |\n|---|---|---|---|")
        for tname in trees:
            for mode in names:
                print(f"| {tname} | {mode} | {side[('reference', tname, mode)]} | {side[('this build', tname, mode)]} |")


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
    parser.add_argument("--tree", default="lists", help="lists (default: customer lists and prose, the worst "
                        "case), mixed (a home folder's kinds of files) or lists,mixed (both in the same rounds)")
    parser.add_argument("--vocabulary", choices=("small", "docs"), default="small",
                        help="the lists tree's English prose: small (default: the 45-word vocabulary of the "
                        "registered documents) or docs (this repository's documentation, as in the mixed tree)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and leave the sets, policy.pub and the tree "
                        "there; reused by a later run with the same DIR and set sizes")
    args = parser.parse_args(argv)
    sets = [s for s in ("edm", "fingerprints") if s in args.sets.split(",")]
    if not sets or len(sets) != len(args.sets.split(",")):
        parser.error("--sets: edm, fingerprints or edm,fingerprints")
    trees = args.tree.split(",")
    if not trees or any(t not in ("lists", "mixed") for t in trees) or len(set(trees)) != len(trees):
        parser.error("--tree: lists, mixed or lists,mixed")
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
        english = scan_trees.EnglishText(REPO) if "mixed" in trees or args.vocabulary == "docs" else None
        folders = {}
        for name in trees:
            if name == "lists":
                tree = os.path.join(tmp, "tree")
                words = english if args.vocabulary == "docs" else None
                folders[name] = (tree, write_tree(tree, sets, args.files, rows, texts,
                                                  words and (lambda rng, chars: words(rng, chars))))
            else:
                tree = os.path.join(tmp, "tree-mixed")
                folders[name] = (tree, write_mixed_tree(tree, sets, args.files, rows, texts, english))
        compare_scans(tmp, folders, sets, set_args, args.repeat, args.reference_bin)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
