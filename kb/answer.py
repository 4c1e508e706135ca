"""Answering one question from the KB, with sources, confidence and stance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import NamedTuple

from kb import clauses as clauses_mod
from kb import curation, drafts, evidence_links, index, library, search, services, stance, store
from kb.analysis import analyzed_text
from kb.audience import DEFAULT_AUDIENCE, may_see, visible_to
from kb.choices import stance_of_option
from kb.db import CHUNK_KINDS, Database
from kb.gate import topic_gate
from kb.i18n import N_, Message
from kb.language import text_language
from kb.settings import DEFAULTS
from kb.withheld import Withheld, count_withheld, hidden_levels, levels_held

# Confidence is the share of the question's idf-weighted concepts that the best
# source covers (kb.search.coverage): at or above AUTO the engine answers by
# itself, below REVIEW the KB has nothing relevant (why these values: kb.settings).
AUTO_THRESHOLD: float = DEFAULTS["auto_threshold"]
# Calibrated per question language on the real dev set (kb eval; why these values: kb.settings).
AUTO_THRESHOLDS: dict[str, float] = {
    "en": DEFAULTS["auto_threshold_en"],
    "ja": DEFAULTS["auto_threshold_ja"],
}
REVIEW_THRESHOLD: float = DEFAULTS["review_threshold"]
MAX_SOURCES: int = DEFAULTS["max_sources"]


class Translation(NamedTuple):
    """A source in another language: the provider's own edition of the same response."""

    lang: str  # "ja" | "en"
    text: str
    citations: tuple[str, ...] = ()
    title: str = ""  # the response's heading in that edition ("6.1.3 Contact with authorities")
    source_id: int | None = None  # that edition's responses.id: what kb.ledger records as sent


@dataclass
class Source:
    kind: str
    control_id: str | None
    title: str
    text: str
    score: float
    citations: list[str] = field(default_factory=list)
    clause_refs: list[dict] = field(default_factory=list)
    doc_refs: list[str] = field(default_factory=list)
    document: str | None = None
    lang: str = "ja"  # the language of text and citations
    # The id of the row the source is (responses, qa_pairs or clauses, by kind), as its chunk
    # has it: the disclosure ledger records exactly this row as sent, not a row of the same text.
    source_id: int | None = None
    translations: tuple[Translation, ...] = ()  # other editions of the same response
    # An answer from the library (kind 'qa'): its status, who decided it, when, for whom.
    # For the people reviewing a suggestion; never written into a customer's sheet.
    past: library.PastAnswer | None = None
    # Evidence linked to this response's control (kb.evidence_links), also among its citations.
    evidence: list[evidence_links.EvidenceRef] = field(default_factory=list)
    # Contract clauses this source cites that cover more of the question than it does (kb.clauses).
    clauses: list[clauses_mod.ClauseQuote] = field(default_factory=list)

    def in_language(self, lang: str) -> Translation | None:
        """This source's text and citations in ``lang``, or None when the KB has no such edition."""
        if lang == self.lang:
            return Translation(self.lang, self.text, tuple(self.citations), self.title, self.source_id)
        return next((t for t in self.translations if t.lang == lang), None)


@dataclass
class Answer:
    question: str
    status: str  # answered | needs_review | no_match
    confidence: float
    stance: str | None
    sources: list[Source]
    # Why the topic gate held the best source back from answering by itself (kb.gate),
    # whatever the confidence (kb eval calibrates with it); None when it did not.
    why: str | None = None
    # Evidence past its valid_until among the sources' (kb.evidence_links): when the best
    # source's is, the answer is held for review.
    expired_evidence: list[str] = field(default_factory=list)
    # What matched but is above the audience the answer is for (kb.withheld): counted, never shown.
    withheld: Withheld | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _approved_source(row: dict) -> Source:
    """An approved library answer (kb.store.approved_answer's row) as the first source. Its
    citations are those the person accepted with it, never the earlier customer's name or
    sheet: the text may be written into another customer's sheet."""
    past = library.past_answer(row)
    return Source(
        kind="qa",
        control_id=None,
        title=row["question"],
        text=row["answer_text"] or row["choice"] or "",
        score=1.0,
        citations=list(past.citations),
        document=row["document"],
        lang=_text_lang(row["answer_text"] or row["question"]),
        source_id=row["id"],
        past=past,
    )


