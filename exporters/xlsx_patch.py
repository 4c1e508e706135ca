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
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

from exporters import sheet_rows
from exporters.sheet_rows import HeadTag, RowKey
from exporters.xlsx_xml import ATTRS as _ATTRS
from exporters.xlsx_xml import Element as _Element
from exporters.xlsx_xml import attr as _attr
from exporters.xlsx_xml import iter_children as _iter_children
from exporters.xlsx_xml import positioned as _positioned
from exporters.xlsx_xml import set_attr as _set_attr
from exporters.xlsx_xml import start_tag_pattern as _start_tag_pattern
from exporters.xlsx_xml import unclosed
from importers.ooxml import (
    MAX_COLUMN,
    CellRef,
    Package,
    SheetRef,
    check_destination,
    column_letters,
    parse_cell_ref,
    parse_range,
    write_copy,
)
from kb.errors import KBError
from kb.files import atomic_path
from kb.i18n import _, pgettext

MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F):
# the complement of its Char production, spelled out because compiling the negated
# class is slow enough to notice at every start (tests/exporters/test_xlsx_patch.py
# checks they agree).
_ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads a literal "_x0041_" as the escape for "A": escape the underscore (_x005F_).
_OOXML_ESCAPE_LOOKALIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
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


def _find_sheet_data(text: str) -> tuple[str, _Element]:
    """(namespace prefix such as '' or 'x:', the <sheetData> element)."""
    match = re.search(rf"<([A-Za-z_][\w.-]*:)?sheetData(?=[\s/>]){_ATTRS}(/?)>", text)
    if not match:
        raise KBError(_("corrupt worksheet XML: no <sheetData>"))
    prefix = match.group(1) or ""
    if match.group(3):
        return prefix, _Element(match.start(), match.end(), match.group(2), None, None)
    closing = f"</{prefix}sheetData>"
    close = text.find(closing, match.end())
    if close < 0:
        raise KBError(unclosed("sheetData"))
    return prefix, _Element(match.start(), close + len(closing), match.group(2), match.end(), close)


def _cell_column(ref: str) -> int | None:
    cell = parse_cell_ref(ref)
    return cell.col if cell else None


# --- cells -------------------------------------------------------------------------------


class _FormulaRefused(Exception):
    """A write to a formula cell, refused: ``kind`` is None for any formula (overwrite_formulas
    off), else the kind of formula other cells depend on (array, shared)."""

    def __init__(self, ref: str, kind: str | None = None):
        super().__init__(ref)
        self.ref, self.kind = ref, kind

    def message(self, sheet: str) -> str:
        if self.kind is None:
            return _(
                "cell {sheet}!{ref} holds a formula, not overwriting it; it is computed by the workbook"
            ).format(sheet=sheet, ref=self.ref)
        kinds = {"array": pgettext("formula kind", "array"), "shared": pgettext("formula kind", "shared")}
        return _(
            "cell {sheet}!{ref} holds a {kind} formula that other cells depend on, not overwriting it"
        ).format(sheet=sheet, ref=self.ref, kind=kinds.get(self.kind, self.kind))


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
            raise _FormulaRefused(ref)
        if kind == "array" or (kind == "shared" and _attr(formula.group(1), "ref")):
            raise _FormulaRefused(ref, kind)
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
            _col, value = pending.pop(0)
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


def _widened_dimension(tag: HeadTag | None, targets: list[tuple[int, int]]) -> str | None:
    """The <dimension> tag with its ref widened over the new cells, None if they lie inside it."""
    ref = _attr(tag.attrs, "ref") if tag else None
    area = parse_range(ref) if ref else None
    if not area:
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
    return _set_attr(tag.tag, "ref", new_ref)


