#!/usr/bin/env python3
"""Office files as a real office suite writes them, for the scanner's recall and false-positive test.

    make_office_fixtures.py OUT_DIR

Writes flat OpenDocument sources (.fodt, .fods, .fodp: readable XML built here) with markings in
every place an office suite keeps text: body, page header, first-page header, footer, footnote,
endnote, table cell, nested table, chart title, comment, text box (also in a header), shape, tracked
insertion and deletion, hyperlink, field, content control, ruby (furigana), vertical writing, hidden
text and sections, conditional text, split formatting; in sheets page headers, shapes, links,
comments, several and hidden sheets, hidden rows, merged cells, formula results, very long cells,
thousands of shared strings, card numbers and My Numbers as numbers (also grouped "#,##0") and as
text (spaced, full-width), chart titles; on slides titles, charts, tables, shapes, groups, comments,
speaker notes, links, the master page. LibreOffice (soffice --headless) exports each to the formats
offices exchange: docx, doc, odt, rtf, pdf; xlsx, xls, ods; pptx, ppt, odp; and stores some with a
password (a Basic macro). Outlook .msg files (no Debian tool writes them) and a password-protected
.docx (LibreOffice 7.4 does not encrypt OOXML) are built by the small compound-file writer below;
truncated copies are corrupt.

Files inside files: zipped OpenDocument sources with Writer, Calc and Impress objects embedded (and a
file dropped in as an OLE "Package" object, whose compound file the script writes) which LibreOffice
converts (objects as storages in .doc's ObjectPool and .xls, compressed in .ppt, OOXML files and
oleObject.bin in docx/pptx); chart axis titles; headers and footers of a later section; a hybrid PDF
(its source inside). Then, where LibreOffice writes no such file: a .doc in a .doc in a .doc and a
.docx in a .docx in a .docx (nested from LibreOffice's files), SmartArt and modern and threaded
comments added to LibreOffice's .pptx/.xlsx as Office writes them, PDFs with attached files (an
incremental update as "attach a file" writes), objects in RTF (\\objdata, as Word writes them), a
document attached to a rich-text .msg as an OLE object, a .msg saved in an .eml, a zip inside a .docx,
and renamed copies, LZH archives and a 7z with a Japanese member name.

OUT_DIR/expected.tsv lists every file with the rule and detector names the built-in policy must
report (empty for negatives) and what its not-inspected reason must contain (empty: none);
OUT_DIR/timing.txt says how long soffice took. soffice is slow, so a caller keeps OUT_DIR between
runs: the script does nothing when OUT_DIR/expected.tsv is newer than itself. Exit status 0 on success, 1 with a message when soffice is missing or fails.
"""
import io
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

from mamori_testkit.make_fixtures import luhn_fix, my_number, wrong  # (one definition of the check digits)

JA = "company-confidential:confidential_marking_ja"
EN = "company-confidential:confidential_marking_en"
CARD = "credit_card"
MYNUM = "my_number"

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
      'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:officeooo="http://openoffice.org/2009/office" xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" '
      'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"')
FONTS = ('<office:font-face-decls><style:font-face style:name="IPAGothic" svg:font-family="IPAGothic"/>'
         '</office:font-face-decls>')
DEFAULT_STYLE = ('<office:styles><style:default-style style:family="paragraph"><style:text-properties '
                 'style:font-name-asian="IPAGothic"/></style:default-style></office:styles>')

CARDS = ["4111111111111111", "5555555555554444", "3530111333300000", luhn_fix("4012", 16)]
# Excel keeps 15 significant digits of a number (and LibreOffice's .xlsx export writes the same), so a
# 16-digit card typed as a number loses its last digit there; 15-digit American Express numbers survive.
AMEX = ["378282246310005", "371449635398431", "378734493671000"]
MYNUMBERS = [my_number("12345678901"), my_number("98765432109"), my_number("31415926535")]


def p(text):
    return f"<text:p>{text}</text:p>"


def fodt(body, header="", footer="", first=""):
    header_xml = f"<style:header>{p(header)}</style:header>" if header else ""
    header_xml += f"<style:header-first>{p(first)}</style:header-first>" if first else ""
    header_xml += f"<style:footer>{p(footer)}</style:footer>" if footer else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:version="1.2" '
            'office:mimetype="application/vnd.oasis.opendocument.text">' + FONTS + DEFAULT_STYLE +
            '<office:automatic-styles>'
            '<style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold" '
            'style:font-weight-asian="bold"/></style:style>'
            '<style:style style:name="I" style:family="text"><style:text-properties fo:font-style="italic" '
            'style:font-style-asian="italic" fo:color="#c00000"/></style:style>'
            '<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" '
            'fo:page-height="29.7cm"/><style:header-style/></style:page-layout></office:automatic-styles>'
            '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
            f'{header_xml}</style:master-page></office:master-styles>'
            f'<office:body><office:text>{body}</office:text></office:body></office:document>')


def table(rows):
    cols = max(len(r) for r in rows)
    out = f'<table:table table:name="T1"><table:table-column table:number-columns-repeated="{cols}"/>'
    for row in rows:
        out += "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string">{p(c)}</table:table-cell>' for c in row) + "</table:table-row>"
    return out + "</table:table>"


def footnote(text):
    return (f'<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            f'<text:note-body>{p(text)}</text:note-body></text:note>')


def fods(rows):
    """rows: lists of cells; a cell is ("n", digits) for a number shown with format 0, else text."""
    def cell(c):
        if isinstance(c, tuple):
            return (f'<table:table-cell table:style-name="ce1" office:value-type="float" office:value="{c[1]}">'
                    f'{p(c[1])}</table:table-cell>')
        return f'<table:table-cell office:value-type="string">{p(c)}</table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(c) for c in r) + "</table:table-row>" for r in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:version="1.2" '
            'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">' + FONTS + DEFAULT_STYLE +
            '<office:automatic-styles><number:number-style style:name="N0"><number:number '
            'number:decimal-places="0" number:min-integer-digits="1"/></number:number-style>'
            '<style:style style:name="ce1" style:family="table-cell" style:data-style-name="N0"/>'
            '</office:automatic-styles><office:body><office:spreadsheet><table:table table:name="Sheet1">'
            f'{body}</table:table></office:spreadsheet></office:body></office:document>')


def fodp(slides):
    """slides: (slide text, notes text) pairs."""
    pages = ""
    for i, (text, notes) in enumerate(slides):
        notes_xml = (f'<presentation:notes><draw:frame presentation:class="notes" svg:x="2cm" svg:y="14cm" '
                     f'svg:width="17cm" svg:height="10cm"><draw:text-box>{p(notes)}</draw:text-box></draw:frame>'
                     '</presentation:notes>') if notes else ""
        pages += (f'<draw:page draw:name="page{i + 1}" draw:master-page-name="Default">'
                  f'<draw:frame svg:x="2cm" svg:y="3cm" svg:width="24cm" svg:height="4cm"><draw:text-box>{p(text)}'
                  f'</draw:text-box></draw:frame>{notes_xml}</draw:page>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:version="1.2" '
            'office:mimetype="application/vnd.oasis.opendocument.presentation">' + FONTS + DEFAULT_STYLE +
            '<office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties '
            'fo:page-width="28cm" fo:page-height="21cm"/></style:page-layout></office:automatic-styles>'
            '<office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/>'
            f'</office:master-styles><office:body><office:presentation>{pages}</office:presentation>'
            '</office:body></office:document>')


def split(word, style="B"):
    """A word in three pieces with different formatting (as a person editing it makes)."""
    a, b, c = word[:1], word[1:-1], word[-1:]
    return f'{a}<text:span text:style-name="{style}">{b}</text:span><text:span text:style-name="I">{c}</text:span>'


def annotation(text):
    """A comment (Writer, Calc) as LibreOffice stores it."""
    return f"<office:annotation><dc:creator>A</dc:creator>{p(text)}</office:annotation>"


def text_frame(text):
    return ('<draw:frame text:anchor-type="paragraph" svg:width="6cm" svg:height="2cm" svg:x="1cm" svg:y="1cm">'
            f'<draw:text-box>{p(text)}</draw:text-box></draw:frame>')


def shape(text, x="1cm"):
    """A drawing shape with text (anchored in Writer, on a slide in Impress)."""
    return (f'<draw:custom-shape text:anchor-type="paragraph" svg:width="6cm" svg:height="3cm" svg:x="{x}" '
            f'svg:y="5cm">{p(text)}<draw:enhanced-geometry draw:type="rectangle" svg:viewBox="0 0 21600 21600"/>'
            '</draw:custom-shape>')


def tracked(kind, text):
    """A paragraph with a tracked insertion of text, or a tracked deletion of it."""
    info = "<office:change-info><dc:creator>A</dc:creator><dc:date>2024-01-01T00:00:00</dc:date></office:change-info>"
    deleted = p(text) if kind == "deletion" else ""
    changes = (f'<text:tracked-changes><text:changed-region text:id="ct1"><text:{kind}>{info}{deleted}</text:{kind}>'
               '</text:changed-region></text:tracked-changes>')
    if kind == "insertion":
        return changes + p(f'本文 <text:change-start text:change-id="ct1"/>{text}<text:change-end text:change-id="ct1"/>')
    return changes + p('本文 <text:change text:change-id="ct1"/> 以上')


def field(text):
    return ('<text:variable-decls><text:variable-decl office:value-type="string" text:name="v"/></text:variable-decls>'
            f'区分: <text:variable-set text:name="v" office:value-type="string" office:string-value="{text}">{text}'
            '</text:variable-set>')


def link(text):
    return f'<text:a xlink:type="simple" xlink:href="https://example.com/">{text}</text:a>'


def fullwidth(digits):
    return digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


# Cells of fods_sheets() rows: text, a number (format 0, or grouped "#,##0"), a formula with its cached result.
def s_cell(text, extra=""):
    return f'<table:table-cell office:value-type="string"{extra}>{p(text)}</table:table-cell>'


def n_cell(value, style="ce1"):
    return f'<table:table-cell table:style-name="{style}" office:value-type="float" office:value="{value}">{p(value)}</table:table-cell>'


