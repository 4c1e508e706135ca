"""`kb glossary list|add|remove`: the synonym groups that expand queries."""

from __future__ import annotations

import click

from kb.cli.root import KBGroup, cli, open_db
from kb.i18n import _


@cli.group(name="glossary", cls=KBGroup)
def glossary_group() -> None:
    """The bilingual glossary that expands queries (shipped groups + your own)."""


@glossary_group.command(name="list")
@click.option("--shipped", is_flag=True, help="Also list the groups shipped with kb.")
@click.pass_context
def glossary_list(ctx, shipped: bool) -> None:
    """List your glossary groups (id, terms)."""
    from kb import glossary

    if shipped:
        for terms in glossary.shipped_groups():
            click.echo("-\t" + "\t".join(terms))
    own = glossary.user_groups(open_db(ctx))
    for gid, terms in own:
        click.echo(f"{gid}\t" + "\t".join(terms))
    if not own:  # on stderr, as profile list says so: the lines piped stay the groups
        click.echo(
            _("no glossary groups of your own; kb glossary add TERM TERM... adds one")
            if shipped
            else _(
                "no glossary groups of your own; kb glossary add TERM TERM... adds one,"
                " --shipped lists those shipped with kb"
            ),
            err=True,
        )


@glossary_group.command(name="add")
@click.argument("terms", nargs=-1, required=True)
@click.pass_context
def glossary_add(ctx, terms: tuple[str, ...]) -> None:
    """Add a synonym group: kb glossary add "data residency" 保存場所 所在地"""
    from kb import glossary

    gid = glossary.add_group(open_db(ctx, create=True), list(terms))
    click.echo(_("added glossary group {gid}").format(gid=gid))


@glossary_group.command(name="remove")
@click.argument("group_id", type=int)
@click.pass_context
def glossary_remove(ctx, group_id: int) -> None:
    """Remove one of your glossary groups by id."""
    from kb import glossary

    glossary.remove_group(open_db(ctx), group_id)
    click.echo(_("removed glossary group {group_id}").format(group_id=group_id))
