"""The KB's stored tables, read and written generically: what `kb export json` writes and
`kb import json` restores (exporters/json_export.py, importers/json_import.py).

Which tables there are is read from the schema itself (sqlite_master), so a table a later
migration adds is read and restored without anyone listing it. Only what is derived stays out,
and is rebuilt after a restore: views, FTS5 indexes over another table's rows (content=...),
fts5vocab tables, the shadow tables FTS5 keeps its index in, and generated columns. A virtual
table of any other kind is an error rather than something silently not exported.

A restore goes into an empty KB only (nothing to merge, so nothing to decide about two rows with
one id), in one transaction: every row with its own id, foreign keys checked at the commit, then
the FTS indexes rebuilt from what was restored. Rows of an older schema version are restored into
a scratch KB of that version first and migrated forward, as the KB they came from would have been.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kb import audit
from kb.db import MIGRATIONS, SCHEMA_VERSION, Database, migrate
from kb.errors import KBError
from kb.i18n import _


@dataclass(frozen=True)
class Schema:
    """The KB's tables sorted: stored ones (exported, restored) and derived ones (rebuilt)."""

    stored: tuple[str, ...]
    derived: tuple[str, ...]  # views, FTS5 and fts5vocab tables
    rebuilt_fts: tuple[str, ...]  # FTS5 tables over another table's rows, rebuilt after a restore
    fts_storage: tuple[str, ...]  # the tables FTS5 keeps those indexes in


@dataclass(frozen=True)
class TableRows:
    """One table's rows: the stored columns, and the rows' values in that order."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Restored:
    tables: int  # tables that received rows
    rows: int
    evidence_sha256: tuple[str, ...]  # the evidence files the restored rows name (their bytes are in a vault)


# The tables FTS5 keeps an index in, named after it (chunks_fts_data ...).
_FTS_SHADOWS = ("data", "idx", "content", "docsize", "config")


def _spelled(sql: str | None) -> str:
    return "".join((sql or "").upper().split())


def read_schema(conn: sqlite3.Connection) -> Schema:
    objects = conn.execute(
        "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    virtual = {
        name: _spelled(sql)
        for name, kind, sql in objects
        if kind == "table" and _spelled(sql).startswith("CREATEVIRTUAL")
    }
    stored: list[str] = []
    derived: list[str] = []
    rebuilt: list[str] = []
    storage: list[str] = []
    for name, kind, _sql in objects:
        spelled = virtual.get(name, "")
        if kind == "view" or "USINGFTS5VOCAB(" in spelled:
            derived.append(name)
        elif spelled:
            if "USINGFTS5(" not in spelled or "CONTENT=" not in spelled or "CONTENT=''" in spelled:
                raise KBError(
                    _("table {table} is a virtual table that kb can neither read nor rebuild").format(
                        table=name
                    )
                )
            derived.append(name)
            rebuilt.append(name)
        elif any(f"{owner}_{part}" == name for owner in virtual for part in _FTS_SHADOWS):
            storage.append(name)
        else:
            stored.append(name)
    return Schema(tuple(stored), tuple(derived), tuple(rebuilt), tuple(storage))


def stored_columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """The columns a row stores (a generated column is computed again)."""
    return tuple(row[1] for row in conn.execute(f'PRAGMA table_xinfo("{table}")') if row[6] == 0)


def _order(conn: sqlite3.Connection, table: str) -> str:
    keys = sorted((row[5], row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")') if row[5])
    return ", ".join(f'"{name}"' for _, name in keys) or "rowid"


def read_table(conn: sqlite3.Connection, table: str) -> TableRows:
    """Every row of ``table``, in primary-key order (insertion order without one)."""
    columns = stored_columns(conn, table)
    names = ", ".join(f'"{c}"' for c in columns)
    rows = conn.execute(f'SELECT {names} FROM "{table}" ORDER BY {_order(conn, table)}').fetchall()
    return TableRows(table, columns, tuple(rows))


def row_counts(conn: sqlite3.Connection, tables: Sequence[str]) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def restore(db: Database, tables: Sequence[TableRows], schema_version: int, *, source: str = "") -> Restored:
    """Put ``tables`` (rows of a KB at ``schema_version``) into the empty KB ``db``, in one transaction,
    and say so in its audit log (kb.audit), after the entries restored: the chain goes on.

    KBError, with nothing written, when the KB is not empty, the rows are of a newer schema than
    this kb's, or name a table or column the schema of their version does not have."""
    if db.read_only is not None:
        raise db.read_only.error()
    if not 1 <= schema_version <= SCHEMA_VERSION:
        newer = schema_version > SCHEMA_VERSION
        raise KBError(
            (
                _("the export is of schema version {version}; this kb reads 1 to {latest}, upgrade kb")
                if newer
                else _("the export is of schema version {version}; this kb reads 1 to {latest}")
            ).format(version=schema_version, latest=SCHEMA_VERSION)
        )
    schema = read_schema(db.conn)
    filled = {t: n for t, n in row_counts(db.conn, schema.stored).items() if n}
    if filled:
        held = ", ".join(f"{t} {n}" for t, n in sorted(filled.items()))
        raise KBError(
            _(
                "the KB is not empty ({held}): kb import json restores into an empty KB only,"
                " so nothing is merged; name a new one with --db"
            ).format(held=held)
        )
    if schema_version < SCHEMA_VERSION:
        tables = _migrated(tables, schema_version)
    try:
        rows = _restore_in_one(db, tables, schema, source)
    except sqlite3.IntegrityError as exc:  # a foreign key, checked at the commit
        raise KBError(
            _("the export's rows do not hold together ({error}): nothing was restored").format(error=exc)
        ) from None
    db.search_cache = None
    evidence = (
        tuple(r[0] for r in db.execute("SELECT sha256 FROM evidence_files ORDER BY id"))
        if "evidence_files" in schema.stored
        else ()
    )
    return Restored(sum(1 for t in tables if t.rows), rows, evidence)