def row(*cells, hidden=False):
    visibility = ' table:visibility="collapse"' if hidden else ""
    return f"<table:table-row{visibility}>" + "".join(cells) + "</table:table-row>"


def fods_sheets(sheets):
    """sheets: (name, rows XML, hidden) tuples: several sheets, hidden ones, hidden rows, merged cells."""
    tables = "".join(f'<table:table table:name="{name}" table:style-name="{"hid" if hidden else "vis"}">{rows}'
                     '</table:table>' for name, rows, hidden in sheets)
    doc = fods([["x"]])
    start = doc.index('<table:table table:name="Sheet1">')
    end = doc.index("</table:table>", start) + len("</table:table>")
    return (doc[:start] + tables + doc[end:]).replace("</office:automatic-styles>", (
        '<style:style style:name="hid" style:family="table"><style:table-properties table:display="false"/>'
        '</style:style><style:style style:name="vis" style:family="table"><style:table-properties '
        'table:display="true"/></style:style><number:number-style style:name="N1"><number:number '
        'number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:number-style>'
        '<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N1"/>'
        "</office:automatic-styles>"))


def fodp_pages(pages):
    """pages: the draw:page elements' contents (frames, shapes, tables, comments)."""
    doc = fodp([("x", "")])
    start, end = doc.index("<draw:page "), doc.index("</office:presentation>")
    return doc[:start] + "".join(f'<draw:page draw:name="page{i + 1}" draw:master-page-name="Default">{inner}'
                                 "</draw:page>" for i, inner in enumerate(pages)) + doc[end:]


def frame(text, cls=None):
    kind = f' presentation:class="{cls}"' if cls else ""
    return (f'<draw:frame{kind} svg:x="2cm" svg:y="1cm" svg:width="20cm" svg:height="3cm"><draw:text-box>{p(text)}'
            "</draw:text-box></draw:frame>")


def slide_table(rows):
    cells = "".join(row(*(s_cell(c) for c in r)) for r in rows)
    return ('<draw:frame svg:x="2cm" svg:y="5cm" svg:width="20cm" svg:height="4cm"><table:table>'
            f'<table:table-column table:number-columns-repeated="{len(rows[0])}"/>{cells}</table:table></draw:frame>')


def slide_comment(text):
    return (f'<officeooo:annotation svg:x="1cm" svg:y="1cm"><dc:creator>A</dc:creator>{p(text)}'
            "</officeooo:annotation>")


def group(*texts):
    return "<draw:g>" + "".join(f'<draw:rect svg:x="{2 + 6 * i}cm" svg:y="5cm" svg:width="5cm" svg:height="2cm">'
                                f"{p(t)}</draw:rect>" for i, t in enumerate(texts)) + "</draw:g>"


def ruby(base, reading):
    """Furigana over a word (Word's .doc and RTF write it as an EQ field without a result)."""
    return (f"<text:ruby><text:ruby-base>{base}</text:ruby-base><text:ruby-text>{reading}</text:ruby-text>"
            "</text:ruby>")


def with_second_page_style(doc, body, header="", footer=""):
    """A second section of the document on a page style of its own (its own header and footer), from the
    paragraph body on: Word's formats write it as a section with its own header and footer parts."""
    own = (f"<style:header>{p(header)}</style:header>" if header else "") + (
        f"<style:footer>{p(footer)}</style:footer>" if footer else "")
    doc = doc.replace("</office:master-styles>", '<style:master-page style:name="Second" style:page-layout-name="pm1">'
                      f"{own}</style:master-page></office:master-styles>")
    doc = doc.replace("</office:automatic-styles>", '<style:style style:name="P2" style:family="paragraph" '
                      'style:master-page-name="Second"/></office:automatic-styles>')
    return doc.replace("</office:text>", f'<text:p text:style-name="P2">{body}</text:p></office:text>')


def vertical(doc):
    """A text document written top to bottom, right to left (Japanese tategaki)."""
    return doc.replace('<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/>',
                       '<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" '
                       'style:writing-mode="tb-rl"/>')


def content_control(text):
    return f'<loext:content-control loext:showing-place-holder="false">{text}</loext:content-control>'


def with_sheet_header(doc, text):
    """A sheet's page header (in the page style, not in a cell)."""
    return doc.replace("<office:body>", '<office:master-styles><style:master-page style:name="Default" '
                       f'style:page-layout-name="pm1"><style:header><style:region-center>{p(text)}'
                       "</style:region-center></style:header></style:master-page></office:master-styles>"
                       "<office:body>").replace("</office:automatic-styles>", '<style:page-layout style:name="pm1">'
                                                "<style:header-style/></style:page-layout></office:automatic-styles>")


def with_sheet_shape(doc, text):
    """A shape with text drawn on the first sheet."""
    shapes = ('<table:shapes><draw:custom-shape svg:width="6cm" svg:height="3cm" svg:x="1cm" svg:y="1cm">'
              f'{p(text)}<draw:enhanced-geometry draw:type="rectangle" svg:viewBox="0 0 21600 21600"/>'
              "</draw:custom-shape></table:shapes>")
    at = doc.index(">", doc.index("<table:table ")) + 1
    return doc[:at] + shapes + doc[at:]


def with_master_text(doc, text):
    """Text on the slides' master page (a footer every slide shows)."""
    return doc.replace('<style:master-page style:name="Default" style:page-layout-name="PM1"/>',
                       '<style:master-page style:name="Default" style:page-layout-name="PM1"><draw:frame svg:x="1cm" '
                       f'svg:y="19cm" svg:width="10cm" svg:height="1cm"><draw:text-box>{p(text)}</draw:text-box>'
                       "</draw:frame></style:master-page>")


def chart(title, anchor=' text:anchor-type="paragraph"', axis_title=None):
    """A bar chart with a title (and the y axis's title), embedded as an object (Writer, Impress; Calc with
    with_sheet_chart)."""
    cell = '<table:table-cell office:value-type="{}"{}><text:p>{}</text:p></table:table-cell>'
    rows = "".join(f'<table:table-row>{cell.format("string", "", k)}{cell.format("float", f" office:value={v!r}", v)}'
                   "</table:table-row>" for k, v in [("a", "1"), ("b", "2")]).replace("'", '"')
    return (f'<draw:frame{anchor} svg:width="8cm" svg:height="6cm" svg:x="1cm" svg:y="1cm"><draw:object>'
            '<office:document office:mimetype="application/vnd.oasis.opendocument.chart" office:version="1.2">'
            '<office:body><office:chart><chart:chart chart:class="chart:bar" svg:width="8cm" svg:height="6cm">'
            f"<chart:title>{p(title)}</chart:title><chart:plot-area><chart:axis chart:dimension=\"y\" "
            + ('chart:name="primary-y"/>' if axis_title is None else
               f'chart:name="primary-y"><chart:title>{p(axis_title)}</chart:title></chart:axis>') +
            '<chart:series chart:values-cell-range-address="local-table.B2:B3" '
            'chart:class="chart:bar"><chart:data-point chart:repeated="2"/></chart:series></chart:plot-area>'
            '<table:table table:name="local-table"><table:table-header-columns><table:table-column/>'
            "</table:table-header-columns><table:table-columns><table:table-column/></table:table-columns>"
            f'<table:table-header-rows><table:table-row><table:table-cell/>{cell.format("string", "", "S")}'
            f"</table:table-row></table:table-header-rows><table:table-rows>{rows}</table:table-rows></table:table>"
            "</chart:chart></office:chart></office:body></office:document></draw:object></draw:frame>")


def with_sheet_chart(doc, title, axis_title=None):
    at = doc.index(">", doc.index("<table:table ")) + 1
    frame = chart(title, anchor=' table:end-cell-address="S1.E10"', axis_title=axis_title)
    return doc[:at] + f"<table:shapes>{frame}</table:shapes>" + doc[at:]


def big_sheet_rows(count, marker):
    """Thousands of distinct Japanese and ASCII strings (a shared-string table over many CONTINUE records
    in .xls, its strings switching between 8-bit and UTF-16 at the boundaries), the marker last."""
    import random
    rnd = random.Random(7)
    kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん売上計画見込会議資料"
    rows = "".join(row(s_cell("".join(rnd.choice(kana) for _ in range(rnd.randint(1, 9))) + str(i)),
                       s_cell(f"item-{i:05d}-" + "".join(rnd.choice("abcdefghij") for _ in range(rnd.randint(0, 9)))))
                   for i in range(count))
    return rows + row(s_cell(marker), s_cell("end"))


