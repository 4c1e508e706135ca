"""exporters.xlsx_patch: only the target cells change, everything else in the workbook stays byte-identical."""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.datavalidation import DataValidation

from exporters import xlsx_patch
from exporters.xlsx_patch import (
    MAX_CELL_CHARS,
    WorkbookPatch,
    patch_sheet_xml,
    patch_workbook,
    sanitize_cell_text,
)
from importers.checksheet import read_checksheet
from importers.ooxml import OLE_MAGIC, CellRef, Package, column_letters, parse_cell_ref
from kb.errors import KBError
from tests.paths import DEMO as DEMO_DIR
from tests.paths import SHARED
from tests.workbooks import MAIN_NS

DATA = SHARED / "data"
REAL_FILES = [
    DATA / "dev" / "checksheet_basic_ja.xlsx",
    DATA / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx",
    *(
        DATA / "public" / "instructure" / name
        for name in (
            "Canvas LMS HECVAT Full.xlsx",
            "Parchment HECVAT Full - All Products.xlsx",
            "Canvas Catalog HECVAT Lite.xlsx",
            "Elevate Standards Alignment HECVAT Lite.xlsx",
            "Canvas LMS K-12CVAT-Lite.xlsx",
            "Instructure ISO 27001 SOA.xlsx",
        )
    ),
]
HECVAT414 = REAL_FILES[1]
DEMO = DEMO_DIR / "sample_checksheet.xlsx"

TRICKY_TEXTS = [
    "=SUM(A1:A3)",
    "+1 (555) 0100",
    "-not a formula",
    "@mention",
    "<b>bold</b> & \"quotes\" 'single'",
    "日本語の回答です。\n二行目 😀",
    "  leading and trailing spaces  ",
]


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"fixture not available: {path} (../shared data folder or demo file absent)")
    return path


def load(path: Path, **kwargs) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported" etc.
        return openpyxl.load_workbook(path, **kwargs)


def read_cells(path: Path, wanted: dict[str, set[str]]) -> dict[tuple[str, str], openpyxl.cell.cell.Cell]:
    """Cells re-read with openpyxl (read-only mode: fast on big workbooks, and it trusts <dimension>)."""
    wb = load(path, read_only=True)
    found = {}
    try:
        for name, refs in wanted.items():
            rows = {parse_cell_ref(ref)[0] for ref in refs}
            for row in wb[name].iter_rows(min_row=min(rows), max_row=max(rows)):
                for cell in row:
                    ref = getattr(cell, "coordinate", None)
                    if ref in refs:
                        found[(name, ref)] = cell
    finally:
        wb.close()
    return found


# --- zip-level comparisons --------------------------------------------------------------------


