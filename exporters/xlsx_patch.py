"""Write answers into a customer's workbook by patching only the answer cells' XML.

Why not openpyxl: a load/save round trip silently drops x14 data validations (the
dropdowns of real HECVAT files), x14 conditional formats, shapes and threaded
comments. So the workbook is never re-serialised:

* every zip member except the patched worksheets is copied with its compressed
  bytes verbatim, in the same order and with the same ZipInfo metadata
  (importers.ooxml.write_copy);
* in a patched worksheet only the target ``<c>`` elements (and, if needed, a new
  ``<row>``) are rewritten at the string level inside ``<sheetData>``; namespaces,
  prefixes, ``mc:Ignorable`` and ``<extLst>`` stay byte-identical. The only other
  edits are a widened ``<dimension ref>`` and row ``spans`` when a new cell lies
  outside them (openpyxl's read-only mode, for one, trusts the dimension);
* text is written as an inline string, never as a formula, so sharedStrings.xml is
  never touched.
* with ``wrap`` (kb fill --wrap) the written cells point at wrapped copies of their
  styles, which exporters.xlsx_styles appends to styles.xml (then the one more member
  that changes), and their rows lose a fixed height so that Excel fits them on opening.

Formula cells: by default a write to a cell holding a formula is refused with a
KBError (the check-sheet reader never proposes such cells: the workbook computes
them). With ``overwrite_formulas=True`` the formula is removed and the cell's entry
is dropped from calcChain.xml, which is then the one extra member that changes.
Shared-formula masters and array formulas are refused even then, because removing
them would break the other cells that use them.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from importers.ooxml import (
    CellRef,
    Package,
    SheetRef,
    check_destination,
    column_letters,
    empty_rows,
    parse_cell_ref,
    parse_range,
    parse_row_number,
    write_copy,
)
from importers.ooxml.empty_rows import EmptyRows
from kb.errors import KBError
from kb.files import atomic_path

MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F):
# the complement of its Char production, spelled out because compiling the negated
# class is slow enough to notice at every start (tests/exporters/test_xlsx_patch.py
# checks they agree).
_ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads a literal "_x0041_" as the escape for "A": escape the underscore (_x005F_).
_OOXML_ESCAPE_LOOKALIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
# Attribute text of a start tag; quote-aware so a '>' inside a value cannot end the tag.
# It stops before the first '>' or '/>' outside quotes. Possessive (*+, ++): runs of plain
# characters are taken whole and never backtracked into, which matters with a search per
# cell; every continuation used after it starts with '/' or '>', which it never consumes.
_ATTRS = r"((?:[^>\"'/]++|/(?!>)|\"[^\"]*+\"|'[^']*+')*+)"


# --- text ---------------------------------------------------------------------------


def sanitize_cell_text(text: str) -> str:
    """The text as it will be stored: XML-illegal characters removed, CR/CRLF -> LF, cut to Excel's limit."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ILLEGAL_XML_CHARS.sub("", text)
    return _truncate_utf16(text, MAX_CELL_CHARS)


def _truncate_utf16(text: str, limit: int) -> str:
    if len(text) * 2 <= limit:  # fast path: fits even if every character were astral
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]  # whole characters only: never splits a surrogate pair
    return text


def _xml_text(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _OOXML_ESCAPE_LOOKALIKE.sub("_x005F_", text)


# --- locating elements in worksheet XML ---------------------------------------------------


@dataclass(slots=True)
class _Element:
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
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s){re.escape(name)}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@functools.cache
def _start_tag_pattern(prefix: str, name: str) -> re.Pattern[str]:
    """<prefix:name ...> or <prefix:name .../>: group 1 the attributes, group 2 '/' if self-closing."""
    return re.compile(rf"<{re.escape(prefix)}{name}(?=[\s/>]){_ATTRS}(/?)>")


def _attr(attrs: str, name: str) -> str | None:
    match = _attr_pattern(name).search(attrs)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _set_attr(start_tag: str, name: str, value: str) -> str:
    """Replace an existing attribute's value inside a start tag, leaving everything else as is."""
    pattern = rf"(\s{re.escape(name)}\s*=\s*)(\"[^\"]*\"|'[^']*')"
    return re.sub(pattern, lambda m: f'{m.group(1)}"{value}"', start_tag, count=1)


