"""kb fill writes in the customer's language, and writes nothing into a row left for review."""

from __future__ import annotations

import json

import openpyxl
import pytest

from exporters.fill import FillOptions, answer_language, decide, fill, planned_writes
from exporters.fill_reasons import ReasonCode
from importers.checksheet import Question, read_checksheet
from importers.ooxml import CellRef
from kb.answer import AUTO_THRESHOLDS, Answer, Translation
from kb.language import text_language
from tests.builders import make_source
from tests.exporters.test_fill import assert_only_sheets_changed, kb
from tests.workbooks import build_question_sheet

# Questions the demo KB (Japanese only) answers by itself (backups, vulnerability scans, logs),
# and one it has only weak candidates for (insurance).
AUTO_EN = ["Are backups taken?", "Do you perform vulnerability scanning?", "Are logs collected?"]
WEAK_EN = "Do you have a cyber insurance policy?"


def _cells(path, sheet="Q") -> dict[str, object]:
    """The answer and comment cells (C, D) of the question rows that hold something."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        c.coordinate: c.value
        for row in ws.iter_rows(min_row=2, min_col=3)
        for c in row
        if c.value is not None
    }


def _fill(db, src, dst, **options):
    return fill(db, src, dst, read_checksheet(src), FillOptions(**options))


def _auto(rows):
    """Rows the engine answered by itself (whatever was then written)."""
    return [r for r in rows if ReasonCode.AUTO in (x.code for x in r.reasons)]


@pytest.fixture
def english_sheet(tmp_path):
    return build_question_sheet(tmp_path / "en.xlsx", [*AUTO_EN, WEAK_EN])


def test_english_sheet_on_a_japanese_kb_gets_choices_but_no_japanese_text(demo_db, english_sheet, tmp_path):
    out = tmp_path / "out.xlsx"
    report = _fill(demo_db, english_sheet, out)
    assert report.summary.answer_lang == "en"
    auto = _auto(report.rows)
    assert len(auto) >= 2 and all(r.choice == "Yes" for r in auto)  # what this test is about
    for row in auto:
        assert row.text is None and row.text_lang is None
        assert row.status == "needs_review"  # the English text is still to be written
        assert row.reasons[-1].code is ReasonCode.NO_EDITION
        assert row.reasons[-1].text.startswith("no English version of ")
    weak = report.rows[-1]
    assert weak.status in ("needs_review", "no_match") and not weak.written
    written = _cells(out)
    assert written == {f"C{r.question.row}": "Yes" for r in auto}
    assert not any(text_language(str(v)) == "ja" for v in written.values())
    assert_only_sheets_changed(english_sheet, out, report.summary.parts_changed)


def test_draft_text_writes_the_suggestion_marked_as_a_draft(demo_db, english_sheet, tmp_path):
    out, report_path = tmp_path / "out.xlsx", tmp_path / "report.json"
    res = kb(
        "fill", str(english_sheet), "-o", str(out), "--report", str(report_path), "--draft-text", db=demo_db
    )
    assert res.exit_code == 0, res.output
    report = json.loads(report_path.read_text())
    written = _cells(out)
    drafted = [q for q in report["questions"] if q["sources"]]
    assert len(drafted) >= 3
    for q in drafted:
        assert q["text_lang"] == "ja" and "draft_text" in q["reason_codes"]
        assert text_language(written[f"D{q['row']}"]) == "ja" and "出典: " in written[f"D{q['row']}"]
    # a draft is text: the choice of a row the engine did not answer stays empty
    for q in report["questions"]:
        assert (f"C{q['row']}" in written) == ("auto" in q["reason_codes"] and q["choice"] is not None)


def test_answer_lang_ja_answers_an_english_sheet_in_japanese(demo_db, english_sheet, tmp_path):
    report = _fill(demo_db, english_sheet, tmp_path / "out.xlsx", answer_lang="ja")
    auto = _auto(report.rows)
    assert report.summary.answer_lang == "ja" and len(auto) >= 2
    assert all(r.status == "answered" and r.text_lang == "ja" and text_language(r.text) == "ja" for r in auto)


def test_a_japanese_row_left_for_review_gets_nothing(demo_db, tmp_path):
    src = build_question_sheet(
        tmp_path / "ja.xlsx",
        ["データは日本国内にのみ保存されますか。", "バックアップは取得していますか。"],
        options=("はい", "いいえ", "該当なし"),
        header=("No.", "質問", "回答", "備考"),
    )
    out = tmp_path / "out.xlsx"
    report = _fill(demo_db, src, out, min_confidence=0.99)  # nothing reaches the auto threshold
    assert report.summary.answer_lang == "ja"
    assert {r.status for r in report.rows} <= {"needs_review", "no_match"}
    assert any(r.status == "needs_review" for r in report.rows)
    assert all(r.suggestion.text for r in report.rows if r.status == "needs_review")
    # the threshold asked for is the one the reason names
    assert all("< auto threshold 0.99 (ja)" in r.reason for r in report.rows if r.status == "needs_review")
    assert report.summary.cells_written == 0 and planned_writes(report.rows) == {}
    assert _cells(out) == {}


def _question(reference: bool = False) -> Question:
    return Question(
        sheet="Q",
        row=2,
        number="Q-1",
        text="Are backups taken daily?",
        answer_cell=CellRef(2, 3),
        comment_cell=CellRef(2, 4),
        reference_cell=CellRef(2, 5) if reference else None,
        options=["Yes", "No", "N/A"],
        existing_answer=None,
        existing_comment=None,
    )


def _bilingual_source():
    src = make_source(
        "12.3.1",
        "12.3.1 情報のバックアップ",
        "バックアップは毎日取得します。",
        0.8,
        ["ホワイトペーパー 12.3.1"],
    )
    src.translations = (Translation("en", "Backups are taken daily.", ("Whitepaper 12.3.1",)),)
    return src


def test_an_english_edition_is_written_with_english_citations():
    row = decide(_question(), Answer("q", "answered", 0.8, "yes", [_bilingual_source()]), "en")
    assert row.status == "answered" and row.choice == "Yes" and row.text_lang == "en"
    assert row.text == "Backups are taken daily.\nSource: Whitepaper 12.3.1"
    assert row.reason == f"confidence 0.80 ≥ auto threshold {AUTO_THRESHOLDS['en']:.2f} (en)"
    with_ref = decide(
        _question(reference=True), Answer("q", "answered", 0.8, "yes", [_bilingual_source()]), "en"
    )
    assert with_ref.text == "Backups are taken daily." and with_ref.citation == "Source: Whitepaper 12.3.1"
    cells = planned_writes([with_ref])["Q"]
    assert cells == {(2, 3): "Yes", (2, 4): "Backups are taken daily.", (2, 5): "Source: Whitepaper 12.3.1"}


def test_a_yes_no_row_without_a_stance_gets_nothing_and_says_why():
    row = decide(_question(), Answer("q", "answered", 0.8, None, [_bilingual_source()]), "en")
    assert row.status == "needs_review" and not row.written
    assert [r.code for r in row.reasons] == [ReasonCode.AUTO, ReasonCode.NO_STANCE]
    drafted = decide(
        _question(),
        Answer("q", "answered", 0.8, None, [_bilingual_source()]),
        "en",
        FillOptions(draft_text=True),
    )
    assert drafted.choice is None and drafted.text.startswith("Backups are taken daily.")


@pytest.mark.parametrize(
    ("choice", "texts", "lang"),
    [
        ("auto", ["Do you encrypt backups?", "Are logs kept?", "ログは取得できますか。"], "en"),
        ("auto", ["バックアップは暗号化されますか。", "Is MFA offered?", "ログは取得できますか。"], "ja"),
        ("ja", ["Do you encrypt backups?"], "ja"),
        ("en", ["バックアップは暗号化されますか。"], "en"),
    ],
)
def test_the_answer_language_is_the_one_asked_for_or_the_sheets(choice, texts, lang):
    questions = [Question("S", n, None, t, None, None, None, [], None, None) for n, t in enumerate(texts)]
    assert answer_language(choice, questions) == lang


def test_a_row_the_topic_gate_held_says_what_the_gate_said():
    held = Answer("q", "needs_review", 0.9, "yes", [_bilingual_source()], why="no source covers 'encrypted'")
    row = decide(_question(), held, "en")
    assert row.reason_codes == ["held_by_engine"] and not row.written
    assert row.reason == "held for review: no source covers 'encrypted' (confidence 0.90)"
