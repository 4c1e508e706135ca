"""Answers cut to a sheet's length limit (`kb fill --max-chars N`).

A text longer than N characters is cut at the last sentence end that fits
(kb.sentences), its citation line kept at the end, so the customer reads whole
sentences and where they come from. The whole text goes to the row's comment column
when that is another cell than the one cut; otherwise the reason says it was cut
(the review list shows the whole suggestion). A cut in the middle of a sentence,
when even the first one is longer than N, can change what the answer says: that row
goes to review.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from exporters.fill_reasons import Reason, ReasonCode
from kb.i18n import N_
from kb.sentences import cut_to_fit

if TYPE_CHECKING:
    from exporters.fill import RowResult
    from importers.ooxml import CellRef


def _body_and_citation(text: str, citation: str | None) -> tuple[str, str]:
    """The response and its citation line as exporters.fill.answer_text joined them ('' if none)."""
    tail = f"\n{citation}" if citation else ""
    if tail and text.endswith(tail) and len(text) > len(tail):
        return text[: -len(tail)], tail
    return text, ""


def shorten(text: str, limit: int, citation: str | None = None) -> tuple[str, bool, bool]:
    """(text within ``limit`` characters, whether it was cut, whether mid-sentence). The citation
    line stays when it leaves room for the response; else the whole text is cut as one."""
    if len(text) <= limit:
        return text, False, False
    body, tail = _body_and_citation(text, citation)
    if tail and len(tail) < limit:
        cut = cut_to_fit(body, limit - len(tail))
        return cut.text + tail, True, cut.mid_sentence
    cut = cut_to_fit(text, limit)
    return cut.text, True, cut.mid_sentence


def limited(row: RowResult, limit: int, text_cell: CellRef | None) -> RowResult:
    """The row with its text cut to ``limit`` characters (``text_cell``: where that text goes)."""
    if not row.text or len(row.text) <= limit:
        return row
    short, _, mid_sentence = shorten(row.text, limit, row.citation)
    comment = row.question.comment_cell
    to_comment = comment is not None and comment != text_cell
    reason = Reason.of(
        ReasonCode.TEXT_CUT_MID_SENTENCE if mid_sentence else ReasonCode.TEXT_CUT,
        limit=limit,
        length=len(row.text),
        where=N_("in the comment column") if to_comment else N_("only in the review list"),
    )
    status = "needs_review" if mid_sentence and row.status == "answered" else row.status
    return replace(
        row,
        status=status,
        text=short,
        full_text=row.text if to_comment else None,
        reasons=(*row.reasons, reason),
    )
