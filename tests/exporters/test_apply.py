"""kb apply writes a person's decisions into the filled workbook: only the decided cells change,
every other zip member is copied as it was, and a decision workbook that no longer matches is
refused whole."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from exporters.apply import plan
from exporters.decisions import DecisionSheet, digest, read_decisions
from kb.cli import cli
from kb.files import file_sha256
from tests.paths import SEED, SHARED, need_shared
from tests.workbooks import decide_in

DEV_SHEET = SHARED / "data" / "dev" / "checksheet_basic_ja.xlsx"
HECVAT = SHARED / "data" / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx"


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory) -> Path:
    """This module's own seed KB: applying adds to its answer library."""
    need_shared(SEED)
    path = tmp_path_factory.mktemp("apply") / "kb.db"
    run(path, "import", "whitepaper", str(SEED))
    return path


def run(db: Path, *args: str, ok: bool = True):
    res = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    if ok:
        assert res.exit_code == 0, res.output
    return res


def fill(db: Path, sheet: Path, folder: Path) -> tuple[Path, Path]:
    filled, review = folder / "filled.xlsx", folder / "review.xlsx"
    run(db, "fill", str(sheet), "-o", str(filled), "--review", str(review))
    return filled, review


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def cell_values(path: Path) -> dict[tuple[str, str], object]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def changed_cells(before: Path, after: Path) -> dict[tuple[str, str], object]:
    a, b = cell_values(before), cell_values(after)
    return {k: b.get(k) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def lines_where(review: Path, test) -> list[int]:
    """Lines of the decision workbook whose visible cells (by header) pass ``test``."""
    ws = openpyxl.load_workbook(review).worksheets[0]
    header = [c.value for c in ws[1]]
    return [
        i
        for i, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)
        if test(dict(zip(header, row, strict=False)))
    ]


def row_of(review: Path, line: int) -> dict:
    ws = openpyxl.load_workbook(review).worksheets[0]
    return dict(zip([c.value for c in ws[1]], [c.value for c in ws[line]], strict=True))


def assert_only(filled: Path, final: Path, parts: set[str]) -> None:
    before, after = members(filled), members(final)
    assert list(before) == list(after)
    assert {n for n in before if before[n] != after[n]} == parts


def test_apply_on_the_dev_sheet_changes_only_the_decided_cells(kb_path, tmp_path):
    need_shared(DEV_SHEET)
    filled, review = fill(kb_path, DEV_SHEET, tmp_path)
    review_rows = lines_where(review, lambda r: r["状態"] == "要確認" and r["候補2"])
    accept, option, custom, skip = review_rows[:4]
    decided = decide_in(
        review,
        {
            accept: ("候補2を採用", None),
            option: ("いいえ", ""),
            custom: ("自由記述", "当社の規程に従い実施しています。"),
            skip: ("スキップ", None),
        },
        tmp_path / "decided.xlsx",
    )
    final = tmp_path / "final.xlsx"
    res = run(kb_path, "apply", str(decided), "--to", str(filled), "-o", str(final), "--owner", "山田")
    assert (
        "3 decisions written (1 suggestions accepted, 1 options chosen, 1 custom texts); 1 skipped"
        in res.output
    )
    assert_only(filled, final, {"xl/worksheets/sheet1.xml"})
    keys = {line: row_of(decided, line) for line in (accept, option, custom, skip)}
    sheet = "チェックシート"
    changed = changed_cells(filled, final)
    a, o, c = keys[accept], keys[option], keys[custom]
    # accept suggestion 2: its text into the comment cell, its citation into the reference cell
    assert changed[sheet, a["kb:text_cell"]] == row_of(review, accept)["候補2"]
    assert changed[sheet, a["kb:reference_cell"]].startswith("出典: ")
    # an option with the pre-filled text emptied: the option, and nothing else
    assert changed == {
        **{(sheet, a[k]): changed[sheet, a[k]] for k in ("kb:text_cell", "kb:reference_cell")},
        (sheet, o["kb:answer_cell"]): "いいえ",
        (sheet, c["kb:text_cell"]): "当社の規程に従い実施しています。",
    }


