"""Qualifier questions that switch a section of the sheet off, read from the sheet itself.

Questionnaires open with qualifiers ("Does your solution process PHI?") whose "No"
makes a whole section optional or not applicable. The workbook says which section
in one of two ways, both read here, neither tied to one template:

* a conditional format over the section's rows whose rule tests the qualifier's
  answer cell against the sheet's No (HECVAT 3.x: `$C$26="No"` over A242:B270,
  "answering No to Qualifiers makes their matched sections optional, highlighted");
* a formula in each row of the section that turns on the qualifier's answer being
  No and then shows a text saying the row does not apply (HECVAT 4.x's guidance:
  `IF($C$19='Auto Responses'!$J$4,'Auto Responses'!$A$7,…)`, J4 = "No", A7 = "Based
  on the response to REQU-05 …, this question does not apply …").

Only the qualifier's existing answer counts (what the vendor's copy already says):
a blank template switches nothing off. The qualifier must be a question of the same
table, its condition cell its answer cell. Its answer is that cell's cached value, or,
when the cell only pulls the answer in from another sheet and no value is cached, the
answer given to the same question number where it is asked directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from importers.header_detection import Columns, classify_header_label, is_id_like
from importers.ooxml import SheetRef, parse_cell_ref, split_sheet_range
from importers.sheet_grid import SheetGrid, WorkbookGrids
from kb.choices import stance_of_option

# A cell reference, with or without a sheet ('Auto Responses'!$J$4), or a string literal.
_OPERAND = r"(?:'(?:[^']|'')+'!|[A-Za-z_][\w.]*!)?\$?[A-Z]{1,3}\$?\d+|\"(?:[^\"]|\"\")*\""
_CELL_EQUALS = re.compile(rf"^\s*\(?\s*(\$?[A-Z]{{1,3}}\$?\d+)\s*=\s*({_OPERAND})\s*\)?\s*$")
_IF_GATE = re.compile(rf"^IF\(\s*(\$?[A-Z]{{1,3}}\$?\d+)\s*=\s*({_OPERAND})\s*,\s*({_OPERAND})\s*[,)]")
# What the row's gated text says: the row does not apply or is not required.
_NOT_APPLICABLE = re.compile(
    r"does not apply|do not apply|not applicable|not required|optional|該当しません|該当しない|対象外|回答不要|不要です",
    re.IGNORECASE,
)
# The sheet tells the respondent to answer such rows N/A (else they are left alone).
_ANSWER_NA = re.compile(
    r"\b(?:answer|select|choose|mark|respond|enter)\w*\b[^.;]{0,30}?[\"“']?\bN/?A\b"
    r"|[「\"“]?(?:該当なし|対象外|N/?A|－|-)[」\"”]?\s*(?:を選択|と回答|を記入|を入力)",
    re.IGNORECASE,
)


_TITLE_TAIL = re.compile(r"\s+[-–—:]\s+|\s*[(（]")


@dataclass
class Gate:
    """Rows of a sheet that the answer in one cell being No switches off."""

    condition: tuple[int, int]  # (row, col) of the qualifier's answer cell
    rows: set[int] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)  # the sheet's own words for those rows


@dataclass(frozen=True)
class Switch:
    """A qualifier answered No and the rows of its table it switches off."""

    number: str | None  # the qualifier's number ("REQU-05"), if the table numbers its rows
    row: int
    answer: str  # as the sheet holds it ("No")
    rows: frozenset[int]
    reason: str  # "REQU-05 = No: the HIPAA Compliance section does not apply"
    set_na: bool  # the sheet's own text for those rows says to answer N/A


def _operand_text(wb: WorkbookGrids, sheet: SheetRef, grid: SheetGrid, operand: str) -> str | None:
    """A literal's text, or the cached value of the cell a reference points at."""
    if operand.startswith('"'):
        return operand[1:-1].replace('""', '"')
    target = split_sheet_range(operand)
    if target is None:
        return None
    sheet_name, ref = target
    cell = parse_cell_ref(ref)
    if cell is None:
        return None
    if sheet_name is None or sheet_name == sheet.name:
        return grid.text(cell.row, cell.col)
    source = wb.sheet(sheet_name)
    if source is None or source.kind != "worksheet" or not wb.package.has(source.part):
        return None
    return wb.grid(source).text(cell.row, cell.col)


