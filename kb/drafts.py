"""Draft library answers found for a question, to offer for review (issue 15, schema v13).

A draft is no answer: a harvested sheet nobody approved may say anything. Its text is kept
out of every index that answers (draft_chunks, not chunks), so that a sheet of drafts
changes no approved answer's confidence: search weighs a question's words by their rarity
in the index it searches. It is found here, in drafts_fts, and ranked with the question
as the answer weighed it (kb.search.rerank with the answering index's Query): coverage
and score mean what they mean for every other source.
"""

from __future__ import annotations

from kb import search
from kb.db import Database

# The index of drafts, for its bm25 (weighed as the answering index is: title first). It has no
# vocabulary of its own that counts: the question's concepts keep the answering index's weights.
DRAFTS = search.Index("drafts_fts", "", ("qa",))
# Chunk ids of drafts are given negated: draft_chunks numbers its rows apart from chunks, and
# a hit's chunk_id must not name another chunk (kb.answer compares hits by it).


def _held(db: Database, cache: search.IndexCache) -> bool:
    return (
        cache.memo(
            "drafts_held",
            lambda: db.execute("SELECT 1 FROM draft_chunks WHERE is_current = 1 LIMIT 1").fetchone(),
        )
        is not None
    )


def _conditions(classifications: tuple[str, ...] | None, service: str | None) -> tuple[list[str], list]:
    conditions, params = ["c.is_current = 1"], []
    if classifications:
        conditions.append(f"c.classification IN ({','.join('?' * len(classifications))})")
        params.extend(classifications)
    if service is not None:
        conditions.append(
            "c.source_id IN (SELECT q.id FROM qa_pairs q JOIN documents d ON d.id = q.document_id"
            " WHERE d.service = ?)"
        )
        params.append(service)
    return conditions, params


def own(
    db: Database,
    question_key: str,
    *,
    classifications: tuple[str, ...] | None = None,
    service: str | None = None,
) -> search.Hit | None:
    """The newest current draft answering this very question (its question_key), found by key, not
    by search: a KB holding nothing but drafts (past sheets imported first) has no weights for a
    search to rank with, and a person's answer to the very question covers it whole."""
    conditions, params = _conditions(classifications, service)
    row = db.execute(
        f"""
        SELECT c.id, c.kind, c.source_id, c.control_id, c.title, c.body, c.classification
        FROM draft_chunks c JOIN qa_pairs q ON q.id = c.source_id
        WHERE c.kind = 'qa' AND q.question_key = ? AND {" AND ".join(conditions)}
        ORDER BY c.id DESC LIMIT 1
        """,
        [question_key, *params],
    ).fetchone()
    if row is None:
        return None
    chunk_id, *fields = row
    return search.Hit(-chunk_id, *fields, bm25=0.0, coverage=1.0, score=1.0)


def hits(
    db: Database,
    query: search.Query,
    *,
    limit: int,
    classifications: tuple[str, ...] | None = None,
    service: str | None = None,
) -> list[search.Hit]:
    """The current drafts that match ``query`` best, re-ranked as search ranks (none in a KB
    that holds no draft: no query then). ``service``: only drafts of a sheet for that service
    (kb.services: an answer naming none answers none in a KB of several)."""
    cache = query.cache or search.answering_cache(db)
    phrases = query.broad_phrases  # drafts are few: the commoner phrases cost little
    if not phrases or not _held(db, cache):
        return []
    conditions, params = _conditions(classifications, service)
    rows = db.execute(
        f"""
        SELECT c.id, c.kind, c.source_id, c.control_id, c.title, c.body, c.classification, c.is_current,
               c.title_terms, c.body_terms, {DRAFTS.bm25} AS score
        FROM drafts_fts JOIN draft_chunks c ON c.id = drafts_fts.rowid
        WHERE drafts_fts MATCH ? AND {" AND ".join(conditions)}
        ORDER BY score, c.id LIMIT ?
        """,
        [" OR ".join(search._quote(p) for p in phrases), *params, max(limit * 2, search.CANDIDATES)],
    ).fetchall()
    found = []
    for *fields, score in rows:
        fields[0] = -fields[0]
        chunk = search.IndexedChunk.of(tuple(fields))
        found.append((search.Hit(*chunk.fields, score), chunk))
    return [h for h in search.rerank(query, found) if not search._affixes_only(query, h)][:limit]
