"""Document fingerprints end to end (issue 18, docs/decisions/0032), with the real binaries over TLS:
an administrator registers a folder of documents (`mamorictl fingerprints add`: extracted and hashed on
the administrator's side, only keyed hashes sent), exports the signed set, and `mamori-agent scan`
recognises derived files (excerpts pasted into other text, reordered paragraphs, 10% of the words
changed, a docx converted to PDF by LibreOffice, a Shift_JIS copy) while unrelated documents, also ones
on the same letter template, are not reported. The collector's database and the set hold no phrase of a
registered document; a tampered set or one hashed with another key is refused; the routes are audited.
"""

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import unittest
import zipfile
from xml.sax.saxutils import escape

import set_files

EN_WORDS = ("the plan market customer price quarter sales launch region team budget review product and of to in "
            "for with new growth partner cost target risk year share report supplier contract margin channel "
            "forecast retail online store inventory logistics hiring training quality audit security policy "
            "release roadmap pricing discount campaign brand survey feedback support service renewal").split()
JA_WORDS = ("営業 顧客 計画 予算 売上 新規 製品 開発 市場 価格 契約 取引 担当 部門 会議 資料 報告 目標 利益 費用 "
            "の を に は が と で も から まで より 東京 大阪 支店 本社 四半期 年度 戦略 施策 改善 品質 納期 在庫 "
            "物流 採用 研修 監査 規程 発売 見直し 拡大 削減 確認 検討 実施 予定 対応").split()
LETTERHEAD = ("Mamori Trading Co., Ltd. 1-2-3 Marunouchi, Chiyoda-ku, Tokyo 100-0005. Tel 03-1234-5678. "
              "This letter and its attachments are confidential and intended only for the named recipient; if "
              "you received it in error, please delete it and notify the sender at once. ")
PHRASE_EN = "Project Hayabusa will enter the Kansai market"
PHRASE_JA = "隼計画は関西市場へ参入する"


def prose(words, n, seed, sep=" ", line=12):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(rng.choice(words))
        out.append(".\n" if i % line == line - 1 else sep)
    return "".join(out)


