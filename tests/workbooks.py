"""Workbooks built in code for the reader's and the patcher's tests (fixtures in conftest.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def add_x14_validation(path: Path, part: str, formula: str, sqref: str) -> None:
    """Append an x14 list validation (as Excel writes it) to a worksheet openpyxl produced."""
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
        f"<x14:formula1><xm:f>{formula}</xm:f></x14:formula1><xm:sqref>{sqref}</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == part:
                data = data.replace(b"</worksheet>", ext.encode() + b"</worksheet>")
            zf.writestr(info, data)


def build_x14_workbook(path: Path) -> Path:
    """Sheet 'Questions' (ID, Question, Answer, Additional Information; Q-01..Q-03 in rows 2-4)
    whose answer dropdowns exist only as an x14 validation over a list on hidden 'Sheet 2'."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Questions"
    ws.append(["ID", "Question", "Answer", "Additional Information"])
    for n in range(1, 4):
        ws.append([f"Q-0{n}", f"Do you do security thing number {n}?", None, None])
    lists = wb.create_sheet("Sheet 2")
    lists.sheet_state = "hidden"
    for row, value in enumerate(["Yes", "No", "N/A"], start=1):
        lists.cell(row, 1, value)
    wb.save(path)
    add_x14_validation(path, "xl/worksheets/sheet1.xml", "'Sheet 2'!$A$1:$A$3", "C2:C4")
    return path


def build_raw_workbook(path: Path, sheet_data: str, *, sheet_target: str = "worksheets/sheet1.xml") -> Path:
    """A one-sheet workbook ('Q') written by hand, whose <sheetData> is exactly `sheet_data`;
    `sheet_target` is the Target of the workbook's relationship to the sheet."""
    parts = {
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_REL_TYPE}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
        '<sheet name="Q" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_REL_TYPE}worksheet" Target="{sheet_target}"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


def build_small_workbook(path: Path) -> Path:
    """Sheet 'Sheet': No. / Question / Answer, one question in row 2."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet"
    ws.append(["No.", "Question", "Answer"])
    ws.append([1, "Do you encrypt backups?", None])
    wb.save(path)
    return path


def damage_member(path: Path, part: str) -> None:
    """Flip 40 bytes inside a member's compressed data; the central directory stays intact."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    for offset in range(start, start + 40):
        data[offset] ^= 0xA5
    path.write_bytes(bytes(data))


def build_question_sheet(
    path: Path,
    questions: list[str],
    *,
    options: tuple[str, ...] = ("Yes", "No", "N/A"),
    header: tuple[str, ...] = ("No.", "Question", "Answer", "Comment"),
) -> Path:
    """Sheet 'Q': number / question / answer (a dropdown of ``options``) / comment, one row per
    question from row 2, numbered Q-1, Q-2 ..."""
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Q"
    ws.append(list(header))
    for n, text in enumerate(questions, start=1):
        ws.append([f"Q-{n}", text, None, None])
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"')
    ws.add_data_validation(dv)
    dv.add(f"C2:C{len(questions) + 1}")
    wb.save(path)
    return path


