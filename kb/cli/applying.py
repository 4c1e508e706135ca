"""`kb apply`: a person's decisions, from the decision workbook kb fill wrote, into the
filled workbook and the answer library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.cli.root import cli, open_db, require_file
from kb.cli.scoping import service_option
from kb.errors import KBError
from kb.files import Staged
from kb.i18n import _

if TYPE_CHECKING:
    from kb.ledger import FillRef


def _check_paths(review: Path, filled: Path, dst: Path) -> None:
    """Refuse, before any work, an output that would replace an input or open nowhere."""
    from importers.ooxml import check_destination, same_file

    check_destination(filled, dst)
    if same_file(review, dst):
        raise KBError(_("{dst} would overwrite the decision workbook; choose another name").format(dst=dst))
    if dst.suffix.lower() != filled.suffix.lower():
        raise KBError(
            _("output must end in {suffix} like the filled workbook: {name}").format(
                suffix=filled.suffix.lower(), name=dst.name
            )
        )
    if dst.is_dir():
        raise KBError(_("{dst} is a folder: name a file to write").format(dst=dst))


def _service_of(named: str | None, fill: FillRef | None) -> str | None:
    """The service the decided answers are for: the one the filled workbook's fill was for
    (kb.ledger) unless --service names it; a --service that contradicts the fill is refused,
    since the answers would go into the library as another service's."""
    recorded = fill.service if fill else None
    if named is not None and recorded is not None and named != recorded:
        raise KBError(
            _("--service {named} contradicts the fill of this workbook, which was for {recorded}").format(
                named=named, recorded=recorded
            )
        )
    return named if named is not None else recorded


@cli.command("apply")
@click.argument("review")
@click.option(
    "--to", "filled", required=True, help="The filled workbook kb fill wrote with this review list."
)
@click.option("-o", "--output", required=True, help="Final workbook to write (never the filled one).")
@click.option("--approve", is_flag=True, help="Record the decided answers as approved (needs --owner).")
@click.option("--owner", help="Who decided: recorded with every answer.")
@click.option("--customer", help="The customer the sheet is for (default: the one kb fill recorded).")
@service_option(
    "the service the sheet is about, whose questions the decided answers answer (default: the one"
    " its kb fill was for)"
)
@click.pass_context
def apply_decisions(ctx, review, filled, output, approve, owner, customer, service) -> None:
    """Write the decisions of REVIEW (kb fill --review FILE.xlsx) into the filled workbook, and
    record each decided answer in the answer library (drafts, or approved with --approve)."""
    from exporters import apply, apply_record
    from exporters.decisions import NotADecisionWorkbook, read_decisions
    from kb import ledger, library, services
    from kb.files import file_sha256

    if approve and not (owner or "").strip():
        raise KBError(_("--approve needs --owner NAME: an approved answer says who approved it"))
    review_path, filled_path, dst = require_file(review), require_file(filled), Path(output)
    _check_paths(review_path, filled_path, dst)
    db = open_db(ctx)
    fill = ledger.fill_of(db, file_sha256(filled_path))
    service = _service_of(service, fill)
    services.filter_scope(db, service)  # an unknown service is refused before any work
    try:
        sheet = read_decisions(review_path)
    except NotADecisionWorkbook as exc:
        raise KBError(
            _("{review} is not a decision workbook kb fill wrote: {exc}").format(review=review, exc=exc)
        ) from None
    plan = apply.plan(sheet, file_sha256(filled_path))
    if plan.mismatches:
        raise KBError(apply.mismatch_message(review_path.name, filled_path.name, plan.mismatches))
    decisions = library.Decisions(
        sha256=file_sha256(review_path),
        filled_sha256=file_sha256(filled_path),
        filled_name=filled_path.name,
        answers=tuple(w.answer for w in plan.writes),
        customer=customer,
        decided_by=(owner or "").strip() or None,
        approved=approve,
        lang=sheet.lang,
        service=service,
    )
    # The final workbook is moved into place only once the library has taken the answers and the
    # ledger what is sent (one transaction: kb.ledger).
    with Staged() as out:
        written_at = out.path(dst)  # one staged file: each call stages another
        cells, changed = apply.write_final(plan, filled_path, written_at)
        with db.atomic():
            recorded = library.record_decisions(db, decisions) if plan.writes else None
            if recorded is not None:
                apply_record.record_library(db, decisions, recorded)
            ledger.record(
                db, apply_record.disclosure(plan, written_at, dst.name, decisions, fill, len(sheet.rows))
            )
    from kb.cli.render_apply import render_apply

    render_apply(review_path, dst, plan, cells, changed, recorded, decisions)
