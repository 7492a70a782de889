"""The literal prefilter in front of libyara (docs/decisions/0053) loses nothing: `mamori-scan` over a
tree of files built to sit at its edges (strings at the first and last byte, across 4 KiB, 64 KiB and
1 MiB, cut one byte short, one letter off, in other case, wide, in UTF-16, Shift_JIS and EUC-JP, in
deflated Office parts split over runs, in gzip and zip members, beside card numbers) reports exactly
what it reports with the prefilter off (MAMORI_YARA_PREFILTER=off: every buffer to libyara), for rule
sets it applies to and for sets it must not apply to (regular expressions only, conditions without
strings, negations); and where mamori hands libyara the file's own bytes or their decoded text, the
same rules as the yara CLI finds in those bytes (or in that text). About 2 s.
"""

import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from mamori_testkit import make_fixtures
from mamori_testkit.harness import binary

# Every rule needs a plain text string of >= 4 bytes: the prefilter is built (asserted with =require).
LITERAL = r'''
rule marking_ja { strings: $a = "社外秘" $b = "部外秘" $c = "関係者外秘" condition: any of them }
rule marking_en { strings: $a = "CONFIDENTIAL" nocase $b = "Internal Use Only" nocase wide ascii
  condition: any of them }
rule customer_ja { strings: $a = "顧客番号" $b = "氏名" $c = "住所" $d = "電話番号" condition: 3 of them }
rule wide_only { strings: $a = "TOPSECRET" wide condition: $a and filesize < 10MB }
rule project_id { strings: $a = "PRJ-7731" fullword condition: #a >= 1 and $a }
'''
# Sets the prefilter must not be built for: libyara sees every buffer.
REGEX_ONLY = r'''
rule re_ja { strings: $a = /社外.{0,3}秘|部外秘/ condition: $a }
rule re_en { strings: $a = /conf[i1]dential/ nocase condition: $a }
'''
NO_STRINGS = LITERAL + r'''
rule large { condition: filesize > 200KB }
rule zip_magic { condition: uint16(0) == 0x4b50 }
'''
NEGATION = r'''
rule unmarked_small { strings: $a = "社外秘" condition: not $a and filesize < 64 }
rule marked { strings: $a = "社外秘" condition: $a }
'''
SETS = {"literal": LITERAL, "regex_only": REGEX_ONLY, "no_strings": NO_STRINGS, "negation": NEGATION}

MARK = "社外秘"
CARDS = "4111 1111 1111 1111\n5500 0000 0000 0004\n3400 0000 0000 009\n"  # min_count 3 by default


