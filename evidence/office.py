"""Office files: DOCX (python-docx) and XLSX (openpyxl, read-only).

A DOCX has pages only where it says so (a page break, or where Word last laid a page
out); without either its text is cut into pages of evidence_page_chars. A workbook's
page is a sheet.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from evidence.pages import cut_pages

if TYPE_CHECKING:
    from evidence.extract import Limits

_PAGE_BREAK = './w:r/w:br[@w:type="page"]'


def docx_pages(data: bytes, limits: Limits) -> Iterator[str]:
    from docx import Document
    from docx.table import Table

    pages: list[list[str]] = [[]]
    marked = False  # the file says where its pages are
    size = 0
    for block in Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(block, Table):
            text = _table_text(block)
            pages[-1].append(text)
        else:
            if block.contains_page_break and any(pages[-1]):  # a page Word laid out starts here
                pages.append([])
                marked = True
            text = block.text
            pages[-1].append(text)
            if block._p.xpath(_PAGE_BREAK):  # an explicit break: what follows is the next page
                pages.append([])
                marked = True
        size += len(text)
        if size > limits.max_chars or len(pages) > limits.max_pages:
            break  # enough for the bounds extract.read_pages applies
    texts = ["\n".join(part for part in page if part) for page in pages]
    if marked:
        yield from texts
    else:
        yield from cut_pages(texts[0], limits.page_chars)


def _table_text(table) -> str:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            if text and (not cells or cells[-1] != text):  # a merged cell repeats its text
                cells.append(text)
        if cells:
            lines.append("\t".join(cells))
    return "\n".join(lines)


def xlsx_pages(data: bytes, limits: Limits) -> Iterator[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            lines, size = [sheet.title], 0
            for row in sheet.iter_rows(values_only=True):
                cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
                if cells:
                    line = "\t".join(cells)
                    lines.append(line)
                    size += len(line)
                    if size > limits.max_chars:
                        break
            yield "\n".join(lines) if len(lines) > 1 else ""
    finally:
        workbook.close()
