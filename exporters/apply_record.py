"""What `kb apply` sent, as the disclosure ledger remembers it (kb.ledger): the final workbook,
for the customer of the fill it finalised, with each decided row's text and where it came from."""

from __future__ import annotations

from pathlib import Path

from exporters.apply import ApplyPlan
from kb import audit
from kb.audit import AuditEvent
from kb.db import Database
from kb.files import file_sha256
from kb.ledger import Disclosure, FillRef, Sent, SentRow
from kb.library import Decisions, Recorded
from kb.store import FilledRow, FillRecord


def disclosure(
    plan: ApplyPlan,
    written_at: Path,
    output_name: str,
    decisions: Decisions,
    fill: FillRef | None,
    questions: int,
) -> Disclosure:
    """The final workbook written at ``written_at`` (its bytes are what goes out): the decided rows,
    each the choice and text now in its cells. A decision's text is matched to the response or
    library answer holding it (kb.ledger), else it is the person's own."""
    rows, sent = [], []
    for w in plan.writes:
        d = w.row
        choice = w.cells.get(d.answer_cell) if d.answer_cell else None
        text = w.cells.get(d.text_cell) if d.text_cell else None
        rows.append(FilledRow(d.sheet, d.row, d.question, choice or None, text or None))
        sent.append(SentRow(w.kind, Sent("person", w.answer.text or None, question=d.question)))
    record = FillRecord(
        output_sha256=file_sha256(written_at),
        input_name=decisions.filled_name,
        output_name=output_name,
        questions=questions,
        answered=len(rows),
        customer=decisions.customer or (fill.customer if fill else None),
        audience=fill.audience if fill else "public",
        rows=tuple(rows),
    )
    return Disclosure(
        record,
        tuple(sent),
        kind="apply",
        source_fill=fill.id if fill else None,
        service=decisions.service,
    )


def record_library(db: Database, decisions: Decisions, recorded: Recorded) -> None:
    """The answer library's change in the audit log, in the caller's transaction."""
    if recorded.status == "unchanged":
        return
    row = db.execute("SELECT id FROM documents WHERE sha256 = ?", [decisions.sha256]).fetchone()
    audit.record(
        db,
        AuditEvent(
            "apply decisions",
            "document",
            row[0] if row else None,
            after=decisions.sha256,
            detail=f"{recorded.answers} answers {recorded.status}"
            + (" (approved)" if decisions.approved else " (drafts)"),
        ),
    )
