"""Keeping the search index in step with the rows it covers.

Every searchable thing is a row of ``chunks`` with a kind; the FTS tables follow
``chunks`` through triggers (see kb.db), so callers only write chunks, inside the
same transaction as the rows they describe.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from kb.analysis import ANALYZER_VERSION, analyzed_text
from kb.db import AUDIENCE_INDEXED, Database

# The FTS5 tables kept from chunks by triggers (kb.db): the analysed index of everything, the
# analysed index of what answers (ANSWERING_KINDS, version 8), the same for each customer
# audience over what it may see (version 12) and the raw-text trigram index.
FTS_TABLES = (
    "chunks_fts",
    "answers_fts",
    *(f"answers_{level}_fts" for level in AUDIENCE_INDEXED),
    "chunks_trigram",
    "drafts_fts",  # of draft_chunks: draft library answers, searched for review only (version 13)
)
# The tables of analysed chunks: what search finds, and drafts, which only kb.drafts searches.
CHUNK_TABLES = ("chunks", "draft_chunks")


def chunk_title(control_id: str | None, title: str) -> str:
    return f"{control_id} {title}" if control_id else title


def _mark_analyzer(db: Database) -> None:
    db["kb_meta"].upsert({"key": "analyzer_version", "value": ANALYZER_VERSION}, pk="key")


def stale(db: Database) -> bool:
    """True when the index holds terms from another analyzer version (run `kb reindex`)."""
    if not db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
        return False
    row = db.execute("SELECT value FROM kb_meta WHERE key = 'analyzer_version'").fetchone()
    return row is None or row[0] != ANALYZER_VERSION


class Chunk(NamedTuple):
    """One searchable row, before analysis: what a source says and where it comes from."""

    kind: str
    source_id: int
    title: str
    body: str
    control_id: str | None = None
    classification: str = "public"
    is_current: bool = True


def add_chunks(db: Database, chunks: Iterable[Chunk], table: str = "chunks") -> None:
    """Analyse and insert chunks into ``table`` (CHUNK_TABLES), in one statement per batch (the
    FTS triggers still see each row).

    Each distinct text is analysed once per batch: answers decided in a decision workbook
    (kb.library) repeat the same few responses across many questions."""
    terms: dict[str, str] = {}

    def analysed(text: str) -> str:
        if text not in terms:
            terms[text] = analyzed_text(text)
        return terms[text]

    rows = [
        {
            "kind": c.kind,
            "source_id": c.source_id,
            "control_id": c.control_id,
            "title": c.title,
            "body": c.body,
            "title_terms": analysed(c.title),
            "body_terms": analysed(c.body),
            "classification": c.classification,
            "is_current": int(c.is_current),
        }
        for c in chunks
    ]
    if rows and not any(db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in CHUNK_TABLES):
        _mark_analyzer(db)  # the first chunk fixes which analyzer this index speaks
    db[table].insert_all(rows)


def add_chunk(
    db: Database,
    *,
    kind: str,
    source_id: int,
    title: str,
    body: str,
    control_id: str | None = None,
    classification: str = "public",
    is_current: bool = True,
) -> int:
    add_chunks(db, [Chunk(kind, source_id, title, body, control_id, classification, is_current)])
    return db.execute("SELECT id FROM chunks WHERE kind = ? AND source_id = ?", [kind, source_id]).fetchone()[
        0
    ]


def retire_chunks(db: Database, kind: str, source_ids: list[int]) -> None:
    """Keep superseded rows findable as history but out of default search."""
    if source_ids:
        marks = ",".join("?" * len(source_ids))
        for table in CHUNK_TABLES:
            db.execute(
                f"UPDATE {table} SET is_current = 0 WHERE kind = ? AND source_id IN ({marks})",
                [kind, *source_ids],
            )


_CHUNK_COLUMNS = (
    "kind, source_id, control_id, title, body, title_terms, body_terms, classification, is_current"
)


def move_chunks(db: Database, kind: str, source_ids: list[int], to: str) -> None:
    """Move the chunks of these sources into table ``to`` from the other of CHUNK_TABLES, as
    they are (a draft library answer approved goes into chunks, kb.curation)."""
    source = next(t for t in CHUNK_TABLES if t != to)
    for start in range(0, len(source_ids), 500):
        part = source_ids[start : start + 500]
        where = f"kind = ? AND source_id IN ({','.join('?' * len(part))})"
        db.execute(
            f"INSERT INTO {to} ({_CHUNK_COLUMNS}) SELECT {_CHUNK_COLUMNS} FROM {source} WHERE {where} ORDER BY id",
            [kind, *part],
        )
        db.execute(f"DELETE FROM {source} WHERE {where}", [kind, *part])


def rebuild(db: Database) -> int:
    """Re-analyse every chunk (after an analyzer change) and rebuild the FTS tables."""
    with db.atomic():
        rows = 0
        for table in CHUNK_TABLES:
            found = list(db.execute(f"SELECT id, title, body FROM {table}"))
            for chunk_id, title, body in found:
                db.execute(
                    f"UPDATE {table} SET title_terms = ?, body_terms = ? WHERE id = ?",
                    [analyzed_text(title), analyzed_text(body), chunk_id],
                )
            rows += len(found)
        for table in FTS_TABLES:
            db.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        compact(db)
        _mark_analyzer(db)
    return rows


def compact(db: Database) -> None:
    """Merge each FTS table into one segment, at the end of an import.

    Every insert adds a small segment and a query pays per segment, so one
    segment answers MATCH queries faster. It rewrites the whole index, which an
    import can afford and a query could not.
    """
    for table in FTS_TABLES:
        db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")


def integrity_check(db: Database) -> None:
    """Raise sqlite3.DatabaseError if an FTS table disagrees with chunks."""
    for table in FTS_TABLES:
        # rank 1: also compare with the content each indexes (answers_fts: the view of its kinds).
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
