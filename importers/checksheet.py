"""Read customers' Excel check sheets: find the question table on each sheet.

The workbook is read straight from its XML parts (zipfile + the stdlib XML parser)
instead of through openpyxl, because:

* openpyxl cannot see x14 extension data validations, which is where real HECVAT
  files keep their answer dropdowns;
* detection needs both a cell's cached value *and* whether it holds a formula
  (HECVAT question texts are VLOOKUP formulas, analyst sheets pull answers in by
  formula) - openpyxl only gives one of the two per load;
* streaming the XML lets the size and cell limits be enforced before anything
  large is built in memory.

Detection is generic: header rows are found by scoring header words, missing
columns are inferred from the data below the header (long texts = questions,
short ID-like values = numbers, dropdown coverage = choice column).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree as ET

from kb.errors import KBError

# --- limits -------------------------------------------------------------------

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024  # zip bomb guard (declared sizes)
MAX_ZIP_MEMBERS = 10_000
MAX_SHEET_CELLS = 1_000_000  # over all candidate question sheets
HEADER_SCAN_ROWS = 300  # header rows are looked for in the first N rows
DATA_SAMPLE_ROWS = 300  # rows below a header used to infer columns

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and encrypted .xlsx

# --- public data ----------------------------------------------------------------


@dataclass
class Question:
    sheet: str
    row: int  # 1-based Excel row
    number: str | None  # "1-1", "A&A-01.1", "COMP-01", "HLAP-01" ...
    text: str
    answer_cell: str | None  # the choice (dropdown) cell if any, else the free-text answer cell
    comment_cell: str | None  # free-text/補足 cell, if a separate column exists
    reference_cell: str | None
    options: list[str]  # dropdown options of answer_cell (empty if none)
    existing_answer: str | None
    existing_comment: str | None


@dataclass
class SheetTable:
    sheet: str
    header_row: int  # last header row (1-based); 0 if no header row was found
    question_col: str  # letters
    answer_col: str | None
    comment_col: str | None
    reference_col: str | None
    number_col: str | None
    questions: list[Question]


# --- cell references ---------------------------------------------------------------

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")
_DIGITS = "0123456789"
MAX_COLUMN = 16384
MAX_ROW = 1_048_576


def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index


def column_letters(index: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_cell_ref(ref: str) -> tuple[int, int] | None:
    """'D7' / '$D$7' -> (row 7, column 4); None if it is not a cell reference."""
    match = _CELL_REF.match(ref.strip())
    if not match:
        return None
    row, col = int(match.group(2)), column_index(match.group(1))
    if row > MAX_ROW or col > MAX_COLUMN:
        return None
    return row, col


@dataclass(frozen=True)
class CellRange:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def contains(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


_WHOLE_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})$")
_WHOLE_ROW = re.compile(r"^\$?(\d+)$")


def parse_range(ref: str) -> CellRange | None:
    """'A1:C3', 'B2', 'A:A' (whole column) or '3:3' (whole row) -> CellRange."""
    first, colon, last = ref.strip().partition(":")
    if not colon:  # a single cell: the common case (one sqref entry per validated cell)
        cell = parse_cell_ref(first)
        return CellRange(cell[0], cell[1], cell[0], cell[1]) if cell else None
    last = last or first  # 'A1:' reads as 'A1:A1'
    # Only with the colon: without it 'yes' would be column YES, not a name.
    whole = _WHOLE_COLUMN.match(first), _WHOLE_COLUMN.match(last)
    if whole[0] and whole[1]:
        cols = sorted((column_index(whole[0].group(1)), column_index(whole[1].group(1))))
        return CellRange(1, cols[0], MAX_ROW, cols[1])
    rows = _WHOLE_ROW.match(first), _WHOLE_ROW.match(last)
    if rows[0] and rows[1]:
        low, high = sorted((int(rows[0].group(1)), int(rows[1].group(1))))
        return CellRange(low, 1, high, MAX_COLUMN)
    start, end = parse_cell_ref(first), parse_cell_ref(last)
    if not start or not end:
        return None
    return CellRange(
        min(start[0], end[0]), min(start[1], end[1]), max(start[0], end[0]), max(start[1], end[1])
    )


def parse_sqref(sqref: str) -> list[CellRange]:
    """Space-separated list of ranges, as used by data validations."""
    return [r for r in (parse_range(part) for part in sqref.split()) if r]


# --- zip / workbook access ---------------------------------------------------------


def _local(tag: str) -> str:
    """Element name without namespace: works for transitional and strict OOXML alike."""
    return tag.rsplit("}", 1)[-1]


def open_workbook_zip(path: str | Path) -> zipfile.ZipFile:
    """Open an .xlsx/.xlsm as a zip after the checks that make bad input a KBError."""
    path = Path(path)
    if not path.is_file():
        raise KBError(f"workbook not found: {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise KBError(
            f"{path.name}: workbook is {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB limit"
        )
    with path.open("rb") as fh:
        magic = fh.read(len(OLE_MAGIC))
    if magic == OLE_MAGIC:
        raise KBError(f"{path.name}: encrypted or legacy .xls workbook, save it as .xlsx")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise KBError(
            f"{path.name}: not an .xlsx workbook (not a readable zip archive; corrupt or truncated?)"
        ) from None
    try:
        _check_zip_limits(zf, path.name)
    except KBError:
        zf.close()
        raise
    return zf


def _check_zip_limits(zf: zipfile.ZipFile, name: str) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise KBError(f"{name}: {len(infos)} zip members, over the {MAX_ZIP_MEMBERS} limit")
    # Declared sizes are trustworthy as a cap: zipfile never returns more bytes than
    # file_size for a member, so summing them bounds what we could decompress.
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise KBError(
            f"{name}: workbook unpacks to {total // 2**20} MB, over the "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB limit (zip bomb guard)"
        )


def read_part(zf: zipfile.ZipFile, part: str) -> bytes:
    try:
        return zf.read(part)
    except KeyError:
        raise KBError(f"{_zip_name(zf)}: workbook part missing: {part}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError):
        raise KBError(f"{_zip_name(zf)}: corrupt workbook, cannot read {part}") from None


def _zip_name(zf: zipfile.ZipFile) -> str:
    return Path(zf.filename or "workbook").name


def parse_xml_part(zf: zipfile.ZipFile, part: str) -> ET.Element:
    try:
        return ET.fromstring(read_part(zf, part))
    except ET.ParseError:
        raise KBError(f"{_zip_name(zf)}: corrupt workbook, {part} is not well-formed XML") from None


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve_target(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """rId -> (type suffix such as 'worksheet', resolved part path)."""
    rels_part = _rels_path(part)
    if rels_part not in zf.NameToInfo:
        return {}
    rels = {}
    for rel in parse_xml_part(zf, rels_part):
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        rel_type = (rel.get("Type") or "").rsplit("/", 1)[-1]
        rels[rel.get("Id", "")] = (rel_type, _resolve_target(part, rel.get("Target", "")))
    return rels


def workbook_part(zf: zipfile.ZipFile) -> str:
    for rel_type, target in _relationships(zf, "").values():
        if rel_type == "officeDocument" and target in zf.NameToInfo:
            return target
    if "xl/workbook.xml" in zf.NameToInfo:
        return "xl/workbook.xml"
    raise KBError(f"{_zip_name(zf)}: not an Excel workbook (missing xl/workbook.xml)")


def workbook_related_part(zf: zipfile.ZipFile, rel_type: str) -> str | None:
    """Part related to the workbook by type, e.g. 'sharedStrings' or 'calcChain'; None if absent."""
    for found_type, part in _relationships(zf, workbook_part(zf)).values():
        if found_type == rel_type and part in zf.NameToInfo:
            return part
    return None


@dataclass(frozen=True)
class SheetRef:
    name: str
    index: int  # position in the workbook (0-based, = definedName localSheetId)
    sheet_id: str
    state: str  # visible / hidden / veryHidden
    kind: str  # worksheet / chartsheet / dialogsheet / macrosheet ...
    part: str  # zip member, e.g. xl/worksheets/sheet1.xml


@dataclass(frozen=True)
class DefinedName:
    name: str
    local_sheet: int | None
    formula: str


def workbook_sheets(zf: zipfile.ZipFile) -> list[SheetRef]:
    """Sheets in workbook order, with their zip member resolved via workbook.xml.rels."""
    wb_part = workbook_part(zf)
    rels = _relationships(zf, wb_part)
    sheets = []
    for element in parse_xml_part(zf, wb_part).iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        kind, part = rels.get(rel_id, ("missing", ""))
        sheets.append(
            SheetRef(
                name=element.get("name", ""),
                index=len(sheets),
                sheet_id=element.get("sheetId", ""),
                state=element.get("state", "visible"),
                kind=kind,
                part=part,
            )
        )
    return sheets


def _defined_names(zf: zipfile.ZipFile) -> list[DefinedName]:
    names = []
    for element in parse_xml_part(zf, workbook_part(zf)).iter():
        if _local(element.tag) == "definedName":
            local = element.get("localSheetId")
            names.append(
                DefinedName(
                    element.get("name", ""), int(local) if local is not None else None, element.text or ""
                )
            )
    return names


# --- cell text --------------------------------------------------------------------

_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_ooxml(text: str) -> str:
    """Excel writes characters XML cannot hold as _xHHHH_ (and a literal '_x' as _x005F_x)."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _string_item_text(element: ET.Element) -> str:
    """Text of a shared/inline string: plain <t> or rich-text runs, without phonetic (<rPh>) guides."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return _unescape_ooxml("".join(parts))


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    part = workbook_related_part(zf, "sharedStrings")
    if not part:
        return []
    strings = []
    try:
        with zf.open(part) as stream:
            for _, element in ET.iterparse(stream):
                if _local(element.tag) == "si":
                    strings.append(_string_item_text(element))
                    element.clear()
    except ET.ParseError:
        raise KBError(f"{_zip_name(zf)}: corrupt workbook, {part} is not well-formed XML") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise KBError(f"{_zip_name(zf)}: corrupt workbook, cannot read {part}") from None
    return strings


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
class ListValidation:
    ranges: list[CellRange]
    formula: str
    options: list[str] = field(default_factory=list)


_INDEXED_RANGE_AREA = 10_000


def _area(r: CellRange) -> int:
    return (r.max_row - r.min_row + 1) * (r.max_col - r.min_col + 1)


@dataclass
class SheetGrid:
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[CellRange] = field(default_factory=list)
    validations: list[ListValidation] = field(default_factory=list)
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
            if any(_area(r) > _INDEXED_RANGE_AREA for r in validation.ranges):
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
        value = self[tag] = self.lookup(_local(tag))
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

    def parse(self, stream) -> SheetGrid:
        on_end = {"row": self._end_row, "mergeCell": self._merge_cell, "dataValidation": self._validation}
        handlers = _TagTable(on_end.get)  # None for the many elements handled by their parent
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if self.sheet_data is None and element.tag.endswith("sheetData"):
                    self.sheet_data = element
                continue
            handler = handlers[element.tag]
            if handler is not None:
                handler(element)
        return self.grid

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
        row_ref = element.get("r")
        self.row = row = int(row_ref) if row_ref and row_ref.isascii() and row_ref.isdigit() else self.row + 1
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
            if text or formula:
                grid.cells[(row, col)] = Cell(text.strip(), formula)
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
            self.columns[letters] = position[1]
        return position[1]

    def _cell_content(self, cell: ET.Element) -> tuple[str, bool]:
        """(cached value as text, holds a formula) of a <c> element that has children."""
        value = inline = None
        formula = False
        for child in cell:  # a repeated child: the last one wins
            name = self.names[child.tag]
            if name == "v":
                value = child
            elif name == "f":
                formula = True
            elif name == "is":
                inline = child
        return _cell_value(cell.get("t", "n"), value, inline, self.shared), formula

    def _validation(self, element: ET.Element) -> None:
        if element.get("type") != "list":
            return
        sqref = element.get("sqref") or ""
        formula = ""
        for child in element:
            name = _local(child.tag)
            if name == "sqref":  # x14: <xm:sqref> child instead of an attribute
                sqref = child.text or ""
            elif name == "formula1":  # x14: <x14:formula1><xm:f>...</xm:f>
                formula = "".join(child.itertext()).strip()
        ranges = parse_sqref(sqref)
        if ranges and formula:
            self.grid.validations.append(ListValidation(ranges, formula))


class _CellLimitExceeded(Exception):
    pass


def _cell_value(
    cell_type: str, value: ET.Element | None, inline: ET.Element | None, shared: list[str]
) -> str:
    """Cell text from the t attribute and the <v> / <is> children."""
    if cell_type == "inlineStr":
        return _string_item_text(inline) if inline is not None else ""
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
        return _unescape_ooxml(raw)
    return _format_number(raw)


# --- workbook reader ---------------------------------------------------------------


class _Workbook:
    """Lazily parsed view of a workbook: sheets, shared strings, names, sheet grids."""

    def __init__(self, path: Path):
        self.path = path
        self.zf = open_workbook_zip(path)
        try:
            self.sheets = workbook_sheets(self.zf)
            self.names = _defined_names(self.zf)
            self.shared = _shared_strings(self.zf)
        except BaseException:
            self.zf.close()
            raise
        self._grids: dict[str, SheetGrid] = {}
        self.cells_read = 0

    def close(self) -> None:
        self.zf.close()

    def sheet(self, name: str) -> SheetRef | None:
        return next((s for s in self.sheets if s.name == name), None)

    def grid(self, sheet: SheetRef, *, counted: bool = False) -> SheetGrid:
        """Parse a worksheet once; `counted` sheets count towards the cell limit."""
        if sheet.name in self._grids:
            return self._grids[sheet.name]
        if sheet.part not in self.zf.NameToInfo:
            raise KBError(f"{self.path.name}: workbook part missing: {sheet.part or sheet.name}")
        budget = MAX_SHEET_CELLS - self.cells_read if counted else MAX_SHEET_CELLS
        try:
            with self.zf.open(sheet.part) as stream:
                grid = _SheetParser(self.shared, budget).parse(stream)
        except _CellLimitExceeded:
            raise KBError(
                f"{self.path.name}: more than {MAX_SHEET_CELLS:,} cells in the question sheets; "
                "use --sheet to pick the sheet to read"
            ) from None
        except ET.ParseError:
            raise KBError(
                f"{self.path.name}: corrupt workbook, {sheet.part} is not well-formed XML"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise KBError(f"{self.path.name}: corrupt workbook, cannot read {sheet.part}") from None
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
        target = _split_sheet_ref(formula)
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


_SHEET_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")


def _split_sheet_ref(formula: str) -> tuple[str | None, str] | None:
    """ "'Sheet 2'!$A$1:$A$3" -> ('Sheet 2', '$A$1:$A$3'); "$A$1:$A$3" -> (None, ...)."""
    match = _SHEET_REF.match(formula)
    if match:
        sheet = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
        return (sheet, match.group(3)) if parse_range(match.group(3)) else None
    return (None, formula) if parse_range(formula) else None


# --- header words ------------------------------------------------------------------

ROLES = ("number", "comment", "reference", "answer", "question")  # order = precedence

# Labels of columns that are not the respondent's (analyst/scoring/guidance) or of
# form fields above the table (respondent name, date): never a table column.
_IGNORED_HEADER_WORDS = (
    "guidance", "analyst", "reason", "follow-up", "follow up", "inquir", "score", "weight",
    "importance", "compliant", "crosswalk", "記入例", "配点", "回答者", "回答日", "記入者",
    "記入日", "担当者", "respondent",
)  # fmt: skip

_EXACT_WORDS = {
    "number": {
        "no", "no.", "#", "id", "番号", "項番", "項目番号", "通番", "管理番号", "nr", "nr.", "number",
        "ref", "ref.", "ref no", "ref no.", "item", "item no", "item no.", "q#", "q no", "q no.",
        "qid", "question id", "question no", "question no.", "question number", "control id",
    },
    "comment": {"補足", "備考", "説明", "補足説明", "コメント", "comment", "comments", "remarks", "notes"},
    "reference": {"根拠", "根拠資料", "参照資料", "参照", "reference", "references", "evidence"},
    "answer": {
        "answer", "answers", "回答", "回答欄", "response", "responses", "yes/no", "はい/いいえ", "可否",
        "対応状況", "実施状況", "applicable", "適用", "適用可否", "status", "result", "結果",
    },
    "question": {
        "question", "questions", "質問", "質問事項", "質問内容", "確認項目", "確認内容", "確認事項",
        "チェック項目", "設問", "項目", "control", "requirement", "要求事項", "管理策", "question text",
    },
}  # fmt: skip

_CONTAINED_WORDS = {
    "number": ("番号", "項番"),
    "comment": (
        "補足", "備考", "説明", "回答内容", "コメント", "詳細", "具体", "additional info", "description",
        "comment", "remark", "explanation", "justification", "detail", "notes", "elaborat", "clarif",
    ),
    "reference": ("根拠", "参照", "エビデンス", "証跡", "証憑", "添付", "reference", "evidence", "supporting doc"),
    "answer": ("answer", "回答", "response", "applicable", "適用", "対応状況", "実施状況", "yes/no", "y/n", "はい/いいえ"),
    "question": ("question", "質問", "確認項目", "確認内容", "設問", "チェック項目", "要求事項", "管理策", "control", "requirement"),
}  # fmt: skip

_NUMBER_SUFFIXES = (" id", " no", " no.", " #", " number")


def _has_sentence_mark(text: str) -> bool:
    """'。', '?' or '？' in the text: normalize_label keeps them (？ becomes ?), so a label
    holding one reads like a sentence - known without paying for NFKC normalisation."""
    return "。" in text or "?" in text or "？" in text


def normalize_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    # = re.sub(r"\s+", " ", text).strip(): str.split() and \s agree on what is white space.
    text = " ".join(text.split())
    return text.strip("*:：").strip()


def _reads_like_sentence(label: str) -> bool:
    words = label.split()
    return len(words) > 7 or any(ch in label for ch in "。?？") or (label.endswith(".") and len(words) >= 3)


def classify_header_label(text: str) -> tuple[str, int] | None:
    """Header label -> (role, strength 1..3) or None. 3 = exact word, 2 = starts/ends with it, 1 = contains."""
    if _has_sentence_mark(text):
        return None  # most cells scanned for headers are questions: skip normalising them
    label = normalize_label(text)
    if not label or len(label) > 50 or _reads_like_sentence(label):
        return None  # sentences and questions are data, not header labels
    if any(word in label for word in _IGNORED_HEADER_WORDS):
        return None
    for role in ROLES:
        if label in _EXACT_WORDS[role]:
            return role, 3
        if role == "number" and label.endswith(_NUMBER_SUFFIXES):
            return role, 2
        for word in _CONTAINED_WORDS[role]:
            if word in label:
                return role, 2 if label.startswith(word) or label.endswith(word) else 1
    return None


# --- table detection ---------------------------------------------------------------


@dataclass
class _Header:
    first_row: int
    last_row: int
    labels: dict[int, str]  # column -> header text
    roles: dict[str, list[tuple[int, int]]]  # role -> [(strength, column)]


@dataclass
class _Columns:
    question: int
    answer: int | None = None
    comment: int | None = None
    reference: int | None = None
    number: int | None = None


@dataclass
class _Overrides:
    header_row: int | None = None
    question: int | None = None
    answer: int | None = None
    comment: int | None = None


def _header_from_rows(grid: SheetGrid, rows: list[int]) -> _Header:
    """Combine one or two header rows: a lower label wins over the (merged) label above it."""
    labels: dict[int, str] = {}
    roles: dict[str, list[tuple[int, int]]] = {}
    columns = sorted({c for r in rows for c in grid.columns_in_row(r)} | _merged_columns(grid, rows))
    for col in columns:
        for row in reversed(rows):  # bottom row first
            text = grid.label(row, col)
            found = classify_header_label(text) if text else None
            if found:
                labels[col] = text
                roles.setdefault(found[0], []).append((found[1], col))
                break
            if text and col not in labels:
                labels[col] = text
    return _Header(rows[0], rows[-1], labels, roles)


def _merged_columns(grid: SheetGrid, rows: list[int]) -> set[int]:
    columns: set[int] = set()
    for merge in (m for row in rows for m in grid.merges_in_row(row)):
        if merge.max_col - merge.min_col < 60:
            columns.update(range(merge.min_col, merge.max_col + 1))
    return columns


def _has_merge_in_row(grid: SheetGrid, row: int) -> bool:
    return bool(grid.merges_in_row(row))


def _header_candidates(grid: SheetGrid, rows: range) -> Iterator[_Header]:
    for row in rows:
        single = _header_from_rows(grid, [row])
        if not _enough_header_words(single):
            continue
        if not ({"answer", "comment"} & single.roles.keys()):
            # The upper row of a two-row header may hold only a merged 「回答欄」 etc.
            if not single.roles or not _has_merge_in_row(grid, row):
                continue
        yield single
        if _has_merge_in_row(grid, row) and _is_header_like_row(grid, row + 1):
            yield _header_from_rows(grid, [row, row + 1])  # 「回答欄」 over 「回答」「回答内容・補足説明」


def _enough_header_words(header: _Header) -> bool:
    """Two header words, or one exact one ('Answer'): a data row rarely matches either way."""
    found = [strength for matches in header.roles.values() for strength, _ in matches]
    return len(found) >= 2 or (len(found) == 1 and found[0] == 3)


def _is_header_like_row(grid: SheetGrid, row: int) -> bool:
    """Lower half of a two-row header: short labels only, at least one of them a header word."""
    texts = [grid.text(row, col) for col in grid.columns_in_row(row)]
    texts = [t for t in texts if t]
    if not texts or any(len(t) > 50 or _reads_like_sentence(normalize_label(t)) for t in texts):
        return False
    return any(classify_header_label(t) for t in texts)


def _is_questionish(text: str) -> bool:
    """Long enough to be a question or requirement, and not a number, date, URL or list of IDs."""
    if len(text) < 10 or not any(ch.isalpha() for ch in text) or text.startswith(("http://", "https://")):
        return False
    return not all(_is_id_like(token) for token in text.split())


_ID_LIKE = re.compile(r"^[\w&.\-/()]{1,20}( [\w&.\-/()]{1,10})?$")


def _is_id_like(text: str) -> bool:
    return bool(text) and len(text) <= 20 and any(ch.isdigit() for ch in text) and bool(_ID_LIKE.match(text))


def _sample_rows(grid: SheetGrid, header: _Header) -> range:
    first = header.last_row + 1
    return range(first, min(grid.max_row, first + DATA_SAMPLE_ROWS) + 1)


def _questionish_count(grid: SheetGrid, col: int, rows: range) -> int:
    return sum(1 for row in rows if _is_questionish(grid.text(row, col)))


def _pick_question_column(grid: SheetGrid, header: _Header, answer_side: int | None) -> int | None:
    """Header's question column if its data looks like questions, else the wordiest column left of the answer."""
    rows = _sample_rows(grid, header)
    used = {col for role, found in header.roles.items() if role != "question" for _, col in found}
    limit = answer_side if answer_side is not None else MAX_COLUMN
    candidates = {c for r in rows for c in grid.columns_in_row(r) if c < limit and c not in used}
    counts = {col: _questionish_count(grid, col, rows) for col in candidates}
    best = max(counts.values(), default=0)
    if best < 1:
        return None
    for _, col in sorted(header.roles.get("question", []), key=lambda sc: (-sc[0], sc[1])):
        count = counts.get(col, _questionish_count(grid, col, rows))
        filled = sum(1 for row in rows if grid.text(row, col))
        # 'Required Questions' over a column of IDs, 'Control Mappings' over 'GOV-01': not questions
        if count >= 1 and count >= 0.4 * best and count >= 0.5 * filled:
            return col
    if answer_side is None:
        return None  # without an answer column, only a labelled question column counts
    if best < 2:
        return None
    return max(col for col, n in counts.items() if n == best)  # ties: the one nearest the answer


