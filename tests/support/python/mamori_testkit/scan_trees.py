"""The generated trees of the scan benchmarks (bench/scan.py, bench/sets.py).

- make_plain_tree, make_office_trees: bench/scan.py's plain text tree and its docx/xlsx tree (with the
  same text as .txt beside it); the two halves of its mixed tree. The text comes from a blob function
  blob(rng, size, mark, index) -> str (about size UTF-8 bytes; mark: hold the marking 社外秘; index: the
  file's number), by default text_blob, bench/scan.py's 25-word vocabulary.
- make_home_tree: a tree like the home folder an agent scans (bench/sets.py --tree mixed): those
  docx/xlsx and text files among PDFs, mail, zip archives, source code, programs and a few customer
  lists, in the shares of HOME_SHARES. The writers of each kind (pdf_text, mail_text, customer_csv)
  are the ones a caller uses to plant its own files among them.
- EnglishText: real English for the blobs, the prose paragraphs of this repository's documentation.
"""

import csv
import glob
import io
import os

from mamori_testkit import mail_fixtures, make_fixtures

WORDS = ("会議 資料 予定 売上 報告 確認 お願い 以上 project budget meeting schedule report "
         "review update customer order invoice delivery 東京 大阪 営業 開発 品質").split()


def text_blob(rng, size, mark, index=0):
    """bench/scan.py's text: words of WORDS up to size bytes, the marking once if mark."""
    words = []
    total = 0
    while total < size:
        w = rng.choice(WORDS)
        words.append(w)
        total += len(w.encode()) + 1
    if mark:
        words.insert(rng.randrange(len(words)), "社外秘")
    return " ".join(words)


def make_plain_tree(root, files, kib, rng, blob=text_blob):
    """files .txt files of kib KiB in 32 folders, one in 50 marked."""
    for i in range(files):
        d = os.path.join(root, f"d{i % 32:02d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i:05d}.txt"), "w", encoding="utf-8") as f:
            f.write(blob(rng, kib * 1024, i % 50 == 0, i))


