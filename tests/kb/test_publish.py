"""kb.publish: the copy for an audience holds nothing above it, in any table, index or free page."""

from __future__ import annotations

import sqlite3

import pytest

from kb import index, store
from kb.analysis import analyzed_text
from kb.errors import KBError
from kb.publish import publish
from tests.builders import build_demo_db, kestrel

MARKER = "ゾウムシ計画XQZWV"  # words written only into rows above public


@pytest.fixture
def kb_with_secrets(tmp_path):
    db = build_demo_db(tmp_path)
    with db.atomic():
        db.execute(
            "INSERT INTO responses (document_id, control_id, title, section_path, text, position, classification)"
            " VALUES (1, '99.9.9', '社内だけの手順', '', ?, 999, 'internal')",
            [f"{MARKER} の手順は社外秘です。"],
        )
        rid = db.execute("SELECT max(id) FROM responses").fetchone()[0]
        db.execute(
            "INSERT INTO clause_refs (response_id, document, article, title) VALUES (?, '社内規程', 7, ?)",
            [rid, MARKER],
        )
        index.add_chunk(
            db,
            kind="response",
            source_id=rid,
            control_id="99.9.9",
            title="99.9.9 社内だけの手順",
            body=f"{MARKER} の手順は社外秘です。",
            classification="internal",
        )
    # A whole document for nda readers, and a row in it marked public by mistake: it goes
    # with its document.
    nda = store.import_document(db, kestrel("ja", classification="nda")).document_id
    db.execute(
        "INSERT INTO responses (document_id, title, section_path, text, position) VALUES (?, '迷子', '', ?, 1000)",
        [nda, f"{MARKER}迷子"],
    )
    # Evidence kept for staff, its page's chunk marked public: the chunk goes with its source.
    db.execute(
        "INSERT INTO evidence_files (sha256, size, media_type, original_name, title, text_status, added_at)"
        " VALUES ('ab', 1, 'text/plain', 'x.txt', ?, 'text', '2025-01-01')",
        [MARKER],
    )
    page = db.execute(
        "INSERT INTO evidence_pages (evidence_id, page) VALUES ((SELECT id FROM evidence_files), 1) RETURNING id"
    ).fetchone()[0]
    index.add_chunk(
        db, kind="evidence", source_id=page, title="x.txt", body=f"{MARKER} 証跡", classification="public"
    )
    db.execute(
        "INSERT INTO fills (output_sha256, input_name, output_name, customer, questions, answered, created_at)"
        " VALUES ('cd', 'in.xlsx', 'out.xlsx', 'ACME-SECRET', 3, 1, '2025-01-01')"
    )
    # A public answer decided from that fill: an optional reference to a record the copy drops.
    db.execute(
        "INSERT INTO qa_pairs (document_id, question, question_key, answer_text, status, source_fill)"
        " VALUES (1, '暗号化していますか', 'k', 'はい', 'approved', (SELECT id FROM fills))"
    )
    return db


def _open(path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?immutable=1", uri=True)


def _classifications(conn) -> set[str]:
    seen = set()
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
    ):
        if "classification" in {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}:
            seen |= {r[0] for r in conn.execute(f'SELECT DISTINCT classification FROM "{table}"')}
    return seen


def test_public_copy_has_nothing_above_public_anywhere(kb_with_secrets, tmp_path):
    done = publish(kb_with_secrets, tmp_path / "public.db", "public")
    assert done.removed["responses"] >= 2 and done.removed["chunks"] >= 3 and done.removed["fills"] == 1
    conn = _open(done.path)
    assert _classifications(conn) == {"public"}
    secret = f'"{analyzed_text("社外秘")}"'
    assert (
        conn.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", [secret]).fetchone()[0] == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM chunks_vocab WHERE term = ?", [analyzed_text("社外秘").split()[0]]
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM chunks_trigram WHERE chunks_trigram MATCH ?", [f'"{MARKER}"']
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM clause_refs WHERE response_id NOT IN (SELECT id FROM responses)"
        ).fetchone()[0]
        == 0
    )
    assert conn.execute("SELECT count(*) FROM fills").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM chunks").fetchone()[0] == done.chunks
    # Not in a free page either: the file's bytes do not hold the words.
    assert MARKER.encode() not in done.path.read_bytes()
    assert b"ACME-SECRET" not in done.path.read_bytes()


