"""String-level reading of worksheet XML: start tags, attributes and child elements found
by position, so that everything around them can be copied as it is (exporters.xlsx_patch,
exporters.sheet_rows)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kb.errors import KBError
from kb.i18n import _

# Attribute text of a start tag; quote-aware so a '>' inside a value cannot end the tag.
# It stops before the first '>' or '/>' outside quotes. Possessive (*+, ++): runs of plain
# characters are taken whole and never backtracked into, which matters with a search per
# cell; every continuation used after it starts with '/' or '>', which it never consumes.
ATTRS = r"((?:[^>\"'/]++|/(?!>)|\"[^\"]*+\"|'[^']*+')*+)"


# --- locating elements in worksheet XML ---------------------------------------------------


@dataclass(slots=True)
class Element:
    start: int  # offset of '<'
    end: int  # offset just after the element
    attrs: str  # attribute text of the start tag
    body_start: int | None  # None for self-closing elements
    body_end: int | None

    @property
    def self_closing(self) -> bool:
        return self.body_start is None


# The helpers below run per row and per cell of a sheet with thousands of them, so each
# pattern is built and compiled once per (prefix, name) instead of on every call.


@functools.cache
def attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s){re.escape(name)}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@functools.cache
def start_tag_pattern(prefix: str, name: str) -> re.Pattern[str]:
    """<prefix:name ...> or <prefix:name .../>: group 1 the attributes, group 2 '/' if self-closing."""
    return re.compile(rf"<{re.escape(prefix)}{name}(?=[\s/>]){ATTRS}(/?)>")


def attr(attrs: str, name: str) -> str | None:
    match = attr_pattern(name).search(attrs)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def set_attr(start_tag: str, name: str, value: str) -> str:
    """Replace an existing attribute's value inside a start tag, leaving everything else as is."""
    pattern = rf"(\s{re.escape(name)}\s*=\s*)(\"[^\"]*\"|'[^']*')"
    return re.sub(pattern, lambda m: f'{m.group(1)}"{value}"', start_tag, count=1)


def unclosed(tag: str) -> str:
    """What a worksheet whose element ``tag`` (with its prefix) never closes is told."""
    return _("corrupt worksheet XML: <{tag}> without a closing tag").format(tag=tag)


def iter_children(text: str, prefix: str, name: str, start: int, end: int):
    """Elements `name` between start and end: rows in <sheetData>, cells in a <row>."""
    opening = start_tag_pattern(prefix, name)
    closing = f"</{prefix}{name}>"
    pos = start
    while match := opening.search(text, pos, end):
        attrs, slash = match.groups()
        tag_end = match.end()
        if slash:
            yield Element(match.start(), tag_end, attrs, None, None)
            pos = tag_end
            continue
        close = text.find(closing, tag_end, end)
        if close < 0:
            raise KBError(unclosed(prefix + name))
        pos = close + len(closing)
        yield Element(match.start(), pos, attrs, tag_end, close)


def positioned(elements, parse, previous: int = 0) -> Iterator[tuple[int, Element]]:
    """Attach row/column numbers; an element without an r attribute follows its predecessor
    (the first one follows ``previous``).

    Lazy, so that a row's cells are only read as far as the last cell to write.
    """
    for element in elements:
        value = attr(element.attrs, "r")
        number = parse(value) if value else None
        previous = number if number else previous + 1
        yield previous, element
