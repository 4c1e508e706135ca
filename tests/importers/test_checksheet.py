"""importers.checksheet: the question tables found on real and synthetic workbooks, their
rows, options and cells, the command line's overrides, the inspect report, unreadable sheets."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from importers import sheet_grid
from importers.checksheet import SheetReport, SheetTable, inspect_report, read_checksheet
from importers.ooxml import CellRef, Package, parse_sqref
from kb.errors import KBError
from tests.paths import DEMO as DEMO_DIR
from tests.paths import SHARED
from tests.workbooks import damage_member

DATA = SHARED / "data"
DEV_SHEET = DATA / "dev" / "checksheet_basic_ja.xlsx"
DEV_QUESTIONS = DATA / "dev" / "questions_dev.jsonl"
HECVAT414 = DATA / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx"
INSTRUCTURE = DATA / "public" / "instructure"
DEMO = DEMO_DIR / "sample_checksheet.xlsx"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared fixture not available: {path} (the ../shared data folder is absent)")
    return path


def only_table(tables: list[SheetTable], sheet: str) -> SheetTable:
    return next(t for t in tables if t.sheet == sheet)


# --- the Japanese dev check sheet ------------------------------------------------------------


def test_basic_ja_matches_the_questions_it_was_built_from():
    tables = read_checksheet(need(DEV_SHEET))
    gold = [
        json.loads(line)["question"] for line in need(DEV_QUESTIONS).read_text("utf-8").splitlines() if line
    ]

    assert [t.sheet for t in tables] == ["チェックシート"]  # 記入方法 (instructions) has no table
    table = tables[0]
    assert (table.header_row, table.number_col, table.question_col) == (4, "A", "C")
    assert (table.answer_col, table.comment_col, table.reference_col) == ("D", "E", "F")
    assert len(table.questions) == len(gold) == 78
    assert [q.text for q in table.questions] == gold
    assert [q.number for q in table.questions] == [str(n) for n in range(1, 79)]
    assert {tuple(q.options) for q in table.questions} == {("はい", "いいえ", "該当なし")}
    first = table.questions[0]
    assert (first.row, first.answer_cell, first.comment_cell, first.reference_cell) == (
        5,
        CellRef(5, 4),
        CellRef(5, 5),
        CellRef(5, 6),
    )
    assert first.answer_cell.a1 == "D5"
    assert first.existing_answer is None and first.existing_comment is None


# --- HECVAT 4.1.4 (blank, multi-sheet, x14 dropdowns) ------------------------------------------

# Counted on the vendor-facing sheets; the evaluation/analyst sheets only pull answers in by formula.
HECVAT414_COUNTS = {
    "START HERE": 22,
    "Organization": 43,
    "Product": 41,
    "Infrastructure": 51,
    "IT Accessibility": 18,
    "Case-Specific": 60,
    "AI": 31,
    "Privacy": 65,
}


def test_hecvat414_tables_on_every_vendor_sheet():
    tables = read_checksheet(need(HECVAT414))

    assert {t.sheet: len(t.questions) for t in tables} == HECVAT414_COUNTS
    for table in tables:
        assert (table.number_col, table.question_col, table.answer_col, table.comment_col) == (
            "A",
            "B",
            "C",
            "D",
        )
        numbers = [q.number for q in table.questions]
        assert all(re.fullmatch(r"[A-Z]{4}-\d{2}", n or "") for n in numbers), numbers
        assert len(set(numbers)) == len(numbers)
    assert only_table(tables, "Organization").header_row == 21


def test_hecvat414_question_texts_match_the_published_parse():
    tables = read_checksheet(need(HECVAT414))
    published = json.loads(need(HECVAT414.with_name("hecvat-questions.json")).read_text("utf-8"))
    by_id = {q["id"]: q["question"] for q in published["questions"]}
    found = {q.number: q.text for t in tables for q in t.questions}

    # 331 of the 332 ids: AILM-07 exists only on the hidden 'Questions' sheet, not on 'AI'.
    assert set(by_id) - set(found) == {"AILM-07"}
    assert all(by_id[number] == text for number, text in found.items())


def test_hecvat414_options_come_from_x14_validations():
    path = need(HECVAT414)
    with zipfile.ZipFile(path) as zf:
        organization_xml = zf.read("xl/worksheets/sheet2.xml").decode("utf-8")
    # The answer dropdowns exist only as x14 extension validations, which openpyxl cannot see:
    # it reads (and writes back) only the standard <dataValidation> elements.
    assert "<x14:dataValidation " in organization_xml
    assert not re.search(r'<dataValidation [^>]*type="list"', organization_xml)

    table = only_table(read_checksheet(path), "Organization")
    by_number = {q.number: q for q in table.questions}
    assert by_number["DOCU-01"].options == ["Yes", "No"]  # 'Auto Responses'!$J$3:$J$4 (hidden sheet)
    assert by_number["DOCU-01"].answer_cell.a1 == "C22"
    assert sum(1 for q in table.questions if q.options) == 43
    infrastructure = only_table(read_checksheet(path, sheet="Infrastructure"), "Infrastructure")
    assert ["Yes", "No", "N/A"] in [q.options for q in infrastructure.questions]


def test_hecvat414_formula_answer_cells_are_not_questions():
    # GNRL-01..08 on 'Organization' are VLOOKUPs of the START HERE answers.
    organization = only_table(read_checksheet(need(HECVAT414), sheet="Organization"), "Organization")
    assert not [q for q in organization.questions if q.number and q.number.startswith("GNRL")]
    with pytest.raises(KBError, match="no question table"):
        read_checksheet(HECVAT414, sheet="High-Risk Evaluation")


# --- Instructure vendor-completed workbooks ----------------------------------------------------

# file -> (sheet, header row, questions, answered, an option list, x14 validations on that sheet)
INSTRUCTURE_EXPECTED = {
    "Canvas LMS HECVAT Full.xlsx": ("HECVAT - Full | Vendor Response", 24, 255, 203, ["Yes", "No"], True),
    "Parchment HECVAT Full - All Products.xlsx": (
        "HECVAT - Full | Vendor Response",
        25,
        255,
        217,
        ["Yes", "No"],
        True,
    ),
    "Canvas Catalog HECVAT Lite.xlsx": ("HECVAT - Lite | Vendor Response", 23, 94, 92, ["Yes", "No"], False),
    "Elevate Standards Alignment HECVAT Lite.xlsx": ("HECVAT - Lite", 23, 94, 94, ["Yes", "No"], True),
    "Canvas LMS K-12CVAT-Lite.xlsx": ("CoSN K-12CVAT", 22, 76, 76, ["Yes", "No"], False),
    "Instructure ISO 27001 SOA.xlsx": ("SOA", 1, 126, 126, None, False),
}


@pytest.mark.parametrize("name", sorted(INSTRUCTURE_EXPECTED))
def test_instructure_workbooks(name):
    sheet, header_row, count, answered, options, uses_x14 = INSTRUCTURE_EXPECTED[name]
    tables = read_checksheet(need(INSTRUCTURE / name))

    assert [t.sheet for t in tables] == [sheet]  # analyst/report/crosswalk sheets are not question tables
    table = tables[0]
    assert table.header_row == header_row
    assert len(table.questions) == count
    assert sum(1 for q in table.questions if q.existing_answer) == answered
    if options is None:
        assert not any(q.options for q in table.questions)
    else:
        assert options in [q.options for q in table.questions]
    x14_cells = _x14_list_cells(INSTRUCTURE / name, sheet)
    assert bool(x14_cells) == uses_x14
    for question in table.questions:
        if question.answer_cell in x14_cells:
            assert question.options, f"x14 dropdown of {question.answer_cell.a1} not resolved"


def test_hecvat_full_layout_and_answers():
    table = read_checksheet(need(INSTRUCTURE / "Canvas LMS HECVAT Full.xlsx"))[0]
    assert (table.number_col, table.question_col, table.answer_col, table.comment_col) == ("A", "B", "C", "D")
    # SOURCE.txt: 155 Yes / 21 No / 27 text / 52 blank
    kinds = Counter(
        q.existing_answer
        if q.existing_answer in ("Yes", "No")
        else ("text" if q.existing_answer else "blank")
        for q in table.questions
    )
    assert kinds == {"Yes": 155, "No": 21, "text": 27, "blank": 52}
    by_number = {q.number: q for q in table.questions}
    assert by_number["GNRL-01"].existing_answer == "Instructure"  # the block above the first header row
    assert by_number["QUAL-07"].options[0] == "1) Self owned and managed"  # x14, Values!$A$50:$A$56
    assert by_number["QUAL-01"].options == ["Yes", "No"]  # defined name 'yes' -> Values!$A$4:$A$5


def test_k12_merged_answer_cells_have_no_comment_cell():
    table = read_checksheet(need(INSTRUCTURE / "Canvas LMS K-12CVAT-Lite.xlsx"))[0]
    by_number = {q.number: q for q in table.questions}
    assert by_number["COMP-01"].comment_cell is None  # C30:D30 merged: D30 is hidden under C30
    assert by_number["COMP-03"].comment_cell.a1 == "D32"


def _x14_list_cells(path: Path, sheet: str) -> set[CellRef]:
    """Cells covered by x14 list validations on a sheet, read straight from the XML."""
    with Package(path) as package:
        xml = package.read(package.sheet(sheet).part).decode("utf-8")
    cells = set()
    for sqref in re.findall(r"<xm:sqref>([^<]*)</xm:sqref>", xml):
        for area in parse_sqref(sqref):
            for row in range(area.min_row, area.max_row + 1):
                for col in range(area.min_col, area.max_col + 1):
                    cells.add(CellRef(row, col))
    return cells


# --- synthetic workbooks -------------------------------------------------------------------------


def build_demo_like(path: Path) -> Path:
    """Cover + instructions sheets, two-row merged header, section rows, options on a hidden sheet."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "表紙"
    cover["A1"] = "セキュリティチェックシート"
    cover["A3"] = "株式会社サンプル 御中"
    guide = wb.create_sheet("記入要領")
    guide["A1"] = "回答欄はプルダウンから選択し、回答内容・補足説明欄に具体的に記入してください。"
    ws = wb.create_sheet("チェックシート")
    ws["A1"] = "クラウドサービス セキュリティチェックシート"
    ws.merge_cells("A1:E1")
    for ref, text in {"A3": "項番", "B3": "確認項目", "C3": "回答欄", "E3": "参照資料"}.items():
        ws[ref] = text
    ws["C4"], ws["D4"] = "回答", "回答内容・補足説明"
    for area in ("A3:A4", "B3:B4", "C3:D3", "E3:E4"):
        ws.merge_cells(area)
    rows = [
        ("1. 組織的対策", None),
        ("1-1", "情報セキュリティ方針を策定していますか。"),
        ("1-2", "セキュリティ責任者を任命していますか。"),
        ("2. 技術的対策", None),
        ("2-1", "管理者アカウントに多要素認証を適用していますか。"),
        ("2-2", "保存データを暗号化していますか。"),
        (None, None),
        ("2-3", "ログを1年以上保管していますか。"),
    ]
    for offset, (number, question) in enumerate(rows):
        row = 5 + offset
        if question is None and number:
            ws.cell(row, 1, number)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        elif question:
            ws.cell(row, 1, number)
            ws.cell(row, 2, question)
    ws["C6"] = "はい"
    ws["D6"] = "情報セキュリティ基本方針を年1回見直しています。"
    lists = wb.create_sheet("選択肢")
    lists.sheet_state = "hidden"
    for row, value in enumerate(["はい", "いいえ", "該当なし"], start=1):
        lists.cell(row, 1, value)
    wb.defined_names["回答選択肢"] = DefinedName("回答選択肢", attr_text="選択肢!$A$1:$A$3")
    dv = DataValidation(type="list", formula1="回答選択肢", allow_blank=True)
    dv.add("C5:C20")
    ws.add_data_validation(dv)
    wb.save(path)
    return path


