"""kb fill NEW --previous LAST_FINAL: last year's answers to the same questions, changed and new ones listed."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from exporters.previous import PreviousRow, PreviousSheet, choice_in_list, match_questions, read_previous
from importers.checksheet import Question, read_checksheet
from kb.cli import cli
from kb.question_versions import NEAR_MATCH, similarity, version_key
from tests.builders import build_demo_db
from tests.workbooks import build_question_sheet

# Last year's sheet, as the customer got it back: a person's answers in C (choice) and D (comment).
LAST = [
    ("Do you encrypt customer data at rest?", "Yes", "AES-256 on every volume."),
    ("Do you train staff in security every year?", "Yes", None),
    ("Is there a named security officer?", "No", None),
    ("Do you keep access logs for twelve months?", "Yes", "Kept 13 months."),
    ("Do you allow customers to audit the data centre?", "No", "Reports are shared instead."),
]
# This year's: rows moved, spacing and width changed (unchanged questions), one reworded, one
# replaced under the same number, one new.
THIS = [
    "Is there a named  security officer?",  # row 2 (was row 4): unchanged, spacing
    "Do you encrypt customer data at rest？",  # row 3 (was row 2): unchanged, full-width ?
    "Do you train all staff in security every year?",  # row 4: reworded (near match)
    "Do you keep access logs for twelve months?",  # row 5 (same row): unchanged
    "Do you run a bug bounty programme?",  # row 6, Q-5: same number as the audit question, other words
    "Do you publish a status page?",  # row 7: new
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """This module's own demo KB: a test harvests answers into it, which must not reach the
    session's demo KB other modules answer from."""
    return build_demo_db(tmp_path_factory.mktemp("previous-demo"))


def db_path(db) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


@pytest.fixture
def versions(tmp_path) -> tuple[Path, Path]:
    last = build_question_sheet(tmp_path / "last.xlsx", [q for q, _, _ in LAST])
    wb = openpyxl.load_workbook(last)
    ws = wb["Q"]
    for row, (_, choice, comment) in enumerate(LAST, start=2):
        ws.cell(row, 3, choice)
        ws.cell(row, 4, comment)
    wb.save(last)
    return last, build_question_sheet(tmp_path / "this.xlsx", THIS)


def test_questions_are_matched_by_their_words_not_their_rows(versions):
    last, this = versions
    previous = read_previous(last)
    questions = [q for t in read_checksheet(this) for q in t.questions]
    matches = match_questions(questions, previous)
    assert [m.kind for m in matches] == ["unchanged", "unchanged", "changed", "unchanged", "changed", "new"]
    assert [m.previous.row if m.previous else None for m in matches] == [4, 2, 3, 5, 6, None]
    assert [m.how for m in matches] == [None, None, "near match", None, "same number", None]
    assert matches[2].similarity >= NEAR_MATCH > matches[4].similarity


def test_the_same_question_is_the_same_words_after_nfkc_whitespace_case_and_note_marks():
    assert version_key("Ｄｏ you  encrypt\ndata？") == version_key("Do you encrypt data?")
    assert version_key("データを 暗号化 していますか。") == version_key("データを暗号化していますか。")
    assert version_key("Do you encrypt data?") != version_key("Do you encrypt all data?")
    # a new edition's capitals and its mark for required questions change nothing asked
    assert version_key("Does your Change Management process include testing?*") == version_key(
        "Does your change management process include testing?"
    )
    assert version_key("バックアップを取得していますか。※") == version_key("バックアップを取得していますか。")
    # punctuation and cited numbers are words: 'and/or' is not 'and'
    assert version_key("Is data returned and/or deleted?") != version_key("Is data returned and deleted?")


