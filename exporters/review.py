"""The review list a salesperson works through after `kb fill` (.xlsx or .html)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import KBError
from kb.files import atomic_path

if TYPE_CHECKING:
    from exporters.fill import FillReport, RowResult

COLUMNS = ("シート", "行", "番号", "質問", "状態", "確信度", "推奨回答", "候補の回答", "出典")
STATUS_JA = {"needs_review": "要確認", "no_match": "該当なし（KBに回答なし）"}


def review_rows(rows: list[RowResult]) -> list[list]:
    """The rows a person must decide (needs review, no match), as the list's cells."""
    out = []
    for r in rows:
        if r.status not in ("needs_review", "no_match"):
            continue
        q, ans = r.question, r.answer
        sources = ans.sources if ans else []
        out.append(
            [
                q.sheet,
                q.row,
                q.number or "",
                q.text,
                STATUS_JA.get(r.status, r.status) + (f"（{r.reason}）" if r.reason else ""),
                round(ans.confidence, 2) if ans else "",
                (ans.stance or "") if ans else "",
                "\n\n".join(f"[{s.title}] {s.text}" for s in sources),
                "\n".join(label for s in sources for label in s.citations),
            ]
        )
    return out


def _write_xlsx(rows: list[list], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "要確認"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    for row in rows:
        # Strings that look like formulas must stay text in our own file too.
        ws.append([f"'{v}" if isinstance(v, str) and v.startswith("=") else v for v in row])
    for letter, width in zip("ABCDEFGHI", (14, 6, 10, 50, 22, 8, 10, 70, 40), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.save(path)


def _write_html(rows: list[list], path: Path) -> None:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
        for row in rows
    )
    path.write_text(
        "<!doctype html><meta charset=utf-8><title>要確認リスト</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px;vertical-align:top}th{background:#1f4e78;color:#fff}</style>"
        f"<h1>要確認リスト（{len(rows)} 件）</h1><table><tr>{head}</tr>{body}</table>\n",
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
