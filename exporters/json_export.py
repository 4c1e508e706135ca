"""The knowledge base as one JSON document (`kb export json`), as far as its audience may see it.

Two parts. The readable one, for people and scripts: documents, current responses with their
clause and document references, revisions, and the history of superseded responses. And
``tables``: every stored table of the schema, every row, every stored column, which is what
`kb import json` restores (importers/json_import.py). It is read from the schema itself
(sqlite_master), so a table added by a later migration is exported without anyone listing it;
only what is derived is left out and rebuilt on import (kb.tables says which: views, FTS5 indexes
and their storage, generated columns). BLOB values are written as {"$base64": "..."}.

A file travels: the export is for kb.audience.DEFAULT_AUDIENCE unless the caller names
another, and --audience internal exports everything. For any other audience the tables are read
from a copy filtered as `kb publish` filters one (kb.publish: rows above the audience, the rows
that hang off them, the records naming customers or staff), and, failing closed, only tables that
classify their rows or are known to hold nothing an audience may not see (SHAREABLE_TABLES) are
exported at all: a table added later that is neither leaves every export but an internal one until
someone says which it is; and columns that name people or customers are left empty (kb.unnamed).
What is left out is counted under "withheld", never shown.

Evidence files are not in the JSON: their rows are (evidence_files, with sha256, pages, links),
the bytes stay in the vault beside the KB (evidence/vault.py). A KB restored from JSON finds its
files once the vault is copied beside it (`kb backup` copies both).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from kb import store
from kb.audience import DEFAULT_AUDIENCE, check_audience
from kb.db import Database
from kb.publish import AudienceCopy, audience_copy
from kb.services import rows_outside
from kb.tables import Schema, TableRows, read_schema, read_table, row_counts, stored_columns

FORMAT_VERSION = 2
INTERNAL_AUDIENCE = "internal"

# Tables without a classification of their own whose rows an audience may receive once the rows
# they hang off are filtered (kb.publish removes the orphans): the vocabularies of controls and
# frameworks, citations, revision tables, evidence pages and links, contract names and changes,
# the glossary, the provider's profile (the identity a sheet asks for) and facts about the KB.
SHAREABLE_TABLES = frozenset(
    {
        "frameworks",
        "controls",
        "clause_refs",
        "doc_refs",
        "revisions",
        "evidence_pages",
        "evidence_links",
        "contracts",
        "clause_changes",
        "glossary",
        "profile",
        "kb_meta",
    }
)

_DOCUMENT_KEYS = (
    "kind",
    "title",
    "publisher",
    "version",
    "date",
    "service",
    "sha256",
    "classification",
    "is_current",
)
_DOCUMENT_KEYS_WITH_ID = ("id", *_DOCUMENT_KEYS)
BLOB_KEY = "$base64"  # a BLOB value, as {"$base64": "..."} (JSON has no bytes)


def _json_value(value):
    return {BLOB_KEY: base64.b64encode(value).decode("ascii")} if isinstance(value, bytes) else value


def _table_json(table: TableRows) -> dict:
    return {"columns": list(table.columns), "rows": [[_json_value(v) for v in row] for row in table.rows]}


def _shareable(conn: sqlite3.Connection, table: str) -> bool:
    """Whether a table may go to an audience below internal at all (see the module docstring)."""
    return table in SHAREABLE_TABLES or "classification" in stored_columns(conn, table)


class ExportedTables(NamedTuple):
    tables: dict[str, dict]  # name: {"columns": [...], "rows": [[...], ...]}
    withheld_rows: dict[str, int]  # rows left out, by table
    names_left_out: dict[str, int]  # "table.column": values that named a person or customer, left empty
    schema: Schema


@contextmanager
def _readable_by(db: Database, audience: str, service: str | None) -> Iterator[AudienceCopy]:
    """What ``audience`` may receive of ``service``: the KB itself for internal and every
    service, else the copy kb.publish filters (above the audience, other services' rows, the
    names of staff and customers). Both parts of an export read it, so one rule decides both."""
    check_audience(audience)
    if audience == INTERNAL_AUDIENCE and service is None:
        yield AudienceCopy(db.conn, {})
        return
    copy = audience_copy(db, audience, service)
    try:
        yield copy
    finally:
        copy.conn.close()


def _tables_of(db: Database, readable: AudienceCopy, audience: str, schema: Schema) -> ExportedTables:
    tables = {
        name: _table_json(read_table(readable.conn, name))
        for name in schema.stored
        if audience == INTERNAL_AUDIENCE or _shareable(readable.conn, name)
    }
    withheld = {}
    for table, count in row_counts(db.conn, schema.stored).items():
        left_out = count - len(tables[table]["rows"] if table in tables else [])
        if left_out:
            withheld[table] = left_out
    return ExportedTables(tables, withheld, readable.names, schema)


def export_tables(
    db: Database, audience: str = INTERNAL_AUDIENCE, service: str | None = None
) -> ExportedTables:
    """Every stored table ``audience`` may receive (of ``service`` only, if given: kb.services'
    rows_outside), as JSON, and what was left out of it."""
    with _readable_by(db, audience, service) as readable:
        return _tables_of(db, readable, audience, read_schema(db.conn))


# --- the readable part -----------------------------------------------------------------------


def _responses_json(db: Database, rows: list[dict]) -> list[dict]:
    cites = store.citations_many(db, [row["id"] for row in rows])
    return [
        {
            "control_id": row["control_id"],
            "framework": row["framework"],
            "title": row["title"],
            "text": row["text"],
            "service": row["service"],
            "document": row["document"],
            "document_version": row["document_version"],
            "section_path": row["section_path"].split(" > ") if row["section_path"] else [],
            "classification": row["classification"],
            "clause_refs": cites[row["id"]]["clause_refs"],
            "doc_refs": cites[row["id"]]["doc_refs"],
        }
        for row in rows
    ]


def _revisions_json(db: Database, titles: dict[int, str]) -> list[dict]:
    """The revision history of the current documents among ``titles`` (those exported),
    each document's oldest first."""
    return [
        {
            "version": row["version"],
            "date": row["date"],
            "changed": json.loads(row["changed"]),
            "note": row["note"],
            "document": titles[row["document_id"]],
        }
        for row in db["revisions"].rows_where(
            "document_id IN (SELECT id FROM documents WHERE is_current = 1)", order_by="document_id, date, id"
        )
        if row["document_id"] in titles
    ]


