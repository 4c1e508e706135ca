"""kb fill --wrap: written cells get a wrapped copy of their own format, styles.xml gains only those."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from exporters.xlsx_patch import patch_workbook
from exporters.xlsx_styles import WrappedStyles
from importers.checksheet import read_checksheet
from kb.cli import cli
from tests.paths import SHARED, need_shared

DEV_SHEET = SHARED / "data" / "dev" / "checksheet_basic_ja.xlsx"
HECVAT = SHARED / "data" / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx"

XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def cell_xfs(styles: bytes) -> list[bytes]:
    block = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    assert block
    return XF.findall(block.group(1))


def answer_writes(path: Path) -> dict[str, dict]:
    """Every answer and comment cell of the sheet's questions, as kb fill would write them."""
    writes: dict[str, dict] = {}
    for table in read_checksheet(path):
        for q in table.questions:
            for cell in (q.answer_cell, q.comment_cell):
                if cell is not None:
                    writes.setdefault(q.sheet, {})[cell] = f"回答 {q.row}。二つ目の文です。"
    return writes


def cell_styles(sheet_xml: bytes) -> dict[str, int]:
    """A1 -> cellXfs index of every cell (0 without s)."""
    out = {}
    for attrs in re.findall(rb"<c\b([^>]*?)/?>", sheet_xml):
        ref = re.search(rb'\br="([A-Z]+\d+)"', attrs)
        style = re.search(rb'\bs="(\d+)"', attrs)
        if ref:
            out[ref.group(1).decode()] = int(style.group(1)) if style else 0
    return out


def wraps(xf: bytes) -> bool:
    return bool(re.search(rb'<alignment\b[^>]*wrapText="(1|true)"', xf))


def without_wrap(xf: bytes) -> bytes:
    """An xf with its wrapping (and the applyAlignment that goes with it) taken out, to compare."""
    xf = re.sub(rb'\s*(wrapText|applyAlignment)="[^"]*"', b"", xf)
    xf = re.sub(rb"<alignment\s*/>", b"", xf)
    xf = re.sub(rb"<xf([^>]*?)\s*>\s*</xf>", rb"<xf\1/>", xf)
    return re.sub(rb"\s+/>", b"/>", xf)


def check_wrapped_copy(src: Path, writes: dict[str, dict], tmp_path: Path) -> tuple[int, int, int]:
    """Patch with wrap; check what changed; (styles used, formats added, styles.xml growth in bytes)."""
    dst = tmp_path / "wrapped.xlsx"
    changed = patch_workbook(src, dst, writes, wrap=True)
    before, after = members(src), members(dst)
    assert list(before) == list(after)
    assert "xl/styles.xml" in changed
    for name in before:
        if name not in changed:
            assert before[name] == after[name], name  # every other member byte for byte
    old_xfs, new_xfs = cell_xfs(before["xl/styles.xml"]), cell_xfs(after["xl/styles.xml"])
    assert new_xfs[: len(old_xfs)] == old_xfs  # the customer's formats are all still there, unchanged
    added = new_xfs[len(old_xfs) :]
    count = re.search(rb'<cellXfs count="(\d+)"', after["xl/styles.xml"])
    assert count and int(count.group(1)) == len(new_xfs)
    # styles.xml gains the copies and nothing else
    old_styles, new_styles = before["xl/styles.xml"], after["xl/styles.xml"]
    copies = b"".join(added)
    end = old_styles.index(b"</cellXfs>")
    assert re.sub(rb'(<cellXfs count=")\d+', rb"\g<1>0", new_styles) == re.sub(
        rb'(<cellXfs count=")\d+', rb"\g<1>0", old_styles[:end] + copies + old_styles[end:]
    )

    parts = {s.name: s.part for s in _sheets(src)}
    used: set[int] = set()
    for sheet, cells in writes.items():
        old_styles_of, new_styles_of = cell_styles(before[parts[sheet]]), cell_styles(after[parts[sheet]])
        for cell in cells:
            ref = f"{openpyxl.utils.get_column_letter(cell.col)}{cell.row}"
            old, new = old_styles_of.get(ref, 0), new_styles_of[ref]
            used.add(old)
            assert wraps(new_xfs[new]), ref
            if new != old:  # the copy is the same format but for the wrapping
                assert new >= len(old_xfs)
                assert without_wrap(new_xfs[new]) == without_wrap(old_xfs[old])
        for row in {cell.row for cell in cells}:
            tag = re.search(rb'<row r="%d"[^>]*>' % row, after[parts[sheet]])
            assert tag and b" ht=" not in tag.group(0) and b"customHeight" not in tag.group(0)
    # ONE copy per style used that did not wrap already, and only those
    assert len(added) == len({s for s in used if not wraps(old_xfs[s])})
    return len(used), len(added), len(new_styles) - len(old_styles)


def _sheets(path: Path):
    from importers.ooxml import Package

    with Package(path) as package:
        return package.sheets


def test_dev_sheet_gains_one_wrapped_format_per_style_used(tmp_path):
    need_shared(DEV_SHEET)
    used, added, _ = check_wrapped_copy(DEV_SHEET, answer_writes(DEV_SHEET), tmp_path)
    assert used >= 1 and added >= 1
    wb = openpyxl.load_workbook(tmp_path / "wrapped.xlsx")
    ws = wb.active
    assert ws["E5"].alignment.wrap_text and ws["E5"].border.left.style == "thin"  # its border kept
    assert not ws["A5"].alignment.wrap_text  # a cell not written keeps its own format


