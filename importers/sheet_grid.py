"""A worksheet as a grid: its cells (cached value and whether a formula), merged ranges
and list validations, x14 extension ones included, with their dropdown options resolved.

Streamed from the part with ElementTree rather than read through openpyxl, because:

* openpyxl cannot see x14 extension data validations, which is where real HECVAT
  files keep their answer dropdowns;
* detection needs both a cell's cached value *and* whether it holds a formula
  (HECVAT question texts are VLOOKUP formulas, analyst sheets pull answers in by
  formula) - openpyxl only gives one of the two per load;
* streaming the XML lets the cell limit be enforced before anything large is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple
from xml.etree import ElementTree as ET

from importers.ooxml import (
    MAX_ROW,
    CellRange,
    Package,
    SheetRef,
    local_name,
    parse_cell_ref,
    parse_range,
    parse_row_number,
    parse_sqref,
    split_sheet_range,
    string_item_text,
    unescape_ooxml,
)
from importers.ooxml.empty_rows import EmptyRows, split_empty_rows
from kb.errors import KBError
from kb.i18n import _

# Cells read over all candidate question sheets of a workbook: real check sheets hold
# tens of thousands; a million bounds the memory and time of a crafted one.
MAX_SHEET_CELLS = 1_000_000
# XML elements of one worksheet part given to the parser (runs of empty rows are stepped
# over without one, importers.ooxml.empty_rows): real check sheets have up to ~400,000
# (SCF 2022.3: 401k; HECVAT 4.1.4: 215k). Each costs the parser and this module a
# microsecond or two, so this bounds reading any accepted part to seconds.
MAX_SHEET_ELEMENTS = 4_000_000
_DIGITS = "0123456789"


def _format_number(raw: str) -> str:
    """Show numbers as Excel's General format does: 15 significant digits ('5.0999999999999996' -> '5.1')."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


# --- sheet grid -------------------------------------------------------------------


class Cell(NamedTuple):
    # A named tuple rather than a dataclass: one is built per non-empty cell, and
    # tuple construction is several times cheaper than a frozen dataclass __init__.
    text: str  # stripped cached value
    formula: bool


@dataclass
class ConditionalFormat:
    """A conditional format's expression rules over its ranges: how a sheet marks rows
    that another answer makes optional (HECVAT: `$C$26="No"` over the HIPAA rows)."""

    ranges: list[CellRange]
    formulas: list[str]


@dataclass
class ListValidation:
    ranges: list[CellRange]
    formula: str
    options: list[str] = field(default_factory=list)


# Validations covering more cells than this are scanned rather than indexed cell by cell.
_INDEXED_RANGE_AREA = 10_000


@dataclass
class SheetGrid:
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    validations: list[ListValidation] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)
    # The text of IF(...) formulas only: a row's formula may test another row's answer
    # (HECVAT 4.1.4's guidance: IF($C$19="No", "…does not apply…", …)); other formulas
    # are only flagged in Cell.formula.
    if_formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    max_row: int = 0
    cell_count: int = 0
    _row_index: dict[int, list[int]] | None = field(default=None, repr=False)
    _merge_index: dict[int, list[CellRange]] | None = field(default=None, repr=False)
    _validation_index: dict[tuple[int, int], int] | None = field(default=None, repr=False)
    _large_validations: list[tuple[int, ListValidation]] = field(default_factory=list, repr=False)

    def columns_in_row(self, row: int) -> list[int]:
        if self._row_index is None:
            index: dict[int, list[int]] = {}
            for r, c in sorted(self.cells):
                index.setdefault(r, []).append(c)
            self._row_index = index
        return self._row_index.get(row, [])

    def text(self, row: int, col: int) -> str:
        cell = self.cells.get((row, col))
        return cell.text if cell else ""

    def is_formula(self, row: int, col: int) -> bool:
        cell = self.cells.get((row, col))
        return bool(cell and cell.formula)

    def merges_in_row(self, row: int) -> list[CellRange]:
        if self._merge_index is None:
            index: dict[int, list[CellRange]] = {}
            for merge in self.merges:
                for r in range(merge.min_row, min(merge.max_row, merge.min_row + 1000) + 1):
                    index.setdefault(r, []).append(merge)
            self._merge_index = index
        return self._merge_index.get(row, [])

    def merge_at(self, row: int, col: int) -> CellRange | None:
        merges = self.merges_in_row(row)
        if not merges:  # most rows: skip building the generator below
            return None
        return next((m for m in merges if m.contains(row, col)), None)

    def label(self, row: int, col: int) -> str:
        """Cell text, or the merged range's text for any cell it covers (for header rows)."""
        text = self.text(row, col)
        if text:
            return text
        merge = self.merge_at(row, col)
        return self.text(merge.min_row, merge.min_col) if merge else ""

    def options_at(self, row: int, col: int) -> list[str] | None:
        """Options of the list validation covering the cell; None if no list validation does."""
        if self._validation_index is None:
            self._index_validations()
        first = self._validation_index.get((row, col))
        for order, validation in self._large_validations:
            if first is not None and order > first:
                break
            if any(r.contains(row, col) for r in validation.ranges):
                return validation.options
        return self.validations[first].options if first is not None else None

    def _index_validations(self) -> None:
        # Excel writes one sqref entry per cell when answer cells were validated
        # one by one; a lookup per cell over a thousand ranges made reading a
        # 1,000-question sheet quadratic. Small ranges go into a cell index
        # (first validation in document order wins), large ones are scanned.
        index: dict[tuple[int, int], int] = {}
        large: list[tuple[int, ListValidation]] = []
        for order, validation in enumerate(self.validations):
            if any(r.area > _INDEXED_RANGE_AREA for r in validation.ranges):
                large.append((order, validation))
                continue
            for r in validation.ranges:
                for row in range(r.min_row, r.max_row + 1):
                    for col in range(r.min_col, r.max_col + 1):
                        index.setdefault((row, col), order)
        self._validation_index, self._large_validations = index, large