def _iter_children(text: str, prefix: str, name: str, start: int, end: int):
    """Elements `name` between start and end: rows in <sheetData>, cells in a <row>."""
    opening = _start_tag_pattern(prefix, name)
    closing = f"</{prefix}{name}>"
    pos = start
    while match := opening.search(text, pos, end):
        attrs, slash = match.groups()
        tag_end = match.end()
        if slash:
            yield _Element(match.start(), tag_end, attrs, None, None)
            pos = tag_end
            continue
        close = text.find(closing, tag_end, end)
        if close < 0:
            raise KBError(f"corrupt worksheet XML: <{prefix}{name}> without a closing tag")
        pos = close + len(closing)
        yield _Element(match.start(), pos, attrs, tag_end, close)


def _find_sheet_data(text: str) -> tuple[str, _Element]:
    """(namespace prefix such as '' or 'x:', the <sheetData> element)."""
    match = re.search(rf"<([A-Za-z_][\w.-]*:)?sheetData(?=[\s/>]){_ATTRS}(/?)>", text)
    if not match:
        raise KBError("corrupt worksheet XML: no <sheetData>")
    prefix = match.group(1) or ""
    if match.group(3):
        return prefix, _Element(match.start(), match.end(), match.group(2), None, None)
    closing = f"</{prefix}sheetData>"
    close = text.find(closing, match.end())
    if close < 0:
        raise KBError("corrupt worksheet XML: <sheetData> without a closing tag")
    return prefix, _Element(match.start(), close + len(closing), match.group(2), match.end(), close)


def _positioned(elements, parse, previous: int = 0) -> Iterator[tuple[int, _Element]]:
    """Attach row/column numbers; an element without an r attribute follows its predecessor
    (the first one follows ``previous``).

    Lazy, so that a row's cells are only read as far as the last cell to write.
    """
    for element in elements:
        value = _attr(element.attrs, "r")
        number = parse(value) if value else None
        previous = number if number else previous + 1
        yield previous, element


def _cell_column(ref: str) -> int | None:
    cell = parse_cell_ref(ref)
    return cell.col if cell else None


# --- cells -------------------------------------------------------------------------------


class _FormulaRefused(Exception):
    def __init__(self, ref: str, reason: str):
        super().__init__(ref)
        self.ref, self.reason = ref, reason


def _cell_xml(prefix: str, attrs: str, escaped: str, cell_ext: str = "") -> str:
    """The cell with `escaped` (text already passed through _xml_text) as an inline string."""
    if not escaped:  # an empty answer clears the value but keeps the cell (and its style)
        return f"<{prefix}c{attrs}>{cell_ext}</{prefix}c>" if cell_ext else f"<{prefix}c{attrs}/>"
    return (
        f'<{prefix}c{attrs} t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">'
        f"{escaped}</{prefix}t></{prefix}is>{cell_ext}</{prefix}c>"
    )


# Attributes that describe a cell's old value: t (value type), cm/vm (metadata of dynamic arrays / data types).
_VALUE_ATTRS = re.compile(r"\s+(?:t|cm|vm)\s*=\s*(?:\"[^\"]*\"|'[^']*')")


@functools.cache
def _cell_ext_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"<{re.escape(prefix)}extLst[\s>].*?</{re.escape(prefix)}extLst>", re.S)


def _rewrite_cell(text: str, prefix: str, cell: _Element, ref: str, value: str, ctx: _SheetContext):
    """(new XML for an existing cell, whether a formula was removed). Keeps every attribute but
    t/cm/vm, and the style unless ctx.restyle gives it another."""
    body = "" if cell.self_closing else text[cell.body_start : cell.body_end]
    formula = _start_tag_pattern(prefix, "f").search(body) if body else None
    if formula:
        kind = _attr(formula.group(1), "t")
        if not ctx.overwrite_formulas:
            raise _FormulaRefused(ref, "holds a formula")
        if kind == "array" or (kind == "shared" and _attr(formula.group(1), "ref")):
            raise _FormulaRefused(ref, f"holds a {kind} formula that other cells depend on")
    attrs = _VALUE_ATTRS.sub("", cell.attrs).rstrip()
    if _attr(attrs, "r") is None:
        attrs = f' r="{ref}"' + attrs
    if ctx.restyle is not None:
        attrs = _restyled(attrs, ctx.restyle)
    ext = _cell_ext_pattern(prefix).search(body) if body else None
    return _cell_xml(prefix, attrs, value, ext.group(0) if ext else ""), bool(formula)


