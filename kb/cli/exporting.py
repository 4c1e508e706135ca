"""`kb export json`: the knowledge base out again."""

from __future__ import annotations

import click

from kb.audience import AUDIENCES, DEFAULT_AUDIENCE
from kb.cli.root import KBGroup, cli, json_text, open_db, write_output


@cli.group(name="export", cls=KBGroup)
def export_group() -> None:
    """Export the knowledge base."""


@export_group.command(name="json")
@click.option("-o", "--output", help="Write to FILE instead of stdout.")
@click.option("--no-history", is_flag=True, help="Leave out superseded responses.")
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="Only what this audience may see (a file travels: public unless asked; internal for everything).",
)
@click.pass_context
def export_json(ctx: click.Context, output: str | None, no_history: bool, audience: str) -> None:
    """The KB as JSON, as far as the audience may see it (--audience internal: all of it)."""
    from exporters.json_export import export_kb

    text = json_text(export_kb(open_db(ctx), include_history=not no_history, audience=audience))
    if output:
        write_output(output, text + "\n")
    else:
        click.echo(text)
