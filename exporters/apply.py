"""`kb apply`: the decisions a person made in a decision workbook, written into the filled
workbook with the same XML patcher as kb fill (exporters.xlsx_patch: only the decided
cells change, every other zip member is copied verbatim).

The whole decision workbook is checked before anything is written: rows made for another
workbook (or a filled workbook changed since kb fill wrote it), an edited question, a
decision that is not one of its row's, an edited answer text under "accept suggestion N"
(the person's words would be silently dropped) or custom text left empty. Any of these
refuses the whole file, listing every mismatch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from exporters.decisions import Candidate, DecisionRow, DecisionSheet, digest, same_text
from kb.library import DecidedAnswer

MAX_LISTED = 10  # mismatches named in the one-line error; the rest are counted


@dataclass(frozen=True)
class RowWrite:
    """What one decided row puts into the sheet, and what the library records of it."""

    row: DecisionRow
    kind: str  # accept | option | custom
    cells: dict[str, str]  # A1 -> text ("" clears a cell)
    answer: DecidedAnswer


@dataclass(frozen=True)
class ApplyPlan:
    writes: list[RowWrite] = field(default_factory=list)
    skipped: int = 0  # rows a person chose to skip
    undecided: int = 0  # rows left without a decision
    mismatches: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(w.kind for w in self.writes)

    def sheet_writes(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for w in self.writes:
            out.setdefault(w.row.sheet, {}).update(w.cells)
        return out


class _Text(NamedTuple):
    cell: str  # what goes into the text cell
    reference: str  # what goes into the reference cell ("" clears it)
    body: str | None  # what the library records: without the citation line
    citations: tuple[str, ...] = ()


def _from_text(d: DecisionRow, text: str) -> _Text:
    """The answer text a person left: a candidate's own text keeps its citation; anything
    else is the person's, with none."""
    if not same_text(text):
        return _Text("", "", None)  # they emptied the pre-filled text
    with_citation = d.reference_cell is None
    for c in d.candidates:
        if c.text and same_text(c.cell_text(with_citation)) == same_text(text):
            return _Text(c.cell_text(with_citation), c.citation(), c.text, c.citations)
    return _Text(text, "", text)


def _accept(d: DecisionRow, c: Candidate) -> tuple[dict[str, str], DecidedAnswer]:
    cells = {}
    choice = c.choice if c.choice and d.answer_cell and d.options else None
    if choice:
        cells[d.answer_cell] = choice
    if d.text_cell and c.text:
        cells[d.text_cell] = c.cell_text(with_citation=d.reference_cell is None)
    if d.reference_cell and cells:
        cells[d.reference_cell] = c.citation()  # "" clears a citation kb fill wrote for another text
    return cells, DecidedAnswer(
        d.question, choice, c.text or None, c.citations, d.number or None, d.sheet, d.row
    )


def _with_text(d: DecisionRow, choice: str | None) -> tuple[dict[str, str], DecidedAnswer]:
    """An option or custom text: the option, and the answer text as the person left it (an
    emptied pre-filled text clears the cell; an empty cell stays as it is)."""
    cells = {d.answer_cell: choice} if choice else {}
    text = _from_text(d, d.answer_text)
    if d.text_cell and (text.body or d.prefill_sha256 != digest("")):
        cells[d.text_cell] = text.cell
        if d.reference_cell:
            cells[d.reference_cell] = text.reference
    body = text.body if d.text_cell else None
    answer = DecidedAnswer(
        d.question, choice, body, text.citations if body else (), d.number or None, d.sheet, d.row
    )
    return cells, answer


def _where(d: DecisionRow) -> str:
    return f"line {d.line}" + (f" ({d.number})" if d.number else f" ({d.sheet}!{d.row})")


def plan(sheet: DecisionSheet, filled_sha256: str) -> ApplyPlan:
    """What the decision workbook writes, or every reason it no longer matches."""
    labels = sheet.labels
    mismatches: list[str] = []
    if any(d.filled_sha256 != filled_sha256 for d in sheet.rows):
        mismatches.append(
            "it was made for another workbook (or the filled workbook was changed after kb fill wrote it)"
        )
    writes, skipped, undecided, seen = [], 0, 0, {}
    for d in sheet.rows:
        where = _where(d)
        if digest(same_text(d.question)) != d.question_sha256:
            mismatches.append(f"{where}: the question text was edited")
        if (d.sheet, d.row) in seen:
            mismatches.append(f"{where}: the same question as line {seen[d.sheet, d.row]}")
        seen.setdefault((d.sheet, d.row), d.line)
        if d.decision is None:
            undecided += 1
            continue
        if d.decision not in d.choices(labels):
            mismatches.append(f"{where}: unknown decision {d.decision!r} (not in this row's list)")
            continue
        if d.decision == labels.skip:
            skipped += 1
            continue
        accepted = {labels.accept.format(n=n): c for n, c in enumerate(d.candidates, start=1)}
        if d.decision in accepted:
            c = accepted[d.decision]
            edited = digest(same_text(d.answer_text)) != d.prefill_sha256
            if edited and same_text(d.answer_text) != same_text(c.cell_text(d.reference_cell is None)):
                mismatches.append(
                    f"{where}: the answer text was edited but the decision is {d.decision!r}"
                    f" (pick an option or {labels.custom!r} to send the edited text)"
                )
                continue
            cells, answer = _accept(d, c)
            kind = "accept"
        elif d.decision == labels.custom:
            if not same_text(d.answer_text):
                mismatches.append(f"{where}: {labels.custom!r} with an empty answer text")
                continue
            cells, answer = _with_text(d, None)
            kind = "custom"
        else:
            cells, answer = _with_text(d, d.decision)
            kind = "option"
        if not cells:
            mismatches.append(f"{where}: {d.decision!r} has nothing this row's cells can hold")
            continue
        writes.append(RowWrite(d, kind, cells, answer))
    return ApplyPlan(writes, skipped, undecided, mismatches)


def mismatch_message(name: str, filled: str, mismatches: list[str]) -> str:
    listed = "; ".join(mismatches[:MAX_LISTED])
    more = f"; and {len(mismatches) - MAX_LISTED} more" if len(mismatches) > MAX_LISTED else ""
    return f"{name} does not match {filled}, nothing written: {listed}{more}"


def write_final(plan: ApplyPlan, filled: Path, dst: Path) -> tuple[int, list[str]]:
    """Patch the decided cells into a copy of the filled workbook; (cells written, members changed)."""
    from exporters.xlsx_patch import WorkbookPatch
    from importers.ooxml import Package

    with Package(filled) as package:
        patch = WorkbookPatch(package)
        patch.add(plan.sheet_writes())
        changed = patch.write(dst)
        return patch.cells, changed
