"""Last year's final answers for a re-sent sheet (`kb fill NEW --previous LAST_FINAL`).

A re-sent sheet asks mostly what it asked before. A question whose text is the same
(kb.question_versions: NFKC, whitespace, case and a trailing note mark aside) gets the
answer a person sent last time. Questions are matched by their text, not by row or
number: rows move between versions. A question worded close to a question of the
previous sheet that no question asks again, or failing that with its number, is listed
as changed; anything else as new.
Both are answered as any row is, and say so.

The previous answers must be a person's: the final workbook that went to the
customer, which a person sent. kb fill's own output, unchanged, is refused. (Rows of
the final workbook that still hold what kb fill once wrote are reused all the same:
the person sent them; and every reused answer is itself recorded as a fill's writing,
so telling them apart by content would refuse last year's answers next year.)
A reused answer is written (choice and text) as any fill writing is, and
recorded as such (exporters.fill_record), so `kb import checksheet` never harvests it
again as a new answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from exporters.fill_reasons import Reason, ReasonCode
from kb.choices import choose_option, stance_of_option
from kb.errors import KBError
from kb.i18n import N_, Message, _
from kb.question_versions import nearest, similarity, version_key

if TYPE_CHECKING:
    from exporters.fill import RowResult
    from importers.checksheet import Question
    from importers.ooxml import CellRef
    from kb.db import Database


@dataclass(frozen=True)
class PreviousRow:
    """A question of the previous sheet and the answer it went out with."""

    sheet: str
    row: int
    number: str | None
    question: str
    choice: str | None
    text: str | None

    @property
    def answered(self) -> bool:
        return bool(self.choice or self.text)

    @property
    def where(self) -> str:
        return f"{self.sheet} row {self.row}" + (f", {self.number}" if self.number else "")


@dataclass(frozen=True)
class PreviousSheet:
    name: str  # the file's name, for reasons and the report
    rows: tuple[PreviousRow, ...]


class Match(NamedTuple):
    """How a question of the new sheet relates to the previous one."""

    kind: str  # unchanged | changed | new
    previous: PreviousRow | None = None
    how: str | None = None  # changed: 'same number' | 'near match'; unchanged and not reused: why
    similarity: float | None = None


# --- reading -------------------------------------------------------------------------


def read_previous(path: Path, db: Database | None = None) -> PreviousSheet:
    """The previous sheet's questions and answers, read as any check sheet is. With the KB
    (``db``), kb fill's own unchanged output is refused."""
    from importers.answered import answer_in_row
    from importers.checksheet import read_checksheet

    if db is not None:
        _refuse_own_output(db, path)
    rows = []
    for table in read_checksheet(path):
        for q in table.questions:
            choice, text = answer_in_row(q)
            rows.append(PreviousRow(q.sheet, q.row, q.number, q.text, choice, text))
    return PreviousSheet(path.name, tuple(rows))


def _refuse_own_output(db: Database, path: Path) -> None:
    from kb import store

    filled = store.fill_by_sha256(db, hashlib.sha256(path.read_bytes()).hexdigest())
    if filled:
        raise KBError(
            _(
                "--previous {name} is kb fill's own output (filled {date}, unchanged since), not the answers a person sent: give the final workbook"
            ).format(name=path.name, date=filled.created_at[:10])
        )


# --- matching ------------------------------------------------------------------------


def _same_answer(rows: list[PreviousRow]) -> bool:
    return len({(r.choice, r.text) for r in rows}) == 1


def _unchanged(q: Question, candidates: list[PreviousRow]) -> Match:
    """The previous row with q's text: if the sheet asked it more than once, the one with q's
    number, unless every asking got the same answer."""
    if _same_answer(candidates):
        return Match("unchanged", candidates[0])
    numbered = [r for r in candidates if q.number and r.number == q.number]
    same_sheet = [r for r in numbered if r.sheet == q.sheet]
    for pick in (same_sheet, numbered):
        if len(pick) == 1:
            return Match("unchanged", pick[0])
    return Match("unchanged", None, "asked more than once before, with different answers")


def match_questions(questions: list[Question], previous: PreviousSheet) -> list[Match]:
    """For each question, in order: unchanged (with the previous row), changed or new.

    A previous question that no question asks again is what a changed one may come
    from (see _changed); each is claimed once, in the new sheet's order.
    """
    by_key: dict[str, list[PreviousRow]] = {}
    for row in previous.rows:
        by_key.setdefault(version_key(row.question), []).append(row)
    keys = [version_key(q.text) for q in questions]
    asked_again = {key for key in keys if key in by_key}
    left = {(r.sheet, r.row): r for key, rows in by_key.items() if key not in asked_again for r in rows}
    return [
        _unchanged(q, by_key[key]) if key in by_key else _changed(q, left)
        for q, key in zip(questions, keys, strict=True)
    ]


def _changed(q: Question, left: dict[tuple[str, int], PreviousRow]) -> Match:
    """What q is a changed version of, among the previous questions not asked again (claimed
    from ``left``): the one worded closest at or above NEAR_MATCH, else the one with its number
    (numbers shift when a sheet gains a question; a close wording does not), else nothing."""
    near = nearest(q.text, [(r.question, r) for r in left.values()])
    same_number = _by_number(q, list(left.values()))
    if near is not None:
        left.pop((near[0].sheet, near[0].row))
        return Match("changed", near[0], N_("near match"), near[1])
    if same_number is not None:
        left.pop((same_number.sheet, same_number.row))
        return Match("changed", same_number, N_("same number"), similarity(q.text, same_number.question))
    return Match("new")