def _text_lang(text: str) -> str:
    """The language of a source that is not a response (a clause, a harvested answer)."""
    return text_language(text) or "ja"


def _citations(db: Database, cache: search.IndexCache, response_ids: list[int]) -> dict[int, dict]:
    """Citations of responses, looked up once per response while the KB does not change."""
    known: dict[int, dict] = cache.memo("citations", dict)
    missing = [rid for rid in response_ids if rid not in known]
    if missing:
        known.update(store.citations_many(db, missing))
    return {rid: known[rid] for rid in response_ids}


def _languages(db: Database, cache: search.IndexCache) -> frozenset[str]:
    return cache.memo("languages", lambda: store.languages(db))


def hits_wanted(db: Database, cache: search.IndexCache) -> int:
    """Hits to ask search for: MAX_SOURCES once each control's editions are folded into one
    source, so as many per language the KB answers in. A KB in one language asks for
    MAX_SOURCES exactly, and answers as it did before editions existed."""
    return MAX_SOURCES * max(1, len(_languages(db, cache)))


def _editions(db: Database, cache: search.IndexCache, response_ids: list[int]) -> dict[int, store.Editions]:
    """Each response's language and its other editions, looked up once per response; a KB in
    one language (no edition to link) needs no look-up at all. The KB's languages, not the
    audience's (_weighed_for): an edition the audience may not see is still counted as withheld."""
    langs = cache.memo("kb_languages", lambda: store.languages(db))
    if len(langs) < 2:
        only = next(iter(langs), "ja")
        return {rid: store.Editions(only) for rid in response_ids}
    known: dict[int, store.Editions] = cache.memo("editions", dict)
    missing = [rid for rid in response_ids if rid not in known]
    if missing:
        known.update(store.editions_many(db, missing))
    return {rid: known[rid] for rid in response_ids}


def one_per_control(db: Database, hits: list[search.Hit], cache: search.IndexCache) -> list[search.Hit]:
    """The hits without other editions of a response already among them, best first: a
    control answered in Japanese and English is one source (its other edition is the
    source's translation), whichever edition the question matched better."""
    found = _editions(db, cache, [h.source_id for h in hits if h.kind == "response"])
    taken: set[int] = set()
    out = []
    for hit in hits:
        if hit.kind == "response":
            if hit.source_id in taken:
                continue
            taken.update(e.response_id for e in found[hit.source_id].others)
        out.append(hit)
    return out


def _sources(
    db: Database,
    query: search.Query,
    hits: list[search.Hit],
    audience: str = DEFAULT_AUDIENCE,
) -> tuple[list[Source], int]:
    """Sources of the hits, each response in its own language with the other editions the
    audience may see as its translations; and how many editions it may not see."""
    cache = query.cache or search.answering_cache(db)
    response_ids = [h.source_id for h in hits if h.kind == "response"]
    editions = _editions(db, cache, response_ids)
    shown = {
        rid: [e for e in editions[rid].others if may_see(audience, e.classification)] for rid in response_ids
    }
    held_back = sum(len(editions[rid].others) - len(shown[rid]) for rid in response_ids)
    cites = _citations(db, cache, response_ids + [e.response_id for rid in response_ids for e in shown[rid]])
    out = []
    for hit in hits:
        src = Source(
            kind=hit.kind,
            control_id=hit.control_id,
            title=hit.title,
            text=hit.body,
            score=round(hit.score, 4),
            lang=_text_lang(hit.body or hit.title),
            source_id=hit.source_id,
        )
        if hit.kind == "response":
            c = cites[hit.source_id]
            # Copies: the cached citations must not change with what a caller does to a Source.
            src.clause_refs = [dict(ref) for ref in c["clause_refs"]]
            src.doc_refs, src.document = list(c["doc_refs"]), c["document"]
            src.lang = editions[hit.source_id].lang
            src.citations = citation_labels(src)
            src.translations = tuple(
                Translation(
                    e.lang,
                    e.text,
                    tuple(_labels(cites[e.response_id], src.control_id, e.lang)),
                    index.chunk_title(src.control_id, e.title),
                    e.response_id,
                )
                for e in shown[hit.source_id]
            )
        out.append(src)
    for src, cited in zip(out, clauses_mod.clause_citations(db, query, hits, audience), strict=True):
        src.clauses = list(cited.quotes)
        if cited.label:  # a clause found by search is cited as its contract's article
            src.document, src.citations = cited.document, [cited.label]
    _with_past(db, out, [h.source_id for h in hits])
    return out, held_back