def _dv_coverage(grid: SheetGrid, col: int, rows: list[int]) -> float:
    if not rows:
        return 0.0
    return sum(1 for row in rows if grid.options_at(row, col) is not None) / len(rows)


def _pick_answer_columns(
    grid: SheetGrid, header: _Header, question: int, question_rows: list[int]
) -> tuple[int | None, int | None]:
    """(answer, comment): the dropdown column is the answer; free text goes to the comment column."""
    answers = [col for _, col in header.roles.get("answer", []) if col != question]
    strength = {col: s for s, col in header.roles.get("answer", [])}
    answers.sort(key=lambda col: (-_dv_coverage(grid, col, question_rows), -strength[col], col))
    answer = answers[0] if answers else None
    if answer is None:
        answer = _unlabelled_dropdown_column(grid, header, question, question_rows)
    comments = [(s, col) for s, col in header.roles.get("comment", []) if col not in (question, answer)]
    if answer is not None:
        # The free-text answer sits next to the choice (回答 | 回答内容・補足説明 | 備考):
        # nearest column to the right of the answer first.
        comments.sort(key=lambda sc: (sc[1] < answer, abs(sc[1] - answer), -sc[0]))
    else:
        comments.sort(key=lambda sc: (-sc[0], sc[1]))
    comment = comments[0][1] if comments else (answers[1] if len(answers) > 1 else None)
    if answer is None and comment is not None:
        answer, comment = comment, None  # a lone free-text column is where the answer goes
    return answer, comment