class _TagTable(dict):
    """tag -> whatever `lookup` gives for its local name, worked out once per distinct tag.

    A part has a handful of distinct tags but one parser event per element: a dict
    hit is much cheaper than splitting the namespace off every tag again.
    """

    def __init__(self, lookup):
        super().__init__()
        self.lookup = lookup

    def __missing__(self, tag: str):
        value = self[tag] = self.lookup(local_name(tag))
        return value


class _SheetParser:
    """Stream one worksheet part into a SheetGrid (cells, merges, list validations)."""

    def __init__(self, shared: list[str], cell_budget: int | None):
        self.shared = shared
        self.cell_budget = cell_budget
        self.grid = SheetGrid()
        self.row = 0
        self.sheet_data: ET.Element | None = None
        self.names = _TagTable(lambda name: name)  # tag -> local name
        self.columns: dict[str, int] = {}  # column letters -> index, per part
        self.elements = 0  # elements parsed, against MAX_SHEET_ELEMENTS

    def parse(self, stream) -> SheetGrid:
        on_end = {
            "row": self._end_row,
            "mergeCell": self._merge_cell,
            "dataValidation": self._validation,
            "conditionalFormatting": self._conditional_format,
        }
        handlers = _TagTable(on_end.get)  # None for the many elements handled by their parent
        parser = ET.XMLPullParser(events=("start", "end"))
        for piece in split_empty_rows(stream):
            if type(piece) is EmptyRows:  # rows without cells: only their numbers count
                self.row = piece.last_row(self.row)
                continue
            parser.feed(piece)
            self._handle(parser.read_events(), handlers)
        parser.close()
        self._handle(parser.read_events(), handlers)
        return self.grid

    def _handle(self, events, handlers: _TagTable) -> None:
        for event, element in events:
            if event == "start":
                self.elements += 1
                if self.elements > MAX_SHEET_ELEMENTS:
                    raise _ElementLimitExceeded
                if self.sheet_data is None and element.tag.endswith("sheetData"):
                    self.sheet_data = element
                continue
            handler = handlers[element.tag]
            if handler is not None:
                handler(element)

    def _end_row(self, element: ET.Element) -> None:
        self._row(element)
        if self.sheet_data is not None:
            self.sheet_data.remove(element)  # keep memory flat on big sheets

    def _merge_cell(self, element: ET.Element) -> None:
        merge = parse_range(element.get("ref", ""))
        if merge:
            self.grid.merges.append(merge)

    def _row(self, element: ET.Element) -> None:
        """Cells are read when their row is complete; r attributes are optional in OOXML."""
        # The hottest loop of reading: attribute look-ups are hoisted into locals.
        names, grid, budget = self.names, self.grid, self.cell_budget
        number = parse_row_number(element.get("r") or "")
        self.row = row = number if number else self.row + 1  # r="0" follows on, as in the patcher
        col = 0
        # Most <c> elements are styled-only empty cells (HECVAT: 9 in 10). Their column
        # matters only if a later cell has no usable r and so follows on from them.
        skipped: list[ET.Element] = []
        for cell in element:
            if names[cell.tag] != "c":
                continue
            grid.cell_count += 1
            if budget is not None and grid.cell_count > budget:
                raise _CellLimitExceeded
            if not len(cell):  # <c r="C4" s="2"/>: no value and no formula
                skipped.append(cell)
                continue
            found = self._column(cell.get("r", ""))
            if found is None:
                for empty in skipped:
                    col = self._column(empty.get("r", "")) or col + 1
                found = col + 1
            col = found
            skipped.clear()
            text, formula = self._cell_content(cell)
            if text or formula is not None:
                grid.cells[(row, col)] = Cell(text.strip(), formula is not None)
                if formula and formula.startswith("IF("):
                    grid.if_formulas[(row, col)] = formula
                if row > grid.max_row:
                    grid.max_row = row

    def _column(self, ref: str) -> int | None:
        """Column of a cell from its r attribute, as parse_cell_ref reads it; None if unusable."""
        # Fast path for the plain 'C4' of nearly every cell: a dict hit on letters
        # already seen in this part, instead of a regex match and column_index().
        letters = ref.rstrip(_DIGITS)
        col = self.columns.get(letters)
        if col is not None:
            digits = ref[len(letters) :]
            if digits and digits[0] != "0" and (len(digits) < 7 or int(digits) <= MAX_ROW):
                return col
        position = parse_cell_ref(ref)
        if position is None:
            return None
        if letters.isalpha() and letters.isascii():  # '$C$4', ' C4' keep taking the slow path
            self.columns[letters] = position.col
        return position.col

    def _cell_content(self, cell: ET.Element) -> tuple[str, str | None]:
        """(cached value as text, the formula's text or None) of a <c> element that has
        children; a shared formula's followers have an empty formula text."""
        value = inline = None
        formula = None
        for child in cell:  # a repeated child: the last one wins
            name = self.names[child.tag]
            if name == "v":
                value = child
            elif name == "f":
                formula = (child.text or "").strip()
            elif name == "is":
                inline = child
        return _cell_value(cell.get("t", "n"), value, inline, self.shared), formula

    def _conditional_format(self, element: ET.Element) -> None:
        """<conditionalFormatting sqref> with <cfRule><formula>, or x14's <xm:sqref> and <xm:f>."""
        sqref = element.get("sqref") or ""
        formulas = []
        for child in element:
            name = local_name(child.tag)
            if name == "sqref":
                sqref = child.text or ""
            elif name == "cfRule" and child.get("type") == "expression":
                formulas += [
                    "".join(f.itertext()).strip() for f in child if local_name(f.tag) in ("formula", "f")
                ]
        ranges = parse_sqref(sqref)
        if ranges and formulas:
            self.grid.conditional_formats.append(ConditionalFormat(ranges, formulas))

    def _validation(self, element: ET.Element) -> None:
        if element.get("type") != "list":
            return
        sqref = element.get("sqref") or ""
        formula = ""
        for child in element:
            name = local_name(child.tag)
            if name == "sqref":  # x14: <xm:sqref> child instead of an attribute
                sqref = child.text or ""
            elif name == "formula1":  # x14: <x14:formula1><xm:f>...</xm:f>
                formula = "".join(child.itertext()).strip()
        ranges = parse_sqref(sqref)
        if ranges and formula:
            self.grid.validations.append(ListValidation(ranges, formula))


