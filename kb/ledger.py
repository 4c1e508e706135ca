"""The disclosure ledger: what was sent to which customer, row by row (fills and fill_rows).

Every workbook `kb fill` writes and every final workbook `kb apply` writes is one
disclosure: customer, date, audience, who sent it (the audit actor) and the sha256 of the
workbook's bytes. Each row written into it says where its answer came from, as the KB held
it then: the response version (its id and the sha256 of its text, in the language written),
the contract clauses its citation line names (contract, version and article) and the
evidence behind it (sha256). When a response changes afterwards, `kb ledger affected`
finds the customers whose newest copy of that control's answer is an older text.

A disclosure is recorded after the answering, in one transaction with its audit entry
(kb.audit): a fill that fails records nothing, and no write happens between questions
(kb.search.answering_cache is keyed on the connection's changes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from kb import audit, store
from kb.audit import AuditEvent
from kb.db import Database
from kb.store import FillRecord

# What a written row's answer came from (fill_rows.source_kind): a whitepaper response, an
# approved library answer, a contract clause (a draft, --draft-text), the provider's profile, last year's final workbook (--previous),
# the sheet's own qualifier questions (N/A), or a person's own text in a decision workbook
# (kb apply) that is none of these.
SOURCE_KINDS = ("response", "qa", "clause", "profile", "previous", "sheet", "person")


class Sent(NamedTuple):
    """What one written row's answer came from, as answering found it. ``text`` is the
    source's own text in the language written (a response's text without its citation line).
    ``source_id`` is the row answering took it from (responses, qa_pairs or clauses by kind:
    kb.answer.Source.source_id, the edition written): it is recorded as it is. Without one (a
    person's text in a decision workbook), the row holding exactly ``text`` is looked for:
    ``control_id`` narrows the response, ``question`` finds a library answer."""

    kind: str  # SOURCE_KINDS; a decision's text (kind "person") is matched to a response or answer
    text: str | None = None
    control_id: str | None = None
    question: str | None = None
    evidence_ids: tuple[int, ...] = ()
    source_id: int | None = None


class SentRow(NamedTuple):
    status: str  # a fill row's (answered, needs_review with --draft-text, reused); an apply's decision
    sent: Sent | None


@dataclass(frozen=True)
class Disclosure:
    """A workbook sent: the fill record (its rows are the rows written) and, one for each of
    them, where the answer came from."""

    record: FillRecord
    rows: tuple[SentRow, ...] = ()  # parallel to record.rows
    kind: str = "fill"  # kb.db.FILL_KINDS
    source_fill: int | None = None  # an apply: the fill whose workbook it finalised
    service: str | None = None  # the service answered for (kb fill --service); None: none named


class CitedClause(NamedTuple):
    contract: str | None  # the KB's contract the citation resolves to (None: not in the KB)
    version: str | None
    article: int
    cited: str  # the contract's name as the response cites it


class CitedEvidence(NamedTuple):
    id: int
    sha256: str


class Resolved(NamedTuple):
    """A row's source as the ledger stores it."""

    kind: str
    source_id: int | None
    control_id: str | None
    sha256: str | None
    clauses: tuple[CitedClause, ...] = ()
    evidence: tuple[CitedEvidence, ...] = ()


def text_sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def written_sha256(choice: str | None, text: str | None) -> str:
    """The sha256 of what a row holds (its choice and its text, as written into the cells)."""
    return audit.digest([choice, text])


class _Resolver:
    """Finds the stored rows behind what answering handed over, once per disclosure."""

    def __init__(self, db: Database):
        from kb.clauses import ClauseIndex

        self.db = db
        self.clauses = ClauseIndex(db)

    def response(self, text: str, control_id: str | None) -> tuple[int, str | None] | None:
        """(id, control id) of the response holding exactly ``text``: the current one first."""
        where, params = "trim(r.text) = ?", [text.strip()]
        if control_id:
            where += " AND r.control_id = ?"
            params.append(control_id)
        row = self.db.execute(
            f"SELECT r.id, r.control_id FROM responses r WHERE {where} ORDER BY r.is_current DESC, r.id DESC LIMIT 1",
            params,
        ).fetchone()
        return (row[0], row[1]) if row else None

    def answer(self, text: str, question: str | None) -> int | None:
        """The library answer holding exactly ``text`` (to ``question`` when given)."""
        where, params = "(trim(answer_text) = ? OR (answer_text IS NULL AND choice = ?))", [text.strip()] * 2
        if question:
            where += " AND question_key = ?"
            params.append(store.question_key(question))
        row = self.db.execute(
            f"SELECT id FROM qa_pairs WHERE {where} ORDER BY is_current DESC, id DESC LIMIT 1", params
        ).fetchone()
        return row[0] if row else None

    def cited_clauses(self, response_id: int) -> tuple[CitedClause, ...]:
        out = []
        for document, article, title in self.db.execute(
            "SELECT document, article, title FROM clause_refs WHERE response_id = ? ORDER BY id",
            [response_id],
        ):
            found = self.clauses.resolve(document, article, title)
            version = found.clause.version if found.clause else None
            out.append(CitedClause(found.contract, version, article, document))
        return tuple(out)

    def clause(self, text: str) -> tuple[int, CitedClause] | None:
        """(clauses.id, the clause as cited) of the article holding exactly ``text``."""
        row = self.db.execute(
            "SELECT c.id, k.name, v.version, c.article FROM clauses c"
            " JOIN contract_versions v ON v.id = c.version_id JOIN contracts k ON k.id = v.contract_id"
            " WHERE trim(c.text) = ? ORDER BY c.is_current DESC, c.id DESC LIMIT 1",
            [text.strip()],
        ).fetchone()
        return (row[0], CitedClause(row[1], row[2], row[3], row[1])) if row else None

    def evidence(self, ids: Sequence[int]) -> tuple[CitedEvidence, ...]:
        out = []
        for evidence_id in dict.fromkeys(ids):
            row = self.db.execute("SELECT sha256 FROM evidence_files WHERE id = ?", [evidence_id]).fetchone()
            if row:
                out.append(CitedEvidence(evidence_id, row[0]))
        return tuple(out)

    def response_by_id(self, response_id: int) -> tuple[int, str | None] | None:
        row = self.db.execute("SELECT id, control_id FROM responses WHERE id = ?", [response_id]).fetchone()
        return (row[0], row[1]) if row else None

    def clause_by_id(self, clause_id: int) -> tuple[int, CitedClause] | None:
        row = self.db.execute(
            "SELECT c.id, k.name, v.version, c.article FROM clauses c"
            " JOIN contract_versions v ON v.id = c.version_id JOIN contracts k ON k.id = v.contract_id"
            " WHERE c.id = ?",
            [clause_id],
        ).fetchone()
        return (row[0], CitedClause(row[1], row[2], row[3], row[1])) if row else None

    def exact(self, sent: Sent, sha: str | None, evidence: tuple[CitedEvidence, ...]) -> Resolved | None:
        """The row answering named (Sent.source_id), if it is still in the KB."""
        if sent.kind == "response" and (found := self.response_by_id(sent.source_id)):
            return Resolved("response", found[0], found[1], sha, self.cited_clauses(found[0]), evidence)
        if (
            sent.kind == "qa"
            and self.db.execute("SELECT 1 FROM qa_pairs WHERE id = ?", [sent.source_id]).fetchone()
        ):
            return Resolved("qa", sent.source_id, None, sha, (), evidence)
        if sent.kind == "clause" and (clause := self.clause_by_id(sent.source_id)):
            return Resolved("clause", clause[0], None, sha, (clause[1],), evidence)
        return None

    def resolve(self, sent: Sent) -> Resolved:
        sha = text_sha256(sent.text)
        evidence = self.evidence(sent.evidence_ids)
        if sent.source_id is not None and (found := self.exact(sent, sha, evidence)):
            return found
        if sent.text and sent.kind in ("response", "person"):
            found = self.response(sent.text, sent.control_id)
            if found:
                return Resolved("response", found[0], found[1], sha, self.cited_clauses(found[0]), evidence)
        if sent.text and sent.kind in ("qa", "person"):
            qa_id = self.answer(sent.text, sent.question)
            if qa_id is not None:
                return Resolved("qa", qa_id, None, sha, (), evidence)
        if sent.text and sent.kind == "clause" and (clause := self.clause(sent.text)):
            return Resolved("clause", clause[0], None, sha, (clause[1],), evidence)
        return Resolved(sent.kind, None, sent.control_id, sha, (), evidence)


class FillRef(NamedTuple):
    id: int
    customer: str | None
    audience: str
    service: str | None = None


def fill_of(db: Database, output_sha256: str) -> FillRef | None:
    """The newest kb fill that wrote exactly these bytes (not a kb apply), if any."""
    row = db.execute(
        "SELECT id, customer, audience, service FROM fills WHERE output_sha256 = ? AND kind = 'fill'"
        " ORDER BY id DESC LIMIT 1",
        [output_sha256],
    ).fetchone()
    return FillRef(*row) if row else None


def record(db: Database, disclosure: Disclosure) -> int:
    """Store the disclosure (fills and fill_rows) and its audit entry in one transaction; its fills.id."""
    rec = disclosure.record
    if len(disclosure.rows) != len(rec.rows):
        raise ValueError("a disclosure needs one SentRow for each row written")
    resolver = _Resolver(db)
    resolved = [resolver.resolve(r.sent) if r.sent else None for r in disclosure.rows]
    actor = audit.current_actor()
    with db.atomic():
        fill_id = store.record_fill(db, rec)
        db.execute(
            "UPDATE fills SET kind = ?, actor = ?, source_fill = ?, service = ? WHERE id = ?",
            [disclosure.kind, actor, disclosure.source_fill, disclosure.service, fill_id],
        )
        row_ids = [
            r[0] for r in db.execute("SELECT id FROM fill_rows WHERE fill_id = ? ORDER BY id", [fill_id])
        ]
        db.conn.executemany(
            "UPDATE fill_rows SET status = ?, source_kind = ?, source_id = ?, control_id = ?, source_sha256 = ?,"
            " text_sha256 = ?, clauses = ?, evidence = ? WHERE id = ?",
            [
                (
                    sent_row.status,
                    found.kind if found else None,
                    found.source_id if found else None,
                    found.control_id if found else None,
                    found.sha256 if found else None,
                    written_sha256(filled.choice, filled.text),
                    json.dumps([c._asdict() for c in found.clauses] if found else [], ensure_ascii=False),
                    json.dumps([e._asdict() for e in found.evidence] if found else []),
                    row_id,
                )
                for row_id, filled, sent_row, found in zip(
                    row_ids, rec.rows, disclosure.rows, resolved, strict=True
                )
            ],
        )
        who = rec.customer or "no customer named"
        about = f", service {disclosure.service}" if disclosure.service else ""
        audit.record(
            db,
            AuditEvent(
                disclosure.kind,
                "fill",
                fill_id,
                after=rec.output_sha256,
                detail=f"{rec.output_name} for {who} ({rec.audience}{about}): {len(rec.rows)} rows written",
                actor=actor,
            ),
        )
    return fill_id


# --- reading --------------------------------------------------------------------------


class LedgerRow(NamedTuple):
    """One row a disclosure wrote, as the ledger lists it."""

    sheet: str
    row: int
    status: str | None
    source_kind: str | None
    source_id: int | None
    control_id: str | None
    source_sha256: str | None
    text_sha256: str | None
    clauses: list[dict]
    evidence: list[dict]

    def to_json(self) -> dict:
        return self._asdict()


@dataclass(frozen=True)
class Entry:
    """One disclosure as the ledger lists it."""

    id: int
    kind: str
    created_at: str
    customer: str | None
    audience: str
    service: str | None
    actor: str | None
    input_name: str
    output_name: str
    output_sha256: str
    questions: int
    answered: int
    source_fill: int | None
    rows: tuple[LedgerRow, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "rows"}
        return out | {"rows": [r.to_json() for r in self.rows]}


_ENTRY = (
    "id, kind, created_at, customer, audience, service, actor, input_name, output_name, output_sha256, questions,"
    " answered, source_fill"
)
_ROW = "sheet, row, status, source_kind, source_id, control_id, source_sha256, text_sha256, clauses, evidence"


def entries(db: Database, customer: str | None = None) -> list[Entry]:
    """Every disclosure, oldest first, with its rows; ``customer``: only those to that customer
    (case and surrounding spaces aside)."""
    where, params = ("WHERE lower(trim(customer)) = lower(trim(?))", [customer]) if customer else ("", [])
    found = [Entry(*row) for row in db.execute(f"SELECT {_ENTRY} FROM fills {where} ORDER BY id", params)]
    rows: dict[int, list[LedgerRow]] = {}
    for fill_id, *values in db.execute(
        f"SELECT fill_id, {_ROW} FROM fill_rows WHERE fill_id IN (SELECT id FROM fills {where}) ORDER BY id",
        params,
    ):
        *head, clauses, evidence = values
        rows.setdefault(fill_id, []).append(LedgerRow(*head, json.loads(clauses), json.loads(evidence)))
    return [Entry(**(e.__dict__ | {"rows": tuple(rows.get(e.id, ()))})) for e in found]


class Affected(NamedTuple):
    """A customer whose newest copy of a control's answer is a text that is no longer the approved one."""

    customer: str | None
    fill_id: int
    kind: str
    created_at: str
    output_name: str
    sheet: str
    row: int
    response_id: int | None
    sent_sha256: str | None
    current_sha256: str | None  # None: that response has no approved text any more (retired)

    def to_json(self) -> dict:
        return self._asdict()


def _approved_texts(db: Database, control_id: str) -> dict[tuple[str, str | None], str]:
    """{(language, service): sha256 of the approved text} of the control's current responses."""
    out = {}
    for lang, service, text in db.execute(
        "SELECT d.lang, r.service, r.text FROM responses r JOIN documents d ON d.id = r.document_id"
        " WHERE r.control_id = ? AND r.is_current = 1 AND r.status = 'approved' ORDER BY r.id",
        [control_id],
    ):
        out[(lang, service)] = text_sha256(text)
    return out


def knows_control(db: Database, control_id: str) -> bool:
    """Whether the KB holds a response to ``control_id`` (any version) or ever sent one."""
    from kb.analysis import canonical_control_id

    control_id = canonical_control_id(control_id)
    return any(
        db.execute(f"SELECT 1 FROM {table} WHERE control_id = ? LIMIT 1", [control_id]).fetchone()
        for table in ("responses", "fill_rows")
    )


def affected(db: Database, control_id: str) -> list[Affected]:
    """The customers who received a version of ``control_id``'s response that differs from the
    approved one now (it was edited and approved since, or retired), one row each: their newest
    disclosure of it. A customer whose newest copy is the approved text is not listed; a fill row
    that a later kb apply of the same workbook wrote over is not what the customer received."""
    from kb.analysis import canonical_control_id

    control_id = canonical_control_id(control_id)
    current = _approved_texts(db, control_id)
    newest: dict[str | None, Affected] = {}
    for customer, fill_id, kind, created, output, sheet, row, rid, sent, lang, service in db.execute(
        """
        SELECT f.customer, f.id, f.kind, f.created_at, f.output_name, fr.sheet, fr.row, fr.source_id,
               fr.source_sha256, d.lang, r.service
        FROM fill_rows fr
        JOIN fills f ON f.id = fr.fill_id
        LEFT JOIN responses r ON r.id = fr.source_id
        LEFT JOIN documents d ON d.id = r.document_id
        WHERE fr.control_id = ? AND fr.source_kind = 'response'
          AND NOT EXISTS (
              SELECT 1 FROM fills a JOIN fill_rows ar ON ar.fill_id = a.id
              WHERE a.kind = 'apply' AND a.source_fill = f.id AND ar.sheet = fr.sheet AND ar.row = fr.row
          )
        ORDER BY f.id, fr.id
        """,
        [control_id],
    ):
        now = current.get((lang, service))
        key = (customer or "").strip().casefold() or None
        newest[key] = Affected(customer, fill_id, kind, created, output, sheet, row, rid, sent, now)
    return [a for a in newest.values() if a.sent_sha256 != a.current_sha256]
