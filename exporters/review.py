"""The review list a salesperson works through after `kb fill`: .xlsx is the decision
workbook `kb apply` reads back (exporters.decisions), .html a read-only list.

It holds every row of the fill, auto-answered ones included: what was decided,
why (the rule or threshold), what the KB suggests in the sheet's own words and
what was written, so nothing reaches a customer without a reason a person can see.
"""

from __future__ import annotations

import hashlib
import html
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import KBError
from kb.files import atomic_path
from kb.i18n import N_, _, translator

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult

# The list is in the language of the sheet it reviews (as the decision workbook), every label
# and reason: English msgids of kb's catalogue, read with kb.i18n.translator(the sheet's language).
COLUMN_NAMES = (
    N_("Sheet"),
    N_("Row"),
    N_("No."),
    N_("Question"),
    N_("Status"),
    N_("Confidence"),
    N_("Why"),
    N_("Suggested option"),
    N_("Suggested text"),
    N_("Written by kb fill"),
    N_("Candidate answers"),
    N_("Sources"),
)
# 該当なし is an answer option (N/A) on Japanese sheets: a row the KB has nothing for is
# never labelled with it (the Japanese catalogue says 回答候補なし).
STATUSES = {
    "answered": N_("Answered automatically"),
    "needs_review": N_("Needs review"),
    "no_match": N_("No suggestion"),
    "kept": N_("Kept (already answered)"),
    "not_applicable": N_("Not applicable (switched off)"),
}
LANGUAGE_LABELS = {"ja": N_("Japanese"), "en": N_("English")}


def columns(lang: str) -> tuple[str, ...]:
    t = translator(lang)
    return tuple(t.gettext(c) for c in COLUMN_NAMES)


def status_labels(lang: str) -> dict[str, str]:
    t = translator(lang)
    return {status: t.gettext(label) for status, label in STATUSES.items()}


COLUMNS = columns("ja")
STATUS_LABELS = status_labels("ja")


def _written(r: RowResult, lang: str) -> str:
    t = translator(lang)
    parts = []
    if r.choice:
        parts.append(t.gettext("option: {choice}").format(choice=r.choice))
    if r.text:
        language = t.gettext(LANGUAGE_LABELS.get(r.text_lang or "", r.text_lang or ""))
        parts.append(t.gettext("answer text ({language})").format(language=language))
    if r.citation and r.question.reference_cell and (r.choice or r.text):
        parts.append(t.gettext("source column"))
    return "\n".join(parts) or "—"


def _suggested_text(r: RowResult, lang: str) -> str:
    s = r.suggestion
    if not s.text:
        return ""
    if s.text_lang and r.text_lang != s.text_lang and s.text_lang in LANGUAGE_LABELS:
        # Not in the customer's language (or not written): say so before the text.
        t = translator(lang)
        marker = t.gettext("[{language}] ").format(language=t.gettext(LANGUAGE_LABELS[s.text_lang]))
        return f"{marker}{s.text}"
    return s.text


def review_rows(rows: list[RowResult], lang: str) -> list[list]:
    """Every row of the fill, in sheet order, as the list's cells, labelled in ``lang``."""
    labels = status_labels(lang)
    out = []
    for r in rows:
        q, ans = r.question, r.answer
        sources = ans.sources if ans else []
        out.append(
            [
                q.sheet,
                q.row,
                q.number or "",
                q.text,
                labels.get(r.status, r.status),
                round(ans.confidence, 2) if ans else "",
                r.reason_in(lang) or "",
                r.suggestion.choice or "",
                _suggested_text(r, lang),
                _written(r, lang),
                "\n\n".join(f"[{s.title}] {s.text}" for s in sources),
                "\n".join(
                    f"{s.title}: {'／'.join(s.citations)}" if s.citations else s.title for s in sources
                ),
            ]
        )
    return out


