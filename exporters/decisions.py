"""The decision workbook (`kb fill --review REVIEW.xlsx`): one row per question of the fill,
where a person picks what goes into the customer's sheet, and `kb apply` reads it back.

Each row offers, in its 判断 (decision) dropdown, the KB's candidates (accept suggestion
1/2/3), the sheet's own options, custom text and skip; 回答文 (answer text) is pre-filled with
the first candidate and may be edited. Hidden key columns hold where each answer goes and
hashes of the question, of the pre-filled text and of the filled workbook, so that apply
refuses a decision workbook that no longer matches the filled workbook.

Labels are in the sheet's answer language (kb's catalogue of it: labels_in); the key headers
are not, so apply reads any.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from exporters.fill import answer_text, citation_line
from exporters.review import LANGUAGE_LABELS, status_labels
from kb.answer import Translation
from kb.i18n import N_, available, translator
from kb.store import question_key

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult
    from kb.answer import Source

MAX_CANDIDATES = 3  # accept suggestion 1/2/3: kb.answer offers up to MAX_SOURCES sources


class Labels(NamedTuple):
    """Everything the workbook says, in one language."""

    sheet: str
    lists_sheet: str
    howto_sheet: str
    headers: tuple[str, ...]  # the visible columns, VISIBLE order
    accept: str  # with {n}
    custom: str
    skip: str
    statuses: dict[str, str]
    foreign: dict[str, str]  # marker of a text not in the sheet's language, by that language
    written_choice: str  # with {choice}
    written_text: str
    nothing_written: str
    error_title: str
    error: str
    howto: tuple[str, ...]


_HOWTO = (
    N_("1. On the Review sheet, pick a Decision for each row from its list. Rows left empty get nothing."),
    N_(
        "2. 'Accept suggestion N' writes that suggestion as it is (option, answer text, source);"
        " only suggestion 1 carries an option, 2 and 3 leave the option cell as it is."
    ),
    N_("3. One of the sheet's options (Yes, No ...) writes that option and the Answer text column."),
    N_("4. 'Custom text' writes only the Answer text column; 'Skip' writes nothing."),
    N_("5. If you edit the answer text, pick an option or 'Custom text', not 'Accept suggestion N'."),
    N_(
        "6. Then: kb apply THIS_FILE --to FILLED.xlsx -o FINAL.xlsx [--approve --owner NAME] [--customer NAME]"
    ),
    N_(
        "Decided answers go into the answer library (approved with --approve) and are offered first next time."
    ),
    N_("The hidden key columns on the right (kb:...) let kb apply check this file: do not change them."),
)


def labels_in(lang: str) -> Labels:
    """The workbook's words in ``lang``: kb's catalogue of that language (English without one)."""
    t = translator(lang)
    return Labels(
        sheet=t.gettext(N_("Review")),
        lists_sheet=t.gettext(N_("Decision lists")),
        howto_sheet=t.gettext(N_("How to")),
        headers=(
            t.gettext("No."),
            t.gettext("Question"),
            t.gettext(N_("Decision")),
            t.gettext(N_("Answer text (editable)")),
            t.pgettext("decision workbook", "Suggested option"),  # the review list says 推奨回答
            t.gettext("Status"),
            t.gettext("Confidence"),
            t.gettext("Why"),
            t.gettext(N_("Suggestion 1")),
            t.gettext(N_("Suggestion 2")),
            t.gettext(N_("Suggestion 3")),
            t.gettext("Sources"),
            t.gettext("Written by kb fill"),
        ),
        accept=t.gettext(N_("Accept suggestion {n}")),
        custom=t.gettext(N_("Custom text")),
        skip=t.gettext(N_("Skip")),
        statuses=status_labels(lang),  # the review list's, which never says 該当なし
        foreign={
            code: t.gettext("[{language}] ").format(language=t.gettext(name))
            for code, name in LANGUAGE_LABELS.items()
        },
        written_choice=t.gettext("option: {choice}"),
        written_text=t.gettext(N_("answer text")),
        nothing_written="—",
        error_title=t.gettext("Decision"),
        error=t.gettext(
            N_("Pick from the list: a suggestion, one of the sheet's options, custom text or skip.")
        ),
        howto=tuple(t.gettext(line) for line in _HOWTO),
    )


# Every language with a catalogue: kb apply reads a decision workbook in any of them.
LABELS: dict[str, Labels] = {lang: labels_in(lang) for lang in available()}

# Hidden key columns after the visible ones, read by kb apply in either language.
KEYS = (
    "kb:sheet",
    "kb:row",
    "kb:answer_cell",
    "kb:text_cell",
    "kb:reference_cell",
    "kb:options",
    # Each suggestion's row on the hidden SUGGESTIONS sheet: a response suggested for many
    # questions is kept there once (the list of a 1,000-row sheet was twice as long otherwise).
    "kb:candidate1",
    "kb:candidate2",
    "kb:candidate3",
    "kb:question_sha256",
    "kb:prefill_sha256",
    "kb:filled_sha256",
)
SUGGESTIONS = "kb_suggestions"  # hidden sheet: one suggestion (Candidate.to_json) a row
DECISION_COL = 3  # 1-based: 判断
ANSWER_TEXT_COL = 4  # 回答文
QUESTION_COL = 2
PRINTED_COLUMNS = 8  # number .. why: what fits A4 landscape at a readable size
# Widest a visible column grows to (a full-width character counts two), so long texts wrap.
MAX_WIDTHS = (12, 50, 18, 50, 12, 14, 8, 30, 50, 40, 40, 36, 20)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def same_text(text: str) -> str:
    """Text as compared for 'was it edited': Excel's line ends and surrounding blanks aside."""
    return text.replace("\r\n", "\n").strip()