def _unlabelled_dropdown_column(
    grid: SheetGrid, header: _Header, question: int, rows: list[int]
) -> int | None:
    labelled = {col for found in header.roles.values() for _, col in found}
    columns = {
        col for v in grid.validations for r in v.ranges for col in range(r.min_col, min(r.max_col, 200) + 1)
    }
    for col in sorted(columns - labelled - {question}):
        if _dv_coverage(grid, col, rows) >= 0.5:
            return col
    return None


def _pick_number_column(
    grid: SheetGrid, header: _Header, question: int, question_rows: list[int]
) -> int | None:
    labelled = sorted(header.roles.get("number", []), key=lambda sc: (-sc[0], sc[1]))
    for _, col in labelled:
        if col != question:
            return col
    if not question_rows:
        return None
    for col in range(question - 1, max(question - 4, 0), -1):  # nearest columns to the left
        with_id = sum(1 for row in question_rows if _is_id_like(grid.text(row, col)))
        if with_id >= 0.6 * len(question_rows):
            return col
    return None


def _first_role_column(header: _Header, role: str, exclude: set[int]) -> int | None:
    found = sorted(
        (sc for sc in header.roles.get(role, []) if sc[1] not in exclude), key=lambda sc: (-sc[0], sc[1])
    )
    return found[0][1] if found else None