def _with_past(db: Database, sources: list[Source], source_ids: list[int]) -> None:
    """Mark each library answer among the sources with what the library knows of it."""
    qa = {sid: src for src, sid in zip(sources, source_ids, strict=True) if src.kind == "qa"}
    for qa_id, past in library.past_answers(db, list(qa)).items():
        qa[qa_id].past, qa[qa_id].citations = past, list(past.citations)


def citation_labels(src: Source) -> list[str]:
    """The citations of a source, in its language."""
    cites = {"document": src.document, "clause_refs": src.clause_refs, "doc_refs": src.doc_refs}
    return _labels(cites, src.control_id, src.lang)


def _labels(cites: dict, control_id: str | None, lang: str) -> list[str]:
    """Citation labels in the language of the text they go with: 利用約款 第30条（提供場所）,
    or Minato Cloud Terms of Service, Article 30 (Place of Provision)."""
    labels = []
    document = cites["document"]
    if document:
        labels.append(f"{document} {control_id}" if control_id else document)
    for c in cites["clause_refs"]:
        if lang == "en":
            title = f" ({c['title']})" if c["title"] else ""
            labels.append(f"{c['document']}, Article {c['article']}{title}")
        else:
            labels.append(f"{c['document']} 第{c['article']}条（{c['title']}）")
    labels.extend(cites["doc_refs"])
    return labels


def confidence(hits: list[search.Hit]) -> float:
    if not hits:
        return 0.0
    return round(min(1.0, hits[0].coverage), 4)


# The same few responses come up again and again while a sheet is answered.
_clause_terms = lru_cache(maxsize=DEFAULTS["clause_terms_cache"])(analyzed_text)


def _stance(question: str, hit: search.Hit, query: search.Query, asks_yes_no: bool = False) -> str | None:
    body = hit.body
    if hit.kind == "qa":  # body starts with the option a person chose, if any
        first, _, rest = hit.body.partition("\n")
        chosen = stance_of_option(first)
        if chosen and store.question_key(hit.title) == store.question_key(question):
            return chosen if asks_yes_no or stance.is_yes_no_question(question) else None
        if chosen:
            # A person's yes or no answers the question they were asked; for another one
            # found by search it says nothing, and only the text after it may.
            body = rest
    return stance.stance(
        question,
        body,
        lambda clause: search.coverage(query, _clause_terms(clause))[0],
        query=query,
        asks_yes_no=asks_yes_no,
    )


def auto_threshold_for(question: str) -> float:
    """The confidence from which a question in its language is answered by itself."""
    return _threshold_in(text_language(question))


def _threshold_in(lang: str | None) -> float:
    return AUTO_THRESHOLDS.get(lang or "", AUTO_THRESHOLD)


def _drafts(db: Database, cache: search.IndexCache) -> frozenset[tuple[str, int]]:
    return cache.memo("draft_sources", lambda: curation.draft_sources(db))


def _has_draft(db: Database, cache: search.IndexCache, question: str) -> bool:
    """A current draft library answer to this very question (question_key) exists."""
    keys = cache.memo("draft_keys", lambda: curation.draft_question_keys(db))
    return bool(keys) and store.question_key(question) in keys


class _Offered(NamedTuple):
    hits: list[search.Hit]
    confidence: float
    status: str
    gate: object  # kb.gate's verdict, None when it did not hold
    draft: str | None  # why the first source is a draft to review