def test_two_row_merged_header_sections_and_hidden_options(tmp_path):
    tables = read_checksheet(build_demo_like(tmp_path / "demo.xlsx"))

    assert [t.sheet for t in tables] == ["チェックシート"]  # not the cover, instructions or hidden list
    table = tables[0]
    assert table.header_row == 4
    assert (table.number_col, table.question_col, table.answer_col) == ("A", "B", "C")
    assert (table.comment_col, table.reference_col) == ("D", "E")
    assert [q.number for q in table.questions] == ["1-1", "1-2", "2-1", "2-2", "2-3"]
    assert all(q.options == ["はい", "いいえ", "該当なし"] for q in table.questions)
    assert table.questions[0].existing_answer == "はい"
    assert table.questions[0].existing_comment.startswith("情報セキュリティ基本方針")
    assert table.questions[-1].row == 12


def test_section_rows_without_number_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["質問", "回答", "備考"])
    ws.append(["1. 組織的対策"])
    ws.merge_cells("A2:C2")
    ws.append(["方針を定めていますか。", "はい", None])
    ws.append(["【アクセス管理】"])
    ws.append(["パスワードの最低文字数は何文字ですか。", None, None])
    wb.save(tmp_path / "plain.xlsx")

    table = read_checksheet(tmp_path / "plain.xlsx")[0]
    assert table.number_col is None
    assert [q.text for q in table.questions] == [
        "方針を定めていますか。",
        "パスワードの最低文字数は何文字ですか。",
    ]
    assert (table.answer_col, table.comment_col) == ("B", "C")


