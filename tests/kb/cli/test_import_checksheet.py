"""`kb import checksheet --answered` learns only from people: never from kb fill's own output,
never from rows a person left as kb fill wrote them, and only as drafts unless --approved."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import openpyxl
import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.db import connect
from tests.paths import DEMO

SHEET = "チェックシート"


def kb(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture
def filled(tmp_path):
    """A demo KB, and the demo check sheet as `kb fill` wrote it: (db path, filled workbook)."""
    db = tmp_path / "kb.db"
    assert kb(db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")).exit_code == 0
    src = shutil.copy(DEMO / "sample_checksheet.xlsx", tmp_path / "acme.xlsx")
    assert not written_rows(src), "the demo sheet must start unanswered"
    out = tmp_path / "acme_filled.xlsx"
    res = kb(db, "fill", str(src), "-o", str(out))
    assert res.exit_code == 0, res.output
    return db, out


def written_rows(path) -> dict[int, tuple]:
    """Row -> (choice, comment) of every question row with something in its answer cells (C, D)."""
    ws = openpyxl.load_workbook(path)[SHEET]
    questions = [
        row for row in range(1, ws.max_row + 1) if re.fullmatch(r"\d+-\d+", str(ws.cell(row, 1).value))
    ]
    assert len(questions) > 20, "the demo sheet's questions are numbered 1-1, 1-2 …"
    return {
        row: (ws.cell(row, 3).value, ws.cell(row, 4).value)
        for row in questions
        if ws.cell(row, 3).value or ws.cell(row, 4).value
    }


def question_at(path, row: int) -> str:
    return openpyxl.load_workbook(path)[SHEET].cell(row, 2).value


def answer(db, question: str) -> dict:
    return json.loads(kb(db, "answer", question, "--json").stdout)


def test_kb_fills_own_output_is_refused(filled):
    db, out = filled
    assert len(written_rows(out)) >= 2, "kb fill wrote too little for this test to mean anything"
    res = kb(db, "import", "checksheet", str(out), "--answered")
    assert res.exit_code == 2
    (filled_at,) = connect(db).execute("SELECT created_at FROM fills").fetchone()
    assert res.stderr.strip() == (
        f"kb: error: {out} is kb fill's own output (filled {filled_at[:10]}, unchanged since):"
        " answer or review it first, then import"
    )
    assert connect(db).execute("SELECT count(*) FROM qa_pairs").fetchone()[0] == 0


def test_only_the_rows_a_person_changed_are_harvested(filled):
    db, out = filled
    auto = written_rows(out)
    edited = next(row for row, (choice, _) in auto.items() if choice)
    wb = openpyxl.load_workbook(out)  # saved again by openpyxl: every byte of the file differs
    ws = wb[SHEET]
    ws.cell(edited, 3).value = "いいえ" if ws.cell(edited, 3).value == "はい" else "はい"
    ws.cell(edited, 4).value = "担当者が確認して書き直した回答です。"
    wb.save(out)

    res = kb(db, "import", "checksheet", str(out), "--answered", "--customer", "ACME")
    assert res.exit_code == 0, res.output
    assert f"{len(auto) - 1} rows skipped: as kb fill wrote them" in res.stdout
    assert "1 answered questions, drafts" in res.stdout
    rows = connect(db).execute("SELECT question, answer_text, status FROM qa_pairs").fetchall()
    assert rows == [(question_at(out, edited), "担当者が確認して書き直した回答です。", "draft")]


def test_a_sheet_a_person_left_as_filled_is_refused_after_saving(filled):
    db, out = filled
    wb = openpyxl.load_workbook(out)
    wb[SHEET]["A1"] = "ACME 様"  # a change outside the answers: no answer is a person's
    wb.save(out)
    res = kb(db, "import", "checksheet", str(out), "--answered")
    assert res.exit_code == 2
    assert f"all {len(written_rows(out))} answered rows are as kb fill wrote them" in res.stderr


def test_a_draft_suggests_and_an_approved_answer_answers(filled):
    db, out = filled
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    row = next(row for row, (choice, _) in written_rows(out).items() if choice)
    ws.cell(row, 3).value = "該当なし"
    ws.cell(row, 4).value = "本サービスでは提供していない機能です。"
    wb.save(out)
    question = question_at(out, row)

    assert kb(db, "import", "checksheet", str(out), "--answered").exit_code == 0
    draft = answer(db, question)
    assert draft["status"] == "needs_review", "a draft answered by itself"
    assert draft["sources"][0]["kind"] == "qa" and "提供していない" in draft["sources"][0]["text"]

    res = kb(db, "import", "checksheet", str(out), "--answered", "--approved")
    assert res.exit_code == 0 and "1 draft answers of document" in res.stdout and "approved" in res.stdout
    approved = answer(db, question)
    assert (approved["status"], approved["confidence"]) == ("answered", 1.0)
    assert "提供していない" in approved["sources"][0]["text"]


def test_a_fill_the_kb_cannot_record_keeps_its_output(tmp_path, monkeypatch):
    from kb import store

    db = tmp_path / "kb.db"
    assert kb(db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")).exit_code == 0

    def read_only(db, record):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store, "record_fill", read_only)
    out = tmp_path / "out.xlsx"
    res = kb(db, "fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert written_rows(out), "the filled workbook is kept"
    assert (
        "kb: warning: this fill is not recorded in the KB (attempt to write a readonly database)"
        in res.stderr
    )