def _with_drafts(db, query, hits, classifications, service, before: _Offered) -> _Offered:
    """Draft library answers offered beside what did not answer by itself (kb.drafts): first
    when one covers the question best and enough for review (the answer is then the draft's to
    review), else among the suggestions by rank. A draft to this very question comes first
    whatever the rest: a person answered it and nobody approved that yet, so a person decides."""
    offered = drafts.hits(db, query, limit=MAX_SOURCES, classifications=classifications, service=service)
    key = store.question_key(query.text)
    own = next((h for h in offered if store.question_key(h.title) == key), None)
    if own is not None:
        offered.remove(own)
    elif _has_draft(db, query.cache or search.answering_cache(db), query.text):
        own = drafts.own(db, key, classifications=classifications, service=service)
    merged = list(hits)
    for hit in offered:  # each draft at its rank among the sources (both are ranked by score)
        merged.insert(next((i for i, h in enumerate(merged) if h.score < hit.score), len(merged)), hit)
    merged = ([own] if own else []) + merged[: MAX_SOURCES - bool(own)]
    if merged and merged[0].chunk_id < 0 and (own or confidence(merged) >= REVIEW_THRESHOLD):
        # negative: a draft's chunk (kb.drafts)
        why = curation.draft_why(merged[0].kind, merged[0].source_id)
        return _Offered(merged, confidence(merged), "needs_review", None, why)
    if before.status == "needs_review":
        return before._replace(hits=merged, confidence=confidence(merged))
    return before


def answer(
    db: Database,
    question: str,
    *,
    audience: str = DEFAULT_AUDIENCE,
    auto_threshold: float | None = None,
    keep_sources: bool = False,
    cache: search.IndexCache | None = None,
    asks_yes_no: bool = False,
    service: str | None = None,
) -> Answer:
    """``audience`` (kb.audience): only what it may see is searched, quoted, counted or
    used for stance; what matched above it is counted in Answer.withheld.

    ``service`` (kb.services): in a KB of several services, the one answered for; nothing
    of another is searched, weighed, quoted or used for stance. KBError when the KB holds
    several and none is named, or the one named is not in it.

    ``keep_sources`` returns the nearest sources even for no_match (for evaluation).

    ``asks_yes_no``: the sheet says the question asks yes or no whatever its wording
    (importers.checksheet.Question.asks_yes_no); else its wording says (kb.stance).

    ``auto_threshold`` overrides the question language's (auto_threshold_for); the
    topic gate (kb.gate) holds whatever the threshold.

    ``cache``: the IndexCache of the KB's state to answer from, when the caller
    answers many questions against one state (kb.batch); else the current one.
    """
    cache = cache or search.answering_cache(db)
    confined = services.scope(db, service, cache.memo("services", lambda: services.held(db)))
    if confined is not None:
        cache = services.answering_cache(db, confined)
    widest = cache  # of every level: where what is above the audience is found (_withheld)
    if confined is None:
        cache = _weighed_for(db, cache, audience)
    else:  # the service's texts the audience may see
        cache = services.answering_cache(db, confined, audience)
    classifications = visible_to(audience)
    approved, approved_withheld = None, None  # the latter: the id of one above the audience
    # Most questions have no earlier answer: a set look-up spares them the query.
    approved_keys = cache.memo("approved_keys", lambda: store.approved_question_keys(db))
    if approved_keys and store.question_key(question) in approved_keys:
        approved = store.approved_answer(db, question, service=confined)
        if approved and not may_see(audience, approved["classification"]):
            approved, approved_withheld = None, approved["id"]
    query = search.prepare(db, question, cache=cache)
    hits = search.search(
        db,
        question,
        limit=hits_wanted(db, cache),
        classifications=classifications,
        query=query,
    )
    hits = clauses_mod.fold_cited(db, one_per_control(db, hits, cache), cache)[:MAX_SOURCES]
    conf = confidence(hits)
    question_lang = text_language(question)
    threshold = _threshold_in(question_lang) if auto_threshold is None else auto_threshold
    gate = None
    if not hits or conf < REVIEW_THRESHOLD:
        status = "no_match"
    else:
        gate = topic_gate(query, hits[0], question_lang, _text_lang(hits[0].body))
        status = "answered" if conf >= threshold and gate is None else "needs_review"
    draft = None  # why the best source is a suggestion only: a draft no person approved (kb.curation)
    if status != "no_match" and (hits[0].kind, hits[0].source_id) in _drafts(db, cache):
        status, draft = "needs_review", curation.draft_why(hits[0].kind, hits[0].source_id)
    other_question = None  # why a person's answer to another question is only a suggestion
    if status == "answered" and hits[0].kind == "qa" and not approved:
        # A person's answer answers the question they were asked: search found it for another
        # one (the very same question is `approved` below), so a person decides.
        status, other_question = (
            "needs_review",
            Message(N_("a past answer to another question ({title})"), title=hits[0].title),
        )
    if not approved and (status != "answered" or _has_draft(db, cache, question)):
        hits, conf, status, gate, draft = _with_drafts(
            db, query, hits, classifications, confined, _Offered(hits, conf, status, gate, draft)
        )
    alone = None  # why the sources are clauses found by themselves (kb.clauses.found_alone)
    if status == "no_match":
        found = clauses_mod.found_alone(db, cache, question, classifications, MAX_SOURCES)
        if found and confidence(found) >= REVIEW_THRESHOLD:
            hits, conf, status, alone = found, confidence(found), "needs_review", clauses_mod.ALONE_WHY
    top_stance = (
        _stance(question, hits[0], query, asks_yes_no)
        if hits and status != "no_match" and not alone
        else None
    )
    sources, editions_withheld = (
        _sources(db, query, hits, audience) if status != "no_match" or keep_sources else ([], 0)
    )
    if approved:
        # An earlier approved answer to this very question beats any search hit.
        sources = [_approved_source(approved)] + [
            s
            for s, h in zip(sources, hits, strict=False)
            if not (h.kind == "qa" and h.source_id == approved["id"])
        ][: MAX_SOURCES - 1]
        top_stance = stance_of_option(approved["choice"]) or top_stance
        status, conf, gate, draft = "answered", 1.0, None, None
    evidence_links.attach(db, query, sources, classifications, service=confined)
    if status == "answered" and evidence_links.rests_on_expired(sources):
        status = "needs_review"  # a lapsed certificate may make the answer wrong: a person decides
    return Answer(
        question=question,
        status=status,
        confidence=conf,
        stance=top_stance,
        sources=sources,
        why=draft or (gate.why if gate else (alone or other_question)),
        withheld=_withheld(db, query, audience, hits, editions_withheld, approved_withheld, widest),
        expired_evidence=evidence_links.expired_labels(sources),
    )


