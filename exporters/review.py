"""The review list a salesperson works through after `kb fill` (.xlsx or .html).

It holds every row of the fill, auto-answered ones included: what was decided,
why (the rule or threshold), what the KB suggests in the sheet's own words and
what was written, so nothing reaches a customer without a reason a person can see.
"""

from __future__ import annotations

import html
import unicodedata
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
# Widest a column grows to (characters; a full-width character counts two), so long texts wrap.
MAX_WIDTHS = (16, 6, 12, 50, 16, 8, 36, 12, 60, 24, 60, 40)
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


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def column_widths(rows: list[list]) -> list[int]:
    """Each column as wide as its longest line, within MAX_WIDTHS (then the text wraps)."""
    widths = []
    for i, cap in enumerate(MAX_WIDTHS):
        lines = [line for row in [COLUMNS, *rows] for line in str(row[i]).split("\n")]
        widths.append(min(cap, max(4, *(_display_width(line) + 2 for line in lines))))
    return widths


def _write_xlsx(rows: list[list], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "確認リスト"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    for row in rows:
        # Strings that look like formulas must stay text in our own file too.
        ws.append([f"'{v}" if isinstance(v, str) and v.startswith("=") else v for v in row])
    for i, width in enumerate(column_widths(rows), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions  # filter by status or reason
    wb.save(path)


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


def write_review(report: FillReport, path: str | Path) -> int:
    """Write the review list of a fill atomically; returns the number of rows in it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".html", ".htm"):
        raise KBError(f"review file must end in .xlsx or .html: {path}")
    table = review_rows(report.rows)
    with atomic_path(path) as tmp:
        (_write_xlsx if suffix == ".xlsx" else _write_html)(table, tmp)
    return len(table)
