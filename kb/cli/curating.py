"""`kb edit`, `kb approve`, `kb retire`, `kb versions` and `kb review due`: owning, approving and
reviewing responses and library answers (kb.curation, issue 15)."""

from __future__ import annotations

import click

from kb.cli.root import cli, echo_json, iso_date, open_db
from kb.errors import KBError


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
            raise KBError(f"{item.label}: the editor was closed without saving; nothing changed")
    with _acting(actor):
        change = curation.edit(db, item, text=text, choice=choice, owner=owner)
    after = change.after
    if after.draft:
        click.echo(
            f"{after.label}: draft v{after.draft.version} written; the approved v{after.version} answers"
            f" until `kb approve {after.ref}`"
        )
    elif after.status == "draft":
        click.echo(f"{after.label}: draft changed; it answers nothing until `kb approve {after.ref}`")
    if owner is not None:
        click.echo(f"{after.label}: owner {after.owner or '-'}")


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
    citations = None
    if item.kind == "response" and item.draft:  # what the new text cites, read as an import reads it
        from importers.whitepaper import citations_in

        found = citations_in(item.draft.text, item.lang, curation.cited_contract(db, item.id))
        citations = curation.Citations(*found)
    with _acting(actor):
        change = curation.approve(db, item, review_due=due, owner=owner, citations=citations)
    after = change.after
    what = {
        "review": f"reviewed: v{after.version} stays live",
        "reinstate": f"approved back: v{after.version} answers again",
    }.get(change.action, f"v{after.version} approved and live")
    kept = f" (v{change.before.version} kept in its history)" if change.before.draft else ""
    click.echo(f"{after.label}: {what}{kept}; by {after.approver}, review due {after.review_due}")


@cli.command()
@_which
@click.pass_context
def retire(ctx, item_id, document, service, actor) -> None:
    """Take a response or a library answer out of answering: never auto-answered, never offered
    for review, not exported; kept with its history, and `kb approve` brings it back.

    ID is a control id (6.1.3, CLD.9.5.1) among the current documents' responses, R<n> a
    response by its id, or Q<n> a library answer.
    """
    from kb import curation

    db, item = _resolve(ctx, item_id, document, service)
    with _acting(actor):
        change = curation.retire(db, item)
    click.echo(f"{change.after.label}: retired; `kb approve {change.after.ref}` brings it back")


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
    if as_json:
        echo_json({**item.to_json(), "versions": [v._asdict() | {"live": v.live} for v in found]})
        return
    click.echo(item.label)
    click.echo(
        f"  status {item.status} · owner {item.owner or '-'} · approved {(item.approved_at or '-')[:10]}"
        f" by {item.approver or '-'} · review due {item.review_due or '-'}"
    )
    for v in found:
        if v.status == "draft":
            state = f"draft by {v.author or '-'} {(v.created_at or '')[:10]}, awaiting approval"
        elif v.live and item.status == "approved":
            state = f"live, approved {(v.approved_at or '-')[:10]} by {v.approver or '-'}"
        elif v.live:
            state = item.status
        else:
            state = f"approved {(v.approved_at or '-')[:10]} by {v.approver or '-'}, superseded {v.superseded_at[:10]}"
        click.echo(f"\n  v{v.version} — {state}")
        lead = f"{v.choice}\n" if v.choice else ""
        for line in (lead + v.text).splitlines():
            click.echo(f"    {line}")


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

    days = curation.parse_within(within)
    found = curation.review_due(open_db(ctx), within_days=days, owner=owner)
    if as_json:
        echo_json([d.to_json() for d in found])
        return
    if not found:
        click.echo(f"nothing due for review within {days} days")
        return
    for d in found:
        item = d.item
        if d.reason == "draft":
            what = f"draft v{item.draft.version} by {item.draft.author or '-'} awaiting approval"
        else:
            what = f"review {d.reason} {item.review_due}"
        click.echo(f"{what:<40} {item.label}  owner {item.owner or '-'}")
