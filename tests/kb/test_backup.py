"""kb backup and kb restore: SQLite's online backup, checked before anything is replaced."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from kb import backup, db
from kb.errors import KBError
from tests.builders import build_demo_db, kestrel
from tests.paths import ROOT


def _documents(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT source_name FROM documents")}
    finally:
        conn.close()


def _kb(db_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "--db", str(db_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_made_while_another_process_writes_is_one_consistent_snapshot(tmp_path):
    build_demo_db(tmp_path).close()
    kb_path = tmp_path / "kb.db"
    writer = sqlite3.connect(kb_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO kb_meta (key, value) VALUES ('uncommitted', 'x')")
    during = _kb(kb_path, "backup", str(tmp_path / "during.db"))  # a reader: it does not wait
    writer.execute("COMMIT")
    writer.close()
    after = _kb(kb_path, "backup", str(tmp_path / "after.db"))
    assert during.returncode == after.returncode == 0, (during, after)
    assert during.stdout.startswith("backed up 1 documents")

    for name, expected in (("during.db", None), ("after.db", ("x",))):
        copy = sqlite3.connect(tmp_path / name)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT value FROM kb_meta WHERE key = 'uncommitted'").fetchone() == expected
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # a file of its own
        copy.close()
    assert not (tmp_path / "during.db-wal").exists()


def test_backup_refuses_to_write_over_the_kb_itself(tmp_path):
    kb = build_demo_db(tmp_path)
    (tmp_path / "link.db").symlink_to(tmp_path / "kb.db")
    with pytest.raises(KBError, match="over itself"):
        backup.backup(kb, tmp_path / "link.db")
    assert _documents(tmp_path / "kb.db") == {"sample_whitepaper.md"}
    kb.close()


def _restore_pair(tmp_path):
    """A backup of the demo KB, and another KB (our kestrel whitepaper) to restore it into."""
    (tmp_path / "a").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    source = build_demo_db(tmp_path / "a")
    backup.backup(source, tmp_path / "demo.backup")
    source.close()
    from kb import store

    target = db.connect(tmp_path / "b" / "kb.db")
    store.import_document(target, kestrel("ja"))
    return target, tmp_path / "demo.backup"


def test_restore_replaces_the_content_in_one_transaction_and_open_readers_see_old_or_new(tmp_path):
    target, _ = _restore_pair(tmp_path)
    reader = sqlite3.connect(tmp_path / "b" / "kb.db", isolation_level=None)
    reader.execute("BEGIN")  # a read transaction open across the restore
    assert reader.execute("SELECT source_name FROM documents").fetchall() == [("kestrel_ja.md",)]

    restored = backup.restore(target, tmp_path / "demo.backup")

    assert restored.documents == 1
    assert reader.execute("SELECT source_name FROM documents").fetchall() == [("kestrel_ja.md",)]
    reader.execute("COMMIT")
    assert reader.execute("SELECT source_name FROM documents").fetchall() == [("sample_whitepaper.md",)]
    reader.close()
    assert target.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    target.close()
    assert _documents(tmp_path / "b" / "kb.db") == {"sample_whitepaper.md"}


def _v1_kb(path):
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in db.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    return path


def test_restore_migrates_an_older_backup(tmp_path):
    target = db.connect(tmp_path / "kb.db")
    backup.restore(target, _v1_kb(tmp_path / "old.db"))
    assert target.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    target.close()


def _newer_kb(path):
    build_demo_db(path.parent).close()
    conn = sqlite3.connect(path.parent / "kb.db")
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    conn.close()
    return path.parent / "kb.db"


def _damaged_kb(path):
    build_demo_db(path.parent).close()
    data = bytearray((path.parent / "kb.db").read_bytes())
    page = 4096
    data[3 * page : 3 * page + 200] = b"\xff" * 200  # a b-tree page's header and cells
    path.write_bytes(bytes(data))
    return path


def _other_sqlite(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_newer_kb, "understands up to"),
        (_damaged_kb, "(is damaged|not a KB backup)"),
        (_other_sqlite, "not a KB backup"),
        (lambda p: (p.write_text("kb backup? no"), p)[1], "not a KB backup"),
    ],
)
def test_restore_refuses_what_is_not_a_kb_it_can_read_and_leaves_the_kb_as_it_was(tmp_path, make, message):
    (tmp_path / "src").mkdir()
    bad = make(tmp_path / "src" / "bad.db")
    (tmp_path / "kb").mkdir()
    target = build_demo_db(tmp_path / "kb")
    with pytest.raises(KBError, match=message):
        backup.restore(target, bad)
    target.close()
    assert _documents(tmp_path / "kb" / "kb.db") == {"sample_whitepaper.md"}


def test_kb_restore_of_a_bad_file_creates_no_kb(tmp_path):
    proc = _kb(tmp_path / "kb.db", "restore", str(_other_sqlite(tmp_path / "notes.db")))
    assert proc.returncode == 2
    assert proc.stderr.startswith("kb: error: ") and "not a KB backup" in proc.stderr
    assert not (tmp_path / "kb.db").exists()


def test_the_restore_and_its_audit_entry_are_one_step(tmp_path, monkeypatch):
    import hashlib

    from kb import audit, audit_events

    target, copy = _restore_pair(tmp_path)
    replaced = audit_events.head(target)
    backup.restore(target, copy)
    last = audit.entries(target)[-1]
    sha = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (last.action, last.before_sha256, last.after_sha256) == (audit.RESTORE, replaced, sha)
    assert f"restored from {copy} (sha256 {sha})" in last.detail
    assert audit.verify(target).ok
    target.close()

    def refused(*args, **kwargs):
        raise sqlite3.OperationalError("the log refused")

    target, copy = _restore_pair(tmp_path / "again")
    monkeypatch.setattr(audit_events, "restored", refused)
    with pytest.raises(sqlite3.OperationalError):
        backup.restore(target, copy)
    # No entry, no restore: the KB is the one it was.
    assert [r[0] for r in target.execute("SELECT source_name FROM documents")] == ["kestrel_ja.md"]
    target.close()


def test_a_backup_that_changes_while_it_is_read_is_not_restored(tmp_path, monkeypatch):
    from kb import files

    target, copy = _restore_pair(tmp_path)
    digests = iter(["a" * 64, "b" * 64])  # the file's sha256 before it is staged, then after
    monkeypatch.setattr(backup, "file_sha256", lambda path: next(digests))
    with pytest.raises(KBError, match="changed while it was read; nothing restored"):
        backup.restore(target, copy)
    assert [r[0] for r in target.execute("SELECT source_name FROM documents")] == ["kestrel_ja.md"]
    assert not list(tmp_path.glob("b/kb-restore-*"))  # the staging copy is gone
    target.close()
    assert files.file_sha256(copy)  # the backup itself untouched, still readable
