"""The knowledge base as one JSON document (`kb export json`), as far as its audience may see it.

A file travels: the export is for kb.audience.DEFAULT_AUDIENCE unless the caller names
another, and --audience internal exports everything. Documents and responses above the
audience are left out and counted under "withheld", without their text; the revisions are
those of the documents exported.
"""

from __future__ import annotations

import json

from kb import store
from kb.audience import DEFAULT_AUDIENCE, may_see
from kb.db import Database

FORMAT_VERSION = 1

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


def _visible(rows: list[dict], audience: str) -> tuple[list[dict], int]:
    """The rows ``audience`` may see, and how many it may not."""
    shown = [row for row in rows if may_see(audience, row["classification"])]
    return shown, len(rows) - len(shown)


def export_kb(db: Database, *, include_history: bool = True, audience: str = DEFAULT_AUDIENCE) -> dict:
    documents, withheld_documents = _visible(
        list(db["documents"].rows_where(select=", ".join(("id", *_DOCUMENT_KEYS)), order_by="id")), audience
    )
    responses, withheld_responses = _visible(store.responses(db, current=True), audience)
    data = {
        "format_version": FORMAT_VERSION,
        "audience": audience,
        "documents": [{key: d[key] for key in _DOCUMENT_KEYS} for d in documents],
        "responses": _responses_json(db, responses),
        "revisions": _revisions_json(db, {d["id"]: d["title"] for d in documents}),
    }
    withheld = {"documents": withheld_documents, "responses": withheld_responses}
    if include_history:
        history, withheld["history"] = _visible(store.responses(db, current=False), audience)
        data["history"] = _responses_json(db, history)
    data["withheld"] = withheld  # counts of what is above the audience, never its content
    return data
