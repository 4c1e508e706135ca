"""Filling a customer's check sheet from the KB (`kb fill`).

Reading is importers.checksheet; writing is exporters.xlsx_patch, which patches
only the answer cells' XML. This module decides, row by row, what goes where
and what a person must still review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from exporters.fill_length import limited
from exporters.fill_reasons import Reason, ReasonCode, no_edition
from kb.answer import REVIEW_THRESHOLD, Answer, Source, Translation, auto_threshold_for
from kb.audience import DEFAULT_AUDIENCE, check_customer_audience
from kb.batch import Ask, Helpers, answer_many
from kb.choices import choose_option
from kb.db import Database
from kb.evidence_links import rests_on_expired
from kb.language import majority_language, text_language
from kb.profile import profile_field
from kb.stance import is_yes_no_question

if TYPE_CHECKING:
    from exporters.previous import Match, PreviousReport, PreviousSheet
    from importers.checksheet import Question
    from importers.ooxml import CellRef, Package

ANSWER_LANGS = ("ja", "en")
# A profile value in the answer language, or None: kb.profile.value over one KB.
ProfileLookup = Callable[[str, str], "str | None"]


@dataclass
class FillOptions:
    overwrite: bool = False
    min_confidence: float | None = None  # None: the question language's threshold (kb.answer)
    answer_lang: str = "auto"  # ja | en | auto (the sheet's language)
    draft_text: bool = False  # write the suggested text into rows left for review, too
    # Who the sheet goes to (kb.audience): nothing above it is written, cited or suggested.
    audience: str = DEFAULT_AUDIENCE
    wrap: bool = False  # written cells get a wrapped copy of their style, their rows grow (xlsx_styles)
    max_chars: int | None = None  # texts longer are cut at a sentence end (exporters.fill_length)
    # The service the sheet asks about (kb.services): needed when the KB holds several.
    service: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """What the KB would put in the row, shown in the review list whether or not it was written."""

    choice: str | None = None  # the sheet's own option for the stance
    text: str | None = None  # the response with its citation line, in text_lang
    text_lang: str | None = None
    citation: str | None = None  # for the sheet's reference column, in text_lang


@dataclass
class RowResult:
    """The decision for one row. choice, text and citation are what is written into the sheet."""

    question: Question
    status: str  # answered | needs_review | no_match | kept | not_applicable | reused (--previous)
    answer: Answer | None = None
    choice: str | None = None
    text: str | None = None
    text_lang: str | None = None
    citation: str | None = None
    reasons: tuple[Reason, ...] = ()
    suggestion: Suggestion = field(default_factory=Suggestion)
    full_text: str | None = None  # --max-chars: the whole text, for the comment column

    @property
    def reason(self) -> str | None:
        """Why, in English (the report's stable ``reason``, beside ``reason_codes``)."""
        return "; ".join(r.text for r in self.reasons) or None

    def reason_in(self, lang: str) -> str | None:
        """Why, in ``lang``: the review list's and decision workbook's, in the sheet's language."""
        separator = "；" if lang == "ja" else "; "
        return separator.join(r.text_in(lang) for r in self.reasons) or None

    @property
    def reason_codes(self) -> list[str]:
        return [str(r.code) for r in self.reasons]

    @property
    def written(self) -> bool:
        return bool(self.choice or self.text or self.citation)

    def to_json(self) -> dict:
        from kb.i18n import language

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
            # the same in the language kb speaks to its user (kb.i18n); reason stays English
            "reason_lang": language(),
            "reason_text": self.reason_in(language()),
            "sources": [
                {
                    "kind": s.kind,
                    "control_id": s.control_id,
                    "title": s.title,
                    "score": s.score,
                    # a library answer: its status, customer, decided_by, on (kb.library.PastAnswer)
                    "past": s.past._asdict() if s.past else None,
                }
                for s in (self.answer.sources if self.answer else [])
            ],
            "reason_codes": self.reason_codes,
            "text_lang": self.text_lang,
            "suggested_choice": self.suggestion.choice,
            # Counts of what matched above the audience, never its text (kb.withheld).
            "withheld": self.answer.withheld.to_json() if self.answer and self.answer.withheld else None,
            # Evidence past its validity behind the sources (kb.evidence_links).
            "expired_evidence": self.answer.expired_evidence if self.answer else [],
        }


CITATION_PREFIX = {"ja": "出典: ", "en": "Source: "}
CITATION_SEPARATOR = {"ja": "／", "en": "; "}


def citation_line(edition: Translation | Source, lang: str | None = None) -> str:
    """The citation line of a response in its language: 出典: … or Source: …"""
    lang = lang or edition.lang
    cites = edition.citations
    if not cites:
        return ""
    return CITATION_PREFIX.get(lang, CITATION_PREFIX["en"]) + CITATION_SEPARATOR.get(lang, "; ").join(cites)


