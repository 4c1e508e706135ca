"""`kb backup` and `kb restore`: a copy of the KB made and put back while it is in use (kb.backup),
with the evidence files its rows name (the vault beside the database, evidence.vault): a
backup without them would restore a KB whose evidence cannot be downloaded or verified."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.root import cli, open_db
from kb.i18n import _


def _evidence_digests(path: Path) -> list[str]:
    """The sha256 of every evidence file the KB file at ``path`` holds a row for."""
    from kb.db import read_only_uri, sqlite_connect

    conn = sqlite_connect(read_only_uri(path), uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'evidence_files'").fetchone():
            return []  # a KB from before the vault
        return [digest for (digest,) in conn.execute("SELECT sha256 FROM evidence_files ORDER BY id")]
    finally:
        conn.close()


def _missing_line(missing: list[str], where: Path) -> str:
    return _("{n} evidence files are in neither vault (e.g. {sha}…, see kb evidence verify): {where}").format(
        n=len(missing), sha=missing[0][:12], where=where
    )


@cli.command()
@click.argument("file")
@click.pass_context
def backup(ctx: click.Context, file: str) -> None:
    """Write a consistent copy of the KB to FILE (SQLite's online backup: other kb commands may run
    meanwhile), and its evidence files to FILE.vault/."""
    from evidence.vault import copy_files, vault_beside
    from kb import audit_events
    from kb.backup import backup as backup_kb

    db = open_db(ctx)
    copy = backup_kb(db, file)
    if audit_events.backed_up(db, copy.path) is None and db.read_only is None:  # in the KB, not the copy
        click.echo(_("kb: warning: this backup is not in the audit log: another kb was writing"), err=True)
    files = copy_files(
        _evidence_digests(copy.path), vault_beside(ctx.obj["db_path"]), vault_beside(copy.path)
    )
    click.echo(
        _("backed up {documents} documents (schema version {schema_version}) to {path}").format(
            documents=copy.documents, schema_version=copy.schema_version, path=copy.path
        )
    )
    if files.written or files.present:
        click.echo(
            _("evidence files: {written} copied, {present} there already, in {vault}").format(
                written=files.written, present=files.present, vault=f"{copy.path}.vault"
            )
        )
    if files.missing:
        click.echo(_missing_line(files.missing, Path(ctx.obj["db_path"])), err=True)


@cli.command()
@click.argument("file")
@click.pass_context
def restore(ctx: click.Context, file: str) -> None:
    """Replace the KB with the backup FILE, checked first, in one transaction; the evidence files
    of FILE.vault/ are put back into the KB's vault first, so no restored row lacks its file."""
    from evidence.vault import copy_files, vault_beside
    from kb.backup import check_kb_file
    from kb.backup import restore as restore_kb

    source = check_kb_file(file)  # before open_db, which would create an empty KB for a bad FILE
    files = copy_files(
        _evidence_digests(source.path), vault_beside(source.path), vault_beside(ctx.obj["db_path"])
    )
    db = open_db(ctx, create=True)
    restored = restore_kb(db, file)  # with its audit entry, in one transaction
    click.echo(
        _("restored {documents} documents from {path} (schema version {schema_version})").format(
            documents=restored.documents, path=restored.path, schema_version=restored.schema_version
        )
    )
    if files.written:
        click.echo(_("evidence files: {written} put back into the vault").format(written=files.written))
    if files.missing:
        click.echo(_missing_line(files.missing, source.path), err=True)
