"""importers.ooxml: A1 references, opening a package within its limits, its parts and
relationships, and writing a copy of it that keeps every untouched member byte for byte."""

from __future__ import annotations

import os
import zipfile

import pytest

import importers.ooxml.package as package_module
from importers.ooxml import (
    MAX_COLUMN,
    MAX_ROW,
    OLE_MAGIC,
    CellRange,
    CellRef,
    DefinedName,
    Package,
    check_destination,
    column_index,
    column_letters,
    parse_cell_ref,
    parse_range,
    parse_row_number,
    parse_sqref,
    resolve_target,
    same_file,
    split_sheet_range,
    write_copy,
)
from kb.errors import KBError
from tests.workbooks import build_raw_workbook, damage_member

# --- A1 references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("letters", "index"), [("A", 1), ("Z", 26), ("AA", 27), ("AB", 28), ("XFD", MAX_COLUMN)]
)
def test_column_letters_and_index(letters, index):
    assert column_index(letters) == index == column_index(letters.lower())
    assert column_letters(index) == letters


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("D7", CellRef(7, 4)),
        ("$D$7", CellRef(7, 4)),
        (" d7 ", CellRef(7, 4)),
        ("XFD1048576", CellRef(MAX_ROW, MAX_COLUMN)),
        ("XFE1", None),  # beyond the grid
        ("A1048577", None),
        ("A0", None),
        ("2C", None),
        ("D07", None),
        ("", None),
    ],
)
def test_parse_cell_ref(ref, expected):
    assert parse_cell_ref(ref) == expected


def test_cell_ref_is_a_tuple_with_its_a1_name():
    ref = CellRef(22, 3)
    assert ref.a1 == "C22" and parse_cell_ref(ref.a1) == ref
    assert ref == (22, 3) and {(22, 3): "x"}[ref] == "x"  # the same dict key as a plain position


@pytest.mark.parametrize(("value", "expected"), [("7", 7), ("0", 0), ("", None), ("²", None), ("7a", None)])
def test_parse_row_number(value, expected):
    assert parse_row_number(value) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("B2", (2, 2, 2, 2)),
        ("$B$2", (2, 2, 2, 2)),
        ("C3:A1", (1, 1, 3, 3)),
        ("A1:", (1, 1, 1, 1)),
        ("A:B", (1, 1, MAX_ROW, 2)),
        ("A:", (1, 1, MAX_ROW, 1)),
        ("3:2", (2, 1, 3, MAX_COLUMN)),
        ("yes", None),  # a name, not column YES: whole columns need the colon
        ("XFE1", None),
        ("A1048577", None),
    ],
)
def test_parse_range(ref, expected):
    found = parse_range(ref)
    assert (found and (found.min_row, found.min_col, found.max_row, found.max_col)) == expected


def test_sqref_and_sheet_ranges():
    assert parse_sqref("C2 E4:F5 nonsense") == [CellRange(2, 3, 2, 3), CellRange(4, 5, 5, 6)]
    assert CellRange(4, 5, 5, 6).area == 4 and CellRange(4, 5, 5, 6).contains(5, 5)
    assert split_sheet_range("'Sheet 2'!$A$1:$A$3") == ("Sheet 2", "$A$1:$A$3")
    assert split_sheet_range("'It''s'!A1") == ("It's", "A1")
    assert split_sheet_range("Values!$A$4:$A$5") == ("Values", "$A$4:$A$5")
    assert split_sheet_range("$F$2:$F$3") == (None, "$F$2:$F$3")
    assert split_sheet_range("yes") is None  # a defined name
    assert split_sheet_range("INDIRECT(A1)") is None


# --- opening a package ------------------------------------------------------------------------------


def test_sheets_names_and_parts_of_a_real_package(x14_workbook):
    with Package(x14_workbook) as workbook:
        assert [(s.name, s.index, s.state, s.kind, s.part) for s in workbook.sheets] == [
            ("Questions", 0, "visible", "worksheet", "xl/worksheets/sheet1.xml"),
            ("Sheet 2", 1, "hidden", "worksheet", "xl/worksheets/sheet2.xml"),
        ]
        assert workbook.sheet("Sheet 2").sheet_id == "2" and workbook.sheet("nope") is None
        assert workbook.workbook_part == "xl/workbook.xml"
        assert workbook.related_part("styles") == "xl/styles.xml"
        assert workbook.related_part("calcChain") is None
        assert workbook.defined_names == []
        assert workbook.shared_strings == []  # openpyxl writes inline strings
        assert workbook.read("xl/worksheets/sheet1.xml").count(b"<x14:dataValidation ") == 1


