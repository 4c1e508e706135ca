"""A copy of the KB for one audience (`kb publish`, `kb serve`): what is not in the copy cannot leak.

The copy is made with SQLite's backup API (a consistent snapshot, write-ahead log
included), then every row the audience may not see is deleted: rows whose
classification is above it (kb.audience), the rows that hang off them (by foreign key,
and chunks by their kind's source table), and the records that name customers; the
names of staff and customers left in other rows are emptied (kb.unnamed). The
search indexes are rebuilt from what is left and the file is vacuumed with
secure_delete on, so no freed page still holds deleted text. The copy ends in
journal_mode DELETE with nothing outstanding, so it can be opened immutable
(Datasette's -i) or read-only from any number of hosts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from kb.audience import check_audience, visible_to
from kb.audit import GUARD_TRIGGERS
from kb.chunk_sources import CHUNK_SOURCES
from kb.db import PUBLISHED_AUDIENCE_KEY, Database
from kb.errors import KBError
from kb.files import atomic_path
from kb.i18n import _
from kb.services import rows_outside
from kb.unnamed import unname

# Records of what was sent to which customer (kb fill) and of who changed what (kb.audit):
# they name customers and staff, which is staff's knowledge whatever the classification of
# what was sent, so only an internal copy keeps them. So are drafts and earlier versions
# (kb.curation: content_versions, and draft_chunks, the search text of draft library
# answers): work no person approved for a customer, with who wrote and approved it.
INTERNAL_RECORDS = ("fills", "fill_rows", "audit_log", "content_versions", "draft_chunks")
INTERNAL_AUDIENCE = "internal"
# Content a copy below internal holds only when a person approved it: a draft (a harvested
# library answer nobody approved, a response not yet approved) answers no customer and a
# retired row was taken back, so no customer-facing copy shows them either. The rows of an
# earlier version of a document stay: that version was approved and published in its day
# (kb export json's history of superseded responses); the drafts and
# superseded texts of edits are content_versions, an internal record above.
CURATED_CONTENT = ("responses", "qa_pairs")


class Published(NamedTuple):
    audience: str
    path: Path
    removed: dict[str, int]  # rows deleted, by table (tables that lost none left out)
    chunks: int  # searchable rows in the copy
    names: dict[str, int]  # values that named staff or a customer, left empty (kb.unnamed)


class AudienceCopy(NamedTuple):
    conn: sqlite3.Connection  # in memory; the caller closes it
    names: dict[str, int]  # as Published.names


def publish(db: Database, target: str | Path, audience: str, service: str | None = None) -> Published:
    """Write the copy of ``db`` that ``audience`` may see to ``target`` (replaced whole, atomically);
    with ``service``, of that service only (kb.services.rows_outside)."""
    check_audience(audience)
    target = Path(target)
    if target.is_dir():
        raise KBError(_("is a directory, not a file: {path}").format(path=target))
    if not target.parent.exists():
        raise KBError(_("directory does not exist: {path}").format(path=target.parent))
    if target.exists() and target.resolve() == _database_file(db):
        raise KBError(_("{target} is the KB itself: publish to another file").format(target=target))
    with atomic_path(target) as tmp:
        copy = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            db.conn.backup(copy)
            removed, names = _filter(copy, audience, service)
            chunks = copy.execute("SELECT count(*) FROM chunks").fetchone()[0]
        finally:
            copy.close()
    return Published(audience, target, removed, chunks, names)


def audience_copy(db: Database, audience: str, service: str | None = None) -> AudienceCopy:
    """An in-memory copy of ``db`` holding what ``audience`` may see (of ``service`` only, if
    given), filtered as a published copy is (kb export json reads it: exporters/json_export.py),
    without the mark of a published copy unless the KB itself has one. The caller closes it."""
    check_audience(audience)
    copy = sqlite3.connect(":memory:", isolation_level=None)
    db.conn.backup(copy)
    _removed, names = _filter(copy, audience, service)
    copy.execute("DELETE FROM kb_meta WHERE key = ?", [PUBLISHED_AUDIENCE_KEY])
    mark = db.execute("SELECT value FROM kb_meta WHERE key = ?", [PUBLISHED_AUDIENCE_KEY]).fetchone()
    if mark:
        copy.execute("INSERT INTO kb_meta(key, value) VALUES (?, ?)", [PUBLISHED_AUDIENCE_KEY, mark[0]])
    return AudienceCopy(copy, names)


def _database_file(db: Database) -> Path | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]).resolve() if row and row[2] else None


def _filter(
    conn: sqlite3.Connection, audience: str, service: str | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Delete what ``audience`` may not see; return the rows deleted by table, and the names emptied."""
    # The copy is deleted from freely: the KB's own rules (foreign keys, triggers that
    # refuse edits) are for the KB; here the orphans are found and removed below.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA journal_mode = DELETE")
    removed: dict[str, int] = {}
    names: dict[str, int] = {}

    def count(table: str, cursor: sqlite3.Cursor) -> None:
        if cursor.rowcount > 0:
            removed[table] = removed.get(table, 0) + cursor.rowcount

    tables = _tables(conn)
    visible = visible_to(audience)
    marks = ",".join("?" * len(visible))
    conn.execute("BEGIN")
    for table in tables:
        if "classification" in _columns(conn, table):
            count(
                table, conn.execute(f'DELETE FROM "{table}" WHERE classification NOT IN ({marks})', visible)
            )
    for outside in rows_outside(service) if service is not None else ():
        count(
            outside.table,
            conn.execute(f'DELETE FROM "{outside.table}" WHERE {outside.where}', outside.params),
        )
    if audience != INTERNAL_AUDIENCE:
        # The audit log refuses deletion (kb.audit): its guards step aside while the copy is
        # emptied of it, and come back, so the copy's (empty) log verifies as the KB's does.
        guards = _triggers(conn, GUARD_TRIGGERS)
        for name in guards:
            conn.execute(f'DROP TRIGGER "{name}"')
        for table in INTERNAL_RECORDS:
            if table in tables:
                count(table, conn.execute(f'DELETE FROM "{table}"'))
        for table in CURATED_CONTENT:
            if table in tables:
                count(table, conn.execute(f"DELETE FROM \"{table}\" WHERE status != 'approved'"))
        for sql in guards.values():
            conn.execute(sql)
    _remove_orphans(conn, tables, count)
    if "controls" in tables and "responses" in tables:
        _controls_of_what_is_left(conn, count)
    if audience != INTERNAL_AUDIENCE:
        names = unname(conn, tables)
    # Which audience the copy is for, for whoever serves it (the Datasette plugin says so).
    conn.execute(
        "INSERT OR REPLACE INTO kb_meta(key, value) VALUES (?, ?)", [PUBLISHED_AUDIENCE_KEY, audience]
    )
    conn.execute("COMMIT")
    for fts in _external_content_fts(conn):
        conn.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')
    conn.execute("VACUUM")
    return removed, names