def _restyled(attrs: str, restyle: Restyle) -> str:
    style = _attr(attrs, "s")
    new = restyle(style)
    if new == style:
        return attrs
    return _set_attr(attrs, "s", new) if style is not None else f'{attrs} s="{new}"'


def _new_cell(prefix: str, ref: str, style: str | None, value: str) -> str:
    attrs = f' r="{ref}"' + (f' s="{style}"' if style else "")
    return _cell_xml(prefix, attrs, value)


# --- rows --------------------------------------------------------------------------------


# A written cell's style (its s attribute, None for the default) -> the one to give it.
Restyle = Callable[[str | None], str | None]


@dataclass
class _SheetContext:
    text: str
    prefix: str
    column_styles: list[tuple[int, int, str]]
    overwrite_formulas: bool
    restyle: Restyle | None = None  # --wrap: the wrapped copy of each written cell's style
    grow_rows: bool = False  # --wrap: rows with written cells lose a fixed height


def _new_cell_style(ctx: _SheetContext, row_attrs: str | None, col: int) -> str | None:
    style = _default_style(ctx, row_attrs, col)
    return ctx.restyle(style) if ctx.restyle is not None else style


def _column_styles(text: str, prefix: str, before: int) -> list[tuple[int, int, str]]:
    """(min, max, style) of the <col> entries that carry a style."""
    styles = []
    for match in _start_tag_pattern(prefix, "col").finditer(text, 0, before):
        low, high, style = (_attr(match.group(1), name) for name in ("min", "max", "style"))
        if low and high and style and low.isdigit() and high.isdigit():
            styles.append((int(low), int(high), style))
    return styles


def _default_style(ctx: _SheetContext, row_attrs: str | None, col: int) -> str | None:
    """Style a new cell inherits: its row's if the row is formatted, else its column's."""
    if row_attrs is not None and _attr(row_attrs, "customFormat") in ("1", "true") and _attr(row_attrs, "s"):
        return _attr(row_attrs, "s")
    return next((style for low, high, style in ctx.column_styles if low <= col <= high), None)


_SPANS = re.compile(r"(\d+):(\d+)")
# A row's fixed height: without it Excel fits the row to its wrapped text when it opens the file.
_FIXED_HEIGHT = re.compile(r"\s+(?:ht|customHeight)\s*=\s*(?:\"[^\"]*\"|'[^']*')")


def _widened_spans(start_tag: str, attrs: str, columns: list[int]) -> str:
    spans = _attr(attrs, "spans")
    match = _SPANS.fullmatch(spans or "")
    if not match:
        return start_tag
    low, high = int(match.group(1)), int(match.group(2))
    new_low, new_high = min([low, *columns]), max([high, *columns])
    return (
        start_tag
        if (new_low, new_high) == (low, high)
        else _set_attr(start_tag, "spans", f"{new_low}:{new_high}")
    )