def _columns_for(grid: SheetGrid, header: _Header, overrides: _Overrides) -> _Columns | None:
    answer_side = overrides.answer or _first_role_column(header, "answer", set())
    if answer_side is None and overrides.question is None:
        answer_side = _first_role_column(header, "comment", set())
        question = _pick_question_column(grid, header, None)
    else:
        question = overrides.question or _pick_question_column(grid, header, answer_side)
    if question is None:
        return None
    question_rows = [r for r in _sample_rows(grid, header) if _is_questionish(grid.text(r, question))]
    answer, comment = _pick_answer_columns(grid, header, question, question_rows)
    if overrides.answer is not None:
        answer = overrides.answer
        comment = comment if comment != answer else None
    if overrides.comment is not None:
        comment = overrides.comment
    if answer is None and comment is None:
        return None
    columns = _Columns(question=question, answer=answer, comment=comment)
    columns.reference = _first_role_column(header, "reference", {question, answer, comment})
    columns.number = _pick_number_column(grid, header, question, question_rows)
    if columns.number in (answer, comment):
        columns.number = None
    return columns


def _header_score(header: _Header, columns: _Columns) -> int:
    def labelled(role: str, col: int | None) -> bool:
        return any(c == col for _, c in header.roles.get(role, []))

    score = 0
    score += 3 if columns.answer is not None else 0
    score += 2 if columns.comment is not None else 0
    score += 2 if labelled("question", columns.question) else 0
    score += 1 if columns.reference is not None else 0
    score += 1 if labelled("number", columns.number) else 0
    return score