def answer_text(edition: Translation | Source, *, with_citation: bool = True) -> str:
    text = edition.text.strip()
    cite = citation_line(edition)
    if with_citation and cite:
        text = f"{text}\n{cite}"
    return text  # xlsx_patch cuts it to Excel's cell limit


def answer_language(choice: str, questions: Iterable[Question]) -> str:
    """The language to answer in: the one asked for, or (auto) the one most questions are in."""
    if choice in ANSWER_LANGS:
        return choice
    return majority_language(q.text for q in questions)


def _text_cell(q: Question) -> CellRef | None:
    """Where a row's free text goes: the comment column beside a dropdown, else the answer cell."""
    return q.comment_cell if q.options else (q.answer_cell or q.comment_cell)


def _has_human_answer(q) -> bool:
    return any((v or "").strip() for v in (q.existing_answer, q.existing_comment))


def _switched_off(q: Question) -> RowResult:
    """A row the sheet's own qualifier questions switched off: N/A if the sheet wants it, else nothing."""
    off = q.switched_off
    reasons = [Reason.of(ReasonCode.SWITCHED_OFF, why=off.reason)]
    choice = None
    if off.set_na:
        choice = choose_option("na", q.options) if q.answer_cell else None
        if choice is None:
            reasons.append(Reason.of(ReasonCode.NO_NA_OPTION))
    return RowResult(q, "not_applicable", choice=choice, reasons=tuple(reasons))


def _identity(q: Question, key: str, lang: str, lookup: ProfileLookup | None) -> RowResult:
    """An identity field: the profile's value or nothing; never control text."""
    value = lookup(key, lang) if lookup else None
    suggestion = Suggestion(text=value, text_lang=lang if value else None)
    if not value:
        return RowResult(
            q,
            "needs_review",
            reasons=(Reason.of(ReasonCode.IDENTITY_MISSING, key=key),),
            suggestion=suggestion,
        )
    found = Reason.of(ReasonCode.IDENTITY_FROM_PROFILE, key=key)
    if _text_cell(q) is None:
        reasons = (found, Reason.of(ReasonCode.NO_ANSWER_CELL))
        return RowResult(q, "needs_review", reasons=reasons, suggestion=suggestion)
    return RowResult(q, "answered", text=value, text_lang=lang, reasons=(found,), suggestion=suggestion)


def precheck(
    q, options: FillOptions, *, lang: str = "ja", profile_value: ProfileLookup | None = None
) -> RowResult | None:
    """The decision for a row that needs no answer from the KB, else None.

    Identity fields are decided here, from the profile alone, so that no search
    result can ever reach them.
    """
    if _has_human_answer(q) and not options.overwrite:
        return RowResult(q, "kept", reasons=(Reason.of(ReasonCode.KEPT),))
    if q.switched_off is not None:
        return _switched_off(q)
    if not q.answer_cell and not q.comment_cell:
        return RowResult(q, "needs_review", reasons=(Reason.of(ReasonCode.NO_ANSWER_CELL),))
    identity = profile_field(q.text)
    if identity is not None and not identity.settable:
        reason = Reason.of(ReasonCode.IDENTITY_BY_HAND, label=identity.label_en.lower())
        return RowResult(q, "needs_review", reasons=(reason,))
    if identity is not None:
        return _identity(q, identity.key, lang, profile_value)
    return None


def _suggestion(q: Question, ans: Answer, lang: str) -> Suggestion:
    """The top source in the answer language, or in its own when the KB has no such edition."""
    choice = choose_option(ans.stance, q.options) if q.options else None
    if not ans.sources:
        return Suggestion(choice=choice)
    top = ans.sources[0]
    edition = top.in_language(lang) or top.in_language(top.lang)
    with_citation = not q.reference_cell
    return Suggestion(
        choice=choice,
        text=answer_text(edition, with_citation=with_citation),
        text_lang=edition.lang,
        citation=citation_line(edition) or None,
    )


def _question_lang(q: Question, lang: str) -> str:
    return text_language(q.text) or lang


def _threshold(q: Question, options: FillOptions) -> float:
    return auto_threshold_for(q.text) if options.min_confidence is None else options.min_confidence


def _why_answered(q: Question, ans: Answer, lang: str, options: FillOptions) -> Reason:
    if ans.sources and ans.sources[0].kind == "qa" and ans.confidence >= 1.0:
        return Reason.of(ReasonCode.APPROVED)
    return Reason.of(
        ReasonCode.AUTO,
        confidence=ans.confidence,
        threshold=_threshold(q, options),
        lang=_question_lang(q, lang),
    )


