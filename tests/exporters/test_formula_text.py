"""Answers that look like formulas are written as text: an inline string, never a formula."""

from __future__ import annotations

import zipfile

import pytest

from exporters.xlsx_patch import patch_workbook


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=cmd|' /C calc'!A0"]
)
def test_formula_like_answers_are_inline_strings(small_workbook, tmp_path, text):
    out = tmp_path / "out.xlsx"
    patch_workbook(small_workbook, out, {"Sheet": {"C2": text}})
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    cell = sheet[sheet.index('<c r="C2"') :]
    cell = cell[: cell.index("</c>")]
    assert 't="inlineStr"' in cell and "<f" not in cell
