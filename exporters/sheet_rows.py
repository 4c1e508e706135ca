"""A worksheet part read as a stream of tokens, so that the patcher holds a chunk and the
rows it writes, never the part (exporters.xlsx_patch).

The part's bytes are decoded CHUNK_BYTES at a time and cut into tokens in document order:
Text (to be copied as it is), HeadTag (a <col> or <dimension> start tag before
<sheetData>), SheetDataStart and SheetDataEnd, RowAt (a row begins here: rows numbered
below it that the patch adds go before it), RunAt (a run of empty rows begins here,
numbered first..last, found by counting: importers.ooxml.empty_rows) and Row (a row the
caller wants, whole, with its element's offsets within its own text). A row the caller
does not want is copied through as Text even when it spans chunks: memory is a chunk,
the longest start tag, and the wanted rows.

Rows are numbered as the check-sheet reader numbers them: an ``r`` that is a positive
number, else the number after the row before. Each row has a key that names it in every
pass over the same part: ("row", k) for the k-th row outside runs, ("run", n, i) for the
i-th row of the n-th run when that run is opened (read row by row). The same bytes give
the same tokens and keys whatever the caller wants, so one pass can find the rows and a
later one write them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from typing import IO, NamedTuple

from exporters.xlsx_xml import ATTRS, Element, attr, iter_children, positioned, start_tag_pattern, unclosed
from importers.ooxml import empty_rows, parse_row_number
from kb.errors import KBError
from kb.i18n import _

CHUNK_BYTES = empty_rows.CHUNK_BYTES

RowKey = tuple  # ("row", k) or ("run", n, i)

_SHEET_DATA = re.compile(rf"<([A-Za-z_][\w.-]*:)?sheetData(?=[\s/>]){ATTRS}(/?)>")
_HEAD_TAG = re.compile(rf"<([A-Za-z_][\w.-]*:)?(col|dimension)(?=[\s/>]){ATTRS}(/?)>")


class Text(NamedTuple):
    text: str


class HeadTag(NamedTuple):
    prefix: str
    name: str  # col / dimension
    attrs: str
    tag: str


class SheetDataStart(NamedTuple):
    prefix: str
    tag: str
    self_closing: bool


class SheetDataEnd(NamedTuple):
    tag: str  # </sheetData> (empty for a self-closing one)


class RowAt(NamedTuple):
    number: int


class RunAt(NamedTuple):
    first: int
    last: int
    ordinal: int


class Row(NamedTuple):
    number: int
    key: RowKey
    xml: str
    element: Element  # offsets within xml


Token = Text | HeadTag | SheetDataStart | SheetDataEnd | RowAt | RunAt | Row


def decoded(stream: IO[bytes], chunk_bytes: int | None = None) -> Iterator[str]:
    """The part's text, CHUNK_BYTES at a time; a part that is not UTF-8 is a KBError (a UTF-8
    BOM stays, as U+FEFF, and is written back)."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    while True:
        data = stream.read(chunk_bytes)
        if first and data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise KBError(_("unsupported worksheet encoding (UTF-16); save the workbook again in Excel"))
        first = False
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise KBError(_("corrupt worksheet XML: not UTF-8")) from None
        if text:
            yield text
        if not data:
            return


def _never(*_args) -> bool:
    return False


class _Chunks:
    """The text with a buffer: what is not taken yet is kept and the next chunk appended."""

    def __init__(self, chunks: Iterator[str]):
        self.chunks = chunks
        self.buffer = ""
        self.done = False

    def more(self, keep_from: int) -> bool:
        """Keep buffer[keep_from:], append the next chunk; False at the end of the text."""
        rest = self.buffer[keep_from:]
        chunk = next(self.chunks, None)
        if chunk is None:
            self.done = True
            self.buffer = rest
            return False
        self.buffer = rest + chunk if rest else chunk
        return True

    def limit(self) -> int:
        """Up to where tags are whole: the last '<' may open a tag cut by the chunk's end."""
        if self.done:
            return len(self.buffer)
        last = self.buffer.rfind("<")
        return last if last >= 0 else len(self.buffer)


