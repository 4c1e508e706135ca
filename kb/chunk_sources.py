"""Where a chunk comes from: the table its source_id points into, by chunk kind.

A chunk (kb.db) is one searchable row of any kind; source_id is the id of the row it
indexes. Publishing (kb.publish) drops a chunk whose source row is gone, and the
Datasette plugin links a search hit to its source row.
"""

from __future__ import annotations

CHUNK_SOURCES: dict[str, str] = {
    "response": "responses",
    "qa": "qa_pairs",
    "evidence": "evidence_pages",  # a page of an evidence file (kb.db version 5)
    "clause": "clauses",  # a contract clause (issue 13, clause tables)
}
