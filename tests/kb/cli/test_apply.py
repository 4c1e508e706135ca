"""kb apply from the command line: refusals leave nothing behind, decided answers go into the
library with who and when, and the next fill offers the approved ones first."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tests.exporters.test_apply import fill, lines_where, row_of, run
from tests.paths import SEED, SHARED, need_shared
from tests.workbooks import decide_in

DEV_SHEET = SHARED / "data" / "dev" / "checksheet_basic_ja.xlsx"


@pytest.fixture
def kb_path(tmp_path) -> Path:
    need_shared(SEED)
    need_shared(DEV_SHEET)
    path = tmp_path / "kb.db"
    run(path, "import", "whitepaper", str(SEED))
    return path


def apply(db: Path, decided: Path, filled: Path, final: Path, *options: str, ok: bool = True):
    return run(db, "apply", str(decided), "--to", str(filled), "-o", str(final), *options, ok=ok)


def library(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT question, choice, answer_text, customer, status, decided_by, decided_at, citations, is_current"
        " FROM qa_pairs ORDER BY id"
    ).fetchall()
    conn.close()
    return [dict(r) for r in rows]


def _decided(kb_path: Path, tmp_path: Path) -> tuple[Path, Path, list[int]]:
    """A fill of the dev sheet and two decisions on rows it left for review: an option with the
    pre-filled text, and custom text."""
    filled, review = fill(kb_path, DEV_SHEET, tmp_path)
    lines = lines_where(review, lambda r: r["状態"] == "要確認" and r["候補1"] and r["回答文（編集可）"])[:2]
    decided = decide_in(
        review,
        {lines[0]: ("はい", None), lines[1]: ("自由記述", "当社規程に従います。")},
        tmp_path / "d.xlsx",
    )
    return filled, decided, lines


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"C2": "たぶん"}, "line 2 (1): unknown decision 'たぶん' (not in this row's list)"),
        ({"B3": "別の質問ですか。"}, "line 3 (2): the question text was edited"),
        (
            {"C2": "候補1を採用", "D2": "書き換えた回答"},
            "line 2 (1): the answer text was edited but the decision is '候補1を採用'",
        ),
    ],
)
def test_a_mismatched_decision_workbook_is_refused_and_nothing_is_written(kb_path, tmp_path, edit, message):
    filled, decided, _ = _decided(kb_path, tmp_path)
    wb = openpyxl.load_workbook(decided)
    for ref, value in edit.items():
        wb.worksheets[0][ref] = value
    wb.save(decided)
    final = tmp_path / "final.xlsx"
    final.write_bytes(b"an earlier final workbook")
    res = apply(kb_path, decided, filled, final, "--approve", "--owner", "山田", ok=False)
    assert res.exit_code == 2
    assert res.output.startswith("kb: error: d.xlsx does not match filled.xlsx, nothing written: ")
    assert message in res.output and res.output.count("\n") == 1
    assert final.read_bytes() == b"an earlier final workbook"
    assert library(kb_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "d.xlsx",
        "filled.xlsx",
        "final.xlsx",
        "kb.db",
        "review.xlsx",
    ]


def test_a_decision_workbook_for_another_workbook_is_refused(kb_path, tmp_path):
    _, decided, _ = _decided(kb_path, tmp_path)
    res = apply(kb_path, decided, DEV_SHEET, tmp_path / "f.xlsx", ok=False)
    assert res.exit_code == 2 and "it was made for another workbook" in res.output
    assert not (tmp_path / "f.xlsx").exists() and library(kb_path) == []


def test_approve_needs_an_owner(kb_path, tmp_path):
    filled, decided, _ = _decided(kb_path, tmp_path)
    res = apply(kb_path, decided, filled, tmp_path / "f.xlsx", "--approve", ok=False)
    assert res.exit_code == 2 and "--approve needs --owner NAME" in res.output
    assert not (tmp_path / "f.xlsx").exists()


def test_decided_answers_are_approved_and_the_next_fill_offers_them_first(kb_path, tmp_path):
    filled, decided, lines = _decided(kb_path, tmp_path)
    final = tmp_path / "final.xlsx"
    res = apply(kb_path, decided, filled, final, "--approve", "--owner", "山田", "--customer", "ACME")
    assert "2 answers recorded as approved by 山田" in res.output
    option_row, custom_row = (row_of(decided, line) for line in lines)
    recorded = library(kb_path)
    assert [(r["question"], r["choice"], r["status"], r["decided_by"], r["customer"]) for r in recorded] == [
        (option_row["質問"], "はい", "approved", "山田", "ACME"),
        (custom_row["質問"], None, "approved", "山田", "ACME"),
    ]
    assert recorded[1]["answer_text"] == "当社規程に従います。" and json.loads(recorded[1]["citations"]) == []
    assert json.loads(recorded[0]["citations"])  # the accepted candidate's sources, apart from its text
    assert recorded[0]["decided_at"].endswith("+00:00")
    # the same decision workbook again: nothing new
    again = apply(kb_path, decided, filled, tmp_path / "f2.xlsx")
    assert "recorded before; nothing new" in again.output and len(library(kb_path)) == 2
    # next year's fill: the approved answers come first, marked, and answer by themselves
    second = tmp_path / "second"
    second.mkdir()
    report = second / "report.json"
    _, review2 = fill(kb_path, DEV_SHEET, second)
    res = run(kb_path, "fill", str(DEV_SHEET), "-o", str(second / "again.xlsx"), "--report", str(report))
    assert re.search(
        r"^[2-9]\d* rows offer a past library answer first \(marked in the review list\)$", res.output, re.M
    )
    rows = {q["question"]: q for q in json.loads(report.read_text())["questions"]}
    assert rows[option_row["質問"]]["status"] == "answered" and rows[option_row["質問"]]["choice"] == "はい"
    assert rows[option_row["質問"]]["reason_codes"][0] == "approved"
    assert rows[option_row["質問"]]["sources"][0]["kind"] == "qa"
    past = rows[option_row["質問"]]["sources"][0]["past"]
    assert (past["status"], past["decided_by"], past["customer"]) == ("approved", "山田", "ACME")
    marked = row_of(review2, lines[0])
    assert marked["候補1"].startswith("［過去の承認済み回答（") and "山田・ACME）］" in marked["候補1"]
    # the earlier customer's name is shown to the person, never written into the next sheet
    again_ws = openpyxl.load_workbook(second / "again.xlsx").worksheets[0]
    assert not any("ACME" in str(c.value) for row in again_ws.iter_rows() for c in row if c.value)


def test_drafts_are_suggestions_only(kb_path, tmp_path):
    filled, decided, lines = _decided(kb_path, tmp_path)
    apply(kb_path, decided, filled, tmp_path / "final.xlsx")
    assert {r["status"] for r in library(kb_path)} == {"draft"} and library(kb_path)[0]["decided_by"] is None
    report = tmp_path / "report.json"
    run(kb_path, "fill", str(DEV_SHEET), "-o", str(tmp_path / "again.xlsx"), "--report", str(report))
    rows = {q["question"]: q for q in json.loads(report.read_text())["questions"]}
    custom = rows[row_of(decided, lines[1])["質問"]]
    assert "approved" not in custom["reason_codes"]