def tokens(
    chunks: Iterator[str],
    *,
    wanted: Callable[[int, RowKey], bool] = _never,
    open_run: Callable[[int], bool] = _never,
    rows: bool = True,
) -> Iterator[Token]:
    """The tokens of a worksheet part given as text chunks (see the module's docstring).

    ``wanted(number, key)``: whether a row comes as Row (else as Text); ``open_run(ordinal)``:
    whether a run of empty rows is read row by row. ``rows=False`` only finds <sheetData>
    and its end (kb inspect's check), with no row tokens."""
    text = _Chunks(chunks)
    prefix, tag, self_closing = yield from _head(text)
    yield SheetDataStart(prefix, tag, self_closing)
    if self_closing:
        yield SheetDataEnd("")
    else:
        yield from _Body(text, prefix, wanted, open_run, rows).tokens()
    # the tail: everything after </sheetData>, as it is
    while True:
        if text.buffer:
            yield Text(text.buffer)
        if not text.more(len(text.buffer)):
            return


def _head(text: _Chunks) -> Iterator[Token]:
    """Text and HeadTags up to <sheetData>, which it leaves the buffer after; returns
    (prefix, its tag, self-closing)."""
    text.more(0)
    pos = 0
    while True:
        limit = text.limit()
        found = _SHEET_DATA.search(text.buffer, pos, limit)
        upto = found.start() if found else limit
        for tag in _HEAD_TAG.finditer(text.buffer, pos, upto):
            if tag.start() > pos:
                yield Text(text.buffer[pos : tag.start()])
            yield HeadTag(tag.group(1) or "", tag.group(2), tag.group(3), tag.group(0))
            pos = tag.end()
        if upto > pos:
            yield Text(text.buffer[pos:upto])
        pos = upto
        if found:
            text.buffer = text.buffer[found.end() :]
            return found.group(1) or "", found.group(0), bool(found.group(3))
        if text.done:
            raise KBError(_("corrupt worksheet XML: no <sheetData>"))
        text.more(pos)
        pos = 0


