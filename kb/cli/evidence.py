"""`kb evidence add|list|show|verify|export|link`: the evidence vault beside the KB."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path

import click

from kb.cli.root import KBGroup, classification_option, cli, echo_json, iso_date, open_db
from kb.cli.scoping import service_option
from kb.errors import KBError
from kb.i18n import N_, _


@cli.group(name="evidence", cls=KBGroup)
def evidence_group() -> None:
    """Evidence files (certificates, policies, reports) kept in a vault beside the KB."""


def _vault(ctx: click.Context):
    from evidence.vault import vault_beside

    return vault_beside(ctx.find_root().obj["db_path"])


def _evidence_id(value: str) -> int:
    if not value.isdigit():
        raise KBError(
            _("evidence ID is a number (kb evidence list shows them), got {value!r}").format(value=value)
        )
    return int(value)


@evidence_group.command(name="add")
@click.argument("paths", nargs=-1, required=True)
@click.option("--title", help="Title of the evidence (one file only; default: the file name).")
@click.option("--control", "controls", multiple=True, help="Control it backs up, e.g. 6.1.3 (repeatable).")
@click.option("--owner", help="Who keeps it up to date.")
@click.option("--valid-from", help="First day it is valid (YYYY-MM-DD).")
@click.option("--valid-until", help="Last day it is valid (YYYY-MM-DD): answers citing it are held after.")
@classification_option("internal", "answers for customers cite only what their audience may see")
@click.option("--recursive", "-r", is_flag=True, help="Add the files in folders (hidden ones left out).")
@service_option("the service whose responses to --control it backs (default: every service's)")
@click.pass_context
def add(
    ctx, paths, title, controls, owner, valid_from, valid_until, classification, recursive, service
) -> None:
    """Add files to the vault (stored once per content) and their text to the search index."""
    from evidence.intake import Details, add_files, collect
    from kb import evidence_store
    from kb.cli.render_evidence import render_added

    valid_from, valid_until = iso_date("--valid-from", valid_from), iso_date("--valid-until", valid_until)
    if valid_from and valid_until and valid_until < valid_from:
        raise KBError(
            _("--valid-until {valid_until} is before --valid-from {valid_from}").format(
                valid_until=valid_until, valid_from=valid_from
            )
        )
    files = collect(paths, recursive=recursive)
    if not files:
        raise KBError(_("no files to add (hidden files are left out)"))
    if title and len(files) > 1:
        raise KBError(_("--title names one file; {files} were given").format(files=len(files)))
    db = open_db(ctx, create=True)
    linked = evidence_store.control_ids(db, controls)
    details = Details(title, owner, classification, valid_from, valid_until, _link_service(db, service))
    vault = _vault(ctx)
    folder = any(Path(p).is_dir() for p in paths)
    if not folder or not sys.stderr.isatty():
        added = add_files(db, vault, files, details, linked)
    else:
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task(_("adding evidence"), total=len(files))
            added = add_files(db, vault, files, details, linked, progress=lambda n: progress.advance(task, n))
    render_added(added)


def _link_service(db, service: str | None) -> str | None:
    """--service as a link stores it: one of the KB's services (an unknown one is an error)."""
    from kb import services

    if service is not None:
        services.filter_scope(db, service)
    return service


_DAYS = re.compile(r"(\d+)\s*d?")


def _expiring(value: str | None) -> date | None:
    if value is None:
        return None
    match = _DAYS.fullmatch(value.strip().lower())
    if not match:
        raise KBError(_("--expiring takes a number of days such as 30d, got {value!r}").format(value=value))
    return date.today() + timedelta(days=int(match.group(1)))