def _by_number(q: Question, left: list[PreviousRow]) -> PreviousRow | None:
    if not q.number:
        return None
    numbered = [r for r in left if r.number == q.number]
    same_sheet = [r for r in numbered if r.sheet == q.sheet]
    for pick in (same_sheet, numbered):
        if len(pick) == 1:
            return pick[0]
    return None


# --- reusing -----------------------------------------------------------------------------


# A list's numbering before an option ('1) Yes', '(b) AWS', 'A. Daily'): the list's, not the option's words.
_ENUMERATOR = re.compile(r"^\s*(?:\(?(?:\d{1,2}|[A-Za-z])[.)]|\(\d{1,2}\))\s+")


def _option_key(option: str) -> str:
    return version_key(_ENUMERATOR.sub("", option))


def choice_in_list(previous: str, options: list[str]) -> str | None:
    """The previous choice among this sheet's options: the same option (its list numbering
    aside: '1) Yes' is Yes), else the one saying the same yes/no/N/A (はい for Yes) when the
    sheet changed its list's wording."""
    same = [o for o in options if _option_key(o) == _option_key(previous)]
    if same:
        return same[0]
    return choose_option(stance_of_option(_ENUMERATOR.sub("", previous)), options)


def reused_row(
    q: Question, match: Match, source: str, text_cell: Callable[[Question], CellRef | None]
) -> RowResult | None:
    """The row answered with the previous answer to the very same question, or None when there
    is none to reuse (then the KB answers it). ``text_cell``: where the row's text goes."""
    from exporters.fill import RowResult, Suggestion

    prev = match.previous
    if match.kind != "unchanged" or prev is None or not prev.answered:
        return None
    if q.options:
        choice = choice_in_list(prev.choice, q.options) if prev.choice else None
        text = prev.text
    else:  # a free-text cell now: the choice, then the words that went with it
        choice, text = None, "\n".join(part for part in (prev.choice, prev.text) if part)
    cell = text_cell(q)
    written_text = text if cell is not None else None
    if choice is None and not written_text:
        return None
    reasons = [Reason.of(ReasonCode.PREVIOUS_REUSED, file=source, where=prev.where)]
    status = "reused"
    if q.options and choice is None:
        status = "needs_review"
        if prev.choice:
            reasons.append(Reason.of(ReasonCode.PREVIOUS_NO_OPTION, choice=prev.choice))
        else:
            reasons.append(Reason.of(ReasonCode.PREVIOUS_NO_CHOICE))
    if text and cell is None:
        reasons.append(Reason.of(ReasonCode.PREVIOUS_TEXT_NO_CELL))
    return RowResult(
        q,
        status,
        choice=choice,
        text=written_text,
        reasons=tuple(reasons),
        suggestion=Suggestion(choice=choice or prev.choice, text=text or None),
    )


def match_reason(match: Match, source: str) -> Reason | None:
    """What the review list says of a row the previous answer did not decide."""
    if match.kind == "new":
        return Reason.of(ReasonCode.QUESTION_NEW, file=source)
    prev = match.previous
    if match.kind == "changed" and prev is not None:
        given = " / ".join(part for part in (prev.choice, prev.text) if part)
        answer = (
            Message(N_("answered “{given}”"), given=_short(given))
            if given
            else Message(N_("not answered then"))
        )
        return Reason.of(
            ReasonCode.QUESTION_CHANGED,
            file=source,
            how=match.how,
            where=prev.where,
            question=_short(prev.question),
            answer=answer,
        )
    if match.how:
        return Reason.of(ReasonCode.PREVIOUS_AMBIGUOUS, file=source, why=match.how)
    return None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousReport:
    """What --previous found, for the report file and the fill summary."""

    file: str
    unchanged: int  # questions asked in the same words
    reused: int  # rows answered with the previous answer
    reused_in_part: int  # of those, rows whose choice or text could not be written (left for review)
    changed: list[tuple[Question, Match]]
    new: list[Question]
    dropped: int  # previous questions no question asks any more

    def to_json(self) -> dict:
        def where(q: Question) -> dict:
            return {"sheet": q.sheet, "row": q.row, "number": q.number, "question": q.text}

        return {
            "file": self.file,
            "unchanged": self.unchanged,
            "reused": self.reused,
            "reused_in_part": self.reused_in_part,
            "changed": [
                {
                    **where(q),
                    "how": m.how,
                    "similarity": round(m.similarity, 2) if m.similarity is not None else None,
                    "previous": {
                        "sheet": m.previous.sheet,
                        "row": m.previous.row,
                        "number": m.previous.number,
                        "question": m.previous.question,
                        "choice": m.previous.choice,
                        "text": m.previous.text,
                    }
                    if m.previous
                    else None,
                }
                for q, m in self.changed
            ],
            "new": [where(q) for q in self.new],
            "dropped": self.dropped,
        }


def previous_report(
    previous: PreviousSheet, questions: list[Question], matches: list[Match], rows: list[RowResult]
) -> PreviousReport:
    reused = [r for r in rows if ReasonCode.PREVIOUS_REUSED in r.reason_codes]
    claimed = {(m.previous.sheet, m.previous.row) for m in matches if m.previous is not None}
    unchanged_keys = {
        version_key(q.text) for q, m in zip(questions, matches, strict=True) if m.kind == "unchanged"
    }
    dropped = sum(
        1
        for r in previous.rows
        if (r.sheet, r.row) not in claimed and version_key(r.question) not in unchanged_keys
    )
    return PreviousReport(
        file=previous.name,
        unchanged=sum(1 for m in matches if m.kind == "unchanged"),
        reused=len(reused),
        reused_in_part=sum(1 for r in reused if r.status != "reused"),
        changed=[(q, m) for q, m in zip(questions, matches, strict=True) if m.kind == "changed"],
        new=[q for q, m in zip(questions, matches, strict=True) if m.kind == "new"],
        dropped=dropped,
    )
