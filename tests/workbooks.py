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
