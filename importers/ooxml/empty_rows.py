"""Runs of empty rows in worksheet XML, found and stepped over without an element per row.

A worksheet may hold any number of ``<row/>`` elements with no cells (Excel writes them
for formatted rows; a crafted file has millions: 100 MB of them fit under the unpacked
size limit). They carry nothing but their row numbers, so the reader and the patcher
take a run of them as one item, found without a Python step per row: their time and
memory then follow the rows that hold cells, not the row count.

A run is found in C (str/bytes.count) as a piece in which every '<' opens a self-closing
``<row .../>`` tag and every '/' and '>' belongs to a '/>'; anything else (a cell, an end
tag, a comment or CDATA, a quoted value holding '/' or '>') sends the piece to the parser,
which reads it element by element, so a run is never taken for something it is not. A
row's number is its ``r`` attribute when that is a positive number, else the number after
the row before it, as for every row (a following row without ``r`` continues from the run's
last number). Both the check-sheet reader (importers.sheet_grid) and the patcher
(exporters.xlsx_patch) number rows through this module, so that they agree on which row
is which.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, NamedTuple

from importers.ooxml.a1 import parse_row_number

_R_TEXT = re.compile(r"\sr\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_R_BYTES = re.compile(_R_TEXT.pattern.encode())
_ROW_TAG_TEXT = re.compile(r"<([A-Za-z_][A-Za-z0-9_.-]*:)?row[\s/]")
_ROW_TAG_BYTES = re.compile(_ROW_TAG_TEXT.pattern.encode())
_WHITE = (" ", "/", "\t", "\n", "\r")  # what may follow <row in a self-closing row's tag
_WHITE_BYTES = tuple(w.encode() for w in _WHITE)

# Bytes of a worksheet part the reader takes at a time.
CHUNK_BYTES = 1 << 20
# Pieces smaller than this are not cut further in search of runs: they go to the parser.
MIN_PIECE = 4096


class EmptyRows(NamedTuple):
    """A run of consecutive empty rows: where it is and how it numbers rows."""

    start: int  # offset of its first '<' in the text it was found in
    end: int  # offset just after it (white space after its last row included)
    count: int  # rows in the run
    numbered: int | None  # the number of its last row with a usable r, None if none has one
    after: int  # rows of the run after that one (all of them when numbered is None)

    def last_row(self, previous: int) -> int:
        """The number of the run's last row, when the row before the run is ``previous``."""
        return self.numbered + self.after if self.numbered is not None else previous + self.count

    def then(self, other: EmptyRows) -> EmptyRows:
        """This run followed at once by ``other`` (a run cut by the end of a chunk)."""
        if other.numbered is not None:
            return other._replace(start=self.start, count=self.count + other.count)
        return self._replace(end=other.end, count=self.count + other.count, after=self.after + other.count)


def row_number_in_tag(tag: str | bytes) -> int | None:
    """The usable r of a row's start tag: a positive number, else None (it follows the row before)."""
    match = (_R_TEXT if isinstance(tag, str) else _R_BYTES).search(tag)
    if not match:
        return None
    value = match.group(1) if match.group(1) is not None else match.group(2)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return parse_row_number(value) or None


def describe(text: str | bytes, start: int, end: int, count: int) -> EmptyRows:
    """The run of ``count`` self-closing rows at text[start:end]: how it numbers rows."""
    lt, gt, r, row = ("<", ">", "r", "row") if isinstance(text, str) else (b"<", b">", b"r", b"row")
    if text.count(r, start, end) == text.count(row, start, end):  # every r is in a tag name:
        return EmptyRows(start, end, count, None, count)  # the usual run, no row says its number
    if not (_R_TEXT if isinstance(text, str) else _R_BYTES).search(text, start, end):
        return EmptyRows(start, end, count, None, count)  # r only in other names (customFormat)
    pos, after = end, 0
    while (tag := text.rfind(lt, start, pos)) >= 0:  # from the last row back to one with a usable r
        pos = tag
        number = row_number_in_tag(text[tag : text.find(gt, tag, end) + 1])
        if number is not None:
            return EmptyRows(start, end, count, number, after)
        after += 1
    return EmptyRows(start, end, count, None, count)


def first_row(text: str, run: EmptyRows, previous: int) -> int:
    """The number of the run's first row, when the row before the run is ``previous``."""
    number = row_number_in_tag(text[run.start : text.find(">", run.start, run.end) + 1])
    return number if number is not None else previous + 1


