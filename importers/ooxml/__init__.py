"""The OOXML package of an .xlsx/.xlsm workbook, shared by the check-sheet reader and the patcher.

* a1 - cell references (CellRef, CellRange, column letters, sqref lists);
* package - Package: the file opened once with its limits, parts, relationships,
  sheets, defined names and shared strings;
* output - where a copy may be written (same_file, check_destination) and
  write_copy, which keeps every member it does not replace byte for byte.
"""

from importers.ooxml.a1 import (
    MAX_COLUMN,
    MAX_ROW,
    CellRange,
    CellRef,
    column_index,
    column_letters,
    parse_cell_ref,
    parse_range,
    parse_row_number,
    parse_sqref,
    split_sheet_range,
)
from importers.ooxml.output import check_destination, same_file, write_copy
from importers.ooxml.package import (
    MAX_FILE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_MEMBERS,
    OLE_MAGIC,
    DefinedName,
    Package,
    Relationship,
    SheetRef,
    local_name,
    resolve_target,
    string_item_text,
    unescape_ooxml,
)

__all__ = [
    "MAX_COLUMN",
    "MAX_FILE_BYTES",
    "MAX_ROW",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_MEMBERS",
    "OLE_MAGIC",
    "CellRange",
    "CellRef",
    "DefinedName",
    "Package",
    "Relationship",
    "SheetRef",
    "check_destination",
    "column_index",
    "column_letters",
    "local_name",
    "parse_cell_ref",
    "parse_range",
    "parse_sqref",
    "resolve_target",
    "parse_row_number",
    "same_file",
    "split_sheet_range",
    "string_item_text",
    "unescape_ooxml",
    "write_copy",
]