def test_x14_validation_on_a_quoted_hidden_sheet(x14_workbook):
    table = read_checksheet(x14_workbook)[0]
    assert [q.options for q in table.questions] == [["Yes", "No", "N/A"]] * 3
    assert [q.answer_cell.a1 for q in table.questions] == ["C2", "C3", "C4"]


def test_inline_and_same_sheet_range_lists(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["No.", "Question", "Answer", "Comment", None, "choices"])
    ws.append([1, "Is data encrypted at rest?", None, None, None, "Always"])
    ws.append([2, "Is data encrypted in transit?", None, None, None, "Sometimes"])
    inline = DataValidation(type="list", formula1='"Yes,No,""Partly"""')
    inline.add("C2")
    same_sheet = DataValidation(type="list", formula1="$F$2:$F$3")
    same_sheet.add("C3")
    ws.add_data_validation(inline)
    ws.add_data_validation(same_sheet)
    wb.save(tmp_path / "lists.xlsx")

    questions = read_checksheet(tmp_path / "lists.xlsx")[0].questions
    assert questions[0].options == ["Yes", "No", '"Partly"']
    assert questions[1].options == ["Always", "Sometimes"]


def test_caiq_like_layout(tmp_path):
    # The withheld Instructure CAIQ: title row, header on row 2, two dropdown columns.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CAIQ v4.0.3"])
    ws.append(
        [
            "Question ID",
            "Question",
            "CSP CAIQ Answer",
            "SSRM Control Ownership",
            "CSP Implementation Description",
        ]
    )
    ws.append(["A&A-01.1", "Are audit and assurance policies established and documented?"])
    ws.append(["A&A-01.2", "Are audit and assurance policies reviewed at least annually?"])
    for formula, area in (('"Yes,No,NA"', "C3:C4"), ('"CSP-owned,CSC-owned,Shared CSP and CSC"', "D3:D4")):
        dv = DataValidation(type="list", formula1=formula)
        dv.add(area)
        ws.add_data_validation(dv)
    wb.save(tmp_path / "caiq.xlsx")

    table = read_checksheet(tmp_path / "caiq.xlsx")[0]
    assert (table.header_row, table.number_col, table.question_col) == (2, "A", "B")
    assert (table.answer_col, table.comment_col) == ("C", "E")
    assert [q.number for q in table.questions] == ["A&A-01.1", "A&A-01.2"]
    assert table.questions[0].options == ["Yes", "No", "NA"]


