"""`kb show`: one control's response, citations and history for a terminal."""

from __future__ import annotations

import json

import click

from kb import store
from kb.db import Database


def _revisions_touching(db: Database, document_id: int, control_id: str) -> list[dict]:
    rows = db.execute(
        "SELECT version, date, changed, note FROM revisions WHERE document_id = ? ORDER BY date, id",
        [document_id],
    )
    out = []
    for version, date, changed, note in rows:
        ids = json.loads(changed)
        if control_id in ids or not ids:  # a first edition touches everything
            out.append({"version": version, "date": date, "note": note})
    return out


def render_control(db: Database, control_id: str) -> bool:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    rows = store.responses_for_control(db, control_id)
    if not rows:
        return False
    console = Console()
    current = [r for r in rows if r["is_current"]]
    history = [r for r in rows if not r["is_current"]]
    for row in current or rows[:1]:
        cites = store.citations(db, row["id"])
        lines = [row["text"], ""]
        meta = f"{row['document']}" + (f" ({row['document_version']} 版)" if row["document_version"] else "")
        lines.append(f"出典: {meta}" + (f" / サービス: {row['service']}" if row["service"] else ""))
        for ref in cites["clause_refs"]:
            lines.append(f"約款: {ref['document']} 第{ref['article']}条（{ref['title']}）")
        for name in cites["doc_refs"]:
            lines.append(f"参照: {name}")
        title = f"{row['control_id']} {row['title']}" + (
            f"  [{row['framework']}]" if row["framework"] else ""
        )
        console.print(Panel("\n".join(lines), title=title, title_align="left"))
        revs = _revisions_touching(db, row["document_id"], control_id)
        if revs:
            table = Table("版", "日付", "変更内容", title="改訂履歴", title_justify="left")
            for rev in revs:
                table.add_row(rev["version"], rev["date"], rev["note"])
            console.print(table)
    for row in history:
        console.print(
            Panel(
                row["text"], title=f"以前の版: {row['document']} {row['document_version'] or ''}", style="dim"
            )
        )
    return True


_STATUS_STYLE = {"answered": "green", "needs_review": "yellow", "no_match": "red", "kept": "cyan"}


def render_answer(answer) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    style = _STATUS_STYLE.get(answer.status, "white")
    stance = f" · {answer.stance}" if answer.stance else ""
    console.print(f"[bold]Q:[/bold] {answer.question}")
    console.print(f"   [{style}]{answer.status}[/{style}] · confidence {answer.confidence:.2f}{stance}")
    for src in answer.sources:
        console.print(f"   [bold]{src.title}[/bold] [dim]({src.kind}, {src.score:.3f})[/dim]")
        console.print(f"     {src.text}")
        for label in src.citations:
            console.print(f"     [dim]出典: {label}[/dim]")
    console.print()


def render_eval(metrics: dict, failures: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table("metric", "value", title="kb eval", title_justify="left")
    for key, value in metrics.items():
        shown = "-" if value is None else (f"{value:.1%}" if isinstance(value, float) else str(value))
        table.add_row(key, shown)
    console.print(table)
    if failures:
        fail = Table("id", "question", "gold", "got", "status", "conf", "stance (gold/got)", title="misses")
        for f in failures:
            fail.add_row(
                str(f["id"]),
                f["question"],
                ",".join(f["gold"]) or "[]",
                ",".join(map(str, f["got"])),
                f["status"],
                f"{f['confidence']:.2f}",
                f"{f['stance'][0]}/{f['stance'][1]}",
            )
        console.print(fail)


def render_inspect(file: str, report: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table("sheet", "header row", "columns", "options", "questions", title=file, title_justify="left")
    for item in report:
        cols = ", ".join(f"{k}={v}" for k, v in item.get("columns", {}).items() if v)
        opts = " | ".join("/".join(o) for o in item.get("options", [])) or "-"
        table.add_row(str(item["sheet"]), str(item["header_row"]), cols, opts, str(item["questions"]))
    console.print(table)


def render_fill_summary(report: dict) -> None:
    """Counts per status, and where the output went.

    Plain click output, not a rich table: five numbers do not need one, and
    importing rich costs ~25 ms of every fill.
    """
    s = report["summary"]
    click.echo(f"{report['input']} → {report['output']}")
    rows = [
        ("answered", "answered"),
        ("needs_review", "needs review"),
        ("no_match", "no match"),
        ("kept", "kept (already answered)"),
        (None, "total"),
    ]
    width = max(len(label) for _, label in rows)
    click.echo(f"  {'status'.ljust(width)}  {'questions':>9}")
    click.echo(f"  {'-' * width}  {'-' * 9}")
    for key, label in rows:
        count = s[key] if key else s["questions"]
        styled = click.style(label.ljust(width), fg=_STATUS_STYLE.get(key), bold=key is None or None)
        click.echo(f"  {styled}  {count:>9}")
    click.echo(f"{s['cells_written']} cells written in {', '.join(s['sheets'])}; output: {report['output']}")
    if report.get("review"):
        click.echo(f"review list ({s.get('review_rows', 0)} rows): {report['review']}")