def _why_not_answered(q: Question, ans: Answer, lang: str, options: FillOptions) -> Reason:
    if ans.status == "no_match":
        return Reason.of(ReasonCode.NO_SOURCE, confidence=ans.confidence, threshold=REVIEW_THRESHOLD)
    if ans.confidence < _threshold(q, options):
        return Reason.of(
            ReasonCode.LOW_CONFIDENCE,
            confidence=ans.confidence,
            threshold=_threshold(q, options),
            lang=_question_lang(q, lang),
        )
    if ans.why is None and rests_on_expired(ans.sources):
        return Reason.of(ReasonCode.EXPIRED_EVIDENCE, evidence="; ".join(ans.expired_evidence))
    return Reason.of(ReasonCode.HELD_BY_ENGINE, why=ans.why or "no reason given", confidence=ans.confidence)


def _why_no_choice(q: Question, ans: Answer) -> Reason:
    if ans.stance is not None:
        return Reason.of(ReasonCode.NO_OPTION, stance=ans.stance)
    if q.asks_yes_no or is_yes_no_question(q.text):
        return Reason.of(ReasonCode.NO_STANCE)
    return Reason.of(ReasonCode.OPEN_QUESTION)


def _why_withheld(ans: Answer) -> tuple[Reason, ...]:
    """What the audience may not see that matched, counted (kb.withheld): a reviewer learns
    that the KB holds more, and how well it matches, without its text."""
    if ans.withheld is None or not ans.withheld.total:
        return ()
    return (Reason.of(ReasonCode.WITHHELD, what=ans.withheld.describe(ans.confidence)),)


def _with_draft(row: RowResult, options: FillOptions) -> RowResult:
    """--draft-text: the suggested text goes into a row left for review, marked as a draft."""
    s = row.suggestion
    if not options.draft_text or row.text or not s.text or _text_cell(row.question) is None:
        return row
    return replace(
        row,
        text=s.text,
        text_lang=s.text_lang,
        citation=row.citation or s.citation,
        reasons=(*row.reasons, Reason.of(ReasonCode.DRAFT_TEXT)),
    )


def decide(q, ans: Answer, lang: str = "ja", options: FillOptions | None = None) -> RowResult:
    """What goes into the row, given the KB's answer to its question and the answer language.

    Only an auto-answer writes, and only what it can write in ``lang``: a choice
    (language-free) and the text of the source's edition in ``lang``. A row left
    for review gets nothing unless options.draft_text.
    """
    options = options or FillOptions()
    suggestion = _suggestion(q, ans, lang)
    withheld = _why_withheld(ans)
    if ans.status != "answered":
        row = RowResult(
            q,
            ans.status,
            answer=ans,
            reasons=(_why_not_answered(q, ans, lang, options), *withheld),
            suggestion=suggestion,
        )
        return _with_draft(row, options)
    reasons = [_why_answered(q, ans, lang, options), *withheld]
    row = RowResult(q, "answered", answer=ans, suggestion=suggestion)
    if q.options:
        row.choice = suggestion.choice
        if row.choice is None:
            row.status = "needs_review"
            reasons.append(_why_no_choice(q, ans))
    if row.status == "answered":
        top = ans.sources[0]
        edition = top.in_language(lang)
        if edition is None:
            if _text_cell(q) is not None:
                # The choice stands (a stance has no language); the text waits for a person.
                row.status = "needs_review"
                reasons.append(no_edition(lang, top.control_id or top.title))
        else:
            if _text_cell(q) is not None:
                row.text, row.text_lang = suggestion.text, lang
            row.citation = suggestion.citation
    row.reasons = tuple(reasons)
    return row if row.status == "answered" else _with_draft(row, options)


def planned_writes(rows: list[RowResult]) -> dict[str, dict[CellRef, str]]:
    """Sheet -> {cell: text}, with the cells as the reader found them (no A1 strings to parse back)."""
    writes: dict[str, dict[CellRef, str]] = {}
    for r in rows:
        q = r.question
        cells = writes.setdefault(q.sheet, {})
        if r.choice and q.answer_cell:
            cells[q.answer_cell] = r.choice
        text_cell = _text_cell(q)
        if r.text and text_cell:
            cells[text_cell] = r.text
        if r.citation and q.reference_cell and (r.choice or r.text):
            cells[q.reference_cell] = r.citation
        if r.full_text and q.comment_cell and q.comment_cell != text_cell:
            cells[q.comment_cell] = r.full_text
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
    min_confidence: float | None  # None: each question language's threshold
    not_applicable: int = 0  # rows the sheet's qualifier questions switched off
    answer_lang: str = "ja"  # the language of the text written
    review_rows: int | None = None  # rows in the review list, once one is written
    audience: str = DEFAULT_AUDIENCE  # who the sheet was filled for (kb.audience)
    withheld_rows: int = 0  # rows where something above the audience matched (kb.withheld)
    reused: int = 0  # rows answered with the previous answer (--previous)
    styles_added: int | None = None  # --wrap: cell formats added to styles.xml


