"""kb fill --max-chars: long answers are cut at a sentence end; the whole text goes where it can."""

from __future__ import annotations

import json

import openpyxl
from click.testing import CliRunner

from exporters.fill import FillOptions, decide, planned_writes
from exporters.fill_length import limited, shorten
from exporters.fill_reasons import ReasonCode
from importers.checksheet import Question
from importers.ooxml import CellRef
from kb.answer import Answer
from kb.cli import cli
from tests.builders import make_source
from tests.workbooks import build_question_sheet

BODY = "データは国内のデータセンターにのみ保存します。バックアップも国内の別拠点に保管します。鍵は顧客ごとに分けます。"
CITATION = "出典: ホワイトペーパー 12.3.1"


def question(*, options: bool, comment: bool = True) -> Question:
    """Row 2 of sheet Q: answer cell C2, comment cell D2 (or none), a はい/いいえ dropdown or none."""
    choices = ["はい", "いいえ"] if options else []
    d2 = CellRef(2, 4) if comment else None
    return Question(
        "Q", 2, "1", "データの保存場所を記載してください。", CellRef(2, 3), d2, None, choices, None, None
    )


def answered(q: Question, text: str = BODY):
    source = make_source("12.3.1", "12.3.1 情報のバックアップ", text, 0.9, ["ホワイトペーパー 12.3.1"])
    return decide(q, Answer("q", "answered", 0.9, "yes", [source]), "ja")


def test_the_citation_line_stays_after_the_sentences_that_fit():
    text = f"{BODY}\n{CITATION}"
    short, cut, mid = shorten(text, 60, CITATION)
    assert (short, cut, mid) == (f"データは国内のデータセンターにのみ保存します。\n{CITATION}", True, False)
    assert len(short) <= 60
    assert shorten(text, len(text), CITATION) == (text, False, False)


def test_a_free_text_answer_is_cut_and_the_whole_text_goes_to_the_comment_column():
    q = question(options=False)
    row = limited(answered(q), 60, q.answer_cell)
    assert row.status == "answered" and len(row.text) <= 60 and row.text.endswith(CITATION)
    assert row.full_text == f"{BODY}\n{CITATION}"
    assert row.reason_codes == ["auto", "text_cut"]
    assert "the full text is in the comment column" in row.reason
    assert planned_writes([row])["Q"] == {(2, 3): row.text, (2, 4): row.full_text}


def test_beside_a_dropdown_the_text_is_the_comment_so_the_review_list_says_it_was_cut():
    q = question(options=True)
    row = limited(answered(q), 60, q.comment_cell)
    assert row.choice == "はい" and row.full_text is None
    assert "only in the review list" in row.reason and row.suggestion.text == f"{BODY}\n{CITATION}"
    assert planned_writes([row])["Q"] == {(2, 3): "はい", (2, 4): row.text}


def test_a_cut_inside_the_first_sentence_goes_to_review():
    q = question(options=False, comment=False)
    row = limited(
        answered(q, "顧客データは契約終了後三十日以内に消去し、消去証明書を発行します。"), 30, q.answer_cell
    )
    assert row.status == "needs_review" and row.text.endswith("…\n" + CITATION)
    assert ReasonCode.TEXT_CUT_MID_SENTENCE in row.reason_codes


def test_a_short_answer_is_left_alone():
    q = question(options=False)
    row = answered(q, "国内に保存します。")
    assert limited(row, 200, q.answer_cell) is row


def test_the_fill_command_cuts_to_max_chars(demo_db, tmp_path):
    src = build_question_sheet(
        tmp_path / "q.xlsx", ["バックアップは取得していますか。"], options=("はい", "いいえ")
    )
    db = demo_db.execute("PRAGMA database_list").fetchone()[2]
    out, report = tmp_path / "out.xlsx", tmp_path / "r.json"
    args = ["--db", db, "fill", str(src), "-o", str(out), "--report", str(report)]
    full = CliRunner().invoke(cli, [*args, "--draft-text"])
    assert full.exit_code == 0, full.output
    whole = openpyxl.load_workbook(out)["Q"]["D2"].value
    assert whole and len(whole) > 40
    res = CliRunner().invoke(cli, [*args, "--draft-text", "--max-chars", "40"])
    assert res.exit_code == 0, res.output
    cut = openpyxl.load_workbook(out)["Q"]["D2"].value
    assert len(cut) <= 40 and whole.startswith(cut.split("\n")[0].rstrip("…"))
    codes = json.loads(report.read_text())["questions"][0]["reason_codes"]
    assert {"text_cut", "text_cut_mid_sentence"} & set(codes)
    assert FillOptions().max_chars is None  # without the option nothing is cut
