"""`kb export json|whitepaper` and `kb import json`: the knowledge base out again, and a JSON export back in.

`kb import json` is defined here beside the export it reads (the import group is kb.cli.importing's).
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.audience import AUDIENCES, DEFAULT_AUDIENCE
from kb.cli.importing import import_group
from kb.cli.root import KBGroup, cli, json_text, open_db, read_input, write_output
from kb.cli.scoping import service_option
from kb.i18n import _
from kb.language import LANGUAGES

WHITEPAPER_FORMATS = ("md", "html", "docx")


def audience_option(why: str):
    return click.option(
        "--audience",
        type=click.Choice(AUDIENCES),
        default=DEFAULT_AUDIENCE,
        show_default=True,
        help=why,
    )


@cli.group(name="export", cls=KBGroup)
def export_group() -> None:
    """Export the knowledge base."""


@export_group.command(name="json")
@click.option("-o", "--output", help="Write to FILE instead of stdout.")
@click.option("--no-history", is_flag=True, help="Leave out superseded responses.")
@audience_option(
    "Only what this audience may see (a file travels: public unless asked; internal for everything)."
)
@service_option("the documents and responses of that service, and what hangs off them")
@click.pass_context
def export_json(
    ctx: click.Context, output: str | None, no_history: bool, audience: str, service: str | None
) -> None:
    """The KB as JSON, as far as the audience may see it (--audience internal: all of it)."""
    from exporters.json_export import export_kb
    from kb import services

    db = open_db(ctx)
    scope = services.filter_scope(db, service)
    text = json_text(export_kb(db, include_history=not no_history, audience=audience, service=scope))
    if output:
        write_output(output, text + "\n")
    else:
        click.echo(text)


def _whitepaper_format(output: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".")
    return (
        {"htm": "html", "markdown": "md"}.get(suffix, suffix)
        if suffix in (*WHITEPAPER_FORMATS, "htm", "markdown")
        else "md"
    )


@export_group.command(name="whitepaper")
@click.option("-o", "--output", required=True, help="The file to write (replaced whole, atomically).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(WHITEPAPER_FORMATS),
    help="md (the master, which kb import whitepaper reads back), html or docx [default: -o's suffix, else md].",
)
@click.option("--service", help="The service whose whitepaper to write, when the KB holds several.")
@click.option(
    "--lang", type=click.Choice(LANGUAGES), help="The edition's language [default: ja when there is one]."
)
@click.option("--document", help="The whitepaper's title, when several still match.")
@audience_option("Only sections this audience may see (the document is sent: public unless asked).")
@click.pass_context
def export_whitepaper(
    ctx: click.Context,
    output: str,
    fmt: str | None,
    service: str | None,
    lang: str | None,
    document: str | None,
    audience: str,
) -> None:
    """The disclosure document regenerated from the KB: sections in control order, the responses'
    text and clause citations, the revision history."""
    from exporters.whitepaper import read_whitepaper
    from exporters.whitepaper_md import render_markdown

    paper = read_whitepaper(open_db(ctx), service=service, lang=lang, audience=audience, document=document)
    markdown = render_markdown(paper)
    kind = _whitepaper_format(output, fmt)
    if kind == "html":
        from exporters.whitepaper_html import render_html

        write_output(output, render_html(markdown, title=paper.title, lang=paper.lang).encode("utf-8"))
    elif kind == "docx":
        from exporters.whitepaper_docx import render_docx

        write_output(output, render_docx(markdown, title=paper.title, lang=paper.lang))
    else:
        write_output(output, markdown.encode("utf-8"))
    controls = sum(1 for s in paper.sections if s.control_id)
    summary = _(
        "{output}: {title} ({lang}, {kind}) — {controls} control responses,"
        " {sections} general sections, {revisions} revisions"
    ).format(
        output=output,
        title=paper.title,
        lang=paper.lang,
        kind=kind,
        controls=controls,
        sections=len(paper.sections) - controls,
        revisions=len(paper.revisions),
    )
    if paper.withheld:
        summary += _("; {n} sections above {audience} left out").format(n=paper.withheld, audience=audience)
    if paper.unapproved:
        summary += _("; {n} drafts left out (kb approve them first)").format(n=paper.unapproved)
    click.echo(summary, err=True)


@import_group.command(name="json")
@click.argument("file")
@click.pass_context
def import_json(ctx: click.Context, file: str) -> None:
    """Restore a kb export json file into an empty KB (a new --db): every table it holds.

    Evidence files are not in the JSON, only their rows: copy the source KB's vault
    (KB.db.vault/) beside the new KB, or use kb backup / kb restore, which copy both."""
    from evidence.vault import vault_beside
    from importers.json_import import parse_export
    from kb.tables import restore

    export = parse_export(read_input(file), Path(file).name)
    db = open_db(ctx, create=True)
    restored = restore(db, export.tables, export.schema_version, source=Path(file).name)
    if export.audience:
        done = _(
            "{file}: restored {rows} rows into {tables} tables (exported for {audience});"
            " search indexes rebuilt"
        )
    else:
        done = _(
            "{file}: restored {rows} rows into {tables} tables (exported for an unnamed audience);"
            " search indexes rebuilt"
        )
    click.echo(done.format(file=file, rows=restored.rows, tables=restored.tables, audience=export.audience))
    vault = vault_beside(ctx.find_root().obj["db_path"])
    if restored.evidence_sha256:
        missing = [d for d in restored.evidence_sha256 if vault.digest_on_disk(d) != d]
        if missing:
            click.echo(
                _(
                    "{missing} of {total} evidence files are listed but not in {vault}: copy them"
                    " from the source KB's vault, or kb evidence verify lists them"
                ).format(missing=len(missing), total=len(restored.evidence_sha256), vault=vault.root),
                err=True,
            )
