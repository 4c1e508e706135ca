"""`kb check conflicts`: answers given before that contradict the responses, and the library
answering one question two ways.

A library answer (or a row of an answered sheet) contradicts the responses when the
response that answers its question by itself (confident enough to be auto-answered and past
the topic gate, as kb.answer decides) says no where it said yes, or yes where it said no.
Each side's yes or no is read as kb reads it everywhere: a chosen option (はい, Yes, ×)
by kb.choices, else the text by the stance readers (kb.stance, kb.stance_ja), on the
question that was asked. Only opposite answers are a conflict: 'partial' or 'does not
apply' beside a yes is a nuance for a person, and a CI job that fails on nuances is one
people learn to ignore.

Two library questions are near-duplicates when each covers at least
duplicate_coverage (kb.settings) of the other's weighted concepts, the glossary's synonyms
counted as the same words (kb.search.coverage); they answer differently when their yes or
no differ. Answers of different services never conflict: services differ (kb.services).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from kb import drafts, search, services, stance
from kb.analysis import analyzed_text
from kb.answer import MAX_SOURCES, auto_threshold_for
from kb.choices import stance_of_option
from kb.db import Database
from kb.gate import topic_gate
from kb.i18n import N_, Message
from kb.language import text_language
from kb.settings import DEFAULTS

DUPLICATE_COVERAGE: float = DEFAULTS["duplicate_coverage"]
OPPOSITE = frozenset({("yes", "no"), ("no", "yes")})


class Given(NamedTuple):
    """An answer given before: a library answer (qa_id) or a row of an answered sheet (where)."""

    question: str
    choice: str | None
    text: str | None
    where: str  # how a person finds it: "library #12 (ACME, 2025-05-01, sheet.xlsx)" or "sheet.xlsx Q!C12"
    service: str | None = None
    qa_id: int | None = None


class ResponseSays(NamedTuple):
    """What the response that answers a question says to it."""

    response_id: int
    control_id: str | None
    title: str
    stance: str
    confidence: float


class Conflict(NamedTuple):
    """An answer given before whose yes or no is the opposite of the response's."""

    given: Given
    given_stance: str
    response: ResponseSays
    service: str | None  # the service whose response it contradicts (None: a KB of one)


class Duplicate(NamedTuple):
    """Two library answers to near-identical questions that answer differently."""

    first: Given
    first_stance: str
    second: Given
    second_stance: str
    coverage: float  # the lower of the two questions' coverage of each other


class Conflicts(NamedTuple):
    checked: int  # answers given before, each against each service it may speak for
    conflicts: list[Conflict]
    duplicates: list[Duplicate]

    @property
    def found(self) -> bool:
        return bool(self.conflicts or self.duplicates)


def _relevance(query: search.Query):
    return lambda clause: search.coverage(query, analyzed_text(clause))[0]


def given_stance(given: Given, query: search.Query) -> str | None:
    """The yes or no of an answer given before: the option chosen, else what its text says to
    its question."""
    chosen = stance_of_option(given.choice)
    if chosen:
        return chosen
    if not given.text:
        return None
    return stance.stance(given.question, given.text, _relevance(query), query=query)


def response_says(db: Database, cache: search.IndexCache, given: Given) -> ResponseSays | None:
    """What the response that would answer ``given``'s question by itself says to it; None when
    no response answers it surely enough for a contradiction to mean anything."""
    query = search.prepare(db, given.question, cache=cache)
    hits = search.search(db, given.question, limit=MAX_SOURCES, kinds=("response",), query=query)
    if not hits or hits[0].coverage < auto_threshold_for(given.question):
        return None
    top = hits[0]
    lang = text_language(given.question)
    if topic_gate(query, top, lang, text_language(top.body) or "ja") is not None:
        return None
    # A question asked with a choice of options asked yes or no, whatever its wording.
    said = stance.stance(
        given.question,
        top.body,
        _relevance(query),
        query=query,
        asks_yes_no=stance_of_option(given.choice) is not None,
    )
    if said is None:
        return None
    return ResponseSays(top.source_id, top.control_id, top.title, said, round(top.coverage, 4))