def filler(size):
    """ASCII text of exactly size bytes holding no rule's string."""
    unit = b"lorem ipsum dolor sit amet 0123 "
    return (unit * (size // len(unit) + 1))[:size]


def edge_files():
    """name -> bytes: plain files mamori hands libyara as they are."""
    m = MARK.encode()
    files = {
        "plain/exact.txt": m,
        "plain/start.txt": m + filler(5000),
        "plain/end.txt": filler(5000) + m,
        "plain/cut_short.txt": filler(5000) + m[:-1],
        "plain/first_byte_missing.txt": m[1:] + filler(100),
        "plain/one_letter_off.txt": filler(100) + b"CONFIDENTIAI " + "部外 秘".encode(),
        "plain/nocase.txt": filler(300) + b"cOnFiDeNtIaL" + filler(300),
        "plain/customer_two.txt": "顧客番号 氏名 のみ".encode() + filler(10),
        "plain/customer_three.txt": "顧客番号\n氏名\n住所\n".encode(),
        "plain/fullword_no.txt": b"xPRJ-7731y " + filler(50),
        "plain/fullword_yes.txt": filler(50) + b" PRJ-7731\n",
        "plain/small_clean.txt": b"hello",
        "plain/cards.txt": CARDS.encode() + m,
        "plain/large.txt": filler(300 * 1024),
        "binary/wide.bin": b"\x00\x01\x02" + "TOPSECRET".encode("utf-16-le") + b"\xff" * 40,
        "binary/wide_nocase.bin": b"\x7fELF\x00" + "internal use ONLY".encode("utf-16-le") + b"\x00" * 9,
        "binary/narrow_only.bin": b"\x00\x00TOPSECRET\x00\x00",
    }
    for boundary in (4096, 65536, 1 << 20):
        for needle in (m, b"Confidential"):
            # the string's bytes on both sides of the boundary (3 before it)
            files[f"plain/across_{boundary}_{len(needle)}.txt"] = filler(boundary - 3) + needle + filler(64)
            files[f"plain/ends_at_{boundary}_{len(needle)}.txt"] = filler(boundary - len(needle)) + needle
    return files


def decoded_files():
    """name -> (bytes, the text mamori decodes them to): mamori scans both the raw bytes and the text."""
    text = "顧客一覧 " + MARK + " CONFIDENTIAL"
    return {
        "enc/sjis.txt": (text.encode("cp932"), text),
        "enc/sjis_end.txt": (("報告書 " * 500 + MARK).encode("cp932"), "報告書 " * 500 + MARK),
        "enc/eucjp.txt": (text.encode("euc_jp"), text),
        "enc/utf16le_bom.txt": (b"\xff\xfe" + text.encode("utf-16-le"), text),
        "enc/utf16le_end.txt": (b"\xff\xfe" + ("会議 " * 700 + "部外秘").encode("utf-16-le"), "会議 " * 700 + "部外秘"),
    }


def container_files():
    """Office parts and archives: compared with the prefilter off (mamori's own extraction)."""
    long_para = "予定 " * 4000
    return {
        "office/split_runs.docx": make_fixtures.docx([["議事録"], ["社", "外", "秘"]]),
        "office/at_end.docx": make_fixtures.docx([[long_para], [long_para + "関係者外秘"]]),
        "office/clean.docx": make_fixtures.docx([[long_para]]),
        "office/cells.xlsx": make_fixtures.xlsx(["顧客番号", "氏名", "住所"] + CARDS.split("\n")[:3]),
        "office/cells_two.xlsx": make_fixtures.xlsx(["顧客番号", "氏名"]),
        "archive/report.txt.gz": gzip.compress(filler(70000) + b"Company CONFIDENTIAL"),
        "archive/nested.zip": make_fixtures.zip_bytes([("in/sheet.xlsx", make_fixtures.xlsx(["部外秘"])),
                                                       ("in/plain.txt", b"clean")]),
    }


def write_tree(root, files):
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


class PrefilterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scan = binary("mamori-scan")
        cls.yara = shutil.which("yara")
        cls.work = tempfile.mkdtemp(prefix="mamori-prefilter-")
        cls.tree = os.path.join(cls.work, "tree")
        write_tree(cls.tree, edge_files())
        write_tree(cls.tree, {name: raw for name, (raw, _) in decoded_files().items()})
        write_tree(cls.tree, container_files())
        # The decoded texts as UTF-8 files, for the yara CLI.
        cls.texts = os.path.join(cls.work, "texts")
        write_tree(cls.texts, {name: text.encode() for name, (_, text) in decoded_files().items()})
        cls.rules = {}
        for name, source in SETS.items():
            cls.rules[name] = os.path.join(cls.work, name + ".yar")
            with open(cls.rules[name], "w", encoding="utf-8") as f:
                f.write(source)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def run_scan(self, rules, mode=None):
        env = dict(os.environ)
        env.pop("MAMORI_YARA_PREFILTER", None)
        if mode:
            env["MAMORI_YARA_PREFILTER"] = mode
        proc = subprocess.run([self.scan, "--json", "--threads", "2", "--rules", rules, self.tree],
                              capture_output=True, text=True, env=env, timeout=120)
        return proc

    def hits(self, rules, mode=None):
        """path (relative) -> sorted (type, name, count, container path) of every match."""
        proc = self.run_scan(rules, mode)
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        found = {}
        for line in proc.stdout.splitlines():
            record = json.loads(line)
            if "path" not in record:
                continue
            self.assertEqual(record["not_inspected"], [], record)
            rel = os.path.relpath(record["path"], self.tree)
            found[rel] = sorted((m["type"], m["name"].split(":", 1)[-1], m["count"],
                                 os.path.relpath(m["container_path"], self.tree)) for m in record["matches"])
        return found

    def yara_rules(self, rules, root):
        """path (relative to root) -> set of rule names the yara CLI finds in the file's bytes."""
        proc = subprocess.run([self.yara, "-r", rules, root], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        found = {}
        for line in proc.stdout.splitlines():
            rule, path = line.split(" ", 1)
            found.setdefault(os.path.relpath(path, root), set()).add(rule)
        return found

    def test_same_findings_with_and_without_the_prefilter(self):
        for name, rules in self.rules.items():
            with self.subTest(rules=name):
                on, off = self.hits(rules), self.hits(rules, "off")
                self.assertEqual(on, off)
                self.assertTrue(any(on.values()), "the tree must match something")

    def test_the_prefilter_is_built_only_where_it_may_be(self):
        self.assertEqual(self.hits(self.rules["literal"], "require"), self.hits(self.rules["literal"], "off"))
        for name in ("regex_only", "no_strings", "negation"):
            with self.subTest(rules=name):
                proc = self.run_scan(self.rules[name], "require")
                self.assertEqual(proc.returncode, 2, proc.stdout)
                self.assertIn("no literal prefilter", proc.stderr)

    @unittest.skipIf(shutil.which("yara") is None, "the yara CLI is not installed")
    def test_rules_as_the_yara_cli_finds_them(self):
        plain = [n for n in edge_files()]
        decoded = list(decoded_files())
        for name, rules in self.rules.items():
            with self.subTest(rules=name):
                mamori = self.hits(rules)
                raw = self.yara_rules(rules, self.tree)
                text = self.yara_rules(rules, self.texts)
                for path in plain + decoded:
                    expected = raw.get(path, set()) | (text.get(path, set()) if path in decoded else set())
                    got = {hit[1] for hit in mamori.get(path, []) if hit[0] == "rule"}
                    self.assertEqual(got, expected, f"{name}: {path}")

    def test_the_edges_are_found(self):
        """What the tree was built for, spelled out (so a tree that matches nothing fails)."""
        found = self.hits(self.rules["literal"])

        def rules_of(path):
            return {hit[1] for hit in found.get(path, []) if hit[0] == "rule"}

        for boundary in (4096, 65536, 1 << 20):
            for length, rule in ((9, "marking_ja"), (12, "marking_en")):
                self.assertIn(rule, rules_of(f"plain/across_{boundary}_{length}.txt"))
                self.assertIn(rule, rules_of(f"plain/ends_at_{boundary}_{length}.txt"))
        for path in ("plain/cut_short.txt", "plain/first_byte_missing.txt", "plain/one_letter_off.txt",
                     "plain/customer_two.txt", "plain/fullword_no.txt", "binary/narrow_only.bin",
                     "office/clean.docx", "office/cells_two.xlsx"):
            self.assertEqual(rules_of(path), set(), path)
        for path, rule in (("plain/exact.txt", "marking_ja"), ("plain/nocase.txt", "marking_en"),
                           ("plain/customer_three.txt", "customer_ja"), ("plain/fullword_yes.txt", "project_id"),
                           ("binary/wide.bin", "wide_only"), ("binary/wide_nocase.bin", "marking_en"),
                           ("enc/sjis.txt", "marking_ja"), ("enc/sjis_end.txt", "marking_ja"),
                           ("enc/eucjp.txt", "marking_en"), ("enc/utf16le_bom.txt", "marking_ja"),
                           ("enc/utf16le_end.txt", "marking_ja"), ("office/split_runs.docx", "marking_ja"),
                           ("office/at_end.docx", "marking_ja"), ("office/cells.xlsx", "customer_ja"),
                           ("archive/report.txt.gz", "marking_en"), ("archive/nested.zip", "marking_ja")):
            self.assertIn(rule, rules_of(path), path)
        # The detectors run whatever the prefilter says about the rules.
        self.assertIn("credit_card", {hit[1] for hit in found["plain/cards.txt"] if hit[0] == "detector"})
        self.assertIn("credit_card", {hit[1] for hit in found["office/cells.xlsx"] if hit[0] == "detector"})


if __name__ == "__main__":
    unittest.main()