class Candidate(NamedTuple):
    """One suggestion a person may accept as it is."""

    choice: str | None  # the sheet's option, where the KB read a stance for it
    text: str  # without its citation line
    citations: tuple[str, ...] = ()
    lang: str = "ja"
    past: str | None = None  # a library answer's label: past approved answer (when, who, for whom)
    # A library answer to another question, found by search: shown, never pre-filled, since
    # an answer is only known to be right for the question it answered.
    other_question: bool = False

    def cell_text(self, with_citation: bool) -> str:
        """What goes into the text cell: with its citation line unless the sheet has a reference column."""
        return answer_text(Translation(self.lang, self.text, self.citations), with_citation=with_citation)

    def citation(self) -> str:
        return citation_line(Translation(self.lang, self.text, self.citations))

    def to_json(self) -> list:
        return [self.choice, self.text, list(self.citations), self.lang, self.past, self.other_question]

    @classmethod
    def from_json(cls, value: list) -> Candidate:
        choice, text, citations, lang, past, other_question = value
        return cls(choice, text, tuple(citations), lang, past, other_question)


@dataclass(frozen=True)
class DecisionRow:
    """One row of the decision workbook: where its answer goes, what is offered, what was decided."""

    sheet: str
    row: int
    number: str
    question: str
    answer_cell: str | None  # A1
    text_cell: str | None
    reference_cell: str | None
    options: tuple[str, ...]  # the sheet's dropdown
    candidates: tuple[Candidate, ...]
    prefill: str  # what 回答文 held when the workbook was written
    decision: str | None = None
    answer_text: str = ""
    question_sha256: str = ""
    prefill_sha256: str = ""
    filled_sha256: str = ""
    line: int = 0  # the row's line in the decision workbook (for messages)

    def choices(self, labels: Labels) -> list[str]:
        """The decision dropdown of this row."""
        out = [labels.accept.format(n=n) for n in range(1, len(self.candidates) + 1)]
        out += [o for o in self.options if self.answer_cell]
        if self.text_cell:
            out.append(labels.custom)
        return [*out, labels.skip]


def _a1(ref) -> str | None:
    return None if ref is None else getattr(ref, "a1", None) or str(ref)


def _text_cell(q) -> str | None:
    return _a1(q.comment_cell if q.options else (q.answer_cell or q.comment_cell))


def _answers_another(src: Source, question: str) -> bool:
    return src.kind == "qa" and question_key(src.title) != question_key(question)


def _past_label(src: Source, lang: str, question: str) -> str | None:
    """The library's label of a past answer, with the question it answered when that is
    another one: the person must see that it was written for a different question."""
    if not src.past:
        return None
    label = src.past.label(lang)
    if _answers_another(src, question):
        label += f"：「{src.title}」への回答" if lang == "ja" else f': answer to "{src.title}"'
    return label


def candidates(r: RowResult, lang: str) -> tuple[Candidate, ...]:
    """The sources of the row's answer as suggestions, in the answer language where the KB
    has that edition (else their own), best first; the first carries the suggested option.
    An identity row's only candidate is the profile value."""
    sources = (r.answer.sources if r.answer else [])[:MAX_CANDIDATES]
    out = []
    for i, src in enumerate(sources):
        edition = src.in_language(lang) or src.in_language(src.lang)
        out.append(
            Candidate(
                r.suggestion.choice if i == 0 else None,
                edition.text.strip(),
                tuple(edition.citations),
                edition.lang,
                _past_label(src, lang, r.question.text),
                _answers_another(src, r.question.text),
            )
        )
    if not out and (r.suggestion.text or r.suggestion.choice):
        out.append(
            Candidate(r.suggestion.choice, r.suggestion.text or "", (), r.suggestion.text_lang or lang)
        )
    return tuple(out)


