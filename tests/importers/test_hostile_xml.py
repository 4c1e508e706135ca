"""XML that attacks its parser: entity expansion (billion laughs) and external entities are
refused as one KBError; no file outside the package is ever read."""

from __future__ import annotations

import pytest

from importers.checksheet import read_checksheet
from kb.errors import KBError
from tests.workbooks import MAIN_NS

_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


def _workbook(tmp_path, sheet_xml: str):
    from tests.workbooks import build_raw_workbook

    path = build_raw_workbook(tmp_path / "w.xlsx", "")
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else data)
    return path


@pytest.mark.parametrize(
    "sheet_xml",
    [
        _LAUGHS
        + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>',
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_entity_attacks_are_refused_in_one_line(tmp_path, sheet_xml):
    with pytest.raises(KBError) as refused:
        read_checksheet(_workbook(tmp_path, sheet_xml))
    assert "\n" not in str(refused.value)
    assert "root:" not in str(refused.value)
