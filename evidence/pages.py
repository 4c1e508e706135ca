"""Cutting text that has no pages of its own into page-sized passages, and undoing the
line wrapping of a PDF's layout."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A line break between two characters outside ASCII is where the layout wrapped a
# Japanese line (暗号化\nし): Japanese puts no space between words, so the break is
# removed, or the analyser would see two words.
_WRAPPED = re.compile(r"(?<=[^\x00-\x7f])[ \t]*\n[ \t]*(?=[^\x00-\x7f])")


def unwrap(text: str) -> str:
    return _WRAPPED.sub("", text)


def cut_pages(text: str, page_chars: int) -> Iterator[str]:
    """Pages of at most about ``page_chars`` characters, cut at form feeds (a page break
    in a text file), else at a blank line, a line end, a sentence end, in that order of
    preference within the last third of the page."""
    for part in text.split("\f"):
        part = part.strip()
        while len(part) > page_chars:
            cut = _cut_point(part, page_chars)
            yield part[:cut].strip()
            part = part[cut:].strip()
        if part:
            yield part


def _cut_point(text: str, limit: int) -> int:
    floor = limit * 2 // 3
    for mark in ("\n\n", "\n", "。", ". "):
        at = text.rfind(mark, floor, limit)
        if at != -1:
            return at + len(mark)
    return limit
