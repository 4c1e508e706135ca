"""Ranked search over the chunks index.

A query is analysed like the index and grouped into concepts through the glossary
(each concept: equivalent phrases in either language). Its rarer phrases are
searched as an OR (bounded, see _match_phrases; ranked by FTS5's bm25, from each
phrase's cached postings, see IndexCache.ranked), and the best candidates are
re-ranked by how much of the query's idf-weighted concepts each one covers.
Coverage is also what kb.answer turns into confidence: a question whose rare
words appear nowhere in the KB cannot be well covered, however good the bm25 of
the nearest chunk.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple, TypeVar

from kb import glossary as glossary_mod
from kb.analysis import WORD_CLASS_WEIGHT, analyze_spans, analyze_tagged, normalize
from kb.db import ANSWERING_KINDS, AUDIENCE_INDEXED, Database
from kb.settings import DEFAULTS

Phrase = tuple[str, ...]
T = TypeVar("T")

# Why these values: kb.settings.
MATCH_BUDGET_RATIO: float = DEFAULTS["match_budget_ratio"]
MATCH_BUDGET_MIN: int = DEFAULTS["match_budget_min"]
MAX_MATCH_PHRASES: int = DEFAULTS["max_match_phrases"]
BROAD_BUDGET_FACTOR: int = DEFAULTS["broad_budget_factor"]
CANDIDATES: int = DEFAULTS["candidates"]
MIN_FILTERED: int = DEFAULTS["min_filtered"]
TITLE_WEIGHT: float = DEFAULTS["title_weight"]
WHOLE_VOCABULARY_MAX_CHUNKS: int = DEFAULTS["whole_vocabulary_max_chunks"]
EXACT_PHRASE_DF_LIMIT: int = DEFAULTS["exact_phrase_df_limit"]
POSTINGS_MAX_DF: int = DEFAULTS["postings_max_df"]
PART_WEIGHT: float = DEFAULTS["part_weight"]
SCATTERED_CREDIT: float = DEFAULTS["scattered_credit"]
UNSEEN_LATIN_WEIGHT: float = DEFAULTS["unseen_latin_weight"]
BODY_ONLY_CREDIT: float = DEFAULTS["body_only_credit"]
COVERAGE_SHARE: float = DEFAULTS["coverage_share"]
BM25_SHARE: float = DEFAULTS["bm25_share"]


class Index(NamedTuple):
    """One FTS5 index over chunks: its table, its vocabulary (document frequencies), the
    kinds it holds (None: every kind) and, for an index over a subset of those (one
    service's, kb.services), the view that lists its chunks."""

    fts: str
    vocab: str
    kinds: tuple[str, ...] | None
    chunks: str | None = None

    @property
    def bm25(self) -> str:
        return f"bm25({self.fts}, {TITLE_WEIGHT}, 1.0)"


# Everything searchable (kb search, the Datasette plugin), and the chunks that answer by
# themselves (kb answer, kb fill): a question is weighed by how rare its words are among
# the texts that can answer it, so filing contracts or evidence beside the responses does
# not change an answer's confidence (kb.db version 8).
EVERYTHING = Index("chunks_fts", "chunks_vocab", None)
ANSWERING = Index("answers_fts", "answers_vocab", ANSWERING_KINDS)
# ANSWERING once more for each customer audience, over what it may see (kb.db version 12): an
# answer for a customer is weighed among what the customer may be sent, so importing internal
# content changes no public answer. The most trusted level sees everything: ANSWERING.
ANSWERING_FOR: dict[str, Index] = {
    level: Index(
        f"answers_{level}_fts", f"answers_{level}_vocab", ANSWERING_KINDS, f"answering_{level}_chunks"
    )
    for level in AUDIENCE_INDEXED
}


class Phrases:
    """A concept's equivalent phrases as the index sees them: document frequencies,
    idf, and what each chunk's text credits them with.

    Kept per KB snapshot (IndexCache.phrases) and shared by every query that
    asks the same concept: a check sheet asks 暗号化 or ログ again and again and
    meets the same few chunks, so a chunk's credit is worked out once.
    """

    __slots__ = (
        "phrases",
        "phrase_set",
        "dfs",
        "df",
        "idf",
        "singles",
        "multis",
        "synonyms",
        "_on_chunk",
        "_on_text",
        "_credits",
    )

    def __init__(self, phrases: list[Phrase], dfs: dict[Phrase, int], total: int, credits: list[int]):
        self.phrases, self.phrase_set, self.dfs = phrases, frozenset(phrases), dfs
        # Chunks with any of the phrases, at least: the commonest phrase's count.
        self.df = max(dfs.values(), default=0)
        self.idf = math.log(1 + (total - self.df + 0.5) / (self.df + 0.5))
        self.singles = {p[0] for p in phrases if len(p) == 1}
        self.multis = [(frozenset(p), f" {' '.join(p)} ") for p in phrases if len(p) > 1]
        # (df, phrase) of the phrases after the first that occur in the KB, for _match_phrases
        self.synonyms = [(dfs[p], p) for p in phrases[1:] if dfs[p]]
        self._on_chunk: dict[int, tuple[float, bool]] = {}
        self._on_text: dict[str, tuple[float, bool]] = {}
        self._credits = credits  # one counter shared by a snapshot's Phrases (IndexCache.phrases)

    def credit(self, doc_terms: frozenset[str], doc_text: str) -> float:
        """1 for a phrase itself, SCATTERED_CREDIT when all its words occur but apart, else 0.

        Half a phrase is not half the concept: 多要素認証 is not covered by 認証.
        """
        if self.singles and not self.singles.isdisjoint(doc_terms):
            return 1.0
        best = 0.0
        for words, needle in self.multis:
            if words <= doc_terms:
                if needle in doc_text:
                    return 1.0
                best = SCATTERED_CREDIT
        return best

    def in_title(self, title_terms: frozenset[str]) -> bool:
        """All words of one of the phrases occur in the title."""
        if self.singles and not self.singles.isdisjoint(title_terms):
            return True
        return any(words <= title_terms for words, _ in self.multis)

    def on_chunk(self, chunk: IndexedChunk) -> tuple[float, bool]:
        """(credit, in title) for an indexed chunk, computed once per snapshot."""
        seen = self._on_chunk.get(chunk.id)
        if seen is None:
            seen = self._on_chunk[chunk.id] = (
                self.credit(chunk.terms, chunk.text),
                self.in_title(chunk.title_terms),
            )
            self._credits[0] += 1
        return seen

    def on_text(self, analysed: str) -> tuple[float, bool]:
        """(credit, in title) for a text given as its analysed terms, taken as its own
        title (a clause of a response, see coverage); computed once per snapshot."""
        seen = self._on_text.get(analysed)
        if seen is None:
            terms = frozenset(analysed.split())
            seen = self._on_text[analysed] = (self.credit(terms, f" {analysed}  "), self.in_title(terms))
            self._credits[0] += 1
        return seen


@dataclass
class Concept:
    """One concept of a query: its group of phrases (shared, see Phrases) and what it weighs here."""

    group: Phrases
    weight: float = 1.0  # how much the concept says about the topic (word class, glossary)
    parent: int | None = None  # for a part of a longer glossary phrase: that phrase's concept
    # An English word in neither the glossary nor the KB: content nothing can translate (kb.gate).
    unseen: bool = False
    # A prefix or suffix alone (性 of ぜい弱性, 化 of 暗号化): it says nothing without the word it
    # attaches to, so a text that matches only affixes (完全性, 可能性) has not matched the question.
    affix: bool = False

    @property
    def importance(self) -> float:
        return self.group.idf * self.weight

    @property
    def phrases(self) -> list[Phrase]:
        return self.group.phrases

    @property
    def dfs(self) -> dict[Phrase, int]:
        return self.group.dfs

    @property
    def df(self) -> int:
        return self.group.df


@dataclass
class Query:
    text: str
    terms: list[str]
    concepts: list[Concept]
    match_phrases: list[Phrase]  # the rarer phrases, searched as an OR (none: nothing is searchable)
    cache: IndexCache | None = field(default=None, repr=False, compare=False)

    @cached_property
    def weight(self) -> float:
        return sum(c.importance for c in self.concepts)

    @cached_property
    def scoring(self) -> tuple[list[float], list[int | None]]:
        """Each concept's importance, and for a part the KB never uses, the index of the
        phrase it is part of (covering that covers the part too, see _coverage)."""
        return (
            [c.importance for c in self.concepts],
            [c.parent if c.parent is not None and not c.df else None for c in self.concepts],
        )

    @cached_property
    def broad_phrases(self) -> list[Phrase]:
        """A wider budget, for when the rarer phrases find too little."""
        if self.cache is None:
            return self.match_phrases
        return _match_phrases(self.concepts, self.cache, budget=BROAD_BUDGET_FACTOR * _budget(self.cache))

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


@lru_cache(maxsize=65536)
def _quote(phrase: Phrase) -> str:
    return '"' + " ".join(t.replace('"', "") for t in phrase) + '"'


@dataclass(frozen=True, slots=True)
class IndexedChunk:
    """A chunk row as re-ranking needs it, its analysed terms already split."""

    id: int
    fields: tuple  # id, kind, source_id, control_id, title, body, classification
    is_current: bool
    terms: frozenset[str]
    title_terms: frozenset[str]
    text: str  # " title terms body terms ", for adjacency checks of phrases

    @classmethod
    def of(cls, row: tuple) -> IndexedChunk:
        *fields, is_current, title_terms, body_terms = row
        text = f" {title_terms} {body_terms} "
        return cls(
            row[0],
            tuple(fields),
            bool(is_current),
            frozenset(text.split()),
            frozenset(title_terms.split()),
            text,
        )


class Postings:
    """One phrase's postings: the chunks that contain it in id order with their bm25, and
    their positions best first (bm25 ascending, then id), for best_of."""

    __slots__ = ("ids", "scores", "best")

    def __init__(self, rows: list[tuple[int, float]]):  # in chunk id order
        # Arrays: a common phrase's postings are tens of thousands of pairs, 24 bytes each here.
        self.ids = array("q", [rowid for rowid, _ in rows])
        self.scores = array("d", [score for _, score in rows])
        self.best = array("l", sorted(range(len(rows)), key=lambda i: rows[i][1::-1]))

    def __len__(self) -> int:
        return len(self.ids)

    def score(self, chunk_id: int) -> float:
        """The chunk's bm25 for the phrase; 0.0 (what it adds to an OR) when it lacks it."""
        i = bisect_left(self.ids, chunk_id)
        return self.scores[i] if i < len(self.ids) and self.ids[i] == chunk_id else 0.0


def best_of(postings: list[Postings], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best (chunk id, bm25) of the OR of the phrases, best first: what
    sorting every matching chunk's summed score gives (merged), reading only the heads of
    the postings when their scores fall fast enough (Fagin's threshold algorithm).

    The lists are read best first to a depth, and each chunk met gets its exact sum. A
    chunk not met yet scores, in every list, no better than the list's entry at that depth
    (or 0.0, every bm25 being negative, where it is absent), so no better than the sum of
    those entries: once the ``limit``-th best met is strictly better, the rest cannot
    enter. Float addition is monotonic, so with each sum taken in phrase order the bound
    holds to the last bit, ties included. Lists of even scores (each chunk in one of them,
    as with synonyms) keep the bound loose; once the chunks met would cost more to look up
    than merging everything, everything is merged.
    """
    if len(postings) == 1:
        only = postings[0]
        return [(only.ids[i], only.scores[i]) for i in only.best[:limit]]
    met: dict[int, float] = {}
    longest = max(map(len, postings), default=0)
    # A chunk met costs a binary search per list; merging, a dict update per posting.
    affordable = sum(map(len, postings)) // (LOOKUP_COST * len(postings))
    depth, step = 0, max(limit, 16)
    while depth < longest and len(met) < affordable:
        reach = min(depth + step, longest)
        for listed in postings:
            for i in listed.best[depth:reach]:
                chunk_id = listed.ids[i]
                if chunk_id not in met:
                    total = 0.0
                    for each in postings:
                        total += each.score(chunk_id)
                    met[chunk_id] = total
        depth = reach
        top = heapq.nsmallest(limit, met.items(), key=_by_score)
        bound = 0.0
        for listed in postings:
            bound += listed.scores[listed.best[depth]] if depth < len(listed) else 0.0
        if depth >= longest or (len(top) == limit and top[-1][1] < bound):
            return top
        step *= 2
    merged: dict[int, float] = {}
    for listed in postings:
        for chunk_id, score in zip(listed.ids, listed.scores, strict=True):
            merged[chunk_id] = merged.get(chunk_id, 0.0) + score
    return heapq.nsmallest(limit, merged.items(), key=_by_score)


def _by_score(item: tuple[int, float]) -> tuple[float, int]:
    return item[1], item[0]


# How many postings merged cost as much as one chunk looked up in one list (measured: a
# bisect into an array and its call ~1.1 µs, a dict update ~0.17 µs, in CPython 3.11).
LOOKUP_COST = 7


class CacheSizes(NamedTuple):
    """How much an IndexCache holds, for the bounds in kb.settings (cache_max_*)."""

    terms: int  # document frequencies known
    rows: int  # chunk rows
    concepts: int  # concepts' Phrases
    credits: int  # (concept, chunk or clause) credits those Phrases remember
    postings: int  # (chunk, bm25) pairs of phrase postings


class IndexCache:
    """What search learns from the index, kept for as long as the index does not change:
    document frequencies, each phrase's bm25 postings, each concept's Phrases (with
    its credit on each chunk), chunk rows, and memos such as the glossary and citations.

    Answering a sheet asks about the same few hundred words and re-ranks the same
    chunks again and again; a write on this connection (total_changes) or a commit
    by another (PRAGMA data_version) starts a fresh cache.
    """

    # Past each bound, that part of the cache starts again (kb.settings says why these).
    MAX_ROWS: int = DEFAULTS["cache_max_rows"]  # chunk rows
    MAX_CONCEPTS: int = DEFAULTS["cache_max_concepts"]  # concepts' Phrases
    MAX_CREDITS: int = DEFAULTS["cache_max_credits"]  # (concept, chunk or clause) credits those Phrases keep
    MAX_POSTINGS: int = DEFAULTS["cache_max_postings"]  # (chunk, bm25) pairs

    def __init__(self, db: Database, key: tuple[int, int], index: Index = EVERYTHING):
        self.db, self.key, self.index = db, key, index
        kinds = "" if index.kinds is None else f" AND kind IN ({','.join('?' * len(index.kinds))})"
        subset = "" if index.chunks is None else f" AND id IN (SELECT id FROM {index.chunks})"
        self.total = db.execute(
            f"SELECT count(*) FROM chunks WHERE is_current = 1{kinds}{subset}", index.kinds or ()
        ).fetchone()[0]
        self._df: dict[str, int] = {}
        self._whole_vocabulary: bool | None = None  # _df holds every term (decided on first use)
        self._phrase_df: dict[Phrase, int] = {}
        self._rows: dict[int, IndexedChunk] = {}
        self._phrases: dict[tuple[Phrase, ...], Phrases] = {}
        self._credits = [0]  # entries in the Phrases' credit memos
        self._postings: dict[Phrase, Postings] = {}
        self._postings_size = 0
        self._asked: set[Phrase] = set()  # common phrases FTS5 ranked once (see ranked)
        self._memo: dict[str, object] = {}

    @classmethod
    def of(cls, db: Database, index: Index = EVERYTHING) -> IndexCache:
        key = (db.conn.total_changes, db.execute("PRAGMA data_version").fetchone()[0])
        # Kept on the connection object, one per index: it goes when the connection goes.
        if db.search_cache is None:
            db.search_cache = {}
        cache = db.search_cache.get(index)
        if cache is None or cache.key != key:
            cache = db.search_cache[index] = cls(db, key, index)
        return cache

    def sizes(self) -> CacheSizes:
        return CacheSizes(
            len(self._df), len(self._rows), len(self._phrases), self._credits[0], self._postings_size
        )

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """A value derived from the KB (the glossary, citations …), computed once per snapshot."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    def df(self, term: str) -> int:
        value = self._df.get(term)
        if value is None:
            if self._whole_vocabulary is None:  # the first look-up
                self._whole_vocabulary = self._indexed_chunks() <= WHOLE_VOCABULARY_MAX_CHUNKS
                if self._whole_vocabulary:
                    # A small KB's vocabulary is read faster than a sheet's worth
                    # of single look-ups; a term not in it is in no chunk.
                    self._df.update(self.db.execute(f"SELECT term, doc FROM {self.index.vocab}"))
                return self.df(term)
            if self._whole_vocabulary:
                return 0
            row = self.db.execute(f"SELECT doc FROM {self.index.vocab} WHERE term = ?", [term]).fetchone()
            value = self._df[term] = row[0] if row else 0
        return value

    def _indexed_chunks(self) -> int:
        """At least the number of chunks in the index, history included (O(1))."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]

    def phrase_df(self, phrase: Phrase) -> int:
        """Chunks that contain the phrase (words adjacent, in order)."""
        value = self._phrase_df.get(phrase)
        if value is None:
            value = min(self.df(t) for t in phrase)
            # Counting a phrase of common words costs more than it tells: keep
            # the upper bound for those.
            if value and len(phrase) > 1 and value <= EXACT_PHRASE_DF_LIMIT:
                fts = self.index.fts
                value = self.db.execute(
                    f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", [_quote(phrase)]
                ).fetchone()[0]
            self._phrase_df[phrase] = value
        return value

    def phrases(self, phrases: list[Phrase]) -> Phrases:
        """The shared Phrases of a concept (the same phrases in the same order)."""
        key = tuple(phrases)
        found = self._phrases.get(key)
        if found is None:
            if len(self._phrases) >= self.MAX_CONCEPTS or self._credits[0] >= self.MAX_CREDITS:
                # A long-lived process asking ever new questions: start again
                # (queries already prepared keep the Phrases they hold).
                self._phrases.clear()
                self._credits = [0]
            dfs = {p: self.phrase_df(p) for p in phrases}
            found = self._phrases[key] = Phrases(phrases, dfs, max(self.total, 1), self._credits)
        return found

    def postings(self, phrase: Phrase) -> Postings:
        """Every chunk that contains the phrase with its bm25, as FTS5 ranks the phrase alone."""
        found = self._postings.get(phrase)
        if found is None:
            fts = self.index.fts
            found = Postings(
                self.db.execute(
                    f"SELECT rowid, {self.index.bm25} FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid",
                    [_quote(phrase)],
                ).fetchall()
            )
            if self._postings_size + len(found) > self.MAX_POSTINGS:
                self._postings.clear()
                self._asked.clear()
                self._postings_size = 0
            self._postings[phrase] = found
            self._postings_size += len(found)
        return found

    def ranked(self, phrases: list[Phrase], limit: int) -> list[tuple[int, float]] | None:
        """(chunk id, bm25) of the best ``limit`` chunks that match any of the phrases, best
        first, as FTS5 ranks the OR of them; None to leave the ranking to FTS5 itself.

        bm25 of an OR is the sum of its phrases' own bm25 (each phrase's idf times its
        weighted frequency in the chunk, summed in phrase order, as fts5_aux.c does), so
        the postings of each phrase, kept while the index does not change, give the
        same scores without FTS5 recounting every phrase's hits for every question.

        A phrase in more than POSTINGS_MAX_DF chunks (データ, 管理 in a vault of reports) is
        held from the second time it is asked: reading its postings costs about twice
        FTS5's ranking of one OR, which a one-off search need not pay, and a sheet or a
        search page asks the same common words again and again.
        """
        common = [p for p in phrases if p not in self._postings and self.phrase_df(p) > POSTINGS_MAX_DF]
        if any(p not in self._asked for p in common):
            self._asked.update(common)
            return None
        return best_of([self.postings(p) for p in phrases], limit)

    def chunks(self, ids: list[int]) -> dict[int, IndexedChunk]:
        missing = [i for i in ids if i not in self._rows]
        if missing:
            if len(self._rows) + len(missing) > self.MAX_ROWS:
                self._rows.clear()
                missing = list(dict.fromkeys(ids))  # the cached ones just went too
            marks = ",".join("?" * len(missing))
            for row in self.db.execute(
                f"""
                SELECT id, kind, source_id, control_id, title, body, classification, is_current,
                       title_terms, body_terms
                FROM chunks WHERE id IN ({marks})
                """,
                missing,
            ):
                self._rows[row[0]] = IndexedChunk.of(row)
        return {i: self._rows[i] for i in ids if i in self._rows}


def answering_cache(db: Database, audience: str | None = None) -> IndexCache:
    """The cache of the index an answer for ``audience`` searches: ANSWERING_FOR's, else
    (the most trusted audience, or none named) ANSWERING."""
    return IndexCache.of(db, ANSWERING_FOR.get(audience, ANSWERING))


def _modifies_next_noun(tagged: list, start: int, length: int) -> bool:
    """Whether the nouns ``tagged[start:start + length]`` are the modifier of a Japanese noun
    compound: written on, with nothing between, into the noun after them (量子|暗号, 名簿|更新).
    Japanese compounds are right-headed: the modifier narrows the head, to one kind of it
    (量子暗号 is a kind of 暗号) or to what it acts on (名簿更新 updates the roster, not the
    software a KB says it updates). A KB that never uses the modifier cannot say whether it
    does that; such a word is not a paraphrase of something the KB says in other words, as a
    noun standing alone may be (社員の教育 for 従業員の教育)."""
    after = start + length
    return (
        after < len(tagged)
        and all(tagged[k][3] == "noun" for k in range(start, after))
        and tagged[after][3] == "noun"
        and tagged[after][1] == tagged[after - 1][2]
    )


def prepare(
    db: Database, text: str, glossary=None, cache: IndexCache | None = None, index: Index = EVERYTHING
) -> Query:
    """``text`` analysed into concepts weighed in ``cache``'s index (else ``index``'s)."""
    stats = cache or IndexCache.of(db, index)
    glossary = glossary or stats.memo("glossary", lambda: glossary_mod.load(db))
    tagged = analyze_tagged(text)
    terms = [t[0] for t in tagged]
    concepts: list[Concept] = []
    concept_of: dict[int, int] = {}  # glossary match -> index of its concept
    for m, match in enumerate(glossary.concepts(terms)):
        phrases, start, length, known = match.phrases, match.start, match.length, match.known
        info = stats.phrases(phrases)
        earlier = _earlier_concept(concepts, info)
        if earlier is not None:
            concept_of[m] = earlier
            continue  # the same concept asked twice counts once
        unseen_latin = unseen_modifier = False
        if info.df == 0 and not known:
            # A word the KB never uses and no domain term either: no text can
            # cover it, and it is paraphrase more often than a missing topic;
            # English is the exception (see UNSEEN_LATIN_WEIGHT), and so is the first noun
            # of a Japanese compound (see _modifies_next_noun).
            unseen_latin = all(tagged[k][3] == "latin" for k in range(start, start + length))
            unseen_modifier = not unseen_latin and _modifies_next_noun(tagged, start, length)
            if not unseen_latin and not unseen_modifier:
                continue
        if length == 1:
            weight = WORD_CLASS_WEIGHT[tagged[start][3]]
        else:
            weight = max(WORD_CLASS_WEIGHT[tagged[k][3]] for k in range(start, start + length))
        if known and weight >= WORD_CLASS_WEIGHT["adj"]:
            weight = 1.0  # a domain term, whatever its word class; light words stay light
        if match.part:
            weight *= PART_WEIGHT
        if unseen_latin or unseen_modifier:
            weight *= UNSEEN_LATIN_WEIGHT
        parent = concept_of.get(match.parent) if match.parent is not None else None
        concept_of[m] = len(concepts)
        # A word inside a glossary phrase ("logically" in "logically separated") is
        # translated with its phrase: not unseen content.
        affix = length == 1 and tagged[start][3] == "affix"
        unseen = (unseen_latin or unseen_modifier) and not match.part
        concepts.append(Concept(info, weight, parent, unseen=unseen, affix=affix))
    return Query(
        text=text,
        terms=terms,
        concepts=concepts,
        match_phrases=_match_phrases(concepts, stats),
        cache=stats,
    )


def _earlier_concept(concepts: list[Concept], group: Phrases) -> int | None:
    """The concept asked earlier that shares a phrase with ``group`` (its first phrase's
    concept if several do), else None."""
    sharing = [i for i, c in enumerate(concepts) if not c.group.phrase_set.isdisjoint(group.phrase_set)]
    if len(sharing) < 2:
        return sharing[0] if sharing else None
    return next(i for p in group.phrases for i in sharing if p in concepts[i].group.phrase_set)


def _budget(stats: IndexCache) -> float:
    return max(MATCH_BUDGET_MIN, MATCH_BUDGET_RATIO * stats.total)


def _or_expression(phrases: list[Phrase]) -> str:
    return " OR ".join(_quote(p) for p in phrases)


def _match_phrases(concepts: list[Concept], stats: IndexCache, budget: float | None = None) -> list[Phrase]:
    """The phrases searched for candidates (as an OR): bounded by a document-frequency budget.

    FTS5 pays for every chunk an OR query matches (bm25 is computed for each),
    so on a large KB a question's common words (データ, 契約) would make every
    query scan a quarter of the index. Phrases are taken while their summed
    document frequency stays within the budget: first the question's own
    wording, most important concept first, then glossary synonyms, rarest first
    (a rare synonym is as likely to be noise as the answer's wording). Every
    concept still counts when the candidates are re-ranked.
    """
    if budget is None:
        budget = _budget(stats)
    searchable = [c for c in concepts if c.df > 0]
    own = [(c.phrases[0], c.dfs[c.phrases[0]]) for c in sorted(searchable, key=lambda c: -c.importance)]
    synonyms = [(p, df) for df, p in sorted({item for c in searchable for item in c.group.synonyms})]
    phrases: dict[Phrase, None] = {}  # ordered set
    spent = 0
    for phrase, df in own + synonyms:
        if df and phrase not in phrases and spent + df <= budget and len(phrases) < MAX_MATCH_PHRASES:
            phrases[phrase] = None
            spent += df
    if not phrases and searchable:  # every phrase is common: the rarest one alone
        dfs = {p: df for c in searchable for p, df in c.dfs.items() if df}
        phrases[min(dfs, key=dfs.__getitem__)] = None
    return list(phrases)


def candidates(
    db: Database,
    query: Query,
    *,
    limit: int = CANDIDATES,
    kinds: tuple[str, ...] | None = None,
    classifications: tuple[str, ...] | None = None,
    include_history: bool = False,
    broad: bool = False,
) -> list[tuple[Hit, IndexedChunk]]:
    """The best ``limit`` chunks by bm25 that pass the filters, with their analysed terms."""
    phrases = query.broad_phrases if broad else query.match_phrases
    if not phrases:
        return []
    cache = query.cache or IndexCache.of(db)

    def wanted(chunk: IndexedChunk) -> bool:
        _, kind, _, _, _, _, classification = chunk.fields
        return (
            (include_history or chunk.is_current)
            and (not kinds or kind in kinds)
            and (not classifications or classification in classifications)
        )

    # Rank by bm25 (from the phrases' postings, or inside the FTS table when a
    # phrase is too common to hold) and look up only the best few chunks (cached
    # while the index does not change): joining every match to chunks before
    # sorting costs more than the ranking.
    pool = max(limit * 2, 60)
    while True:
        ranked = cache.ranked(phrases, pool)
        if ranked is None:
            fts = cache.index.fts
            ranked = db.execute(
                f"SELECT rowid, {cache.index.bm25} AS score FROM {fts}"
                f" WHERE {fts} MATCH ? ORDER BY score, rowid LIMIT ?",
                [_or_expression(phrases), pool],
            ).fetchall()
        chunks = cache.chunks([rowid for rowid, _ in ranked])
        kept = [(rowid, score) for rowid, score in ranked if rowid in chunks and wanted(chunks[rowid])]
        if len(kept) >= min(limit, MIN_FILTERED) or len(ranked) < pool:
            break
        pool *= 8  # the filters removed nearly all of the pool: widen it
    return [(Hit(*chunks[rowid].fields, score), chunks[rowid]) for rowid, score in kept[:limit]]


def coverage(query: Query, analysed: str) -> tuple[float, list[int]]:
    """Share of the query's importance that a text (its analysed terms, taken as its
    title) covers, and which concepts it covers."""
    return _coverage(query, [c.group.on_text(analysed) for c in query.concepts])


def _coverage(query: Query, scored: list[tuple[float, bool]]) -> tuple[float, list[int]]:
    """``scored``: (credit, in title) of each concept of the query, in order."""
    importances, inherits = query.scoring
    covered, matched = 0.0, []
    credits: list[float] = []
    for i, (credit, in_title) in enumerate(scored):
        parent = inherits[i]
        if parent is not None and credits[parent] == 1.0:
            # A word the KB never uses, inside a phrase this text covers in
            # other words (責任の境界 → 責任分界点): no text could match the
            # word, and the text does answer the phrase.
            credit = 1.0
        credits.append(credit)
        if credit:
            matched.append(i)
            covered += importances[i] * credit * (1.0 if in_title else BODY_ONLY_CREDIT)
    return covered / (query.weight or 1.0), matched


def rerank(query: Query, rows: list[tuple[Hit, IndexedChunk]]) -> list[Hit]:
    if not rows:
        return []
    best_bm25 = min(hit.bm25 for hit, _ in rows) or -1.0
    hits = []
    for hit, chunk in rows:
        hit.coverage, hit.matched = _coverage(query, [c.group.on_chunk(chunk) for c in query.concepts])
        hit.score = COVERAGE_SHARE * hit.coverage + BM25_SHARE * (hit.bm25 / best_bm25)
        hits.append(hit)
    hits.sort(key=lambda h: (-h.score, h.chunk_id))
    return hits


def search(
    db: Database,
    text: str,
    *,
    limit: int = 10,
    kinds: tuple[str, ...] | None = None,
    classifications: tuple[str, ...] | None = None,
    query: Query | None = None,
    index: Index = EVERYTHING,
) -> list[Hit]:
    """The best ``limit`` chunks for ``text`` in ``index`` (or in ``query``'s, when given)."""
    query = query or prepare(db, text, index=index)
    wanted = max(CANDIDATES, limit)
    rows = candidates(db, query, limit=wanted, kinds=kinds, classifications=classifications)
    if len(rows) < min(limit, MIN_FILTERED) and query.broad_phrases != query.match_phrases:
        # The rarer phrases found too little: accept the cost of commoner ones.
        rows = candidates(db, query, limit=wanted, kinds=kinds, classifications=classifications, broad=True)
    hits = [h for h in rerank(query, rows) if not _affixes_only(query, h)]
    return hits[:limit]


def _affixes_only(query: Query, hit: Hit) -> bool:
    """The hit matched no concept of the question but affixes (性 alone, inside 完全性)."""
    return bool(hit.matched) and all(query.concepts[i].affix for i in hit.matched)


_SENTENCE_RE = re.compile(r"[^。\n]+[。]?")


def _merge_adjacent(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ぜい弱 + 性 marked as one word, not two."""
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _attached_affixes(spans: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """The spans to mark: every word, and an affix only where it touches one (the 性 of 脆弱性,
    not the 性 of 可能性, which matched nothing the question asked; see Concept.affix)."""
    words = [(a, b) for a, b, affix in spans if not affix]
    ends = {b for _, b in words} | {a for a, _ in words}
    return sorted(words + [(a, b) for a, b, affix in spans if affix and (a in ends or b in ends)])


def snippet(
    body: str,
    query: Query,
    *,
    start: str = "<mark>",
    end: str = "</mark>",
    escape: Callable[[str], str] | None = None,
    width: int = 160,
) -> str:
    """The sentence of ``body`` that covers most of the query, its matching words marked.

    The default is an HTML fragment (text escaped, matches in <mark>); the CLI
    passes rich markup and rich's escape instead.
    """
    if escape is None:
        import html  # here: answering never needs it, and every process would load it

        escape = html.escape
    wanted = query.phrase_terms()
    # An affix is marked only beside a word (_attached_affixes), unless the question asks it as a word too.
    affixes = {t for c in query.concepts if c.affix for p in c.phrases for t in p} - {
        p[0] for c in query.concepts if not c.affix for p in c.phrases if len(p) == 1
    }
    best, best_spans, best_count = "", [], -1
    for m in _SENTENCE_RE.finditer(normalize(body)):
        sentence = m.group(0)
        if not sentence.strip():
            continue
        found = {(a, b, term in affixes) for term, a, b in analyze_spans(sentence) if term in wanted}
        spans = _merge_adjacent(_attached_affixes(sorted(found)))
        count = len({sentence[a:b] for a, b in spans})
        if count > best_count:
            best, best_spans, best_count = sentence, spans, count
    # Long sentences are cut to a window that starts a little before the first match.
    lo = max(0, best_spans[0][0] - width // 4) if best_spans and len(best) > width else 0
    hi = min(len(best), lo + width)
    out, pos = [], lo
    for a, b in best_spans:
        if a < pos or b > hi:
            continue
        out.append(escape(best[pos:a]))
        out.append(f"{start}{escape(best[a:b])}{end}")
        pos = b
    out.append(escape(best[pos:hi]))
    return ("…" if lo else "") + "".join(out).strip() + ("…" if hi < len(best) else "")
