"""A1 references: column letters, cells, ranges and sqref lists, as typed values."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

# The size of an Excel grid: a reference beyond it is not a cell (XFE1, A1048577).
MAX_COLUMN = 16384
MAX_ROW = 1_048_576


def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index


# A sheet names the same few columns on every row: each is worked out once.
_column_of = functools.lru_cache(maxsize=4096)(column_index)


@functools.lru_cache(maxsize=4096)
def column_letters(index: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class CellRef(NamedTuple):
    """A cell's place, 1-based. A tuple: equal to (row, col) and usable as the same dict key."""

    row: int
    col: int

    @property
    def a1(self) -> str:
        """'D7'."""
        return f"{column_letters(self.col)}{self.row}"


# How Excel and other writers spell a cell reference: capital letters, then the row, no '$'.
_PLAIN_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


def parse_cell_ref(ref: str) -> CellRef | None:
    """'D7' / '$D$7' / ' d7' -> CellRef(7, 4); None if it is not a reference to a cell of the grid."""
    # The plain spelling is tried first: it is what nearly every r attribute holds.
    match = _PLAIN_CELL_REF.fullmatch(ref) or _CELL_REF.match(ref.strip())
    if not match:
        return None
    row, col = int(match.group(2)), _column_of(match.group(1))
    if row > MAX_ROW or col > MAX_COLUMN:
        return None
    return CellRef(row, col)


def parse_row_number(value: str) -> int | None:
    """A <row r="..."> attribute as a number; None if it is not plain ASCII digits ('²' is a digit to str)."""
    return int(value) if value.isascii() and value.isdigit() else None


@dataclass(frozen=True)
class CellRange:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def contains(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col

    @property
    def area(self) -> int:
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)


_WHOLE_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})$")
_WHOLE_ROW = re.compile(r"^\$?(\d+)$")


def parse_range(ref: str) -> CellRange | None:
    """'A1:C3', 'B2', 'A:A' (whole column) or '3:3' (whole row) -> CellRange."""
    first, colon, last = ref.strip().partition(":")
    if not colon:  # a single cell: the common case (one sqref entry per validated cell)
        cell = parse_cell_ref(first)
        return CellRange(cell.row, cell.col, cell.row, cell.col) if cell else None
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
        min(start.row, end.row), min(start.col, end.col), max(start.row, end.row), max(start.col, end.col)
    )


def parse_sqref(sqref: str) -> list[CellRange]:
    """Space-separated list of ranges, as used by data validations."""
    return [r for r in (parse_range(part) for part in sqref.split()) if r]


_SHEET_RANGE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")


def split_sheet_range(formula: str) -> tuple[str | None, str] | None:
    """ "'Sheet 2'!$A$1:$A$3" -> ('Sheet 2', '$A$1:$A$3'); "$A$1:$A$3" -> (None, ...); None if not a range."""
    match = _SHEET_RANGE.match(formula)
    if match:
        sheet = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
        return (sheet, match.group(3)) if parse_range(match.group(3)) else None
    return (None, formula) if parse_range(formula) else None
