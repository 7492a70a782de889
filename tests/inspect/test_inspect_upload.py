"""Inspection reports at the collector: mamorictl inspections upload sends a report mamori-inspect
wrote, the collector stores it once after its signature verifies, lists it and returns it unchanged
(mamori-inspect verify accepts what `show --json` prints); edited reports are refused."""

import json
import os
import shutil
import subprocess
import unittest

from mamori_testkit import make_fixtures
from mamori_testkit.harness import MamoriTestCase, binary


class InspectionUploadTest(MamoriTestCase):
    def setUp(self):
        super().setUp()
        self.tool = os.path.join(self.workdir, "tool")
        os.makedirs(self.tool)
        shutil.copy2(binary("mamori-inspect"), self.tool)
        for worker in ("mamori-extract", "mamori-extract-light"):  # its extraction sandbox workers
            shutil.copy2(binary(worker), self.tool)
        self.inspect_bin = os.path.join(self.tool, "mamori-inspect")
        subprocess.run([self.inspect_bin, "keygen"], check=True, capture_output=True, timeout=60)
        home = os.path.join(self.workdir, "home")
        os.makedirs(f"{home}/Documents")
        with open(f"{home}/Documents/plan.docx", "wb") as f:
            f.write(make_fixtures.docx([["計画 社外秘"]]))
        out = os.path.join(self.workdir, "out")
        run = subprocess.run([self.inspect_bin, "--home", home, "--no-system-programs", "--no-processes",
                              "--out", out], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(run.returncode, 1, run.stderr)
        self.report = os.path.join(out, [f for f in os.listdir(out) if f.endswith(".json")][0])
        self.coll = self.collector()

    def test_upload_list_show_and_verify_again(self):
        code, out, err = self.coll.ctl("inspections", "upload", self.report, check=0)
        self.assertTrue(out.startswith("stored "), out)
        report_id = out.split()[1]
        self.assertEqual(len(report_id), 64)
        _, again, _ = self.coll.ctl("inspections", "upload", self.report, check=0)
        self.assertTrue(again.startswith(f"already stored {report_id}"), again)
        _, listing, _ = self.coll.ctl("inspections", check=0)
        self.assertIn(report_id, listing)
        self.assertEqual(len(listing.strip().splitlines()), 2)  # header + one report
        _, shown, _ = self.coll.ctl("inspections", "show", report_id, check=0)
        self.assertIn("Documents/plan.docx", shown)
        self.assertIn("company_file", shown)
        _, document, _ = self.coll.ctl("inspections", "show", report_id, "--json", check=0)
        copy = os.path.join(self.workdir, "from-collector.json")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(document)
        verify = subprocess.run([self.inspect_bin, "verify", copy], capture_output=True, text=True, timeout=60)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    def test_edited_unsigned_or_html_reports_are_refused(self):
        with open(self.report, encoding="utf-8") as f:
            doc = json.load(f)
        doc["report"]["findings"][0]["severity"] = "low"
        edited = os.path.join(self.workdir, "edited.json")
        with open(edited, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        code, _, err = self.coll.ctl("inspections", "upload", edited)
        self.assertEqual(code, 1)
        self.assertIn("does not verify", err)
        del doc["signature"]
        with open(edited, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        code, _, err = self.coll.ctl("inspections", "upload", edited)
        self.assertEqual(code, 1)
        code, _, err = self.coll.ctl("inspections", "upload", self.report[:-len(".json")] + ".html")
        self.assertEqual(code, 1)
        _, listing, _ = self.coll.ctl("inspections", check=0)
        self.assertEqual(len(listing.strip().splitlines()), 1)  # nothing stored
        status, _ = self.coll.api().json("GET", "/api/v1/inspections", token="")
        self.assertEqual(status, 401)
        status, _ = self.coll.api().json("GET", "/api/v1/inspections/" + "0" * 64)
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
