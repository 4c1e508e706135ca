"""`kb edit`, `kb approve`, `kb retire`, `kb versions` and `kb review due`: owning, approving and
reviewing responses and library answers (kb.curation, issue 15)."""

from __future__ import annotations

import click

from kb.cli.root import cli, echo_json, iso_date, open_db
from kb.errors import KBError
from kb.i18n import N_, _

# The statuses (kb.db.CURATION_STATUSES) as kb versions shows them, in the user's language.
_STATUS_WORDS = (N_("draft"), N_("approved"), N_("retired"))


def _which(function):
    """The options that say which content ID names, and who makes the change."""
    function = click.option(
        "--actor",
        help="Who makes the change, for the approval and the audit log (default: kb --actor, the OS user).",
    )(function)
    function = click.option("--service", help="Of the responses to ID, the one of this service.")(function)
    function = click.option(
        "--document",
        help="Of the responses to ID, the one in this document (part of its title or file name, or its id).",
    )(function)
    return click.argument("item_id", metavar="ID")(function)


def _resolve(ctx: click.Context, item_id: str, document: str | None, service: str | None):
    from kb import curation

    db = open_db(ctx)
    return db, curation.resolve(db, item_id, document=document, service=service)


def _acting(actor: str | None):
    from contextlib import nullcontext

    from kb import audit

    return audit.acting_as(actor) if actor else nullcontext()


@cli.command()
@_which
@click.option("--text", "text", help="The new text (else $EDITOR opens on the current one).")
@click.option("--choice", help="A library answer's chosen option (はい, いいえ …).")
@click.option("--owner", help="Who owns the content from now on (blank: nobody).")
@click.pass_context
def edit(ctx, item_id, document, service, actor, text, choice, owner) -> None:
    """Write a new text for a response or a library answer: approved content gets a draft
    version, and the approved one answers until `kb approve` approves the draft.

    ID is a control id (6.1.3, CLD.9.5.1) among the current documents' responses, R<n> a
    response by its id, or Q<n> a library answer.
    """
    from kb import curation

    db, item = _resolve(ctx, item_id, document, service)
    if text is None and choice is None and owner is None:
        start = item.draft.text if item.draft else item.text
        text = click.edit(start + "\n", extension=".txt", require_save=True)
        if text is None:
            raise KBError(
                _("{item}: the editor was closed without saving; nothing changed").format(item=item.label)
            )
    with _acting(actor):
        change = curation.edit(db, item, text=text, choice=choice, owner=owner)
    after = change.after
    if after.draft:
        click.echo(
            _(
                "{item}: draft v{draft} written; the approved v{version} answers until `kb approve {ref}`"
            ).format(item=after.label, draft=after.draft.version, version=after.version, ref=after.ref)
        )
    elif after.status == "draft":
        click.echo(
            _("{item}: draft changed; it answers nothing until `kb approve {ref}`").format(
                item=after.label, ref=after.ref
            )
        )
    if owner is not None:
        click.echo(_("{item}: owner {owner}").format(item=after.label, owner=after.owner or "-"))


@cli.command()
@_which
@click.option("--review-due", help="When its next review is due, YYYY-MM-DD (default: a year from today).")
@click.option("--owner", help="Who owns the content from now on.")
@click.pass_context
def approve(ctx, item_id, document, service, actor, review_due, owner) -> None:
    """Approve a response or a library answer: its draft becomes the live version (the old one
    is kept in its history), a retired one answers again, and approving approved content
    records a review (approval date and review-due date anew).

    ID is a control id (6.1.3, CLD.9.5.1) among the current documents' responses, R<n> a
    response by its id, or Q<n> a library answer.
    """
    from kb import curation

    due = iso_date("--review-due", review_due)
    db, item = _resolve(ctx, item_id, document, service)
    with _acting(actor):
        change = curation.approve(db, item, review_due=due, owner=owner, citations=_draft_citations(db, item))
    after = change.after
    what = {
        "review": _("reviewed: v{version} stays live"),
        "reinstate": _("approved back: v{version} answers again"),
    }.get(change.action, _("v{version} approved and live")).format(version=after.version)
    kept = (
        _(" (v{version} kept in its history)").format(version=change.before.version)
        if change.before.draft
        else ""
    )
    click.echo(
        _("{item}: {what}{kept}; by {approver}, review due {due}").format(
            item=after.label, what=what, kept=kept, approver=after.approver, due=after.review_due
        )
    )
    if change.before.draft or change.before.status == "draft":  # a new text: the other languages lag
        for edition in curation.other_editions(db, after):
            click.echo(
                _(
                    "warning: {edition} may now differ from this text: review it"
                    " (kb review due lists it; kb edit {ref} to change it, kb approve {ref} if it still holds)"
                ).format(edition=edition.label, ref=edition.ref),
                err=True,
            )


def _draft_citations(db, item):
    """What a response's draft cites, read as an import reads it (None: no draft, or a library answer)."""
    from kb import curation

    if item.kind != "response" or not item.draft:
        return None
    from importers.whitepaper import citations_in

    return curation.Citations(*citations_in(item.draft.text, item.lang, curation.cited_contract(db, item.id)))


