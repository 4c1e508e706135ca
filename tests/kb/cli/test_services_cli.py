"""--service on kb answer, kb search, kb fill and kb import checksheet, and kb check conflicts|stale,
on a KB of two services of our own writing."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.db import connect
from tests.builders import service_answers, two_service_kb
from tests.workbooks import build_question_sheet

ENCRYPTED = "保存データは暗号化されていますか。"


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def two(tmp_path):
    return two_service_kb(tmp_path / "kb.db")


def test_answer_refuses_without_a_service_in_one_line(two):
    res = run(two, "answer", ENCRYPTED)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and "ALPHA-VM: 4 responses, BETA-BM: 6 responses" in res.stderr
    res = run(two, "answer", ENCRYPTED, "--service", "GAMMA")
    assert res.exit_code == 2 and "no service 'GAMMA' in this KB" in res.stderr


def test_answer_and_search_for_one_service(two):
    res = run(two, "answer", ENCRYPTED, "--service", "BETA-BM", "--json")
    assert res.exit_code == 0, res.output
    answered = json.loads(res.stdout)
    assert answered["stance"] == "no" and "物理サーバー" in answered["sources"][0]["text"]
    res = run(two, "search", "データセンター", "--service", "ALPHA-VM", "--json")
    bodies = [h["snippet"] for h in json.loads(res.stdout)]
    assert any("東京" in b for b in bodies) and not any("大阪" in b for b in bodies)
    # kb search is no answer: without --service it searches both, and says which is which
    res = run(two, "search", "データセンター", "--json", "--kind", "response")
    hits = {
        h["snippet"].replace("<mark>", "").replace("</mark>", ""): h["service"]
        for h in json.loads(res.stdout)
    }
    assert hits["お客様のデータは東京のデータセンターに保存します。"] == "ALPHA-VM"
    assert hits["お客様のデータは大阪のデータセンターに保存します。"] == "BETA-BM"


def test_fill_for_one_service(two, tmp_path):
    sheet = build_question_sheet(tmp_path / "q.xlsx", [ENCRYPTED], options=("はい", "いいえ", "該当なし"))
    out = tmp_path / "out.xlsx"
    res = run(two, "fill", str(sheet), "-o", str(out))
    assert res.exit_code == 2 and "several services" in res.stderr and not out.exists()
    for service, choice in (("ALPHA-VM", "はい"), ("BETA-BM", "いいえ")):
        res = run(two, "fill", str(sheet), "-o", str(out), "--service", service)
        assert res.exit_code == 0, res.output
        assert openpyxl.load_workbook(out)["Q"]["C2"].value == choice


def test_import_checksheet_names_its_service(two, tmp_path):
    sheet = build_question_sheet(
        tmp_path / "done.xlsx", ["ディスクの暗号化を提供していますか。"], options=("はい", "いいえ")
    )
    wb = openpyxl.load_workbook(sheet)
    wb["Q"]["C2"] = "はい"
    wb.save(sheet)
    res = run(two, "import", "checksheet", str(sheet), "--answered", "--approved", "--service", "ALPHA-VM")
    assert res.exit_code == 0, res.output
    question = "ディスクの暗号化を提供していますか。"
    alpha = json.loads(run(two, "answer", question, "--service", "ALPHA-VM", "--json").stdout)
    beta = json.loads(run(two, "answer", question, "--service", "BETA-BM", "--json").stdout)
    assert alpha["sources"][0]["kind"] == "qa" and alpha["status"] == "answered"
    assert all(s["kind"] != "qa" for s in beta["sources"])
    # Named for ALPHA-VM, it is checked against ALPHA-VM's responses only, which say yes too
    assert run(two, "check", "conflicts").exit_code == 0


def test_check_conflicts_exits_1_and_reports_json(two, tmp_path):
    sheet = build_question_sheet(tmp_path / "old.xlsx", [ENCRYPTED], options=("はい", "いいえ"))
    wb = openpyxl.load_workbook(sheet)
    wb["Q"]["C2"] = "はい"
    wb.save(sheet)
    res = run(two, "check", "conflicts", "--sheet", str(sheet), "--json")
    assert res.exit_code == 1, res.output
    found = json.loads(res.stdout)
    assert [(c["service"], c["response"]["control_id"], c["given_stance"]) for c in found["conflicts"]] == [
        ("BETA-BM", "10.1.1", "yes")
    ]
    res = run(two, "check", "conflicts", "--sheet", str(sheet), "--service", "ALPHA-VM")
    assert res.exit_code == 0, res.output
    res = run(two, "check", "conflicts", "--sheet", str(sheet))
    assert res.exit_code == 1 and res.stdout.startswith("conflict: ") and "says no" in res.stdout


def test_check_stale_exits_1_when_a_review_is_due(two):
    res = run(two, "check", "stale", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout) == {"checked": 10, "stale": []}
    db = connect(two)
    db.execute(
        "UPDATE responses SET review_due = '2026-01-01' WHERE control_id = '12.3.1' AND service = 'BETA-BM'"
    )
    db.close()
    res = run(two, "check", "stale", "--as-of", "2026-06-01")
    assert res.exit_code == 1
    assert res.stdout == "review: 12.3.1 情報のバックアップ [BETA-BM]: review was due 2026-01-01\n"
    assert run(two, "check", "stale", "--as-of", "2026-06-01", "--service", "ALPHA-VM").exit_code == 0
    res = run(two, "check", "stale", "--as-of", "June")
    assert res.exit_code == 2 and "--as-of must be YYYY-MM-DD" in res.stderr


def test_publish_one_service(two, tmp_path):
    import sqlite3

    db = connect(two)
    for service in ("ALPHA-VM", "BETA-BM", None):
        service_answers(db, f"s {service}", [(f"{service} の質問ですか。", "はい", None)], service)
    db.close()
    copy = tmp_path / "alpha.db"
    res = run(two, "publish", "-o", str(copy), "--service", "ALPHA-VM")
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT DISTINCT service FROM responses").fetchall() == [("ALPHA-VM",)]
    assert [q for (q,) in conn.execute("SELECT question FROM qa_pairs")] == ["ALPHA-VM の質問ですか。"]
    bodies = " ".join(b for (b,) in conn.execute("SELECT body FROM chunks"))
    assert "仮想ディスク" in bodies and "物理サーバー" not in bodies and "None の質問" not in bodies
    conn.close()
    # One service is left: the copy answers without --service
    res = run(copy, "answer", ENCRYPTED, "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["stance"] == "yes"
    assert run(two, "publish", "-o", str(copy), "--service", "GAMMA").exit_code == 2


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_export_json_of_one_service(two, tmp_path, audience):
    out = tmp_path / f"alpha_{audience}.json"
    res = run(two, "export", "json", "--service", "ALPHA-VM", "--audience", audience, "-o", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {r["service"] for r in data["responses"]} == {"ALPHA-VM"}
    assert {d["service"] for d in data["documents"]} == {"ALPHA-VM"}
    chunks = data["tables"]["chunks"]
    body = chunks["columns"].index("body")
    bodies = " ".join(row[body] for row in chunks["rows"])
    assert "仮想ディスク" in bodies and "物理サーバー" not in bodies
    assert run(two, "export", "json", "--service", "GAMMA").exit_code == 2


def test_the_same_whitepaper_again_for_another_service_is_refused(tmp_path):
    paper = tmp_path / "paper.md"
    paper.write_text(
        "# 例のホワイトペーパー\n\n## 12.3.1 情報のバックアップ\n\nバックアップを毎日取得します。\n",
        encoding="utf-8",
    )
    db = tmp_path / "kb.db"
    assert run(db, "import", "whitepaper", str(paper), "--service", "ALPHA-VM").exit_code == 0
    assert run(db, "import", "whitepaper", str(paper), "--service", "ALPHA-VM").exit_code == 0  # unchanged
    res = run(db, "import", "whitepaper", str(paper), "--service", "BETA-BM")
    assert res.exit_code == 2
    assert "already imported for service ALPHA-VM (document 1)" in res.stderr and "BETA-BM" in res.stderr
    assert run(db, "answer", "バックアップを取得していますか。", "--service", "ALPHA-VM").exit_code == 0


def test_check_conflicts_on_a_sheet_without_answers(two, tmp_path):
    sheet = build_question_sheet(tmp_path / "blank.xlsx", [ENCRYPTED], options=("はい", "いいえ"))
    res = run(two, "check", "conflicts", "--sheet", str(sheet))
    assert res.exit_code == 2 and res.stderr == f"kb: error: {sheet} has no answered rows to check\n"


def test_decisions_applied_for_a_service_answer_its_questions(two, tmp_path):
    from tests.workbooks import decide_in

    question = "ディスクの暗号鍵をお客様が管理できますか。"
    sheet = build_question_sheet(tmp_path / "q.xlsx", [question], options=("はい", "いいえ"))
    filled, review = tmp_path / "filled.xlsx", tmp_path / "review.xlsx"
    res = run(two, "fill", str(sheet), "-o", str(filled), "--review", str(review), "--service", "ALPHA-VM")
    assert res.exit_code == 0, res.output
    decided = decide_in(review, {2: ("はい", "お客様の鍵も使えます。")}, tmp_path / "decided.xlsx")
    res = run(
        two, "apply", str(decided), "--to", str(filled), "-o", str(tmp_path / "final.xlsx"),
        "--approve", "--owner", "山田", "--service", "ALPHA-VM",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    alpha = json.loads(run(two, "answer", question, "--service", "ALPHA-VM", "--json").stdout)
    beta = json.loads(run(two, "answer", question, "--service", "BETA-BM", "--json").stdout)
    assert alpha["status"] == "answered" and alpha["sources"][0]["text"] == "お客様の鍵も使えます。"
    assert all(s["kind"] != "qa" for s in beta["sources"])


def test_a_whitepaper_naming_no_service_is_named_by_importing_it_again(two, tmp_path):
    paper = tmp_path / "paper.md"
    paper.write_text(
        "# 例のホワイトペーパー\n\n## 12.6.1 技術的ぜい弱性の管理\n\nぜい弱性診断を毎月実施します。\n",
        encoding="utf-8",
    )
    assert run(two, "import", "whitepaper", str(paper)).exit_code == 0
    res = run(two, "answer", "ぜい弱性診断を実施していますか。")
    assert res.exit_code == 2 and "(no service named): 1 responses" in res.stderr
    before = json.loads(
        run(two, "answer", "ぜい弱性診断を実施していますか。", "--service", "BETA-BM", "--json").stdout
    )
    assert before["status"] == "no_match"
    res = run(two, "import", "whitepaper", str(paper), "--service", "BETA-BM")
    assert res.exit_code == 0 and "is service BETA-BM from now on" in res.stdout
    beta = json.loads(
        run(two, "answer", "ぜい弱性診断を実施していますか。", "--service", "BETA-BM", "--json").stdout
    )
    assert beta["status"] == "answered" and "毎月" in beta["sources"][0]["text"]
    assert (
        run(two, "import", "whitepaper", str(paper), "--service", "BETA-BM").exit_code == 0
    )  # unchanged now
    assert run(two, "import", "whitepaper", str(paper), "--service", "ALPHA-VM").exit_code == 2
    log = json.loads(run(two, "log", "--json").stdout)
    assert [e["detail"] for e in log if e["action"] == "name service"] == [f"{paper}: service BETA-BM"]


def test_the_checks_summaries_in_japanese(two, tmp_path, monkeypatch):
    """kb check's own words in the user's language; what it quotes (where, the question, the
    response's title, its stance) as the KB holds it."""
    monkeypatch.setenv("KB_LANG", "ja")
    sheet = build_question_sheet(tmp_path / "old.xlsx", [ENCRYPTED], options=("はい", "いいえ"))
    wb = openpyxl.load_workbook(sheet)
    wb["Q"]["C2"] = "はい"
    wb.save(sheet)
    res = run(two, "check", "conflicts", "--sheet", str(sheet))
    assert (
        res.exit_code == 1 and res.stdout.startswith("食い違い: ") and f"「{ENCRYPTED}」に はい" in res.stdout
    )
    assert (
        res.stderr
        == "2 件の回答を確認しました: 回答書と食い違うもの 1 件、ほぼ同じ質問に違う回答をしたもの 0 件\n"
    )
    assert run(two, "check", "stale").stderr == "10 件の回答書を確認しました: 見直す理由 0 件\n"