def raw_bytes(path: Path, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as stored."""
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = struct.unpack("<4s2B4HL2L2H", fh.read(30))
        fh.seek(info.header_offset + 30 + header[10] + header[11])
        return fh.read(info.compress_size)


def metadata(info: zipfile.ZipInfo) -> tuple:
    return (
        info.filename,
        info.date_time,
        info.compress_type,
        info.external_attr,
        info.create_system,
        info.comment,
    )


def assert_only_these_changed(src: Path, dst: Path, changed: list[str]) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        assert b.testzip() is None
        assert [metadata(i) for i in a.infolist()] == [metadata(i) for i in b.infolist()]  # order + metadata
        assert a.comment == b.comment
        for before, after in zip(a.infolist(), b.infolist(), strict=True):
            if before.filename in changed:
                assert a.read(before) != b.read(after)
                continue
            assert a.read(before) == b.read(after), before.filename
            assert raw_bytes(src, before) == raw_bytes(dst, after), f"{before.filename} was recompressed"


def assert_rows_and_cells_in_order(path: Path) -> None:
    """Excel repairs a sheet whose rows or cells are out of order; openpyxl reads it anyway."""
    with Package(path) as workbook:
        for sheet in workbook.sheets:
            if sheet.kind != "worksheet":
                continue
            rows = workbook.parse(sheet.part).iter(f"{{{MAIN_NS}}}row")
            numbers = [int(row.get("r")) for row in rows if row.get("r")]
            assert numbers == sorted(set(numbers)), f"rows of {sheet.name}"
            for row in workbook.parse(sheet.part).iter(f"{{{MAIN_NS}}}row"):
                refs = [cell.get("r") for cell in row.iter(f"{{{MAIN_NS}}}c") if cell.get("r")]
                columns = [parse_cell_ref(ref)[1] for ref in refs]
                assert columns == sorted(set(columns)), f"cells of {sheet.name} row {row.get('r')}: {refs}"


def split_sheet(xml: str) -> tuple[str, str, str]:
    """(before <sheetData>, sheetData, after </sheetData>)."""
    start = re.search(r"<(\w+:)?sheetData[\s/>]", xml).start()
    end = xml.index("sheetData>", start + 10) + len("sheetData>") if "</" in xml[start:] else start
    return xml[:start], xml[start:end], xml[end:]


def without_dimension(head: str) -> str:
    return re.sub(r"<dimension ref=\"[^\"]*\"", "<dimension", head)


def cell_attrs(xml: str, ref: str) -> dict[str, str] | None:
    match = re.search(rf"<c r=\"{ref}\"((?:\s+[\w:]+=\"[^\"]*\")*)\s*/?>", xml)
    return dict(re.findall(r"([\w:]+)=\"([^\"]*)\"", match.group(1))) if match else None


# --- real workbooks -------------------------------------------------------------------------------


def choose_writes(path: Path, count: int = 20):
    """~20 answer cells spread over the detected tables: dropdown options, tricky text, comments."""
    tables = read_checksheet(path)
    questions = [q for table in tables for q in table.questions if q.answer_cell]
    step = max(1, len(questions) // count)
    writes: dict[str, dict[CellRef, str]] = {}  # cells as the reader found them, as kb fill writes
    for index, question in enumerate(questions[::step][:count]):
        if question.options:
            value = question.options[index % len(question.options)]
        else:
            value = TRICKY_TEXTS[index % len(TRICKY_TEXTS)]
        writes.setdefault(question.sheet, {})[question.answer_cell] = value
        if question.comment_cell and index % 3 == 0:
            writes[question.sheet][question.comment_cell] = TRICKY_TEXTS[(index + 1) % len(TRICKY_TEXTS)]
    return writes


def patched_in_pieces(src: Path, dst: Path, writes: dict[str, dict], seed: int = 0) -> bytes:
    """WorkbookPatch fed a few cells at a time, in shuffled order, each cell first
    written with a placeholder that a later piece replaces (as kb fill feeds it)."""
    import random

    cells = [(sheet, ref, text) for sheet, refs in writes.items() for ref, text in refs.items()]
    random.Random(seed).shuffle(cells)
    pieces = [
        [(sheet, ref, "placeholder") for sheet, ref, _ in cells[i : i + 3]] for i in range(0, len(cells), 3)
    ]
    pieces += [cells[i : i + 5] for i in range(0, len(cells), 5)]
    with Package(src) as workbook:
        patch = WorkbookPatch(workbook)
        for piece in pieces:
            batch: dict[str, dict] = {}
            for sheet, ref, text in piece:
                batch.setdefault(sheet, {})[ref] = text
            patch.add(batch)
        assert patch.cells == sum(map(len, writes.values()))
        patch.write(dst)
    return dst.read_bytes()


@pytest.mark.parametrize("path", [*REAL_FILES, DEMO], ids=lambda p: p.name)
def test_patching_in_pieces_writes_the_same_bytes(tmp_path, path):
    src = need(path)
    writes = choose_writes(src, count=60)
    patch_workbook(src, tmp_path / "at_once.xlsx", writes)
    assert (
        patched_in_pieces(src, tmp_path / "pieces.xlsx", writes) == (tmp_path / "at_once.xlsx").read_bytes()
    )


@pytest.mark.parametrize("path", [*REAL_FILES, DEMO], ids=lambda p: p.name)
def test_patch_real_workbook(tmp_path, path):
    src = need(path)
    dst = tmp_path / "filled.xlsx"
    writes = choose_writes(src)
    assert sum(map(len, writes.values())) >= 20

    changed = patch_workbook(src, dst, writes)

    with Package(src) as workbook:
        parts = {s.name: s.part for s in workbook.sheets}
        sources = {name: workbook.read(parts[name]).decode("utf-8") for name in writes}
    assert sorted(changed) == sorted(parts[name] for name in writes)
    assert_only_these_changed(src, dst, changed)
    assert_rows_and_cells_in_order(dst)

    with zipfile.ZipFile(dst) as zf:
        for name, cells in writes.items():
            before, after = sources[name], zf.read(parts[name]).decode("utf-8")
            head_before, _, tail_before = split_sheet(before)
            head_after, _, tail_after = split_sheet(after)
            # namespaces, mc:Ignorable, cols ... and everything after sheetData (validations,
            # x14 dataValidations and conditional formats in <extLst>) are untouched
            assert without_dimension(head_after) == without_dimension(head_before)
            assert tail_after == tail_before
            assert after.count("<x14:dataValidation ") == before.count("<x14:dataValidation ")
            assert after.count("<x14:conditionalFormatting") == before.count("<x14:conditionalFormatting")
            for ref in cells:
                old = cell_attrs(before, ref.a1)
                assert (cell_attrs(after, ref.a1) or {}).get("s") == (old or {}).get("s"), (
                    f"style of {name}!{ref.a1}"
                )

    reread = read_cells(dst, {name: {ref.a1 for ref in cells} for name, cells in writes.items()})
    for name, cells in writes.items():
        for ref, value in cells.items():
            cell = reread[(name, ref.a1)]
            assert cell.value == value, f"{name}!{ref.a1}"
            assert cell.data_type == "s"  # "=SUM(...)" is text, never a formula

    answers = {(q.sheet, q.answer_cell): q.existing_answer for t in read_checksheet(dst) for q in t.questions}
    for name, cells in writes.items():
        for ref, value in cells.items():
            if (name, ref) in answers:
                assert answers[(name, ref)] == value.strip()


def test_x14_survives_where_openpyxl_drops_it(tmp_path, x14_workbook):
    src = x14_workbook
    dst = tmp_path / "filled.xlsx"
    assert patch_workbook(src, dst, {"Questions": {"C2": "Yes", "D2": "Daily backups."}}) == [
        "xl/worksheets/sheet1.xml"
    ]
    with zipfile.ZipFile(dst) as zf:
        assert zf.read("xl/worksheets/sheet1.xml").count(b"<x14:dataValidation ") == 1
    assert read_checksheet(dst)[0].questions[0].existing_answer == "Yes"

    roundtrip = tmp_path / "openpyxl.xlsx"
    load(src).save(roundtrip)  # what a naive load/save fill would do
    with zipfile.ZipFile(roundtrip) as zf:
        assert b"x14:dataValidation" not in zf.read("xl/worksheets/sheet1.xml")


def test_formula_cells_are_refused_by_default(tmp_path):
    src = need(HECVAT414)
    dst = tmp_path / "filled.xlsx"
    with pytest.raises(KBError, match=r"Organization!C13 holds a formula"):
        patch_workbook(src, dst, {"Organization": {"C22": "Yes", "C13": "ACME"}})
    assert not dst.exists()
    assert list(tmp_path.iterdir()) == []


def test_formula_overwrite_updates_calc_chain(tmp_path):
    src = need(HECVAT414)
    dst = tmp_path / "filled.xlsx"
    changed = patch_workbook(src, dst, {"Organization": {"C13": "ACME"}}, overwrite_formulas=True)

    assert changed == ["xl/worksheets/sheet2.xml", "xl/calcChain.xml"]
    assert_only_these_changed(src, dst, changed)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        chain_before, chain_after = a.read("xl/calcChain.xml").decode(), b.read("xl/calcChain.xml").decode()
    assert '<c r="C13" i="8" l="1"/>' in chain_before
    assert '<c r="C13" i="8"' not in chain_after
    assert '<c r="C14" i="8" l="1"/>' in chain_after  # the next entry takes over the level flag
    assert '<c r="C13" i="16"/>' in chain_after  # same cell on another sheet stays
    assert len(chain_before) - len(chain_after) == len('<c r="C13" i="8" l="1"/>') - len(' l="1"')
    assert read_cells(dst, {"Organization": {"C13"}})[("Organization", "C13")].value == "ACME"


# --- patch_sheet_xml on hand-written XML ------------------------------------------------------------


def patch(xml: str, cells: dict[str, str], **kwargs) -> str:
    values = {parse_cell_ref(ref): sanitize_cell_text(text) for ref, text in cells.items()}
    return patch_sheet_xml(xml.encode("utf-8"), values, **kwargs)[0].decode("utf-8")


def test_prefixed_namespace_and_sorted_insertion():
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:dimension ref="B2"/><x:sheetData>'
        '<x:row r="2"><x:c r="B2" s="4"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="7"><x:c r="A7"><x:v>7</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    out = patch(xml, {"D2": "d", "B2": "b", "A1": "a", "C5": "c", "E9": "e"})

    def cell(ref: str, value: str, style: str = "") -> str:
        return (
            f'<x:c r="{ref}"{style} t="inlineStr"><x:is><x:t xml:space="preserve">{value}</x:t></x:is></x:c>'
        )

    b2 = cell("B2", "b", ' s="4"')
    assert out == (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:dimension ref="A1:E9"/><x:sheetData>'
        f'<x:row r="1">{cell("A1", "a")}</x:row>'
        f'<x:row r="2">{b2}{cell("D2", "d")}</x:row>'
        f'<x:row r="5">{cell("C5", "c")}</x:row>'
        '<x:row r="7"><x:c r="A7"><x:v>7</x:v></x:c></x:row>'
        f'<x:row r="9">{cell("E9", "e")}</x:row>'
        "</x:sheetData></x:worksheet>"
    )


def test_untouched_cells_stay_in_place_around_written_and_new_ones():
    """Cells left of, between and right of the written ones are copied as they are, in order."""
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c><c r="C1" s="2" t="n"/><c r="D1" s="3"/><c r="E1"><v>5</v></c></row>'
        '<row r="2"><c r="A2" s="1"/><c r="B2"><v>2</v></c><c r="C2"/></row>'
        "</sheetData></worksheet>"
    )
    out = patch(xml, {"B1": "b", "C1": "", "G1": "g", "A2": "a"})

    def cell(ref: str, value: str, style: str = "") -> str:
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'

    a2 = cell("A2", "a", ' s="1"')
    assert out == (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
        f'<row r="1"><c r="A1"><v>1</v></c>{cell("B1", "b")}<c r="C1" s="2"/><c r="D1" s="3"/>'
        f'<c r="E1"><v>5</v></c>{cell("G1", "g")}</row>'
        f'<row r="2">{a2}<c r="B2"><v>2</v></c><c r="C2"/></row>'
        "</sheetData></worksheet>"
    )


def test_new_rows_go_before_the_next_row_even_when_rows_are_out_of_order():
    rows = '<row r="2"><c r="A2"/></row><row r="6"><c r="A6"/></row>'
    sorted_sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'
    out = patch(sorted_sheet, {"A1": "", "A4": "", "A5": "", "A9": ""})
    assert '<sheetData><row r="1"><c r="A1"/></row><row r="2">' in out
    assert '<c r="A2"/></row><row r="4"><c r="A4"/></row><row r="5"><c r="A5"/></row><row r="6">' in out
    assert '<c r="A6"/></row><row r="9"><c r="A9"/></row></sheetData>' in out

    # a damaged file: a new row still goes before the first row (in file order) numbered after it
    shuffled = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="7"/><row r="3"/></sheetData></worksheet>'
    out = patch(shuffled, {"A5": "", "A1": ""})
    assert '<sheetData><row r="1"><c r="A1"/></row><row r="5"><c r="A5"/></row><row r="7"/>' in out


def test_patched_parts_are_checked_for_well_formedness():
    fine = f'<x:a xmlns:x="{MAIN_NS}"><x:b/></x:a>'.encode()
    xlsx_patch._check_well_formed(fine, "ok.xml", fine)
    for broken in (
        b"<a><b></a>",
        b"<a>&undefined;</a>",
        b"<a><x:b/></a>",  # unbound prefix
        b'<!DOCTYPE a SYSTEM "a.dtd"><a>&undefined;</a>',  # expat alone would let this pass
    ):
        with pytest.raises(KBError, match="internal error: patched part.xml is not well-formed XML"):
            xlsx_patch._check_well_formed(broken, "part.xml", fine)
        # broken before the patch touched it: the file's fault, and said so
        with pytest.raises(KBError, match="^corrupt worksheet XML in part.xml: "):
            xlsx_patch._check_well_formed(broken, "part.xml", broken)


def test_a_patched_part_is_checked_as_it_is_streamed(tmp_path, small_workbook, monkeypatch):
    """The streamed check refuses what the whole-part check refuses, and a part that fails it
    stops the write: no output, nothing beside it."""
    import io

    for broken in (
        b"<a><b></a>",
        b"<a>&undefined;</a>",
        b"<a><x:b/></a>",
        b'<!DOCTYPE a SYSTEM "a.dtd"><a>&undefined;</a>',
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
    ):
        sink = xlsx_patch._Sink(io.BytesIO(), check=True)
        sink.write(broken.decode())
        with pytest.raises(xlsx_patch._NotWellFormed):
            sink.close()
    monkeypatch.setattr(xlsx_patch, "_patch_row", lambda *args: ('<row r="2"><c r="C2"></row>', []))
    with pytest.raises(KBError, match="internal error: patched xl/worksheets/sheet1.xml is not well-formed"):
        patch_workbook(small_workbook, tmp_path / "out.xlsx", {"Sheet": {"C2": "Yes"}})
    assert sorted(p.name for p in tmp_path.iterdir()) == [small_workbook.name]


def test_self_closing_sheet_data():
    out = patch(f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>', {"B1": "x"})
    assert out == (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="B1" t="inlineStr"><is>'
        '<t xml:space="preserve">x</t></is></c></row></sheetData></worksheet>'
    )


def test_new_cells_take_row_or_column_style():
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><cols><col min="2" max="3" style="9" width="20" customWidth="1"/></cols>'
        '<sheetData><row r="3" spans="1:2" s="7" customFormat="1"><c r="A3" s="1"/></row>'
        '<row r="4"><c r="A4"/></row></sheetData></worksheet>'
    )
    out = patch(
        xml, {"C3": "row style", "B4": "column style", "D4": "no style", "B6": "new row, column style"}
    )
    assert cell_attrs(out, "C3") == {"s": "7", "t": "inlineStr"}
    assert '<row r="3" spans="1:3" s="7" customFormat="1">' in out  # spans widened to the new cell
    assert cell_attrs(out, "B4") == {"s": "9", "t": "inlineStr"}
    assert cell_attrs(out, "D4") == {"t": "inlineStr"}
    assert cell_attrs(out, "B6") == {"s": "9", "t": "inlineStr"}
    assert '<c r="A3" s="1"/>' in out and '<c r="A4"/>' in out


def test_existing_cell_keeps_style_and_loses_value_type():
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
        '<c r="A1" s="5" t="s" cm="1"><v>3</v></c><c r="B1" s="2" t="n"><v>4.5</v></c></row>'
        "</sheetData></worksheet>"
    )
    out = patch(xml, {"A1": "text", "B1": ""})
    assert '<c r="A1" s="5" t="inlineStr"><is><t xml:space="preserve">text</t></is></c>' in out
    assert '<c r="B1" s="2"/>' in out  # an empty answer clears the value, keeps the style


def test_cells_without_r_attributes():
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row><c><v>1</v></c><c><v>2</v></c></row>'
        "<row><c><v>3</v></c></row></sheetData></worksheet>"
    )
    out = patch(xml, {"B1": "two", "B2": "four"})
    assert '<row><c><v>1</v></c><c r="B1" t="inlineStr">' in out
    assert '<row><c><v>3</v></c><c r="B2" t="inlineStr">' in out


def test_formula_handling_in_sheet_xml():
    xml = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
        '<c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1</f><v>2</v></c>'
        '<c r="C1"><f t="shared" si="0"/><v>2</v></c></row></sheetData></worksheet>'
    )
    with pytest.raises(xlsx_patch._FormulaRefused):
        patch(xml, {"A1": "x"})
    with pytest.raises(xlsx_patch._FormulaRefused, match="B1"):
        patch(xml, {"B1": "x"}, overwrite_formulas=True)
    values = {(1, 1): "x", (1, 3): "=y"}
    new, removed = patch_sheet_xml(xml.encode(), values, overwrite_formulas=True)
    assert removed == ["A1", "C1"]
    assert b"<f>" not in new and b'<f t="shared" si="0"/>' not in new
    assert b'<t xml:space="preserve">=y</t>' in new


def test_calc_chain_entry_removal_keeps_sheet_inheritance():
    chain = '<calcChain><c r="A1" i="1" l="1"/><c r="B1"/><c r="A1" i="2"/><c r="C1"/></calcChain>'
    out = xlsx_patch._drop_from_calc_chain(chain.encode(), "1", {"A1"}).decode()
    assert out == '<calcChain><c r="B1" i="1" l="1"/><c r="A1" i="2"/><c r="C1"/></calcChain>'


def test_text_is_escaped_and_sanitised():
    xml = f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'
    out = patch(xml, {"A1": "a<b>&c\x00\x0b\ufffe\ud800 _x0041_ \r\nend"})
    assert '<t xml:space="preserve">a&lt;b&gt;&amp;c _x005F_x0041_ \nend</t>' in out


def test_illegal_characters_are_exactly_those_outside_xml_chars():
    def xml_char(c: int) -> bool:  # XML 1.0, production [2] Char
        return (
            c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF
        )

    text = "".join(map(chr, range(0x110000)))
    kept = xlsx_patch._ILLEGAL_XML_CHARS.sub("", text)
    assert kept == "".join(chr(c) for c in range(0x110000) if xml_char(c))


def test_excel_text_limit():
    assert len(sanitize_cell_text("あ" * 40_000)) == MAX_CELL_CHARS
    emoji = sanitize_cell_text("😀" * 20_000)  # two UTF-16 units each
    assert len(emoji) == MAX_CELL_CHARS // 2 and len(emoji.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS
    assert sanitize_cell_text("short") == "short"


# --- bad input and atomic writes --------------------------------------------------------------------


def test_refuses_to_overwrite_the_source(tmp_path, small_workbook):
    src = small_workbook
    before = src.read_bytes()
    for dst in (src, tmp_path / "sub" / ".." / "a.xlsx", Path(str(src).replace("a.xlsx", "./a.xlsx"))):
        with pytest.raises(KBError, match="refusing to overwrite the input workbook"):
            patch_workbook(src, dst, {"Sheet": {"C2": "Yes"}})
    assert src.read_bytes() == before


@pytest.mark.parametrize(
    ("writes", "message"),
    [
        ({"Nope": {"C2": "Yes"}}, "no sheet named 'Nope'"),
        ({"Sheet": {"2C": "Yes"}}, "bad cell reference '2C'"),
        ({"Sheet": {"XFE1": "Yes"}}, "bad cell reference 'XFE1'"),
    ],
)
def test_bad_writes_leave_nothing_behind(tmp_path, small_workbook, writes, message):
    src = small_workbook
    dst = tmp_path / "out.xlsx"
    with pytest.raises(KBError, match=message):
        patch_workbook(src, dst, writes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


@pytest.mark.parametrize("content", [OLE_MAGIC + bytes(600), b"random bytes" * 40, b""])
def test_bad_source_workbooks(tmp_path, content):
    src = tmp_path / "in.xlsx"
    src.write_bytes(content)
    with pytest.raises(KBError):
        patch_workbook(src, tmp_path / "out.xlsx", {"Sheet": {"A1": "x"}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_failure_while_writing_leaves_existing_dst_alone(tmp_path, small_workbook, monkeypatch):
    src = small_workbook
    dst = tmp_path / "out.xlsx"
    dst.write_bytes(b"previous output")

    def broken_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(xlsx_patch, "write_copy", broken_write)
    with pytest.raises(KBError, match="could not write out.xlsx: disk full"):
        patch_workbook(src, dst, {"Sheet": {"C2": "Yes"}})
    assert dst.read_bytes() == b"previous output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "out.xlsx"]


def test_missing_output_folder(tmp_path, small_workbook):
    src = small_workbook
    with pytest.raises(KBError, match="output folder does not exist"):
        patch_workbook(src, tmp_path / "missing" / "out.xlsx", {"Sheet": {"C2": "Yes"}})


# --- property test ------------------------------------------------------------------------------------

SHEET_NAMES = ["Sheet", "回答シート", "Q & A", "Data 'x'", "Lists"]
plain_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
    lambda s: not s.startswith("=")
)
cell_value = st.one_of(
    st.none(), st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False), plain_text
)
position = st.tuples(st.integers(1, 25), st.integers(1, 8))
answer_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKY_TEXTS + ["", "x" * 40_000, "a\x00b\x1fc", "😀" * 5, "&amp; <![CDATA[", "]]>"]),
)


@st.composite
def random_workbook(draw):
    sheets = draw(st.lists(st.sampled_from(SHEET_NAMES), min_size=1, max_size=3, unique=True))
    content = {name: draw(st.dictionaries(position, cell_value, max_size=30)) for name in sheets}
    merges = {name: draw(st.one_of(st.none(), position)) for name in sheets}
    validations = {name: draw(st.booleans()) for name in sheets}
    writes = {name: draw(st.dictionaries(position, answer_text, max_size=8)) for name in sheets}
    return content, merges, validations, writes


def build_random_workbook(path: Path, content, merges, validations) -> set[tuple[str, int, int]]:
    """Write the workbook; returns the hidden (non-anchor) cells of merged ranges."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    hidden = set()
    for name, cells in content.items():
        ws = wb.create_sheet(name)
        for (row, col), value in cells.items():
            ws.cell(row, col, value)
        if merges[name]:
            row, col = merges[name]
            ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col + 1)
            hidden |= {(name, row, col + 1), (name, row + 1, col), (name, row + 1, col + 1)}
        if validations[name]:
            dv = DataValidation(type="list", formula1='"Yes,No,N/A"')
            dv.add("C1:C30")
            ws.add_data_validation(dv)
    wb.save(path)
    return hidden


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_workbook())
def test_property_random_workbooks(tmp_path, generated):
    content, merges, validations, raw_writes = generated
    src, dst = tmp_path / "src.xlsx", tmp_path / "dst.xlsx"
    hidden = build_random_workbook(src, content, merges, validations)
    writes = {
        name: {
            f"{column_letters(col)}{row}": text
            for (row, col), text in cells.items()
            if (name, row, col) not in hidden
        }
        for name, cells in raw_writes.items()
    }
    for cells in writes.values():
        for text in cells.values():
            assume(not re.search(r"_x[0-9A-Fa-f]{4}_", text))  # Excel's escape syntax: see test above

    changed = patch_workbook(src, dst, writes)

    assert_only_these_changed(src, dst, changed)
    assert_rows_and_cells_in_order(dst)
    assert patched_in_pieces(src, tmp_path / "pieces.xlsx", writes, seed=len(changed)) == dst.read_bytes()
    before, after = load(src), load(dst)
    for name in content:
        written = {parse_cell_ref(ref): sanitize_cell_text(text) for ref, text in writes[name].items()}
        old_ws, new_ws = before[name], after[name]
        max_row = max([old_ws.max_row, new_ws.max_row, *(r for r, _ in written)])
        max_col = max([old_ws.max_column, new_ws.max_column, *(c for _, c in written)])
        for row in range(1, max_row + 1):
            for col in range(1, max_col + 1):
                actual = new_ws.cell(row, col).value
                if (row, col) in written:
                    assert actual == (written[(row, col)] or None), (name, row, col)
                else:
                    assert actual == old_ws.cell(row, col).value, (name, row, col)
        assert str(old_ws.merged_cells) == str(new_ws.merged_cells)
        assert len(old_ws.data_validations.dataValidation) == len(new_ws.data_validations.dataValidation)
    for path in tmp_path.iterdir():
        path.unlink()
