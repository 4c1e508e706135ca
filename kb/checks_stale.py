"""`kb check stale`: current responses that may no longer be true.

Three reasons, each a fact in the KB rather than a guess:
- expired evidence: evidence linked to the response's control (kb evidence link) whose
  valid_until is before the day checked; the answer would rest on a lapsed certificate;
- an old contract version: an article the response cites (clause_refs, resolved as
  kb check refs resolves them) was changed, retitled or removed by a contract version that
  took effect after the response was written. A response is written on its document's
  date (documents.date when it is a YYYY-MM-DD date, else the day it was imported), or, once
  a person approved a later version of it (kb approve), on the day they approved it;
  a version takes effect on its effective date, else the day it was imported;
- past its review date: responses.review_due (kb.curation) before the day checked.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from kb.clauses import ClauseIndex
from kb.contracts import clause_label
from kb.db import Database
from kb.i18n import N_, Message

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
REASONS = ("evidence", "contract", "review")


class Stale(NamedTuple):
    """One reason a current response may no longer be true."""

    reason: str  # one of REASONS
    response_id: int
    control_id: str | None
    title: str
    service: str | None
    # what is out of date, for a person: the evidence, the article, the date (English as a str,
    # in_language for the user's)
    detail: Message
    since: str  # the day it went out of date (YYYY-MM-DD)


# A change a later contract version made to a cited article, in a sentence per change: languages
# put the verb in different places.
_CHANGED = {
    "removed": N_(
        "cites {cited}, removed in {contract} version {version} ({took_effect}), after this response ({written})"
    ),
    "changed": N_(
        "cites {cited}, changed in {contract} version {version} ({took_effect}), after this response ({written})"
    ),
    "retitled": N_(
        "cites {cited}, retitled in {contract} version {version} ({took_effect}), after this response ({written})"
    ),
}


class _Response(NamedTuple):
    id: int
    control_id: str | None
    title: str
    service: str | None
    written: str  # YYYY-MM-DD


def _day(value: str | None) -> str | None:
    return value[:10] if value and _ISO_DAY.match(value) else None


def _columns(db: Database, table: str) -> set[str]:
    return {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}


def _responses(db: Database, service: str | None) -> dict[int, _Response]:
    curated = {"version", "approved_at"} <= _columns(db, "responses")
    approved = "CASE WHEN r.version > 1 THEN r.approved_at END" if curated else "NULL"
    out = {}
    for rid, control_id, title, svc, written, imported, reapproved in db.execute(
        f"""
        SELECT r.id, r.control_id, r.title, r.service, d.date, d.imported_at, {approved}
        FROM responses r JOIN documents d ON d.id = r.document_id
        WHERE r.is_current = 1 AND (? IS NULL OR r.service = ?)
        ORDER BY r.document_id, r.position
        """,
        [service, service],
    ):
        day = _day(reapproved) or _day(written) or imported[:10]
        out[rid] = _Response(rid, control_id, title, svc, day)
    return out


def _expired_evidence(db: Database, responses: dict[int, _Response], today: str) -> list[Stale]:
    by_control: dict[str, list[_Response]] = {}
    for r in responses.values():
        if r.control_id:
            by_control.setdefault(r.control_id.upper(), []).append(r)
    out = []
    for control, title, until, linked_for in db.execute(
        "SELECT upper(l.control_id), e.title, e.valid_until, l.service FROM evidence_links l"
        " JOIN evidence_files e ON e.id = l.evidence_id WHERE e.valid_until < ? ORDER BY e.valid_until, e.id",
        [today],
    ):
        for r in by_control.get(control, ()):
            if linked_for is not None and r.service != linked_for:
                continue  # linked for another service (kb evidence link --service): not this response's
            out.append(
                Stale(
                    "evidence",
                    r.id,
                    r.control_id,
                    r.title,
                    r.service,
                    Message(N_("evidence {title} expired {until}"), title=title, until=until),
                    until,
                )
            )
    return out


def _changed_articles(db: Database) -> dict[tuple[str, int], list[tuple[str, str, str]]]:
    """(contract name, article) -> (version, took effect, change) of every change after a first version."""
    out: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for name, article, version, effective, imported, change in db.execute(
        """
        SELECT k.name, c.article, v.version, v.effective, v.imported_at, c.change
        FROM clause_changes c
        JOIN contract_versions v ON v.id = c.version_id
        JOIN contracts k ON k.id = v.contract_id
        WHERE c.change != 'added' AND c.branch = 0
        ORDER BY v.id, c.id
        """
    ):
        out.setdefault((name, article), []).append((version, _day(effective) or imported[:10], change))
    return out


def _old_contract(db: Database, responses: dict[int, _Response]) -> list[Stale]:
    changed = _changed_articles(db)
    if not changed:
        return []
    index = ClauseIndex(db)
    out = []
    for rid, document, article, title, lang in db.execute(
        "SELECT q.response_id, q.document, q.article, q.title, d.lang FROM clause_refs q"
        " JOIN responses r ON r.id = q.response_id JOIN documents d ON d.id = r.document_id"
        " ORDER BY q.response_id, q.id"
    ):
        r = responses.get(rid)
        if r is None:
            continue
        contract, _ = index.contract_for(document)
        for version, took_effect, change in changed.get((contract, article), ()):
            if took_effect > r.written:
                cited = clause_label(document, article, title, lang=lang)  # as the response cites it
                detail = Message(
                    _CHANGED[change],
                    cited=cited,
                    contract=contract,
                    version=version,
                    took_effect=took_effect,
                    written=r.written,
                )
                out.append(Stale("contract", r.id, r.control_id, r.title, r.service, detail, took_effect))
    return out


def _review_due(db: Database, responses: dict[int, _Response], today: str) -> list[Stale]:
    if "review_due" not in _columns(db, "responses"):
        return []  # a KB from before responses had a review date (kb.curation)
    ids = list(responses)
    out = []
    for start in range(0, len(ids), 500):  # within SQLite's limit on bound parameters
        part = ids[start : start + 500]
        for rid, due in db.execute(
            f"SELECT id, review_due FROM responses WHERE review_due < ? AND id IN ({','.join('?' * len(part))})",
            [today, *part],
        ):
            r = responses[rid]
            out.append(
                Stale(
                    "review",
                    r.id,
                    r.control_id,
                    r.title,
                    r.service,
                    Message(N_("review was due {due}"), due=due),
                    due,
                )
            )
    return out


def check_stale(
    db: Database, *, today: date | None = None, service: str | None = None
) -> tuple[int, list[Stale]]:
    """(current responses checked, the reasons each may be out of date), on ``today``."""
    day = (today or date.today()).isoformat()
    responses = _responses(db, service)
    found = [
        *_expired_evidence(db, responses, day),
        *_old_contract(db, responses),
        *_review_due(db, responses, day),
    ]
    position = {rid: n for n, rid in enumerate(responses)}
    found.sort(key=lambda s: (position[s.response_id], REASONS.index(s.reason), s.since))
    return len(responses), found