def test_defined_names_and_shared_string_runs(tmp_path):
    path = build_raw_workbook(tmp_path / "raw.xlsx", "")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<si><t>plain _x000D_</t></si>"
            "<si><r><t>rich </t></r><r><t>text</t></r><rPh><t>ふりがな</t></rPh></si></sst>",
        )
    _rewrite(
        path,
        "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace(
            b"</Relationships>",
            b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        ),
    )
    _rewrite(
        path,
        "xl/workbook.xml",
        lambda xml: xml.replace(
            b"</workbook>",
            b'<definedNames><definedName name="yes">Q!$A$1:$A$2</definedName>'
            b'<definedName name="local" localSheetId="0">Q!$B$1</definedName></definedNames></workbook>',
        ),
    )
    with Package(path) as workbook:
        assert workbook.shared_strings == ["plain \r", "rich text"]  # phonetic guides left out
        assert workbook.defined_names == [
            DefinedName("yes", None, "Q!$A$1:$A$2"),
            DefinedName("local", 0, "Q!$B$1"),
        ]


def test_relationship_targets_resolve_inside_the_archive(tmp_path):
    assert resolve_target("xl/workbook.xml", "worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert resolve_target("xl/workbook.xml", "/xl/worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert resolve_target("xl/worksheets/sheet1.xml", "../media/a.png") == "xl/media/a.png"
    # A target climbing out of the archive names no member: the sheet is missing, nothing is opened.
    path = build_raw_workbook(tmp_path / "raw.xlsx", "", sheet_target="../../../../etc/passwd")
    with Package(path) as workbook:
        (sheet,) = workbook.sheets
        assert sheet.part == "../../../etc/passwd" and not workbook.has(sheet.part)
        with pytest.raises(KBError, match="workbook part missing: ../../../etc/passwd"):
            workbook.read(sheet.part)


def test_external_relationships_are_left_out(tmp_path):
    path = build_raw_workbook(tmp_path / "raw.xlsx", "")
    _rewrite(
        path,
        "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace(
            b'Target="worksheets/sheet1.xml"', b'Target="https://x/y" TargetMode="External"'
        ),
    )
    with Package(path) as workbook:
        assert workbook.relationships(workbook.workbook_part) == {}
        assert [(s.kind, s.part) for s in workbook.sheets] == [("missing", "")]


# --- bad input ------------------------------------------------------------------------------------


