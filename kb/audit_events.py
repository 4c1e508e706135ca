"""The audit log's entries of the KB's write paths (kb.audit): one function a kind of change,
so that each command records its change in one line, inside the transaction that makes it.

Hashes: a document or a contract version is named by the sha256 of the file it was imported
from (documents.sha256, contract_versions.sha256), the one it replaced as current is the
before; a backup file by the sha256 of its bytes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb import audit
from kb.audit import AuditEvent, Entry
from kb.db import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION, Database
from kb.files import file_sha256


def _document_sha256(db: Database, document_id: int | None) -> str | None:
    if document_id is None:
        return None
    row = db.execute("SELECT sha256 FROM documents WHERE id = ?", [document_id]).fetchone()
    return row[0] if row else None


def document_imported(
    db: Database, action: str, document_id: int, superseded_id: int | None, source: str
) -> Entry:
    """A whitepaper, an answered check sheet, a decision workbook … stored as ``document_id``,
    replacing ``superseded_id`` as the current version of its series (None: a first version)."""
    return audit.record(
        db,
        AuditEvent(
            action,
            "document",
            document_id,
            before=_document_sha256(db, superseded_id),
            after=_document_sha256(db, document_id),
            detail=source,
        ),
    )


def contract_imported(
    db: Database, document: str, version: str, previous_version: str | None, source: str
) -> Entry:
    """A contract's new version (its articles, the clauses), the current one before it replaced."""

    def sha(v: str | None) -> str | None:
        if v is None:
            return None
        row = db.execute(
            "SELECT cv.sha256 FROM contract_versions cv JOIN contracts c ON c.id = cv.contract_id"
            " WHERE c.name = ? AND cv.version = ?",
            [document, v],
        ).fetchone()
        return row[0] if row else None

    return audit.record(
        db,
        AuditEvent(
            "import clauses",
            "contract",
            f"{document} {version}",
            before=sha(previous_version),
            after=sha(version),
            detail=source,
        ),
    )


def backed_up(db: Database, target: Path) -> Entry | None:
    """A backup of the KB written to ``target``, when that takes no waiting: a backup is a reader
    (it runs beside another kb's write and must not queue behind it), and a read-only KB can be
    backed up (that is how it is copied somewhere writable). None when not recorded."""
    if db.read_only is not None:
        return None
    db.execute("PRAGMA busy_timeout = 0")  # the write lock now or not at all
    try:
        return audit.record(db, AuditEvent("backup", "kb", str(target), after=file_sha256(target)))
    except sqlite3.OperationalError:  # another process holds the write lock
        return None
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")


def head(db: Database) -> str:
    """The newest entry's hash (audit.GENESIS for an empty log), read before a restore replaces
    the log with the backup's: the restore's entry names the log it replaced."""
    row = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else audit.GENESIS


def restored(db: Database, source: Path, sha256: str, replaced_head: str, schema_version: int) -> Entry:
    """The KB replaced by the backup ``source`` (of ``sha256``, at ``schema_version``), recorded into
    the restored KB before it replaces the live one (kb.backup.restore), so the restore and its entry
    are one step: the log is now the backup's, and this entry, chained to it, names the head of the
    log it replaced (before) and the bytes restored (after)."""
    migrated = f", migrated from schema version {schema_version}" if schema_version != SCHEMA_VERSION else ""
    return audit.record(
        db,
        AuditEvent(
            audit.RESTORE,
            "kb",
            str(source),
            before=replaced_head,
            after=sha256,
            detail=f"restored from {source} (sha256 {sha256}{migrated}); the log before this entry is"
            f" the backup's; before names the head of the log replaced ({replaced_head})",
        ),
    )