def _text(cell, value) -> None:
    """A string is text in our own file too, even one that looks like a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _write_decisions(report: FillReport, filled_sha256: str, path: Path) -> int:
    """The decision workbook (exporters.decisions): a row per question, a decision dropdown,
    the editable answer text, hidden key columns; frozen header, wrapped text, A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from exporters import decisions as dz

    labels = dz.LABELS.get(report.summary.answer_lang, dz.LABELS["en"])
    rows = dz.decision_rows(report, filled_sha256)
    visible = dz.visible_cells(report, rows)
    wb = Workbook()
    ws = wb.active
    ws.title = labels.sheet
    headers = (*labels.headers, *dz.KEYS)
    ws.append(headers)
    wrap = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        cell.alignment = wrap
    editable = PatternFill("solid", fgColor="FFF2CC")  # where the person types
    suggestions: dict[str, int] = {}
    for line, (cells, d) in enumerate(zip(visible, rows, strict=True), start=2):
        for col, value in enumerate([*cells, *dz.key_cells(d, suggestions)], start=1):
            cell = ws.cell(line, col)
            _text(cell, value)
            cell.alignment = wrap
        ws.cell(line, dz.DECISION_COL).fill = editable
        ws.cell(line, dz.ANSWER_TEXT_COL).fill = editable
    # One dropdown per distinct list, its items on a hidden sheet: an item may hold a comma
    # (which a literal list cannot) and a literal list is limited to 255 characters.
    lists = wb.create_sheet(labels.lists_sheet)
    lists.sheet_state = "hidden"
    validations: dict[tuple[str, ...], DataValidation] = {}
    for line, d in enumerate(rows, start=2):
        items = tuple(d.choices(labels))
        if items not in validations:
            col = get_column_letter(len(validations) + 1)
            for i, item in enumerate(items, start=1):
                _text(lists[f"{col}{i}"], item)
            dv = DataValidation(
                type="list",
                formula1=f"'{labels.lists_sheet}'!${col}$1:${col}${len(items)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=labels.error_title,
                error=labels.error,
            )
            ws.add_data_validation(dv)
            validations[items] = dv
        validations[items].add(ws.cell(line, dz.DECISION_COL))
    all_labels = [item for items in validations for item in items]
    widths = dz.column_widths(labels.headers, visible, {dz.DECISION_COL - 1: all_labels})
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    # As high as the printed columns need: longer texts further right (the other candidates,
    # the sources) stay wrapped inside their cells rather than making every row a page tall.
    printed = widths[: dz.PRINTED_COLUMNS]
    for line, cells in enumerate([labels.headers, *visible], start=1):
        ws.row_dimensions[line].height = dz.row_height(list(cells)[: dz.PRINTED_COLUMNS], printed)
    for i in range(len(labels.headers) + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].hidden = True
    ws.freeze_panes = ws.cell(2, dz.DECISION_COL)  # the header, and number and question beside
    ws.auto_filter.ref = f"A1:{get_column_letter(len(labels.headers))}{len(rows) + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(dz.PRINTED_COLUMNS)}{len(rows) + 1}"
    kept = wb.create_sheet(dz.SUGGESTIONS)
    kept.sheet_state = "hidden"
    for text in suggestions:  # in order of their row numbers
        kept.append([text])
    howto = wb.create_sheet(labels.howto_sheet)
    for line in labels.howto:
        howto.append([line])
    howto.column_dimensions["A"].width = 110
    wb.save(path)
    return len(rows)


def _counts_line(rows: list[list], lang: str) -> str:
    counts = Counter(row[4] for row in rows)
    separator = "・" if lang == "ja" else " · "
    return separator.join(
        f"{label} {counts[label]}" for label in status_labels(lang).values() if counts[label]
    )


def _write_html(rows: list[list], path: Path, lang: str) -> None:
    t = translator(lang)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns(lang))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
        for row in rows
    )
    counts = html.escape(_counts_line(rows, lang))
    title = html.escape(t.gettext("Review list"))
    heading = html.escape(t.gettext("Review list ({n} rows)").format(n=len(rows)))
    path.write_text(
        f"<!doctype html><html lang={lang}><meta charset=utf-8><title>{title}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px;vertical-align:top}"
        "th{background:#1f4e78;color:#fff;position:sticky;top:0}</style>"
        f"<h1>{heading}</h1><p>{counts}</p><table><tr>{head}</tr>{body}</table>\n",
        encoding="utf-8",
    )


def write_review(report: FillReport, path: str | Path, *, written_at: Path | None = None) -> int:
    """Write the review list of a fill atomically; returns the number of rows in it.

    .xlsx is the decision workbook `kb apply` reads back, bound to the filled workbook's
    bytes by their sha256: those at ``written_at`` (kb fill's staged output), else at
    report.output. .html is a read-only list.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".html", ".htm"):
        raise KBError(_("review file must end in .xlsx or .html: {path}").format(path=path))
    if suffix != ".xlsx":
        lang = report.summary.answer_lang
        table = review_rows(report.rows, lang)
        with atomic_path(path) as tmp:
            _write_html(table, tmp, lang)
        return len(table)
    filled_sha256 = hashlib.sha256(Path(written_at or report.output).read_bytes()).hexdigest()
    with atomic_path(path) as tmp:
        return _write_decisions(report, filled_sha256, tmp)