@dataclass(frozen=True)
class FillReport:
    """What `kb fill` did: the counts, and the decision for every question, in sheet order."""

    input: Path
    output: Path
    summary: FillSummary
    rows: list[RowResult]
    review: str | None = None  # the review list's path, once one is written
    previous: PreviousReport | None = None  # --previous: unchanged, changed and new questions

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
            "not_applicable": s.not_applicable,
            "answer_lang": s.answer_lang,
            "audience": s.audience,
            "withheld_rows": s.withheld_rows,
        }
        if s.review_rows is not None:
            summary["review_rows"] = s.review_rows
        if self.previous is not None:
            summary["reused"] = s.reused
        if s.styles_added is not None:
            summary["styles_added"] = s.styles_added
        out = {
            "input": str(self.input),
            "output": str(self.output),
            "summary": summary,
            "questions": [r.to_json() for r in self.rows],
        }
        if self.review is not None:
            out["review"] = self.review
        if self.previous is not None:
            out["previous"] = self.previous.to_json()
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
    previous: PreviousSheet | None = None,
) -> FillReport:
    """``workbook``: the Package the tables were read from, so that the file is opened
    once (a path is opened here). ``helpers``: see kb.batch.Helpers; used up here, even
    when no question needs the KB. ``previous``: last year's final answers (exporters.previous).

    Rows are decided, and their cells patched, as each chunk of answers arrives:
    this process would otherwise wait idle while the helpers answer.
    """
    from exporters.previous import match_questions, match_reason, previous_report
    from exporters.xlsx_patch import WorkbookPatch
    from importers.ooxml import Package
    from kb import profile

    check_customer_audience(options.audience)  # a filled sheet goes to a customer
    questions = [q for table in tables for q in table.questions]
    lang = answer_language(options.answer_lang, questions)

    def profile_value(key: str, in_lang: str) -> str | None:
        return profile.value(db, key, in_lang)

    rows: list[RowResult | None] = [
        precheck(q, options, lang=lang, profile_value=profile_value) for q in questions
    ]
    matches = match_questions(questions, previous) if previous else None
    if previous and matches:
        rows = [
            _with_previous(q, m, row, previous.name)
            for q, m, row in zip(questions, matches, rows, strict=True)
        ]

    def finished(i: int, row: RowResult) -> RowResult:
        if matches and row.status != "reused" and (reason := match_reason(matches[i], previous.name)):
            row = replace(row, reasons=(*row.reasons, reason))
        return limited(row, options.max_chars, _text_cell(row.question)) if options.max_chars else row

    rows = [finished(i, row) if row is not None else None for i, row in enumerate(rows)]
    pending = [i for i, row in enumerate(rows) if row is None]
    if progress and len(pending) < len(rows):
        progress(len(rows) - len(pending))
    with nullcontext(workbook) if isinstance(workbook, Package) else Package(workbook) as package:
        patch = WorkbookPatch(package, wrap=options.wrap)
        patch.add(planned_writes([row for row in rows if row is not None]))

        def decided(first: int, answers: list[Answer]) -> None:
            chunk = []
            for i, ans in zip(pending[first : first + len(answers)], answers, strict=True):
                rows[i] = finished(i, decide(questions[i], ans, lang, options))
                chunk.append(rows[i])
            patch.add(planned_writes(chunk))

        answer_many(
            db,
            [Ask(questions[i].text, questions[i].asks_yes_no) for i in pending],
            auto_threshold=options.min_confidence,
            audience=options.audience,
            service=options.service,
            progress=progress,
            each=decided,
            helpers=helpers,
        )
        changed = patch.write(dst)
        cells_written = patch.cells
        styles_added = patch.styles_added if options.wrap else None
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
        not_applicable=counts["not_applicable"],
        answer_lang=lang,
        reused=counts["reused"],
        styles_added=styles_added,
        audience=options.audience,
        withheld_rows=sum(1 for r in rows if r.answer and r.answer.withheld and r.answer.withheld.total),
    )
    report = previous_report(previous, questions, matches, rows) if previous and matches is not None else None
    return FillReport(input=package.path, output=dst, summary=summary, rows=rows, previous=report)


def _with_previous(q: Question, match: Match, row: RowResult | None, source: str) -> RowResult | None:
    """The previous answer to the very same question, unless the row is a person's, switched
    off or has no cell to write (precheck decided it so), else what precheck decided."""
    if row is not None and row.status in ("kept", "not_applicable"):
        return row
    if row is not None and ReasonCode.NO_ANSWER_CELL in row.reason_codes:
        return row
    from exporters.previous import reused_row

    return reused_row(q, match, source, _text_cell) or row