@cli.command()
@_which
@click.option(
    "--this-edition-only",
    is_flag=True,
    help="Leave the response's editions in other languages answering (retired with it otherwise).",
)
@click.pass_context
def retire(ctx, item_id, document, service, actor, this_edition_only) -> None:
    """Take a response or a library answer out of answering: never auto-answered, never offered
    for review, not exported; kept with its history, and `kb approve` brings it back.

    ID is a control id (6.1.3, CLD.9.5.1) among the current documents' responses, R<n> a
    response by its id, or Q<n> a library answer. A response's editions in other languages
    (the same control, service and kind of document) are retired with it.
    """
    from kb import curation

    db, item = _resolve(ctx, item_id, document, service)
    with _acting(actor):
        changes = (
            [curation.retire(db, item)] if this_edition_only else curation.retire_with_editions(db, item)
        )
    for change in changes:
        click.echo(
            _("{item}: retired; `kb approve {ref}` brings it back").format(
                item=change.after.label, ref=change.after.ref
            )
        )


@cli.command()
@click.argument("item_id", metavar="ID")
@click.option("--document", help="Of the responses to ID, the one in this document.")
@click.option("--service", help="Of the responses to ID, the one of this service.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def versions(ctx, item_id, document, service, as_json) -> None:
    """The versions of a response or a library answer, oldest first: those superseded, the live
    one and a draft awaiting approval; with its owner, approver and review date.

    ID is a control id (6.1.3, CLD.9.5.1) among the current documents' responses, R<n> a
    response by its id, or Q<n> a library answer.
    """
    from kb import curation

    db, item = _resolve(ctx, item_id, document, service)
    found = curation.history(db, item)
    draft_cites = _draft_citations(db, item)
    if draft_cites is not None:  # what approving the draft would make it cite
        found = [v._replace(citations=draft_cites) if v.status == "draft" else v for v in found]
    if as_json:
        echo_json(
            {
                **item.to_json(),
                "versions": [
                    v._asdict()
                    | {"live": v.live, "citations": v.citations.to_json() if v.citations else None}
                    for v in found
                ],
            }
        )
        return
    click.echo(item.label)
    click.echo(
        _("  status {status} · owner {owner} · approved {approved} by {approver} · review due {due}").format(
            status=_(item.status),
            owner=item.owner or "-",
            approved=(item.approved_at or "-")[:10],
            approver=item.approver or "-",
            due=item.review_due or "-",
        )
    )
    for v in found:
        click.echo(f"\n  v{v.version} — {_state(item, v)}")
        lead = f"{v.choice}\n" if v.choice else ""
        for line in (lead + v.text).splitlines():
            click.echo(f"    {line}")
        if item.kind == "response":
            click.echo(f"    {_cites(v, item.lang)}")


def _state(item, v) -> str:
    if v.status == "draft":
        return _("draft by {author} {created}, awaiting approval").format(
            author=v.author or "-", created=(v.created_at or "")[:10]
        )
    if v.live and item.status == "approved":
        return _("live, approved {approved} by {approver}").format(
            approved=(v.approved_at or "-")[:10], approver=v.approver or "-"
        )
    if v.live:
        return _(item.status)
    return _("approved {approved} by {approver}, superseded {superseded}").format(
        approved=(v.approved_at or "-")[:10],
        approver=v.approver or "-",
        superseded=(v.superseded_at or "-")[:10],
    )


def _cites(v, lang: str) -> str:
    """What a version of a response cited: the live one's references, a superseded one's as
    they were when it was superseded, a draft's as approving it would read them."""
    if v.citations is None:
        return _("cites: not recorded (superseded before kb kept the citations of each version)")
    labels = v.citations.labels(lang)
    if v.status == "draft":
        return _("cites on approval: {refs}").format(refs="; ".join(labels) if labels else _("nothing"))
    return _("cites: {refs}").format(refs="; ".join(labels) if labels else _("nothing"))


@cli.group()
def review() -> None:
    """Reviews of responses and library answers."""


@review.command(name="due")
@click.option("--within", default="30d", show_default=True, help="Days ahead: 30d, 2w or a number of days.")
@click.option("--owner", help="Only what this owner owns.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def review_due(ctx, within, owner, as_json) -> None:
    """Approved content whose review is overdue or due within --within, then drafts awaiting
    approval. `kb approve ID` records the review."""
    from kb import curation
    from kb.cli.translation import cells  # a Japanese label is twice as wide as its length

    days = curation.parse_within(within)
    found = curation.review_due(open_db(ctx), within_days=days, owner=owner)
    if as_json:
        echo_json([d.to_json() for d in found])
        return
    if not found:
        click.echo(_("nothing due for review within {days} days").format(days=days))
        return
    for d in found:
        item = d.item
        if d.reason == "draft":
            what = _("draft v{version} by {author} awaiting approval").format(
                version=item.draft.version, author=item.draft.author or "-"
            )
        elif d.reason == "edition":
            what = _("its {lang} edition {ref} changed").format(lang=d.edition.lang, ref=d.edition.ref)
        elif d.reason == "overdue":
            what = _("review overdue {date}").format(date=item.review_due)
        else:
            what = _("review due {date}").format(date=item.review_due)
        click.echo(
            f"{what}{' ' * max(1, 41 - cells(what))}{item.label}  "
            + _("owner {owner}").format(owner=item.owner or "-")
        )