# name -> (source text, formats, expected names). Positives carry one marking each, in one place.
WRITER_FORMATS = ["docx", "doc", "odt", "rtf", "pdf"]
CALC_FORMATS = ["xlsx", "xls", "ods"]
IMPRESS_FORMATS = ["pptx", "ppt", "odp"]
SOURCES = {
    "w_body_ja": (fodt(p("この資料は社外秘です。四半期の計画。")), WRITER_FORMATS, [JA]),
    "w_header_en": (fodt(p("Quarterly plan for the sales team."), header="Company Confidential"), WRITER_FORMATS, [EN]),
    "w_footnote_ja": (fodt(p("売上の見込み" + footnote("この数字は極秘です"))), WRITER_FORMATS, [JA]),
    "w_table_ja": (fodt(p("一覧") + table([["区分", "内容"], ["扱い", "取扱注意"]])), WRITER_FORMATS, [JA]),
    "w_split_ja": (fodt(p("資料: " + split("社外秘") + " 以上")), WRITER_FORMATS, [JA]),
    "w_split_en": (fodt(p("Stamp: " + split("CONFIDENTIAL") + " copy")), WRITER_FORMATS, [EN]),
    "w_cards_table": (fodt(p("カード") + table([["名前", "番号"]] + [[f"客{i}", c] for i, c in enumerate(CARDS)])),
                      WRITER_FORMATS, [CARD]),
    "w_clean": (fodt(p("This memo is confidential to nobody; 議事録と秘書の予定。") +
                     table([["番号", wrong(CARDS[0])], ["番号", wrong(CARDS[1])], ["番号", wrong(CARDS[2])]]),
                     header="Meeting notes"), WRITER_FORMATS, []),
    "c_cards_numbers": (fods([["氏名", "カード番号"]] + [[f"客{i}", ("n", c)] for i, c in enumerate(CARDS + AMEX)]),
                        CALC_FORMATS, [CARD]),
    "c_cards_text": (fods([["氏名", "カード番号"]] + [[f"客{i}", c] for i, c in enumerate(CARDS)]), CALC_FORMATS, [CARD]),
    "c_mynumbers_numbers": (fods([["個人番号"]] + [[("n", n)] for n in MYNUMBERS]), CALC_FORMATS, [MYNUM]),
    "c_mynumbers_text": (fods([["個人番号"]] + [[n] for n in MYNUMBERS]), CALC_FORMATS, [MYNUM]),
    "c_marker_ja": (fods([["区分", "関係者外秘"], ["売上", ("n", "1200")]]), CALC_FORMATS, [JA]),
    "c_clean": (fods([["番号", "金額"]] + [[("n", wrong(c)), ("n", "1500")] for c in AMEX] +
                     [[wrong(c), ("n", "1500")] for c in CARDS] +
                     [[wrong(n), ("n", wrong(n))] for n in MYNUMBERS]), CALC_FORMATS, []),
    "i_slide_ja": (fodp([("四半期計画 社外秘", ""), ("次の一手", "")]), IMPRESS_FORMATS, [JA]),
    "i_notes_en": (fodp([("Quarterly plan", "Speaker: this deck is Strictly Confidential")]), IMPRESS_FORMATS, [EN]),
    "i_split_ja": (fodp([("資料 " + split("部外秘"), "")]), IMPRESS_FORMATS, [JA]),
    "i_clean": (fodp([("Team picnic", "Bring snacks; nothing confidential here")]), IMPRESS_FORMATS, []),
    # Other places text lives (issue 17: every place an office suite writes text, not only the first ones).
    # LibreOffice leaves a few of them out of some exports (the text is then not in the file at all):
    # comments out of PDF, the first-page header and a variable field out of RTF.
    "w_comment_ja": (fodt(p("本文です" + annotation("この件は社外秘"))), [f for f in WRITER_FORMATS if f != "pdf"], [JA]),
    "w_comment_pdf_ja": (fodt(p("本文です" + annotation("レビュー: この件は社外秘"))), ["pdf-notes"], [JA]),
    # A hybrid PDF prints no comment, but carries the document with it.
    "w_comment_hybrid_ja": (fodt(p("本文です" + annotation("この件は社外秘"))), ["pdf-hybrid"], [JA]),
    "w_comment_pdf_clean": (fodt(p("本文" + annotation("memo: confidential to nobody, 4111 1111 1111 1112"))),
                            ["pdf-notes"], []),
    # Hidden text (a hidden character style, a hidden section) is in the file and shown by one click: it is
    # reported; the PDF does not print it.
    "w_hidden_text_ja": (fodt(p('本文 <text:span text:style-name="H">極秘メモ</text:span> 以上')).replace(
        "</office:automatic-styles>", '<style:style style:name="H" style:family="text"><style:text-properties '
        'text:display="none"/></style:style></office:automatic-styles>'), [f for f in WRITER_FORMATS if f != "pdf"], [JA]),
    "w_hidden_section_ja": (fodt('<text:section text:name="S1" text:display="none">' + p("隠し: 社外秘") +
                                 "</text:section>" + p("本文")), [f for f in WRITER_FORMATS if f != "pdf"], [JA]),
    "w_conditional_ja": (fodt(p('<text:conditional-text text:condition="ooow:1==1" text:string-value-if-true="厳秘" '
                                'text:string-value-if-false="公開">厳秘</text:conditional-text>')), WRITER_FORMATS, [JA]),
    "w_textbox_ja": (fodt(p("本文" + text_frame("枠の中: 極秘"))), WRITER_FORMATS, [JA]),
    "w_shape_ja": (fodt(p("本文" + shape("図形: 部外秘"))), WRITER_FORMATS, [JA]),
    "w_endnote_ja": (fodt(p("本文" + footnote("後注: 厳秘").replace("footnote", "endnote"))), WRITER_FORMATS, [JA]),
    "w_tracked_insert_ja": (fodt(tracked("insertion", "社外秘")), WRITER_FORMATS, [JA]),
    # Deleted text stays in the file (w:delText, the deletion's paragraphs, the .doc's text), and anyone
    # shows it with the changes: it is reported like the rest (docs/decisions, issue 17's "Office places").
    "w_tracked_delete_ja": (fodt(tracked("deletion", "社外秘")), WRITER_FORMATS, [JA]),
    "w_link_en": (fodt(p(f"See {link('Company Confidential')} here")), WRITER_FORMATS, [EN]),
    "w_field_ja": (fodt(p(field("取扱注意"))), [f for f in WRITER_FORMATS if f != "rtf"], [JA]),
    "w_nested_table_ja": (fodt(p("表") + table([["a", "b"], ["c", "@"]]).replace(
        p("@"), table([["内", "関係者外秘"]]).replace('"T1"', '"T2"'))), WRITER_FORMATS, [JA]),
    "w_footer_en": (fodt(p("Plan"), footer="Strictly Confidential"), WRITER_FORMATS, [EN]),
    "w_first_header_ja": (fodt(p("Plan"), header="plan", first="極秘 表紙"), [f for f in WRITER_FORMATS if f != "rtf"], [JA]),
    "w_long_ja": (fodt("".join(p(f"第{i}項 売上の見込みと計画について説明します。Item {i} of the plan.") for i in range(2000)) +
                       p("末尾: 社外秘")), WRITER_FORMATS, [JA]),
    "w_cards_spaced": (fodt(p("番号 4111 1111 1111 1111") + p("5555-5555-5555-4444") + p("3530 1113 3330 0000")),
                       WRITER_FORMATS, [CARD]),
    "w_cards_fullwidth": (fodt("".join(p("番号 " + fullwidth(c)) for c in CARDS[:3])), WRITER_FORMATS, [CARD]),
    "w_places_clean": (fodt(p("本文" + annotation("memo: confidential to nobody, 4111 1111 1111 1112") +
                              text_frame("秘書の予定") + shape("Company picnic")) + tracked("deletion", "議事録") +
                            p(link("Confidentiality policy")), footer="page 1"), WRITER_FORMATS, []),
    # Ruby (furigana), one group over the word and one per character as Word writes it by default.
    "w_ruby_ja": (fodt(p("資料: " + ruby("社外秘", "しゃがいひ")) + p(ruby("極", "ごく") + ruby("秘", "ひ") + " 扱い")),
                  WRITER_FORMATS, [JA]),
    # Vertical writing (tategaki): the PDF shows one character a string down a column.
    "w_vertical_ja": (vertical(fodt(p("縦書きの資料です。この文書は社外秘です。以上。"))), WRITER_FORMATS, [JA]),
    "w_vertical_clean": (vertical(fodt(p("縦書きの議事録。秘書の予定は四月一日、二〇二六年。") + p("1") + p("2") + p("3"))),
                         WRITER_FORMATS, []),
    "w_content_control_ja": (fodt(p("区分: " + content_control("取扱注意"))), WRITER_FORMATS, [JA]),
    "w_header_textbox_ja": (fodt(p("本文"), header="x").replace("<style:header><text:p>x</text:p>",
                                                               "<style:header>" + p("ヘッダ" + text_frame("極秘"))),
                            WRITER_FORMATS, [JA]),
    "w_ruby_clean": (fodt(p(ruby("秘書", "ひしょ") + "の予定 " + ruby("秘", "ひ") + ruby("書", "しょ"))), WRITER_FORMATS, []),
    # A chart's title: the embedded chart is a package in the .doc's ObjectPool and a zlib-compressed
    # compound file in the .ppt; LibreOffice puts no chart text in its PDF and RTF.
    "w_chart_ja": (fodt(p("図" + chart("売上 社外秘"))), ["docx", "doc", "odt"], [JA]),
    "c_chart_ja": (with_sheet_chart(fods_sheets([("S1", row(s_cell("a"), n_cell("1")) + row(s_cell("b"), n_cell("2")),
                                                  False)]), "売上 極秘"), CALC_FORMATS, [JA]),
    "c_sheet_header_ja": (with_sheet_header(fods_sheets([("S1", row(s_cell("a")), False)]), "社外秘"), CALC_FORMATS, [JA]),
    "c_sheet_shape_ja": (with_sheet_shape(fods_sheets([("S1", row(s_cell("a")), False)]), "図形: 部外秘"), CALC_FORMATS, [JA]),
    "c_link_en": (fods_sheets([("S1", row(f'<table:table-cell office:value-type="string">{p(link("Company Confidential"))}'
                                          "</table:table-cell>"), False)]), CALC_FORMATS, [EN]),
    "c_comment_ja": (fods_sheets([("S1", row(s_cell("区分"), f'<table:table-cell office:value-type="string">'
                                            f'{annotation("注記: 社外秘")}{p("売上")}</table:table-cell>'), False)]),
                     CALC_FORMATS, [JA]),
    "c_third_sheet_ja": (fods_sheets([("S1", row(s_cell("a")), False), ("S2", row(s_cell("b")), False),
                                      ("S3", row(s_cell("区分"), s_cell("部外秘")), False)]), CALC_FORMATS, [JA]),
    "c_hidden_sheet_ja": (fods_sheets([("S1", row(s_cell("a")), False), ("Hidden", row(s_cell("極秘")), True)]),
                          CALC_FORMATS, [JA]),
    "c_hidden_row_ja": (fods_sheets([("S1", row(s_cell("a")) + row(s_cell("厳秘"), hidden=True) + row(s_cell("b")),
                                      False)]), CALC_FORMATS, [JA]),
    "c_merged_ja": (fods_sheets([("S1", row(s_cell("取扱注意", ' table:number-columns-spanned="2" '
                                                    'table:number-rows-spanned="1"'), "<table:covered-table-cell/>"),
                                  False)]), CALC_FORMATS, [JA]),
    # LibreOffice's .xls keeps no result of a text formula (only its pieces, "社外" & "秘"): not in that file.
    "c_formula_ja": (fods_sheets([("S1", row('<table:table-cell table:formula="of:=CONCATENATE(&quot;社外&quot;;'
                                             '&quot;秘&quot;)" office:value-type="string" office:string-value="社外秘">'
                                             f'{p("社外秘")}</table:table-cell>'), False)]), ["xlsx", "ods"], [JA]),
    "c_formula_cards": (fods_sheets([("S1", "".join(row(f'<table:table-cell table:style-name="ce1" table:formula='
                                                        f'"of:={c}+0" office:value-type="float" office:value="{c}">'
                                                        f"{p(c)}</table:table-cell>") for c in AMEX), False)]),
                        CALC_FORMATS, [CARD]),
    "c_long_cell_ja": (fods_sheets([("S1", row(s_cell("計画について。" * 4000 + "関係者外秘")), False)]), CALC_FORMATS, [JA]),
    "c_mynumbers_grouped": (fods_sheets([("S1", "".join(row(n_cell(n, "ce2")) for n in MYNUMBERS), False)]),
                            CALC_FORMATS, [MYNUM]),
    "c_cards_spaced": (fods_sheets([("S1", row(s_cell("4111 1111 1111 1111")) + row(s_cell("5555-5555-5555-4444")) +
                                     row(s_cell("3530 1113 3330 0000")), False)]), CALC_FORMATS, [CARD]),
    "c_mynumbers_fullwidth": (fods_sheets([("S1", "".join(row(s_cell(fullwidth(n))) for n in MYNUMBERS), False)]),
                              CALC_FORMATS, [MYNUM]),
    "c_big_sst_ja": (fods_sheets([("S1", big_sheet_rows(6000, "最後の行: 社外秘"), False)]), CALC_FORMATS, [JA]),
    "c_big_sst_en": (fods_sheets([("S1", big_sheet_rows(6000, "Strictly Confidential"), False)]), CALC_FORMATS, [EN]),
    "c_places_clean": (fods_sheets([("S1", row(s_cell("合計"), f'<table:table-cell office:value-type="string">'
                                              f'{annotation("memo: confidential to nobody")}{p("x")}</table:table-cell>') +
                                     "".join(row(n_cell(wrong(n), "ce2"), n_cell("1234567", "ce2")) for n in MYNUMBERS) +
                                     row(s_cell("1,234,567,890"), s_cell("12,345,678,901,234")), False),
                                    ("Hidden", row(s_cell("秘書の予定")), True)]), CALC_FORMATS, []),
    # An axis's title, the only marking in the chart (the chart's own title is harmless).
    "w_chart_axis_ja": (fodt(p("図" + chart("売上", axis_title="単位: 社外秘"))), ["docx", "doc", "odt"], [JA]),
    "c_chart_axis_ja": (with_sheet_chart(fods_sheets([("S1", row(s_cell("a"), n_cell("1")) + row(s_cell("b"), n_cell("2")),
                                                       False)]), "売上", axis_title="単位: 極秘"), CALC_FORMATS, [JA]),
    "i_chart_axis_ja": (fodp_pages([frame("図") + chart("売上", anchor="", axis_title="単位: 部外秘")]), IMPRESS_FORMATS,
                        [JA]),
    # Headers and footers of a later section (a page style of its own), the first section's clean.
    "w_section_header_ja": (with_second_page_style(fodt(p("第一章"), header="plan"), "第二章", header="第二章: 社外秘"),
                            WRITER_FORMATS, [JA]),
    "w_section_footer_en": (with_second_page_style(fodt(p("Part one"), footer="page"), "Part two",
                                                   footer="Strictly Confidential"), WRITER_FORMATS, [EN]),
    "w_section_clean": (with_second_page_style(fodt(p("第一章"), header="plan"), "第二章", header="秘書の予定",
                                               footer="confidential to nobody"), WRITER_FORMATS, []),
    "i_chart_ja": (fodp_pages([frame("図") + chart("売上 部外秘", anchor="")]), IMPRESS_FORMATS, [JA]),
    "i_chart_clean": (fodp_pages([frame("図") + chart("売上の推移", anchor="")]), IMPRESS_FORMATS, []),
    "i_master_ja": (with_master_text(fodp([("plan", "")]), "社外秘"), IMPRESS_FORMATS, [JA]),
    "i_notes_ja": (fodp([("plan", "発表メモ: 関係者外秘")]), IMPRESS_FORMATS, [JA]),
    "i_link_en": (fodp([(link("Do Not Distribute"), "")]), IMPRESS_FORMATS, [EN]),
    "i_title_ja": (fodp_pages([frame("社外秘 計画", "title")]), IMPRESS_FORMATS, [JA]),
    "i_table_ja": (fodp_pages([frame("一覧") + slide_table([["区分", "内容"], ["扱い", "関係者外秘"]])]), IMPRESS_FORMATS, [JA]),
    "i_shape_ja": (fodp_pages([frame("図") + shape("図形の中: 極秘")]), IMPRESS_FORMATS, [JA]),
    "i_group_ja": (fodp_pages([frame("図") + group("Company", "厳秘 です")]), IMPRESS_FORMATS, [JA]),
    "i_comment_ja": (fodp_pages([frame("計画") + slide_comment("コメント: 社外秘")]), IMPRESS_FORMATS, [JA]),
    "i_slide30_en": (fodp_pages([frame(f"Slide {i}") for i in range(29)] + [frame("Do Not Distribute")]),
                     IMPRESS_FORMATS, [EN]),
    "i_cards_table": (fodp_pages([frame("カード") + slide_table([["4111 1111 1111 1111"], ["5555555555554444"],
                                                                  ["3530-1113-3330-0000"]])]), IMPRESS_FORMATS, [CARD]),
    "i_places_clean": (fodp_pages([frame("Picnic", "title") + slide_comment("confidential to nobody") +
                                   slide_table([["番号", wrong(CARDS[0])]]) + group("秘書", "memo")]), IMPRESS_FORMATS, []),
}
# Sheets and slides are sent as PDF too. Not every place survives it: LibreOffice prints no comments,
# speaker notes, hidden sheets or rows, and a number wider than its column as "###".
for _name in ["c_cards_text", "c_mynumbers_text", "c_marker_ja", "c_cards_spaced", "c_third_sheet_ja", "c_merged_ja",
              "c_mynumbers_fullwidth", "c_clean", "c_places_clean", "c_chart_ja", "i_slide_ja", "i_split_ja",
              "i_title_ja", "i_table_ja", "i_shape_ja", "i_group_ja", "i_chart_ja", "i_cards_table", "i_slide30_en",
              "i_master_ja", "i_clean", "i_places_clean"]:
    SOURCES[_name] = (SOURCES[_name][0], SOURCES[_name][1] + ["pdf"], SOURCES[_name][2])