def test_apply_on_a_real_hecvat_changes_only_the_decided_cells(kb_path, tmp_path):
    need_shared(HECVAT)
    filled, review = fill(kb_path, HECVAT, tmp_path)
    with_option = lines_where(review, lambda r: r["Status"] == "Needs review" and r["Suggested option"])
    open_text = lines_where(review, lambda r: r["kb:text_cell"] and r["Status"] == "No suggestion")
    yes_line, custom_line = with_option[0], open_text[0]
    decided = decide_in(
        review,
        {yes_line: ("No", None), custom_line: ("Custom text", "Handled by our security team.")},
        tmp_path / "decided.xlsx",
    )
    final = tmp_path / "final.xlsx"
    run(kb_path, "apply", str(decided), "--to", str(filled), "-o", str(final))
    y, c = row_of(decided, yes_line), row_of(decided, custom_line)
    sheets = openpyxl.load_workbook(filled, read_only=True).sheetnames
    parts = {f"xl/worksheets/sheet{sheets.index(s) + 1}.xml" for s in (y["kb:sheet"], c["kb:sheet"])}
    assert_only(filled, final, parts)
    before, after = members(filled), members(final)
    for part in parts:  # the x14 dropdowns and conditional formats live in extLst
        assert before[part][before[part].index(b"<extLst") :] == after[part][after[part].index(b"<extLst") :]
    expected = {
        (y["kb:sheet"], y["kb:answer_cell"]): "No",
        (c["kb:sheet"], c["kb:text_cell"]): "Handled by our security team.",
    }
    text_cell = (y["kb:sheet"], y["kb:text_cell"])
    if y["kb:text_cell"] and row_of(review, yes_line)["Answer text (editable)"]:
        expected[text_cell] = row_of(review, yes_line)[
            "Answer text (editable)"
        ]  # the pre-filled text goes with it
    assert changed_cells(filled, final) == expected


def test_skip_and_undecided_rows_write_nothing(kb_path, tmp_path):
    need_shared(DEV_SHEET)
    filled, review = fill(kb_path, DEV_SHEET, tmp_path)
    decided = decide_in(
        review, {2: ("スキップ", None), 3: ("スキップ", "書き換えても")}, tmp_path / "decided.xlsx"
    )
    final = tmp_path / "final.xlsx"
    res = run(kb_path, "apply", str(decided), "--to", str(filled), "-o", str(final))
    assert_only(filled, final, set())
    assert "nothing decided, nothing recorded" in res.output


def _sheet(review: Path, line: int, **changes) -> DecisionSheet:
    from dataclasses import replace

    sheet = read_decisions(review)
    rows = [replace(d, **changes) if d.line == line else d for d in sheet.rows]
    return DecisionSheet(sheet.lang, rows)


def test_mismatches_are_listed_with_their_line(kb_path, tmp_path):
    need_shared(DEV_SHEET)
    filled, review = fill(kb_path, DEV_SHEET, tmp_path)
    sha = file_sha256(filled)
    first = read_decisions(review).rows[0]
    assert plan(_sheet(review, 2, decision="いいえ"), sha).mismatches == []
    assert plan(read_decisions(review), "0" * 64).mismatches == [
        "it was made for another workbook (or the filled workbook was changed after kb fill wrote it)"
    ]
    assert plan(_sheet(review, 2, question=first.question + "（改）"), sha).mismatches == [
        "line 2 (1): the question text was edited"
    ]
    assert plan(_sheet(review, 2, decision="たぶん"), sha).mismatches == [
        "line 2 (1): unknown decision 'たぶん' (not in this row's list)"
    ]
    edited = plan(_sheet(review, 2, decision="候補1を採用", answer_text="別の文"), sha).mismatches
    assert edited == [
        "line 2 (1): the answer text was edited but the decision is '候補1を採用'"
        " (pick an option or '自由記述' to send the edited text)"
    ]
    assert plan(_sheet(review, 2, decision="自由記述", answer_text=" "), sha).mismatches == [
        "line 2 (1): '自由記述' with an empty answer text"
    ]
    assert digest(first.question.strip()) == first.question_sha256
