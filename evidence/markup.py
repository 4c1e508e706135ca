"""Text formats: plain text and Markdown, HTML and CSV, in whatever encoding (decode.py),
cut into pages of about kb.settings' evidence_page_chars (pages.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from evidence.decode import decode_text
from evidence.pages import cut_pages

if TYPE_CHECKING:
    from evidence.extract import Limits


def text_pages(data: bytes, limits: Limits) -> Iterator[str]:
    """Text and Markdown, as written: the analyser passes over Markdown's marks."""
    return cut_pages(decode_text(data).text, limits.page_chars)


def csv_pages(data: bytes, limits: Limits) -> Iterator[str]:
    rows = csv.reader(io.StringIO(decode_text(data).text, newline=""))
    text = "\n".join("\t".join(cell.strip() for cell in row if cell.strip()) for row in rows)
    return cut_pages(text, limits.page_chars)


class _TextOfHTML(HTMLParser):
    """The text a browser shows: no script or style, a line break at each block."""

    _HIDDEN = frozenset({"script", "style", "template", "noscript"})
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "table"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_pages(data: bytes, limits: Limits) -> Iterator[str]:
    parser = _TextOfHTML()
    parser.feed(decode_text(data).text)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return cut_pages("\n".join(line for line in lines if line), limits.page_chars)