SUFFIX = {"w": "fodt", "c": "fods", "i": "fodp"}
FILTERS = {"doc": "doc:MS Word 97", "xls": "xls:MS Excel 97", "ppt": "ppt:MS PowerPoint 97",
           "docx": "docx:MS Word 2007 XML", "xlsx": "xlsx:Calc MS Excel 2007 XML",
           "pptx": "pptx:Impress MS PowerPoint 2007 XML", "rtf": "rtf:Rich Text Format",
           # A PDF with the comments as annotations (LibreOffice's "Comments as PDF annotations").
           "pdf-notes": 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
           # A hybrid PDF: the document's OpenDocument source rides along inside (/AdditionalStreams).
           "pdf-hybrid": 'pdf:writer_pdf_Export:{"IsAddStream":{"type":"boolean","value":"true"}}'}


# --- Objects embedded in documents: OpenDocument packages (zipped) that LibreOffice converts ----------
# A Writer, Calc or Impress document embedded in another (Insert > Object > OLE Object) is its own
# storage in the .doc's ObjectPool, in the .xls's MBD* storages and a compressed compound file in the
# .ppt; an OOXML file in docx/pptx's embeddings. A file dropped into a document (an OLE "Package"
# object) is a compound file with an Ole10Native stream, built here (cfb(), ole_package()): LibreOffice
# keeps it as it is and writes it into every format. LibreOffice 7.4 writes no OLE object into .xlsx.

MIME = {"w": "application/vnd.oasis.opendocument.text", "c": "application/vnd.oasis.opendocument.spreadsheet",
        "i": "application/vnd.oasis.opendocument.presentation"}
PACKAGE_SUFFIX = {"w": "odt", "c": "ods", "i": "odp"}


def object_frame(name, kind, ole=False):
    anchor = {"w": ' text:anchor-type="paragraph"', "c": ' table:end-cell-address="S1.E10"', "i": ""}[kind]
    element = "draw:object-ole" if ole else "draw:object"
    return (f'<draw:frame{anchor} svg:width="8cm" svg:height="4cm" svg:x="1cm" svg:y="1cm"><{element} '
            f'xlink:href="./{name}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame>')


def package_body(kind, text, frames=""):
    """The office:body of a document of kind ("w", "c", "i") showing text and the object frames."""
    if kind == "w":
        return f"<office:text>{p(text + frames)}</office:text>"
    if kind == "c":
        shapes = f"<table:shapes>{frames}</table:shapes>" if frames else ""
        return (f'<office:spreadsheet><table:table table:name="S1">{shapes}<table:table-row>'
                f'<table:table-cell office:value-type="string">{p(text)}</table:table-cell></table:table-row>'
                "</table:table></office:spreadsheet>")
    return f'<office:presentation><draw:page draw:name="p1">{frame(text)}{frames}</draw:page></office:presentation>'


