"""Who a KB names: its staff and its customers. Below internal, no copy names them.

A column that names a person or a customer (who owns, approved, decided or wrote content; whose
sheet an answer came from) is staff's knowledge whatever the classification of its row, as the
records of fills are (kb.publish). Below internal its values are left empty, in any table, so a
column of that name a later table adds is emptied too. A customer's sheet kept in the library
(an answered sheet imported, a decision workbook applied) is a document whose title and file name
are the customer's file's and whose publisher is the customer: it is named by kind and id only.

kb.publish empties them in every copy below internal (kb publish, kb serve, kb export json).
"""

from __future__ import annotations

import sqlite3

NAME_COLUMNS = frozenset({"customer", "owner", "approver", "decided_by", "author", "actor"})
# documents.kind of a customer's sheet whose answers the library keeps.
SHEET_KINDS = frozenset({"checksheet", "decisions"})
SHEETS_KEY = "documents (customers' sheets)"  # the count of sheets renamed, beside "table.column"


def sheet_named(kind: str, doc_id: int) -> dict[str, str | None]:
    """What a customer's sheet (SHEET_KINDS) is called below internal: by kind and id, no publisher."""
    name = f"{kind} {doc_id}"
    return {"title": name, "source_name": name, "series": f"{kind} | {doc_id}", "publisher": None}


def unname(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    """Empty every NAME_COLUMNS value in ``tables`` (NULL, or '' where one is required) and name
    the customers' sheets by kind and id; return how many values were emptied, by "table.column"."""
    counts: dict[str, int] = {}
    for table in tables:
        for _cid, column, _type, notnull, _default, _pk in conn.execute(f'PRAGMA table_info("{table}")'):
            if column not in NAME_COLUMNS:
                continue
            empty = "''" if notnull else "NULL"
            done = conn.execute(
                f'UPDATE "{table}" SET "{column}" = {empty} WHERE "{column}" IS NOT NULL AND "{column}" != \'\''
            )
            if done.rowcount > 0:
                counts[f"{table}.{column}"] = done.rowcount
    if "documents" in tables:
        kinds = ",".join("?" * len(SHEET_KINDS))
        sheets = conn.execute(f"SELECT id, kind FROM documents WHERE kind IN ({kinds})", sorted(SHEET_KINDS))
        renamed = 0
        for doc_id, kind in sheets.fetchall():
            named = sheet_named(kind, doc_id)
            conn.execute(
                "UPDATE documents SET title = ?, source_name = ?, series = ?, publisher = ? WHERE id = ?",
                [named["title"], named["source_name"], named["series"], named["publisher"], doc_id],
            )
            renamed += 1
        if renamed:
            counts[SHEETS_KEY] = renamed
    return counts