def test_real_hecvat_gains_one_wrapped_format_per_style_used(tmp_path):
    need_shared(HECVAT)
    used, added, _ = check_wrapped_copy(HECVAT, answer_writes(HECVAT), tmp_path)
    assert 1 <= added <= used
    untouched_rows = re.findall(
        rb'<row r="3"[^>]*>', members(tmp_path / "wrapped.xlsx")["xl/worksheets/sheet2.xml"]
    )
    assert untouched_rows and b'customHeight="1"' in untouched_rows[0]  # rows not written keep their height


def test_without_wrap_the_styles_stay_as_they_are(tmp_path, small_workbook):
    dst = tmp_path / "out.xlsx"
    changed = patch_workbook(small_workbook, dst, {"Sheet": {"C2": "Yes. We do."}})
    assert changed == ["xl/worksheets/sheet1.xml"]
    assert members(small_workbook)["xl/styles.xml"] == members(dst)["xl/styles.xml"]


def test_the_fill_command_wraps_only_with_the_flag(demo_db, tmp_path):
    need_shared(DEV_SHEET)
    db = demo_db.execute("PRAGMA database_list").fetchone()[2]
    plain, wrapped = tmp_path / "plain.xlsx", tmp_path / "wrapped.xlsx"
    for out, flags in ((plain, []), (wrapped, ["--wrap"])):
        res = CliRunner().invoke(cli, ["--db", db, "fill", str(DEV_SHEET), "-o", str(out), *flags])
        assert res.exit_code == 0, res.output
    assert members(plain)["xl/styles.xml"] == members(DEV_SHEET)["xl/styles.xml"]
    assert len(cell_xfs(members(wrapped)["xl/styles.xml"])) > len(
        cell_xfs(members(DEV_SHEET)["xl/styles.xml"])
    )
    assert "wrapped cell formats added" in res.output


# --- styles.xml on its own ---------------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def styles(xfs: str, prefix: str = "") -> bytes:
    p = prefix
    ns = NS.replace("xmlns=", f"xmlns:{p[:-1]}=") if p else NS
    return (
        f'<{p}styleSheet {ns}><{p}fonts count="1"><{p}font/></{p}fonts>'
        f'<{p}cellXfs count="{xfs.count("<" + p + "xf ")}">{xfs}</{p}cellXfs>'
        f'<{p}cellStyles count="1"><{p}cellStyle name="Normal" xfId="0"/></{p}cellStyles></{p}styleSheet>'
    ).encode()


def wrapped_copies(xml: bytes, indexes) -> tuple[dict[int, int], list[str]]:
    styles_ = WrappedStyles.parse(xml)
    assert styles_ is not None
    mapping = styles_.wrap_all(indexes)
    out = styles_.xml()
    return mapping, [] if out is None else [x.decode() for x in cell_xfs(out)][len(styles_.xfs) :]


def test_a_format_without_alignment_gets_one():
    xml = styles('<xf numFmtId="0" fontId="0" borderId="1" xfId="0"/><xf numFmtId="0" fontId="0" xfId="0"/>')
    mapping, added = wrapped_copies(xml, [1, 1, 0])
    assert mapping == {0: 2, 1: 3}  # made in style order, one each
    assert added == [
        '<xf numFmtId="0" fontId="0" borderId="1" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf>',
        '<xf numFmtId="0" fontId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf>',
    ]


def test_an_alignment_keeps_its_other_attributes_and_drops_shrinking():
    xml = styles(
        '<xf numFmtId="0" fontId="0" xfId="0" applyAlignment="0">'
        '<alignment horizontal="left" vertical="top" shrinkToFit="1"/><protection locked="0"/></xf>'
    )
    _, added = wrapped_copies(xml, [0])
    assert added == [
        '<xf numFmtId="0" fontId="0" xfId="0" applyAlignment="1">'
        '<alignment horizontal="left" vertical="top" wrapText="1"/><protection locked="0"/></xf>'
    ]


@pytest.mark.parametrize("value", ["1", "true"])
def test_a_format_that_wraps_already_is_used_as_it_is(value):
    xml = styles(f'<xf numFmtId="0" xfId="0"><alignment wrapText="{value}"/></xf>')
    mapping, added = wrapped_copies(xml, [0])
    assert mapping == {0: 0} and added == []
    assert WrappedStyles.parse(xml).xml() is None  # nothing to write: styles.xml stays as it is


def test_prefixed_styles_and_an_index_beyond_the_list():
    xml = styles('<x:xf numFmtId="0" xfId="0"/>', prefix="x:")
    styles_ = WrappedStyles.parse(xml)
    assert styles_.wrapped(5) == 5  # not in the part: left as it is
    assert styles_.wrapped(0) == 1
    out = styles_.xml().decode()
    assert '<x:cellXfs count="2">' in out
    assert (
        '<x:xf numFmtId="0" xfId="0" applyAlignment="1"><x:alignment wrapText="1"/></x:xf></x:cellXfs>' in out
    )


def test_rows_lose_only_their_fixed_height(tmp_path):
    from tests.workbooks import build_raw_workbook

    src = build_raw_workbook(
        tmp_path / "raw.xlsx",
        '<row r="1" ht="30" customHeight="1" hidden="1"><c r="A1" s="0"/></row>'
        '<row r="2" ht="30" customHeight="1"><c r="A2"/></row>',
    )
    dst = tmp_path / "out.xlsx"
    patch_workbook(src, dst, {"Q": {"A1": "text"}}, wrap=True)  # no styles.xml: cells keep their style
    sheet = members(dst)["xl/worksheets/sheet1.xml"]
    assert b'<row r="1" hidden="1">' in sheet  # still hidden, no longer fixed
    assert b'<row r="2" ht="30" customHeight="1">' in sheet