def _patch_row(
    ctx: _SheetContext, row: _Element, row_number: int, values: dict[int, str]
) -> tuple[str, list[str]]:
    """Rewrite one existing <row>: replace target cells, insert missing ones in column order.

    Cells are read only as far as the last one to write; the text between edits and the
    rest of the row are copied in slices as they are.
    """
    text, prefix = ctx.text, ctx.prefix
    if row.self_closing:
        start_tag = re.sub(r"\s*/>$", ">", text[row.start : row.end])
        cells: Iterator[tuple[int, _Element]] = iter(())
        body_start = body_end = row.end
    else:
        start_tag = text[row.start : row.body_start]
        cells = _positioned(_iter_children(text, prefix, "c", row.body_start, row.body_end), _cell_column)
        body_start, body_end = row.body_start, row.body_end
    pending = sorted(values.items())  # (column, text) still to write, leftmost first
    pieces, removed = [], []
    pos = body_start  # the row's text before pos is in pieces already
    after_cells = body_start  # end of the last cell read: where cells right of them all go

    def insert_new_before(limit_col: int | None) -> None:
        while pending and (limit_col is None or pending[0][0] < limit_col):
            col, value = pending.pop(0)
            ref = f"{column_letters(col)}{row_number}"
            pieces.append(_new_cell(prefix, ref, _new_cell_style(ctx, row.attrs, col), value))

    for col, cell in cells:
        after_cells = cell.end
        if pending[0][0] > col:
            continue  # an untouched cell goes out with the text around it, in one slice
        pieces.append(text[pos : cell.start])
        pos = cell.start
        insert_new_before(col)
        if pending and pending[0][0] == col:
            _, value = pending.pop(0)
            ref = f"{column_letters(col)}{row_number}"
            new_xml, had_formula = _rewrite_cell(text, prefix, cell, ref, value, ctx)
            pieces.append(new_xml)
            pos = cell.end
            if had_formula:
                removed.append(ref)
        if not pending:
            break  # nothing left to write: the rest of the row is copied below as it is
    pieces.append(text[pos:after_cells])
    pos = after_cells
    insert_new_before(None)  # after the last cell, before a row-level <extLst> if any
    pieces.append(text[pos:body_end])
    start_tag = _widened_spans(start_tag, row.attrs, list(values))
    if ctx.grow_rows:
        start_tag = _FIXED_HEIGHT.sub("", start_tag)
    return f"{start_tag}{''.join(pieces)}</{prefix}row>", removed


def _new_row(ctx: _SheetContext, row_number: int, values: dict[int, str]) -> str:
    cells = "".join(
        _new_cell(ctx.prefix, f"{column_letters(col)}{row_number}", _new_cell_style(ctx, None, col), value)
        for col, value in sorted(values.items())
    )
    return f'<{ctx.prefix}row r="{row_number}">{cells}</{ctx.prefix}row>'


def _widened_dimension(text: str, prefix: str, targets: list[tuple[int, int]]) -> tuple[int, int, str] | None:
    """(start, end, new tag) for <dimension ref> if the new cells lie outside it."""
    match = _start_tag_pattern(prefix, "dimension").search(text)
    ref = _attr(match.group(1), "ref") if match else None
    area = parse_range(ref) if ref else None
    if not match or not area:
        return None
    rows = [r for r, _ in targets] + [area.min_row, area.max_row]
    cols = [c for _, c in targets] + [area.min_col, area.max_col]
    new_ref = f"{column_letters(min(cols))}{min(rows)}:{column_letters(max(cols))}{max(rows)}"
    if (min(rows), min(cols), max(rows), max(cols)) == (
        area.min_row,
        area.min_col,
        area.max_row,
        area.max_col,
    ):
        return None
    return match.start(), match.end(), _set_attr(match.group(0), "ref", new_ref)


def patch_sheet_xml(
    xml: bytes, values: dict[tuple[int, int], str], *, overwrite_formulas: bool = False
) -> tuple[bytes, list[str]]:
    """Patch cells {(row, col): text} of one worksheet part; returns (new bytes, refs whose formula was removed).

    Text must already be sanitised (see sanitize_cell_text). Raises _FormulaRefused.
    """
    patch = _SheetPatch(xml, overwrite_formulas)
    patch.add(values)
    return patch.result()