def _header_above_forced_question_column(grid: SheetGrid, question: int) -> _Header:
    """With --question-col but no header words for the answer: the row labelling that column, if any."""
    for row in range(1, min(grid.max_row, HEADER_SCAN_ROWS) + 1):
        found = classify_header_label(grid.text(row, question))
        if found and found[0] == "question":
            return _header_from_rows(grid, [row])
    return _Header(0, 0, {}, {})


def _detect_header(grid: SheetGrid, overrides: _Overrides) -> tuple[_Header, _Columns] | None:
    if overrides.header_row is not None:
        rows = [overrides.header_row]
        if overrides.header_row > 1 and _has_merge_in_row(grid, overrides.header_row - 1):
            rows.insert(0, overrides.header_row - 1)
        header = _header_from_rows(grid, rows)
        columns = _columns_for(grid, header, overrides)
        return (header, columns) if columns else None
    best: tuple[tuple[int, int], _Header, _Columns] | None = None
    for header in _header_candidates(grid, range(1, min(grid.max_row, HEADER_SCAN_ROWS) + 1)):
        columns = _columns_for(grid, header, overrides)
        if columns is None:
            continue
        # On equal scores the two-row reading wins: its lower row is header, not data.
        score = (_header_score(header, columns), header.last_row - header.first_row)
        if best is None or score > best[0]:
            best = (score, header, columns)
    if best is None and overrides.question is not None:
        header = _header_above_forced_question_column(grid, overrides.question)
        columns = _columns_for(grid, header, overrides)
        return (header, columns) if columns else None
    return (best[1], best[2]) if best else None


