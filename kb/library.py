"""The answer library's decided answers: what a person decided in a decision workbook
(`kb apply`), with who decided, when, for which customer and from which fill.

A decided answer is a qa_pairs row like a harvested one (kb.store.import_qa_pairs), so
search finds it and an approved one answers the very same question next time
(kb.answer); it is a draft unless the person applying says it is approved. Its
citations are kept apart from its text: a reused answer then writes the same source
line as the first time, and never the name of the customer it was first written for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from kb import store
from kb.db import Database
from kb.model import ParsedDocument, QAPair

DOCUMENT_KIND = "decisions"  # documents.kind of a decision workbook applied


class DecidedAnswer(NamedTuple):
    """One row a person decided: what went into the sheet for this question."""

    question: str
    choice: str | None
    text: str | None  # without its citation line
    citations: tuple[str, ...] = ()  # labels, as kb.answer.Source.citations
    number: str | None = None
    sheet: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class Decisions:
    """A decision workbook applied to the filled workbook it was made for."""

    sha256: str  # of the decision workbook: the same file applied again is recorded once
    filled_sha256: str  # the filled workbook's (fills.output_sha256)
    filled_name: str
    answers: tuple[DecidedAnswer, ...]
    customer: str | None = None
    decided_by: str | None = None
    approved: bool = False
    lang: str = "ja"
    decided_at: str = ""  # ISO date-time in UTC; stamped when empty
    # The service the sheet was about (kb apply --service): in a KB of several services an
    # answer answers only its own service's questions (kb.services).
    service: str | None = None


class Recorded(NamedTuple):
    status: str  # recorded | new version (an earlier apply to the same filled workbook retired) | unchanged | approved
    answers: int  # answers recorded (or approved by this apply)
    classification: str  # that of the fill the decisions were made on


class PastAnswer(NamedTuple):
    """An answer in the library, as a person reviewing a suggestion wants to know it."""

    status: str  # draft | approved
    customer: str | None
    decided_by: str | None
    on: str | None  # YYYY-MM-DD
    citations: tuple[str, ...] = ()  # where its text came from, as the person accepted it

    def label(self, lang: str = "ja") -> str:
        """'過去の承認済み回答（2026-12-01・山田・ACME）' / 'past approved answer (…)'."""
        details = [v for v in (self.on, self.decided_by, self.customer) if v]
        if lang == "ja":
            head = "過去の承認済み回答" if self.status == "approved" else "過去の回答（下書き・未承認）"
            return head + (f"（{'・'.join(details)}）" if details else "")
        head = "past approved answer" if self.status == "approved" else "past draft answer (not approved)"
        return head + (f" ({', '.join(details)})" if details else "")


def _fill_of(db: Database, sha256: str) -> tuple[int | None, str | None, str]:
    """(fills.id, customer, audience) of the newest fill that wrote exactly these bytes."""
    row = db.execute(
        "SELECT id, customer, audience FROM fills WHERE output_sha256 = ? ORDER BY id DESC LIMIT 1", [sha256]
    ).fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, "public")


def record_decisions(db: Database, decisions: Decisions) -> Recorded:
    """Add the decided answers to the library, as one document per decision workbook.

    Their classification is the audience of the fill they were decided on: an answer
    drawn from nda material must not answer a public sheet next time. Applying the same
    workbook again records nothing new (with ``approved`` it approves its drafts); another
    decision workbook for the same filled workbook retires the answers of the earlier one.
    """
    fill_id, fill_customer, audience = _fill_of(db, decisions.filled_sha256)
    customer = decisions.customer or fill_customer
    decided_at = decisions.decided_at or datetime.now(UTC).isoformat(timespec="seconds")
    doc = ParsedDocument(
        kind=DOCUMENT_KIND,
        # The filled workbook's hash in the title makes it the series: a newer decision
        # workbook for the same filled workbook supersedes the older one.
        title=f"{decisions.filled_name} ({decisions.filled_sha256[:12]})",
        sha256=decisions.sha256,
        source_name=decisions.filled_name,
        classification=audience,
        lang=decisions.lang,
        service=decisions.service,
    )
    pairs = [QAPair(a.question, a.choice, a.text, a.number, a.sheet, a.row) for a in decisions.answers]
    with db.atomic():
        result = store.import_qa_pairs(
            db,
            doc,
            pairs,
            customer=customer,
            answered_on=decided_at[:10],
            approved=decisions.approved,
            approver=decisions.decided_by,
        )
        if result.status in ("imported", "new version"):
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM qa_pairs WHERE document_id = ? ORDER BY id", [result.document_id]
                )
            ]
            db.conn.executemany(
                "UPDATE qa_pairs SET decided_by = ?, decided_at = ?, source_fill = ?, citations = ? WHERE id = ?",
                [
                    (
                        decisions.decided_by,
                        decided_at,
                        fill_id,
                        json.dumps(list(a.citations), ensure_ascii=False),
                        i,
                    )
                    for i, a in zip(ids, decisions.answers, strict=True)
                ],
            )
        elif result.status == "approved" and decisions.decided_by:
            db.execute(
                "UPDATE qa_pairs SET decided_by = ? WHERE document_id = ? AND is_current = 1",
                [decisions.decided_by, result.document_id],
            )
    status = "recorded" if result.status == "imported" else result.status
    return Recorded(status, result.sections if status != "unchanged" else 0, audience)


def citations_of(raw: str | None) -> list[str]:
    """qa_pairs.citations as a list (an answer harvested before schema v6 has none)."""
    return list(json.loads(raw)) if raw else []


def past_answers(db: Database, qa_ids: list[int]) -> dict[int, PastAnswer]:
    """What the library knows of these answers (qa_pairs.id, the source_id of their chunks)."""
    if not qa_ids:
        return {}
    marks = ",".join("?" * len(qa_ids))
    return {
        row["id"]: past_answer(row)
        for row in _dicts(
            db.execute(
                "SELECT id, status, customer, decided_by, decided_at, answered_on, citations"
                f" FROM qa_pairs WHERE id IN ({marks})",
                qa_ids,
            )
        )
    }


def _dicts(cursor) -> list[dict]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def past_answer(row: dict) -> PastAnswer:
    """A qa_pairs row (with status, customer, decided_by, decided_at, answered_on, citations)."""
    on = (row["decided_at"] or row["answered_on"] or "")[:10] or None
    return PastAnswer(
        row["status"], row["customer"], row["decided_by"], on, tuple(citations_of(row["citations"]))
    )
