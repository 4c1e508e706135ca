"""kb.db.Database: transactions, and sqlite-utils only when something asks for it."""

import sqlite3
import subprocess
import sys

import pytest

from kb.db import CHUNK_KINDS, CLASSIFICATIONS, connect, connect_read_only
from kb.errors import KBError


def count(db):
    return db.execute("SELECT count(*) FROM frameworks").fetchone()[0]


def test_atomic_commits_or_rolls_back_everything(tmp_path):
    db = connect(tmp_path / "kb.db")
    with db.atomic():
        db.execute("INSERT INTO frameworks (name) VALUES ('a')")
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("INSERT INTO frameworks (name) VALUES ('b')")
        raise RuntimeError
    assert count(db) == 1 and not db.conn.in_transaction
    assert count(connect(tmp_path / "kb.db")) == 1  # committed, seen by another connection


def test_nested_atomic_is_a_savepoint(tmp_path):
    db = connect(tmp_path / "kb.db")
    with db.atomic():
        db.execute("INSERT INTO frameworks (name) VALUES ('outer')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("INSERT INTO frameworks (name) VALUES ('inner')")
            raise RuntimeError
        assert db.conn.in_transaction  # the outer transaction goes on
    assert [r[0] for r in db.execute("SELECT name FROM frameworks")] == ["outer"]


def test_a_failed_commit_leaves_no_transaction_open(tmp_path):
    db = connect(tmp_path / "kb.db")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA defer_foreign_keys = ON")  # the violation surfaces at COMMIT
    with pytest.raises(Exception, match="FOREIGN KEY"), db.atomic():
        db.execute("INSERT INTO controls (framework_id, control_id, title) VALUES (99, 'x', 'x')")
    assert not db.conn.in_transaction and count(db) == 0


def test_sqlite_utils_api_on_demand(tmp_path):
    db = connect(tmp_path / "kb.db")
    db["frameworks"].insert({"name": "ISO/IEC 27017"})
    assert db.table("frameworks").count == 1
    assert "chunks" in db.table_names()
    with pytest.raises(AttributeError):
        db.no_such_method  # noqa: B018


def test_answering_does_not_import_sqlite_utils(demo_db):
    path = demo_db.execute("PRAGMA database_list").fetchone()[2]
    code = (
        "import sys\n"
        "from kb.db import connect\n"
        "from kb.answer import answer\n"
        f"assert answer(connect({path!r}), 'データはどこに保存されますか。').sources\n"
        "assert 'sqlite_utils' not in sys.modules, 'sqlite_utils was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("column", "values"), [("kind", CHUNK_KINDS), ("classification", CLASSIFICATIONS)])
def test_chunks_accept_exactly_the_declared_vocabulary(tmp_path, column, values):
    db = connect(tmp_path / "kb.db")
    insert = (
        "INSERT INTO chunks (kind, source_id, title, body, title_terms, body_terms, classification)"
        " VALUES (:kind, :source_id, 't', 'b', 't', 'b', :classification)"
    )
    row = {"kind": "response", "classification": "public"}
    for i, value in enumerate(values):
        db.execute(insert, {**row, "source_id": i, column: value})
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(insert, {**row, "source_id": 99, column: "not declared"})


def test_sqlite_utils_writes_join_the_open_transaction(tmp_path):
    # The store's imports write through insert_all inside db.atomic(): all or nothing.
    db = connect(tmp_path / "kb.db")
    with pytest.raises(RuntimeError), db.atomic():
        db["frameworks"].insert_all([{"name": "a"}, {"name": "b"}])
        assert count(db) == 2
        raise RuntimeError
    assert count(db) == 0 and not db.conn.in_transaction


def test_sqlite_utils_leaves_the_connection_as_it_was(tmp_path):
    db = connect(tmp_path / "kb.db")
    before = db.execute("PRAGMA recursive_triggers").fetchone()[0]
    assert "frameworks" in db.table_names()  # the sqlite-utils API is now built
    assert db.execute("PRAGMA recursive_triggers").fetchone()[0] == before == 0


def test_read_only_connection_reads_and_never_writes(tmp_path):
    path = tmp_path / "kb.db"
    writer = connect(path)
    writer.execute("INSERT INTO frameworks (name) VALUES ('ISO/IEC 27017')")
    reader = connect_read_only(path)
    assert count(reader) == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("INSERT INTO frameworks (name) VALUES ('b')")
    writer.execute("INSERT INTO frameworks (name) VALUES ('c')")
    assert count(reader) == 2  # sees what the writer commits (WAL)


def test_read_only_connection_creates_and_migrates_nothing(tmp_path):
    with pytest.raises(KBError):
        connect_read_only(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    old = tmp_path / "old.db"
    sqlite3.connect(old).execute("CREATE TABLE t (x)").connection.close()  # schema version 0
    with pytest.raises(KBError, match="schema version 0"):
        connect_read_only(old)
    assert sqlite3.connect(old).execute("PRAGMA user_version").fetchone()[0] == 0


def test_version_4_keeps_approved_answers_approved_and_makes_new_ones_drafts(tmp_path):
    from kb.db import MIGRATIONS, Database, migrate

    conn = sqlite3.connect(tmp_path / "kb.db", isolation_level=None)
    for version, statements in enumerate(MIGRATIONS[:3], start=1):  # a KB as kb left it at version 3
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO documents (id, kind, series, title, sha256, source_name, imported_at)"
        " VALUES (1, 'checksheet', 's', 't', 'x', 't.xlsx', '2025-05-01')"
    )
    conn.execute(
        "INSERT INTO qa_pairs (document_id, question, question_key, approved) VALUES (1, 'a', 'a', 1), (1, 'b', 'b', 0)"
    )
    migrate(Database(conn))
    assert conn.execute("SELECT question_key, status FROM qa_pairs ORDER BY id").fetchall() == [
        ("a", "approved"),
        ("b", "draft"),
    ]
    conn.execute("INSERT INTO qa_pairs (document_id, question, question_key) VALUES (1, 'c', 'c')")
    assert conn.execute("SELECT status FROM qa_pairs WHERE question_key = 'c'").fetchone() == ("draft",)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO qa_pairs (document_id, question, question_key, status) VALUES (1, 'd', 'd', 'ok')"
        )


def test_a_responses_control_family_is_its_iso_27002_clause():
    from kb.db import connect_memory

    db = connect_memory()
    db.execute(
        "INSERT INTO documents(id, kind, series, title, sha256, source_name, imported_at)"
        " VALUES (1, 'whitepaper', 's', 't', 'x', 'n', '2026-01-01')"
    )
    ids = ["12.6.1", "CLD.12.1.5", "CLD.9.5.1", "6.1.3", None, "A.5.1", "はじめに"]
    for position, control_id in enumerate(ids):
        db.execute(
            "INSERT INTO responses(document_id, control_id, title, section_path, text, position)"
            " VALUES (1, ?, 't', 'p', 'x', ?)",
            [control_id, position],
        )
    families = [f for (f,) in db.execute("SELECT control_family FROM responses ORDER BY position")]
    assert families == ["12", "12", "9", "6", None, None, None]
