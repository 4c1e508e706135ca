"""`kb publish` and `kb serve`: the KB for one audience, as a file or in Datasette.

The served database is always a published copy (kb.publish): rows above the audience
are not in it, so no page, query or JSON endpoint can show them. Datasette and the
plugin are imported only inside `kb serve`.
"""

from __future__ import annotations

import click

from kb.audience import AUDIENCES, DEFAULT_AUDIENCE
from kb.cli.root import cli, open_db
from kb.cli.scoping import service_option
from kb.i18n import _

_AUDIENCE = click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="Who the copy is for: it holds only what this audience may see.",
)


_SERVICE = service_option("the copy holds its responses and library answers, and no other service's")


@cli.command()
@_AUDIENCE
@click.option("-o", "--output", required=True, help="The copy to write (replaced whole).")
@_SERVICE
@click.pass_context
def publish(ctx: click.Context, audience: str, output: str, service: str | None) -> None:
    """Write a read-only copy of the KB that holds only what AUDIENCE may see, for serving (datasette -i COPY)."""
    from kb import services
    from kb.publish import publish as publish_copy

    db = open_db(ctx)
    done = publish_copy(db, output, audience, services.filter_scope(db, service))
    files = copy_evidence(ctx.find_root().obj["db_path"], done.path)
    removed, names = sum(done.removed.values()), sum(done.names.values())
    click.echo(
        _(
            "{path}: copy for audience {audience}: {chunks} searchable rows,"
            " {removed} rows above the audience left out"
        ).format(path=done.path, audience=done.audience, chunks=done.chunks, removed=removed)
        + (_(", {n} names of staff and customers left empty").format(n=names) if names else "")
        + (_(", {n} evidence files beside it").format(n=files) if files else "")
    )


@cli.command()
@_AUDIENCE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.option(
    "--password-file",
    help="Accounts that may log in, one NAME:HASH a line (hashes from `datasette hash-password`); without it, no login.",
)
@_SERVICE
@click.pass_context
def serve(
    ctx: click.Context, audience: str, host: str, port: int, password_file: str | None, service: str | None
) -> None:
    """Browse the KB in Datasette (read-only, immutable, no download), as far as AUDIENCE may see it."""
    import tempfile
    from pathlib import Path

    from kb import services
    from kb.cli.root import read_text_input
    from kb.publish import publish as publish_copy

    metadata = None
    if password_file:  # read before anything is published: a bad file costs nothing
        from datasette_kb.login import login_metadata, read_accounts

        metadata = login_metadata(read_accounts(read_text_input(password_file), password_file))

    with tempfile.TemporaryDirectory(prefix="kb-serve-") as folder:
        # The copy is named after the KB, which names the database in Datasette's URLs.
        copy = Path(folder) / Path(ctx.find_root().obj["db_path"]).name
        db = open_db(ctx)
        done = publish_copy(db, copy, audience, services.filter_scope(db, service))
        copy_evidence(ctx.find_root().obj["db_path"], copy)
        login = (
            _(", login required ({n} accounts)").format(n=len(metadata["allow"]["id"])) if metadata else ""
        )
        click.echo(
            _("serving the copy for audience {audience} ({chunks} searchable rows) at {url}{login}").format(
                audience=audience, chunks=done.chunks, url=f"http://{host}:{port}/", login=login
            )
        )
        run_datasette(copy, host=host, port=port, metadata=metadata)


def run_datasette(copy, *, host: str, port: int, metadata: dict | None = None) -> None:
    """Datasette on ``copy``: immutable, downloads off, the plugin loaded (also when evidence-kb
    is not installed as a package, e.g. run from a checkout)."""
    import os

    import uvicorn
    from datasette.app import Datasette

    import datasette_kb

    datasette_kb.ensure_registered()
    # DATASETTE_SECRET, as `datasette serve` reads it: login cookies that every host accepts.
    ds = Datasette(
        immutables=[str(copy)],
        settings=datasette_kb.SERVE_SETTINGS,
        metadata=metadata,
        secret=os.environ.get("DATASETTE_SECRET") or None,
    )
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")


def copy_evidence(kb_path, copy_path) -> int:
    """Put beside the copy the vault files of the evidence rows it kept (and no other), for
    the plugin's downloads; returns how many. A file missing from the KB's vault is left
    out (kb evidence verify tells which)."""
    import os
    import shutil
    import sqlite3
    from pathlib import Path

    from evidence.vault import vault_beside

    conn = sqlite3.connect(f"{Path(copy_path).resolve().as_uri()}?immutable=1", uri=True)
    try:
        has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'evidence_files'").fetchone()
        digests = [d for (d,) in conn.execute("SELECT sha256 FROM evidence_files")] if has_table else []
    finally:
        conn.close()
    source, target = vault_beside(kb_path), vault_beside(copy_path)
    if target.root.exists():
        shutil.rmtree(target.root)  # the vault of an earlier copy: it may hold files this one must not
    copied = 0
    for digest in digests:
        src = source.path_of(digest)
        if src.is_symlink() or not src.is_file():
            continue
        dst = target.path_of(digest)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)  # the vault's files are read-only and named by content: sharing is safe
        except OSError:
            shutil.copyfile(src, dst)
        copied += 1
    return copied