# --- question rows -----------------------------------------------------------------


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_REPEATED_CHAR = re.compile(r"(.)\1+")


def _id_shape(number: str) -> str:
    """'GNRL-01' -> 'A-9': compare the form of question numbers, not their values."""
    shape = _DIGIT.sub("9", _LETTER.sub("A", number))
    return _REPEATED_CHAR.sub(r"\1", shape)


_SECTION_TITLE = re.compile(
    r"^\s*(第\s*\d+\s*[章節部]|\d+(\.\d+)*[.．、)）]\s*\S|[ivx]+[.)]\s|【)", re.IGNORECASE
)


def _looks_like_section_title(text: str) -> bool:
    return (
        len(text) <= 40
        and not text.rstrip().endswith(("?", "？", "か", "か。"))
        and bool(_SECTION_TITLE.match(text))
    )


def _is_section_row(grid: SheetGrid, row: int, columns: _Columns) -> bool:
    """A title spanning the table ('1. 組織的対策' merged across) rather than a question."""
    merge = grid.merge_at(row, columns.question)
    if merge and merge.min_row == merge.max_row:
        others = [c for c in (columns.number, columns.answer, columns.comment) if c is not None]
        if any(merge.min_col <= c <= merge.max_col for c in others):
            return True
    if columns.number is None and _looks_like_section_title(grid.text(row, columns.question)):
        has_input = any(grid.text(row, c) for c in (columns.answer, columns.comment) if c is not None)
        return not has_input and (columns.answer is None or grid.options_at(row, columns.answer) is None)
    return False