class _SheetPatch:
    """patch_sheet_xml in steps: each existing row is rewritten as soon as values for it
    come (add), the part is put together once (result). The bytes are the same as those
    of one patch_sheet_xml with every value at once: a row is always rewritten from its
    original text with all the values it has received so far.

    kb fill --wrap calls restyle() once every write is in, which rewrites the rows again:
    the wrapped styles are handed out only when every written cell is known, in style
    order, so that the same fill writes the same bytes whatever order its answers came in."""

    def __init__(self, xml: bytes, overwrite_formulas: bool):
        text = _decode_part(xml)
        prefix, self.sheet_data = _find_sheet_data(text)
        self.ctx = _SheetContext(
            text, prefix, _column_styles(text, prefix, self.sheet_data.start), overwrite_formulas
        )
        self.values: dict[tuple[int, int], str] = {}
        self.by_row: dict[int, dict[int, str]] = {}  # {row: {column: text escaped for XML}}
        self._escaped: dict[str, str] = {}  # answers repeat ('はい' on every row): escape each once
        # Rows in document order; a run of empty rows is one entry, numbered as its last row
        # (importers.ooxml.empty_rows), until a write falls within it (_open_runs).
        self.rows: list[tuple[int, _Element]] = []
        self.runs: dict[int, tuple[EmptyRows, int]] = {}  # run's offset -> (the run, its first row)
        if not self.sheet_data.self_closing:
            self.rows, self.runs = _index_rows(text, prefix, self.sheet_data)
        self.existing = {number: element for number, element in self.rows if element.start not in self.runs}
        self.patched: dict[int, tuple[str, list[str]]] = {}  # row -> (its new XML, formulas removed)

    def add(self, values: dict[tuple[int, int], str]) -> None:
        touched = set()
        for (row, col), value in values.items():
            if value not in self._escaped:
                self._escaped[value] = _xml_text(value)
            self.values[(row, col)] = value
            self.by_row.setdefault(row, {})[col] = self._escaped[value]
            touched.add(row)
        if self.runs:
            self._open_runs(touched)
        for row in sorted(touched):
            if row in self.existing:
                self.patched[row] = _patch_row(self.ctx, self.existing[row], row, self.by_row[row])

    def _open_runs(self, wanted: set[int]) -> None:
        """Read row by row the runs of empty rows a wanted row may lie in (its number within
        the run's first and last), unless a row after the run has that number (it wins, as
        the last row of a number always does). Rows inside a run are taken to lie between its
        first and last row's numbers, as Excel writes rows in ascending order."""
        text, prefix = self.ctx.text, self.ctx.prefix
        for start, (run, first) in list(self.runs.items()):
            index = next(i for i, (_, element) in enumerate(self.rows) if element.start == start)
            low, high = sorted((first, self.rows[index][0]))
            if not any(
                low <= row <= high and not (row in self.existing and self.existing[row].start > start)
                for row in wanted
            ):
                continue
            opened = list(
                _positioned(
                    _iter_children(text, prefix, "row", run.start, run.end), parse_row_number, first - 1
                )
            )
            self.rows[index : index + 1] = opened
            del self.runs[start]
            for number, element in opened:
                if not (number in self.existing and self.existing[number].start > element.start):
                    self.existing[number] = element

    def styles_used(self) -> set[str | None]:
        """The s attribute (None: none) of every cell written, as the patch finds or makes them."""
        used: set[str | None] = set()

        def record(style: str | None) -> str | None:
            used.add(style)
            return style

        ctx = replace(self.ctx, restyle=record)
        for row, values in self.by_row.items():
            if row in self.existing:
                _patch_row(ctx, self.existing[row], row, values)
            else:
                used.update(_default_style(ctx, None, col) for col in values)
        return used

    def restyle(self, restyle: Restyle) -> None:
        """Give written cells the styles ``restyle`` says and let their rows grow (wrap)."""
        self.ctx = replace(self.ctx, restyle=restyle, grow_rows=True)
        self.patched = {
            row: _patch_row(self.ctx, self.existing[row], row, values)
            for row, values in self.by_row.items()
            if row in self.existing
        }

    def result(self) -> tuple[bytes, list[str]]:
        ctx, sheet_data, by_row = self.ctx, self.sheet_data, self.by_row
        text, prefix = ctx.text, ctx.prefix
        edits: list[tuple[int, int, str]] = []  # (start, end, replacement), non-overlapping
        removed: list[str] = []
        if sheet_data.self_closing:
            opening = re.sub(r"\s*/>$", ">", text[sheet_data.start : sheet_data.end])
            new_rows = "".join(_new_row(ctx, r, by_row[r]) for r in sorted(by_row))
            edits.append((sheet_data.start, sheet_data.end, f"{opening}{new_rows}</{prefix}sheetData>"))
        else:
            inserts: dict[int, list[int]] = {}  # offset -> new row numbers to put there
            next_row_start = _next_row_finder(self.rows, sheet_data.body_end)
            for row_number in sorted(by_row):
                if row_number in self.patched:
                    row = self.existing[row_number]
                    new_xml, formulas = self.patched[row_number]
                    edits.append((row.start, row.end, new_xml))
                    removed.extend(formulas)
                    continue
                # Rows must stay sorted: the new row goes before the first row numbered after it.
                inserts.setdefault(next_row_start(row_number), []).append(row_number)
            for offset, numbers in inserts.items():
                edits.append((offset, offset, "".join(_new_row(ctx, n, by_row[n]) for n in sorted(numbers))))
        dimension = _widened_dimension(text, prefix, list(self.values))
        if dimension:
            edits.append(dimension)
        return _apply_edits(text, edits).encode("utf-8"), removed


