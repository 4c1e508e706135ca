import sqlite3

import pytest

from kb import index, store
from kb.db import SCHEMA_VERSION, connect
from kb.model import ClauseRef, ParsedDocument, QAPair, Revision, Section
from tests.builders import make_doc


def fts_count(db, term):
    return db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", [f'"{term}"']).fetchone()[0]


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path):
    db = connect(tmp_path / "kb.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO responses (document_id, title, section_path, text, position) VALUES (99, 't', '', 'x', 0)"
        )


def test_classification_is_constrained(tmp_path):
    db = connect(tmp_path / "kb.db")
    with pytest.raises(sqlite3.IntegrityError):
        index.add_chunk(db, kind="response", source_id=1, title="t", body="b", classification="secret")


def test_reimport_changes_nothing(tmp_path):
    db = connect(tmp_path / "kb.db")
    first = store.import_document(db, make_doc("1.0"))
    before = db.execute("SELECT count(*) FROM responses").fetchone()[0], fts_count(db, "パッチ")
    again = store.import_document(db, make_doc("1.0"))
    assert first.status == "imported" and again.status == "unchanged"
    assert (db.execute("SELECT count(*) FROM responses").fetchone()[0], fts_count(db, "パッチ")) == before
    index.integrity_check(db)


def test_new_version_keeps_history_out_of_default_search(tmp_path):
    from kb.search import search

    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0", "旧版の記述。"))
    result = store.import_document(db, make_doc("2.0", "新版の記述。"))
    assert result.status == "new version" and result.superseded_document_id
    rows = store.responses_for_control(db, "CLD.9.5.2")
    assert [r["is_current"] for r in rows] == [1, 0]
    assert "新版" in rows[0]["text"] and "旧版" in rows[1]["text"]
    hits = search(db, "パッチ 適用")
    assert hits and all("旧版" not in h.body for h in hits)
    index.integrity_check(db)


def test_failed_import_leaves_database_untouched(tmp_path, monkeypatch):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    snapshot = list(db.conn.iterdump())

    real = index.add_chunks

    def flaky(*args, **kwargs):  # the responses and their chunks are written, the revisions not yet
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(index, "add_chunks", flaky)
    with pytest.raises(RuntimeError):
        store.import_document(db, make_doc("2.0"))
    assert list(db.conn.iterdump()) == snapshot