def _normalized_header_labels(header: _Header, columns: _Columns) -> dict[int, str]:
    """Question/answer column -> its normalised header label, worked out once per table."""
    return {
        col: normalize_label(header.labels[col])
        for col in (columns.question, columns.answer)
        if col is not None and header.labels.get(col)
    }


def _repeats_header(grid: SheetGrid, row: int, header_labels: dict[int, str]) -> bool:
    """The header again further down (long tables repeat it per printed page)."""
    for col, label in header_labels.items():
        text = grid.text(row, col)
        if _has_sentence_mark(text) and not _has_sentence_mark(label):
            continue  # a question, not the header again: no need to normalise it
        if (normalize_label(text) if text else "") == label:
            return True
    return False


_LETTERS_CACHE: dict[int, str] = {}  # at most MAX_COLUMN entries


def _letters(col: int) -> str:
    """column_letters, remembered: the same few columns are named on every question row."""
    letters = _LETTERS_CACHE.get(col)
    if letters is None:
        letters = _LETTERS_CACHE[col] = column_letters(col)
    return letters


def _input_cell(grid: SheetGrid, row: int, col: int | None) -> str | None:
    """Cell reference unless it is hidden inside a merged range (only the top-left cell shows)."""
    if col is None:
        return None
    merge = grid.merge_at(row, col)
    if merge and (merge.min_row, merge.min_col) != (row, col):
        return None
    return f"{_letters(col)}{row}"


def _candidate_rows(grid: SheetGrid, header: _Header, columns: _Columns) -> list[int]:
    """Rows below the header, plus rows above it numbered like the table (HECVAT's GNRL-xx block)."""
    below = list(range(header.last_row + 1, grid.max_row + 1))
    if columns.number is None or header.first_row <= 1:
        return below
    numbers_above = {r: grid.text(r, columns.number) for r in range(1, header.first_row)}
    shapes_above = {r: _id_shape(n) for r, n in numbers_above.items() if _is_id_like(n)}
    shapes_above = {r: s for r, s in shapes_above.items() if "A" in s}  # plain 1, 2, 3 is too weak
    if not shapes_above:
        return below  # the usual case: no need to work out the shape of every number below
    numbers_below = (grid.text(r, columns.number) for r in below)
    shapes_below = {_id_shape(n) for n in numbers_below if _is_id_like(n)}
    return [r for r, shape in shapes_above.items() if shape in shapes_below] + below


def _build_questions(sheet: str, grid: SheetGrid, header: _Header, columns: _Columns) -> list[Question]:
    questions = []
    header_labels = _normalized_header_labels(header, columns)
    for row in _candidate_rows(grid, header, columns):
        text = grid.text(row, columns.question)
        if not text or not any(ch.isalpha() for ch in text) or text.startswith(("http://", "https://")):
            continue
        if _is_section_row(grid, row, columns) or _repeats_header(grid, row, header_labels):
            continue
        if columns.answer is not None and grid.is_formula(row, columns.answer):
            # Computed elsewhere (HECVAT pulls START HERE answers and analyst views in by
            # VLOOKUP): not answerable here, and writing would destroy the workbook logic.
            continue
        questions.append(_question(sheet, grid, row, text, columns))
    return _drop_unnumbered_notes(questions)