def _prefill(r: RowResult, cands: tuple[Candidate, ...], lang: str) -> str:
    """回答文 as written: what fill wrote, else the first candidate if it is in the sheet's
    language (one in another language, or a past answer to another question, is shown,
    marked, but choosing an option must not send it), else what a person wrote."""
    q = r.question
    if r.text:
        return r.text
    if cands and cands[0].text and cands[0].lang == lang and not cands[0].other_question:
        return cands[0].cell_text(with_citation=q.reference_cell is None)
    text_cell = _text_cell(q)
    if text_cell and text_cell == _a1(q.comment_cell):
        return q.existing_comment or ""
    return (q.existing_answer or "") if text_cell else ""


def decision_rows(report: FillReport, filled_sha256: str) -> list[DecisionRow]:
    lang = report.summary.answer_lang
    out = []
    for r in report.rows:
        q = r.question
        cands = candidates(r, lang)
        prefill = _prefill(r, cands, lang)
        out.append(
            DecisionRow(
                sheet=q.sheet,
                row=q.row,
                number=q.number or "",
                question=q.text,
                answer_cell=_a1(q.answer_cell),
                text_cell=_text_cell(q),
                reference_cell=_a1(q.reference_cell),
                options=tuple(q.options) if q.answer_cell else (),
                candidates=cands,
                prefill=prefill,
                answer_text=prefill,
                question_sha256=digest(same_text(q.text)),
                prefill_sha256=digest(same_text(prefill)),
                filled_sha256=filled_sha256,
            )
        )
    return out


def _written(r: RowResult, labels: Labels) -> str:
    parts = []
    if r.choice:
        parts.append(labels.written_choice.format(choice=r.choice))
    if r.text:
        parts.append(labels.written_text)
    return "\n".join(parts) or labels.nothing_written


def _candidate_cell(c: Candidate, lang: str, labels: Labels, with_citation: bool) -> str:
    head = f"［{c.past}］\n" if c.past and lang == "ja" else (f"[{c.past}]\n" if c.past else "")
    foreign = labels.foreign.get(c.lang, "") if c.lang != lang else ""
    choice = f"{labels.written_choice.format(choice=c.choice)}\n" if c.choice else ""
    return f"{head}{choice}{foreign}{c.cell_text(with_citation)}"


def _sources_cell(cands: tuple[Candidate, ...]) -> str:
    return "\n".join(f"{i}: {'／'.join(c.citations)}" for i, c in enumerate(cands, 1) if c.citations)


def visible_cells(report: FillReport, rows: list[DecisionRow]) -> list[list]:
    """The visible columns of each row, as LABELS' headers say."""
    lang = report.summary.answer_lang
    labels = LABELS.get(lang, LABELS["en"])
    out = []
    for r, d in zip(report.rows, rows, strict=True):
        cands = [_candidate_cell(c, lang, labels, d.reference_cell is None) for c in d.candidates]
        cands += [""] * (MAX_CANDIDATES - len(cands))
        out.append(
            [
                d.number,
                d.question,
                None,  # the decision: the person's
                d.prefill,
                r.suggestion.choice or "",
                labels.statuses.get(r.status, r.status),
                round(r.answer.confidence, 2) if r.answer else "",
                r.reason_in(lang) or "",
                *cands,
                _sources_cell(d.candidates),
                _written(r, labels),
            ]
        )
    return out


def key_cells(d: DecisionRow, suggestions: dict[str, int]) -> list:
    """The hidden key columns of a row; ``suggestions`` (JSON -> row on the SUGGESTIONS
    sheet) gains the row's suggestions not seen before."""
    refs = [
        suggestions.setdefault(json.dumps(c.to_json(), ensure_ascii=False), len(suggestions) + 1)
        for c in d.candidates
    ]
    return [
        d.sheet,
        d.row,
        d.answer_cell or "",
        d.text_cell or "",
        d.reference_cell or "",
        json.dumps(list(d.options), ensure_ascii=False),
        *refs,
        *[""] * (MAX_CANDIDATES - len(refs)),
        d.question_sha256,
        d.prefill_sha256,
        d.filled_sha256,
    ]


def display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def column_widths(headers: tuple[str, ...], rows: list[list], extra: dict[int, list[str]]) -> list[int]:
    """Each visible column as wide as its longest line, within MAX_WIDTHS (then the text wraps);
    ``extra``: more lines a column must fit (the decision labels)."""
    widths = []
    for i, cap in enumerate(MAX_WIDTHS):
        lines = [line for row in [headers, *rows] for line in str(row[i] or "").split("\n")]
        lines += extra.get(i, [])
        widths.append(min(cap, max(6, *(display_width(line) + 2 for line in lines))))
    return widths


