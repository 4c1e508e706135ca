"""What `kb apply` prints: what was written where, and what the library recorded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.i18n import N_, _

if TYPE_CHECKING:
    from exporters.apply import ApplyPlan
    from kb.library import Decisions, Recorded

_KINDS = (
    ("accept", N_("{n} suggestions accepted")),
    ("option", N_("{n} options chosen")),
    ("custom", N_("{n} custom texts")),
)


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
    separator = _(", ")  # between the items of a list: 、 in Japanese
    kinds = separator.join(_(label).format(n=counts[k]) for k, label in _KINDS if counts[k]) or _("none")
    click.echo(f"{review} → {dst}")
    click.echo(
        _("  {n} decisions written ({kinds}); {skipped} skipped, {undecided} undecided").format(
            n=len(plan.writes), kinds=kinds, skipped=plan.skipped, undecided=plan.undecided
        )
    )
    click.echo(
        _("  {cells} cells written in {parts}; every other part copied as it was").format(
            cells=cells, parts=", ".join(changed) or _("no part")
        )
    )
    if recorded is None:
        click.echo(_("  answer library: nothing decided, nothing recorded"))
        return
    status = _("approved") if decisions.approved else _("drafts (approve with --approve --owner NAME)")
    who = _(" by {name}").format(name=decisions.decided_by) if decisions.decided_by else ""
    if recorded.status == "unchanged":
        click.echo(
            _("  answer library: this decision workbook was recorded before; nothing new{who}").format(
                who=who
            )
        )
    else:
        click.echo(
            _(
                "  answer library: {n} answers recorded as {status}{who} (classification {classification})"
            ).format(n=recorded.answers, status=status, who=who, classification=recorded.classification)
        )