def _says_no(text: str | None) -> bool:
    return stance_of_option(text) == "no"


def find_gates(wb: WorkbookGrids, sheet: SheetRef, grid: SheetGrid) -> dict[tuple[int, int], Gate]:
    """Condition cell -> the rows the sheet switches off when that cell says No."""
    gates: dict[tuple[int, int], Gate] = {}

    def gate(ref: str) -> Gate | None:
        cell = parse_cell_ref(ref)
        if cell is None:
            return None
        return gates.setdefault((cell.row, cell.col), Gate((cell.row, cell.col)))

    for fmt in grid.conditional_formats:
        for formula in fmt.formulas:
            m = _CELL_EQUALS.match(formula)
            if m and _says_no(_operand_text(wb, sheet, grid, m.group(2))):
                found = gate(m.group(1))
                if found is not None:
                    for r in fmt.ranges:
                        found.rows.update(range(r.min_row, min(r.max_row, grid.max_row) + 1))
    for (row, _col), formula in grid.if_formulas.items():
        m = _IF_GATE.match(formula)
        if not m or not _says_no(_operand_text(wb, sheet, grid, m.group(2))):
            continue
        message = _operand_text(wb, sheet, grid, m.group(3)) or ""
        if _NOT_APPLICABLE.search(message):
            found = gate(m.group(1))
            if found is not None:
                found.rows.add(row)
                if message not in found.messages:
                    found.messages.append(message)
    return gates


def _section_title(grid: SheetGrid, columns: Columns, first_row: int, question_rows: set[int]) -> str | None:
    """The title row just above a section's first question (HECVAT: 'HIPAA Compliance')."""
    for row in range(first_row - 1, max(first_row - 3, 0), -1):
        if row in question_rows:
            return None
        for col in (columns.number, columns.question):
            text = grid.text(row, col) if col is not None else ""
            # An id (the qualifier asked again above its section) is no title.
            if text and len(text) <= 80 and not is_id_like(text) and not classify_header_label(text):
                # 'HIPAA - Optional based on QUALIFIER response.' -> 'HIPAA'
                return _TITLE_TAIL.split(text.strip(), maxsplit=1)[0].strip() or None
    return None


def _reason(number: str | None, row: int, answer: str, title: str | None, ids: list[str]) -> str:
    who = number or f"row {row}"
    if title:
        what = f"the {title} section does not apply"
    elif ids:
        what = f"{ids[0]}–{ids[-1]} do not apply" if len(ids) > 1 else f"{ids[0]} does not apply"
    else:
        what = "its section does not apply"
    return f"{who} = {answer}: {what}"


def table_switches(
    wb: WorkbookGrids,
    sheet: SheetRef,
    grid: SheetGrid,
    columns: Columns,
    questions: list,
    answers_by_number: dict[str, str],
) -> list[Switch]:
    """The qualifiers of one table that its sheet ties to rows and that are answered No.

    ``questions``: the table's importers.checksheet.Question rows; ``answers_by_number``:
    answers given directly to numbered questions anywhere in the workbook."""
    if columns.answer is None:
        return []
    gates = find_gates(wb, sheet, grid)
    if not gates:
        return []
    by_row = {q.row: q for q in questions}
    switches = []
    for (row, col), found in sorted(gates.items()):
        if col != columns.answer:
            continue  # a scoring or crosswalk cell, not a question's answer
        number = (grid.text(row, columns.number) or None) if columns.number is not None else None
        if not (number or grid.text(row, columns.question)):
            continue
        answer = grid.text(row, col) or (answers_by_number.get(number, "") if number else "")
        if not _says_no(answer):
            continue  # Yes, or a blank template: nothing is switched off
        rows = {r for r in found.rows if r != row and r in by_row}
        if not rows:
            continue
        ids = [by_row[r].number for r in sorted(rows) if by_row[r].number]
        title = _section_title(grid, columns, min(rows), set(by_row))
        set_na = any(_ANSWER_NA.search(m) for m in found.messages)
        reason = _reason(number, row, answer, title, ids)
        switches.append(Switch(number, row, answer, frozenset(rows), reason, set_na))
    return switches