class _CellLimitExceeded(Exception):
    pass


class _ElementLimitExceeded(Exception):
    pass


def _cell_value(
    cell_type: str, value: ET.Element | None, inline: ET.Element | None, shared: list[str]
) -> str:
    """Cell text from the t attribute and the <v> / <is> children."""
    if cell_type == "inlineStr":
        return string_item_text(inline) if inline is not None else ""
    raw = (value.text or "") if value is not None else ""
    if not raw:
        return ""
    if cell_type == "s":
        index = int(raw) if raw.isascii() and raw.isdigit() else -1
        return shared[index] if 0 <= index < len(shared) else ""
    if cell_type == "e":  # #N/A, #REF! ... carry no usable text
        return ""
    if cell_type == "b":
        return "TRUE" if raw == "1" else "FALSE"
    if cell_type in ("str", "d"):
        return unescape_ooxml(raw)
    return _format_number(raw)


# --- the grids of a workbook ----------------------------------------------------------


class WorkbookGrids:
    """The sheet grids of one open package, each parsed once when first asked for, and
    the dropdown options of their list validations (inline lists, ranges, defined names)."""

    def __init__(self, package: Package):
        self.package = package
        # Read up front, in this order, so that a broken workbook fails the same way every time.
        self.sheets = package.sheets
        self.names = package.defined_names
        self.shared = package.shared_strings
        self._grids: dict[str, SheetGrid] = {}
        self.cells_read = 0

    def sheet(self, name: str) -> SheetRef | None:
        return self.package.sheet(name)

    def grid(self, sheet: SheetRef, *, counted: bool = False) -> SheetGrid:
        """Parse a worksheet once; `counted` sheets count towards the cell limit."""
        if sheet.name in self._grids:
            return self._grids[sheet.name]
        if not self.package.has(sheet.part):
            raise KBError(
                _("{name}: workbook part missing: {part}").format(
                    name=self.package.name, part=sheet.part or sheet.name
                )
            )
        budget = MAX_SHEET_CELLS - self.cells_read if counted else MAX_SHEET_CELLS
        try:
            with self.package.reading(sheet.part) as stream:
                grid = _SheetParser(self.shared, budget).parse(stream)
        except _CellLimitExceeded:
            raise KBError(
                _(
                    "{name}: more than {limit:,} cells in the question sheets; use --sheet to pick the sheet to read"
                ).format(name=self.package.name, limit=MAX_SHEET_CELLS)
            ) from None
        except _ElementLimitExceeded:
            raise KBError(
                _(
                    "{name}: sheet {sheet!r} has more than {limit:,} XML elements besides empty rows: not a check sheet kb reads"
                ).format(name=self.package.name, sheet=sheet.name, limit=MAX_SHEET_ELEMENTS)
            ) from None
        if counted:
            self.cells_read += grid.cell_count
        self._grids[sheet.name] = grid
        return grid

    # -- dropdown options --

    def resolve_options(self, sheet: SheetRef, grid: SheetGrid) -> None:
        for validation in grid.validations:
            validation.options = self._list_options(sheet, validation.formula)

    def _list_options(self, sheet: SheetRef, formula: str, depth: int = 0) -> list[str]:
        formula = formula.strip().lstrip("=").strip()
        if formula.startswith('"'):
            return _inline_list(formula)
        target = split_sheet_range(formula)
        if target is not None:
            sheet_name, ref = target
            return self._range_values(sheet_name or sheet.name, ref)
        name = self._defined_name(formula, sheet.index)
        if name is not None and depth < 5:
            return self._list_options(sheet, name, depth + 1)
        return []  # INDIRECT(...), OFFSET(...), #REF! ...: not resolvable statically

    def _defined_name(self, name: str, sheet_index: int) -> str | None:
        matches = [n for n in self.names if n.name.lower() == name.lower()]
        local = next((n for n in matches if n.local_sheet == sheet_index), None)
        chosen = local or next((n for n in matches if n.local_sheet is None), None)
        return chosen.formula if chosen else None

    def _range_values(self, sheet_name: str, ref: str) -> list[str]:
        source = self.sheet(sheet_name)
        area = parse_range(ref)
        if source is None or source.kind != "worksheet" or area is None:
            return []
        grid = self.grid(source)
        values = []
        last_row = min(area.max_row, grid.max_row)
        for row in range(area.min_row, last_row + 1):
            for col in range(area.min_col, min(area.max_col, area.min_col + 50) + 1):
                text = grid.text(row, col)
                if text and text not in values:
                    values.append(text)
        return values


def _inline_list(formula: str) -> list[str]:
    """'"a,b,c"' -> ['a', 'b', 'c'] (Excel inline lists cannot escape commas)."""
    body = formula[1:-1] if formula.endswith('"') and len(formula) > 1 else formula[1:]
    body = body.replace('""', '"')
    return [item.strip() for item in body.split(",") if item.strip()]
