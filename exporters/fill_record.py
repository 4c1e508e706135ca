"""What `kb fill` wrote, as the KB remembers it (kb.store.FillRecord).

The KB keeps the output's sha256 and, row by row, the choice and text written into it,
so that `kb import checksheet --answered` tells a person's answers from the tool's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import TYPE_CHECKING

from exporters.fill import planned_writes
from exporters.fill_reasons import ReasonCode
from exporters.xlsx_patch import sanitize_cell_text
from kb.ledger import Disclosure, Sent, SentRow
from kb.store import FilledRow, FillRecord

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult


def filled_rows(rows: list[RowResult]) -> tuple[FilledRow, ...]:
    """Each row fill wrote into, read the way importers.answered reads a row back: with
    options, the answer cell is the choice and the comment cell the text; without, the
    text is in the comment or else the answer cell."""
    return tuple(filled for _, filled in _written(rows))


def _written(rows: list[RowResult]) -> list[tuple[RowResult, FilledRow]]:
    writes = planned_writes(rows)
    out = []
    for row in rows:
        q = row.question
        cells = writes.get(q.sheet, {})
        choice = cells.get(q.answer_cell) if q.options and q.answer_cell else None
        text = cells.get(q.comment_cell) if q.comment_cell else None
        if not q.options and text is None and q.answer_cell:
            text = cells.get(q.answer_cell)
        if choice is not None or text is not None:
            filled = FilledRow(
                q.sheet,
                q.row,
                q.text,
                None if choice is None else sanitize_cell_text(choice),  # as stored in the cell
                None if text is None else sanitize_cell_text(text),
            )
            out.append((row, filled))
    return out


def fill_record(
    report: FillReport, *, customer: str | None = None, audience: str | None = None
) -> FillRecord:
    """The record of a fill whose workbook has been written (report.output holds its bytes);
    its audience is the fill's own (report.summary.audience) unless ``audience`` is given."""
    s = report.summary
    return FillRecord(
        output_sha256=hashlib.sha256(report.output.read_bytes()).hexdigest(),
        input_name=report.input.name,
        output_name=report.output.name,
        questions=s.questions,
        answered=s.answered,
        customer=customer,
        audience=audience or s.audience,
        rows=filled_rows(report.rows),
    )


def sent(row: RowResult) -> Sent:
    """Where a written row's answer came from (kb.ledger): the best source, in the edition
    whose text was written (a choice alone: the source's own edition, whose stance it is)."""
    if row.answer is None or not row.answer.sources:
        if row.status == "not_applicable":  # the sheet's own qualifier questions switched it off
            return Sent("sheet", row.choice)
        if ReasonCode.IDENTITY_FROM_PROFILE in row.reason_codes:
            return Sent("profile", row.text)
        return Sent("previous", row.text or row.choice)  # --previous: last year's final answer
    top = row.answer.sources[0]
    edition = top.in_language(row.text_lang or top.lang) or top.in_language(top.lang)
    text, source_id = (edition.text, edition.source_id) if edition else (top.text, top.source_id)
    evidence = tuple(e.evidence_id for e in top.evidence)
    if top.kind == "qa":
        return Sent("qa", text, question=top.title, evidence_ids=evidence, source_id=source_id)
    return Sent(top.kind, text, control_id=top.control_id, evidence_ids=evidence, source_id=source_id)


def disclosure(report: FillReport, *, customer: str | None = None, service: str | None = None) -> Disclosure:
    """The ledger's record of a fill whose workbook has been written: fill_record's, with where
    each written row's answer came from, and the service it answered for (--service)."""
    written = _written(report.rows)
    record = replace(fill_record(report, customer=customer), rows=tuple(filled for _, filled in written))
    return Disclosure(record, tuple(SentRow(row.status, sent(row)) for row, _ in written), service=service)