def patch_sheet_xml(
    xml: bytes, values: dict[tuple[int, int], str], *, overwrite_formulas: bool = False
) -> tuple[bytes, list[str]]:
    """Patch cells {(row, col): text} of one worksheet part; returns (new bytes, refs whose formula was removed).

    Text must already be sanitised (see sanitize_cell_text). Raises _FormulaRefused.
    """
    patch = _SheetPatch(lambda: io.BytesIO(xml), overwrite_formulas)
    patch.add(values)
    plan = patch.plan()
    if not plan.changed:
        return xml, []
    out = io.BytesIO()
    patch.write_to(out, plan, check=False)
    return out.getvalue(), plan.removed


# A worksheet part to read, opened afresh for each pass over it.
Source = Callable[[], AbstractContextManager[IO[bytes]]]

# Styled <col> entries kept: a sheet has at most one per column; more is a crafted file.
_MAX_COLUMN_STYLES = MAX_COLUMN


@dataclass
class _SheetIndex:
    """What one pass over a part finds for the rows to write (nothing else is kept)."""

    rows: frozenset[int]  # the rows looked for
    rows: frozenset[int]  # the rows looked for
    prefix: str
    column_styles: list[tuple[int, int, str]]
    dimension: HeadTag | None  # the first <dimension> before <sheetData>
    final: dict[int, RowKey]  # written row -> the key of its last occurrence (the one that counts)
    found: dict[int, sheet_rows.Row]  # written row -> that occurrence's XML
    opened: frozenset[int]  # runs of empty rows holding a written row, read row by row


@dataclass
class _Plan:
    changed: bool  # False: the part is copied as it is
    patched: dict[int, str]  # existing row -> its new XML
    new_rows: list[int]  # rows to add, ascending
    dimension: str | None  # the widened <dimension> tag
    removed: list[str]  # refs whose formula was removed


def _index(source: Source, rows: set[int]) -> _SheetIndex:
    """Pass 1 (and 1b when a written row lies in a run of empty rows): where each written row is."""
    head: list[HeadTag] = []
    final: dict[int, RowKey] = {}
    found: dict[int, sheet_rows.Row] = {}
    wanted = sorted(rows)
    prefix = ""
    with source() as stream:
        for token in sheet_rows.tokens(sheet_rows.decoded(stream), wanted=lambda n, _: n in rows):
            if type(token) is sheet_rows.Row:
                final[token.number] = token.key
                found[token.number] = token
            elif type(token) is sheet_rows.RunAt:
                low, high = sorted((token.first, token.last))
                for number in wanted[bisect.bisect_left(wanted, low) : bisect.bisect_right(wanted, high)]:
                    final[number] = ("run", token.ordinal)  # taken to lie in it, as Excel orders rows
                    found.pop(number, None)
            elif type(token) is sheet_rows.HeadTag and len(head) < _MAX_COLUMN_STYLES:
                head.append(token)
            elif type(token) is sheet_rows.SheetDataStart:
                prefix = token.prefix
    opened = frozenset(key[1] for key in final.values() if len(key) == 2 and key[0] == "run")
    if opened:
        in_runs = {number for number, key in final.items() if len(key) == 2 and key[0] == "run"}
        with source() as stream:
            for token in sheet_rows.tokens(
                sheet_rows.decoded(stream),
                wanted=lambda n, key: key[0] == "run" and n in in_runs and final[n][:2] == key[:2],
                open_run=opened.__contains__,
            ):
                if type(token) is sheet_rows.Row:
                    final[token.number] = token.key  # the last row of that number in the run
                    found[token.number] = token
        for number in in_runs - found.keys():  # no row of the run has that number after all
            del final[number]
    column_styles = []
    for tag in head:
        if tag.prefix == prefix and tag.name == "col":
            low, high, style = (_attr(tag.attrs, name) for name in ("min", "max", "style"))
            if low and high and style and low.isdigit() and high.isdigit():
                column_styles.append((int(low), int(high), style))
    dimension = next((tag for tag in head if tag.prefix == prefix and tag.name == "dimension"), None)
    return _SheetIndex(frozenset(rows), prefix, column_styles, dimension, final, found, opened)


