"""kb.tables: the schema's tables read generically, and restored into an empty KB, older versions migrated."""

from __future__ import annotations

import sqlite3

import pytest

from kb.db import MIGRATIONS, SCHEMA_VERSION, connect
from kb.errors import KBError
from kb.tables import TableRows, read_schema, read_table, restore


def test_the_schema_sorts_into_stored_and_derived(tmp_path):
    schema = read_schema(connect(tmp_path / "kb.db").conn)
    assert {"documents", "responses", "chunks", "glossary", "profile", "audit_log"} <= set(schema.stored)
    assert {"chunks_fts", "chunks_vocab", "answering_chunks", "answers_fts"} <= set(schema.derived)
    assert "chunks_fts_data" in schema.fts_storage and "chunks_fts_data" not in schema.stored
    assert "chunks_fts" in schema.rebuilt_fts and "chunks_vocab" not in schema.rebuilt_fts


def test_a_virtual_table_it_cannot_rebuild_is_an_error_not_a_gap(tmp_path):
    db = connect(tmp_path / "kb.db")
    db.execute("CREATE VIRTUAL TABLE notes_fts USING fts5(note)")  # holds its own rows: not derived
    with pytest.raises(KBError, match="notes_fts is a virtual table"):
        read_schema(db.conn)


def v9_rows() -> list[TableRows]:
    """A KB of schema version 9 (before curation), built with its own migrations, as rows."""
    conn = sqlite3.connect(":memory:")
    for statements in MIGRATIONS[:9]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO documents (id, kind, series, title, sha256, source_name, imported_at)"
        " VALUES (1, 'whitepaper', 's', '旧版', 'sha', 'a.md', '2024-05-01T00:00:00')"
    )
    conn.execute(
        "INSERT INTO responses (id, document_id, control_id, title, section_path, text, position)"
        " VALUES (1, 1, '12.3.1', 'バックアップ', '', '毎日取得します。', 0)"
    )
    conn.execute(
        "INSERT INTO chunks (id, kind, source_id, control_id, title, body, title_terms, body_terms)"
        " VALUES (1, 'response', 1, '12.3.1', 'バックアップ', '毎日取得します。', 'バックアップ', '毎日 取得')"
    )
    tables = [read_table(conn, t) for t in ("documents", "responses", "chunks")]
    conn.close()
    return tables


def test_rows_of_an_older_schema_are_migrated_as_the_kb_would_have_been(tmp_path):
    db = connect(tmp_path / "kb.db")
    restored = restore(db, v9_rows(), 9)
    assert (restored.tables, restored.rows) == (3, 3)
    # Version 11 made existing responses approved, at their document's import, due a year later.
    status, approved_at, due = db.execute("SELECT status, approved_at, review_due FROM responses").fetchone()
    assert (status, approved_at, due) == ("approved", "2024-05-01T00:00:00", "2025-05-01")
    # The indexes are rebuilt from the restored chunks: the one chunk is found by its words.
    assert db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH '取得'").fetchall() == [(1,)]
    assert db.execute("SELECT user_version FROM pragma_user_version").fetchone()[0] == SCHEMA_VERSION


def test_foreign_keys_are_checked_when_the_restore_commits(tmp_path):
    db = connect(tmp_path / "kb.db")
    orphan = TableRows(
        "responses",
        ("id", "document_id", "title", "section_path", "text", "position"),
        ((1, 99, "孤立", "", "どの文書にも属さない。", 0),),
    )
    with pytest.raises(KBError, match="do not hold together .*FOREIGN KEY"):
        restore(db, [orphan], SCHEMA_VERSION)
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0
