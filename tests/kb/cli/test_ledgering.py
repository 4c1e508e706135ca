"""`kb log` (the audit log, --verify's exit code) and `kb ledger` (what went to whom, who holds an\nolder text) as a person and a script read them."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import openpyxl
import pytest
from click.testing import CliRunner

from kb import audit, evidence_store, ledger, store
from kb.cli import cli
from kb.db import connect
from tests.builders import TOPICS, classified_contract, classified_evidence, classified_whitepaper
from tests.workbooks import build_question_sheet, decide_in

WHITEPAPER = """# テストクラウド ホワイトペーパー

## ISO/IEC 27017:2015 への対応

### 12.3.1 情報のバックアップ

バックアップは毎日取得し、{days}日間保管します。
"""


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_changes_are_logged_with_the_actor_given(tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "osuser")
    added = run(db, "--actor", "sato", "glossary", "add", "架空語A", "made-up word a")
    assert added.exit_code == 0, added.stderr
    assert run(db, "glossary", "remove", "1").exit_code == 0
    entries = json.loads(run(db, "log", "--json").stdout)
    assert [(e["actor"], e["action"], e["target_kind"], e["target_id"]) for e in entries] == [
        ("sato", "glossary add", "glossary", "1"),
        ("osuser", "glossary remove", "glossary", "1"),
    ]
    assert entries[0]["after_sha256"] == entries[1]["before_sha256"] is not None
    lines = run(db, "log").stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1\t") and "\tsato\tglossary add\tglossary 1\t" in lines[0]
    assert run(db, "log", "--limit", "1").stdout.startswith("2\t")


def test_verify_exits_1_naming_the_first_broken_entry(tmp_path):
    db = tmp_path / "kb.db"
    for terms in (
        ("架空語A", "made-up word a"),
        ("架空語B", "made-up word b"),
        ("架空語C", "made-up word c"),
    ):
        run(db, "glossary", "add", *terms)
    intact = run(db, "log", "--verify")
    assert intact.exit_code == 0 and intact.stdout.startswith("audit log intact: 3 entries, head ")
    conn = sqlite3.connect(db, isolation_level=None)
    for name in audit.GUARD_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE id = 2")
    conn.close()
    broken = run(db, "log", "--verify")
    assert broken.exit_code == 1
    assert broken.stderr == "kb: audit log broken at entry 2: its content does not match its hash\n"
    report = json.loads(run(db, "log", "--verify", "--json").stdout)
    assert report["ok"] is False and report["broken"]["entry_id"] == 2


def test_log_of_no_kb_is_one_line(tmp_path):
    res = run(tmp_path / "none.db", "log")
    assert res.exit_code == 2 and "no knowledge base" in res.stderr


# --- the disclosure ledger -------------------------------------------------------------


@pytest.fixture
def topics_kb(tmp_path):
    """A KB answering TOPICS (our own sentences) in full, citing 利用約款 第7条 (imported), with
    evidence linked to the backup control; and a sheet asking two of them and one it cannot answer."""
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    store.import_document(db, classified_whitepaper("public", "ja", [(t, True) for t in TOPICS]))
    evidence_store.add_many(db, [classified_evidence("public")], [TOPICS[0].control_id])
    db.close()
    (tmp_path / "terms.md").write_bytes(classified_contract("public"))
    assert (
        run(db_path, "import", "clauses", str(tmp_path / "terms.md"), "--document", "利用約款").exit_code == 0
    )
    questions = [TOPICS[0].question, TOPICS[1].question, "御社の創業年を教えてください。"]
    build_question_sheet(tmp_path / "q.xlsx", questions, options=("はい", "いいえ"))
    return db_path


def fill(db, folder, name, *options):
    out = folder / f"{name}.xlsx"
    res = run(db, "fill", str(folder / "q.xlsx"), "-o", str(out), *options)
    assert res.exit_code == 0, res.output
    return out


def test_a_fill_records_what_went_to_whom_row_by_row(topics_kb, tmp_path):
    out = fill(topics_kb, tmp_path, "acme", "--customer", "ACME")
    (entry,) = json.loads(run(topics_kb, "--actor", "山田", "ledger", "--json").stdout)
    assert entry["customer"] == "ACME" and entry["audience"] == "public" and entry["kind"] == "fill"
    assert entry["output_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    cells = openpyxl.load_workbook(out)["Q"]
    backup, encryption = entry["rows"]  # the third question is not answered: nothing written, nothing sent
    for row, topic in ((backup, TOPICS[0]), (encryption, TOPICS[1])):
        assert (row["status"], row["source_kind"], row["control_id"]) == (
            "answered",
            "response",
            topic.control_id,
        )
        assert row["source_sha256"] == ledger.text_sha256(f"{topic.question} {topic.text}")
        written = [cells[f"C{row['row']}"].value, cells[f"D{row['row']}"].value]
        assert row["text_sha256"] == audit.digest(written)
        assert row["clauses"] == [{"contract": "利用約款", "version": "1", "article": 7, "cited": "利用約款"}]
    assert (
        backup["evidence"] == [{"id": 1, "sha256": "sha-evidence-public-False"}]
        and encryption["evidence"] == []
    )
    assert "\tfill\tACME\t-\tpublic\tacme.xlsx\t" in run(topics_kb, "ledger").stdout  # no service named
    assert json.loads(run(topics_kb, "ledger", "--customer", "acme", "--json").stdout)[0]["id"] == entry["id"]
    assert json.loads(run(topics_kb, "ledger", "--customer", "Beta", "--json").stdout) == []
    logged = json.loads(run(topics_kb, "log", "--json").stdout)[-1]
    assert (logged["action"], logged["target_id"], logged["after_sha256"]) == (
        "fill",
        "1",
        entry["output_sha256"],
    )


def test_affected_lists_who_holds_an_older_text_until_they_get_the_new_one(topics_kb, tmp_path):
    fill(topics_kb, tmp_path, "acme", "--customer", "ACME")
    backup = TOPICS[0].control_id
    assert run(topics_kb, "ledger", "affected", backup, "--json").stdout.strip() == "[]"
    new_text = "バックアップは毎日取得し、九十日間保管します。"
    assert run(topics_kb, "edit", backup, "--text", new_text).exit_code == 0
    # A draft changes nothing sent: the approved text is still the one ACME holds.
    assert run(topics_kb, "ledger", "affected", backup, "--json").stdout.strip() == "[]"
    assert run(topics_kb, "approve", backup).exit_code == 0
    fill(topics_kb, tmp_path, "beta", "--customer", "Beta")  # after the change: the new text
    (acme,) = json.loads(run(topics_kb, "ledger", "affected", backup, "--json").stdout)
    assert (acme["customer"], acme["output_name"], acme["row"]) == ("ACME", "acme.xlsx", 2)
    assert acme["current_sha256"] == ledger.text_sha256(new_text) != acme["sent_sha256"]
    assert run(topics_kb, "ledger", "affected", TOPICS[1].control_id, "--json").stdout.strip() == "[]"
    assert run(topics_kb, "ledger", "affected", backup).stdout.startswith("ACME\t")
    fill(topics_kb, tmp_path, "acme2", "--customer", "acme")  # ACME gets the new text
    assert "no customer holds an older text" in run(topics_kb, "ledger", "affected", backup).stdout
    unknown = run(topics_kb, "ledger", "affected", "99.9")  # a typo is not "nobody is affected"
    assert (
        unknown.exit_code == 2
        and unknown.stderr.count("\n") == 1
        and "no response to control 99.9" in unknown.stderr
    )


def test_apply_records_the_final_workbook_and_what_the_person_wrote_over(topics_kb, tmp_path):
    filled = fill(
        topics_kb, tmp_path, "filled", "--customer", "ACME", "--review", str(tmp_path / "review.xlsx")
    )
    own = "バックアップは当社の手順書に従って取得しています。"
    decided = decide_in(tmp_path / "review.xlsx", {2: ("自由記述", own)}, tmp_path / "decided.xlsx")
    final = tmp_path / "final.xlsx"
    res = run(topics_kb, "apply", str(decided), "--to", str(filled), "-o", str(final))
    assert res.exit_code == 0, res.output
    fill_entry, apply_entry = json.loads(run(topics_kb, "ledger", "--json").stdout)
    assert (apply_entry["kind"], apply_entry["source_fill"], apply_entry["customer"]) == (
        "apply",
        fill_entry["id"],
        "ACME",
    )
    assert apply_entry["output_sha256"] == hashlib.sha256(final.read_bytes()).hexdigest()
    (row,) = apply_entry["rows"]
    # The person's words, as the library now holds them (kb apply recorded them as a decided answer).
    assert (row["row"], row["status"], row["source_kind"]) == (2, "custom", "qa")
    conn = sqlite3.connect(topics_kb)
    assert conn.execute(
        "SELECT answer_text, source_fill FROM qa_pairs WHERE id = ?", [row["source_id"]]
    ).fetchone() == (
        own,
        fill_entry["id"],
    )
    conn.close()
    assert row["source_sha256"] == ledger.text_sha256(own)
    # ACME received the person's words on backups, not the response: a change to it affects no one.
    assert run(topics_kb, "edit", TOPICS[0].control_id, "--text", "毎日取得します。").exit_code == 0
    assert run(topics_kb, "approve", TOPICS[0].control_id).exit_code == 0
    assert json.loads(run(topics_kb, "ledger", "affected", TOPICS[0].control_id, "--json").stdout) == []
    # The final workbook holds a person's decisions: it is not kb fill's own output to refuse.
    harvested = run(topics_kb, "import", "checksheet", str(final), "--answered")
    assert harvested.exit_code == 0, harvested.output


def test_a_fill_that_fails_records_nothing(topics_kb, tmp_path, monkeypatch):
    from exporters.xlsx_patch import WorkbookPatch

    def fails(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(WorkbookPatch, "write", fails)
    res = run(
        topics_kb, "fill", str(tmp_path / "q.xlsx"), "-o", str(tmp_path / "out.xlsx"), "--customer", "ACME"
    )
    assert res.exit_code == 2
    assert json.loads(run(topics_kb, "ledger", "--json").stdout) == []
    assert "fill" not in [e["action"] for e in json.loads(run(topics_kb, "log", "--json").stdout)]


def test_every_write_path_leaves_an_entry_and_a_restore_chains_to_the_backups_log(tmp_path):
    db = tmp_path / "kb.db"
    paper = tmp_path / "wp.md"
    paper.write_text(WHITEPAPER.format(days="三十"), encoding="utf-8")
    (tmp_path / "terms.md").write_bytes(classified_contract("public"))
    (tmp_path / "report.txt").write_text("バックアップの取得結果を毎月確認した記録です。", encoding="utf-8")
    steps = [
        ("import", "whitepaper", str(paper)),
        ("import", "whitepaper", str(paper)),  # the same file: nothing changes, nothing is logged
        ("import", "clauses", str(tmp_path / "terms.md"), "--document", "利用約款"),
        ("evidence", "add", str(tmp_path / "report.txt"), "--control", "12.3.1"),
        ("profile", "set", "provider_name", "テストクラウド株式会社", "--lang", "ja"),
        ("profile", "set", "provider_name", "テストクラウド株式会社", "--lang", "ja"),  # unchanged
        ("reindex",),
        ("backup", str(tmp_path / "copy.db")),
    ]
    for step in steps:
        res = run(db, *step)
        assert res.exit_code == 0, (step, res.output)
    paper.write_text(WHITEPAPER.format(days="九十"), encoding="utf-8")
    assert run(db, "import", "whitepaper", str(paper)).exit_code == 0  # a new version
    entries = json.loads(run(db, "log", "--json").stdout)
    assert [(e["action"], e["target_kind"]) for e in entries] == [
        ("import whitepaper", "document"),
        ("import clauses", "contract"),
        ("evidence add", "evidence"),
        ("evidence link", "evidence"),
        ("profile set", "profile"),
        ("reindex", "index"),
        ("backup", "kb"),
        ("import whitepaper", "document"),
    ]
    first, *_, backup, second = entries
    assert second["before_sha256"] == first["after_sha256"] != second["after_sha256"]
    assert backup["after_sha256"] == hashlib.sha256((tmp_path / "copy.db").read_bytes()).hexdigest()
    head = json.loads(run(db, "log", "--verify", "--json").stdout)["head"]

    assert run(db, "restore", str(tmp_path / "copy.db")).exit_code == 0
    restored = json.loads(run(db, "log", "--json").stdout)
    assert [e["action"] for e in restored] == [e["action"] for e in entries[:6]] + ["restore"]
    assert restored[-1]["before_sha256"] == head  # the log it replaced, by its head
    assert run(db, "log", "--verify").exit_code == 0
    # The head an auditor noted before the restore is no entry now, but the restore accounts for it.
    assert head not in {e["hash"] for e in restored}
    assert run(db, "log", "--verify", "--head", head).exit_code == 0
    assert run(db, "log", "--verify", "--head", entries[-2]["hash"]).exit_code == 1  # after the backup, gone


@pytest.fixture
def two_services(tmp_path):
    """A KB of two services (tests.builders ALPHA_VM, BETA_BM) and a sheet asking about backups."""
    from tests.builders import two_service_kb

    db_path = two_service_kb(tmp_path / "kb.db", ("ALPHA", "BETA"))
    build_question_sheet(
        tmp_path / "q.xlsx", ["仮想マシンのバックアップを毎日取得していますか？"], options=("はい", "いいえ")
    )
    return db_path


def test_the_ledger_names_the_service_and_apply_keeps_to_it(two_services, tmp_path):
    filled = fill(
        two_services, tmp_path, "filled", "--service", "ALPHA", "--review", str(tmp_path / "r.xlsx")
    )
    (entry,) = json.loads(run(two_services, "ledger", "--json").stdout)
    assert entry["service"] == "ALPHA"
    assert "\tfill\t-\tALPHA\tpublic\tfilled.xlsx\t" in run(two_services, "ledger").stdout
    decided = decide_in(
        tmp_path / "r.xlsx", {2: ("自由記述", "バックアップは毎日取得しています。")}, tmp_path / "d.xlsx"
    )
    final = tmp_path / "final.xlsx"
    # A --service that is not the fill's: one line, nothing written, nothing recorded.
    refused = run(
        two_services, "apply", str(decided), "--to", str(filled), "-o", str(final), "--service", "BETA"
    )
    assert refused.exit_code != 0 and refused.stderr.count("\n") == 1
    assert "--service BETA contradicts" in refused.stderr and "ALPHA" in refused.stderr
    assert not final.exists() and len(json.loads(run(two_services, "ledger", "--json").stdout)) == 1
    # No --service: the fill's, which the library answer is recorded for and the ledger names.
    res = run(two_services, "apply", str(decided), "--to", str(filled), "-o", str(final))
    assert res.exit_code == 0, res.output
    applied = json.loads(run(two_services, "ledger", "--json").stdout)[-1]
    assert (applied["kind"], applied["service"]) == ("apply", "ALPHA")
    conn = sqlite3.connect(two_services)
    assert conn.execute(
        "SELECT d.service FROM qa_pairs q JOIN documents d ON d.id = q.document_id WHERE q.id = ?",
        [applied["rows"][0]["source_id"]],
    ).fetchone() == ("ALPHA",)
    conn.close()
    again = run(
        two_services,
        "apply",
        str(decided),
        "--to",
        str(filled),
        "-o",
        str(tmp_path / "f2.xlsx"),
        "--service",
        "ALPHA",
    )
    assert again.exit_code == 0, again.output  # naming the fill's own service is no contradiction


def test_the_ledger_and_log_speak_the_users_language(topics_kb, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_LANG", "ja")
    assert run(topics_kb, "ledger").stderr.strip() == "まだ何も開示していません"
    fill(topics_kb, tmp_path, "acme", "--customer", "ACME")
    listed = run(topics_kb, "ledger").stdout
    assert "\t記入\tACME\t-\tpublic\tacme.xlsx\t" in listed and "2 行を記入、うち回答書から 2 行" in listed
    assert run(topics_kb, "log", "--verify").stdout.startswith("監査ログのハッシュ連鎖は正常です: ")
    assert (
        "承認済みより古い回答文を持つ顧客はいません" in run(topics_kb, "ledger", "affected", "12.3.1").stdout
    )
    wrong = run(topics_kb, "ledger", "affected", "99.9")
    assert wrong.exit_code == 2 and "KB に管理策 99.9 の回答はなく" in wrong.stderr
    monkeypatch.setenv("KB_LANG", "en")  # English as before
    assert "2 rows written, 2 from responses" in run(topics_kb, "ledger").stdout
