#!/usr/bin/env python3
"""Generates the content scanner's fixture tree (no binary blobs in the repository).

    python3 -m mamori_testkit.make_fixtures OUT_DIR     (PYTHONPATH=tests/support/python)

Every file is built here from readable text with the standard library; EXPECTED at the bottom says
what the scanner must report for each, negatives included; it is written beside the files as
expected.tsv. The doctest suites (tests/scan/ScannerTest.cpp, tests/agent/contentscan) run it into a
temporary folder and check every line.
"""
import gzip
import io
import os
import struct
import sys
import zipfile
import zlib

from mamori_testkit import archive_fixtures, mail_fixtures

MARK = "社外秘"


def write(out, name, data):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def docx(paragraph_runs):
    """A minimal WordprocessingML package; each paragraph is a list of runs (Word splits text so)."""
    body = "".join(
        "<w:p>" + "".join(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{r}</w:t></w:r>' for r in runs) + "</w:p>"
        for runs in paragraph_runs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>")
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        ("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'),
        ("word/document.xml", document),
    ])


def xlsx(strings, columns=1):
    """A minimal SpreadsheetML package: strings (shared strings) laid out columns to a row (1 to 26)."""
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    shared = (f'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>')
    rows = "".join(f'<row r="{r + 1}">' + "".join(
        f'<c r="{chr(65 + c)}{r + 1}" t="s"><v>{r * columns + c}</v></c>'
        for c in range(min(columns, len(strings) - r * columns))) + "</row>"
        for r in range((len(strings) + columns - 1) // columns))
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{rows}</sheetData></worksheet>")
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("xl/sharedStrings.xml", shared),
        ("xl/worksheets/sheet1.xml", sheet),
    ])


def pptx(runs):
    text = "".join(f"<a:r><a:rPr lang=\"ja-JP\"/><a:t>{r}</a:t></a:r>" for r in runs)
    slide = ('<?xml version="1.0"?><p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
             'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody>'
             f"<a:p>{text}</a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("ppt/slides/slide1.xml", slide),
    ])


def odt(spans):
    text = "".join(f"<text:span>{s}</text:span>" for s in spans)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               f"<text:p>{text}</text:p></office:text></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")  # stored, first
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def pdf(content_ops):
    """A one-page PDF whose content stream is FlateDecode-compressed; offsets in xref are exact."""
    return pdf_pages([content_ops])


