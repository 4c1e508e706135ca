"""The whole knowledge base as one JSON document (`kb export json`)."""

from __future__ import annotations

from kb import store
from kb.db import Database

FORMAT_VERSION = 1


def _response_json(db: Database, row: dict) -> dict:
    cites = store.citations(db, row["id"])
    return {
        "control_id": row["control_id"],
        "framework": row["framework"],
        "title": row["title"],
        "text": row["text"],
        "service": row["service"],
        "document": row["document"],
        "document_version": row["document_version"],
        "section_path": row["section_path"].split(" > ") if row["section_path"] else [],
        "classification": row["classification"],
        "clause_refs": cites["clause_refs"],
        "doc_refs": cites["doc_refs"],
    }


def export_kb(db: Database, *, include_history: bool = True) -> dict:
    data = {
        "format_version": FORMAT_VERSION,
        "documents": [
            {
                k: d[k]
                for k in ("kind", "title", "publisher", "version", "date", "service", "sha256", "is_current")
            }
            for d in store.documents(db)
        ],
        "responses": [_response_json(db, row) for row in store.responses(db, current=True)],
        "revisions": [
            {
                "version": r["version"],
                "date": r["date"],
                "changed": r["changed"],
                "note": r["note"],
                "document": r["document"],
            }
            for r in store.revisions(db, current=True)
        ],
    }
    if include_history:
        data["history"] = [_response_json(db, row) for row in store.responses(db, current=False)]
    return data
