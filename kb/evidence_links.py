"""Evidence behind an answer: the files linked to the controls of its sources (kb evidence link).

Evidence is not searched for an answer (kb.db.ANSWERING_KINDS): it is not written to
be quoted to a customer. It backs a response up: a response to control 6.1.3 cites the
evidence linked to 6.1.3 that the answer's audience may see, by title and the page that
covers the question best. An answer whose best source rests on evidence past its
valid_until is not sent by itself: a lapsed certificate may make it wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kb import search
from kb.db import Database

if TYPE_CHECKING:
    from kb.answer import Source


@dataclass(frozen=True)
class EvidenceRef:
    """A piece of evidence as an answer cites it."""

    evidence_id: int
    title: str
    page: int | None  # the page that covers the question best; None: the file as a whole
    valid_until: str | None
    expired: bool

    def label(self, lang: str) -> str:
        """証跡: ISMS 認証登録証（2ページ） / Evidence: ISMS certificate, p. 2, with the lapse if any."""
        if lang == "en":
            page = f", p. {self.page}" if self.page else ""
            lapsed = f" (expired {self.valid_until})" if self.expired else ""
            return f"Evidence: {self.title}{page}{lapsed}"
        page = f"（{self.page}ページ）" if self.page else ""
        lapsed = f"（有効期限切れ {self.valid_until}）" if self.expired else ""
        return f"証跡: {self.title}{page}{lapsed}"


def _linked(db: Database, cache: search.IndexCache, controls: list[str]) -> dict[str, list[tuple]]:
    """(id, title, valid_until, classification, service) of the evidence linked to each control
    (upper case); service None: linked for every service."""
    known: dict[str, list[tuple]] = cache.memo("evidence_linked", dict)
    missing = [c for c in dict.fromkeys(controls) if c not in known]
    if missing:
        for c in missing:
            known[c] = []
        marks = ",".join("?" * len(missing))
        for control, *row in db.execute(
            f"SELECT upper(l.control_id), e.id, e.title, e.valid_until, e.classification, l.service"
            " FROM evidence_links l"
            f" JOIN evidence_files e ON e.id = l.evidence_id WHERE upper(l.control_id) IN ({marks}) ORDER BY l.id",
            missing,
        ):
            known[control].append(tuple(row))
    return {c: known[c] for c in controls}


def _pages(db: Database, cache: search.IndexCache, evidence_id: int) -> list[tuple[int, str]]:
    """(page, analysed text) of a file's indexed pages."""
    known: dict[int, list[tuple[int, str]]] = cache.memo("evidence_pages", dict)
    if evidence_id not in known:
        known[evidence_id] = db.execute(
            "SELECT p.page, c.body_terms FROM evidence_pages p"
            " JOIN chunks c ON c.kind = 'evidence' AND c.source_id = p.id WHERE p.evidence_id = ? ORDER BY p.page",
            [evidence_id],
        ).fetchall()
    return known[evidence_id]


def _best_page(pages: list[tuple[int, str]], query: search.Query) -> int | None:
    if len(pages) == 1:
        return pages[0][0]
    best, best_score = None, 0.0
    for page, terms in pages:
        score = search.coverage(query, terms)[0]
        if score > best_score:
            best, best_score = page, score
    return best


def attach(
    db: Database,
    query: search.Query,
    sources: Iterable[Source],
    visible: tuple[str, ...],
    today: date | None = None,
    service: str | None = None,
) -> None:
    """Give each response among ``sources`` the evidence linked to its control that the
    answer's audience may see (``visible``: kb.audience.visible_to of it) as Source.evidence,
    and its labels among the citations of the source and of each of its translations.
    ``service``: the one the answer is confined to (kb.services); evidence linked for another is
    not its evidence."""
    cache = query.cache or search.answering_cache(db)
    if not cache.memo(
        "evidence_any", lambda: bool(db.execute("SELECT 1 FROM evidence_links LIMIT 1").fetchone())
    ):
        return  # a KB without linked evidence pays one look-up per snapshot
    responses = [s for s in sources if s.kind == "response" and s.control_id]
    linked = _linked(db, cache, [s.control_id.upper() for s in responses])
    day = (today or date.today()).isoformat()
    for src in responses:
        refs = [
            EvidenceRef(
                eid,
                title,
                _best_page(_pages(db, cache, eid), query),
                until,
                until is not None and until < day,
            )
            for eid, title, until, classification, linked_for in linked[src.control_id.upper()]
            if classification in visible and (service is None or linked_for in (None, service))
        ]
        if not refs:
            continue
        src.evidence = refs
        src.citations = [*src.citations, *(r.label(src.lang) for r in refs)]
        src.translations = tuple(
            t._replace(citations=(*t.citations, *(r.label(t.lang) for r in refs))) for t in src.translations
        )


def expired_labels(sources: Iterable[Source]) -> list[str]:
    """The expired evidence among the sources' (English labels, each once): the flag an
    answer, a fill report and a review list carry."""
    return list(dict.fromkeys(r.label("en") for s in sources for r in s.evidence if r.expired))


def rests_on_expired(sources: list[Source]) -> bool:
    """Whether the best source cites evidence past its validity."""
    return bool(sources) and any(r.expired for r in sources[0].evidence)
