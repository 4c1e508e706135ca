"""Filling a customer's check sheet from the KB (`kb fill`).

Reading is importers.checksheet; writing is exporters.xlsx_patch, which patches
only the answer cells' XML. This module decides, row by row, what goes where
and what a person must still review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kb.answer import AUTO_THRESHOLD, Answer, Source
from kb.batch import Ask, Helpers, answer_many
from kb.choices import choose_option
from kb.db import Database
from kb.stance import is_yes_no_question

if TYPE_CHECKING:
    from importers.checksheet import Question
    from importers.ooxml import CellRef, Package


@dataclass
class FillOptions:
    overwrite: bool = False
    min_confidence: float = AUTO_THRESHOLD


@dataclass
class RowResult:
    question: Question
    status: str  # answered | needs_review | no_match | kept
    answer: Answer | None = None
    choice: str | None = None
    text: str | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        q = self.question
        return {
            "sheet": q.sheet,
            "row": q.row,
            "number": q.number,
            "question": q.text,
            "status": self.status,
            "confidence": self.answer.confidence if self.answer else None,
            "stance": self.answer.stance if self.answer else None,
            "choice": self.choice,
            "reason": self.reason,
            "sources": [
                {"kind": s.kind, "control_id": s.control_id, "title": s.title, "score": s.score}
                for s in (self.answer.sources if self.answer else [])
            ],
        }


def citation_line(src: Source) -> str:
    return "出典: " + "／".join(src.citations) if src.citations else ""


def answer_text(src: Source, *, with_citation: bool = True) -> str:
    text = src.text.strip()
    cite = citation_line(src)
    if with_citation and cite:
        text = f"{text}\n{cite}"
    return text  # xlsx_patch cuts it to Excel's cell limit


def _has_human_answer(q) -> bool:
    return any((v or "").strip() for v in (q.existing_answer, q.existing_comment))


def precheck(q, options: FillOptions) -> RowResult | None:
    """The decision for a row that needs no answer from the KB, else None."""
    if _has_human_answer(q) and not options.overwrite:
        return RowResult(q, "kept", reason="already answered")
    if not q.answer_cell and not q.comment_cell:
        return RowResult(q, "needs_review", reason="no answer cell")
    return None


def decide(q, ans: Answer) -> RowResult:
    """What goes into the row, given the KB's answer to its question."""
    if ans.status != "answered":
        return RowResult(q, ans.status, answer=ans, reason="low confidence" if ans.sources else "no source")
    result = RowResult(q, "answered", answer=ans)
    top = ans.sources[0]
    result.text = answer_text(top, with_citation=not q.reference_cell)
    if q.options:
        result.choice = choose_option(ans.stance, q.options)
        if result.choice is None:
            result.status = "needs_review"
            if ans.stance is None:
                result.reason = (
                    "open question: choose an option"
                    if not (q.asks_yes_no or is_yes_no_question(q.text))
                    else "no stance"
                )
            else:
                result.reason = f"no option for {ans.stance}"
    return result


def planned_writes(rows: list[RowResult]) -> dict[str, dict[CellRef, str]]:
    """Sheet -> {cell: text}, with the cells as the reader found them (no A1 strings to parse back)."""
    writes: dict[str, dict[CellRef, str]] = {}
    for r in rows:
        q = r.question
        if r.status == "kept" or r.text is None:
            continue
        cells = writes.setdefault(q.sheet, {})
        if q.options:
            if r.choice and q.answer_cell:
                cells[q.answer_cell] = r.choice
            if q.comment_cell:
                cells[q.comment_cell] = r.text
        elif q.answer_cell:
            cells[q.answer_cell] = r.text
        elif q.comment_cell:
            cells[q.comment_cell] = r.text
        if q.reference_cell and r.answer:
            cite = citation_line(r.answer.sources[0])
            if cite:
                cells[q.reference_cell] = cite
    return {sheet: cells for sheet, cells in writes.items() if cells}


@dataclass(frozen=True)
class FillSummary:
    sheets: list[str]
    questions: int
    answered: int
    needs_review: int
    no_match: int
    kept: int
    cells_written: int
    parts_changed: list[str]  # zip members rewritten
    min_confidence: float
    review_rows: int | None = None  # rows in the review list, once one is written


@dataclass(frozen=True)
class FillReport:
    """What `kb fill` did: the counts, and the decision for every question, in sheet order."""

    input: Path
    output: Path
    summary: FillSummary
    rows: list[RowResult]
    review: str | None = None  # the review list's path, once one is written

    def with_review(self, path: str, rows: int) -> FillReport:
        return replace(self, review=path, summary=replace(self.summary, review_rows=rows))

    def to_json(self) -> dict:
        """The report file (`kb fill --report`)."""
        s = self.summary
        summary = {
            "sheets": s.sheets,
            "questions": s.questions,
            "answered": s.answered,
            "needs_review": s.needs_review,
            "no_match": s.no_match,
            "kept": s.kept,
            "cells_written": s.cells_written,
            "parts_changed": s.parts_changed,
            "min_confidence": s.min_confidence,
        }
        if s.review_rows is not None:
            summary["review_rows"] = s.review_rows
        out = {
            "input": str(self.input),
            "output": str(self.output),
            "summary": summary,
            "questions": [r.to_json() for r in self.rows],
        }
        if self.review is not None:
            out["review"] = self.review
        return out


def fill(
    db: Database,
    workbook: Package | Path,
    dst: Path,
    tables: list,
    options: FillOptions,
    *,
    progress: Callable[[int], None] | None = None,
    helpers: Helpers | None = None,
) -> FillReport:
    """``workbook``: the Package the tables were read from, so that the file is opened
    once (a path is opened here). ``helpers``: see kb.batch.Helpers; used up here, even
    when no question needs the KB.

    Rows are decided, and their cells patched, as each chunk of answers arrives:
    this process would otherwise wait idle while the helpers answer.
    """
    from exporters.xlsx_patch import WorkbookPatch
    from importers.ooxml import Package

    questions = [q for table in tables for q in table.questions]
    rows: list[RowResult | None] = [precheck(q, options) for q in questions]
    pending = [i for i, row in enumerate(rows) if row is None]
    if progress and len(pending) < len(rows):
        progress(len(rows) - len(pending))
    with nullcontext(workbook) if isinstance(workbook, Package) else Package(workbook) as package:
        patch = WorkbookPatch(package)

        def decided(first: int, answers: list[Answer]) -> None:
            chunk = []
            for i, ans in zip(pending[first : first + len(answers)], answers, strict=True):
                rows[i] = decide(questions[i], ans)
                chunk.append(rows[i])
            patch.add(planned_writes(chunk))

        answer_many(
            db,
            [Ask(questions[i].text, questions[i].asks_yes_no) for i in pending],
            auto_threshold=options.min_confidence,
            progress=progress,
            each=decided,
            helpers=helpers,
        )
        changed = patch.write(dst)
        cells_written = patch.cells
    counts = Counter(r.status for r in rows)
    summary = FillSummary(
        sheets=[t.sheet for t in tables],
        questions=len(rows),
        answered=counts["answered"],
        needs_review=counts["needs_review"],
        no_match=counts["no_match"],
        kept=counts["kept"],
        cells_written=cells_written,
        parts_changed=changed,
        min_confidence=options.min_confidence,
    )
    return FillReport(input=package.path, output=dst, summary=summary, rows=rows)
