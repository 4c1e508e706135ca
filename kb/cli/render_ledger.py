"""What `kb log` and `kb ledger` print for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from kb.audit import Entry


def _short(sha256: str | None) -> str:
    return sha256[:12] if sha256 else "-"


def render_log(entries: list[Entry]) -> None:
    """One line an entry: id, time, actor, action, target, before -> after, detail."""
    if not entries:
        click.echo("the audit log is empty")
        return
    for e in entries:
        target = f"{e.target_kind} {e.target_id}" if e.target_id is not None else e.target_kind
        change = f"{_short(e.before_sha256)} -> {_short(e.after_sha256)}"
        detail = f"  {e.detail}" if e.detail else ""
        click.echo(f"{e.id}\t{e.at[:19]}Z\t{e.actor}\t{e.action}\t{target}\t{change}{detail}")