class _SheetPatch:
    """One worksheet part's writes. ``add`` takes values as they come (a cell written again
    takes the later text) and reads nothing; ``plan`` reads the part once to find the rows
    to write and rewrites them; ``write_to`` streams the patched part out, copying all
    else as it is. Memory: a chunk, and the written rows' text (exporters.sheet_rows).

    kb fill --wrap calls restyle() once every write is in: the wrapped styles are handed
    out only when every written cell is known, in style order, so that the same fill
    writes the same bytes whatever order its answers came in."""

    def __init__(self, source: Source, overwrite_formulas: bool):
        self.source = source
        self.overwrite_formulas = overwrite_formulas
        self.values: dict[tuple[int, int], str] = {}
        self.by_row: dict[int, dict[int, str]] = {}  # {row: {column: text escaped for XML}}
        self._escaped: dict[str, str] = {}  # answers repeat ('はい' on every row): escape each once
        self._index: _SheetIndex | None = None
        self.restyler: Restyle | None = None
        self.grow_rows = False

    def add(self, values: dict[tuple[int, int], str]) -> None:
        for (row, col), value in values.items():
            if value not in self._escaped:
                self._escaped[value] = _xml_text(value)
            self.values[(row, col)] = value
            self.by_row.setdefault(row, {})[col] = self._escaped[value]
        if self._index is not None and not self.by_row.keys() <= self._index.rows:
            self._index = None  # a row the pass did not look for

    def index(self) -> _SheetIndex:
        if self._index is None:
            self._index = _index(self.source, set(self.by_row))
        return self._index

    def _context(self, text: str = "") -> _SheetContext:
        index = self.index()
        return _SheetContext(
            text, index.prefix, index.column_styles, self.overwrite_formulas, self.restyler, self.grow_rows
        )

    def styles_used(self) -> set[str | None]:
        """The s attribute (None: none) of every cell written, as the patch finds or makes them."""
        used: set[str | None] = set()

        def record(style: str | None) -> str | None:
            used.add(style)
            return style

        index = self.index()
        ctx = replace(self._context(), restyle=record)
        for row, values in self.by_row.items():
            if row in index.found:
                found = index.found[row]
                _patch_row(replace(ctx, text=found.xml), found.element, row, values)
            else:
                used.update(_default_style(ctx, None, col) for col in values)
        return used

    def restyle(self, restyle: Restyle) -> None:
        """Give written cells the styles ``restyle`` says and let their rows grow (wrap)."""
        self.restyler, self.grow_rows = restyle, True

    def plan(self) -> _Plan:
        """The rows' new XML (raises _FormulaRefused), and whether the part changes at all."""
        index = self.index()
        ctx = self._context()
        patched, removed, changed = {}, [], False
        for row in sorted(self.by_row):
            found = index.found.get(row)
            if found is None:
                continue
            xml, formulas = _patch_row(replace(ctx, text=found.xml), found.element, row, self.by_row[row])
            patched[row] = xml
            removed.extend(formulas)
            changed = changed or xml != found.xml
        new_rows = sorted(set(self.by_row) - patched.keys())
        dimension = _widened_dimension(index.dimension, list(self.values))
        changed = changed or bool(new_rows) or dimension is not None
        return _Plan(changed, patched, new_rows, dimension, removed)

    def write_to(self, out: IO[bytes], plan: _Plan, *, check: bool = True) -> None:
        """Pass 2: the patched part into ``out``, checked for well-formedness as it is written
        (raises _NotWellFormed) unless ``check`` is False."""
        index, ctx, by_row = self.index(), self._context(), self.by_row
        sink = _Sink(out, check)
        pending = plan.new_rows
        next_new = 0  # pending[next_new:] are still to write

        def new_rows_before(number: int | None) -> None:
            nonlocal next_new
            while next_new < len(pending) and (number is None or pending[next_new] < number):
                sink.write(_new_row(ctx, pending[next_new], by_row[pending[next_new]]))
                next_new += 1

        dimension_seen = False
        final, opened = index.final, index.opened
        with self.source() as stream:
            for token in sheet_rows.tokens(
                sheet_rows.decoded(stream),
                wanted=lambda n, key: final.get(n) == key,
                open_run=opened.__contains__,
            ):
                kind = type(token)
                if kind is sheet_rows.Text:
                    sink.write(token.text)
                elif kind is sheet_rows.RowAt:
                    new_rows_before(token.number)
                elif kind is sheet_rows.Row:
                    sink.write(plan.patched[token.number])
                elif kind is sheet_rows.RunAt:
                    if token.ordinal not in opened:  # numbered as its last row, as a row would be
                        new_rows_before(token.last)
                elif kind is sheet_rows.HeadTag:
                    is_dimension = token.name == "dimension" and token.prefix == index.prefix
                    first = is_dimension and not dimension_seen
                    dimension_seen = dimension_seen or is_dimension
                    sink.write(plan.dimension if first and plan.dimension else token.tag)
                elif kind is sheet_rows.SheetDataStart:
                    if token.self_closing and pending:
                        sink.write(re.sub(r"\s*/>$", ">", token.tag))
                        new_rows_before(None)
                        sink.write(f"</{index.prefix}sheetData>")
                    else:
                        sink.write(token.tag)
                elif kind is sheet_rows.SheetDataEnd:
                    new_rows_before(None)
                    sink.write(token.tag)
        sink.close()


