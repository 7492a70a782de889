"""E-mail fixtures for make_fixtures.py, made with Python's email package the way mail programs save
them: ISO-2022-JP, Shift_JIS and EUC-JP bodies, base64 and quoted-printable, RFC 2047 subjects, RFC 2231
file names, attachments (Office files, a zip holding a sheet), a forwarded message, an HTML-only mail,
an mbox file, and hostile ones (truncated, nested past the limit).

build(out, write, docx, xlsx, zip_bytes, cards) writes the files; EXPECTED is merged into
make_fixtures.EXPECTED.
"""
import email.policy
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.mime.multipart import MIMEMultipart
from email.mime.base import MIMEBase
from email.header import Header
from email import encoders

MARK = "社外秘"
MARK_JA = "company-confidential:confidential_marking_ja"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def headers(msg, subject, charset="iso-2022-jp"):
    msg["From"] = Header("山田 太郎", charset).encode() + " <taro@example.co.jp>"
    msg["To"] = "partner@example.com"
    msg["Subject"] = Header(subject, charset) if any(ord(c) > 127 for c in subject) else subject
    msg["Date"] = "Mon, 07 Dec 2026 09:30:00 +0900"
    msg["Message-ID"] = "<fixture@example.co.jp>"
    return msg


def text_mail(body, charset, encoding=None, subject="議事録の送付"):
    """A single-part text mail; encoding: None (7bit/8bit as the charset wants), 'base64' or 'qp'."""
    part = MIMEText(body, "plain", charset)
    part.set_param("charset", charset)  # Python would label EUC-JP text as ISO-2022-JP
    if encoding == "base64":
        del part["Content-Transfer-Encoding"]
        part.set_payload(body.encode(charset))
        encoders.encode_base64(part)
    elif encoding == "qp":
        del part["Content-Transfer-Encoding"]
        part.set_payload(body.encode(charset))
        encoders.encode_quopri(part)
    return headers(part, subject).as_bytes()


def with_attachments(body, attachments, subject="資料の送付"):
    """multipart/mixed: an ISO-2022-JP text body and base64 attachments [(name, type, bytes)]."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg.set_content(body, charset="iso-2022-jp")
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    headers_plain(msg, subject)
    return msg.as_bytes()


def headers_plain(msg, subject):
    msg["From"] = "山田 太郎 <taro@example.co.jp>"
    msg["To"] = "partner@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 07 Dec 2026 09:30:00 +0900"
    msg["Message-ID"] = "<fixture@example.co.jp>"


def forwarded(inner_bytes):
    outer = MIMEMultipart()
    outer.attach(MIMEText("転送します。", "plain", "iso-2022-jp"))
    part = MIMEBase("message", "rfc822")
    part.set_payload(inner_bytes.decode("ascii"))
    outer.attach(part)
    return headers(outer, "Fw: 資料").as_bytes()


def html_mail():
    html = ("<html><head><style>p{color:red}</style><title>x</title></head><body>"
            "<p>この資料は<b>社</b><span style='x'>外</span>&#31192;です</p>"
            "<table><tr><td>1234</td><td>5678</td></tr></table></body></html>")
    return headers(MIMEText(html, "html", "utf-8"), "お知らせ").as_bytes()


def build(out, write, docx, xlsx, zip_bytes, cards):
    ja = f"お世話になっております。\nこの資料は{MARK}です。取引先への送付は禁止します。\n"
    clean = "お世話になっております。\n会議の議事録をお送りします。\n"
    sheet = xlsx(["顧客カード"] + cards)
    report = docx([["報告書 ", MARK]])

    write(out, "mail/japanese.eml", text_mail(ja, "iso-2022-jp"))
    write(out, "mail/clean.eml", text_mail(clean, "iso-2022-jp"))
    write(out, "mail/subject_only.eml", text_mail(clean, "iso-2022-jp", subject=f"【{MARK}】来期計画"))
    write(out, "mail/sjis_base64.eml", text_mail(ja, "shift_jis", "base64"))
    write(out, "mail/eucjp_qp.eml", text_mail(ja, "euc-jp", "qp"))
    write(out, "mail/utf8_qp.eml", text_mail(ja, "utf-8", "qp"))
    write(out, "mail/cards_attachment.eml", with_attachments(clean, [("顧客一覧.xlsx", XLSX, sheet)]))
    invalid = xlsx(["顧客カード", "4111 1111 1111 1112", "5555-5555-5555-4445", "1234 5678 9012 3456"])
    write(out, "mail/cards_invalid.eml", with_attachments(clean, [("list.xlsx", XLSX, invalid)]))
    cards_text = ("カード番号\n" + "\n".join(cards) + "\n").encode("cp932")
    write(out, "mail/cards_text.eml", with_attachments(clean, [("cards.txt", "application/octet-stream", cards_text)]))
    write(out, "mail/report.eml", with_attachments(clean, [("report.docx", DOCX, report)]))
    write(out, "mail/nested_zip.eml",
          with_attachments(clean, [("a.zip", "application/zip", zip_bytes([("sheet.xlsx", sheet)]))]))
    write(out, "mail/forwarded.eml", forwarded(text_mail(ja, "iso-2022-jp")))
    write(out, "mail/html.eml", html_mail())
    mbox = b""
    for i, body in enumerate([clean, ja, clean]):
        mbox += b"From taro@example.co.jp Mon Dec  7 09:30:00 2026\n" + text_mail(body, "iso-2022-jp") + b"\n"
    write(out, "mail/inbox.mbox", mbox)
    whole = with_attachments(clean, [("report.docx", DOCX, report)])
    write(out, "mail/truncated.eml", whole[: len(whole) * 3 // 4])
    deep = text_mail(ja, "iso-2022-jp")
    for _ in range(5):
        deep = forwarded(deep)
    write(out, "mail/deep.eml", deep)


EXPECTED = {
    "mail/japanese.eml": ([MARK_JA], []),
    "mail/clean.eml": ([], []),
    "mail/subject_only.eml": ([MARK_JA], []),
    "mail/sjis_base64.eml": ([MARK_JA], []),
    "mail/eucjp_qp.eml": ([MARK_JA], []),
    "mail/utf8_qp.eml": ([MARK_JA], []),
    "mail/cards_attachment.eml": (["credit_card"], []),
    "mail/cards_invalid.eml": ([], []),
    "mail/cards_text.eml": (["credit_card"], []),
    "mail/report.eml": ([MARK_JA], []),
    "mail/nested_zip.eml": (["credit_card"], []),
    "mail/forwarded.eml": ([MARK_JA], []),
    "mail/html.eml": ([MARK_JA], []),
    "mail/inbox.mbox": ([MARK_JA], []),
    "mail/truncated.eml": ([], ["corrupt zip"]),
    "mail/deep.eml": ([], ["max_depth"]),
}