def test_each_audience_sees_its_level_and_below(kb_with_secrets, tmp_path):
    nda = _open(publish(kb_with_secrets, tmp_path / "nda.db", "nda").path)
    assert _classifications(nda) == {"public", "nda"}
    assert nda.execute("SELECT count(*) FROM fills").fetchone()[0] == 0
    internal = _open(publish(kb_with_secrets, tmp_path / "internal.db", "internal").path)
    assert _classifications(internal) == {"public", "nda", "internal"}
    assert internal.execute("SELECT customer FROM fills").fetchall() == [("ACME-SECRET",)]
    assert (
        internal.execute(
            "SELECT count(*) FROM chunks_trigram WHERE chunks_trigram MATCH ?", [f'"{MARKER}"']
        ).fetchone()[0]
        == 2
    )
    secret = f'"{analyzed_text("社外秘")}"'
    assert (
        internal.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", [secret]).fetchone()[0]
        == 1
    )


def test_the_copy_is_one_file_ready_to_be_served_immutable(kb_with_secrets, tmp_path):
    done = publish(kb_with_secrets, tmp_path / "copy.db", "public")
    assert not (tmp_path / "copy.db-wal").exists() and not (tmp_path / "copy.db-journal").exists()
    conn = _open(done.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT value FROM kb_meta WHERE key = 'published_audience'").fetchone() == (
        "public",
    )
    user_version = kb_with_secrets.execute("PRAGMA user_version").fetchone()[0]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == user_version


def test_kb_opens_a_published_copy_read_only_and_leaves_it_as_served(kb_with_secrets, tmp_path, lang):
    """A copy is served immutable in DELETE journal mode: kb reads it as it is (no switch to WAL,
    no -wal or -shm file beside it) and refuses to change it, saying where changes belong."""
    from click.testing import CliRunner

    from kb.cli import cli
    from kb.db import connect
    from kb.search import search

    copy = publish(kb_with_secrets, tmp_path / "copy.db", "public").path
    db = connect(copy)
    assert db.read_only is not None and search(db, "バックアップ")
    with pytest.raises(
        KBError, match="copy published for audience public|開示先 public 向けに公開したコピー"
    ):
        with db.atomic():
            pass
    db.close()
    result = CliRunner().invoke(cli, ["--db", str(copy), "retire", "R1"])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
    assert {
        "en": "is a copy published for audience public (kb publish): it can be searched and read, not changed",
        "ja": "開示先 public 向けに公開したコピーです（kb publish）。検索と閲覧はできますが、変更はできません",
    }[lang] in result.output
    assert CliRunner().invoke(cli, ["--db", str(copy), "search", "バックアップ"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy.db")) == ["copy.db"]
    assert _open(copy).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_the_kb_itself_and_bad_targets_are_refused(kb_with_secrets, tmp_path):
    with pytest.raises(KBError, match="the KB itself"):
        publish(kb_with_secrets, tmp_path / "kb.db", "public")
    with pytest.raises(KBError, match="directory"):
        publish(kb_with_secrets, tmp_path, "public")
    with pytest.raises(KBError, match="unknown audience"):
        publish(kb_with_secrets, tmp_path / "x.db", "everyone")
    assert not (tmp_path / "x.db").exists()


def test_a_contract_above_the_audience_goes_with_its_clauses(kb_with_secrets, tmp_path):
    db = kb_with_secrets
    contract = db.execute(
        "INSERT INTO contracts (name, name_key, created_at) VALUES (?, 'naibu', '2025-01-01') RETURNING id",
        [MARKER],
    ).fetchone()[0]
    version = db.execute(
        "INSERT INTO contract_versions (contract_id, version, sha256, source_name, classification, imported_at)"
        " VALUES (?, '1', 'ef', 'c.md', 'internal', '2025-01-01') RETURNING id",
        [contract],
    ).fetchone()[0]
    clause = db.execute(
        "INSERT INTO clauses (version_id, article, text, position, classification) VALUES (?, 3, ?, 1, 'public') RETURNING id",
        [version, f"{MARKER}条文"],
    ).fetchone()[0]
    index.add_chunk(db, kind="clause", source_id=clause, title="第3条", body=f"{MARKER}条文")
    conn = _open(publish(db, tmp_path / "public.db", "public").path)
    for table in ("contracts", "contract_versions", "clauses"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert conn.execute("SELECT count(*) FROM chunks WHERE kind = 'clause'").fetchone()[0] == 0
    assert MARKER.encode() not in (tmp_path / "public.db").read_bytes()