def test_index_follows_updates_and_deletes(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    assert fts_count(db, "パッチ") == 1
    db.execute("UPDATE chunks SET body = '別の本文', body_terms = '別 本文' WHERE control_id = 'CLD.9.5.2'")
    assert fts_count(db, "パッチ") == 0 and fts_count(db, "本文") == 1
    db.execute("DELETE FROM chunks")
    assert fts_count(db, "本文") == 0
    index.integrity_check(db)


def test_seed_import_counts(seed_db):
    controls = seed_db.execute("SELECT count(*) FROM responses WHERE control_id IS NOT NULL").fetchone()[0]
    articles = {a for (a,) in seed_db.execute("SELECT DISTINCT article FROM clause_refs")}
    assert controls == 41
    assert articles == {20, 27, 30, 34, 44, 46, 47, 51}
    assert seed_db.execute("SELECT count(*) FROM revisions").fetchone()[0] == 2
    assert (
        seed_db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        == seed_db.execute("SELECT count(*) FROM responses").fetchone()[0]
    )
    index.integrity_check(seed_db)


def test_rebuild_reproduces_the_index(seed_db, tmp_path):
    before = [tuple(r) for r in seed_db.execute("SELECT id, title_terms, body_terms FROM chunks ORDER BY id")]
    assert index.rebuild(seed_db) == len(before)
    after = [tuple(r) for r in seed_db.execute("SELECT id, title_terms, body_terms FROM chunks ORDER BY id")]
    assert before == after
    index.integrity_check(seed_db)


def test_parsed_seed_roundtrips_through_store(seed_db):
    row = store.responses_for_control(seed_db, "6.1.3")[0]
    assert "日本国" in row["text"]
    cites = store.citations(seed_db, row["id"])
    assert {"document": cites["clause_refs"][0]["document"], "article": 30, "title": "提供場所"} in cites[
        "clause_refs"
    ]


def test_demo_whitepaper_imports(demo_db):
    assert demo_db.execute("SELECT count(*) FROM responses WHERE control_id IS NOT NULL").fetchone()[0] >= 25


def test_index_knows_its_analyzer_version(tmp_path):
    db = connect(tmp_path / "kb.db")
    assert not index.stale(db)  # empty: nothing to redo
    store.import_document(db, make_doc("1.0"))
    assert not index.stale(db)
    db.execute("UPDATE kb_meta SET value = 'old' WHERE key = 'analyzer_version'")
    assert index.stale(db)
    index.rebuild(db)
    assert not index.stale(db)


def segments(db, table):
    return db.execute(f"SELECT count(DISTINCT segid) FROM {table}_idx").fetchone()[0]


def test_import_leaves_each_fts_index_in_one_segment(tmp_path):
    db = connect(tmp_path / "kb.db")
    for version in ("1.0", "2.0", "3.0"):
        store.import_document(db, make_doc(version, f"版 {version} の記述。"))
    assert segments(db, "chunks_fts") == 1 and segments(db, "chunks_trigram") == 1
    index.integrity_check(db)


def two_framework_doc() -> ParsedDocument:
    return ParsedDocument(
        kind="whitepaper",
        title="Two frameworks",
        sha256="sha-two",
        source_name="two.md",
        sections=[
            Section(title="はじめに", text="概要です。", path=["はじめに"]),
            Section(
                title="保存場所",
                text="データは日本国内に保存します。",
                control_id="A.1",
                framework="X",
                path=["管理策", "保存場所"],
                clause_refs=[ClauseRef("利用約款", 30, "提供場所")],
                doc_refs=["仕様書"],
            ),
            Section(
                title="暗号化",
                text="保存データを暗号化します。",
                control_id="A.2",
                framework="Y",
                clause_refs=[ClauseRef("利用約款", 44, "秘密保持"), ClauseRef("SLA", 2, "可用性")],
            ),
        ],
        revisions=[Revision("1.0", "2024-04-01", [], "初版"), Revision("1.1", "2024-10-01", ["A.2"], "改訂")],
    )


def test_each_response_is_stored_with_its_own_control_and_citations(tmp_path):
    db = connect(tmp_path / "kb.db")
    result = store.import_document(db, two_framework_doc())
    assert (result.controls, result.sections, result.clause_refs, result.doc_refs, result.revisions) == (
        2,
        1,
        3,
        1,
        2,
    )

    (a1,) = store.responses_for_control(db, "A.1")
    (a2,) = store.responses_for_control(db, "A.2")
    assert (a1["framework"], a1["section_path"], a2["framework"]) == ("X", "管理策 > 保存場所", "Y")
    assert store.citations(db, a1["id"]) == {
        "clause_refs": [{"document": "利用約款", "article": 30, "title": "提供場所"}],
        "doc_refs": ["仕様書"],
        "document": "Two frameworks",
    }
    assert [c["article"] for c in store.citations(db, a2["id"])["clause_refs"]] == [44, 2]
    assert store.citations(db, a2["id"])["doc_refs"] == []
    chunks = db.execute("SELECT kind, source_id, title FROM chunks ORDER BY id").fetchall()
    positions = [r[0] for r in db.execute("SELECT id FROM responses ORDER BY position")]
    assert chunks == [
        ("response", positions[0], "はじめに"),
        ("response", positions[1], "A.1 保存場所"),
        ("response", positions[2], "A.2 暗号化"),
    ]
    revisions = db.execute("SELECT version, changed FROM revisions ORDER BY id").fetchall()
    assert revisions == [("1.0", "[]"), ("1.1", '["A.2"]')]
    index.integrity_check(db)


def test_a_known_control_keeps_its_row_and_first_title(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    renamed = make_doc("2.0", "改訂。")
    renamed.sections[1].title = "仮想マシンの堅牢化"
    store.import_document(db, renamed)
    assert db.execute("SELECT title FROM controls WHERE control_id = 'CLD.9.5.2'").fetchall() == [
        ("仮想マシンの要塞化",)
    ]
    refs = db.execute("SELECT DISTINCT control_ref FROM responses WHERE control_id = 'CLD.9.5.2'").fetchall()
    assert len(refs) == 1 and refs[0][0] is not None
    assert db.execute("SELECT control_ref FROM responses WHERE control_id IS NULL").fetchall() == [
        (None,),
        (None,),
    ]


def answered_sheet(sha: str) -> ParsedDocument:
    return ParsedDocument(kind="checksheet", title="acme_sheet", sha256=sha, source_name="acme_sheet.xlsx")


PAIRS = [
    QAPair("データは暗号化していますか。", choice="はい", text="AES-256 で暗号化しています。", number="1"),
    QAPair("保存場所はどこですか。", choice=None, text="日本国内です。", number="2"),
    QAPair("第三者認証を取得していますか。", choice="はい", text=None, number="3"),
]


def test_answered_pairs_become_an_answer_library(tmp_path):
    db = connect(tmp_path / "kb.db")
    result = store.import_qa_pairs(
        db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on="2025-05-01", approved=True
    )
    assert (result.status, result.sections) == ("imported", 3)
    rows = db.execute(
        "SELECT q.number, q.question_key, q.customer, q.answered_on, c.body FROM qa_pairs q"
        " JOIN chunks c ON c.kind = 'qa' AND c.source_id = q.id ORDER BY q.id"
    ).fetchall()
    assert rows == [
        ("1", "データは暗号化していますか", "ACME", "2025-05-01", "はい\nAES-256 で暗号化しています。"),
        ("2", "保存場所はどこですか", "ACME", "2025-05-01", "日本国内です。"),
        ("3", "第三者認証を取得していますか", "ACME", "2025-05-01", "はい"),
    ]
    assert store.approved_question_keys(db) == {r[1] for r in rows}
    found = store.approved_answer(db, "データは 暗号化 していますか?")  # spacing and punctuation do not count
    assert (found["choice"], found["customer"], found["document"]) == ("はい", "ACME", "acme_sheet")
    again = store.import_qa_pairs(
        db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on="2025-05-01", approved=True
    )
    assert again.status == "unchanged" and db.execute("SELECT count(*) FROM qa_pairs").fetchone()[0] == 3
    index.integrity_check(db)


def test_a_newer_sheet_for_the_same_customer_supersedes_the_older(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_qa_pairs(
        db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on="2025-05-01", approved=True
    )
    newer = [QAPair("データは暗号化していますか。", choice="いいえ", text=None)]
    result = store.import_qa_pairs(
        db, answered_sheet("s2"), newer, customer="ACME", answered_on="2025-06-01", approved=True
    )
    assert result.status == "new version" and result.superseded_document_id
    current = db.execute("SELECT count(*) FROM chunks WHERE kind = 'qa' AND is_current = 1").fetchone()[0]
    assert (
        current == 1 and db.execute("SELECT count(*) FROM qa_pairs WHERE is_current = 0").fetchone()[0] == 3
    )
    assert store.approved_answer(db, "データは暗号化していますか。")["choice"] == "いいえ"
    assert store.approved_answer(db, "保存場所はどこですか。") is None
    other = store.import_qa_pairs(db, answered_sheet("s3"), PAIRS, customer="Other", answered_on="2025-06-02")
    assert other.status == "imported"  # another customer's copy of the sheet is a series of its own


def test_harvested_answers_are_drafts_until_approved(tmp_path):
    db = connect(tmp_path / "kb.db")
    result = store.import_qa_pairs(db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on="2025-05-01")
    assert result.status == "imported"
    assert store.approved_question_keys(db) == frozenset()
    assert store.approved_answer(db, "データは暗号化していますか。") is None
    ids = {qa_id for (qa_id,) in db.execute("SELECT id FROM qa_pairs")}
    assert len(ids) == 3 and store.draft_qa_ids(db) == ids
    # The same sheet imported again with approval: its drafts become approved answers.
    again = store.import_qa_pairs(
        db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on="2025-05-01", approved=True
    )
    assert (again.status, again.sections) == ("approved", 3) and store.draft_qa_ids(db) == frozenset()
    assert store.approved_answer(db, "データは暗号化していますか。")["choice"] == "はい"
    unchanged = store.import_qa_pairs(db, answered_sheet("s1"), PAIRS, customer="ACME", answered_on=None)
    assert unchanged.status == "unchanged" and store.draft_qa_ids(db) == frozenset()  # approval is not undone


def test_a_recorded_fill_is_found_by_its_bytes(tmp_path):
    db = connect(tmp_path / "kb.db")
    record = store.FillRecord(
        output_sha256="ab" * 32,
        input_name="acme.xlsx",
        output_name="acme_filled.xlsx",
        questions=3,
        answered=1,
        rows=(
            store.FilledRow("S", 5, "データは暗号化していますか。", "はい", "AES-256 で暗号化しています。"),
        ),
    )
    store.record_fill(db, record)
    found = store.fill_by_sha256(db, "ab" * 32)
    assert found.output_name == "acme_filled.xlsx" and (found.questions, found.answered) == (3, 1)
    assert found.created_at[:4].isdigit() and "T" in found.created_at  # stamped when recorded
    assert store.fill_by_sha256(db, "cd" * 32) is None


def test_rows_left_as_kb_fill_wrote_them_are_told_apart(tmp_path):
    db = connect(tmp_path / "kb.db")
    rows = (
        store.FilledRow("S", 5, "データは暗号化していますか。", "はい", "AES-256 で\n暗号化しています。"),
        store.FilledRow("S", 6, "保存場所はどこですか。", None, "日本国内です。"),
    )
    store.record_fill(db, store.FillRecord("ab" * 32, "in.xlsx", "out.xlsx", 2, 2, rows=rows))
    pairs = [
        # As written, but read back with the line break as a space and a trailing blank.
        QAPair("データは 暗号化していますか?", choice="はい", text="AES-256 で 暗号化しています。 "),
        QAPair("保存場所はどこですか。", choice=None, text="東京と大阪です。"),  # a person rewrote it
        QAPair("保存場所はどこですか。", choice="はい", text="日本国内です。"),  # a person added a choice
        QAPair("保存場所はどこですか。", choice="日本国内です。", text=None),  # read from the other cell
        QAPair("第三者認証を取得していますか。", choice="はい", text=None),  # never filled
    ]
    assert store.as_filled(db, pairs) == [True, False, False, True, False]


def test_add_chunk_returns_the_id_of_its_row(tmp_path):
    db = connect(tmp_path / "kb.db")
    first = index.add_chunk(db, kind="response", source_id=7, title="一つ目", body="本文")
    second = index.add_chunk(db, kind="qa", source_id=7, title="二つ目", body="本文")
    assert db.execute("SELECT id, title FROM chunks ORDER BY id").fetchall() == [
        (first, "一つ目"),
        (second, "二つ目"),
    ]