class _NotWellFormed(Exception):
    pass


class _Sink:
    """Encodes what the patch writes, about a chunk at a time, into ``out`` and through a
    streaming expat parser: the check reads each byte once and holds no tree."""

    def __init__(self, out: IO[bytes], check: bool):
        self.out = out
        self.parser = _checking_parser() if check else None
        self.pieces: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= sheet_rows.CHUNK_BYTES:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        data = "".join(self.pieces).encode("utf-8")
        self.pieces, self.size = [], 0
        self.out.write(data)
        if self.parser is not None:
            try:
                self.parser.Parse(data, final)
            except expat.ExpatError as exc:
                raise _NotWellFormed(exc) from None

    def close(self) -> None:
        self._flush(final=True)


def _refuse_entity(name, *_args):
    raise expat.ExpatError(f"undefined entity &{name};")


def _checking_parser():
    """A bare expat parser (namespace-aware, as ElementTree's), several times faster than
    ElementTree, which builds a tree. Entities that no DTD declares, which expat leaves to
    handlers when a DOCTYPE has an external subset, are errors, as ElementTree makes them;
    external entities are never read."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SkippedEntityHandler = _refuse_entity
    parser.ExternalEntityRefHandler = lambda *_args: 0  # 0: an error, nothing fetched
    return parser


def _stream_error(source: Source) -> Exception | None:
    """The original part's own XML error, read as a stream, or None."""
    parser = _checking_parser()
    try:
        with source() as stream:
            while data := stream.read(sheet_rows.CHUNK_BYTES):
                parser.Parse(data, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        return exc
    return None


def _decode_part(xml: bytes) -> str:
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise KBError(_("unsupported worksheet encoding (UTF-16); save the workbook again in Excel"))
    try:
        return xml.decode("utf-8")  # a UTF-8 BOM survives as U+FEFF and is written back
    except UnicodeDecodeError:
        raise KBError(_("corrupt worksheet XML: not UTF-8")) from None


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
                    _(
                        "bad cell reference {ref!r} for sheet {sheet!r}: use A1-style references like D7"
                    ).format(ref=ref, sheet=sheet)
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
        self.patches: dict[str, tuple[SheetRef, _SheetPatch]] = {}  # sheet name -> (sheet, its patch)

    @property
    def cells(self) -> int:
        """Distinct cells written so far."""
        return sum(len(patch.values) for _, patch in self.patches.values())

    def add(self, writes: Writes) -> None:
        """Writes as patch_workbook takes them; a cell written again takes the later text."""
        self._add_normalized(_normalize_writes(writes))

    def _add_normalized(self, writes: dict[str, dict[CellRef, str]]) -> None:
        for name, values in writes.items():
            sheet = self.sheets.get(name)
            if sheet is None:
                known = ", ".join(map(repr, self.sheets))
                raise KBError(
                    _("no sheet named {sheet!r} in the workbook (sheets: {sheets})").format(
                        sheet=name, sheets=known
                    )
                )
            if sheet.kind != "worksheet" or not self.package.has(sheet.part):
                raise KBError(_("sheet {sheet!r} is not a worksheet that can be filled").format(sheet=name))
            if not values:
                continue
            if name not in self.patches:
                source = functools.partial(self.package.reading, sheet.part)
                self.patches[name] = (sheet, _SheetPatch(source, self.overwrite_formulas))
            self.patches[name][1].add(values)

    def write(self, dst) -> list[str]:
        """Write the patched copy to ``dst`` (atomically); returns the zip members that changed.

        Each patched sheet is read twice, as a stream: once to find the rows to write, once
        as it is written out (and checked), so that memory follows the rows written."""
        dst = Path(dst)
        check_destination(self.package.path, dst)
        replaced: dict[str, bytes | Callable[[IO[bytes]], None]] = {}
        if self.wrap:
            replaced.update(self._wrap())
        removed_formulas: dict[str, set[str]] = {}  # sheetId -> refs
        for name, (sheet, patch) in self.patches.items():
            try:
                plan = patch.plan()
            except _FormulaRefused as refused:
                raise KBError(refused.message(name)) from None
            if plan.changed:
                replaced[sheet.part] = functools.partial(_write_checked, patch, plan, sheet.part)
            if plan.removed:
                removed_formulas.setdefault(sheet.sheet_id, set()).update(plan.removed)
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
            for _sheet, patch in self.patches.values():
                patch.restyle(lambda style: style)
            return {}
        used = set().union(*(patch.styles_used() for _, patch in self.patches.values()))
        wrapped = styles.wrap_all(_style_index(style) for style in used)
        for _sheet, patch in self.patches.values():
            patch.restyle(lambda style: _wrapped_style(style, wrapped))
        self.styles_added = len(styles.added)
        xml = styles.xml()
        if xml is None:
            return {}
        _check_well_formed(xml, part, original)
        return {part: xml}


def _write_checked(patch: _SheetPatch, plan: _Plan, part: str, out: IO[bytes]) -> None:
    """The patched part into the new zip's member stream; a part Excel would have to repair
    stops the write (the copy is then never moved into place)."""
    try:
        patch.write_to(out, plan)
    except _NotWellFormed as error:
        original = _stream_error(patch.source)
        if original is not None:  # the patch only passed on what it found
            raise KBError(_corrupt_in(part, original)) from None
        raise KBError(_not_well_formed(part, error)) from None


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
        raise KBError(_corrupt_in(part, _parse_error(original)))
    raise KBError(_not_well_formed(part, error))


def _corrupt_in(part: str, error: Exception | None) -> str:
    return _("corrupt worksheet XML in {part}: {error}").format(part=part, error=error)


def _not_well_formed(part: str, error: Exception) -> str:
    return _("internal error: patched {part} is not well-formed XML ({error})").format(part=part, error=error)


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
        raise KBError(_("could not write {name}: {error}").format(name=dst.name, error=exc)) from None


def check_patchable(package: Package, sheet_names: list[str]) -> None:
    """Refuse, as kb fill would before it writes a cell, a sheet whose part the patcher cannot
    rewrite (an encoding other than UTF-8, no <sheetData>); kb inspect asks the same, so that
    it never shows a table kb fill then refuses. The part is read as a stream."""
    for name in sheet_names:
        sheet = package.sheet(name)
        if sheet is None or sheet.kind != "worksheet" or not package.has(sheet.part):
            raise KBError(
                _("{name}: sheet {sheet!r} is not a worksheet that can be filled").format(
                    name=package.name, sheet=name
                )
            )
        try:
            with package.reading(sheet.part) as stream:
                for _token in sheet_rows.tokens(sheet_rows.decoded(stream), rows=False):
                    pass
        except KBError as exc:
            raise KBError(
                _("{name}: sheet {sheet!r}: {error}").format(name=package.name, sheet=name, error=exc)
            ) from None
