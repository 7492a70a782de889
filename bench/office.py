#!/usr/bin/env python3
"""Recall and false positives over office files as LibreOffice writes them: prints figures, asserts nothing.

The fixture set of tests/scan/make_office_fixtures.py (markings in body, page header, footnote, table
cells, split formatting and speaker notes; card numbers and My Numbers in sheets; as docx, doc, odt,
rtf, pdf, xlsx, xls, ods, pptx, ppt, odp and Outlook .msg; positives and negatives) is generated once
into --dir (soffice takes about two minutes; the time is printed) and scanned by
`mamori-agent scan --json` with the built-in policy. Printed per format and overall: positives found
of those expected (recall) and names reported that were not expected (false positives).

Reference in the same run: the yara CLI with the built-in policy's rules over the same files as they
are on disk (no extraction, no decoding): what a scanner without extractors finds (rules only; it has
no card or My Number detectors, so those positives count as missed).

With --reference-bin DIR, the mamori-agent in DIR (an earlier build) is run on the same files too, for
the figures before a change.

Usage: bench/office.py [--dir DIR] [--reference-bin DIR]   (run after scripts/build.sh; needs soffice and yara)
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MAMORI_BIN_DIR", os.path.join(REPO, "build", "bin"))
SCRIPT = os.path.join(REPO, "tests", "scan", "make_office_fixtures.py")


def expected_table(root):
    table = {}
    with open(os.path.join(root, "expected.tsv"), encoding="utf-8") as f:
        for line in f:
            path, names, _ = line.rstrip("\n").split("\t")
            table[path] = set(n for n in names.split(",") if n)
    return table


def mamori_found(root, bin_dir=BIN):
    agent = os.path.join(bin_dir, "mamori-agent")
    out = subprocess.run([agent, "scan", "--json", root], capture_output=True, text=True).stdout
    found = collections.defaultdict(set)
    for line in out.splitlines():
        record = json.loads(line)
        if "path" in record:
            found[os.path.relpath(record["path"], root)] |= {m["name"] for m in record["matches"]}
    return found


def yara_found(root):
    source = open(os.path.join(REPO, "policy", "DefaultPolicy.cpp"), encoding="utf-8").read()
    rules = re.search(r'R"yara\((.*?)\)yara"', source, re.S).group(1)
    with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False, encoding="utf-8") as f:
        f.write(rules)
    try:
        out = subprocess.run(["yara", "-r", f.name, root], capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    found = collections.defaultdict(set)
    for line in out.splitlines():
        rule, path = line.split(" ", 1)
        found[os.path.relpath(path, root)].add("company-confidential:" + rule)
    return found


def figures(expected, found):
    rows = collections.defaultdict(lambda: [0, 0, 0, 0])  # expected, found, false positives, files
    for path, names in expected.items():
        fmt = path.rsplit(".", 1)[1]
        got = found.get(path, set())
        for row in (rows[fmt], rows["all"]):
            row[0] += len(names)
            row[1] += len(names & got)
            row[2] += len(got - names)
            row[3] += 1
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default=os.path.join(REPO, "build", "office-fixtures"),
                        help="where the fixture set is generated and kept (default build/office-fixtures)")
    parser.add_argument("--reference-bin", help="a folder with an earlier build's mamori-agent (and mamori-extract)")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(BIN, "mamori-agent")):
        sys.exit("bench/office.py: needs build/bin/mamori-agent (scripts/build.sh)")
    subprocess.run([sys.executable, SCRIPT, args.dir], check=True)
    expected = expected_table(args.dir)
    ours = figures(expected, mamori_found(args.dir))
    columns = [("mamori", ours), ("yara (raw bytes)", figures(expected, yara_found(args.dir)))]
    if args.reference_bin:
        columns.insert(1, ("mamori reference", figures(expected, mamori_found(args.dir, args.reference_bin))))
    print(open(os.path.join(args.dir, "timing.txt")).read().strip())
    print(f"{'format':8} {'files':>5}" + "".join(f"  {name + ' recall':>22} {'FP':>3}" for name, _ in columns))
    for fmt in sorted(ours, key=lambda k: (k == "all", k)):
        line = f"{fmt:8} {ours[fmt][3]:5}"
        for _, table in columns:
            e, f, fp, _ = table[fmt]
            line += f"  {f:10}/{e:<4} {f / e if e else 1:6.2f} {fp:3}"
        print(line)
    print("goal (issue 17): recall >= 0.98 and 0 false positives")


if __name__ == "__main__":
    main()
