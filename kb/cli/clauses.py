"""`kb import clauses`, `kb clauses history|show`, `kb check refs`: contracts and the articles responses cite."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.importing import import_group
from kb.cli.root import KBGroup, classification_option, cli, echo_json, iso_date, open_db, read_input
from kb.errors import KBError
from kb.i18n import _


@import_group.command(name="clauses")
@click.argument("file")
@click.option(
    "--document",
    help="The contract's name, as responses cite it or the end of it (利用約款); default: the title on its cover.",
)
@click.option(
    "--version", "version", help="Its version (default: as the file states it, else the next number)."
)
@click.option("--effective", help="When it takes effect, YYYY-MM-DD (default: the date on its cover).")
@classification_option("public", "a contract customers sign is public")
@click.pass_context
def import_clauses(
    ctx: click.Context,
    file: str,
    document: str | None,
    version: str | None,
    effective: str | None,
    classification: str,
) -> None:
    """Import a contract (text, Markdown or DOCX): each article a clause, searchable, with its versions.

    A changed file is a new version: the one before is kept, and what changed in each
    article is listed. The same file again changes nothing.
    """
    from importers.clauses import parse_contract
    from kb import audit_events, clauses
    from kb.cli.render_clauses import render_contract_import

    effective = iso_date("--effective", effective)
    parsed = parse_contract(read_input(file), Path(file).name)
    document = document or parsed.title
    if not document:
        raise KBError(
            _("{file} has no title on its cover: name the contract with --document").format(file=file)
        )
    db = open_db(ctx, create=True)
    with db.atomic():
        result = clauses.import_contract(
            db, parsed, document=document, version=version, effective=effective, classification=classification
        )
        if result.status != "unchanged":
            audit_events.contract_imported(
                db, result.document, result.version, result.previous_version, parsed.source_name
            )
    render_contract_import(file, result, parsed.encoding)


@cli.group(name="clauses", cls=KBGroup)
def clauses_group() -> None:
    """Contracts in the KB: their versions and clauses."""


@clauses_group.command(name="history")
@click.option("--document", help="Only this contract.")
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
@click.pass_context
def clauses_history(ctx: click.Context, document: str | None, as_json: bool) -> None:
    """Every contract's versions, oldest first, with what each changed per article."""
    from kb import clauses
    from kb.cli.render_clauses import render_history

    found = clauses.versions(open_db(ctx), document)
    if not found:
        raise KBError(
            _("no contract named {document} in the KB").format(document=document)
            if document
            else _("no contract in the KB")
        )
    if as_json:
        echo_json([v._asdict() | {"changes": [c.__dict__ for c in v.changes]} for v in found])
        return
    render_history(found)


@clauses_group.command(name="show")
@click.argument("document")
@click.argument("article", type=click.IntRange(1))
@click.pass_context
def clauses_show(ctx: click.Context, document: str, article: int) -> None:
    """The text of ARTICLE of DOCUMENT's current version (kb clauses show 利用約款 30)."""
    from kb import clauses
    from kb.cli.render_clauses import problem_text, render_clause

    resolution = clauses.ClauseIndex(open_db(ctx)).resolve(document, article, "")
    if resolution.clause is None:
        raise KBError(
            _("{cited}: {problem}").format(
                cited=resolution.cited_label, problem=problem_text(resolution.problem)
            )
        )
    render_clause(resolution.clause)


@cli.group(name="check", cls=KBGroup)
def check_group() -> None:
    """Check the KB against its sources."""


@check_group.command(name="refs")
@click.option("--document", help="Only the citations of this contract.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def check_refs(ctx: click.Context, document: str | None, as_json: bool) -> None:
    """Clauses the current responses cite that the contract does not bear out: an article it does
    not have, a title it gives another article, a contract not in the KB. Exit 1 when any."""
    from kb import clauses
    from kb.cli.render_clauses import render_ref_problems

    checked, problems = clauses.check_refs(open_db(ctx), document)
    if as_json:
        echo_json(
            {
                "checked": checked,
                "problems": [
                    {
                        "control_id": p.control_id,
                        "section": p.section,
                        "cited": p.resolution.cited_label,
                        "problem": p.resolution.problem,
                        "contract": p.resolution.contract,
                        "clause": p.resolution.clause.label if p.resolution.clause else None,
                    }
                    for p in problems
                ],
            }
        )
    else:
        render_ref_problems(checked, problems)
    if problems:
        ctx.exit(1)