def build_qualifier_workbook(
    path: Path,
    qualifier_answer: str | None,
    *,
    gate: str = "format",
    message: str = "Not applicable because of Q-01.",
    condition_col: str = "C",
) -> Path:
    """Sheet 'Vendor' (ID, Question, Answer, Additional Information, Guidance): qualifier Q-01
    in row 2 answered ``qualifier_answer``; a 'Card Payments' title in row 3 over PAY-01/02
    (rows 4-5); GEN-01/02 (rows 6-7) outside it. ``gate`` is how the sheet ties the title and
    PAY rows to Q-01's answer being No: a conditional format ('format', as HECVAT 3 does) or,
    in each PAY row's Guidance, IF(<Q-01's answer>="No", ``message``, …) ('formula', as HECVAT 4).
    Yes/No/N/A dropdowns on C2:C7."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Vendor"
    ws.append(["ID", "Question", "Answer", "Additional Information", "Guidance"])
    ws.append(["Q-01", "Do you take card payments from end users?", qualifier_answer, None, None])
    ws.append(["Card Payments", None, None, None, None])
    ws.append(["PAY-01", "Is the card data environment segmented?", None, None, None])
    ws.append(["PAY-02", "Do you hold a current attestation of compliance?", None, None, None])
    ws.append(["GEN-01", "Do you have a named security officer?", None, None, None])
    ws.append(["GEN-02", "Do you train staff every year?", None, None, None])
    condition = f"${condition_col}$2"
    if gate == "format":
        orange = PatternFill(bgColor="FFC000", fill_type="solid")
        ws.conditional_formatting.add("A3:E5", FormulaRule(formula=[f'{condition}="No"'], fill=orange))
    else:
        quoted = message.replace('"', '""')
        for row in (4, 5):
            ws.cell(row, 5, f'=IF({condition}="No","{quoted}","See the standard guidance.")')
    dv = DataValidation(type="list", formula1='"Yes,No,N/A"')
    dv.add("C2:C7")
    ws.add_data_validation(dv)
    wb.save(path)
    return path


def build_unit_column_workbook(path: Path) -> Path:
    """A Japanese checklist: 項番 | 確認項目 | 測定単位 | 回答 | 備考, one unit per row (有無, %, 時間)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックリスト"
    ws.append(["項番", "確認項目", "測定単位", "回答", "備考"])
    ws.append(["1", "夜間バックアップの世代管理", "有無", None, None])
    ws.append(["2", "月間のサービス稼働率", "%", None, None])
    ws.append(["3", "障害発生から利用者への第一報までの時間", "時間", None, None])
    ws.append(["4", "管理者操作の記録保管", "はい/いいえ", None, None])
    wb.save(path)
    return path


def build_statement_workbook(path: Path) -> Path:
    """English statements and questions with Yes/No dropdowns (C2:C5), and one statement whose
    cell offers other options (C6: Daily/Weekly)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Assessment"
    ws.append(["ID", "Requirement", "Answer", "Comments"])
    ws.append(["R-1", "Customer files are encrypted at rest.", None, None])
    ws.append(["R-2", "Describe the key rotation schedule.", None, None])
    ws.append(["R-3", "Key management", None, None])
    ws.append(["R-4", "Is the admin console limited to the office network?", None, None])
    ws.append(["R-5", "Backups are taken on a fixed schedule.", None, None])
    yes_no = DataValidation(type="list", formula1='"Yes,No"')
    yes_no.add("C2:C5")
    ws.add_data_validation(yes_no)
    other = DataValidation(type="list", formula1='"Daily,Weekly"')
    other.add("C6")
    ws.add_data_validation(other)
    wb.save(path)
    return path


def decide_in(review: Path, decisions: dict[int, tuple[str | None, str | None]], out: Path) -> Path:
    """A person's decisions in a decision workbook (kb fill --review X.xlsx): line -> (判断,
    回答文; None leaves the pre-filled text). Our own review workbook, so openpyxl is fine."""
    from exporters.decisions import ANSWER_TEXT_COL, DECISION_COL

    wb = openpyxl.load_workbook(review)
    ws = wb.worksheets[0]
    for line, (decision, text) in decisions.items():
        ws.cell(line, DECISION_COL).value = decision
        if text is not None:
            ws.cell(line, ANSWER_TEXT_COL).value = text
    wb.save(out)
    return out


def add_empty_rows(src: Path, dst: Path, part: str, rows: bytes, *, before_the_table: bool = False) -> Path:
    """A copy of workbook `src` whose worksheet `part` holds `rows` (e.g. b"<row/>" * 3_000_000)
    at the end of its <sheetData>, or at its start; written with deflate, as a hostile file
    is (megabytes of rows pack into kilobytes)."""
    with zipfile.ZipFile(src) as zf, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == part:
                head, sheet_data, tail = data.partition(b"<sheetData>")
                body, end, rest = tail.partition(b"</sheetData>")
                body = rows + body if before_the_table else body + rows
                data = head + sheet_data + body + end + rest
            out.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return dst
