"""importers.answered: a check sheet a person answered becomes question/answer pairs for the library."""

import hashlib
import json

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.datavalidation import DataValidation

from importers.answered import parse_answered
from kb.cli import cli
from kb.db import connect
from kb.errors import KBError
from kb.model import QAPair


def build_answered_sheet(path):
    """Answer column with a はい/いいえ dropdown, a comment column, one question left blank."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws.append(["No.", "質問", "回答", "備考"])
    ws.append(["1", "データを暗号化していますか。", "はい", "AES-256 で暗号化しています。"])
    ws.append(["2", "多要素認証を利用できますか。", "いいえ", None])
    ws.append(["3", "未回答の質問です。", None, None])
    ws.append(["4", "データの保存場所はどこですか。", None, "日本国内のデータセンターです。"])
    choices = DataValidation(type="list", formula1='"はい,いいえ,該当なし"')
    choices.add("C2:C5")
    ws.add_data_validation(choices)
    wb.save(path)
    return path


def test_choices_comments_and_blank_rows(tmp_path):
    path = build_answered_sheet(tmp_path / "acme_2025.xlsx")
    data = path.read_bytes()
    doc, pairs = parse_answered(path, data)

    assert pairs == [
        QAPair(
            "データを暗号化していますか。", "はい", "AES-256 で暗号化しています。", "1", "チェックシート", 2
        ),
        QAPair("多要素認証を利用できますか。", "いいえ", None, "2", "チェックシート", 3),
        QAPair(
            "データの保存場所はどこですか。", None, "日本国内のデータセンターです。", "4", "チェックシート", 5
        ),
    ]  # row 4 has neither an answer nor a comment
    assert (doc.kind, doc.title, doc.source_name) == ("checksheet", "acme_2025", "acme_2025.xlsx")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_without_a_dropdown_the_answer_cell_is_the_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["質問", "回答"])
    ws.append(["バックアップの保管先を教えてください。", "別リージョンに保管しています。"])
    ws.append(["ログの保存期間は?", None])
    wb.save(tmp_path / "free.xlsx")

    _, pairs = parse_answered(tmp_path / "free.xlsx", b"")
    assert [(p.question, p.choice, p.text) for p in pairs] == [
        ("バックアップの保管先を教えてください。", None, "別リージョンに保管しています。")
    ]


def test_a_sheet_with_no_answers_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["No.", "質問", "回答"])
    ws.append(["1", "方針を定めていますか。", None])
    wb.save(tmp_path / "blank.xlsx")
    with pytest.raises(KBError, match="no answered questions"):
        parse_answered(tmp_path / "blank.xlsx", b"")


def kb(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_import_records_customer_and_date(tmp_path):
    sheet = build_answered_sheet(tmp_path / "acme_2025.xlsx")
    db_path = tmp_path / "kb.db"
    result = kb(
        db_path,
        "import",
        "checksheet",
        str(sheet),
        "--answered",
        "--customer",
        "ACME",
        "--date",
        "2025-05-01",
    )
    assert result.exit_code == 0, result.output
    assert "3 answered questions" in result.output

    db = connect(db_path)
    assert db.execute("SELECT kind, title, publisher, date FROM documents").fetchall() == [
        ("checksheet", "acme_2025", "ACME", "2025-05-01")
    ]
    assert db.execute("SELECT DISTINCT customer, answered_on FROM qa_pairs").fetchall() == [
        ("ACME", "2025-05-01")
    ]
    # An answered sheet imported without --approve is the library's draft (kb.curation): offered
    # for review until a person approves it, then it answers with the sheet's choice.
    held = json.loads(kb(db_path, "answer", "データを暗号化していますか。", "--json").output)
    assert held["status"] == "needs_review" and "draft" in held["why"]
    [(qa_id,)] = db.execute("SELECT id FROM qa_pairs WHERE question LIKE '%暗号化%'").fetchall()
    db.close()
    assert kb(db_path, "approve", f"Q{qa_id}").exit_code == 0
    answer = kb(db_path, "answer", "データを暗号化していますか。", "--json")
    assert json.loads(answer.output)["stance"] == "yes"


def test_a_date_that_is_not_iso_is_refused_before_anything_is_written(tmp_path):
    sheet = build_answered_sheet(tmp_path / "acme.xlsx")
    db_path = tmp_path / "kb.db"
    result = kb(db_path, "import", "checksheet", str(sheet), "--answered", "--date", "1 May 2025")
    assert result.exit_code == 2 and "--date must be YYYY-MM-DD" in result.output
    assert connect(db_path).execute("SELECT count(*) FROM documents").fetchone()[0] == 0