def odf_package(kind, text, objects=(), files=()):
    """A zipped OpenDocument file of kind showing text, with objects [(kind, text, inner objects)]
    embedded (nested as deep as given) and files [(name, compound file bytes)] as OLE objects."""
    members, manifest = {}, [("/", MIME[kind])]

    def add(prefix, kind, text, objects, files):
        frames = ""
        for n, (inner_kind, inner_text, inner_objects) in enumerate(objects):
            name = f"Object {n + 1}"
            manifest.append((f"{prefix}{name}/", MIME[inner_kind]))
            add(f"{prefix}{name}/", inner_kind, inner_text, inner_objects, ())
            frames += object_frame(name, kind)
        for name, data in files:
            members[prefix + name] = data
            manifest.append((prefix + name, "application/vnd.sun.star.oleobject"))
            frames += object_frame(name, kind, ole=True)
        members[prefix + "content.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} '
                                           f'office:version="1.2">{FONTS}<office:body>{package_body(kind, text, frames)}'
                                           "</office:body></office:document-content>").encode("utf-8")
        manifest.append((prefix + "content.xml", "text/xml"))
    add("", kind, text, objects, files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIME[kind], compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">' + "".join(
                       f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{mime}"/>'
                       for path, mime in manifest) + "</manifest:manifest>")
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def ole10native(label, data):
    """A dropped file as Windows' packager keeps it (the Ole10Native stream, also an RTF Package object's
    native data): size, version 2, label, source path, kind 3, temporary path, the file's bytes."""
    source = ("C:\\Users\\taro\\Desktop\\" + label).encode("ascii") + b"\0"
    temp = ("C:\\Users\\taro\\AppData\\Local\\Temp\\" + label).encode("ascii") + b"\0"
    native = (struct.pack("<H", 2) + label.encode("ascii") + b"\0" + source + struct.pack("<I", 0x00030000) +
              struct.pack("<I", len(temp)) + temp + struct.pack("<I", len(data)) + data)
    return struct.pack("<I", len(native)) + native


def ole_package(label, data):
    """An OLE "Package" object holding a dropped file: its CompObj and the Ole10Native stream."""
    compobj = (struct.pack("<HHIi", 1, 0xFFFE, 0x0A03, -1) + b"\0" * 16 + struct.pack("<I", 8) + b"Package\0" +
               struct.pack("<I", 8) + b"Package\0" + struct.pack("<II", 0, 0x71B239F4) + b"\0" * 12)
    return cfb({"\x01Ole10Native": ole10native(label, data), "\x01CompObj": compobj})


def rtf_with_objects(rtf, objects):
    """An RTF document with objects [(class name, native data)] embedded as Word writes them: an OLE 1.0
    object ([MS-OLEDS] ObjectHeader, then the native data's size and bytes) in hex lines of 128 digits,
    with a picture as the result (LibreOffice writes no \\objdata: the script adds them to its RTF)."""
    def lpas(text):
        return struct.pack("<I", len(text) + 1) + text.encode("ascii") + b"\0"
    groups = b""
    for name, native in objects:
        ole1 = struct.pack("<II", 0x0501, 2) + lpas(name) + struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native
        digits = ole1.hex()
        lines = "\r\n".join(digits[i:i + 128] for i in range(0, len(digits), 128))
        groups += (b"{\\object\\objemb{\\*\\objclass " + name.encode() + b"}\\objw2000\\objh1000{\\*\\objdata\r\n" +
                   lines.encode() + b"\r\n}{\\result {\\pict\\wmetafile8\\picw10\\pich10 0100}}}")
    end = rtf.rindex(b"}")
    return rtf[:end] + b"\\par " + groups + rtf[end:]


def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def packaged_sources():
    """name -> (zipped OpenDocument bytes, formats, expected names): documents with embedded objects."""
    dropped = ole_package("plan.zip", zip_of({"plan/memo.txt": "来期の計画。この資料は社外秘です。".encode("utf-8")}))
    dropped_clean = ole_package("notes.txt", "議事録: 秘書の予定、confidential to nobody".encode("utf-8"))
    writer, calc, impress = ["doc", "docx", "odt"], ["xls", "ods"], ["ppt", "pptx", "odp"]
    return {
        "w_object_writer_ja": (odf_package("w", "本文", [("w", "埋め込み文書: 社外秘", [])]), writer, [JA]),
        "w_object_calc_ja": (odf_package("w", "本文", [("c", "埋め込み表: 極秘", [])]), writer, [JA]),
        "w_object_impress_en": (odf_package("w", "body", [("i", "Do Not Distribute", [])]), writer, [EN]),
        # A document in a document in a document: LibreOffice keeps the inner one only in OpenDocument
        # (embedded_files() nests .doc and .docx files by hand).
        "w_object_nested_ja": (odf_package("w", "本文", [("w", "中", [("w", "さらに中: 関係者外秘", [])])]), ["odt"], [JA]),
        "w_object_package_ja": (odf_package("w", "本文", files=[("Object 1", dropped)]), writer, [JA]),
        "w_object_clean": (odf_package("w", "本文", [("w", "秘書の予定", []), ("c", "confidential to nobody", [])],
                                       [("Object 3", dropped_clean)]), writer, []),
        "c_object_writer_ja": (odf_package("c", "a", [("w", "埋め込み文書: 社外秘", [])]), calc, [JA]),
        "c_object_impress_ja": (odf_package("c", "a", [("i", "埋め込み: 部外秘", [])]), calc, [JA]),
        "c_object_calc_ja": (odf_package("c", "a", [("c", "埋め込み表: 極秘", [])]), calc, [JA]),
        "c_object_package_ja": (odf_package("c", "a", files=[("Object 1", dropped)]), calc, [JA]),
        "i_object_writer_ja": (odf_package("i", "図", [("w", "埋め込み文書: 社外秘", [])]), impress, [JA]),
        "i_object_calc_en": (odf_package("i", "chart", [("c", "Strictly Confidential", [])]), impress, [EN]),
        "i_object_impress_ja": (odf_package("i", "図", [("i", "埋め込み: 社外秘", [])]), impress, [JA]),
        "i_object_package_ja": (odf_package("i", "図", files=[("Object 1", dropped)]), impress, [JA]),
        "i_object_clean": (odf_package("i", "図", [("w", "秘書の予定", [])], [("Object 2", dropped_clean)]), impress, []),
    }


def extension(fmt):
    """The file name extension soffice gives a target format ("pdf-notes" writes a .pdf)."""
    return FILTERS.get(fmt, fmt).split(":")[0]


