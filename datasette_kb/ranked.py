"""Ranked search for the plugin's search page: kb.search itself, on the served file.

Datasette's connections return sqlite3.Row and carry its own functions; kb.search keeps
an index cache per connection and reads plain tuples. So each of Datasette's worker
threads keeps one connection of ours per served file, opened read-only the way
Datasette opened it (immutable or mode=ro), and the same search `kb search` runs
answers on it: same analyzer, glossary, ranking and snippets.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import NamedTuple

from kb import search as search_mod
from kb.chunk_sources import CHUNK_SOURCES
from kb.db import CHUNK_KINDS, Database

# A question, not a document: past this the query is refused with a message (the
# analyzer would take it, but no one types a page into a search box).
MAX_QUERY_CHARS = 500
DEFAULT_LIMIT = 10  # as `kb search`
MAX_LIMIT = 100


class SearchHit(NamedTuple):
    kind: str
    control_id: str | None
    title: str
    snippet: str  # HTML: text escaped, matched words in <mark>
    score: float
    classification: str
    source_table: str | None  # where the hit's row lives (kb.chunk_sources), when known
    source_id: int


class SearchOutcome(NamedTuple):
    query: str
    hits: list[SearchHit]
    message: str | None  # for the person searching, when there is nothing to rank


class BadSearch(ValueError):
    """A search request the page cannot run, with a message for the person who sent it."""


def parse_request(query: str | None, limit: str | None, kinds: list[str]) -> tuple[str, int, tuple[str, ...]]:
    """The search asked for, checked: (query, limit, kinds); BadSearch with a message otherwise."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise BadSearch(
            f"検索語が長すぎます（{MAX_QUERY_CHARS} 文字まで）/ The query is too long (at most {MAX_QUERY_CHARS} characters)."
        )
    try:
        count = int(limit) if limit not in (None, "") else DEFAULT_LIMIT
    except ValueError:
        raise BadSearch(f"件数は数字で指定してください / limit must be a number, not {limit!r}.") from None
    if not 1 <= count <= MAX_LIMIT:
        raise BadSearch(f"件数は 1〜{MAX_LIMIT} / limit must be between 1 and {MAX_LIMIT}.")
    kinds = [k for k in kinds if k]  # the form's "all" sends kind=
    unknown = [k for k in kinds if k not in CHUNK_KINDS]
    if unknown:
        raise BadSearch(
            f"種類 {', '.join(unknown)} はありません / no such kind; choose from {', '.join(CHUNK_KINDS)}."
        )
    return query, count, tuple(dict.fromkeys(kinds))


_local = threading.local()


def _connection(path: str, immutable: bool) -> Database:
    """This thread's connection to ``path``, opened once."""
    dbs = getattr(_local, "dbs", None)
    if dbs is None:
        dbs = _local.dbs = {}
    db = dbs.get(path)
    if db is None:
        from datasette_kb import read_only_uri

        conn = sqlite3.connect(read_only_uri(path, immutable), uri=True, isolation_level=None)
        db = dbs[path] = Database(conn)
    return db


def ranked_search(
    path: str, immutable: bool, query: str, limit: int, kinds: tuple[str, ...]
) -> SearchOutcome:
    """What `kb search QUERY --limit N --kind K` finds, with snippets and where each hit lives."""
    if not query:
        return SearchOutcome(query, [], "検索語を入力してください / Type a word or a question to search for.")
    db = _connection(path, immutable)
    prepared = search_mod.prepare(db, query)
    if not prepared.match_phrases:
        return SearchOutcome(
            query,
            [],
            "この KB にある語が検索語に含まれていません / None of the query's words occurs in this knowledge base.",
        )
    hits = search_mod.search(db, query, limit=limit, kinds=kinds or None, query=prepared)
    return SearchOutcome(
        query,
        [
            SearchHit(
                h.kind,
                h.control_id,
                h.title,
                search_mod.snippet(h.body, prepared),
                round(h.score, 4),
                h.classification,
                CHUNK_SOURCES.get(h.kind),
                h.source_id,
            )
            for h in hits
        ],
        None if hits else "一致するものはありません / No matches.",
    )
