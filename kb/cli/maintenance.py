"""`kb show` and `kb reindex`: looking into the KB and keeping its index in step."""

from __future__ import annotations

import click

from kb.cli.root import cli, open_db
from kb.errors import KBError
from kb.i18n import _


@cli.command()
@click.argument("control_id")
@click.pass_context
def show(ctx: click.Context, control_id: str) -> None:
    """Show the response to CONTROL_ID with its citations and history."""
    from kb import store
    from kb.analysis import canonical_control_id
    from kb.cli.render import render_control

    cid = canonical_control_id(control_id)
    db = open_db(ctx)
    rows = store.responses_for_control(db, cid)
    if not rows:
        raise KBError(_("no response for control {cid}").format(cid=cid))
    # Without a current response, the newest earlier one is shown in full too.
    full = [r for r in rows if r["is_current"]] or rows[:1]
    history = [r for r in rows if not r["is_current"]]
    citations = store.citations_many(db, [r["id"] for r in full])
    revisions = {r["id"]: store.revisions_touching(db, r["document_id"], cid) for r in full}
    render_control(full, history, citations, revisions, cited_clauses(db, citations))
    from kb import curation

    for note in curation.notes(db, [r["id"] for r in rows]):  # a pending draft, a retired response
        click.echo(note)


def cited_clauses(db, citations: dict[int, dict]) -> dict[tuple[str, int], object]:
    """What each cited article is in the KB's contracts (kb.clauses.Resolution), when it has any."""
    from kb import clauses

    if not clauses.has_contracts(db):
        return {}
    index = clauses.ClauseIndex(db)
    return {
        (ref["document"], ref["article"]): index.resolve(ref["document"], ref["article"], ref["title"])
        for cites in citations.values()
        for ref in cites["clause_refs"]
    }


@cli.command()
@click.pass_context
def reindex(ctx) -> None:
    """Re-analyse every indexed chunk and rebuild the search indexes."""
    from kb import audit, index

    db = open_db(ctx)
    with db.atomic():
        n = index.rebuild(db)
        audit.record(db, audit.AuditEvent("reindex", "index", detail=f"{n} chunks re-analysed"))
    click.echo(_("reindexed {n} chunks").format(n=n))