# --- A compound file (OLE2/CFB, version 3) writer, for .msg fixtures ------------------------------

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def cfb(streams):
    """streams: {"a/b/c": bytes}; storages are implied by the paths. Returns the file's bytes."""
    # The directory: root, then every storage and stream; children chained through right siblings.
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index = {"": 0}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub in index:
                continue
            is_stream = depth == len(parts)
            entries.append({"name": parts[depth - 1], "type": 2 if is_stream else 1, "children": [],
                            "data": streams[path] if is_stream else b""})
            index[sub] = len(entries) - 1
            entries[index["/".join(parts[:depth - 1])]]["children"].append(index[sub])
    # Small streams live in the mini stream, the rest in sectors of their own.
    mini, minifat = b"", []
    for e in entries:
        if e["type"] == 2 and len(e["data"]) < CUTOFF:
            e["start"] = len(mini) // MINI if e["data"] else END
            n = (len(e["data"]) + MINI - 1) // MINI
            minifat += [len(minifat) + k + 1 for k in range(n - 1)] + ([END] if n else [])
            mini += e["data"] + b"\0" * (n * MINI - len(e["data"]))
    big = [e for e in entries if e["type"] == 2 and len(e["data"]) >= CUTOFF]

    def sectors(n_bytes):
        return (n_bytes + SECTOR - 1) // SECTOR
    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(len(e["data"])) for e in big)
    n_fat = 1
    while n_fat * 128 < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    assert n_fat <= 109
    fat, body = [FATSECT] * n_fat, b""

    def chain(data):
        nonlocal body
        start = len(fat)
        n = sectors(len(data))
        fat.extend(start + k + 1 for k in range(n - 1))
        fat.append(END)
        body += data + b"\0" * (n * SECTOR - len(data))
        return start
    dir_start = len(fat)
    body_dir_offset = len(body)
    chain(b"\0" * (n_dir * SECTOR))  # filled in below, once every start sector is known
    minifat_start = chain(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else END
    mini_start = chain(mini) if mini else END
    for e in big:
        e["start"] = chain(e["data"])
    entries[0]["start"], entries[0]["size"] = mini_start, len(mini)
    # Directory entries.
    directory = b""
    for i, e in enumerate(entries):
        kids = e["children"]
        name = e["name"].encode("utf-16-le")
        right = FREE
        for parent in entries:
            if i in parent["children"]:
                pos = parent["children"].index(i)
                right = parent["children"][pos + 1] if pos + 1 < len(parent["children"]) else FREE
        size = e.get("size", len(e["data"]))
        start = e.get("start", END if e["type"] == 1 else 0)
        directory += (name + b"\0" * (64 - len(name)) + struct.pack("<HBB", len(name) + 2, e["type"], 1) +
                      struct.pack("<III", FREE, right, kids[0] if kids else FREE) + b"\0" * 16 +
                      struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<II", start, size) + b"\0" * 4)
    directory += b"\0" * (n_dir * SECTOR - len(directory))
    body = body[:body_dir_offset] + directory + body[body_dir_offset + len(directory):]
    fat += [FREE] * (n_fat * 128 - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) +
              b"\0" * 10 + struct.pack("<IIIIIIII", n_fat, dir_start, 0, CUTOFF, minifat_start,
                                       len(minifat) // 128 + (1 if len(minifat) % 128 else 0), END, 0))
    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header += b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == 512
    return header + fat_bytes + body


def cfb_streams(data):
    """The streams of a compound file {"storage/stream": bytes} (a reader for LibreOffice's files, to nest
    them with cfb())."""
    shift, = struct.unpack_from("<H", data, 30)
    size = 1 << shift
    n_fat, dir_start = struct.unpack_from("<I", data, 44)[0], struct.unpack_from("<I", data, 48)[0]
    cutoff, minifat_start, _, difat_start, _ = struct.unpack_from("<IIIII", data, 56)
    difat = list(struct.unpack_from("<109I", data, 76))
    sector = lambda n: data[512 + n * size:512 + (n + 1) * size]  # noqa: E731
    while difat_start < 0xFFFFFFFA:
        values = struct.unpack(f"<{size // 4}I", sector(difat_start))
        difat, difat_start = difat + list(values[:-1]), values[-1]
    fat = [v for s in difat[:n_fat] for v in struct.unpack(f"<{size // 4}I", sector(s))]

    def chain(s):
        out = b""
        while s < 0xFFFFFFFA:
            out, s = out + sector(s), fat[s]
        return out
    raw = chain(dir_start)
    entries = []
    for i in range(len(raw) // 128):
        e = raw[i * 128:(i + 1) * 128]
        length, = struct.unpack_from("<H", e, 64)
        entries.append((e[:max(length - 2, 0)].decode("utf-16-le"), e[66], *struct.unpack_from("<III", e, 68),
                        *struct.unpack_from("<II", e, 116)))
    mini = chain(entries[0][5])
    minifat = chain(minifat_start) if minifat_start < 0xFFFFFFFA else b""
    minifat = struct.unpack(f"<{len(minifat) // 4}I", minifat)
    streams = {}

    def walk(i, path):
        if i == 0xFFFFFFFF:
            return
        name, kind, left, right, child, start, length = entries[i]
        walk(left, path)
        walk(right, path)
        if kind == 2:
            if length < cutoff:
                out, s = b"", start
                while s < 0xFFFFFFFA:
                    out, s = out + mini[s * 64:(s + 1) * 64], minifat[s]
                streams[path + name] = out[:length]
            else:
                streams[path + name] = chain(start)[:length]
        elif kind == 1:
            walk(child, path + name + "/")
    walk(entries[0][4], "")
    return streams


def lzfu_literal(rtf):
    """Outlook's compressed RTF with every byte a literal, ended by the end-of-stream reference."""
    out, write = b"", 207
    data = rtf
    i = 0
    while True:
        chunk = data[i:i + 8]
        if len(chunk) < 8:
            control = 1 << len(chunk)  # the reference after the literals ends the stream
            ref = (write + len(chunk)) % 4096
            out += bytes([control]) + chunk + struct.pack(">H", ref << 4)
            break
        out += b"\0" + chunk
        write = (write + 8) % 4096
        i += 8
    return struct.pack("<IIII", len(out) + 12, len(rtf), 0x75465A4C, 0) + out


def msg_streams(subject, body, to="営業部", attachments=(), code_page=None, subject_8bit=None, rtf=None,
                html=None, embedded=None, header=32, ole_objects=()):
    """An Outlook message's streams: string properties as UTF-16 (001F) streams, or an 8-bit subject
    (001E) in code_page; attachments as (file name, bytes); embedded: (name, streams of a message
    attached as a message, made by this function with header=24); ole_objects: (display name, streams of
    an OLE object: a document in a rich-text mail, attach method 6)."""
    count = len(attachments) + (1 if embedded else 0) + len(ole_objects)
    props = b"\0" * 8 + (struct.pack("<IIII", 0, count, 0, count) + b"\0" * 8 if header == 32 else
                          struct.pack("<IIII", 0, count, 0, count))
    if code_page:
        props += struct.pack("<III", 0x3FFD0003, 6, code_page) + b"\0" * 4
    streams = {"__properties_version1.0": props,
               "__substg1.0_1000001F": body.encode("utf-16-le"),
               "__substg1.0_0E04001F": to.encode("utf-16-le")}
    if subject_8bit is not None:
        streams["__substg1.0_0037001E"] = subject_8bit + b"\0"
    else:
        streams["__substg1.0_0037001F"] = subject.encode("utf-16-le")
    if rtf is not None:
        streams["__substg1.0_10090102"] = lzfu_literal(rtf)
    if html is not None:
        streams["__substg1.0_10130102"] = html
    for n, (name, data) in enumerate(attachments):
        base = f"__attach_version1.0_#{n:08X}/"
        streams[base + "__properties_version1.0"] = b"\0" * 8
        streams[base + "__substg1.0_3707001F"] = name.encode("utf-16-le")
        streams[base + "__substg1.0_37010102"] = data
    if embedded:
        base = f"__attach_version1.0_#{len(attachments):08X}/"
        streams[base + "__properties_version1.0"] = b"\0" * 8
        streams[base + "__substg1.0_3001001F"] = embedded[0].encode("utf-16-le")
        for path, data in embedded[1].items():
            streams[base + "__substg1.0_3701000D/" + path] = data
    for n, (name, object_streams) in enumerate(ole_objects):
        base = f"__attach_version1.0_#{len(attachments) + (1 if embedded else 0) + n:08X}/"
        streams[base + "__properties_version1.0"] = b"\0" * 8 + struct.pack("<IIII", 0x37050003, 6, 6, 0)
        streams[base + "__substg1.0_3001001F"] = name.encode("utf-16-le")
        for path, data in object_streams.items():
            streams[base + "__substg1.0_3701000D/" + path] = data
    return streams


def tnef(subject, rtf, attachments, code_page=932):
    """A winmail.dat as Outlook and Exchange write it for other mail programs ([MS-OXTNEF]): the subject
    in the code page, the body as compressed RTF in the message's MAPI properties, each attachment as
    its rendering, title, data and MAPI properties (its long file name in UTF-16)."""
    def attribute(level, ident, data):
        return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    def prop(kind, ident, value):
        return struct.pack("<HHII", kind, ident, 1, len(value)) + value + b"\0" * (-len(value) % 4)
    out = struct.pack("<IH", 0x223E9F78, 0x0001) + attribute(1, 0x00089006, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x00069007, struct.pack("<II", code_page, 0))
    out += attribute(1, 0x00018004, subject.encode("cp932") + b"\0")
    out += attribute(1, 0x00069003, struct.pack("<I", 1) + prop(0x0102, 0x1009, lzfu_literal(rtf)))
    for name, data in attachments:
        out += attribute(2, 0x00069002, struct.pack("<HIIHI", 1, 0xFFFFFFFF, 0, 0, 0))
        out += attribute(2, 0x00018010, name.encode("cp932", "replace") + b"\0")
        out += attribute(2, 0x0006800F, data)
        out += attribute(2, 0x00069005, struct.pack("<I", 1) + prop(0x001F, 0x3707, (name + "\0").encode("utf-16-le")))
    return out


def crc16(data):
    """CRC-16 (ARC), as LZH headers give their member's."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
def lzh(files):
    """An LZH archive (level 0 headers, -lh0-: stored, as LHa keeps files that do not compress, .docx)."""
    out = b""
    for name, data in files:
        n = name.encode("ascii")
        body = b"-lh0-" + struct.pack("<IIIBBB", len(data), len(data), 0x5C210000, 0x20, 0, len(n)) + n + struct.pack("<H", crc16(data))
        out += bytes([len(body), sum(body) & 0xFF]) + body + data
    return out + b"\0"


def msg(subject, body, **kwargs):
    return cfb(msg_streams(subject, body, **kwargs))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def convert(work, out, sources, parallel=2, suffixes=None):
    """One soffice call per target format, each over every source that goes to it; `parallel` soffice
    processes at a time, each with its own profile (one profile cannot be shared by two). suffixes: the
    source file's suffix by name where it is not the flat one (packaged sources)."""
    by_format = {}
    for name, (_, formats, _) in sources.items():
        suffix = (suffixes or {}).get(name, SUFFIX[name[0]])
        for fmt in formats:
            by_format.setdefault(fmt, []).append(os.path.join(work, f"{name}.{suffix}"))
    profiles = [tempfile.mkdtemp(prefix="lo-profile-") for _ in range(parallel)]
    pending = sorted(by_format.items(), key=lambda item: -len(item[1]))
    running = []
    try:
        while pending or running:
            while pending and len(running) < parallel:
                fmt, files = pending.pop(0)
                profile = [p for p in profiles if p not in [r[3] for r in running]][0]
                cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                       "--convert-to", FILTERS.get(fmt, fmt), "--outdir", out] + files
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                running.append((proc, fmt, files, profile))
            proc, fmt, files, profile = running.pop(0)
            _, err = proc.communicate(timeout=300)
            missing = [f for f in files if not os.path.exists(
                os.path.join(out, os.path.splitext(os.path.basename(f))[0] + "." + extension(fmt)))]
            if proc.returncode != 0 or missing:
                for other in running:
                    other[0].kill()
                sys.exit(f"soffice failed converting to {fmt} (exit {proc.returncode}): {err.strip()} "
                         f"missing: {missing}")
    finally:
        for profile in profiles:
            shutil.rmtree(profile, ignore_errors=True)


# LibreOffice stores a document with a password through a Basic macro (soffice's --convert-to takes no
# password): Module1 of a fresh profile's own library, which soffice trusts. One call stores them all.
ENCRYPT_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub StoreAll(list As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  Dim store(1) As New com.sun.star.beans.PropertyValue
  Dim items, parts, doc
  load(0).Name = &quot;Hidden&quot; : load(0).Value = True
  store(0).Name = &quot;FilterName&quot;
  store(1).Name = &quot;Password&quot; : store(1).Value = &quot;secret&quot;
  items = Split(list, &quot;|&quot;)
  For i = LBound(items) To UBound(items)
    parts = Split(items(i), &quot;*&quot;)
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(parts(0)), &quot;_blank&quot;, 0, load())
    store(0).Value = parts(2)
    doc.storeToURL(ConvertToURL(parts(1)), store())
    doc.close(True)
  Next i
End Sub
</script:module>
"""


def encrypt(work, out, items):
    """items: (source name, output name, filter); each stored with the password "secret"."""
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    try:
        base = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
        # The first start makes the profile (and its Standard library), then the macro goes in.
        first = os.path.join(work, f"{items[0][0]}")
        subprocess.run(base + ["--convert-to", "txt", "--outdir", os.path.join(work, "init"), first],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False)
        write(os.path.join(profile, "user", "basic", "Standard", "Module1.xba"), ENCRYPT_MACRO.encode("utf-8"))
        listing = "|".join(f"{os.path.join(work, src)}*{os.path.join(out, dst)}*{flt}" for src, dst, flt in items)
        subprocess.run(base + [f'macro:///Standard.Module1.StoreAll("{listing}")'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120, check=False)
        missing = [dst for _, dst, _ in items if not os.path.exists(os.path.join(out, dst))]
        if missing:
            sys.exit(f"soffice did not store the password-protected files {missing}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def encrypted_ooxml():
    """A password-protected .docx as Office writes it ([MS-OFFCRYPTO] agile encryption): a compound file
    with the key's description and the encrypted package (LibreOffice 7.4 stores OOXML without the password)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns='
        b'"http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" keyBits="256" '
        b'hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>')
    package = struct.pack("<Q", 8192) + bytes((i * 7919) & 0xFF for i in range(8192))
    return cfb({"EncryptionInfo": info, "EncryptedPackage": package,
                "\x06DataSpaces/Version": struct.pack("<I", 60) + "Microsoft.Container.DataSpaces".encode("utf-16-le")})


def pdf_attach(pdf, files, compressed):
    """pdf with files [(name, bytes)] attached as "attach a file" does: an incremental update adding the
    embedded file streams (FlateDecode with /Type /EmbeddedFile as Acrobat writes them, or plain as
    poppler's pdfattach does), their file specifications and the catalog's /Names /EmbeddedFiles tree."""
    tail = pdf[pdf.rindex(b"trailer"):]
    root = int(re.search(rb"/Root\s*(\d+)", tail).group(1))
    size = int(re.search(rb"/Size\s*(\d+)", tail).group(1))
    prev = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    start = pdf.index(b"\n%d 0 obj" % root) + 1
    catalog = pdf[start:pdf.index(b"endobj", start)]
    assert b"/Names" not in catalog, "the catalog has a name tree already"
    inner = catalog[catalog.index(b"<<") + 2:catalog.rindex(b">>")]
    update, offsets, names = b"", {}, b""
    base = len(pdf) + 1
    for n, (name, data) in enumerate(sorted(files)):
        stream_no, spec_no = size + 2 * n, size + 2 * n + 1
        body = zlib.compress(data) if compressed else data
        head = (b"/Type /EmbeddedFile /Subtype /application#2Foctet-stream /Filter /FlateDecode " if compressed else b"")
        offsets[stream_no] = base + len(update)
        update += (b"%d 0 obj\n<<%s/Length %d /Params <</Size %d >> >>\nstream\n" % (stream_no, head, len(body), len(data))
                   + body + b"\nendstream\nendobj\n")
        hex_name = ("feff" + name.encode("utf-16-be").hex()).encode()
        offsets[spec_no] = base + len(update)
        update += (b"%d 0 obj\n<</Type /Filespec /F (%s) /UF <%s> /EF <</F %d 0 R >> >>\nendobj\n"
                   % (spec_no, name.encode("ascii", "replace"), hex_name, stream_no))
        names += b"<%s> %d 0 R " % (hex_name, spec_no)
    offsets[root] = base + len(update)
    update += b"%d 0 obj\n<<%s/Names <</EmbeddedFiles <</Names [%s] >> >> >>\nendobj\n" % (root, inner, names)
    xref = b"xref\n0 1\n0000000000 65535 f \n"
    for number in sorted(offsets):
        xref += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    xref_at = base + len(update)
    trailer = b"trailer\n<</Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 2 * len(files), root, prev, xref_at)
    return pdf + b"\n" + update + xref + trailer


def ooxml_with_parts(package, parts, content_types, relationships):
    """An OOXML package (LibreOffice's) with parts it does not write added as Office writes them: parts
    {name: xml}, their content types {name: type} and relationships {rels part: [(type, target)]}."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", "".join(
                    f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in content_types.items())
                    .encode() + b"</Types>")
            if item.filename in relationships:
                data = data.replace(b"</Relationships>", "".join(
                    f'<Relationship Id="rIdX{n}" Type="{kind}" Target="{target}"/>'
                    for n, (kind, target) in enumerate(relationships[item.filename])).encode() + b"</Relationships>")
            dst.writestr(item, data)
        for name, xml in parts.items():
            dst.writestr(name, xml.encode("utf-8"))
        for name, targets in relationships.items():
            if name not in src.namelist():
                dst.writestr(name, '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                             '"http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(
                                 f'<Relationship Id="rIdX{n}" Type="{kind}" Target="{target}"/>'
                                 for n, (kind, target) in enumerate(targets)) + "</Relationships>")
    return out.getvalue()


OFFICE_REL = "http://schemas.microsoft.com/office/2017/10/relationships/"
DIAGRAM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/diagramData"


def smartart(text):
    """A SmartArt diagram's data part (ppt/diagrams/data1.xml): its nodes' text."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><dgm:dataModel xmlns:dgm='
            '"http://schemas.openxmlformats.org/drawingml/2006/diagram" xmlns:a='
            '"http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst><dgm:pt modelId="{0}" type="doc">'
            '<dgm:prSet/><dgm:spPr/></dgm:pt>' + "".join(
                f'<dgm:pt modelId="{{{n + 1}}}"><dgm:prSet phldrT="[Text]"/><dgm:spPr/><dgm:t><a:bodyPr/><a:lstStyle/>'
                f"<a:p><a:r><a:rPr lang=\"ja-JP\"/><a:t>{t}</a:t></a:r></a:p></dgm:t></dgm:pt>"
                for n, t in enumerate(text)) + "</dgm:ptLst></dgm:dataModel>")


def modern_comment(text):
    """A PowerPoint 365 comment (ppt/comments/modernComment_*.xml) with a reply."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p188:cmLst xmlns:a='
            '"http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p188='
            '"http://schemas.microsoft.com/office/powerpoint/2018/8/main"><p188:cm id="{1}" authorId="{2}" '
            'created="2026-12-01T09:00:00.000"><p188:replyLst><p188:reply id="{3}" authorId="{2}" '
            'created="2026-12-01T09:05:00.000"><p188:txBody><a:bodyPr/><a:p><a:r><a:t>了解</a:t></a:r></a:p>'
            f'</p188:txBody></p188:reply></p188:replyLst><p188:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r>'
            "</a:p></p188:txBody></p188:cm></p188:cmLst>")


def threaded_comment(text):
    """An Excel 365 threaded comment (xl/threadedComments/threadedComment1.xml)."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ThreadedComments xmlns='
            '"http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"><threadedComment ref="A1" '
            f'dT="2026-12-01T09:00:00.00" personId="{{1}}" id="{{2}}"><text>{text}</text></threadedComment>'
            "</ThreadedComments>")