def _in_scope(db: Database, table: str, where: str, service: str | None) -> int:
    """The rows of ``table`` matching ``where`` that belong to ``service`` (every row when None),
    by the rule the filtered copy applies (kb.services.rows_outside)."""
    count = db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    for outside in rows_outside(service) if service is not None else ():
        if outside.table == table:
            sql = f"SELECT count(*) FROM {table} WHERE ({where}) AND ({outside.where})"
            count -= db.execute(sql, outside.params).fetchone()[0]
    return count


_RESPONSES_NOW, _RESPONSES_BEFORE = "is_current = 1", "is_current = 0"


def export_kb(
    db: Database,
    *,
    include_history: bool = True,
    audience: str = DEFAULT_AUDIENCE,
    service: str | None = None,
) -> dict:
    """The KB as JSON for ``audience`` (of ``service`` only, if given). ``include_history`` False
    leaves the readable history out; ``tables`` (what kb import json restores) always holds every
    row the audience may receive. Both parts are read from what the audience may receive
    (_readable_by); what was left out of the service's own rows is counted under "withheld"."""
    with _readable_by(db, audience, service) as readable:
        view = db if readable.conn is db.conn else Database(readable.conn)
        documents = list(
            view["documents"].rows_where(select=", ".join(_DOCUMENT_KEYS_WITH_ID), order_by="id")
        )
        responses = store.responses(view, current=True)
        data = {
            "format_version": FORMAT_VERSION,
            "schema_version": db.execute("PRAGMA user_version").fetchone()[0],
            "audience": audience,
            "documents": [{key: d[key] for key in _DOCUMENT_KEYS} for d in documents],
            "responses": _responses_json(view, responses),
            "revisions": _revisions_json(view, {d["id"]: d["title"] for d in documents}),
        }
        withheld: dict = {
            "documents": _in_scope(db, "documents", "1", service) - len(documents),
            "responses": _in_scope(db, "responses", _RESPONSES_NOW, service) - len(responses),
        }
        if include_history:
            history = store.responses(view, current=False)
            data["history"] = _responses_json(view, history)
            withheld["history"] = _in_scope(db, "responses", _RESPONSES_BEFORE, service) - len(history)
        exported = _tables_of(db, readable, audience, read_schema(db.conn))
    data["tables"] = exported.tables
    data["rebuilt_on_import"] = list(exported.schema.derived)  # derived, so not exported: rebuilt on import
    withheld["tables"] = exported.withheld_rows
    withheld["names"] = exported.names_left_out
    data["withheld"] = withheld  # counts of what is above the audience, never its content
    return data
