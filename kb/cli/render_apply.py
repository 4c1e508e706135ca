"""What `kb apply` prints: what was written where, and what the library recorded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from exporters.apply import ApplyPlan
    from kb.library import Decisions, Recorded

_KINDS = (("accept", "suggestions accepted"), ("option", "options chosen"), ("custom", "custom texts"))


def render_apply(
    review: Path,
    dst: Path,
    plan: ApplyPlan,
    cells: int,
    changed: list[str],
    recorded: Recorded | None,
    decisions: Decisions,
) -> None:
    counts = plan.counts
    kinds = ", ".join(f"{counts[k]} {label}" for k, label in _KINDS if counts[k]) or "none"
    click.echo(f"{review} → {dst}")
    click.echo(
        f"  {len(plan.writes)} decisions written ({kinds}); {plan.skipped} skipped, {plan.undecided} undecided"
    )
    click.echo(
        f"  {cells} cells written in {', '.join(changed) or 'no part'}; every other part copied as it was"
    )
    if recorded is None:
        click.echo("  answer library: nothing decided, nothing recorded")
        return
    status = "approved" if decisions.approved else "drafts (approve with --approve --owner NAME)"
    who = f" by {decisions.decided_by}" if decisions.decided_by else ""
    if recorded.status == "unchanged":
        click.echo(f"  answer library: this decision workbook was recorded before; nothing new{who}")
    else:
        click.echo(
            f"  answer library: {recorded.answers} answers recorded as {status}{who}"
            f" (classification {recorded.classification})"
        )