class _Body:
    """The rows of <sheetData>, up to and with its end tag."""

    def __init__(self, text: _Chunks, prefix: str, wanted, open_run, rows: bool):
        self.text, self.prefix = text, prefix
        self.wanted, self.open_run, self.rows = wanted, open_run, rows
        self.closing = f"</{prefix}sheetData>"
        self.row_closing = f"</{prefix}row>"
        self.opening = start_tag_pattern(prefix, "row")
        self.previous = 0  # number of the row before
        self.row_count = 0  # rows outside runs so far: their keys
        self.run_count = 0
        self.bound = 0

    def tokens(self) -> Iterator[Token]:
        text = self.text
        pos = 0
        while True:
            buffer = text.buffer
            limit = text.limit()
            close = buffer.find(self.closing, pos)
            end = close if close >= 0 else limit
            self.bound = close if close >= 0 else len(buffer)  # where a row's end tag may be
            if self.rows:
                pos = yield from self._region(pos, end)
            elif end > pos:
                yield Text(buffer[pos:end])
                pos = end
            if close >= 0 and pos >= close:
                yield SheetDataEnd(self.closing)
                text.buffer = buffer[close + len(self.closing) :]
                return
            if pos < 0:  # a row continues past the buffer: pos = -(its start) - 1
                pos = yield from self._long_row(-pos - 1)
                continue
            if text.done:
                raise KBError(unclosed("sheetData"))
            text.more(pos)
            pos = 0

    def _region(self, pos: int, end: int) -> Iterator[Token]:
        """Tokens of buffer[pos:end], no tag crossing end; returns where it stopped, or
        -(start) - 1 for a row starting at start whose end tag is not in the buffer yet."""
        buffer = self.text.buffer
        for piece in empty_rows.pieces(buffer, pos, end):
            if isinstance(piece, empty_rows.EmptyRows) and piece.start >= pos:
                yield from self._run(piece)
                pos = piece.end
                continue
            piece_end = piece.end if isinstance(piece, empty_rows.EmptyRows) else piece[1]
            while pos < piece_end:
                match = self.opening.search(buffer, pos, piece_end)
                if match is None:
                    yield Text(buffer[pos:piece_end])
                    pos = piece_end
                    break
                if match.start() > pos:
                    yield Text(buffer[pos : match.start()])
                    pos = match.start()
                done = yield from self._row(match)
                if done < 0:
                    return done
                pos = done
        return pos

    def _number(self, attrs: str) -> int:
        value = attr(attrs, "r")
        number = parse_row_number(value) if value else None
        return number if number else self.previous + 1

    def _row(self, match: re.Match) -> Iterator[Token]:
        """One row outside runs starting at match; returns its end, or -(start) - 1 when its
        end tag is beyond the buffer (then nothing is yielded for it yet)."""
        buffer = self.text.buffer
        attrs, slash = match.group(1), match.group(2)
        number = self._number(attrs)
        key = ("row", self.row_count)
        if slash:
            end = match.end()
            element = Element(0, end - match.start(), attrs, None, None)
        else:
            close = buffer.find(self.row_closing, match.end(), self.bound)
            if close < 0:
                if self.bound < len(buffer):  # </sheetData> comes first
                    raise KBError(unclosed(f"{self.prefix}row"))
                return -match.start() - 1
            end = close + len(self.row_closing)
            element = Element(
                0, end - match.start(), attrs, match.end() - match.start(), close - match.start()
            )
        self.previous = number
        self.row_count += 1
        yield RowAt(number)
        if self.wanted(number, key):
            yield Row(number, key, buffer[match.start() : end], element)
        else:
            yield Text(buffer[match.start() : end])
        return end

    def _long_row(self, start: int) -> Iterator[Token]:
        """A row whose end tag lies in a later chunk: a wanted one is gathered whole, any
        other copied through as it comes. Returns where the buffer continues after it."""
        text = self.text
        match = self.opening.match(text.buffer, start)
        number = self._number(match.group(1))
        key = ("row", self.row_count)
        self.previous = number
        self.row_count += 1
        yield RowAt(number)
        keep = self.wanted(number, key)
        parts = [text.buffer[start:]]
        tail = len(self.row_closing) - 1  # an end tag cut by the chunk's end
        while True:
            if not text.more(len(text.buffer)):
                raise KBError(unclosed(f"{self.prefix}row"))
            joined = parts[-1][-tail:] + text.buffer
            close = joined.find(self.row_closing)
            if close >= 0:
                end = close + len(self.row_closing) - len(parts[-1][-tail:])
                parts.append(text.buffer[:end])
                break
            if keep:
                parts.append(text.buffer)
            else:
                yield Text("".join(parts))
                parts = [text.buffer]
            text.buffer = ""
        xml = "".join(parts)
        if keep:
            body_start = match.end() - start
            yield Row(number, key, xml, Element(0, len(xml), match.group(1), body_start, len(xml) - tail - 1))
        else:
            yield Text(xml)
        return end

    def _run(self, run: empty_rows.EmptyRows) -> Iterator[Token]:
        buffer = self.text.buffer
        first = empty_rows.first_row(buffer, run, self.previous)
        last = run.last_row(self.previous)
        ordinal = self.run_count
        self.run_count += 1
        yield RunAt(first, last, ordinal)
        if not self.open_run(ordinal):
            yield Text(buffer[run.start : run.end])
            self.previous = last
            return
        pos = run.start
        children = iter_children(buffer, self.prefix, "row", run.start, run.end)
        for index, (number, element) in enumerate(positioned(children, parse_row_number, first - 1)):
            if element.start > pos:
                yield Text(buffer[pos : element.start])
            yield RowAt(number)
            xml = buffer[element.start : element.end]
            key = ("run", ordinal, index)
            if self.wanted(number, key):
                yield Row(number, key, xml, Element(0, len(xml), element.attrs, None, None))
            else:
                yield Text(xml)
            pos = element.end
        if run.end > pos:
            yield Text(buffer[pos : run.end])
        self.previous = last
