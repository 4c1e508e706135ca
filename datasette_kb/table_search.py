"""The search box of the text tables (?_search=), and the analyzer as SQL functions.

Datasette's own table search sends the query to an FTS table as typed, and the KB's
chunks_fts holds analysed terms (ぜい弱性 is indexed as 脆弱 性), so it finds nothing.
Here the rows of a table search are
- those in which the analyzer finds every word of the query (kb_match: the words analysed
  as `kb search` analyses them, each word a phrase, all of them required), and
- when the analyzer finds none, those whose text contains every word as written: through
  the trigram index when each word has three characters or more, else by LIKE (a trigram
  index cannot look up ログ or 認証, nor グイ inside ログイン).
One at a time: Datasette runs the search again for the count and for each facet, and on a
large KB the second index (or a scan) in every one of those queries doubled a page's time.
Both expressions are built from quoted terms, so no query is malformed for FTS5.
"""

from __future__ import annotations

from typing import NamedTuple

from kb.analysis import analyze_spans, canonical_control_id, normalize
from kb.chunk_sources import CHUNK_SOURCES

TRIGRAM_MIN_CHARS = 3  # FTS5's trigram tokenizer cannot match anything shorter


class SearchTarget(NamedTuple):
    """How a table's rows meet the chunks index: the chunk kind and the SQL that turns
    the matching chunks' source ids (a sub-select) into the table's primary keys."""

    kind: str | None  # None: the chunks table itself
    keys: str = "{ids}"


def search_targets(tables: set[str]) -> dict[str, SearchTarget]:
    """The tables of a KB whose rows have a search box, by table name."""
    targets = {"chunks": SearchTarget(None)}
    for kind, table in CHUNK_SOURCES.items():
        if table in tables:
            targets[table] = SearchTarget(kind)
    if "evidence_files" in tables and "evidence_pages" in tables:
        # A file matches when one of its pages does.
        targets["evidence_files"] = SearchTarget(
            "evidence", "SELECT evidence_id FROM evidence_pages WHERE id IN ({ids})"
        )
    return targets


def words(query: str) -> list[str]:
    return normalize(query).split()


def fts_match(query: str) -> str:
    """An FTS5 expression for chunks_fts: each word of the query as the phrase of its
    analysed terms, all words required. '""' (matches nothing) when no word has a term.

    A control id is indexed under each of its spellings (A.12.6.1 and 12.6.1, at one
    place of the text): a word with such alternatives asks for any one of them."""
    text = normalize(query)
    spans = analyze_spans(text)
    parts: list[str] = []
    pos = 0
    for word in text.split():
        start = text.index(word, pos)
        pos = start + len(word)
        places: dict[tuple[int, int], list[str]] = {}
        for term, a, b in spans:
            if a >= start and b <= pos:
                places.setdefault((a, b), []).append(term.replace('"', ""))
        if not places:
            continue
        if all(len(alternatives) == 1 for alternatives in places.values()):
            parts.append('"' + " ".join(alts[0] for alts in places.values()) + '"')
        else:
            parts.extend(
                "(" + " OR ".join(f'"{alt}"' for alt in alternatives) + ")"
                for alternatives in places.values()
            )
    return " AND ".join(dict.fromkeys(parts)) or '""'


def analysed(text: str | None) -> str | None:
    """kb_analyze(text): the terms the index holds for ``text`` (kb.analysis.analyzed_text)."""
    from kb.analysis import analyzed_text

    return None if text is None else analyzed_text(text)


def control_id(text: str | None) -> str | None:
    """kb_control_id(text): a control id as the KB writes it ('cld9.5.1' -> 'CLD.9.5.1')."""
    return None if text is None else canonical_control_id(text)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Where(NamedTuple):
    clause: str
    params: dict[str, str]


ANALYSED_MATCH = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH kb_match(:kb_search)"


def has_short_word(query: str) -> bool:
    """Whether the trigram index cannot look up one of the query's words."""
    return any(len(w) < TRIGRAM_MIN_CHARS for w in words(query))


def where(target: SearchTarget, pk: str, query: str, *, as_written: bool = False) -> Where:
    """The WHERE clause (and its parameters) of a table search for ``query``: the rows the
    analyzer finds, or with ``as_written`` the rows whose text contains every word."""
    params = {"kb_search": query}
    ids = ANALYSED_MATCH
    ws = list(dict.fromkeys(words(query)))
    if as_written and not has_short_word(query):
        params["kb_trigram"] = " AND ".join(_quoted(w) for w in ws)
        ids = "SELECT rowid FROM chunks_trigram WHERE chunks_trigram MATCH :kb_trigram"
    elif as_written:
        likes = []
        for i, w in enumerate(ws):
            params[f"kb_like_{i}"] = _like(w)
            likes.append(f"(title LIKE :kb_like_{i} ESCAPE '\\' OR body LIKE :kb_like_{i} ESCAPE '\\')")
        ids = f"SELECT id FROM chunks WHERE {' AND '.join(likes)}"
    if target.kind is None:
        return Where(f'"{pk}" IN ({ids})', params)
    params["kb_kind"] = target.kind
    sources = f"SELECT source_id FROM chunks WHERE kind = :kb_kind AND id IN ({ids})"
    return Where(f'"{pk}" IN ({target.keys.format(ids=sources)})', params)


def analysed_probe(target: SearchTarget) -> str:
    """SQL that finds at most one chunk of the table's kind the analyzer matches (params: kb_search, kb_kind)."""
    kind = "" if target.kind is None else "kind = :kb_kind AND "
    return f"SELECT 1 FROM chunks WHERE {kind}id IN ({ANALYSED_MATCH}) LIMIT 1"