def _question(sheet: str, grid: SheetGrid, row: int, text: str, columns: _Columns) -> Question:
    answer_cell = _input_cell(grid, row, columns.answer)
    comment_cell = _input_cell(grid, row, columns.comment)
    options = grid.options_at(row, columns.answer) if answer_cell and columns.answer else None
    return Question(
        sheet=sheet,
        row=row,
        number=(grid.text(row, columns.number) or None) if columns.number else None,
        text=text,
        answer_cell=answer_cell,
        comment_cell=comment_cell,
        reference_cell=_input_cell(grid, row, columns.reference),
        options=list(options or []),
        existing_answer=(grid.text(row, columns.answer) or None) if answer_cell and columns.answer else None,
        existing_comment=(grid.text(row, columns.comment) or None)
        if comment_cell and columns.comment
        else None,
    )


def _drop_unnumbered_notes(questions: list[Question]) -> list[Question]:
    """When (nearly) every question has a number, unnumbered rows are notes/links/footers."""
    numbered = sum(1 for q in questions if q.number)
    if questions and numbered >= 0.9 * len(questions) and numbered >= 5:
        return [q for q in questions if q.number]
    return questions


# --- public API ---------------------------------------------------------------------


def _column_override(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{1,3}", value.strip()) or column_index(value.strip()) > MAX_COLUMN:
        raise KBError(f"bad {what} column {value!r}: give column letters such as C")
    return column_index(value.strip())


def _read_table(wb: _Workbook, sheet: SheetRef, overrides: _Overrides) -> SheetTable | None:
    grid = wb.grid(sheet, counted=True)
    wb.resolve_options(sheet, grid)
    found = _detect_header(grid, overrides)
    if not found:
        return None
    header, columns = found
    questions = _build_questions(sheet.name, grid, header, columns)
    if not questions:
        return None
    letters = lambda col: column_letters(col) if col is not None else None  # noqa: E731
    return SheetTable(
        sheet=sheet.name,
        header_row=header.last_row,
        question_col=column_letters(columns.question),
        answer_col=letters(columns.answer),
        comment_col=letters(columns.comment),
        reference_col=letters(columns.reference),
        number_col=letters(columns.number),
        questions=questions,
    )


def read_checksheet(
    path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    question_col: str | None = None,
    answer_col: str | None = None,
    comment_col: str | None = None,
) -> list[SheetTable]:
    """Find the question table on every visible worksheet (or only on `sheet`).

    Keyword overrides (from the CLI) win over detection. Raises KBError for unreadable
    workbooks and when no question table is found.
    """
    if header_row is not None and not 1 <= header_row <= MAX_ROW:
        raise KBError(f"bad header row {header_row}: give a 1-based row number")
    overrides = _Overrides(
        header_row=header_row,
        question=_column_override(question_col, "question"),
        answer=_column_override(answer_col, "answer"),
        comment=_column_override(comment_col, "comment"),
    )
    path = Path(path)
    wb = _Workbook(path)
    try:
        targets = _target_sheets(wb, sheet)
        tables = [t for t in (_read_table(wb, s, overrides) for s in targets) if t]
    finally:
        wb.close()
    if not tables:
        where = f"sheet {sheet!r}" if sheet else "any sheet"
        raise KBError(
            f"{path.name}: no question table found in {where}; "
            "point at it with --sheet, --header-row, --question-col and --answer-col"
        )
    return tables


def _target_sheets(wb: _Workbook, sheet: str | None) -> list[SheetRef]:
    if sheet is not None:
        chosen = wb.sheet(sheet)
        if chosen is None:
            names = ", ".join(repr(s.name) for s in wb.sheets)
            raise KBError(f"{wb.path.name}: no sheet named {sheet!r} (sheets: {names})")
        if chosen.kind != "worksheet":
            raise KBError(f"{wb.path.name}: sheet {sheet!r} is a {chosen.kind}, not a worksheet")
        return [chosen]
    # Hidden sheets hold lookup lists and scoring, never the questions to answer.
    return [s for s in wb.sheets if s.kind == "worksheet" and s.state == "visible"]


def inspect_report(tables: list[SheetTable]) -> list[dict]:
    """Per detected table: where it is, which columns were chosen, and what the dropdowns offer."""
    report = []
    for table in tables:
        option_lists: list[list[str]] = []
        for question in table.questions:
            if question.options and question.options not in option_lists:
                option_lists.append(question.options)
        report.append(
            {
                "sheet": table.sheet,
                "header_row": table.header_row,
                "columns": {
                    "number": table.number_col,
                    "question": table.question_col,
                    "answer": table.answer_col,
                    "comment": table.comment_col,
                    "reference": table.reference_col,
                },
                "questions": len(table.questions),
                "with_options": sum(1 for q in table.questions if q.options),
                "answered": sum(1 for q in table.questions if q.existing_answer),
                "option_lists": option_lists,
            }
        )
    return report
