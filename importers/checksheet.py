"""Read customers' Excel check sheets: the question table on each sheet, row by row.

The jobs are split by module: importers.ooxml opens the package (limits, parts,
A1 references), importers.sheet_grid reads a worksheet into cells, merges and
dropdowns, importers.header_detection finds the header and the columns. This
module turns a detected table into questions (skipping section titles, repeated
headers, computed answers and notes) and is the reader's public entry point:
read_checksheet, and inspect_report for `kb inspect`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from importers.header_detection import (
    Columns,
    Header,
    Overrides,
    detect_header,
    has_sentence_mark,
    is_id_like,
    normalize_label,
)
from importers.ooxml import MAX_COLUMN, MAX_ROW, CellRef, Package, SheetRef, column_index, column_letters
from importers.section_switches import table_switches
from importers.sheet_grid import SheetGrid, WorkbookGrids
from kb.choices import stance_of_option
from kb.errors import KBError
from kb.i18n import _
from kb.stance import is_yes_no_statement

# --- public data ----------------------------------------------------------------


@dataclass
class Question:
    sheet: str
    row: int  # 1-based Excel row
    number: str | None  # "1-1", "A&A-01.1", "COMP-01", "HLAP-01" ...
    text: str
    answer_cell: CellRef | None  # the choice (dropdown) cell if any, else the free-text answer cell
    comment_cell: CellRef | None  # free-text/補足 cell, if a separate column exists
    reference_cell: CellRef | None
    options: list[str]  # dropdown options of answer_cell (empty if none)
    existing_answer: str | None
    existing_comment: str | None
    # Set when the sheet's own qualifier questions switch this row's section off
    # (HECVAT: QUAL-01 = No → the HIPAA section does not apply): kb fill leaves it alone
    # or sets the sheet's N/A option, as SwitchOff says.
    switched_off: SwitchOff | None = None
    # The sheet says this row asks yes or no whatever its wording: its unit / answer-format
    # column reads 有無 or はい/いいえ, or it offers yes and no for a statement ("Data are
    # encrypted at rest."). The answerer then reads a stance (kb.answer.answer's asks_yes_no).
    asks_yes_no: bool = False


class SwitchOff(NamedTuple):
    reason: str  # for the report and the review list: "QUAL-01 = No: HIPAA does not apply"
    set_na: bool  # the sheet's instructions say to answer such rows N/A (else leave them empty)


@dataclass
class SheetTable:
    sheet: str
    header_row: int  # last header row (1-based); 0 if no header row was found
    question_col: str  # letters
    answer_col: str | None
    comment_col: str | None
    reference_col: str | None
    number_col: str | None
    questions: list[Question]


@dataclass(frozen=True)
class SheetReport:
    """What was detected in one table, as `kb inspect` shows it (field order = JSON key order)."""

    sheet: str
    header_row: int
    columns: dict[str, str | None]  # role (number, question, answer, comment, reference) -> letters
    questions: int
    with_options: int  # questions with a dropdown
    answered: int  # questions whose answer cell already holds something
    option_lists: tuple[tuple[str, ...], ...]  # the distinct dropdowns, in order of first use
    switched_off: int = 0  # questions a qualifier answered No switches off
    yes_no_by_sheet: int = 0  # questions the sheet marks as yes/no (Question.asks_yes_no)

    def to_json(self) -> dict:
        return asdict(self)


# --- question rows -----------------------------------------------------------------


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_REPEATED_CHAR = re.compile(r"(.)\1+")


def _id_shape(number: str) -> str:
    """'GNRL-01' -> 'A-9': compare the form of question numbers, not their values."""
    shape = _DIGIT.sub("9", _LETTER.sub("A", number))
    return _REPEATED_CHAR.sub(r"\1", shape)


_SECTION_TITLE = re.compile(
    r"^\s*(第\s*\d+\s*[章節部]|\d+(\.\d+)*[.．、)）]\s*\S|[ivx]+[.)]\s|【)", re.IGNORECASE
)


def _looks_like_section_title(text: str) -> bool:
    return (
        len(text) <= 40
        and not text.rstrip().endswith(("?", "？", "か", "か。"))
        and bool(_SECTION_TITLE.match(text))
    )


def _is_section_row(grid: SheetGrid, row: int, columns: Columns) -> bool:
    """A title spanning the table ('1. 組織的対策' merged across) rather than a question."""
    merge = grid.merge_at(row, columns.question)
    if merge and merge.min_row == merge.max_row:
        others = [c for c in (columns.number, columns.answer, columns.comment) if c is not None]
        if any(merge.min_col <= c <= merge.max_col for c in others):
            return True
    if columns.number is None and _looks_like_section_title(grid.text(row, columns.question)):
        has_input = any(grid.text(row, c) for c in (columns.answer, columns.comment) if c is not None)
        return not has_input and (columns.answer is None or grid.options_at(row, columns.answer) is None)
    return False


def _normalized_header_labels(header: Header, columns: Columns) -> dict[int, str]:
    """Question/answer column -> its normalised header label, worked out once per table."""
    return {
        col: normalize_label(header.labels[col])
        for col in (columns.question, columns.answer)
        if col is not None and header.labels.get(col)
    }


def _repeats_header(grid: SheetGrid, row: int, header_labels: dict[int, str]) -> bool:
    """The header again further down (long tables repeat it per printed page)."""
    for col, label in header_labels.items():
        text = grid.text(row, col)
        if has_sentence_mark(text) and not has_sentence_mark(label):
            continue  # a question, not the header again: no need to normalise it
        if (normalize_label(text) if text else "") == label:
            return True
    return False


def _input_cell(grid: SheetGrid, row: int, col: int | None) -> CellRef | None:
    """Cell reference unless it is hidden inside a merged range (only the top-left cell shows)."""
    if col is None:
        return None
    merge = grid.merge_at(row, col)
    if merge and (merge.min_row, merge.min_col) != (row, col):
        return None
    return CellRef(row, col)


def _candidate_rows(grid: SheetGrid, header: Header, columns: Columns) -> list[int]:
    """Rows below the header, plus rows above it numbered like the table (HECVAT's GNRL-xx block)."""
    below = list(range(header.last_row + 1, grid.max_row + 1))
    if columns.number is None or header.first_row <= 1:
        return below
    numbers_above = {r: grid.text(r, columns.number) for r in range(1, header.first_row)}
    shapes_above = {r: _id_shape(n) for r, n in numbers_above.items() if is_id_like(n)}
    shapes_above = {r: s for r, s in shapes_above.items() if "A" in s}  # plain 1, 2, 3 is too weak
    if not shapes_above:
        return below  # the usual case: no need to work out the shape of every number below
    numbers_below = (grid.text(r, columns.number) for r in below)
    shapes_below = {_id_shape(n) for n in numbers_below if is_id_like(n)}
    return [r for r, shape in shapes_above.items() if shape in shapes_below] + below


def _build_questions(sheet: str, grid: SheetGrid, header: Header, columns: Columns) -> list[Question]:
    questions = []
    header_labels = _normalized_header_labels(header, columns)
    for row in _candidate_rows(grid, header, columns):
        text = grid.text(row, columns.question)
        if not text or not any(ch.isalpha() for ch in text) or text.startswith(("http://", "https://")):
            continue
        if _is_section_row(grid, row, columns) or _repeats_header(grid, row, header_labels):
            continue
        if columns.answer is not None and grid.is_formula(row, columns.answer):
            # Computed elsewhere (HECVAT pulls START HERE answers and analyst views in by
            # VLOOKUP): not answerable here, and writing would destroy the workbook logic.
            continue
        questions.append(_question(sheet, grid, row, text, columns))
    return _drop_unnumbered_notes(questions)


# A unit / answer-format cell saying the item is answered yes or no (有無, はい/いいえ, ○/×, Yes/No).
_YES_NO_UNIT = re.compile(
    r"^\s*(有無|有/無|有・無|あり/なし|あり・なし|はい/いいえ|はい・いいえ|○/×|〇/×|yes/no|y/n|yes or no)\s*$",
    re.IGNORECASE,
)


def _offers_yes_and_no(options: list[str]) -> bool:
    stances = {stance_of_option(option) for option in options}
    return "yes" in stances and "no" in stances


def _asks_yes_no(grid: SheetGrid, row: int, text: str, columns: Columns, options: list[str]) -> bool:
    if columns.format is not None:
        unit = normalize_label(grid.text(row, columns.format)).replace(" ", "")
        if unit and _YES_NO_UNIT.match(unit):
            return True
    return _offers_yes_and_no(options) and is_yes_no_statement(text)


def _question(sheet: str, grid: SheetGrid, row: int, text: str, columns: Columns) -> Question:
    answer_cell = _input_cell(grid, row, columns.answer)
    comment_cell = _input_cell(grid, row, columns.comment)
    options = list((grid.options_at(row, columns.answer) if answer_cell and columns.answer else None) or [])
    return Question(
        sheet=sheet,
        row=row,
        number=(grid.text(row, columns.number) or None) if columns.number else None,
        text=text,
        answer_cell=answer_cell,
        comment_cell=comment_cell,
        reference_cell=_input_cell(grid, row, columns.reference),
        options=options,
        existing_answer=(grid.text(row, columns.answer) or None) if answer_cell and columns.answer else None,
        existing_comment=(grid.text(row, columns.comment) or None)
        if comment_cell and columns.comment
        else None,
        asks_yes_no=_asks_yes_no(grid, row, text, columns, options),
    )


def _drop_unnumbered_notes(questions: list[Question]) -> list[Question]:
    """When (nearly) every question has a number, unnumbered rows are notes/links/footers."""
    numbered = sum(1 for q in questions if q.number)
    if questions and numbered >= 0.9 * len(questions) and numbered >= 5:
        return [q for q in questions if q.number]
    return questions


# --- public API ---------------------------------------------------------------------


def _column_override(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{1,3}", value.strip()) or column_index(value.strip()) > MAX_COLUMN:
        raise KBError(
            _("bad {what} column {value!r}: give column letters such as C").format(what=what, value=value)
        )
    return column_index(value.strip())


class _Read(NamedTuple):
    """A table with what it was read from, for what needs the whole workbook (switches)."""

    table: SheetTable
    sheet: SheetRef
    grid: SheetGrid
    columns: Columns


def _read_table(wb: WorkbookGrids, sheet: SheetRef, overrides: Overrides) -> _Read | None:
    grid = wb.grid(sheet, counted=True)
    wb.resolve_options(sheet, grid)
    found = detect_header(grid, overrides)
    if not found:
        return None
    header, columns = found
    questions = _build_questions(sheet.name, grid, header, columns)
    if not questions:
        return None
    letters = lambda col: column_letters(col) if col is not None else None  # noqa: E731
    table = SheetTable(
        sheet=sheet.name,
        header_row=header.last_row,
        question_col=column_letters(columns.question),
        answer_col=letters(columns.answer),
        comment_col=letters(columns.comment),
        reference_col=letters(columns.reference),
        number_col=letters(columns.number),
        questions=questions,
    )
    return _Read(table, sheet, grid, columns)


def _switch_sections_off(wb: WorkbookGrids, reads: list[_Read]) -> None:
    """Mark the rows that the workbook's own qualifiers, answered No, switch off."""
    answers_by_number = {
        q.number: q.existing_answer
        for read in reads
        for q in read.table.questions
        if q.number and q.existing_answer
    }
    for read in reads:
        switches = table_switches(
            wb, read.sheet, read.grid, read.columns, read.table.questions, answers_by_number
        )
        for question in read.table.questions:
            switch = next((s for s in switches if question.row in s.rows), None)
            if switch is not None:
                question.switched_off = SwitchOff(switch.reason, switch.set_na)


def read_checksheet(
    source: str | Path | Package,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    question_col: str | None = None,
    answer_col: str | None = None,
    comment_col: str | None = None,
) -> list[SheetTable]:
    """Find the question table on every visible worksheet (or only on `sheet`).

    `source` is a file, or a Package already open (kb fill reads and then patches the
    same one), which is left open. Keyword overrides (from the CLI) win over detection.
    Raises KBError for unreadable workbooks and when no question table is found.
    """
    if header_row is not None and not 1 <= header_row <= MAX_ROW:
        raise KBError(
            _("bad header row {header_row}: give a 1-based row number").format(header_row=header_row)
        )
    overrides = Overrides(
        header_row=header_row,
        question=_column_override(question_col, "question"),
        answer=_column_override(answer_col, "answer"),
        comment=_column_override(comment_col, "comment"),
    )
    if isinstance(source, Package):
        tables = _read_tables(source, sheet, overrides)
    else:
        with Package(source) as package:
            tables = _read_tables(package, sheet, overrides)
    return tables


def _read_tables(package: Package, sheet: str | None, overrides: Overrides) -> list[SheetTable]:
    wb = WorkbookGrids(package)
    targets = _target_sheets(wb, sheet)
    reads = [r for r in (_read_table(wb, s, overrides) for s in targets) if r]
    _switch_sections_off(wb, reads)
    tables = [r.table for r in reads]
    if not tables:
        where = _("sheet {sheet!r}").format(sheet=sheet) if sheet else _("any sheet")
        raise KBError(
            _(
                "{name}: no question table found in {where}; "
                "point at it with --sheet, --header-row, --question-col and --answer-col"
            ).format(name=package.name, where=where)
        )
    return tables


def _target_sheets(wb: WorkbookGrids, sheet: str | None) -> list[SheetRef]:
    if sheet is not None:
        chosen = wb.sheet(sheet)
        if chosen is None:
            names = ", ".join(repr(s.name) for s in wb.sheets)
            raise KBError(
                _("{name}: no sheet named {sheet!r} (sheets: {names})").format(
                    name=wb.package.name, sheet=sheet, names=names
                )
            )
        if chosen.kind != "worksheet":
            raise KBError(
                _("{name}: sheet {sheet!r} is a {kind}, not a worksheet").format(
                    name=wb.package.name, sheet=sheet, kind=chosen.kind
                )
            )
        return [chosen]
    # Hidden sheets hold lookup lists and scoring, never the questions to answer.
    return [s for s in wb.sheets if s.kind == "worksheet" and s.state == "visible"]


def inspect_report(tables: list[SheetTable]) -> list[SheetReport]:
    """Per detected table: where it is, which columns were chosen, and what the dropdowns offer."""
    report = []
    for table in tables:
        option_lists: list[tuple[str, ...]] = []
        for question in table.questions:
            options = tuple(question.options)
            if options and options not in option_lists:
                option_lists.append(options)
        report.append(
            SheetReport(
                sheet=table.sheet,
                header_row=table.header_row,
                columns={
                    "number": table.number_col,
                    "question": table.question_col,
                    "answer": table.answer_col,
                    "comment": table.comment_col,
                    "reference": table.reference_col,
                },
                questions=len(table.questions),
                with_options=sum(1 for q in table.questions if q.options),
                answered=sum(1 for q in table.questions if q.existing_answer),
                option_lists=tuple(option_lists),
                switched_off=sum(1 for q in table.questions if q.switched_off),
                yes_no_by_sheet=sum(1 for q in table.questions if q.asks_yes_no),
            )
        )
    return report
