"""Fuzzing the XML patcher and the sheet reader together (hypothesis; `make fuzz` for the long budget).

Sheets are generated row by row, as Excel and other writers spell them: rows with and without
r, empty rows self-closing or with white space, cells with text; then random cells get random
text. Whatever the sheet, the patched part is well-formed, the reader reads back exactly what
was written where it was written, every other cell is as it was, and stepping over runs of
empty rows changes nothing (the same bytes as reading every row one by one)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import exporters.sheet_rows as sheet_rows
import exporters.xlsx_patch as xlsx_patch
import importers.sheet_grid as sheet_grid
from exporters.xlsx_patch import patch_sheet_xml, sanitize_cell_text
from importers.ooxml import column_letters, empty_rows
from tests.fuzz import fuzz
from tests.workbooks import MAIN_NS

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def sheets(draw) -> tuple[str, dict[tuple[int, int], str]]:
    """(sheet XML, {(row, col): text} of the cells with text as the reader numbers them)."""
    rows, cells, number = [], {}, 0
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["empty", "empty", "spaced", "cells"]))
        step = draw(st.sampled_from([1, 1, 1, 2, 50]))
        spelled = draw(st.sampled_from(["r", "r", "none", "zero"]))
        number = number + step if spelled == "r" else number + 1
        r = {"r": f' r="{number}"', "none": "", "zero": ' r="0"'}[spelled]
        attrs = r + draw(
            st.sampled_from(["", ' spans="1:3"', ' ht="20" customHeight="1"', ' s="1" customFormat="1"'])
        )
        if kind == "empty":
            rows.append(f"<row{attrs}/>")
        elif kind == "spaced":
            rows.append(f"<row{attrs}> </row>")
        else:
            row_cells = []
            for col in sorted(draw(st.sets(st.integers(1, 6), min_size=1, max_size=3))):
                text = draw(_TEXT).strip()
                ref = f"{column_letters(col)}{number}"
                if text and sanitize_cell_text(text) == text:
                    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("_x", "_x005F_x")
                    row_cells.append(
                        f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'
                    )
                    cells[(number, col)] = text
                else:
                    row_cells.append(f'<c r="{ref}" s="2"/>')
            rows.append(f"<row{attrs}>{''.join(row_cells)}</row>")
        rows.append(draw(st.sampled_from(["", "", "\n", "  "])))
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{"".join(rows)}</sheetData></worksheet>', cells


def _grid(xml: bytes):
    import io

    return sheet_grid._SheetParser([], None).parse(io.BytesIO(xml))


def _row_by_row(monkeypatch):
    """The reader and the patcher with every piece read row by row, the patcher's part in
    one chunk: no run is ever found, nothing is cut by a chunk's end."""
    monkeypatch.setattr(sheet_grid, "split_empty_rows", lambda stream: iter([stream.read()]))
    monkeypatch.setattr(empty_rows, "pieces", lambda text, lo, hi: iter([(lo, hi)]))
    monkeypatch.setattr(sheet_rows, "CHUNK_BYTES", 1 << 30)


@fuzz
@given(
    sheet=sheets(),
    writes=st.dictionaries(st.tuples(st.integers(1, 120), st.integers(1, 8)), _TEXT, max_size=6),
)
def test_what_is_written_reads_back_where_it_was_written(sheet, writes):
    xml, cells = sheet
    values = {cell: sanitize_cell_text(text) for cell, text in writes.items()}
    before = _grid(xml.encode())
    assert {cell: c.text for cell, c in before.cells.items() if c.text} == {
        cell: text for cell, text in cells.items()
    }

    patched, _ = patch_sheet_xml(xml.encode(), values)
    xlsx_patch._check_well_formed(patched, "sheet.xml", xml.encode())
    after = _grid(patched)
    expected = {cell: c.text for cell, c in before.cells.items()}
    expected.update({cell: text.strip() for cell, text in values.items()})
    assert {cell: c.text for cell, c in after.cells.items() if c.text} == {
        cell: text for cell, text in expected.items() if text
    }


@fuzz
@given(
    sheet=sheets(),
    writes=st.dictionaries(st.tuples(st.integers(1, 120), st.integers(1, 8)), _TEXT, max_size=6),
)
def test_stepping_over_empty_rows_changes_nothing(monkeypatch, sheet, writes):
    xml = sheet[0].encode()
    values = {cell: sanitize_cell_text(text) for cell, text in writes.items()}
    with monkeypatch.context() as m:  # tiny chunks and pieces: runs and rows are cut everywhere
        m.setattr(empty_rows, "CHUNK_BYTES", 64)
        m.setattr(sheet_rows, "CHUNK_BYTES", 16)
        m.setattr(empty_rows, "MIN_PIECE", 8)
        stepped = (_grid(xml).cells, patch_sheet_xml(xml, values))
    with monkeypatch.context() as m:
        _row_by_row(m)
        assert (_grid(xml).cells, patch_sheet_xml(xml, values)) == stepped