def _controls_of_what_is_left(conn: sqlite3.Connection, count) -> None:
    """Only the controls the copy's responses answer, titled as the first of them is. A control
    keeps the title it was first imported with (kb.store), which may be a response's above the
    audience, and a control only such responses answer says what they cover. Frameworks no
    control is left in go too."""
    count(
        "controls",
        conn.execute(
            "DELETE FROM controls WHERE id NOT IN (SELECT control_ref FROM responses WHERE control_ref IS NOT NULL)"
        ),
    )
    conn.execute(
        "UPDATE controls SET title = (SELECT r.title FROM responses r WHERE r.control_ref = controls.id"
        " ORDER BY r.id LIMIT 1)"
    )
    if "frameworks" in _tables(conn):
        count(
            "frameworks",
            conn.execute("DELETE FROM frameworks WHERE id NOT IN (SELECT framework_id FROM controls)"),
        )


def _remove_orphans(conn: sqlite3.Connection, tables: list[str], count) -> None:
    """Rows whose parent row is gone, until none is left: a row that must have its parent
    (a NOT NULL reference: a document's responses, then their clause references ...) goes
    with it; an optional reference (qa_pairs.source_fill) is cleared, the row kept. Chunks
    whose source row is gone go (whatever their own classification says), and a contract
    none of whose versions is left."""
    keys = []
    for table in tables:
        required = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")') if row[3]}
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            # child, its column, parent table, parent column, whether the child needs it
            keys.append((table, fk[3], fk[2], fk[4] or "id", fk[3] in required or fk[6] == "CASCADE"))
    sources = {kind: table for kind, table in CHUNK_SOURCES.items() if table in tables}
    while True:
        before = conn.total_changes
        for child, column, parent, parent_column, needed in keys:
            missing = (
                f'"{column}" IS NOT NULL AND "{column}" NOT IN (SELECT "{parent_column}" FROM "{parent}")'
            )
            if needed:
                count(child, conn.execute(f'DELETE FROM "{child}" WHERE {missing}'))
            else:
                conn.execute(f'UPDATE "{child}" SET "{column}" = NULL WHERE {missing}')
        # Rows that name their source by (kind, source_id): chunks, the drafts' search text and
        # the versions of responses and library answers (kb.curation).
        for table in ("chunks", "draft_chunks", "content_versions"):
            if table not in tables:
                continue
            for kind, source in sources.items():
                count(
                    table,
                    conn.execute(
                        f'DELETE FROM "{table}" WHERE kind = ? AND source_id NOT IN (SELECT id FROM "{source}")',
                        [kind],
                    ),
                )
        if "contracts" in tables and "contract_versions" in tables:
            count(
                "contracts",
                conn.execute(
                    "DELETE FROM contracts WHERE id NOT IN (SELECT contract_id FROM contract_versions)"
                ),
            )
        if conn.total_changes == before:
            return


def _triggers(conn: sqlite3.Connection, names: tuple[str, ...]) -> dict[str, str]:
    """{name: CREATE TRIGGER statement} of those of ``names`` the database has."""
    marks = ",".join("?" * len(names))
    return dict(
        conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", names
        )
    )


def _tables(conn: sqlite3.Connection) -> list[str]:
    """Ordinary tables (not the FTS tables' own, which the rebuild rewrites)."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if not _is_fts_shadow(conn, name)
    ]


def _is_fts_shadow(conn: sqlite3.Connection, name: str) -> bool:
    for suffix in ("_data", "_idx", "_content", "_docsize", "_config"):
        if name.endswith(suffix):
            owner = name[: -len(suffix)]
            row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [owner]).fetchone()
            if row and row[0] and row[0].upper().startswith("CREATE VIRTUAL"):
                return True
    return False


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _external_content_fts(conn: sqlite3.Connection) -> list[str]:
    """FTS5 tables that index another table's rows (content=...): rebuilt from what the copy keeps."""
    found = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        spelled = "".join((sql or "").upper().split())
        if spelled.startswith("CREATEVIRTUAL") and "USINGFTS5(" in spelled and "CONTENT=" in spelled:
            found.append(name)
    return found
