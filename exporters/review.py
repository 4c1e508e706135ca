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

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult

COLUMNS = (
    "シート",
    "行",
    "番号",
    "質問",
    "状態",
    "確信度",
    "理由",
    "推奨回答",
    "回答文案",
    "記入した内容",
    "候補の回答",
    "出典",
)
# 該当なし is an answer option (N/A) on Japanese sheets: a row the KB has nothing for is
# never labelled with it.
STATUS_LABELS = {
    "answered": "自動回答",
    "needs_review": "要確認",
    "no_match": "回答候補なし",
    "kept": "既存回答を保持",
    "not_applicable": "対象外（設問の条件による）",
}
LANGUAGE_LABELS = {"ja": "日本語", "en": "英語"}


def _written(r: RowResult) -> str:
    parts = []
    if r.choice:
        parts.append(f"選択肢: {r.choice}")
    if r.text:
        parts.append(f"回答文（{LANGUAGE_LABELS.get(r.text_lang or '', r.text_lang or '')}）")
    if r.citation and r.question.reference_cell and (r.choice or r.text):
        parts.append("出典欄")
    return "\n".join(parts) or "—"


def _suggested_text(r: RowResult) -> str:
    s = r.suggestion
    if not s.text:
        return ""
    if s.text_lang and r.text_lang != s.text_lang and s.text_lang in LANGUAGE_LABELS:
        # Not in the customer's language (or not written): say so before the text.
        return f"［{LANGUAGE_LABELS[s.text_lang]}］{s.text}"
    return s.text


def review_rows(rows: list[RowResult]) -> list[list]:
    """Every row of the fill, in sheet order, as the list's cells."""
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
                STATUS_LABELS.get(r.status, r.status),
                round(ans.confidence, 2) if ans else "",
                r.reason or "",
                r.suggestion.choice or "",
                _suggested_text(r),
                _written(r),
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


def _counts_line(rows: list[list]) -> str:
    counts = Counter(row[4] for row in rows)
    return "・".join(f"{label} {counts[label]}" for label in STATUS_LABELS.values() if counts[label])


def _write_html(rows: list[list], path: Path) -> None:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
        for row in rows
    )
    counts = html.escape(_counts_line(rows))
    path.write_text(
        "<!doctype html><meta charset=utf-8><title>確認リスト</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px;vertical-align:top}"
        "th{background:#1f4e78;color:#fff;position:sticky;top:0}</style>"
        f"<h1>確認リスト（{len(rows)} 件）</h1><p>{counts}</p><table><tr>{head}</tr>{body}</table>\n",
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
        raise KBError(f"review file must end in .xlsx or .html: {path}")
    if suffix != ".xlsx":
        table = review_rows(report.rows)
        with atomic_path(path) as tmp:
            _write_html(table, tmp)
        return len(table)
    filled_sha256 = hashlib.sha256(Path(written_at or report.output).read_bytes()).hexdigest()
    with atomic_path(path) as tmp:
        return _write_decisions(report, filled_sha256, tmp)
