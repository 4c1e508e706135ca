"""importers.sheet_grid: a worksheet's cells, merges and dropdowns, read from hand-written XML."""

from __future__ import annotations

from importers.checksheet import read_checksheet
from importers.ooxml import CellRange, Package
from importers.sheet_grid import Cell, WorkbookGrids
from tests.workbooks import build_raw_workbook


def grid_of(path, name="Q"):
    with Package(path) as package:
        grids = WorkbookGrids(package)
        grid = grids.grid(package.sheet(name))
        grids.resolve_options(package.sheet(name), grid)
    return grid


def _text_cell(text: str, ref: str | None = None) -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'


def test_cells_without_r_follow_on_from_empty_cells(tmp_path):
    # r is optional: a cell without one sits right of the previous <c>, also when that
    # one is an empty styled cell ('$C$4' and 'bogus' included).
    rows = [
        (
            "1",
            _text_cell("No.", "A1")
            + _text_cell("Question", "B1")
            + _text_cell("Answer")
            + _text_cell("Comment"),
        ),
        ("2", _text_cell("Q-1", "A2") + _text_cell("Is customer data encrypted?") + _text_cell("Yes", "C2")),
        (
            "3",
            _text_cell("Q-2", "A3")
            + _text_cell("Are backups encrypted?", "B3")
            + '<c r="C3" s="1"/>'
            + _text_cell("AES-256"),
        ),
        (
            "4",
            _text_cell("Q-3", "A4")
            + _text_cell("Is access logged?", "B4")
            + '<c r="bogus" s="1"/>'
            + _text_cell("Partly"),
        ),
        (
            "5",
            _text_cell("Q-4", "A5") + _text_cell("Are logs reviewed?", "B5") + '<c s="1"/><c r="D5" s="1"/>',
        ),
        ("6", '<c r="A6" s="1"/><c s="1"/><c s="1"/>' + _text_cell("Orphan note without a question")),
        (
            "7",
            _text_cell("Q-5", "A7")
            + _text_cell("Are keys rotated?", "$B$7")
            + '<c r="$C$7" s="1"/>'
            + _text_cell("Yearly"),
        ),
    ]
    path = build_raw_workbook(
        tmp_path / "raw.xlsx", "".join(f'<row r="{n}">{cells}</row>' for n, cells in rows)
    )
    table = read_checksheet(path)[0]

    assert (table.number_col, table.question_col, table.answer_col, table.comment_col) == ("A", "B", "C", "D")
    found = [(q.number, q.existing_answer, q.existing_comment) for q in table.questions]
    assert found == [
        ("Q-1", "Yes", None),
        ("Q-2", None, "AES-256"),
        ("Q-3", None, "Partly"),
        ("Q-4", None, None),
        ("Q-5", None, "Yearly"),
    ]


def test_non_ascii_digits_in_row_numbers_and_string_indexes_are_not_numbers(tmp_path):
    # '²'.isdigit() is True but int('²') raises: a hostile file must not crash the reader.
    sheet_data = (
        '<row r="1">' + _text_cell("Question", "A1") + _text_cell("Answer", "B1") + "</row>"
        '<row r="²">' + _text_cell("Is customer data encrypted?", "A2") + '<c r="B2" t="s"><v>²</v></c></row>'
    )
    table = read_checksheet(build_raw_workbook(tmp_path / "raw.xlsx", sheet_data))[0]
    assert [(q.row, q.text, q.existing_answer) for q in table.questions] == [
        (2, "Is customer data encrypted?", None)
    ]


def test_cached_values_formulas_and_number_format(tmp_path):
    sheet_data = (
        '<row r="1"><c r="A1"><v>5.0999999999999996</v></c><c r="B1"><f>A1*2</f><v>10.2</v></c>'
        '<c r="C1" t="b"><v>1</v></c><c r="D1" t="e"><v>#N/A</v></c><c r="E1"><f>NA()</f></c>'
        '<c r="F1" t="str"><v> spaced _x0041_ </v></c><c r="G1" s="3"/></row>'
    )
    grid = grid_of(build_raw_workbook(tmp_path / "raw.xlsx", sheet_data))
    assert grid.cells == {
        (1, 1): Cell("5.1", False),  # as Excel's General format shows it
        (1, 2): Cell("10.2", True),
        (1, 3): Cell("TRUE", False),
        # D1: an error value carries no text, so no cell; a formula is kept even without a value
        (1, 5): Cell("", True),
        (1, 6): Cell("spaced A", False),
    }  # nor for G1, styled only
    assert grid.cell_count == 7 and grid.max_row == 1


