"""`kb search`, `kb answer`, `kb eval`: asking the knowledge base."""

from __future__ import annotations

import click

from kb.audience import AUDIENCES, DEFAULT_AUDIENCE, STAFF_AUDIENCE, visible_to
from kb.cli.root import cli, echo_json, open_db, read_text_input
from kb.cli.scoping import service_option
from kb.db import CHUNK_KINDS
from kb.errors import KBError
from kb.i18n import _


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--kind", type=click.Choice(CHUNK_KINDS), multiple=True, help="Only hits of this kind (repeatable)."
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=STAFF_AUDIENCE,
    show_default=True,
    help="Only what this audience may see (a staff tool: everything by default; public shows what a customer gets).",
)
@service_option("its responses and library answers, weighed among them, beside clauses and evidence")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    as_json: bool,
    limit: int,
    kind: tuple[str, ...],
    audience: str,
    service: str | None,
) -> None:
    """Ranked full-text search (Japanese or English) with highlighted snippets."""
    from kb import search as search_mod
    from kb import services

    db = open_db(ctx)
    confined = services.filter_scope(db, service)
    index = (
        search_mod.EVERYTHING
        if confined is None
        else services.service_index(db, search_mod.EVERYTHING, confined)
    )
    prepared = search_mod.prepare(db, query, index=index)
    hits = search_mod.search(
        db, query, limit=limit, kinds=kind or None, classifications=visible_to(audience), query=prepared
    )
    if as_json:
        # In a KB of several services, which one each hit speaks for (kb search is no answer: it
        # shows them all unless --service).
        several = confined is None and len(services.held(db)) > 1
        of = services.of_sources(db, [(h.kind, h.source_id) for h in hits]) if several else {}
        echo_json(
            [
                {
                    "kind": h.kind,
                    "classification": h.classification,
                    "control_id": h.control_id,
                    "title": h.title,
                    "snippet": search_mod.snippet(h.body, prepared),
                    "score": round(h.score, 4),
                }
                | ({"service": of.get((h.kind, h.source_id))} if several else {})
                for h in hits
            ]
        )
        return
    if not hits:
        click.echo(_("no matches"), err=True)
        return
    from kb.cli.render import render_hits

    render_hits(hits, prepared)


@cli.command()
@click.argument("question", required=False)
@click.option("--file", "questions_file", help="Answer each line of this file (one question per line).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer(s) as JSON.")
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="Who the answer is for: only what this audience may see is quoted; what matched above it is counted.",
)
@service_option("needed when the KB holds several; nothing of another service is searched or quoted")
@click.pass_context
def answer(
    ctx: click.Context,
    question: str | None,
    questions_file: str | None,
    as_json: bool,
    audience: str,
    service: str | None,
) -> None:
    """Answer QUESTION (or each line of --file) from the KB, with sources."""
    from kb import services
    from kb.batch import answer_many

    if bool(question) == bool(questions_file):
        raise KBError(_("give either a QUESTION or --file, not both"))
    if questions_file:
        lines = read_text_input(questions_file).splitlines()
        questions = [line.strip() for line in lines if line.strip()]
    else:
        questions = [question]
    db = open_db(ctx)
    services.scope(db, service)  # refused before any question is answered
    answers = answer_many(db, questions, audience=audience, service=service)
    if as_json:
        payload = [a.to_json() for a in answers]
        echo_json(payload if questions_file else payload[0])
        return
    from kb.cli.render import render_answer

    for a in answers:
        render_answer(a)


@cli.command(name="eval")
@click.argument("questions_file")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print metrics (all and per language), calibration and failures as JSON.",
)
@click.option("--plot", "plot_file", help="Draw the calibration curve per language to FILE.png or FILE.svg.")
@service_option("the service the questions are asked about, needed when the KB holds several")
@click.pass_context
def eval_command(
    ctx: click.Context, questions_file: str, as_json: bool, plot_file: str | None, service: str | None
) -> None:
    """Measure answering on labelled questions (JSON Lines)."""
    from kb import services
    from kb.evaluate import evaluate, load_questions

    db = open_db(ctx)
    services.scope(db, service)  # refused before any question is answered
    report = evaluate(db, load_questions(questions_file), service=service)
    if plot_file:
        from exporters.calibration_plot import plot_calibration

        plot_calibration(report.calibration(), plot_file)
    if as_json:
        echo_json(report.to_json())
        return
    from kb.cli.render import render_eval
    from kb.cli.render_calibration import render_by_language, render_calibration

    render_eval(report.metrics(), report.failures())
    render_by_language(report.by_language())
    render_calibration(report.calibration())
    if plot_file:
        click.echo(_("calibration curve: {plot_file}").format(plot_file=plot_file), err=True)