def with_office_parts(out, expected):
    """Parts of OOXML that Office writes and LibreOffice 7.4 does not (SmartArt, modern and threaded
    comments), added to LibreOffice's clean files; the positives' text is the marking, the negatives'
    harmless."""
    def read(name):
        with open(os.path.join(out, name), "rb") as f:
            return f.read()
    slide_rels = "ppt/slides/_rels/slide1.xml.rels"
    for suffix, words, names in [("ja", ["計画", "社外秘"], [JA]), ("clean", ["計画", "秘書"], [])]:
        write(os.path.join(out, f"i_smartart_{suffix}.pptx"), ooxml_with_parts(
            read("i_clean.pptx"), {"ppt/diagrams/data1.xml": smartart(words)},
            {"ppt/diagrams/data1.xml": "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"},
            {slide_rels: [(DIAGRAM_REL, "../diagrams/data1.xml")]}))
        expected[f"i_smartart_{suffix}.pptx"] = names
    for suffix, text, names in [("ja", "レビュー: 関係者外秘", [JA]), ("clean", "confidential to nobody", [])]:
        write(os.path.join(out, f"i_modern_comment_{suffix}.pptx"), ooxml_with_parts(
            read("i_clean.pptx"), {"ppt/comments/modernComment_100_1.xml": modern_comment(text)},
            {"ppt/comments/modernComment_100_1.xml": "application/vnd.ms-powerpoint.comments+xml"},
            {slide_rels: [(OFFICE_REL + "comments", "../comments/modernComment_100_1.xml")]}))
        expected[f"i_modern_comment_{suffix}.pptx"] = names
        write(os.path.join(out, f"c_threaded_comment_{suffix}.xlsx"), ooxml_with_parts(
            read("c_clean.xlsx"), {"xl/threadedComments/threadedComment1.xml": threaded_comment(text)},
            {"xl/threadedComments/threadedComment1.xml": "application/vnd.ms-excel.threadedcomments+xml"},
            {"xl/worksheets/_rels/sheet1.xml.rels": [(OFFICE_REL + "threadedComment",
                                                      "../threadedComments/threadedComment1.xml")]}))
        expected[f"c_threaded_comment_{suffix}.xlsx"] = names