def _apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace non-overlapping spans in one pass (splicing one by one copies the sheet per edit)."""
    pieces, pos = [], 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        pieces.append(text[pos:start])
        pieces.append(replacement)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _index_rows(
    text: str, prefix: str, sheet_data: _Element
) -> tuple[list[tuple[int, _Element]], dict[int, tuple[EmptyRows, int]]]:
    """The rows of <sheetData> with their numbers, and the runs of empty rows among them, each
    one entry (numbered as its last row) found without an element per row."""
    rows: list[tuple[int, _Element]] = []
    runs: dict[int, tuple[EmptyRows, int]] = {}
    previous = 0

    def read(lo: int, hi: int) -> None:
        nonlocal previous
        for number, element in _positioned(
            _iter_children(text, prefix, "row", lo, hi), parse_row_number, previous
        ):
            rows.append((number, element))
            previous = number

    pending = None  # start of text not yet read row by row (pieces are cut anywhere before a tag)
    for piece in empty_rows.pieces_by_chunk(text, sheet_data.body_start, sheet_data.body_end):
        if not isinstance(piece, EmptyRows):
            pending = piece[0] if pending is None else pending
            continue
        if pending is not None:
            read(pending, piece.start)
            pending = None
        runs[piece.start] = (piece, empty_rows.first_row(text, piece, previous))
        previous = piece.last_row(previous)
        rows.append((previous, _Element(piece.start, piece.end, "", None, None)))
    if pending is not None:
        read(pending, sheet_data.body_end)
    return rows, runs


def _next_row_finder(rows: list[tuple[int, _Element]], end: int) -> Callable[[int], int]:
    """f(n) -> offset of the first row (in document order) numbered after n, else `end`.

    Rows of a valid sheet are in ascending order, so a binary search finds it: a scan
    per new row made filling a sheet whose answer rows do not exist yet quadratic. Rows
    out of order (a damaged file) keep the scan.
    """
    numbers = [number for number, _ in rows]
    if any(a > b for a, b in itertools.pairwise(numbers)):
        return lambda row_number: next((el.start for number, el in rows if number > row_number), end)

    def by_bisection(row_number: int) -> int:
        index = bisect.bisect_right(numbers, row_number)
        return rows[index][1].start if index < len(rows) else end

    return by_bisection


def _decode_part(xml: bytes) -> str:
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise KBError("unsupported worksheet encoding (UTF-16); save the workbook again in Excel")
    try:
        return xml.decode("utf-8")  # a UTF-8 BOM survives as U+FEFF and is written back
    except UnicodeDecodeError:
        raise KBError("corrupt worksheet XML: not UTF-8") from None


# --- calcChain ---------------------------------------------------------------------------


def _drop_from_calc_chain(xml: bytes, sheet_id: str, refs: set[str]) -> bytes:
    """Remove <c r=.. i=..> entries of cells that no longer hold a formula.

    An entry without i belongs to the sheet of the entry before it, so when a removed
    entry carried i (or l, 'new dependency level'), the next kept entry inherits it.
    """
    text = _decode_part(xml)
    entry = re.compile(rf"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>]){_ATTRS}/>")
    pieces, pos, current, carry = [], 0, None, {}
    for match in entry.finditer(text):
        attrs = match.group(1)
        current = _attr(attrs, "i") or current
        if current == sheet_id and (_attr(attrs, "r") or "").upper() in refs:
            pieces.append(text[pos : match.start()])
            for name in ("i", "l"):
                if _attr(attrs, name) is not None:
                    carry[name] = _attr(attrs, name)
            pos = match.end()
            continue
        tag = match.group(0)
        for name, value in carry.items():
            if _attr(attrs, name) is None:
                tag = tag[:-2].rstrip() + f' {name}="{value}"/>'
        carry = {}
        pieces.append(text[pos : match.start()] + tag)
        pos = match.end()
    pieces.append(text[pos:])
    return "".join(pieces).encode("utf-8")


# --- public API --------------------------------------------------------------------------


Writes = dict[str, dict[CellRef | str, str]]  # sheet name -> {CellRef(7, 4) or "D7": text}


def _normalize_writes(writes: Writes) -> dict[str, dict[CellRef, str]]:
    normalized: dict[str, dict[CellRef, str]] = {}
    sanitized: dict[str, str] = {}  # answers repeat: each distinct text is sanitised once
    for sheet, cells in writes.items():
        for ref, value in cells.items():
            # The reader's cells come as CellRefs; "D7" from other callers is parsed here.
            position = ref if type(ref) is CellRef else parse_cell_ref(str(ref))
            if position is None:
                raise KBError(
                    f"bad cell reference {ref!r} for sheet {sheet!r}: use A1-style references like D7"
                )
            if type(value) is not str:  # None, numbers: str() first, as sanitize_cell_text does
                value = "" if value is None else str(value)
            if value not in sanitized:
                sanitized[value] = sanitize_cell_text(value)
            normalized.setdefault(sheet, {})[position] = sanitized[value]
    return normalized


class WorkbookPatch:
    """patch_workbook in steps, for writes that come a few at a time (kb fill adds each
    chunk of answers as it arrives): ``add`` writes, ``write`` once.

    It patches a Package its caller opened (kb fill: the one the sheet was read from)
    and leaves it open. The output is the same as one patch_workbook with every write at once.
    """

    def __init__(self, package: Package, *, overwrite_formulas: bool = False, wrap: bool = False):
        self.package = package
        self.overwrite_formulas = overwrite_formulas
        self.wrap = wrap  # written cells get a wrapped copy of their style (exporters.xlsx_styles)
        self.styles_added = 0  # cell formats added to styles.xml by write()
        self.sheets = {s.name: s for s in package.sheets}
        self.patches: dict[str, tuple[SheetRef, bytes, _SheetPatch]] = {}  # name -> (sheet, original, patch)

    @property
    def cells(self) -> int:
        """Distinct cells written so far."""
        return sum(len(patch.values) for _, _, patch in self.patches.values())

    def add(self, writes: Writes) -> None:
        """Writes as patch_workbook takes them; a cell written again takes the later text."""
        self._add_normalized(_normalize_writes(writes))

    def _add_normalized(self, writes: dict[str, dict[CellRef, str]]) -> None:
        for name, values in writes.items():
            sheet = self.sheets.get(name)
            if sheet is None:
                known = ", ".join(map(repr, self.sheets))
                raise KBError(f"no sheet named {name!r} in the workbook (sheets: {known})")
            if sheet.kind != "worksheet" or not self.package.has(sheet.part):
                raise KBError(f"sheet {name!r} is not a worksheet that can be filled")
            if not values:
                continue
            if name not in self.patches:
                original = self.package.read(sheet.part)
                self.patches[name] = (sheet, original, _SheetPatch(original, self.overwrite_formulas))
            try:
                self.patches[name][2].add(values)
            except _FormulaRefused as refused:
                hint = "" if self.overwrite_formulas else "; it is computed by the workbook"
                raise KBError(
                    f"cell {name}!{refused.ref} {refused.reason}, not overwriting it{hint}"
                ) from None

    def write(self, dst) -> list[str]:
        """Write the patched copy to ``dst`` (atomically); returns the zip members that changed."""
        dst = Path(dst)
        check_destination(self.package.path, dst)
        replaced: dict[str, bytes] = {}
        if self.wrap:
            replaced.update(self._wrap())
        removed_formulas: dict[str, set[str]] = {}  # sheetId -> refs
        for sheet, original, patch in self.patches.values():
            patched, removed = patch.result()
            _check_well_formed(patched, sheet.part, original)
            if patched != original:
                replaced[sheet.part] = patched
            if removed:
                removed_formulas.setdefault(sheet.sheet_id, set()).update(removed)
        replaced.update(_patched_calc_chain(self.package, removed_formulas))
        _write_atomically(dst, lambda out: write_copy(self.package, out, replaced))
        return [info.filename for info in self.package.members() if info.filename in replaced]

    def _wrap(self) -> dict[str, bytes]:
        """Point the written cells at wrapped copies of their styles; styles.xml with the copies."""
        from exporters.xlsx_styles import WrappedStyles

        part = self.package.related_part("styles")
        original = self.package.read(part) if part else None
        styles = WrappedStyles.parse(original) if original is not None else None
        if styles is None:  # no formats to copy: cells keep theirs, the rows still grow
            for _, _, patch in self.patches.values():
                patch.restyle(lambda style: style)
            return {}
        used = set().union(*(patch.styles_used() for _, _, patch in self.patches.values()))
        wrapped = styles.wrap_all(_style_index(style) for style in used)
        for _, _, patch in self.patches.values():
            patch.restyle(lambda style: _wrapped_style(style, wrapped))
        self.styles_added = len(styles.added)
        xml = styles.xml()
        if xml is None:
            return {}
        _check_well_formed(xml, part, original)
        return {part: xml}


def _style_index(style: str | None) -> int:
    """A cell's cellXfs index: its s attribute, 0 without one (or with one Excel could not read)."""
    return int(style) if style and style.isdigit() else 0