def test_forced_question_column_finds_its_label_row():
    scf = DATA / "public" / "scf" / "Secure Controls Framework (SCF) - 2022.3.xlsx"
    # A control framework, not a check sheet: nothing is detected without help ...
    with pytest.raises(KBError, match="no question table"):
        read_checksheet(need(scf), sheet="SCF 2022.3")
    # ... but the CLI overrides make its 'SCF Control Question' column usable.
    table = read_checksheet(scf, sheet="SCF 2022.3", question_col="G", answer_col="KR")[0]
    assert (table.header_row, table.number_col) == (1, "C")
    assert len(table.questions) == 1090  # SOURCE.txt: 1,090 controls
    assert table.questions[0].number == "GOV-01"


# --- overrides ----------------------------------------------------------------------------------


def test_overrides_win_over_detection():
    tables = read_checksheet(need(DEV_SHEET), sheet="チェックシート", answer_col="E", comment_col="F")
    table = tables[0]
    assert (table.answer_col, table.comment_col) == ("E", "F")
    assert table.questions[0].answer_cell.a1 == "E5" and table.questions[0].options == []

    forced = read_checksheet(DEV_SHEET, header_row=4, question_col="C", answer_col="D")[0]
    assert len(forced.questions) == 78 and forced.header_row == 4


def test_override_errors():
    need(DEV_SHEET)
    with pytest.raises(KBError, match="no sheet named"):
        read_checksheet(DEV_SHEET, sheet="Nope")
    with pytest.raises(KBError, match="no question table found in sheet '記入方法'"):
        read_checksheet(DEV_SHEET, sheet="記入方法")
    with pytest.raises(KBError, match="bad answer column"):
        read_checksheet(DEV_SHEET, answer_col="D7")


