"""`kb backup` and `kb restore`: a copy of the KB made and put back while it is in use (kb.backup)."""

from __future__ import annotations

import click

from kb.cli.root import cli, open_db


@cli.command()
@click.argument("file")
@click.pass_context
def backup(ctx: click.Context, file: str) -> None:
    """Write a consistent copy of the KB to FILE (SQLite's online backup: other kb commands may run meanwhile)."""
    from kb.backup import backup as backup_kb

    copy = backup_kb(open_db(ctx), file)
    click.echo(f"backed up {copy.documents} documents (schema version {copy.schema_version}) to {copy.path}")


@cli.command()
@click.argument("file")
@click.pass_context
def restore(ctx: click.Context, file: str) -> None:
    """Replace the KB with the backup FILE, checked first, in one transaction."""
    from kb.backup import check_kb_file
    from kb.backup import restore as restore_kb

    check_kb_file(file)  # before open_db, which would create an empty KB for a bad FILE
    restored = restore_kb(open_db(ctx, create=True), file)
    click.echo(
        f"restored {restored.documents} documents from {restored.path} (schema version {restored.schema_version})"
    )