def embedded_files(out, expected):
    """Files inside files as people pass them on: OOXML parts Office writes and LibreOffice does not, PDFs
    with attached files, a message saved in a mail, a zip inside a .docx, and renamed copies (the
    scanner goes by content, never by name)."""
    def read(name):
        with open(os.path.join(out, name), "rb") as f:
            return f.read()
    with_office_parts(out, expected)
    clean_text = "議事録: 秘書の予定、memo confidential to nobody, 4111 1111 1111 1112\n".encode("utf-8")
    write(os.path.join(out, "p_attach_docx_ja.pdf"),
          pdf_attach(read("w_clean.pdf"), [("報告書.docx", read("w_body_ja.docx"))], compressed=False))
    expected["p_attach_docx_ja.pdf"] = [JA]
    write(os.path.join(out, "p_attach_pdf_en.pdf"), pdf_attach(
        read("c_clean.pdf"), [("plan.pdf", read("w_header_en.pdf")), ("notes.txt", clean_text)], compressed=True))
    expected["p_attach_pdf_en.pdf"] = [EN]
    write(os.path.join(out, "p_attach_clean.pdf"), pdf_attach(
        read("w_clean.pdf"), [("notes.txt", clean_text), ("memo.docx", read("w_clean.docx"))], compressed=True))
    expected["p_attach_clean.pdf"] = []
    # A .msg saved into a mail (a forwarded Outlook item), the report attached to it.
    meeting = msg("来週の打ち合わせ", "資料を添付します。", attachments=[("report.docx", read("w_body_ja.docx"))])
    import email.policy
    from email.message import EmailMessage
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"], mail["To"], mail["Subject"] = "taro@example.co.jp", "partner@example.com", "Fw: meeting"
    mail.set_content("See the attached item.")
    mail.add_attachment(meeting, maintype="application", subtype="vnd.ms-outlook", filename="meeting.msg")
    write(os.path.join(out, "m_msg_in_eml.eml"), mail.as_bytes())
    expected["m_msg_in_eml.eml"] = [JA]
    # Outlook's winmail.dat (rich text sent to another mail program): its body, its attachments.
    for name, body, attachments, names in [
            ("m_tnef_body_en.eml", b"{\\rtf1\\ansi\\ansicpg1252 Stamp: {\\b Strictly} Confidential\\par}", [], [EN]),
            ("m_tnef_attachment_ja.eml", b"{\\rtf1\\ansi Please see the report.\\par}",
             [("報告書.docx", read("w_body_ja.docx"))], [JA]),
            ("m_tnef_clean.eml", b"{\\rtf1\\ansi Lunch at noon, confidential to nobody.\\par}",
             [("memo.docx", read("w_clean.docx")), ("notes.txt", clean_text)], [])]:
        mail = EmailMessage(policy=email.policy.SMTP)
        mail["From"], mail["To"], mail["Subject"] = "taro@example.co.jp", "partner@example.com", "plan"
        mail.set_content("")
        mail.add_attachment(tnef("計画", body, attachments), maintype="application", subtype="ms-tnef",
                            filename="winmail.dat")
        write(os.path.join(out, name), mail.as_bytes())
        expected[name] = names
    # LZH archives (Japanese users' old archiver), a report stored in one; a 7z whose member's name is
    # Japanese (libarchive gives it only in a UTF-8 locale).
    for name, files, names in [
            ("a_report_ja.lzh", [("report.docx", read("w_body_ja.docx")), ("notes.txt", clean_text)], [JA]),
            ("a_clean.lzh", [("memo.docx", read("w_clean.docx")), ("notes.txt", clean_text)], [])]:
        write(os.path.join(out, name), lzh(files))
        expected[name] = names
    with tempfile.TemporaryDirectory(prefix="office-7z-") as folder:
        write(os.path.join(folder, "報告書.docx"), read("w_body_ja.docx"))
        subprocess.run(["7z", "a", "-bd", "-bso0", os.path.join(out, "a_report_ja.7z"), "報告書.docx"], cwd=folder,
                       check=True)
    expected["a_report_ja.7z"] = [JA]
    # A zip kept inside a .docx (beside its parts) holding a sheet.
    with zipfile.ZipFile(io.BytesIO(read("w_clean.docx"))) as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    parts["word/embeddings/archive.zip"] = zip_of({"data/sheet.xlsx": read("c_marker_ja.xlsx")})
    write(os.path.join(out, "w_zip_member_ja.docx"), zip_of(parts))
    expected["w_zip_member_ja.docx"] = [JA]
    # A document in a document in a document (LibreOffice writes one level of objects into .doc and
    # .docx): LibreOffice's document with its object, itself an object in a clean document.
    outer = cfb_streams(read("w_clean.doc"))
    outer.update({f"ObjectPool/_1000/{path}": data for path, data in cfb_streams(read("w_object_writer_ja.doc")).items()})
    write(os.path.join(out, "w_object_nested_ja.doc"), cfb(outer))
    expected["w_object_nested_ja.doc"] = [JA]
    with zipfile.ZipFile(io.BytesIO(read("w_object_writer_ja.docx"))) as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    parts["word/embeddings/oleObject1.docx"] = read("w_object_writer_ja.docx")
    write(os.path.join(out, "w_object_nested_ja.docx"), zip_of(parts))
    expected["w_object_nested_ja.docx"] = [JA]
    # Objects in RTF (Word and WordPad write them; LibreOffice writes only their picture).
    dropped = zip_of({"plan/memo.txt": "来期の計画。この資料は社外秘です。".encode("utf-8")})
    for name, objects, names in [
            ("w_rtf_object_doc_ja.rtf", [("Word.Document.8", read("w_body_ja.doc"))], [JA]),
            ("w_rtf_object_xls_cards.rtf", [("Excel.Sheet.8", read("c_cards_text.xls"))], [CARD]),
            ("w_rtf_object_package_ja.rtf", [("Package", ole10native("plan.zip", dropped)[4:])], [JA]),
            ("w_rtf_object_clean.rtf", [("Word.Document.8", read("w_clean.doc")),
                                        ("Package", ole10native("notes.txt", clean_text)[4:])], [])]:
        write(os.path.join(out, name), rtf_with_objects(read("w_clean.rtf"), objects))
        expected[name] = names
    for source, renamed in [("w_object_writer_ja.doc", "r_object_writer_ja.dat"),
                            ("w_object_package_ja.docx", "r_object_package_ja.bin"),
                            ("p_attach_docx_ja.pdf", "r_attach_docx_ja.txt"), ("i_object_calc_en.ppt", "r_object_calc_en"),
                            ("w_object_clean.doc", "r_object_clean.txt")]:
        shutil.copyfile(os.path.join(out, source), os.path.join(out, renamed))
        expected[renamed] = expected[source]


def build(out):
    if shutil.which("soffice") is None:
        sys.exit("soffice not found: install libreoffice-writer-nogui, libreoffice-calc-nogui and "
                 "libreoffice-impress-nogui (scripts/bootstrap.sh --test)")
    os.makedirs(out, exist_ok=True)
    expected = {}
    with tempfile.TemporaryDirectory(prefix="office-src-") as work:
        for name, (source, formats, names) in SOURCES.items():
            write(os.path.join(work, f"{name}.{SUFFIX[name[0]]}"), source.encode("utf-8"))
            for fmt in formats:
                expected[f"{name}.{extension(fmt)}"] = names
        packaged = packaged_sources()
        for name, (data, formats, names) in packaged.items():
            write(os.path.join(work, f"{name}.{PACKAGE_SUFFIX[name[0]]}"), data)
            for fmt in formats:
                expected[f"{name}.{extension(fmt)}"] = names
        started = time.monotonic()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        convert(work, out, {**SOURCES, **packaged}, suffixes={name: PACKAGE_SUFFIX[name[0]] for name in packaged})
        seconds = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        # Password-protected and damaged files: reported as not inspected, with the reason, never clean.
        encrypt(work, out, [("w_body_ja.fodt", "e_writer.odt", "writer8"), ("w_body_ja.fodt", "e_writer.doc", "MS Word 97"),
                            ("c_marker_ja.fods", "e_calc.ods", "calc8"), ("c_marker_ja.fods", "e_calc.xls", "MS Excel 97"),
                            ("i_slide_ja.fodp", "e_impress.odp", "impress8")])
    reasons = {}
    for name in ["e_writer.odt", "e_writer.doc", "e_calc.ods", "e_calc.xls", "e_impress.odp"]:
        expected[name], reasons[name] = [], "encrypted"
    write(os.path.join(out, "e_package.docx"), encrypted_ooxml())
    expected["e_package.docx"], reasons["e_package.docx"] = [], "encrypted"
    for source, name, reason in [("w_clean.docx", "x_truncated.docx", "corrupt zip"),
                                 ("w_clean.doc", "x_truncated.doc", "corrupt compound file"),
                                 ("c_clean.xls", "x_truncated.xls", "corrupt compound file")]:
        with open(os.path.join(out, source), "rb") as f:
            whole = f.read()
        write(os.path.join(out, name), whole[:len(whole) * 3 // 5])
        expected[name], reasons[name] = [], reason
    with open(os.path.join(out, "w_body_ja.docx"), "rb") as f:
        report = f.read()
    write(os.path.join(out, "m_attachment.msg"),
          msg("来週の打ち合わせ", "資料を添付します。", attachments=[("report.docx", report)]))
    expected["m_attachment.msg"] = [JA]
    write(os.path.join(out, "m_subject_cp932.msg"),
          msg(None, "よろしくお願いします。", code_page=932, subject_8bit="極秘: 人事案".encode("cp932")))
    expected["m_subject_cp932.msg"] = [JA]
    write(os.path.join(out, "m_body_en.msg"), msg("Plan", "Please keep this Internal Use Only.\r\n"))
    expected["m_body_en.msg"] = [EN]
    write(os.path.join(out, "m_rtf_only.msg"),
          msg("Plan", "", rtf=b"{\\rtf1\\ansi\\ansicpg1252 Stamp: {\\b CONFID}ENTIAL\\par}"))
    expected["m_rtf_only.msg"] = [EN]
    inner = msg_streams("転送: 人事", "この件は厳秘でお願いします。", header=24)
    write(os.path.join(out, "m_forwarded.msg"), msg("Fw: 人事", "転送します。", embedded=("人事", inner)))
    expected["m_forwarded.msg"] = [JA]
    write(os.path.join(out, "m_html_only.msg"),
          msg("Plan", "", html="<html><body><p>Do Not <b>Distri</b>bute</p></body></html>".encode("utf-8")))
    expected["m_html_only.msg"] = [EN]
    # A rich-text mail with a document in it (an OLE object attachment: the document's own streams).
    with open(os.path.join(out, "w_body_ja.doc"), "rb") as f:
        document = cfb_streams(f.read())
    write(os.path.join(out, "m_ole_document.msg"), msg("議事録", "本文の中に文書があります。", ole_objects=[("文書", document)]))
    expected["m_ole_document.msg"] = [JA]
    write(os.path.join(out, "m_clean.msg"),
          msg("Lunch", "Lunch at noon; the memo is confidential to nobody.", attachments=[
              ("notes.txt", "議事録 4111 1111 1111 1112".encode("utf-8"))]))
    expected["m_clean.msg"] = []
    embedded_files(out, expected)
    with open(os.path.join(out, "timing.txt"), "w") as f:
        f.write(f"soffice {seconds:.1f} s ({cpu:.1f} s of CPU) for "
                f"{sum(len(v[1]) for v in list(SOURCES.values()) + list(packaged.values()))} files\n")
    # Written last: its presence says the set is complete.
    with open(os.path.join(out, "expected.tsv"), "w", encoding="utf-8") as f:
        for path, names in sorted(expected.items()):
            f.write(f"{path}\t{','.join(names)}\t{reasons.get(path, '')}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_office_fixtures.py OUT_DIR")
    target = sys.argv[1]
    stamp = os.path.join(target, "expected.tsv")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(os.path.abspath(__file__)):
        sys.exit(0)
    build(target)
