"""Exact data match end to end (issue 18, docs/decisions/0034), with the real binaries over TLS: an
administrator registers a generated customer table of 3,000 rows (`mamorictl edm add`: read and hashed
on the administrator's side, only keyed hashes and row numbers sent), exports the signed set, and
`mamori-agent scan --edm` reports files holding some of its rows with the right row count: a CSV export
in another column order, a spreadsheet (LibreOffice's xlsx from CSV), a letter (docx) and its PDF by
LibreOffice, a mail with rows pasted in. Files with the same names and other phone numbers, generic
name lists, names paired with other customers' phones, and values of a single column are not reported.
The database and the set hold no value of the table; tampered and foreign sets are refused; the admin
routes are audited."""

import csv
import io
import json
import os
import random
import shutil
import subprocess
import unittest

import set_files
import test_fingerprints as documents
from mamori_testkit.edm_fixtures import customers, other_phone
from mamori_testkit.harness import binary

ROWS = 3000


class EdmTest(set_files.SetScanTest):
    KIND = "edm"
    OPTION = "--edm"
    REFUSED = "exact-data-match set refused"

    def setUp(self):
        super().setUp()
        self.rows = customers(ROWS)
        self.csv = os.path.join(self.tmp, "customers.csv")
        with open(self.csv, "w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f)
            w.writerow(["氏名", "フリガナ", "住所", "電話番号", "メール", "個人番号"])
            w.writerows(self.rows)

    def register(self):
        code, out, err = self.ctl("edm", "add", "--set", "customers", "--columns",
                                  "name,kana,address,phone,email,mynumber", self.csv)
        self.assertIn(f"read {ROWS} rows", out, err)
        self.assertIn(f"set customers version 1: {ROWS} rows", out)
        bundle = os.path.join(self.tmp, "customers.edm")
        self.ctl("edm", "export", "customers", "--output", bundle)
        return bundle

    def inspect_with_bundled_set(self, good, target):
        """mamori-inspect packaged by scripts/package-inspect.sh with the exported set and the collector's
        key (docs/inspect.md): it finds the row, names the set in its report, and refuses a tampered or
        missing set before scanning anything."""
        staff = os.path.join(self.tmp, "staff")
        os.makedirs(os.path.join(staff, "sets"))
        shutil.copy2(self.public_key(), os.path.join(staff, "collector-key.pem"))
        with open(os.path.join(staff, "sets", "edm-customers.set"), "wb") as f:
            f.write(good)
        with open(os.path.join(staff, "policy.json"), "w") as f:
            json.dump({"schema_version": 1, "version": 3, "name": "inspect-edm", "device_control": {"mode": "off"},
                       "p2p_guard": {"mode": "off"}, "content_scan": {"edm": [{"set": "customers"}]}}, f)
        build = os.path.dirname(os.path.dirname(binary("mamori-inspect")))
        script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "package-inspect.sh")
        kit = os.path.join(self.tmp, "kit")
        packaged = subprocess.run(["bash", script, build, kit], cwd=staff, capture_output=True, text=True, timeout=120)
        self.assertEqual(packaged.returncode, 0, packaged.stderr)
        self.assertTrue(os.path.exists(os.path.join(kit, "sets", "edm-customers.set")))
        tool = os.path.join(kit, "mamori-inspect")
        subprocess.run([tool, "keygen"], check=True, capture_output=True, timeout=60)

        def inspect(out):
            return subprocess.run([tool, "--home", target, "--no-system-programs", "--no-processes", "--out", out],
                                  capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

        out = os.path.join(self.tmp, "inspect-out")
        run = inspect(out)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        [name] = [n for n in os.listdir(out) if n.endswith(".json")]
        with open(os.path.join(out, name)) as f:
            report = json.load(f)["report"]
        self.assertEqual(report["run"]["sets"], ["edm customers v1"])
        [finding] = [x for x in report["findings"] if x["path"].endswith("/row.txt")]
        self.assertTrue(any(r.startswith("edm customers:") and "1 rows of the registered table" in r
                            for r in finding["reasons"]), finding)
        # A tampered set is refused before anything is scanned: no report.
        with open(os.path.join(kit, "sets", "edm-customers.set"), "wb") as f:
            f.write(set_files.tampered(good))
        refused_out = os.path.join(self.tmp, "inspect-refused")
        run = inspect(refused_out)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("edm set customers is refused", run.stderr)
        self.assertIn("signature", run.stderr)
        self.assertFalse(os.path.exists(refused_out) and os.listdir(refused_out))
        os.remove(os.path.join(kit, "sets", "edm-customers.set"))
        run = inspect(refused_out)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("'mamorictl edm export customers --output", run.stderr)

    def make_files(self):
        """name -> expected row count (0: must not be reported)."""
        d = os.path.join(self.tmp, "files")
        os.makedirs(d)
        rng = random.Random(7)
        expected = {}
        pick = rng.sample(self.rows, 80)

        def put(name, data, rows):
            documents.write(os.path.join(d, name), data)
            expected[name] = rows

        # An export in another column order and layout: e-mail, name, phone (50 rows).
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["email", "customer", "tel"])
        for name, kana, address, phone, email, number in pick[:50]:
            w.writerow([email.upper(), name.replace(" ", ""), phone.replace("-", "")])
        put("export50.csv", out.getvalue(), 50)
        # One real row among made-up ones, in a tab-separated text.
        lines = ["氏名\t電話\tメール"] + [f"{n}\t{other_phone(rng)}\tx{i}@example.net" for i, (n, *_) in
                                          enumerate(pick[50:60])]
        lines.insert(5, f"{pick[60][0]}\t{pick[60][3]}\t")
        put("one-row.txt", "\n".join(lines) + "\n", 1)
        # A spreadsheet: LibreOffice's xlsx of a CSV with kana, phone and My Number (20 rows).
        sheet_csv = os.path.join(self.tmp, "sheet", "list20.csv")
        documents.write(sheet_csv, "フリガナ,電話,個人番号\n" + "".join(
            f"{kana},{phone},\"{number[:4]} {number[4:8]} {number[8:]}\"\n" for _, kana, _, phone, _, number in
            pick[:20]))
        expected["list20.xlsx"] = 20
        # A letter (docx) with 5 customers as name / address lines, and its PDF by LibreOffice.
        paragraphs = [["お客様各位"], ["下記のお客様へ案内状を送付します。"]]
        for name, kana, address, phone, email, number in pick[20:25]:
            paragraphs += [[f"{name} 様"], [address], [f"TEL {phone}"]]
        put("letter5.docx", documents.docx(paragraphs), 5)
        expected["letter5.pdf"] = 5
        # A mail with 3 rows pasted in.
        body = "\r\n".join(f"{n}  <{e}>" for n, _, _, _, e, _ in pick[30:33])
        put("pasted.eml", "From: a@example.jp\r\nTo: b@example.com\r\nSubject: list\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n", 3)
        # Not reported: the same names with other phones; a generic list of names; names with other
        # customers' phones (shuffled); phones alone; e-mails alone; made-up rows.
        put("no/same-names-other-phones.csv", "".join(f"{n},{other_phone(rng)}\n" for n, *_ in pick[:50]), 0)
        put("no/names.txt", "\n".join(n for n, *_ in self.rows[:500]) + "\n", 0)
        put("no/names-kana.txt", "\n".join(f"{n} {k}" for n, k, *_ in self.rows[:500]) + "\n", 0)
        shuffled = [r[3] for r in pick[:50]]
        rng.shuffle(shuffled)
        put("no/shuffled.csv", "".join(f"{r[0]},{p}\n" for r, p in zip(pick[:50], shuffled)
                                       if p != r[3]), 0)
        put("no/phones.txt", "\n".join(r[3] for r in pick) + "\n", 0)
        put("no/emails.txt", "\n".join(r[4] for r in pick) + "\n", 0)
        fake = customers(100, seed=99)
        put("no/made-up.csv", "".join(",".join(r) + "\n" for r in fake), 0)

        soffice = shutil.which("soffice")
        self.assertIsNotNone(soffice, "LibreOffice (soffice) is needed: scripts/bootstrap.sh --test installs it")
        profile = os.path.join(self.tmp, "lo-profile")
        for fmt, source in (("xlsx", sheet_csv), ("pdf", os.path.join(d, "letter5.docx"))):
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--infilter=CSV:44,34,76",
                            "--convert-to", fmt, "--outdir", d, source] if fmt == "xlsx" else
                           [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                            "--outdir", d, source], check=True, capture_output=True, timeout=240)
        self.assertTrue(os.path.exists(os.path.join(d, "list20.xlsx")))
        self.assertTrue(os.path.exists(os.path.join(d, "letter5.pdf")))
        # made-up rows with real names: only the name column is real.
        return d, expected

    def test_register_export_and_find_rows(self):
        bundle = self.register()
        code, out, _ = self.ctl("edm", "list")
        self.assertIn("customers", out)
        code, out, _ = self.ctl("edm", "show", "customers", "--json")
        shown = json.loads(out)
        self.assertEqual(shown["rows"], ROWS)
        self.assertGreaterEqual(shown["values"], ROWS * 6)

        # No value of the table at the collector or in the set, in any spelling.
        stored = b""
        for path in [bundle] + [os.path.join(self.collector.state_dir, f) for f in os.listdir(self.collector.state_dir)
                                if f.startswith("collector.db")]:
            with open(path, "rb") as f:
                stored += f.read()
        name, kana, address, phone, email, number = self.rows[123]
        for value in (name, name.replace(" ", ""), kana, address, phone, phone.replace("-", ""), email, number):
            for encoding in ("utf-8", "utf-16-le"):
                self.assertNotIn(value.encode(encoding), stored, value)

        files, expected = self.make_files()
        done, found = self.scan(bundle, files)
        self.assertEqual(done.returncode, 1, done.stderr)
        results = {}
        for name in expected:
            hits = found.get(name, [])
            results[name] = hits[0]["count"] if hits else 0
            self.assertLessEqual(len(hits), 1, hits)
            if hits:
                self.assertTrue(hits[0]["name"].startswith("customers:"), hits)
        self.assertEqual(results, expected)
        self.assertEqual(found["export50.csv"][0]["name"], "customers:name+phone+email")

        # --min-rows: only files with at least 5 rows.
        done, found = self.scan(bundle, files, "--min-rows", "5")
        self.assertEqual(sorted(n for n, hits in found.items() if hits),
                         sorted(n for n, rows in expected.items() if rows >= 5))

    def test_refused_sets_replacement_and_audit(self):
        bundle = self.register()
        with open(bundle, "rb") as f:
            good = f.read()
        target = os.path.join(self.tmp, "target")
        name, kana, address, phone, email, number = self.rows[5]
        documents.write(os.path.join(target, "row.txt"), f"{name},{phone}\n")

        def refused(data, why):
            self.assert_refused(data, why, target)

        refused(set_files.tampered(good), "signature")
        refused(set_files.with_fleet_key(good, "B" * 42 + "A"), "hashed with key")
        refused(set_files.with_signer_id(good, "0" * 16), "another key than the pinned collector key")
        refused(b"{\"envelope\": [], \"key\": 1}", "not a signed set file")
        refused(b"not a set at all", "not a signed set file")
        # A fingerprint set is not an EDM set.
        fp_dir = os.path.join(self.tmp, "fpdocs")
        documents.write(os.path.join(fp_dir, "a.txt"), documents.prose(documents.EN_WORDS, 300, 1))
        self.ctl("fingerprints", "add", "--set", "docs", fp_dir)
        fp_bundle = os.path.join(self.tmp, "docs.fingerprints")
        self.ctl("fingerprints", "export", "docs", "--output", fp_bundle)
        with open(fp_bundle, "rb") as f:
            refused(f.read(), "expected an exact-data-match set, found a fingerprint set")

        done, found = self.scan(bundle, target)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertEqual(found["row.txt"][0]["count"], 1)
        self.inspect_with_bundled_set(good, target)

        # A new table replaces the old one as version 2 (the old rows are gone); removal hides the set.
        small = os.path.join(self.tmp, "small.tsv")
        documents.write(small, "".join(f"{r[0]}\t{r[3]}\n" for r in self.rows[100:110]))
        code, out, err = self.ctl("edm", "add", "--set", "customers", "--columns", "name,phone", "--no-header",
                                  "--tab", small)
        self.assertIn("version 2: 10 rows", out, err)
        self.ctl("edm", "export", "customers", "--output", bundle)
        done, found = self.scan(bundle, target)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.ctl("edm", "remove", "customers")
        code, out, _ = self.ctl("edm", "list", "--json")
        self.assertEqual(out.strip(), "")
        code, _, err = self.ctl("edm", "export", "customers", "--output", bundle, check=1)
        self.assertIn("404", err)
        code, out, _ = self.ctl("audit", "--json")
        actions = [json.loads(line)["action"] for line in out.splitlines() if line.strip()]
        for action in ("fingerprint.key.read", "edm.add", "edm.export", "edm.remove"):
            self.assertIn(action, actions)
        # Bad usage is a clear error.
        code, _, err = self.ctl("edm", "add", "--set", "x", "--columns", "name,telephone", small, check=2)
        self.assertIn("\"telephone\" is not a column type", err)
        code, _, err = self.ctl("edm", "add", "--set", "x", "--columns", "name,phone", "--min-columns", "3", small,
                                check=2)
        self.assertIn("--min-columns", err)


if __name__ == "__main__":
    unittest.main()