def test_near_matches_on_our_own_questions():
    """Reworded or extended questions reach NEAR_MATCH; questions sharing a question ending do not."""
    assert (
        similarity("データセンターは国内にありますか。", "データセンターは日本国内に所在していますか。")
        >= NEAR_MATCH
    )
    assert (
        similarity(
            "バックアップを毎日取得していますか。", "バックアップを毎日取得し、別拠点に保管していますか。"
        )
        >= NEAR_MATCH
    )
    assert similarity("Do you encrypt data at rest?", "Do you encrypt customer data at rest?") >= NEAR_MATCH
    assert (
        similarity("情報セキュリティ教育を実施していますか。", "脆弱性診断を定期的に実施していますか。")
        < NEAR_MATCH
    )
    assert (
        similarity("アクセスログを保管していますか。", "パスワードの最小文字数を定めていますか。")
        < NEAR_MATCH
    )
    assert (
        similarity("Do you encrypt data at rest?", "Is the admin console limited to the office network?")
        < NEAR_MATCH
    )


def _question(row: int, text: str, number: str | None = None) -> Question:
    return Question("Q", row, number, text, None, None, None, [], None, None)


def test_a_question_asked_twice_before_with_different_answers_is_not_guessed():
    previous = PreviousSheet(
        "last.xlsx",
        (
            PreviousRow("A", 2, "A-1", "Is data encrypted?", "Yes", None),
            PreviousRow("B", 2, "B-1", "Is data encrypted?", "No", None),
        ),
    )
    ambiguous, by_number = match_questions(
        [_question(2, "Is data encrypted?", "C-1"), _question(3, "Is data encrypted?", "B-1")], previous
    )
    assert (
        ambiguous.kind == "unchanged" and ambiguous.previous is None and "different answers" in ambiguous.how
    )
    assert by_number.previous.sheet == "B"  # its own number tells which


def test_fill_reuses_unchanged_answers_and_lists_changed_and_new(demo_db, versions, tmp_path):
    last, this = versions
    out, report_path = tmp_path / "out.xlsx", tmp_path / "report.json"
    res = CliRunner().invoke(
        cli,
        ["--db", db_path(demo_db), "fill", str(this), "-o", str(out), "--previous", str(last)]
        + ["--report", str(report_path)],
    )
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["Q"]
    assert (ws["C2"].value, ws["D2"].value) == ("No", None)
    assert (ws["C3"].value, ws["D3"].value) == ("Yes", "AES-256 on every volume.")
    assert (ws["C5"].value, ws["D5"].value) == ("Yes", "Kept 13 months.")
    last_year = {comment for _, _, comment in LAST if comment}
    assert not {ws.cell(row, 4).value for row in (4, 6, 7)} & last_year  # nothing of last year's there
    report = json.loads(report_path.read_text())
    rows = {q["row"]: q for q in report["questions"]}
    assert [rows[r]["status"] for r in (2, 3, 5)] == ["reused"] * 3
    assert all(rows[r]["status"] != "reused" for r in (4, 6, 7))
    assert "previous answer reused (last.xlsx, Q row 4, Q-3)" in rows[2]["reason"]
    assert "question_changed" in rows[4]["reason_codes"] and "question_new" in rows[7]["reason_codes"]
    assert "it asked “Do you train staff in security every year?”; answered “Yes”" in rows[4]["reason"]
    previous = report["previous"]
    assert (previous["unchanged"], previous["reused"], previous["dropped"]) == (3, 3, 0)
    assert [(c["row"], c["how"], c["previous"]["row"]) for c in previous["changed"]] == [
        (4, "near match", 3),
        (6, "same number", 6),
    ]
    assert [n["row"] for n in previous["new"]] == [7]
    assert report["summary"]["reused"] == 3
    assert "3 questions unchanged (3 answers reused), 2 changed, 1 new" in res.output
    assert "Do you publish a status page?" in res.output