def pdf_pages(pages):
    """A PDF with one page per content stream in pages (each FlateDecode-compressed), one Helvetica font."""
    count = len(pages)
    font = 3 + 2 * count  # catalog, page tree, then a page and its contents per page, then the font
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()]
    for i, content_ops in enumerate(pages):
        stream = zlib.compress(content_ops.encode("latin-1"))
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream +
                       b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_cid(codes_hex, mapping):
    """A PDF showing 2-byte CID codes through a Type0 font whose ToUnicode CMap maps them: the way
    Japanese PDFs carry text. mapping: {code: character}."""
    cmap_lines = "".join(f"<{code:04X}> <{ord(ch):04X}>\n" for code, ch in mapping.items())
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(mapping)} beginbfchar\n{cmap_lines}endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n")
    cmap_stream = zlib.compress(cmap.encode("ascii"))
    content = zlib.compress(f"BT /F1 12 Tf 72 720 Td <{codes_hex}> Tj ET\n".encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" /Filter /FlateDecode >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /Identity-H /ToUnicode 6 0 R >>",
        b"<< /Length " + str(len(cmap_stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + cmap_stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return bytes(out)


def rtf_word(text):
    """RTF as Word writes Japanese in a Western document: a Shift_JIS font (fcharset 128), \\'hh bytes."""
    body = "".join(f"\\'{b:02x}" if b >= 0x80 else chr(b) for b in text.encode("cp932"))
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}"
            "{\\f1\\fnil\\fcharset128 MS Mincho;}}{\\colortbl;\\red0\\green0\\blue0;}"
            "{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1\\pard\\f1\\fs21 " + body +
            "\\f0\\par}").encode("ascii")


def rtf_unicode(runs, table=()):
    """RTF as LibreOffice writes it: \\uN with a ? fallback per character, runs split by formatting,
    table cells."""
    def u(t):
        return "".join(c if ord(c) < 0x80 else f"\\u{ord(c) if ord(c) < 0x8000 else ord(c) - 0x10000}\\'3f"
                       for c in t)
    body = "".join("{\\b " + u(r) + "}" if i % 2 else u(r) for i, r in enumerate(runs))
    cells = "".join("\\intbl " + u(c) + "\\cell" for c in table)
    return ("{\\rtf1\\ansi\\deff0\\adeflang1025{\\fonttbl{\\f0\\froman\\fprq2\\fcharset0 Liberation Serif;}}"
            "{\\*\\generator LibreOffice/7.4.7.2$Linux_X86_64}\\uc1\\pard " + body + "\\par " +
            (cells + "\\row" if cells else "") + "}").encode("ascii")


def encrypted_zip():
    """zipfile cannot encrypt: write a normal zip and set the traditional-encryption flag (bit 0) in
    the member's local header and central directory entry, which is what a reader sees first."""
    data = bytearray(zip_bytes([("secret.txt", MARK + " 暗号化されたファイル")]))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        flags = struct.unpack_from("<H", data, at + flag_at)[0]
        struct.pack_into("<H", data, at + flag_at, flags | 1)
    return bytes(data)


def my_number(first11):
    digits = [int(c) for c in first11]
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    check = 0 if r <= 1 else 11 - r
    return first11 + str(check)


def wrong(number):
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def luhn_fix(prefix, length):
    """prefix padded with zeros to length-1, plus the Luhn check digit."""
    body = prefix + "0" * (length - 1 - len(prefix))
    total = 0
    for i, c in enumerate(reversed(body)):
        v = int(c)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return body + str((10 - total % 10) % 10)


def build(out):
    ja = f"この資料は{MARK}です。取引先への送付は禁止します。\n"
    write(out, "text/utf8.txt", ja.encode("utf-8"))
    write(out, "text/sjis.txt", ja.encode("cp932"))
    write(out, "text/eucjp.txt", ja.encode("euc_jp"))
    write(out, "text/utf16le_bom.txt", ja.encode("utf-16"))  # Python writes a little-endian BOM
    write(out, "text/utf16be.txt", ja.encode("utf-16-be"))
    write(out, "text/clean.txt", b"meeting notes: lunch at noon\n")
    write(out, "text/sjis_clean.txt", "会議の議事録です。昼食は正午から。\n".encode("cp932"))

    write(out, "office/split_runs.docx", docx([["この資料は"], ["社", "外", "秘"], ["以上"]]))
    write(out, "office/clean.docx", docx([["議事録"], ["特になし"]]))
    write(out, "office/renamed_docx.bin", docx([["極", "秘"]]))
    valid_cards = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", luhn_fix("3530", 16)]
    invalid_cards = ["4111 1111 1111 1112", "5555-5555-5555-4445"]
    write(out, "office/cards.xlsx", xlsx(["顧客カード"] + valid_cards + invalid_cards))
    write(out, "office/cards_invalid.xlsx", xlsx(["顧客カード"] + invalid_cards + ["1234 5678 9012 3456"]))
    write(out, "office/slides.pptx", pptx(["取扱", "注意"]))
    write(out, "office/word.rtf", rtf_word(ja))
    write(out, "office/libreoffice.rtf", rtf_unicode(["この資料は", "取扱", "注意", "です"]))
    write(out, "office/clean.rtf", rtf_unicode(["議事録", "特になし"]))
    write(out, "office/cards.rtf", rtf_unicode(["顧客カード"], [c[:7] + c[7:] for c in valid_cards]))
    write(out, "office/doc.odt", odt(["部外", "秘"]))

    numbers = [my_number("12345678901"), my_number("98765432109"), my_number("31415926535")]
    write(out, "text/mynumbers.txt",
          ("社員番号表\n" + "\n".join(f"{n[:4]} {n[4:8]} {n[8:]}" for n in numbers) + "\n").encode("utf-8"))
    write(out, "text/mynumbers_wrong.txt", ("\n".join(wrong(n) for n in numbers) + "\n").encode("utf-8"))

    write(out, "pdf/report.pdf", pdf("BT /F1 12 Tf 72 720 Td [(Company ) -20 (Confi) 15 (dential)] TJ ET\n"))
    write(out, "pdf/clean.pdf", pdf("BT /F1 12 Tf 72 720 Td (Quarterly picnic schedule) Tj ET\n"))
    glyphs = {0x0A1F: "社", 0x0B22: "外", 0x03C4: "秘", 0x0101: "資", 0x0102: "料"}
    write(out, "pdf/japanese_cid.pdf", pdf_cid("010101020A1F0B2203C4", glyphs))
    write(out, "pdf/japanese_cid_clean.pdf", pdf_cid("01010102", glyphs))

    # Legacy Office: the OLE2 signature, binary records, text as UTF-16LE (as Word 97-2003 stores it).
    ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + bytes(range(256)) * 4
    write(out, "office/legacy.doc", ole + "この資料は社外秘です".encode("utf-16-le") + b"\x00\x00\x01\x02" + bytes(512))
    write(out, "office/legacy_clean.doc", ole + "議事録".encode("utf-16-le") + bytes(512))
    inner = zip_bytes([("secret.txt", ("資料: " + MARK).encode("cp932"))])
    write(out, "archive/nested.zip", zip_bytes([("inner.zip", inner), ("readme.txt", "nothing")]))
    write(out, "archive/backup.zip", zip_bytes([("plan.docx", docx([["計画 ", MARK]]))]))
    gz = io.BytesIO()
    with gzip.GzipFile(filename="note.txt", mode="wb", fileobj=gz, mtime=0) as g:
        g.write(f"memo {MARK}\n".encode("euc_jp"))
    write(out, "archive/note.txt.gz", gz.getvalue())
    write(out, "archive/bomb.zip", zip_bytes([("zeros.bin", b"\0" * (20 << 20))]))
    write(out, "archive/encrypted.zip", encrypted_zip())
    whole = docx([[MARK]])
    write(out, "archive/truncated.docx", whole[: len(whole) // 2])
    deep = b"deep " + MARK.encode("utf-8")
    for level in range(5):
        deep = zip_bytes([(f"level{level}.zip" if level else "deep.txt", deep)])
    write(out, "archive/deep.zip", deep)
    archive_fixtures.build(out, write, docx, xlsx, valid_cards)
    mail_fixtures.build(out, write, docx, xlsx, zip_bytes, valid_cards)


# What the scanner reports with the built-in policy (credit_card and my_number min_count 3):
# path -> (rule/detector names that must match, substrings of not-inspected reasons)
EXPECTED = {
    "text/utf8.txt": (["company-confidential:confidential_marking_ja"], []),
    "text/sjis.txt": (["company-confidential:confidential_marking_ja"], []),
    "text/eucjp.txt": (["company-confidential:confidential_marking_ja"], []),
    "text/utf16le_bom.txt": (["company-confidential:confidential_marking_ja"], []),
    "text/utf16be.txt": (["company-confidential:confidential_marking_ja"], []),
    "text/clean.txt": ([], []),
    "text/sjis_clean.txt": ([], []),
    "office/split_runs.docx": (["company-confidential:confidential_marking_ja"], []),
    "office/clean.docx": ([], []),
    "office/renamed_docx.bin": (["company-confidential:confidential_marking_ja"], []),
    "office/cards.xlsx": (["credit_card"], []),
    "office/cards_invalid.xlsx": ([], []),
    "office/legacy.doc": (["company-confidential:confidential_marking_ja"], []),
    "office/legacy_clean.doc": ([], []),
    "office/slides.pptx": (["company-confidential:confidential_marking_ja"], []),
    "office/word.rtf": (["company-confidential:confidential_marking_ja"], []),
    "office/libreoffice.rtf": (["company-confidential:confidential_marking_ja"], []),
    "office/clean.rtf": ([], []),
    "office/cards.rtf": (["credit_card"], []),
    "office/doc.odt": (["company-confidential:confidential_marking_ja"], []),
    "text/mynumbers.txt": (["my_number"], []),
    "text/mynumbers_wrong.txt": ([], []),
    "pdf/report.pdf": (["company-confidential:confidential_marking_en"], []),
    "pdf/clean.pdf": ([], []),
    "pdf/japanese_cid.pdf": (["company-confidential:confidential_marking_ja"], []),
    "pdf/japanese_cid_clean.pdf": ([], []),
    "archive/nested.zip": (["company-confidential:confidential_marking_ja"], []),
    "archive/backup.zip": (["company-confidential:confidential_marking_ja"], []),
    "archive/note.txt.gz": (["company-confidential:confidential_marking_ja"], []),
    "archive/bomb.zip": ([], ["zip bomb"]),
    "archive/encrypted.zip": ([], ["encrypted"]),
    "archive/truncated.docx": ([], ["corrupt zip"]),
    "archive/deep.zip": ([], ["max_depth"]),
}

EXPECTED.update(archive_fixtures.EXPECTED)
EXPECTED.update(mail_fixtures.EXPECTED)

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m mamori_testkit.make_fixtures OUT_DIR")
    build(sys.argv[1])
    # The expectations beside the files, one line each: path TAB matches (comma list) TAB reasons.
    with open(os.path.join(sys.argv[1], "expected.tsv"), "w", encoding="utf-8") as f:
        for path, (matches, reasons) in sorted(EXPECTED.items()):
            f.write(f"{path}\t{','.join(matches)}\t{','.join(reasons)}\n")