def _wrapped_style(style: str | None, wrapped: dict[int, int]) -> str | None:
    index = _style_index(style)
    new = wrapped.get(index, index)
    return style if new == index else str(new)


def _patched_calc_chain(package: Package, removed: dict[str, set[str]]) -> dict[str, bytes]:
    part = package.related_part("calcChain") if removed else None
    if not part:
        return {}
    original = package.read(part)
    chain = original
    for sheet_id, refs in removed.items():
        chain = _drop_from_calc_chain(chain, sheet_id, refs)
    _check_well_formed(chain, part, original)
    return {part: chain}


def _parse_error(xml: bytes) -> Exception | None:
    try:
        if b"<!DOCTYPE" in xml:
            ET.fromstring(xml)
        else:
            expat.ParserCreate(namespace_separator="}").Parse(xml, True)
    except (ET.ParseError, expat.ExpatError) as exc:
        return exc
    return None


def _check_well_formed(xml: bytes, part: str, original: bytes) -> None:
    """Last line of defence: never write a part Excel would have to repair.

    A bare expat parser (namespace-aware, as ElementTree's) checks the same rules several
    times faster than ET.fromstring, which also builds a tree of the whole sheet. With a
    DOCTYPE, which a valid package never has, expat leaves undeclared entities to its
    handlers, so such a part goes through ElementTree, which rejects them.
    """
    error = _parse_error(xml)
    if error is None:
        return
    if _parse_error(original) is not None:  # the patch only passed on what it found
        raise KBError(f"corrupt worksheet XML in {part}: {_parse_error(original)}")
    raise KBError(f"internal error: patched {part} is not well-formed XML ({error})")


