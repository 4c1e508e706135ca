"""The regenerated whitepaper as a Word document, built from its Markdown (exporters.whitepaper_md).

The Markdown's blocks map onto Word's own styles, so that Word's navigation pane, outline and table
of contents see the structure: the level-1 heading is the Title, ## … ###### are Heading 1 … 5,
list items List Bullet / List Number, the revision history a table (Table Grid, header row bold).
The document's language and title are set in its properties; a Japanese document names an East
Asian font for its text.
"""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from markdown_it.token import Token

from exporters.whitepaper_html import markdown_parser
from exporters.whitepaper_md import as_read, wide

_LANGUAGE_TAGS = {"ja": "ja-JP", "en": "en-US"}
_EAST_ASIAN_FONT = "Yu Gothic"  # in every Office since 2016 and on macOS; Word falls back otherwise


def _inline_text(token: Token) -> str:
    """An inline token's text; a soft break between two wide characters is no space (as in HTML)."""
    out = ""
    children = token.children or []
    for at, child in enumerate(children):
        if child.type in ("softbreak", "hardbreak"):
            after = children[at + 1].content if at + 1 < len(children) else ""
            out += "" if out and after and wide(out[-1]) and wide(after[0]) else " "
        else:
            out += child.content
    return as_read(out)


def render_docx(markdown: str, *, title: str, lang: str) -> bytes:
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = _LANGUAGE_TAGS.get(lang, lang)
    if lang == "ja":
        fonts = document.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), _EAST_ASIAN_FONT)
    tokens = markdown_parser().parse(markdown)
    lists: list[str] = []  # the open lists' kinds, innermost last
    row: list[str] | None = None
    rows: list[list[str]] = []
    heading: int | None = None
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1:])
        elif kind == "heading_close":
            heading = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("List Bullet" if kind == "bullet_list_open" else "List Number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            rows.append(row)
            row = None
        elif kind == "table_close":
            _table(document, rows)
            rows = []
        elif kind == "inline":
            text = _inline_text(token)
            if heading is not None:
                document.add_heading(text, level=min(heading - 1, 9))
            elif row is not None:
                row.append(text)
            elif lists:
                depth = len(lists)
                style = lists[-1] + (f" {depth}" if 1 < depth <= 3 else "")
                document.add_paragraph(text, style=style)
            else:
                document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, rows: list[list[str]]) -> None:
    if not rows:
        return
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = text
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