# A wrapped line's height in points at the workbook's default 11 pt font, and the most Excel
# allows a row. Heights are written because neither Excel nor LibreOffice grows a row to its
# wrapped text when opening a file (they do only when the cell is edited): without them every
# row stays one line high and the texts of neighbouring rows are drawn over each other.
LINE_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0


def row_height(cells: list, widths: list[int]) -> float:
    """The height that shows every line of ``cells`` wrapped at ``widths`` (characters)."""
    lines = 1
    for value, width in zip(cells, widths, strict=False):
        room = max(1, width - 1)  # a cell's padding takes about a character
        wrapped = sum(max(1, math.ceil(display_width(line) / room)) for line in str(value or "").split("\n"))
        lines = max(lines, wrapped)
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


# --- reading it back (kb apply) ----------------------------------------------------------


class NotADecisionWorkbook(ValueError):
    """The file is not a decision workbook kb fill wrote (or its header was changed)."""


@dataclass(frozen=True)
class DecisionSheet:
    lang: str
    rows: list[DecisionRow]

    @property
    def labels(self) -> Labels:
        return LABELS[self.lang]


def _str(value) -> str:
    """A cell's value as text: Excel may have made a typed number a number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _row(values: list, line: int, lang: str, suggestions: dict[int, str]) -> DecisionRow:
    n = len(LABELS[lang].headers)
    visible, keys = values[:n], dict(zip(KEYS, values[n : n + len(KEYS)], strict=False))
    try:
        options = tuple(json.loads(keys["kb:options"]))
        cands = tuple(
            Candidate.from_json(json.loads(suggestions[int(keys[f"kb:candidate{n}"])]))
            for n in range(1, MAX_CANDIDATES + 1)
            if keys.get(f"kb:candidate{n}")
        )
        row = int(keys["kb:row"])
    except (KeyError, TypeError, ValueError) as exc:
        raise NotADecisionWorkbook(f"line {line}: the hidden key columns were changed ({exc})") from None
    return DecisionRow(
        sheet=_str(keys["kb:sheet"]),
        row=row,
        number=_str(visible[0]),
        question=_str(visible[QUESTION_COL - 1]),
        answer_cell=_str(keys["kb:answer_cell"]) or None,
        text_cell=_str(keys["kb:text_cell"]) or None,
        reference_cell=_str(keys["kb:reference_cell"]) or None,
        options=options,
        candidates=cands,
        prefill="",  # only its hash is kept
        decision=_str(visible[DECISION_COL - 1]).strip() or None,
        answer_text=_str(visible[ANSWER_TEXT_COL - 1]),
        question_sha256=_str(keys["kb:question_sha256"]),
        prefill_sha256=_str(keys["kb:prefill_sha256"]),
        filled_sha256=_str(keys["kb:filled_sha256"]),
        line=line,
    )


def read_decisions(path) -> DecisionSheet:
    """The rows of a decision workbook, as a person left them (read with the check-sheet
    reader's grid, several times faster than openpyxl on a long list)."""
    from importers.ooxml import Package
    from importers.sheet_grid import WorkbookGrids
    from kb.errors import KBError

    try:
        with Package(path) as package:
            grids = WorkbookGrids(package)
            for lang, labels in LABELS.items():
                sheet = grids.sheet(labels.sheet)
                if sheet is None:
                    continue
                grid = grids.grid(sheet)
                width = len(labels.headers) + len(KEYS)
                header = tuple(grid.text(1, col) for col in range(1, width + 1))
                if header != (*labels.headers, *KEYS):
                    raise NotADecisionWorkbook(f"the header row of sheet {labels.sheet!r} was changed")
                listed = grids.sheet(SUGGESTIONS)
                kept = grids.grid(listed) if listed else None
                suggestions = {r: kept.text(r, 1) for r in range(1, kept.max_row + 1)} if kept else {}
                rows = []
                for line in range(2, grid.max_row + 1):
                    values = [grid.cells.get((line, col)) for col in range(1, width + 1)]
                    if any(values):
                        rows.append(_row([v.text if v else None for v in values], line, lang, suggestions))
                return DecisionSheet(lang, rows)
    except KBError as exc:  # not a workbook, or one past the reader's limits
        raise NotADecisionWorkbook(str(exc)) from None
    raise NotADecisionWorkbook("it has no decision sheet (write one with kb fill --review FILE.xlsx)")