def _empty_rows_in(text: str | bytes, lo: int, hi: int, lt_count: int) -> int:
    """How many rows text[lo:hi] holds if it is nothing but self-closing rows (and text
    between them), else 0. Counted in C, with no element made: every '<' must open a row
    tag of the prefix of the first, and every '/' and '>' must be a '/>' that closes one
    (a quoted value holding '/' or '>' sends the piece to the parser: never a wrong run)."""
    is_text = isinstance(text, str)
    match = (_ROW_TAG_TEXT if is_text else _ROW_TAG_BYTES).match(text, lo)
    if match is None:
        return 0
    prefix = match.group(1) or ("" if is_text else b"")
    opening = "<" + prefix + "row" if is_text else b"<" + prefix + b"row"
    white = _WHITE if is_text else _WHITE_BYTES
    starts = text.count(opening + white[0], lo, hi) + text.count(opening + white[1], lo, hi)
    if starts != lt_count:  # the usual ' ' and '/' are counted first; other white space if needed
        starts += sum(text.count(opening + w, lo, hi) for w in white[2:])
        if starts != lt_count:
            return 0
    slash, closer, gt = ("/", "/>", ">") if is_text else (b"/", b"/>", b">")
    if not text.count(slash, lo, hi) == text.count(closer, lo, hi) == text.count(gt, lo, hi) == lt_count:
        return 0
    return lt_count


def pieces(text: str | bytes, lo: int, hi: int) -> Iterator[tuple[int, int] | EmptyRows]:
    """text[lo:hi], which no tag crosses, in order: runs of self-closing empty rows as
    EmptyRows, the rest as (start, end) ranges to read element by element.

    A piece that is not all empty rows is cut in two (before a tag) while most of its tags
    are rows: rows holding cells have a '<' for each cell and their end tag besides, so the
    pieces of a real sheet are never cut, and a run of empty rows is found in a few
    passes of str.count over it."""
    lt = "<" if isinstance(text, str) else b"<"
    first = text.find(lt, lo, hi)
    if first < 0:
        yield (lo, hi)
        return
    if first > lo:
        yield (lo, first)
    lo = first
    tags = text.count(lt, lo, hi)
    rows = _empty_rows_in(text, lo, hi, tags)
    if rows:
        yield describe(text, lo, hi, rows)
        return
    row_starts = text.count(lt + "row" if lt == "<" else b"<row", lo, hi)
    row_starts += text.count(":row" if lt == "<" else b":row", lo, hi)  # prefixed: end tags too
    mostly_rows = hi - lo > MIN_PIECE and 2 * row_starts > tags
    cut = text.rfind(lt, lo + 1, (lo + hi) // 2 + 1) if mostly_rows else -1
    if cut <= lo:
        yield (lo, hi)
        return
    yield from pieces(text, lo, cut)
    yield from pieces(text, cut, hi)


def pieces_by_chunk(text: str, lo: int, hi: int) -> Iterator[tuple[int, int] | EmptyRows]:
    """pieces() of text[lo:hi] taken about CHUNK_BYTES at a time (cut before a tag), as the
    reader takes a part: a piece is looked at a bounded number of times, whatever its size.
    A run cut by a chunk's end comes as two EmptyRows, one after the other."""
    while lo < hi:
        cut = text.find("<", min(lo + CHUNK_BYTES, hi), hi) if lo + CHUNK_BYTES < hi else -1
        cut = hi if cut < 0 else cut
        yield from pieces(text, lo, cut)
        lo = cut


def split_empty_rows(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[bytes | EmptyRows]:
    """The bytes of a worksheet part in order, with every run of self-closing empty rows
    given as one EmptyRows (whose offsets mean nothing here) instead of its bytes.

    Memory: a chunk, plus the longest single tag or text that crosses a chunk's end."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    carry = b""
    pending: EmptyRows | None = None
    while True:
        chunk = stream.read(chunk_bytes)
        buffer = carry + chunk if carry else chunk
        limit = len(buffer)
        if chunk:  # from the last '<' on, a tag may be cut by the chunk's end: it waits for the next
            last_tag = buffer.rfind(b"<")
            limit = last_tag if last_tag >= 0 else limit
        for piece in pieces(buffer, 0, limit) if limit > 0 else ():
            if isinstance(piece, EmptyRows):
                pending = piece if pending is None else pending.then(piece)
                continue
            if pending is not None:
                yield pending
                pending = None
            yield buffer[piece[0] : piece[1]]
        carry = buffer[limit:]
        if not chunk:
            if pending is not None:
                yield pending
            if carry:
                yield carry
            return
