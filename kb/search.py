"""Ranked search over the chunks index.

A query is analysed like the index, grouped into concepts through the glossary
(each concept: equivalent phrases in either language), sent to FTS5 as an OR of
phrases, and the bm25 candidates are re-ranked by how much of the query's
idf-weighted concepts each one covers. Coverage is also what kb.answer turns
into confidence: a question whose rare words appear nowhere in the KB cannot
be well covered, however good the bm25 of the nearest chunk.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import sqlite_utils

from kb import glossary as glossary_mod
from kb.analysis import analyze, analyze_spans, normalize

Phrase = tuple[str, ...]

# Terms this common carry little and make FTS5 rank huge candidate sets, so they
# stay out of the MATCH (when rarer terms exist) but still count for coverage.
COMMON_DF_RATIO = 0.2
CANDIDATES = 40


@dataclass
class Concept:
    phrases: list[Phrase]
    df: int = 0
    idf: float = 0.0


@dataclass
class Query:
    text: str
    terms: list[str]
    concepts: list[Concept]
    total_docs: int
    match: str  # FTS5 MATCH expression ('' when nothing is searchable)

    @property
    def weight(self) -> float:
        return sum(c.idf for c in self.concepts)

    def phrase_terms(self) -> set[str]:
        return {t for c in self.concepts for p in c.phrases for t in p}


@dataclass
class Hit:
    chunk_id: int
    kind: str
    source_id: int
    control_id: str | None
    title: str
    body: str
    classification: str
    bm25: float
    coverage: float = 0.0
    score: float = 0.0
    matched: list[int] = field(default_factory=list)  # indexes of covered concepts


def _quote(phrase: Phrase) -> str:
    return '"' + " ".join(t.replace('"', "") for t in phrase) + '"'


def _df(db: sqlite_utils.Database, term: str, cache: dict[str, int]) -> int:
    if term not in cache:
        row = db.execute("SELECT doc FROM chunks_vocab WHERE term = ?", [term]).fetchone()
        cache[term] = row[0] if row else 0
    return cache[term]


def total_docs(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM chunks WHERE is_current = 1").fetchone()[0]


def prepare(db: sqlite_utils.Database, text: str, glossary=None) -> Query:
    glossary = glossary or glossary_mod.load(db)
    terms = analyze(text)
    n = max(total_docs(db), 1)
    cache: dict[str, int] = {}
    concepts: list[Concept] = []
    seen: set[Phrase] = set()
    for phrases in glossary.concepts(terms):
        if any(p in seen for p in phrases):
            continue  # the same concept asked twice counts once
        seen.update(phrases)
        df = max(min(_df(db, t, cache) for t in p) for p in phrases)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        concepts.append(Concept(phrases=phrases, df=df, idf=idf))
    searchable = [c for c in concepts if c.df > 0]
    rare = [c for c in searchable if c.df <= COMMON_DF_RATIO * n]
    chosen = rare or searchable
    match = " OR ".join(_quote(p) for c in chosen for p in c.phrases)
    return Query(text=text, terms=terms, concepts=concepts, total_docs=n, match=match)


def _covers(phrase: Phrase, doc_terms: set[str], doc_text: str) -> bool:
    if len(phrase) == 1:
        return phrase[0] in doc_terms
    return f" {' '.join(phrase)} " in doc_text


def candidates(
    db: sqlite_utils.Database,
    query: Query,
    *,
    limit: int = CANDIDATES,
    kinds: tuple[str, ...] | None = None,
    classifications: tuple[str, ...] | None = None,
    include_history: bool = False,
) -> list[tuple[Hit, str, str]]:
    if not query.match:
        return []
    where = ["chunks_fts MATCH ?"]
    params: list = [query.match]
    if not include_history:
        where.append("c.is_current = 1")
    if kinds:
        where.append(f"c.kind IN ({','.join('?' * len(kinds))})")
        params.extend(kinds)
    if classifications:
        where.append(f"c.classification IN ({','.join('?' * len(classifications))})")
        params.extend(classifications)
    sql = f"""
        SELECT c.id, c.kind, c.source_id, c.control_id, c.title, c.body, c.classification, rank,
               c.title_terms, c.body_terms
        FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
        WHERE {" AND ".join(where)}
        ORDER BY rank LIMIT ?
    """
    params.append(limit)
    out = []
    for row in db.execute(sql, params):
        hit = Hit(*row[:8])
        out.append((hit, row[8], row[9]))
    return out


def rerank(query: Query, rows: list[tuple[Hit, str, str]]) -> list[Hit]:
    if not rows:
        return []
    best_bm25 = min(hit.bm25 for hit, _, _ in rows) or -1.0
    total = query.weight or 1.0
    hits = []
    for hit, title_terms, body_terms in rows:
        text = f" {title_terms} {body_terms} "
        terms = set(text.split())
        title_set = set(title_terms.split())
        covered = 0.0
        for i, concept in enumerate(query.concepts):
            if any(_covers(p, terms, text) for p in concept.phrases):
                hit.matched.append(i)
                in_title = any(all(t in title_set for t in p) for p in concept.phrases)
                covered += concept.idf * (1.0 if in_title else 0.9)
        hit.coverage = covered / total
        hit.score = 0.8 * hit.coverage + 0.2 * (hit.bm25 / best_bm25)
        hits.append(hit)
    hits.sort(key=lambda h: (-h.score, h.chunk_id))
    return hits


def search(
    db: sqlite_utils.Database,
    text: str,
    *,
    limit: int = 10,
    kinds: tuple[str, ...] | None = None,
    classifications: tuple[str, ...] | None = None,
    query: Query | None = None,
) -> list[Hit]:
    query = query or prepare(db, text)
    rows = candidates(db, query, limit=max(CANDIDATES, limit), kinds=kinds, classifications=classifications)
    return rerank(query, rows)[:limit]


_SENTENCE_RE = re.compile(r"[^。\n]+[。]?")


def snippet(body: str, query: Query, *, start: str = "<mark>", end: str = "</mark>", width: int = 160) -> str:
    """The sentence of ``body`` that covers most of the query, matches marked."""
    wanted = query.phrase_terms()
    text = normalize(body)
    best, best_spans = "", []
    best_count = -1
    offset_base = 0
    for m in _SENTENCE_RE.finditer(text):
        sentence = m.group(0).strip()
        if not sentence:
            continue
        spans = [(a, b) for term, a, b in analyze_spans(m.group(0)) if term in wanted]
        count = len({m.group(0)[a:b] for a, b in spans})
        if count > best_count:
            best, best_spans, best_count, offset_base = m.group(0), spans, count, 0
    if not best:
        return text[:width]
    out, pos = [], offset_base
    for a, b in sorted(set(best_spans)):
        if a < pos:
            continue
        out.append(best[pos:a])
        out.append(f"{start}{best[a:b]}{end}")
        pos = b
    out.append(best[pos:])
    result = "".join(out).strip()
    return result if len(best) <= width * 2 else result[: width * 2] + "…"