def office_paragraphs(rng, kib, mark, index, blob=text_blob):
    """The paragraphs (lists of runs) of one document of make_office_trees: 300-byte paragraphs, the
    middle one the marking split in three runs if mark."""
    paragraphs = [[blob(rng, 300, False, index)] for _ in range(max(1, kib * 1024 // 300))]
    if mark:
        paragraphs[len(paragraphs) // 2] = ["社", "外", "秘"]
    return paragraphs


def make_office_trees(office_root, text_root, files, kib, rng, blob=text_blob):
    """files documents of about kib KiB of text, docx and xlsx in turn, one in ten marked, in 16
    folders of office_root; the same text as .txt under text_root (None: not written)."""
    for i in range(files):
        paragraphs = office_paragraphs(rng, kib, i % 10 == 0, i, blob)
        for root in (office_root, text_root):
            if root is not None:
                os.makedirs(os.path.join(root, f"d{i % 16:02d}"), exist_ok=True)
        base = f"d{i % 16:02d}/f{i:05d}"
        if i % 2 == 0:
            data = make_fixtures.docx(paragraphs)
            with open(os.path.join(office_root, base + ".docx"), "wb") as f:
                f.write(data)
        else:
            data = make_fixtures.xlsx(["".join(p) for p in paragraphs])
            with open(os.path.join(office_root, base + ".xlsx"), "wb") as f:
                f.write(data)
        if text_root is not None:
            with open(os.path.join(text_root, base + ".txt"), "w", encoding="utf-8") as f:
                f.write("\n".join("".join(p) for p in paragraphs))


class EnglishText:
    """Real English: the prose paragraphs (no code, tables or headings; ASCII only, so no Japanese
    example) of repo's docs/*.md and docs/decisions/*.md, in file order, as one text. A blob is a
    stretch of it from a random place, cut at word boundaries. The text follows the checkout's
    documentation (about 0.5 MB in December 2026): compare builds within one run."""

    def __init__(self, repo):
        paragraphs = []
        for name in sorted(glob.glob(os.path.join(repo, "docs", "*.md"))) + \
                sorted(glob.glob(os.path.join(repo, "docs", "decisions", "*.md"))):
            with open(name, encoding="utf-8") as f:
                lines = f.read().split("\n")
            code, current = False, []
            for line in lines + [""]:
                s = line.strip()
                if s.startswith("```"):
                    code = not code
                    continue
                if code or not s or s.startswith(("|", "#", "<")) or line.startswith("    "):
                    if current:
                        paragraphs.append(" ".join(current))
                        current = []
                    continue
                current.append(s)
        self.text = "\n\n".join(p for p in paragraphs if p.isascii()) + "\n\n"
        if len(self.text) < 10000:
            raise RuntimeError(f"EnglishText: too little prose in {repo}/docs ({len(self.text)} characters)")

    def __call__(self, rng, size, mark=False, index=0):
        text = self.text
        start = text.find(" ", rng.randrange(len(text))) + 1
        out = []
        while size > 0:
            piece = text[start:start + size]
            out.append(piece)
            size -= len(piece)
            start = 0
        blob = "".join(out)
        blob = blob[:blob.rfind(" ")] if " " in blob else blob
        if mark:
            at = blob.find(" ", rng.randrange(len(blob))) + 1
            blob = blob[:at] + "社外秘 " + blob[at:]
        return blob


def pdf_text(text):
    """A PDF showing text: Helvetica lines of 90 characters, 60 lines a page, for Latin-1 text; one
    Type0 (CID) font with a ToUnicode map otherwise (as Japanese PDFs carry text; line breaks dropped)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        chars = sorted(set(text.replace("\n", "")))
        codes = {ch: 0x100 + n for n, ch in enumerate(chars)}
        return make_fixtures.pdf_cid("".join(f"{codes[ch]:04X}" for ch in text if ch != "\n"),
                                     {code: ch for ch, code in codes.items()})
    lines = []
    for paragraph in text.split("\n"):
        while paragraph:
            cut = len(paragraph) if len(paragraph) <= 90 else (paragraph.rfind(" ", 0, 90) + 1 or 90)
            lines.append(paragraph[:cut])
            paragraph = paragraph[cut:]

    def shown(line):
        return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
    pages = ["BT /F1 10 Tf 12 TL 60 750 Td " + " ".join(shown(x) for x in lines[p:p + 60]) + " ET"
             for p in range(0, max(1, len(lines)), 60)]
    return make_fixtures.pdf_pages(pages)


def mail_text(body, attachments=()):
    """An .eml as a mail program saves it: a text body (ISO-2022-JP for Japanese, 7-bit ASCII for
    English) or, with attachments [(name, content type, bytes)], multipart with them in base64."""
    if attachments:
        return mail_fixtures.with_attachments(body, list(attachments))
    return mail_fixtures.text_mail(body, "us-ascii" if body.isascii() else "iso-2022-jp")


def customer_csv(rows):
    """A customer list as exported from a database: a header and rows of (name, kana, address,
    phone, e-mail, My Number), UTF-8."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["氏名", "フリガナ", "住所", "電話番号", "メールアドレス", "個人番号"])
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def customer_xlsx(rows):
    """The same list as a spreadsheet: a header row and a cell a value."""
    header = ["氏名", "フリガナ", "住所", "電話番号", "メールアドレス", "個人番号"]
    return make_fixtures.xlsx(header + [v for r in rows for v in r], columns=len(header))


# The home tree's kinds, percent of its files (the ones make_home_tree writes).
HOME_SHARES = (("office", 26), ("pdf", 13), ("mail", 12), ("archive", 4), ("source", 17), ("program", 10),
               ("text", 13), ("list", 5))
SOURCE_DIRS = ("agent", "collector", "common", "fingerprint", "inspect", "policy", "scan", "tests", "console")
SOURCE_EXT = (".cpp", ".h", ".py", ".sh", ".cmake", ".ts", ".js", ".css")


def sources(repo):
    """This repository's source files (the home's source code), sorted."""
    found = []
    for top in SOURCE_DIRS:
        for d, dirs, names in os.walk(os.path.join(repo, top)):
            dirs[:] = sorted(x for x in dirs if x not in ("node_modules", "dist", "build"))
            found += [os.path.join(d, n) for n in sorted(names) if n.endswith(SOURCE_EXT)]
    return found


def programs(low=16 << 10, high=512 << 10):
    """ELF files of /usr/bin between low and high bytes (the home's programs and libraries), sorted."""
    found = []
    for n in sorted(os.listdir("/usr/bin")):
        path = os.path.join("/usr/bin", n)
        try:
            if os.path.islink(path) or not low <= os.path.getsize(path) <= high:
                continue
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
        except OSError:
            continue
    return found


def home_counts(files):
    """Files of each kind of HOME_SHARES in a home tree of files files."""
    counts = {kind: files * share // 100 for kind, share in HOME_SHARES}
    counts["office"] += files - sum(counts.values())
    return counts


def make_home_tree(root, files, rng, blob, made_up_rows, repo):
    """files files of the kinds of HOME_SHARES under root/<kind>/:
    office: make_office_trees (16 KiB of text each, docx and xlsx in turn, one in ten marked);
    pdf: 4-16 KiB of text, 1-3 pages; mail: a 1-4 KiB body, one in three with a docx attachment
    (8 KiB of text); archive: a zip of a docx, a .txt and a customer list; source: a source file of
    repo; program: a copy of an ELF file of /usr/bin (16-512 KiB); text: make_plain_tree (8 KiB, one
    in 50 marked); list: a customer list of 40 rows of made_up_rows (csv). Text comes from blob
    (rng, size, mark, index). Answers {kind: count}."""
    counts = home_counts(files)
    make_office_trees(os.path.join(root, "office"), None, counts["office"], 16, rng, blob)
    make_plain_tree(os.path.join(root, "text"), counts["text"], 8, rng, blob)
    code, elf = sources(repo), programs()
    if not elf:
        raise RuntimeError("make_home_tree: no ELF file of 16-512 KiB in /usr/bin")

    def put(kind, i, suffix, data):
        path = os.path.join(root, kind, f"d{i % 16:02d}", f"f{i:05d}{suffix}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    for i in range(counts["pdf"]):
        put("pdf", i, ".pdf", pdf_text(blob(rng, rng.randrange(4, 17) * 1024, i % 20 == 0, i)))
    for i in range(counts["mail"]):
        body = blob(rng, rng.randrange(1, 5) * 1024, False, i)
        attachments = []
        if i % 3 == 0:
            attachments = [("資料.docx", mail_fixtures.DOCX,
                            make_fixtures.docx(office_paragraphs(rng, 8, False, i, blob)))]
        put("mail", i, ".eml", mail_text(body, attachments))
    for i in range(counts["archive"]):
        members = [("report.docx", make_fixtures.docx(office_paragraphs(rng, 8, False, i, blob))),
                   ("notes.txt", blob(rng, 4096, False, i).encode()),
                   ("customers.csv", customer_csv(rng.sample(made_up_rows, 40)))]
        put("archive", i, ".zip", make_fixtures.zip_bytes(members))
    for i in range(counts["source"]):
        path = rng.choice(code)
        with open(path, "rb") as f:
            put("source", i, os.path.splitext(path)[1], f.read())
    for i in range(counts["program"]):
        with open(rng.choice(elf), "rb") as f:
            put("program", i, "", f.read())
    for i in range(counts["list"]):
        put("list", i, ".csv", customer_csv(rng.sample(made_up_rows, 40)))
    return counts