def test_inspect_report():
    report = inspect_report(read_checksheet(need(DEV_SHEET)))
    assert report == [
        SheetReport(
            sheet="チェックシート",
            header_row=4,
            columns={"number": "A", "question": "C", "answer": "D", "comment": "E", "reference": "F"},
            questions=78,
            with_options=78,
            answered=0,
            option_lists=(("はい", "いいえ", "該当なし"),),
        )
    ]
    # The JSON of `kb inspect --json`: these keys, in this order.
    assert json.loads(json.dumps(report[0].to_json())) == {
        "sheet": "チェックシート",
        "header_row": 4,
        "columns": {"number": "A", "question": "C", "answer": "D", "comment": "E", "reference": "F"},
        "questions": 78,
        "with_options": 78,
        "answered": 0,
        "option_lists": [["はい", "いいえ", "該当なし"]],
        "switched_off": 0,
        "yes_no_by_sheet": 0,
    }
    assert list(report[0].to_json()) == [
        "sheet",
        "header_row",
        "columns",
        "questions",
        "with_options",
        "answered",
        "option_lists",
        "switched_off",
        "yes_no_by_sheet",
    ]


def test_inspect_report_of_the_demo_lists_its_options():
    # `kb inspect` once showed "options: -" here: the renderer read a key the report did not have.
    report = inspect_report(read_checksheet(DEMO))
    assert [r.questions for r in report] == [27]
    assert report[0].option_lists == (("はい", "いいえ", "該当なし"),)


def test_demo_sample_checksheet_if_present():
    if not DEMO.exists():
        pytest.skip("demo/sample_checksheet.xlsx not written yet")
    tables = read_checksheet(DEMO)
    assert [t.sheet for t in tables] == ["チェックシート"]  # not the cover (表紙) or instructions (記入要領)
    table = tables[0]
    assert table.header_row == 4  # 「回答欄」 merged over 「回答」「回答内容・補足説明」
    assert (table.number_col, table.question_col, table.answer_col, table.comment_col) == ("A", "B", "C", "D")
    assert table.questions and all(re.fullmatch(r"\d+-\d+", q.number or "") for q in table.questions)
    assert all(
        q.options == ["はい", "いいえ", "該当なし"] for q in table.questions
    )  # inline and defined name


# --- unreadable sheets (the package's own checks: tests/importers/test_ooxml.py) --------------


def test_corrupt_member(x14_workbook):
    damage_member(x14_workbook, "xl/worksheets/sheet1.xml")
    with pytest.raises(KBError, match="corrupt workbook"):
        read_checksheet(x14_workbook)


def test_workbook_with_missing_sheet_part(x14_workbook, tmp_path):
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(x14_workbook) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
    with pytest.raises(KBError, match="workbook part missing: xl/worksheets/sheet1.xml"):
        read_checksheet(broken)


def test_cell_limit(x14_workbook, monkeypatch):
    monkeypatch.setattr(sheet_grid, "MAX_SHEET_CELLS", 5)
    with pytest.raises(KBError, match="more than 5 cells"):
        read_checksheet(x14_workbook)


def test_a_package_already_open_is_read_and_left_open(x14_workbook):
    with Package(x14_workbook) as package:
        first = read_checksheet(package)
        assert read_checksheet(package) == first  # still open: kb fill patches it next
    assert first == read_checksheet(x14_workbook)


def test_no_table_anywhere(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Just a note, no table here."
    wb.save(tmp_path / "note.xlsx")
    with pytest.raises(KBError, match="no question table found in any sheet"):
        read_checksheet(tmp_path / "note.xlsx")


# --- rows the sheet marks as yes/no -------------------------------------------------------


def test_a_unit_column_reading_yes_no_marks_the_row(tmp_path):
    from tests.workbooks import build_unit_column_workbook

    (table,) = read_checksheet(build_unit_column_workbook(tmp_path / "unit.xlsx"))
    assert table.answer_col == "D"  # 測定単位 is not taken for the answer column
    assert {q.number: q.asks_yes_no for q in table.questions} == {
        "1": True,
        "2": False,
        "3": False,
        "4": True,
    }


def test_yes_no_options_mark_statements_not_requests_or_noun_phrases(tmp_path):
    from tests.workbooks import build_statement_workbook

    (table,) = read_checksheet(build_statement_workbook(tmp_path / "statements.xlsx"))
    marked = {q.number: q.asks_yes_no for q in table.questions}
    # R-4 is a question: its wording already says yes/no, the sheet adds nothing.
    assert marked == {"R-1": True, "R-2": False, "R-3": False, "R-4": False, "R-5": False}
