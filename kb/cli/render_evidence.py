"""What `kb evidence` prints for a person."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from kb.evidence_store import Added, EvidenceFile


def text_summary(item: EvidenceFile) -> str:
    if item.text_status == "text":
        return f"{item.pages} page{'s' if item.pages != 1 else ''} of text"
    if item.text_status == "truncated":
        return f"{item.pages} pages of text ({item.text_note})"
    return f"no text ({item.text_note})" if item.text_note else "no text"


def validity(item: EvidenceFile, today: date | None = None) -> str:
    if not item.valid_until:
        return "-"
    today = today or date.today()
    days = (date.fromisoformat(item.valid_until) - today).days
    if days < 0:
        return f"{item.valid_until} EXPIRED"
    return f"{item.valid_until} ({days} days left)"


def render_added(added: list[Added]) -> None:
    for a in added:
        item = a.evidence
        what = "added" if a.status == "added" else "already in the vault"
        links = f"; linked to {', '.join(a.linked)}" if a.linked else ""
        click.echo(f"evidence {item.id}: {item.original_name} {what} — {text_summary(item)}{links}")
    new = sum(1 for a in added if a.status == "added")
    if len(added) > 1:
        click.echo(f"{new} added, {len(added) - new} already in the vault")


def render_listing(files: list[EvidenceFile]) -> None:
    if not files:
        click.echo("no evidence", err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "title", "file", "text", "class", "valid until", "controls")
    for column in table.columns:
        column.overflow = "fold"  # a narrow terminal folds a title, never cuts it to "ISMS クラウドセキュ…"
    for f in files:
        style = "red" if f.expired() else None
        table.add_row(
            str(f.id),
            f.title,
            f.original_name,
            text_summary(f),
            f.classification,
            validity(f),
            ", ".join(f.controls) or "-",
            style=style,
        )
    Console(highlight=False).print(table)


def render_evidence(item: EvidenceFile, pages: list[tuple[int, str]], stored: Path) -> None:
    rows = [
        ("title", item.title),
        ("file", f"{item.original_name} ({item.media_type}, {item.size:,} bytes)"),
        ("sha256", item.sha256),
        ("stored", str(stored)),
        ("added", item.added_at),
        ("owner", item.owner or "-"),
        ("classification", item.classification),
        ("valid from", item.valid_from or "-"),
        ("valid until", validity(item)),
        ("controls", ", ".join(item.controls) or "-"),
        ("text", text_summary(item)),
    ]
    width = max(len(k) for k, _ in rows)
    click.echo(f"evidence {item.id}")
    for key, value in rows:
        click.echo(f"  {key.ljust(width)}  {value}")
    for number, text in pages:
        head = " ".join(text.split())
        click.echo(f"  p.{number}: {head[:120]}{'…' if len(head) > 120 else ''}")