def docx(paragraph_runs):
    """A WordprocessingML package complete enough for Word and LibreOffice to open."""
    body = "".join("<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{escape(r)}</w:t></w:r>' for r in runs) +
                   "</w:p>" for runs in paragraph_runs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
                   f'openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def paragraphs(text):
    return [p for p in text.split("\n") if p.strip()]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def doc_id(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


class FingerprintsTest(set_files.SetScanTest):
    KIND = "fingerprint"
    OPTION = "--fingerprints"
    SCAN_OPTIONS = ("--min-containment", "30")
    REFUSED = "fingerprint set refused"

    def make_registered(self):
        reg = os.path.join(self.tmp, "registered")
        self.texts = {
            "plan": f"{PHRASE_EN}. " + prose(EN_WORDS, 700, 1),
            "memo": prose(EN_WORDS, 500, 2),
            "contract": f"{PHRASE_JA}。" + prose(JA_WORDS, 900, 3, sep="", line=20),
            "spec": prose(JA_WORDS, 700, 4, sep="", line=20),
        }
        write(f"{reg}/plan.docx", docx([[p] for p in paragraphs(self.texts["plan"])]))
        write(f"{reg}/memo.txt", self.texts["memo"])
        write(f"{reg}/contract.txt", self.texts["contract"])
        write(f"{reg}/nested/spec.docx", docx([[p] for p in paragraphs(self.texts["spec"])]))
        for i in range(4):  # four letters on one template: the letterhead is boilerplate
            self.texts[f"letter{i}"] = LETTERHEAD + prose(EN_WORDS, 120, 100 + i) + LETTERHEAD
            write(f"{reg}/letters/letter{i}.txt", self.texts[f"letter{i}"])
        self.ids = {name: doc_id(os.path.join(reg, rel)) for name, rel in [
            ("plan", "plan.docx"), ("memo", "memo.txt"), ("contract", "contract.txt"), ("spec", "nested/spec.docx"),
            *[(f"letter{i}", f"letters/letter{i}.txt") for i in range(4)]]}
        return reg

    def make_derived(self):
        """name -> (file, expected document name or None)."""
        d = os.path.join(self.tmp, "derived")
        t = self.texts
        plan, memo, contract = t["plan"], t["memo"], t["contract"]
        expected = {}

        def add(name, data, source):
            write(os.path.join(d, name), data)
            expected[name] = source

        # Excerpts of 10-50% pasted into new text.
        for pct in (10, 30, 50):
            n = len(plan) * pct // 100
            add(f"excerpt{pct}.txt", prose(EN_WORDS, 200, 900 + pct) + plan[len(plan) // 4:len(plan) // 4 + n] +
                prose(EN_WORDS, 200, 950 + pct), "plan")
        add("reordered.txt", "\n".join(reversed(paragraphs(memo))), "memo")
        words = plan.split(" ")
        rng = random.Random(5)
        for i in rng.sample(range(len(words)), len(words) // 10):
            words[i] = rng.choice(["alpha", "omega", "delta", "sigma"])
        add("changed10.txt", " ".join(words), "plan")
        add("contract-sjis.txt", contract.replace("。", "。\r\n").encode("cp932"), "contract")
        add("contract-excerpt.docx", docx([["ご参考までに送付します。"], [contract[300:900]], ["以上"]]), "contract")
        # Unrelated documents over the same vocabularies, and a new letter on the registered template.
        for i in range(20):
            add(f"unrelated/en{i}.txt", prose(EN_WORDS, 500, 2000 + i), None)
            add(f"unrelated/ja{i}.txt", prose(JA_WORDS, 600, 3000 + i, sep="", line=20), None)
        add("unrelated/letter-new.txt", LETTERHEAD + prose(EN_WORDS, 120, 4000) + LETTERHEAD, None)
        # docx -> pdf by LibreOffice (a real converter's PDF: CID fonts, ToUnicode maps).
        soffice = shutil.which("soffice")
        self.assertIsNotNone(soffice, "LibreOffice (soffice) is needed: scripts/bootstrap.sh --test installs it")
        profile = os.path.join(self.tmp, "lo-profile")
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", d, os.path.join(self.tmp, "registered", "plan.docx")],
                       check=True, capture_output=True, timeout=240)
        self.assertTrue(os.path.exists(os.path.join(d, "plan.pdf")))
        expected["plan.pdf"] = "plan"
        return d, expected

    def test_register_export_and_recognise_derived_files(self):
        reg = self.make_registered()
        code, out, err = self.ctl("fingerprints", "add", "--set", "company", reg)
        self.assertIn("set company version 1: 8 documents", out, err)
        self.assertIn("dropped as boilerplate", out)
        code, out, _ = self.ctl("fingerprints", "list")
        self.assertIn("company", out)
        code, out, _ = self.ctl("fingerprints", "show", "company", "--json")
        shown = json.loads(out)
        self.assertEqual(sorted(d["name"] for d in shown["documents"]),
                         sorted(["plan.docx", "memo.txt", "contract.txt", "spec.docx"] +
                                [f"letter{i}.txt" for i in range(4)]))
        self.assertEqual(sorted(d["id"] for d in shown["documents"]), sorted(self.ids.values()))

        bundle = os.path.join(self.tmp, "company.fingerprints")
        self.ctl("fingerprints", "export", "company", "--output", bundle)

        # No text at the collector or in the set: neither phrase, in any spelling the normaliser makes.
        db = os.path.join(self.collector.state_dir, "collector.db")
        self.assertTrue(os.path.exists(db), os.listdir(self.collector.state_dir))
        stored = b""
        for path in [bundle] + [os.path.join(self.collector.state_dir, f) for f in os.listdir(self.collector.state_dir)
                                if f.startswith("collector.db")]:
            with open(path, "rb") as f:
                stored += f.read()
        for phrase in (PHRASE_EN, PHRASE_EN.lower().replace(" ", ""), "Hayabusa", "hayabusa", PHRASE_JA, "隼計画"):
            for encoding in ("utf-8", "utf-16-le"):
                self.assertNotIn(phrase.encode(encoding), stored, phrase)

        derived, expected = self.make_derived()
        done, found = self.scan(bundle, derived)
        self.assertEqual(done.returncode, 1, done.stderr)
        by_id = {v: k for k, v in self.ids.items()}
        misses, false_positives = [], []
        for name, source in sorted(expected.items()):
            hits = [by_id.get(m["name"].split(":", 1)[1]) for m in found.get(name, [])]
            if source is None and hits:
                false_positives.append((name, hits))
            elif source is not None and hits != [source]:
                misses.append((name, source, hits))
        self.assertEqual(misses, [], found)
        self.assertEqual(false_positives, [])
        for m in found["excerpt50.txt"]:
            self.assertTrue(m["name"].startswith("company:"))
            self.assertGreaterEqual(m["count"], 30)  # percent of the document found

        # The registered documents themselves are found (the letters by their own text, not the letterhead).
        done, found = self.scan(bundle, reg)
        for rel, hits in found.items():
            own = self.ids[os.path.splitext(os.path.basename(rel))[0]]
            self.assertEqual([m["name"] for m in hits], [f"company:{own}"], rel)
        self.assertEqual(len(found), 8)

    def test_refused_sets_and_audit(self):
        reg = self.make_registered()
        self.ctl("fingerprints", "add", "--set", "company", reg)
        bundle = os.path.join(self.tmp, "company.fingerprints")
        self.ctl("fingerprints", "export", "company", "--output", bundle)
        with open(bundle, "rb") as f:
            good = f.read()
        target = os.path.join(self.tmp, "target")
        write(os.path.join(target, "memo-copy.txt"), self.texts["memo"])

        def refused(mutated, why):
            self.assert_refused(mutated, why, target)

        # A changed byte of the signed set, another fleet's key, another signer.
        refused(set_files.tampered(good), "signature")
        refused(set_files.tampered(good, set_files.artifact_length(good) - 1), "signature")
        refused(set_files.with_fleet_key(good, "B" * 42 + "A"), "hashed with key")
        refused(set_files.with_signer_id(good, "0" * 16), "another key than the pinned collector key")
        refused(b"{\"envelope\": {}, \"key\": \"\"}", "not a signed set file")

        done, found = self.scan(bundle, target)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertEqual([m["name"] for m in found["memo-copy.txt"]], [f"company:{self.ids['memo']}"])

        # Hashes of another scheme (an older mamorictl's HMAC-SHA-256, set format 2) are refused.
        api = self.collector.api()
        key_id = api.json("GET", "/api/v1/fingerprint-key")[1]["key_id"]
        status, body = api.json("POST", "/api/v1/fingerprints", {
            "set": "company", "key_id": key_id, "documents": [
                {"id": "old", "name": "old.txt", "chars": 100, "hashes": "AAAAAAAAAAA"}]})
        self.assertEqual(status, 409, body)
        self.assertIn("HMAC-SHA-256", body["error"])
        # Winnowed k-grams (an older mamorictl of fingerprint set format 3, no "selection") are refused too.
        status, body = api.json("POST", "/api/v1/fingerprints", {
            "set": "company", "key_id": key_id, "hash": "siphash-2-4", "documents": [
                {"id": "old", "name": "old.txt", "chars": 100, "hashes": "AAAAAAAAAAA"}]})
        self.assertEqual(status, 409, body)
        self.assertIn("winnowing", body["error"])
        self.assertEqual(api.json("GET", "/api/v1/fingerprint-key")[1]["selection"], "gear-sample")

        # Adding a document raises the version; removing the set hides it; both are in the audit trail.
        extra = os.path.join(self.tmp, "extra.txt")
        write(extra, prose(EN_WORDS, 300, 77))
        code, out, _ = self.ctl("fingerprints", "add", "--set", "company", extra)
        self.assertIn("version 2: 9 documents", out)
        # A document named in Shift_JIS (an old archive's file): registered, its name as the events show such names.
        named = os.path.join(os.fsencode(self.tmp), b"\x8e\x91\x97\xbf-\xff.txt")
        with open(named, "wb") as f:
            f.write(prose(EN_WORDS, 300, 78).encode())
        code, out, err = self.ctl("fingerprints", "add", "--set", "company", os.fsdecode(named))
        self.assertIn("version 3: 10 documents", out, err)
        code, out, _ = self.ctl("fingerprints", "show", "company", "--json")
        self.assertIn("\\x8e\\x91\\x97\\xbf-\\xff.txt", [d["name"] for d in json.loads(out)["documents"]])
        self.ctl("fingerprints", "remove", "company")
        code, out, _ = self.ctl("fingerprints", "list", "--json")
        self.assertEqual(out.strip(), "")
        code, _, err = self.ctl("fingerprints", "export", "company", "--output", bundle, check=1)
        self.assertIn("404", err)
        code, out, _ = self.ctl("audit", "--json")
        actions = [json.loads(line)["action"] for line in out.splitlines() if line.strip()]
        for action in ("fingerprint.key.read", "fingerprint.add", "fingerprint.export", "fingerprint.remove"):
            self.assertIn(action, actions)
        # Bad usage is a clear error.
        code, _, err = self.ctl("fingerprints", "add", "--set", "../x", extra, check=2)
        self.assertIn("--set NAME", err)


if __name__ == "__main__":
    unittest.main()
