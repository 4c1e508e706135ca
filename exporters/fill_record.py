"""What `kb fill` wrote, as the KB remembers it (kb.store.FillRecord).

The KB keeps the output's sha256 and, row by row, the choice and text written into it,
so that `kb import checksheet --answered` tells a person's answers from the tool's own.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from exporters.fill import planned_writes
from exporters.xlsx_patch import sanitize_cell_text
from kb.store import FilledRow, FillRecord

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult


def filled_rows(rows: list[RowResult]) -> tuple[FilledRow, ...]:
    """Each row fill wrote into, read the way importers.answered reads a row back: with
    options, the answer cell is the choice and the comment cell the text; without, the
    text is in the comment or else the answer cell."""
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
            out.append(
                FilledRow(
                    q.sheet,
                    q.row,
                    q.text,
                    None if choice is None else sanitize_cell_text(choice),  # as stored in the cell
                    None if text is None else sanitize_cell_text(text),
                )
            )
    return tuple(out)


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