@evidence_group.command(name="list")
@click.option("--expiring", help="Only evidence valid for at most this many days (30d), expired included.")
@click.option("--control", help="Only evidence linked to this control.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_command(ctx, expiring, control, as_json) -> None:
    """List the evidence in the vault, with its validity and controls."""
    from kb import evidence_store
    from kb.analysis import canonical_control_id

    by = _expiring(expiring)
    files = evidence_store.listing(
        open_db(ctx), control=canonical_control_id(control) if control else None, expiring_by=by
    )
    if as_json:
        echo_json([f.to_json() for f in files])
        return
    from kb.cli.render_evidence import render_listing

    render_listing(files)


@evidence_group.command(name="show")
@click.argument("evidence_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, with the text of each page.")
@click.pass_context
def show(ctx, evidence_id, as_json) -> None:
    """Show one piece of evidence: what is known of it, its controls and its pages."""
    from kb import evidence_store

    db = open_db(ctx)
    item = evidence_store.get(db, _evidence_id(evidence_id))
    pages = evidence_store.page_text(db, item.id)
    if as_json:
        echo_json(item.to_json() | {"pages": [{"page": n, "text": t} for n, t in pages]})
        return
    from kb.cli.render_evidence import render_evidence

    render_evidence(item, pages, _vault(ctx).path_of(item.sha256))


# evidence.verify's Problem.what, as kb evidence verify says it
_VERIFY_PROBLEMS = {
    "missing": N_("missing: evidence {id} {title} ({file}, sha256 {digest}…)"),
    "changed": N_("changed: evidence {id} {title} ({file}, sha256 {digest}…)"),
}


@evidence_group.command(name="verify")
@click.pass_context
def verify(ctx) -> None:
    """Re-hash every stored file; a changed or missing one is listed and the exit code is 1."""
    from evidence.verify import verify as verify_files
    from kb import evidence_store

    files = evidence_store.listing(open_db(ctx))
    problems = verify_files(_vault(ctx), files)
    for problem in problems:
        item = problem.evidence
        click.echo(
            _(_VERIFY_PROBLEMS[problem.what]).format(
                id=item.id, title=item.title, file=item.original_name, digest=item.sha256[:12]
            )
        )
    click.echo(
        _("{files} files verified, {problems} changed or missing").format(
            files=len(files), problems=len(problems)
        ),
        err=bool(problems),
    )
    if problems:
        ctx.exit(1)


@evidence_group.command(name="export")
@click.argument("evidence_id")
@click.option("-o", "--output", required=True, help="Where to write the file (a folder: its original name).")
@click.pass_context
def export(ctx, evidence_id, output) -> None:
    """Write a stored file out as it was added (checked against its sha256 first)."""
    from evidence.vault import sha256_of
    from kb import evidence_store
    from kb.files import atomic_path

    item = evidence_store.get(open_db(ctx), _evidence_id(evidence_id))
    data = _vault(ctx).read(item.sha256)
    if sha256_of(data) != item.sha256:
        raise KBError(
            _("evidence {id} changed in the vault since it was added: run kb evidence verify").format(
                id=item.id
            )
        )
    target = Path(output)
    if target.is_dir():
        target = target / Path(item.original_name).name
    if target.is_symlink():
        raise KBError(_("{target} is a symbolic link: kb does not write through links").format(target=target))
    if not target.parent.is_dir():
        raise KBError(_("directory does not exist: {path}").format(path=target.parent))
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    click.echo(
        _("evidence {id} written to {target} ({size:,} bytes)").format(
            id=item.id, target=target, size=item.size
        )
    )


@evidence_group.command(name="link")
@click.argument("evidence_id")
@click.option("--control", "controls", multiple=True, required=True, help="Control it backs up (repeatable).")
@service_option("the service whose responses to the controls it backs (default: every service's)")
@click.pass_context
def link(ctx, evidence_id, controls, service) -> None:
    """Link a piece of evidence to controls: answers from them cite it."""
    from kb import evidence_store

    db = open_db(ctx)
    item = evidence_store.get(db, _evidence_id(evidence_id))
    linked = evidence_store.link(
        db, item.id, evidence_store.control_ids(db, controls), _link_service(db, service)
    )
    already = [c for c in evidence_store.control_ids(db, controls) if c not in linked]
    if linked:
        click.echo(_("evidence {id} linked to {linked}").format(id=item.id, linked=", ".join(linked)))
    if already:
        click.echo(
            _("evidence {id} was already linked to {already}").format(id=item.id, already=", ".join(already))
        )