def test_reused_answers_are_never_harvested_as_new(demo_db, versions, tmp_path):
    last, this = versions
    db = db_path(demo_db)
    out = tmp_path / "out.xlsx"
    assert (
        CliRunner()
        .invoke(cli, ["--db", db, "fill", str(this), "-o", str(out), "--previous", str(last)])
        .exit_code
        == 0
    )
    # A person answers the new question and sends the sheet; only that answer is theirs.
    wb = openpyxl.load_workbook(out)
    wb["Q"]["C7"] = "Yes"
    wb.save(out)
    res = CliRunner().invoke(cli, ["--db", db, "import", "checksheet", str(out), "--answered"])
    assert res.exit_code == 0, res.output
    harvested = demo_db.execute(
        "SELECT question FROM qa_pairs WHERE question LIKE 'Do you%' OR question LIKE 'Is there%'"
    ).fetchall()
    assert [q for (q,) in harvested] == ["Do you publish a status page?"]


def test_a_person_s_answer_in_the_new_sheet_is_kept_unless_overwrite(demo_db, versions, tmp_path):
    last, this = versions
    wb = openpyxl.load_workbook(this)
    wb["Q"]["C3"] = "No"  # someone already answered the encryption question this year
    wb.save(this)
    db = db_path(demo_db)
    for flags, expected in (([], ("No", None)), (["--overwrite"], ("Yes", "AES-256 on every volume."))):
        out = tmp_path / f"out{len(flags)}.xlsx"
        args = ["--db", db, "fill", str(this), "-o", str(out), "--previous", str(last), *flags]
        assert CliRunner().invoke(cli, args).exit_code == 0
        ws = openpyxl.load_workbook(out)["Q"]
        assert (ws["C3"].value, ws["D3"].value) == expected


def test_the_previous_choice_is_written_in_this_sheet_s_options(demo_db, versions, tmp_path):
    last, _ = versions
    this = build_question_sheet(
        tmp_path / "ja.xlsx", ["Do you encrypt customer data at rest?"], options=("はい", "いいえ")
    )
    free_text = build_question_sheet(
        tmp_path / "free.xlsx",
        ["Is there a named security officer?"],
        header=("No.", "Question", "Answer", "Notes"),
    )
    # no dropdown on the free-text sheet: the answer column takes the choice as words
    wb = openpyxl.load_workbook(free_text)
    wb["Q"].data_validations.dataValidation = []
    wb.save(free_text)
    db = db_path(demo_db)
    for src, cell, expected in ((this, "C2", "はい"), (free_text, "C2", "No")):
        out = tmp_path / f"{src.stem}_out.xlsx"
        res = CliRunner().invoke(cli, ["--db", db, "fill", str(src), "-o", str(out), "--previous", str(last)])
        assert res.exit_code == 0, res.output
        assert openpyxl.load_workbook(out)["Q"][cell].value == expected


@pytest.mark.parametrize(
    ("previous", "options", "expected"),
    [
        ("Yes", ["Yes", "No"], "Yes"),
        ("1) Yes", ["Yes", "No"], "Yes"),  # the old list's numbering is not the option's words
        ("(d) AWS", ["Self-Managed", "AWS", "Azure"], "AWS"),
        ("Yes", ["はい", "いいえ"], "はい"),  # the same stance in the new list's words
        ("4) Azure", ["Self-Managed", "AWS"], None),  # not offered any more: a person chooses
    ],
)
def test_a_previous_choice_in_this_sheet_s_list(previous, options, expected):
    assert choice_in_list(previous, options) == expected


def test_kb_fill_s_own_output_is_refused_as_previous(demo_db, versions, tmp_path):
    _, this = versions
    db = db_path(demo_db)
    out = tmp_path / "out.xlsx"
    assert CliRunner().invoke(cli, ["--db", db, "fill", str(this), "-o", str(out)]).exit_code == 0
    res = CliRunner().invoke(
        cli, ["--db", db, "fill", str(this), "-o", str(tmp_path / "again.xlsx"), "--previous", str(out)]
    )
    assert res.exit_code == 2 and "kb fill's own output" in res.output
    res = CliRunner().invoke(cli, ["--db", db, "fill", str(this), "-o", str(out), "--previous", str(out)])
    assert res.exit_code == 2 and "would overwrite the --previous workbook" in res.output
