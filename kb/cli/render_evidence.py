"""What `kb evidence` prints for a person."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from kb.evidence_store import Added, EvidenceFile


def _note(item: EvidenceFile) -> str:
    """The file's extraction note (stored in English) in the user's language."""
    from evidence.extract import note_text

    return note_text(item.text_note)


def text_summary(item: EvidenceFile) -> str:
    if item.text_status == "text":
        return ngettext("{n} page of text", "{n} pages of text", item.pages).format(n=item.pages)
    if item.text_status == "truncated":
        return _("{n} pages of text ({note})").format(n=item.pages, note=_note(item))
    return _("no text ({note})").format(note=_note(item)) if item.text_note else _("no text")


def validity(item: EvidenceFile, today: date | None = None) -> str:
    if not item.valid_until:
        return "-"
    today = today or date.today()
    days = (date.fromisoformat(item.valid_until) - today).days
    if days < 0:
        return _("{date} EXPIRED").format(date=item.valid_until)
    return _("{date} ({days} days left)").format(date=item.valid_until, days=days)


def render_added(added: list[Added]) -> None:
    for a in added:
        item = a.evidence
        line = (
            _("evidence {id}: {file} added — {text}{links}")
            if a.status == "added"
            else _("evidence {id}: {file} already in the vault — {text}{links}")
        )
        links = _("; linked to {controls}").format(controls=", ".join(a.linked)) if a.linked else ""
        click.echo(line.format(id=item.id, file=item.original_name, text=text_summary(item), links=links))
    new = sum(1 for a in added if a.status == "added")
    if len(added) > 1:
        click.echo(
            _("{added} added, {already} already in the vault").format(added=new, already=len(added) - new)
        )


def render_listing(files: list[EvidenceFile]) -> None:
    if not files:
        click.echo(_("no evidence"), err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        pgettext("evidence", "id"),
        pgettext("evidence", "title"),
        pgettext("evidence", "file"),
        pgettext("evidence", "text"),
        pgettext("evidence", "class"),
        pgettext("evidence", "valid until"),
        pgettext("evidence", "controls"),
    )
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
    from kb.cli.translation import cells

    rows = [
        (pgettext("evidence", "title"), item.title),
        (
            pgettext("evidence", "file"),
            _("{file} ({media_type}, {size:,} bytes)").format(
                file=item.original_name, media_type=item.media_type, size=item.size
            ),
        ),
        ("sha256", item.sha256),
        (pgettext("evidence", "stored"), str(stored)),
        (pgettext("evidence", "added"), item.added_at),
        (pgettext("evidence", "owner"), item.owner or "-"),
        (pgettext("evidence", "classification"), item.classification),
        (pgettext("evidence", "valid from"), item.valid_from or "-"),
        (pgettext("evidence", "valid until"), validity(item)),
        (pgettext("evidence", "controls"), ", ".join(item.controls) or "-"),
        (pgettext("evidence", "text"), text_summary(item)),
    ]
    width = max(cells(k) for k, _value in rows)  # a Japanese label takes two cells a character
    click.echo(_("evidence {id}").format(id=item.id))
    for key, value in rows:
        click.echo(f"  {key}{' ' * (width - cells(key))}  {value}")
    for number, text in pages:
        head = " ".join(text.split())
        click.echo(f"  p.{number}: {head[:120]}{'…' if len(head) > 120 else ''}")
