"""kb.audit: the hash-chained, append-only log of changes, and what finds it tampered with."""

from __future__ import annotations

import sqlite3

import pytest

from kb import audit
from kb.audit import AuditEvent
from kb.db import connect


@pytest.fixture
def kb_path(tmp_path):
    path = tmp_path / "kb.db"
    db = connect(path)
    with audit.acting_as("yamada"):
        audit.record(db, AuditEvent("glossary add", "glossary", 1, after=audit.digest("保存場所")))
        audit.record(
            db,
            AuditEvent("profile set", "profile", "name", before=audit.digest("旧"), after=audit.digest("新")),
        )
        audit.record(db, AuditEvent("evidence link", "evidence", 3, detail="to 12.6.1"))
        audit.record(db, AuditEvent("glossary add", "glossary", 2, after=audit.digest("暗号化")))
    db.close()
    return path


def attacker(path) -> sqlite3.Connection:
    """sqlite3 on the file, with the log's guard triggers dropped, as someone holding it could."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in audit.GUARD_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def verified(path) -> audit.Verified:
    db = connect(path)
    try:
        return audit.verify(db)
    finally:
        db.close()


def test_an_untouched_log_verifies_and_names_its_head(kb_path):
    result = verified(kb_path)
    assert result.ok and result.entries == 4
    db = connect(kb_path)
    entries = audit.entries(db)
    assert result.head == entries[-1].hash
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert entries[0].prev_hash == audit.GENESIS
    assert {e.actor for e in entries} == {"yamada"}
    assert entries[1].target_kind == "profile" and entries[1].target_id == "name"
    assert entries[1].before_sha256 == audit.digest("旧") != entries[1].after_sha256


def test_the_kb_refuses_to_update_or_delete_entries(kb_path):
    conn = sqlite3.connect(kb_path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'suzuki' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 4")
    conn.close()
    assert verified(kb_path).ok


def test_an_edited_entry_is_found(kb_path):
    conn = attacker(kb_path)
    conn.execute("UPDATE audit_log SET actor = 'suzuki' WHERE id = 2")
    conn.close()
    result = verified(kb_path)
    assert result.broken == audit.Broken(2, "its content does not match its hash")


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(kb_path):
    conn = attacker(kb_path)
    row = conn.execute("SELECT * FROM audit_log WHERE id = 2").fetchone()
    forged = audit.Entry(*row)._replace(actor="suzuki")
    conn.execute(
        "UPDATE audit_log SET actor = ?, hash = ? WHERE id = 2",
        [forged.actor, audit.entry_hash(*forged[:-1])],
    )
    conn.close()
    assert verified(kb_path).broken == audit.Broken(3, "does not chain to the entry before it")


def test_a_deleted_entry_is_found(kb_path):
    conn = attacker(kb_path)
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    assert verified(kb_path).broken == audit.Broken(3, "entry 2 is missing before it")


def test_a_deleted_entry_renumbered_is_found(kb_path):
    conn = attacker(kb_path)
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.execute("UPDATE audit_log SET id = id - 1 WHERE id > 2")
    conn.close()
    assert verified(kb_path).broken.entry_id == 2


def test_reordered_entries_are_found(kb_path):
    conn = attacker(kb_path)
    conn.execute("UPDATE audit_log SET id = -2 WHERE id = 2")
    conn.execute("UPDATE audit_log SET id = 2 WHERE id = 3")
    conn.execute("UPDATE audit_log SET id = 3 WHERE id = -2")
    conn.close()
    assert verified(kb_path).broken.entry_id == 2


def test_dropped_guards_are_reported_even_when_the_chain_holds(kb_path):
    attacker(kb_path).close()
    result = verified(kb_path)
    assert not result.ok and result.broken.entry_id is None
    assert "append-only triggers are gone" in result.broken.reason


def test_an_entry_is_written_with_the_change_or_not_at_all(tmp_path):
    db = connect(tmp_path / "kb.db")
    with pytest.raises(RuntimeError), db.atomic():
        audit.record(db, AuditEvent("glossary add", "glossary", 1))
        raise RuntimeError("the change failed")
    assert audit.entries(db) == []
    with db.atomic():
        audit.record(db, AuditEvent("glossary add", "glossary", 1))
    assert [e.id for e in audit.entries(db)] == [1]
    assert audit.verify(db).ok


def test_the_actor_is_the_one_given_else_the_os_user(tmp_path, monkeypatch):
    db = connect(tmp_path / "kb.db")
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "osuser")
    audit.record(db, AuditEvent("glossary add", "glossary", 1))
    with audit.acting_as("sato"):
        audit.record(db, AuditEvent("glossary add", "glossary", 2))
        audit.record(db, AuditEvent("glossary add", "glossary", 3, actor="tanaka"))
    assert [e.actor for e in audit.entries(db)] == ["osuser", "sato", "tanaka"]


def test_limit_gives_the_newest_entries_oldest_first(kb_path):
    db = connect(kb_path)
    assert [e.id for e in audit.entries(db, limit=2)] == [3, 4]


def test_digest_of_a_row_does_not_depend_on_key_order():
    assert audit.digest({"a": 1, "b": "二"}) == audit.digest({"b": "二", "a": 1})
    assert audit.digest({"a": 1}) != audit.digest({"a": 2})
    assert audit.digest("text") == audit.digest(b"text")
    assert audit.digest(None) is None


def test_a_published_copy_for_customers_holds_no_log_and_an_internal_one_the_whole_log(kb_path, tmp_path):
    from kb.publish import publish

    db = connect(kb_path)
    publish(db, tmp_path / "public.db", "public")
    publish(db, tmp_path / "internal.db", "internal")
    public, internal = connect(tmp_path / "public.db"), connect(tmp_path / "internal.db")
    assert audit.entries(public) == [] and audit.verify(public).ok  # its guards are back
    assert audit.entries(internal) == audit.entries(db) and audit.verify(internal).ok


def test_writers_at_once_each_chain_to_the_entry_before_theirs(tmp_path):
    """Two connections appending together: BEGIN IMMEDIATE makes them take turns, so no two
    entries chain to the same one."""
    import threading

    path = tmp_path / "kb.db"
    connect(path).close()

    def write(name: str) -> None:
        db = connect(path)
        for n in range(15):
            audit.record(db, AuditEvent("glossary add", "glossary", f"{name}{n}", actor=name))
        db.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verified(path)
    assert result.ok and result.entries == 30


def test_a_cut_off_tail_shows_against_the_head_noted_before(kb_path):
    noted = verified(kb_path).head
    conn = sqlite3.connect(kb_path, isolation_level=None)
    guards = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_log_%'"
    ).fetchall()
    for name in audit.GUARD_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DELETE FROM audit_log WHERE id = 4")
    for (sql,) in guards:  # put back, as a careful attacker would
        conn.execute(sql)
    conn.close()
    assert verified(kb_path).ok  # the chain alone cannot show it
    db = connect(kb_path)
    result = audit.verify(db, noted)
    assert result.broken.entry_id is None and noted in result.broken.reason
    assert audit.verify(db, audit.entries(db)[1].hash).ok  # an older noted head is still held