def _caches(
    db: Database, held: tuple[services.Held, ...], service: str | None
) -> dict[str | None, search.IndexCache]:
    """The answering cache of each service an answer given for ``service`` may speak for: its own,
    or, naming none in a KB of several, each of them (nothing says which it was for)."""
    if len(held) < 2:
        return {None: search.answering_cache(db)}
    names = [h.service for h in held if h.service is not None]
    wanted = [service] if service in names else names
    return {name: services.answering_cache(db, name) for name in wanted}


def find_conflicts(
    db: Database, given: Iterable[Given], service: str | None = None
) -> tuple[int, list[Conflict]]:
    """(answers checked, those that contradict the responses); ``service``: only against its responses."""
    held = services.held(db)
    if service is not None:
        services.filter_scope(db, service)  # an unknown service is an error
    checked, found = 0, []
    for answer in given:
        for name, cache in _caches(db, held, answer.service).items():
            if service is not None and name not in (None, service):
                continue
            checked += 1
            says = response_says(db, cache, answer)
            if says is None:
                continue
            mine = given_stance(answer, search.prepare(db, answer.question, cache=cache))
            if mine and (mine, says.stance) in OPPOSITE:
                found.append(Conflict(answer, mine, says, name))
    return checked, found


def library(db: Database) -> list[Given]:
    """The current library answers that may be sent or suggested (not retired)."""
    return [
        Given(
            question,
            choice,
            text,
            Message(
                N_("library #{qa_id} ({about})"),
                qa_id=qa_id,
                about=", ".join(p for p in (customer, day, title) if p),
            ),
            svc,
            qa_id,
        )
        for qa_id, question, choice, text, customer, day, title, svc in db.execute(
            """
            SELECT q.id, q.question, q.choice, q.answer_text, q.customer, q.answered_on, d.source_name, d.service
            FROM qa_pairs q JOIN documents d ON d.id = q.document_id
            WHERE q.is_current = 1 AND q.status != 'retired'
            ORDER BY q.id
            """
        )
    ]


def find_duplicates(db: Database, answers: list[Given]) -> list[Duplicate]:
    """Pairs of library answers (same service) to near-identical questions whose yes or no differ."""
    by_id = {a.qa_id: a for a in answers if a.qa_id is not None}
    cache = search.answering_cache(db)
    queries: dict[int, search.Query] = {}

    def query_of(answer: Given) -> search.Query:
        if answer.qa_id not in queries:
            queries[answer.qa_id] = search.prepare(db, answer.question, cache=cache)
        return queries[answer.qa_id]

    seen: set[tuple[int, int]] = set()
    out = []
    for answer in by_id.values():
        query = query_of(answer)
        mine = given_stance(answer, query)
        if mine is None:
            continue
        # Candidates: approved answers in the answering index, drafts in theirs (kb.drafts).
        found = search.search(db, answer.question, limit=20, kinds=("qa",), query=query)
        for hit in [*found, *drafts.hits(db, query, limit=20)]:
            other = by_id.get(hit.source_id)
            pair = tuple(sorted((answer.qa_id, hit.source_id)))
            if other is None or other is answer or other.service != answer.service or pair in seen:
                continue
            there = search.coverage(query, analyzed_text(other.question))[0]
            back = search.coverage(query_of(other), analyzed_text(answer.question))[0]
            if min(there, back) < DUPLICATE_COVERAGE:
                continue
            theirs = given_stance(other, query_of(other))
            if theirs is None or theirs == mine:
                continue
            seen.add(pair)
            first, second = (answer, other) if answer.qa_id < other.qa_id else (other, answer)
            stances = {answer.qa_id: mine, other.qa_id: theirs}
            out.append(
                Duplicate(
                    first, stances[first.qa_id], second, stances[second.qa_id], round(min(there, back), 4)
                )
            )
    return sorted(out, key=lambda d: (d.first.qa_id, d.second.qa_id))


def check_conflicts(db: Database, sheets: Iterable[Given] = (), service: str | None = None) -> Conflicts:
    """The library (and the rows of ``sheets``, answered sheets read by the caller) against the
    responses, and the library against itself."""
    answers = library(db)
    if service is not None:
        answers = [a for a in answers if a.service in (None, service)]
    checked, conflicts = find_conflicts(db, [*answers, *sheets], service)
    return Conflicts(checked, conflicts, find_duplicates(db, answers))