def _weighed_for(db: Database, cache: search.IndexCache, audience: str) -> search.IndexCache:
    """The cache of the index an answer for ``audience`` is weighed in: what the audience may
    see (kb.search.answering_cache, kb.db version 12), so that content above it moves neither
    the words' weights nor bm25 nor how many hits are asked for (its languages): the answer is
    what a KB holding nothing above the audience gives. An answer confined to a service keeps
    the service's index (kb.services)."""
    if cache.index != search.ANSWERING:
        return cache
    narrowed = search.answering_cache(db, audience)
    if narrowed.index != search.ANSWERING:
        narrowed.memo("languages", lambda: store.languages(db, visible_to(audience)))
    return narrowed


def _withheld(
    db: Database,
    query: search.Query,
    audience: str,
    shown: list[search.Hit],
    editions: int,
    approved: int | None,
    widest: search.IndexCache | None = None,
) -> Withheld | None:
    """What matched the question above ``audience``, besides the editions of the ``shown``
    hits (counted as ``editions``) and the approved answer to this very question
    (``approved``, its id), each counted once. A KB that holds nothing above the audience
    (the seed whitepaper, all public) is spared the second search. ``widest``: the cache of
    the index holding every level (the answer's own was narrowed to the audience)."""
    cache = widest or query.cache or search.answering_cache(db)
    hidden = hidden_levels(
        audience, cache.memo("levels_held", lambda: levels_held(db, cache.index.kinds or CHUNK_KINDS))
    )
    hits: list[search.Hit] = []
    if hidden:
        # Asked again in the index of every level: the audience's own holds nothing above it.
        wide = query if query.cache is cache else search.prepare(db, query.text, cache=cache)
        found = search.search(
            db,
            query.text,
            limit=hits_wanted(db, cache),
            classifications=hidden,
            query=wide,
        )
        # Shown hits first: an edition of a source shown is its translation, not another source.
        ids = {h.chunk_id for h in found if not (h.kind == "qa" and h.source_id == approved)}
        hits = [h for h in one_per_control(db, shown + found, cache) if h.chunk_id in ids][:MAX_SOURCES]
    return count_withheld(
        audience, hits, REVIEW_THRESHOLD, translations=editions, approved=approved is not None
    )
