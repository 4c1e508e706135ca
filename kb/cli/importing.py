"""`kb import whitepaper|checksheet`: documents into the knowledge base."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.checksheets import checksheet_options, overrides
from kb.cli.root import KBGroup, classification_option, cli, iso_date, open_db, read_input
from kb.errors import KBError
from kb.i18n import _
from kb.language import LANGUAGES


@cli.group(name="import", cls=KBGroup)
def import_group() -> None:
    """Import documents into the knowledge base."""


def refuse_stricter(db, file: str, sha256: str, classification: str) -> None:
    """A file imported before keeps the classification it was imported with. Asked, before
    anything is written, for a stricter one, kb refuses: the user would believe it withheld
    while it is not (a laxer one, e.g. the default on a re-run, leaves it as strict as it was)."""
    from kb import store
    from kb.audience import may_see

    found = store.imported_classification(db, sha256)
    if found and found[1] != classification and may_see(classification, found[1]):
        raise KBError(
            _(
                "{file} is already imported as {level} (document {document}):"
                " it stays {level}, and kb does not make an import {classification} afterwards"
            ).format(file=file, level=found[1], document=found[0], classification=classification)
        )


@import_group.command(name="whitepaper")
@click.argument("file")
@click.option("--service", help="Service scope of the responses, e.g. CPS-VM (default: from the text).")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    help="The language it is written in (default: that of most headings). An edition in another "
    "language than one already imported is linked to it by service and control id.",
)
@classification_option("public", "a published whitepaper may go to anyone")
@click.pass_context
def import_whitepaper(
    ctx: click.Context, file: str, service: str | None, lang: str | None, classification: str
) -> None:
    """Import an ISO/IEC 27017-style whitepaper (Markdown-ish text)."""
    from importers.whitepaper import parse_whitepaper
    from kb import audit_events, services, store
    from kb.cli.render import render_whitepaper_import

    data = read_input(file)
    parsed = parse_whitepaper(data, source_name=Path(file).name, service=service, lang=lang)
    parsed.classification = classification
    db = open_db(ctx, create=True)
    refuse_stricter(db, file, parsed.sha256, classification)
    named = services.import_again(db, file, parsed, service)
    if named is not None:
        click.echo(
            _("{file}: document {named} is service {service} from now on (it named none)").format(
                file=file, named=named, service=service
            )
        )
        return
    with db.atomic():
        result = store.import_document(db, parsed)
        if result.status != "unchanged":
            audit_events.document_imported(
                db, "import whitepaper", result.document_id, result.superseded_document_id, Path(file).name
            )
    render_whitepaper_import(file, result, lang_given=lang is not None)


@import_group.command(name="checksheet")
@click.argument("file")
@click.option("--answered", is_flag=True, required=True, help="The sheet holds answers a person wrote.")
@click.option(
    "--approved", is_flag=True, help="The answers may be sent as they are (else drafts, suggestions only)."
)
@click.option("--customer", help="Who the answers went to.")
@click.option("--date", "answered_on", help="When it was answered (YYYY-MM-DD).")
@classification_option(
    "public", "the answers were already sent to a customer; nda when they were given under an NDA"
)
@click.option(
    "--service",
    metavar="NAME",
    help="The service the sheet was answered for: its answers answer that service's questions"
    " (in a KB of several services, an answer naming none answers none).",
)
@checksheet_options
@click.pass_context
def import_checksheet(
    ctx,
    file,
    answered,
    approved,
    customer,
    answered_on,
    classification,
    service,
    sheet,
    header_row,
    question_col,
    answer_col,
    comment_col,
) -> None:
    """Harvest an answered check sheet into the answer library (kind qa).

    Only what a person wrote is harvested: kb fill's own output is refused, and rows
    still holding what kb fill wrote there are skipped.
    """
    import hashlib

    from importers.answered import parse_answered
    from kb import audit_events, store
    from kb.cli.render import render_qa_import

    answered_on = iso_date("--date", answered_on or None)
    data = read_input(file)
    db = open_db(ctx, create=True)
    filled = store.fill_by_sha256(db, hashlib.sha256(data).hexdigest())
    if filled:
        raise KBError(
            _(
                "{file} is kb fill's own output (filled {date}, unchanged since):"
                " answer or review it first, then import"
            ).format(file=file, date=filled.created_at[:10])
        )
    doc, pairs = parse_answered(
        file, data, **overrides(sheet, header_row, question_col, answer_col, comment_col)
    )
    doc.classification = classification
    doc.service = service
    refuse_stricter(db, file, doc.sha256, classification)
    people = [pair for pair, auto in zip(pairs, store.as_filled(db, pairs), strict=True) if not auto]
    if not people:
        raise KBError(
            _(
                "{file}: all {n} answered rows are as kb fill wrote them: answer or review them first, then import"
            ).format(file=file, n=len(pairs))
        )
    with db.atomic():
        result = store.import_qa_pairs(
            db, doc, people, customer=customer, answered_on=answered_on, approved=approved
        )
        if result.status != "unchanged":
            action = "approve checksheet" if result.status == "approved" else "import checksheet"
            audit_events.document_imported(
                db, action, result.document_id, result.superseded_document_id, Path(file).name
            )
    render_qa_import(file, result, approved=approved, as_filled=len(pairs) - len(people))
