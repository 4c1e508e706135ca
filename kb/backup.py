"""`kb backup` and `kb restore`: copies of the KB made and put back through SQLite's
online backup API, so that neither depends on how the file is being used meanwhile.

* A backup is one consistent snapshot, whatever other processes write while it is made:
  the whole database is copied in one step of sqlite3.Connection.backup, inside one read
  transaction (a write in progress is not in it, a finished one is), to a temporary file
  beside the target, checked (PRAGMA integrity_check) and only then moved into place.
* A restore first checks that the file is a KB this kb can read (an SQLite database with
  the KB's tables, schema version at most this kb's, integrity_check ok), copies it into a
  staging file (migrated there if it is of an older schema version), appends to the staged
  copy's audit log the restore's own entry (kb.audit_events.restored: from which file, of
  which sha256, replacing the log of which head), and then copies the staged KB into the live
  one in one write transaction: the restore and its entry are one step, until it commits
  every reader sees the old KB, and after it the new one, never a mix. Other kb commands may
  have the KB open: a writer makes the restore wait its turn (busy timeout), readers see the
  old or the new KB. A file that changes while it is staged is refused (nothing restored): the
  sha256 logged is of the bytes restored.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import NamedTuple

from kb.db import SCHEMA_VERSION, Database, connect, migrate, read_only_uri, sqlite_connect
from kb.errors import KBError
from kb.files import atomic_path, file_sha256
from kb.i18n import _

# Tables every KB has had since version 1: a database without them is not a KB.
_KB_TABLES = ("documents", "responses", "chunks", "kb_meta")


class KBFile(NamedTuple):
    """What a backup or a restore copied."""

    path: Path
    schema_version: int
    documents: int
    bytes: int


def backup(db: Database, target: str | Path) -> KBFile:
    """Write a consistent copy of ``db`` to ``target`` (atomically: an existing file is
    replaced only once the copy is complete and checked)."""
    target = Path(target)
    if target.is_dir():
        raise KBError(_("is a directory, not a file: {path}").format(path=target))
    if not target.parent.is_dir():
        raise KBError(_("directory does not exist: {path}").format(path=target.parent))
    if _same_database(db, target):
        raise KBError(_("refusing to back the KB up over itself: {target}").format(target=target))
    with atomic_path(target) as tmp:
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.conn.backup(copy)  # pages=-1: the whole database in one step, one snapshot
            _check_integrity(copy, target)
            # A file of its own: no write-ahead log to carry beside it (the source's header
            # says WAL; a KB opened from the copy turns WAL on again).
            copy.execute("PRAGMA journal_mode = DELETE")
            info = _describe(copy, target)
        finally:
            copy.close()
    return info._replace(bytes=target.stat().st_size)


def check_kb_file(path: str | Path) -> KBFile:
    """The KB file at ``path``, read only, if it is one this kb can restore; else KBError."""
    path = Path(path)
    if not path.is_file():
        raise KBError(_("no such file: {path}").format(path=path))
    try:
        conn = sqlite_connect(read_only_uri(path), uri=True)
    except sqlite3.DatabaseError as exc:
        raise KBError(_("{path} cannot be opened as a KB backup: {exc}").format(path=path, exc=exc)) from None
    try:
        return _checked(conn, path)
    finally:
        conn.close()


def restore(db: Database, source: str | Path) -> KBFile:
    """Replace the content of the KB ``db`` with the KB file ``source`` (checked first), migrated
    to this kb's schema version and with the restore's audit entry, in one transaction."""
    from kb import audit_events

    source = Path(source)
    if db.read_only is not None:
        raise db.read_only.error()
    if _same_database(db, source):
        raise KBError(_("{source} is the KB itself: nothing to restore").format(source=source))
    info = check_kb_file(source)
    sha256 = file_sha256(source)
    with tempfile.TemporaryDirectory(prefix="kb-restore-", dir=_folder_of(db)) as folder:
        staged_path = Path(folder) / "restore.db"
        _copy(sqlite_connect(read_only_uri(source), uri=True), sqlite3.connect(staged_path), source)
        if file_sha256(source) != sha256:
            raise KBError(_("{source} changed while it was read; nothing restored").format(source=source))
        staged = connect(staged_path)  # migrated to this kb's schema version
        try:
            audit_events.restored(staged, source, sha256, audit_events.head(db), info.schema_version)
            _copy(staged.conn, db.conn, source, close_target=False)
        finally:
            staged.close()
    db.search_cache = None  # the index it cached is gone
    migrate(db)  # nothing to do (the staged copy was migrated), unless a newer kb raced us
    return info


def _copy(conn: sqlite3.Connection, target: sqlite3.Connection, source: Path, *, close_target=True) -> None:
    """Every page of ``conn`` into ``target``, in one step (one write transaction of ``target``)."""
    try:
        conn.backup(target)
    except sqlite3.DatabaseError as exc:
        raise KBError(
            _("could not restore {source}: {exc}; the KB is as it was").format(source=source, exc=exc)
        ) from None
    finally:
        conn.close()
        if close_target:
            target.close()


def _folder_of(db: Database) -> str | None:
    """The KB file's folder, where the staging copy goes (the restore's disk, not /tmp's);
    None (the system's temporary folder) for a KB in memory."""
    main = next((row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    return str(Path(main).parent) if main else None


def _checked(conn: sqlite3.Connection, path: Path) -> KBFile:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise KBError(_("{path} is not a KB backup: {exc}").format(path=path, exc=exc)) from None
    missing = [t for t in _KB_TABLES if t not in tables]
    if version < 1 or missing:
        raise KBError(
            _("{path} is not a KB backup (an SQLite file without the KB's {missing})").format(
                path=path, missing=", ".join(missing)
            )
        )
    if version > SCHEMA_VERSION:
        raise KBError(
            _("{path} has schema version {version}; this kb understands up to {known}, upgrade kb").format(
                path=path, version=version, known=SCHEMA_VERSION
            )
        )
    _check_integrity(conn, path)
    return _describe(conn, path)


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        raise KBError(
            _("{path} is damaged (integrity_check: {problems})").format(
                path=path, problems="; ".join(problems)
            )
        )


def _describe(conn: sqlite3.Connection, path: Path) -> KBFile:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    return KBFile(path, version, documents, path.stat().st_size if path.exists() else 0)


def _same_database(db: Database, other: Path) -> bool:
    """Whether ``other`` is the file of ``db`` (a symlink or a hard link to it included)."""
    main = next((row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not main or not other.exists():
        return False
    try:
        return os.path.samefile(main, other)
    except OSError:
        return False