def _restore_in_one(db: Database, tables: Sequence[TableRows], schema: Schema, source: str) -> int:
    """Insert, rebuild the indexes and log the restore, in one transaction; the rows restored."""
    with db.atomic():
        db.execute("PRAGMA defer_foreign_keys = ON")  # rows come table by table; checked at commit
        _insert(db.conn, tables, schema)
        for fts in schema.rebuilt_fts:
            db.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')
        rows = sum(len(t.rows) for t in tables)
        audit.record(
            db, audit.AuditEvent("import json", "kb", source or None, detail=f"{rows} rows restored")
        )
    return rows


def _insert(conn: sqlite3.Connection, tables: Sequence[TableRows], schema: Schema) -> None:
    for table in tables:
        if table.name not in schema.stored:
            raise KBError(
                _("the export holds a table this KB's schema does not: {table}").format(table=table.name)
            )
        unknown = sorted(set(table.columns) - set(stored_columns(conn, table.name)))
        if unknown:
            raise KBError(
                _("the export's {table} has columns this KB's schema does not: {columns}").format(
                    table=table.name, columns=", ".join(unknown)
                )
            )
        if not table.rows:
            continue
        names = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join("?" * len(table.columns))
        try:
            conn.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', table.rows)
        except sqlite3.DatabaseError as exc:
            raise KBError(
                _("the export's {table} does not fit this KB: {error}").format(table=table.name, error=exc)
            ) from None


def _migrated(tables: Sequence[TableRows], schema_version: int) -> list[TableRows]:
    """``tables`` of an older schema version, as they are once migrated to this kb's."""
    scratch = Database(sqlite3.connect(":memory:", isolation_level=None))
    try:
        for statements in MIGRATIONS[:schema_version]:
            for statement in statements:
                scratch.execute(statement)
        scratch.execute(f"PRAGMA user_version = {schema_version}")
        with scratch.atomic():
            _insert(scratch.conn, tables, read_schema(scratch.conn))
        migrate(scratch)
        return [read_table(scratch.conn, t) for t in read_schema(scratch.conn).stored]
    finally:
        scratch.close()
