"""The whole knowledge base as one JSON document (`kb export json`)."""

from __future__ import annotations

import json

from kb import store
from kb.db import Database

FORMAT_VERSION = 1

_DOCUMENT_KEYS = ("kind", "title", "publisher", "version", "date", "service", "sha256", "is_current")


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
    """The revision history of the current documents, each document's oldest first."""
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
    ]


def export_kb(db: Database, *, include_history: bool = True) -> dict:
    documents = list(db["documents"].rows_where(select=", ".join(("id", *_DOCUMENT_KEYS)), order_by="id"))
    data = {
        "format_version": FORMAT_VERSION,
        "documents": [{key: d[key] for key in _DOCUMENT_KEYS} for d in documents],
        "responses": _responses_json(db, store.responses(db, current=True)),
        "revisions": _revisions_json(db, {d["id"]: d["title"] for d in documents}),
    }
    if include_history:
        data["history"] = _responses_json(db, store.responses(db, current=False))
    return data