def test_merges_label_the_cells_they_cover(tmp_path):
    sheet_data = '<row r="1">' + _text_cell("回答欄", "B1") + "</row>"
    path = build_raw_workbook(tmp_path / "raw.xlsx", sheet_data)
    _insert_after_sheet_data(path, '<mergeCells count="1"><mergeCell ref="B1:C1"/></mergeCells>')
    grid = grid_of(path)
    assert grid.merges == [CellRange(1, 2, 1, 3)]
    assert (grid.text(1, 3), grid.label(1, 3)) == ("", "回答欄")
    assert grid.merge_at(1, 3) == CellRange(1, 2, 1, 3) and grid.merge_at(2, 3) is None


def test_list_validations_inline_and_on_the_same_sheet(tmp_path):
    sheet_data = (
        '<row r="1">'
        + _text_cell("Always", "F1")
        + '</row><row r="2">'
        + _text_cell("Never", "F2")
        + "</row>"
    )
    path = build_raw_workbook(tmp_path / "raw.xlsx", sheet_data)
    _insert_after_sheet_data(
        path,
        '<dataValidations count="3">'
        '<dataValidation type="list" sqref="C1 C3:C4"><formula1>"Yes,No"</formula1></dataValidation>'
        '<dataValidation type="list" sqref="D1:D1000"><formula1>$F$1:$F$2</formula1></dataValidation>'
        '<dataValidation type="whole" sqref="E1"><formula1>1</formula1></dataValidation>'
        "</dataValidations>",
    )
    grid = grid_of(path)
    assert [grid.options_at(row, 3) for row in (1, 2, 3, 4)] == [
        ["Yes", "No"],
        None,
        ["Yes", "No"],
        ["Yes", "No"],
    ]
    assert grid.options_at(999, 4) == ["Always", "Never"]
    assert grid.options_at(1, 5) is None  # not a list


def _insert_after_sheet_data(path, xml: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"</sheetData>" + xml.encode())
            zf.writestr(info, data)


def test_conditional_formats_and_if_formulas_are_read(tmp_path):
    from importers.ooxml import Package
    from importers.sheet_grid import WorkbookGrids
    from tests.workbooks import build_qualifier_workbook

    for gate in ("format", "formula"):
        path = build_qualifier_workbook(tmp_path / f"{gate}.xlsx", "No", gate=gate)
        with Package(path) as package:
            wb = WorkbookGrids(package)
            grid = wb.grid(wb.sheets[0])
        if gate == "format":
            (fmt,) = grid.conditional_formats
            assert fmt.formulas == ['$C$2="No"']
            assert (fmt.ranges[0].min_row, fmt.ranges[0].max_row) == (3, 5)
            assert grid.if_formulas == {}
        else:
            assert grid.conditional_formats == []
            assert sorted(grid.if_formulas) == [(4, 5), (5, 5)]
            assert grid.if_formulas[(4, 5)].startswith('IF($C$2="No",')
            assert grid.is_formula(4, 5) and grid.text(4, 5) == ""  # no cached value: openpyxl wrote it


def test_x14_conditional_formats_are_read(tmp_path):
    from importers.ooxml import Package
    from importers.sheet_grid import WorkbookGrids
    from tests.workbooks import build_raw_workbook

    path = build_raw_workbook(
        tmp_path / "x14.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    ext = (
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        "<x14:conditionalFormattings><x14:conditionalFormatting "
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:cfRule type="expression" priority="1" id="{00000000-0000-0000-0000-000000000001}">'
        "<xm:f>$C$9=&quot;No&quot;</xm:f></x14:cfRule><xm:sqref>A10:D12</xm:sqref>"
        "</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
    )
    _append_to_sheet(path, ext)
    with Package(path) as package:
        wb = WorkbookGrids(package)
        grid = wb.grid(wb.sheets[0])
    (fmt,) = grid.conditional_formats
    assert fmt.formulas == ['$C$9="No"'] and (fmt.ranges[0].min_row, fmt.ranges[0].max_row) == (10, 12)


def _append_to_sheet(path, xml: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", xml.encode() + b"</worksheet>")
            zf.writestr(info, data)