def patch_workbook(
    src, dst, writes: Writes, *, overwrite_formulas: bool = False, wrap: bool = False
) -> list[str]:
    """Copy `src` to `dst` with the given cells set to text; returns the zip members that changed.

    `writes` maps sheet name -> {CellRef(7, 4) or "D7": "text"}. Text is stored as an inline string
    (never a formula); an empty string clears the cell's value. The output is written
    to a temporary file next to `dst` and moved into place, so a failure leaves no
    `dst` behind (and an existing `dst` untouched).
    """
    check_destination(src, dst)
    normalized = _normalize_writes(writes)
    with Package(src) as package:
        patch = WorkbookPatch(package, overwrite_formulas=overwrite_formulas, wrap=wrap)
        patch._add_normalized(normalized)
        return patch.write(dst)


def _write_atomically(dst: Path, write) -> None:
    try:
        with atomic_path(dst) as tmp, open(tmp, "w+b") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise KBError(f"could not write {dst.name}: {exc}") from None


def check_patchable(package: Package, sheet_names: list[str]) -> None:
    """Refuse, as kb fill would before it writes a cell, a sheet whose part the patcher cannot
    rewrite (an encoding other than UTF-8, no <sheetData>); kb inspect asks the same, so that
    it never shows a table kb fill then refuses."""
    for name in sheet_names:
        sheet = package.sheet(name)
        if sheet is None or sheet.kind != "worksheet" or not package.has(sheet.part):
            raise KBError(f"{package.name}: sheet {name!r} is not a worksheet that can be filled")
        try:
            _find_sheet_data(_decode_part(package.read(sheet.part)))
        except KBError as exc:
            raise KBError(f"{package.name}: sheet {name!r}: {exc}") from None
