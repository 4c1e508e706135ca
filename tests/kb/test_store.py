import sqlite3

import pytest

from kb import index, store
from kb.db import SCHEMA_VERSION, connect
from kb.model import ClauseRef, ParsedDocument, Revision, Section


def make_doc(version: str, text_suffix: str = "") -> ParsedDocument:
    return ParsedDocument(
        kind="whitepaper",
        title="Example whitepaper",
        publisher="Example KK",
        service="EX-1",
        version=version,
        date="2024-01-01",
        sha256=f"sha-{version}-{text_suffix}",
        source_name="example.md",
        sections=[
            Section(title="はじめに", text="本書の目的を説明します。", path=["はじめに"]),
            Section(
                title="仮想マシンの要塞化",
                text=f"最新のパッチを適用して提供します。{text_suffix}",
                control_id="CLD.9.5.2",
                framework="ISO/IEC 27017:2015",
                clause_refs=[ClauseRef("Example 利用約款", 30, "提供場所")],
                doc_refs=["サービス仕様書"],
            ),
        ],
        revisions=[Revision(version, "2024-01-01", ["CLD.9.5.2"], "更新")],
    )


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

    calls = {"n": 0}
    real = index.add_chunk

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "add_chunk", flaky)
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