def test_legacy_xls_and_encrypted_workbooks(tmp_path):
    for name in ("old.xls", "encrypted.xlsx"):
        path = tmp_path / name
        path.write_bytes(OLE_MAGIC + bytes(2000))
        with pytest.raises(KBError, match="encrypted or legacy .xls workbook, save it as .xlsx"):
            Package(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x01 random bytes \xff" * 50, b"PK\x03\x04" + bytes(100)])
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(content)
    with pytest.raises(KBError, match="junk.xlsx: not an .xlsx workbook"):
        Package(path)


def test_truncated_zip(x14_workbook, tmp_path):
    whole = x14_workbook.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(KBError, match="not an .xlsx workbook"):
        Package(cut)


def test_corrupt_member(x14_workbook):
    damage_member(x14_workbook, "xl/worksheets/sheet1.xml")
    with Package(x14_workbook) as workbook:  # the central directory is intact
        with pytest.raises(KBError, match="x14.xlsx: corrupt workbook, cannot read xl/worksheets/sheet1.xml"):
            workbook.read("xl/worksheets/sheet1.xml")
        with (
            pytest.raises(KBError, match="corrupt workbook"),
            workbook.reading("xl/worksheets/sheet1.xml") as s,
        ):
            s.read()


def test_xml_that_is_not_well_formed(tmp_path):
    path = build_raw_workbook(tmp_path / "raw.xlsx", "<row>")
    with Package(path) as workbook:
        with pytest.raises(
            KBError, match="raw.xlsx: corrupt workbook, xl/worksheets/sheet1.xml is not well-formed"
        ):
            workbook.parse("xl/worksheets/sheet1.xml")


def test_zip_without_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with Package(path) as workbook, pytest.raises(KBError, match="missing xl/workbook.xml"):
        workbook.sheets  # noqa: B018


def test_missing_file(tmp_path):
    with pytest.raises(KBError, match="workbook not found"):
        Package(tmp_path / "nope.xlsx")


def test_limits(x14_workbook, monkeypatch):
    monkeypatch.setattr(package_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(KBError, match="over the 0 MB limit"):
        Package(x14_workbook)
    monkeypatch.undo()
    monkeypatch.setattr(package_module, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(KBError, match="zip bomb guard"):
        Package(x14_workbook)
    monkeypatch.undo()
    monkeypatch.setattr(package_module, "MAX_ZIP_MEMBERS", 3)
    with pytest.raises(KBError, match="zip members, over the 3 limit"):
        Package(x14_workbook)


def test_a_zip_bomb_is_refused_on_its_declared_size(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # its central directory entry declares 4 GB unpacked
    data[entry + 24 : entry + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(KBError, match="bomb.xlsx: workbook unpacks to 4095 MB, over the 500 MB limit"):
        Package(path)


def test_zip_encrypted_members_are_refused(x14_workbook):
    data = bytearray(x14_workbook.read_bytes())
    for header, flags in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):  # central and local headers
        start = 0
        while (start := data.find(header, start)) >= 0:
            data[start + flags] |= 0x1  # "encrypted": zipfile would ask for a password
            start += 4
    x14_workbook.write_bytes(bytes(data))
    with pytest.raises(KBError, match="x14.xlsx: password-protected zip member"):
        Package(x14_workbook)


def test_the_file_is_closed_when_opening_fails(tmp_path):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"not a zip" * 10)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for _ in range(5):
        with pytest.raises(KBError):
            Package(path)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before


# --- writing a copy ---------------------------------------------------------------------------------


def test_copy_keeps_members_verbatim_and_replaces_the_given_ones(x14_workbook, tmp_path):
    copy = tmp_path / "copy.xlsx"
    with Package(x14_workbook) as workbook, copy.open("wb") as out:
        write_copy(workbook, out, {"xl/worksheets/sheet2.xml": b"<worksheet/>"})
        stored = {info.filename: workbook.stored_bytes(info) for info in workbook.members()}
    with zipfile.ZipFile(x14_workbook) as before, Package(copy) as after:
        assert after.zip.testzip() is None
        assert [i.filename for i in after.members()] == [i.filename for i in before.infolist()]
        for old, new in zip(before.infolist(), after.members(), strict=True):
            assert (new.date_time, new.compress_type, new.external_attr) == (
                old.date_time,
                old.compress_type,
                old.external_attr,
            )
            if old.filename == "xl/worksheets/sheet2.xml":
                assert after.read(new.filename) == b"<worksheet/>"
            else:  # not recompressed: the very bytes stored
                assert after.stored_bytes(new) == stored[old.filename], old.filename


def test_same_file_and_destination(tmp_path, small_workbook):
    src = small_workbook
    link = tmp_path / "link.xlsx"
    os.link(src, link)
    assert same_file(src, tmp_path / "sub" / ".." / "a.xlsx")
    assert same_file(src, link)  # a hard link: another name, the same file
    assert not same_file(src, tmp_path / "new.xlsx")
    for dst in (src, link, tmp_path / "." / "a.xlsx"):
        with pytest.raises(KBError, match="refusing to overwrite the input workbook a.xlsx"):
            check_destination(src, dst)
    with pytest.raises(KBError, match="output folder does not exist"):
        check_destination(src, tmp_path / "missing" / "out.xlsx")
    check_destination(src, tmp_path / "out.xlsx")


def _rewrite(path, part: str, change) -> None:
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, change(data) if info.filename == part else data)
