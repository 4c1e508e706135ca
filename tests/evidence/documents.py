"""Evidence files for tests and benches, built in code: Japanese PDFs with CID fonts
(reportlab's HeiseiMin-W3 and HeiseiKakuGo-W5, the fonts Japanese PDFs name without
embedding them), DOCX with and without page breaks, a workbook, an image-only PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

CID_FONTS = ("HeiseiMin-W3", "HeiseiKakuGo-W5")


def _cid_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for name in CID_FONTS:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))


def japanese_pdf(pages: Sequence[str], font: str = "HeiseiMin-W3") -> bytes:
    """A PDF with one paragraph a page, wrapped as Japanese is (anywhere between characters)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    _cid_fonts()
    style = ParagraphStyle("ja", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    out = io.BytesIO()
    story = []
    for i, text in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(text, style))
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


def image_only_pdf() -> bytes:
    """A 'scanned' page: shapes, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.rect(50, 500, 300, 200, fill=1)
    page.showPage()
    page.save()
    return out.getvalue()


def docx_bytes(
    pages: Sequence[Sequence[str]], *, page_breaks: bool = True, table: Sequence[Sequence[str]] = ()
) -> bytes:
    """A DOCX with the paragraphs of each page, separated by explicit page breaks
    (or not, ``page_breaks=False``), and an optional table on the first page."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for i, paragraphs in enumerate(pages):
        for text in paragraphs:
            document.add_paragraph(text)
        if i == 0 and table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
        if page_breaks and i < len(pages) - 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
