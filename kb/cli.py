"""The `kb` command line.

Heavy modules (Sudachi, openpyxl, rich, the importers and exporters) are imported
inside the commands that need them, so `kb --help` stays fast and `kb` itself
never imports importers/exporters at module level.
"""

from __future__ import annotations

import gc
import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from kb.errors import KBError


class KBCommandError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"kb: error: {self.format_message()}", err=True)


class KBGroup(click.Group):
    """Turns expected failures into one line on stderr and exit code 2."""

    def invoke(self, ctx):
        import sqlite3

        try:
            return super().invoke(ctx)
        except KBError as exc:
            raise KBCommandError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            raise KBCommandError(f"database error: {exc}") from None
        except OSError as exc:
            where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
            raise KBCommandError(f"{exc.strerror or exc}{where}") from None


def _open_db(ctx: click.Context):
    from kb import index
    from kb.db import connect

    obj = ctx.find_root().obj
    if obj.get("db") is None:
        obj["db"] = connect(obj["db_path"])
        if ctx.command.name != "reindex" and index.stale(obj["db"]):
            click.echo(
                "kb: warning: the search index was built by another analyzer version; run `kb reindex`",
                err=True,
            )
    return obj["db"]


def require_file(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise KBError(f"no such file: {path}")
    if p.is_dir():
        raise KBError(f"is a directory, not a file: {path}")
    return p


def read_input(path: str) -> bytes:
    return require_file(path).read_bytes()


def write_output(path: str, text: str) -> None:
    """Write atomically: a reader never sees half a file."""
    from kb.files import atomic_path

    target = Path(path)
    if not target.parent.exists():
        raise KBError(f"directory does not exist: {target.parent}")
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


@click.group(cls=KBGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="KB_DB",
    default="kb.db",
    show_default=True,
    help="Knowledge base file (env KB_DB).",
)
@click.version_option(package_name="evidence-kb", prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """evidence-kb: answer security questionnaires from your own audit evidence."""
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    ctx.obj["db"] = None


@cli.group(name="import", cls=KBGroup)
def import_group() -> None:
    """Import documents into the knowledge base."""


@import_group.command(name="whitepaper")
@click.argument("file")
@click.option("--service", help="Service scope of the responses, e.g. CPS-VM (default: from the text).")
@click.pass_context
def import_whitepaper(ctx: click.Context, file: str, service: str | None) -> None:
    """Import an ISO/IEC 27017-style whitepaper (Markdown-ish text)."""
    from importers.whitepaper import parse_whitepaper
    from kb import store

    data = read_input(file)
    parsed = parse_whitepaper(data, source_name=Path(file).name, service=service)
    db = _open_db(ctx)
    result = store.import_document(db, parsed)
    if result.status == "unchanged":
        click.echo(f"{file}: already imported (document {result.document_id}), nothing changed")
        return
    click.echo(
        f"{file}: {result.status} as document {result.document_id} — "
        f"{result.controls} control responses, {result.sections} general sections, "
        f"{result.clause_refs} clause references, {result.doc_refs} document references, "
        f"{result.revisions} revisions"
        + (
            f"; document {result.superseded_document_id} kept as history"
            if result.superseded_document_id
            else ""
        )
    )


@cli.group(name="export", cls=KBGroup)
def export_group() -> None:
    """Export the knowledge base."""


@export_group.command(name="json")
@click.option("-o", "--output", help="Write to FILE instead of stdout.")
@click.option("--no-history", is_flag=True, help="Leave out superseded responses.")
@click.pass_context
def export_json(ctx: click.Context, output: str | None, no_history: bool) -> None:
    """The whole KB as JSON."""
    from exporters.json_export import export_kb

    text = json.dumps(export_kb(_open_db(ctx), include_history=not no_history), ensure_ascii=False, indent=2)
    if output:
        write_output(output, text + "\n")
    else:
        click.echo(text)


@cli.command()
@click.argument("control_id")
@click.pass_context
def show(ctx: click.Context, control_id: str) -> None:
    """Show the response to CONTROL_ID with its citations and history."""
    from kb.analysis import canonical_control_id
    from kb.show import render_control

    cid = canonical_control_id(control_id)
    if not render_control(_open_db(ctx), cid):
        raise KBError(f"no response for control {cid}")


KINDS = ("response", "clause", "evidence", "qa")


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--kind", type=click.Choice(KINDS), multiple=True, help="Only hits of this kind (repeatable).")
@click.pass_context
def search(ctx: click.Context, query: str, as_json: bool, limit: int, kind: tuple[str, ...]) -> None:
    """Ranked full-text search (Japanese or English) with highlighted snippets."""
    from kb import search as search_mod

    db = _open_db(ctx)
    prepared = search_mod.prepare(db, query)
    hits = search_mod.search(db, query, limit=limit, kinds=kind or None, query=prepared)
    if as_json:
        out = [
            {
                "kind": h.kind,
                "control_id": h.control_id,
                "title": h.title,
                "snippet": search_mod.snippet(h.body, prepared),
                "score": round(h.score, 4),
            }
            for h in hits
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no matches", err=True)
        return
    from rich.console import Console
    from rich.markup import escape as rich_escape

    console = Console(highlight=False)
    for h in hits:
        console.print(f"[bold]{rich_escape(h.title)}[/bold]  [dim]{h.kind} · {h.score:.3f}[/dim]")
        console.print(
            "  "
            + search_mod.snippet(h.body, prepared, start="[reverse]", end="[/reverse]", escape=rich_escape)
        )


@cli.command()
@click.argument("question", required=False)
@click.option("--file", "questions_file", help="Answer each line of this file (one question per line).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer(s) as JSON.")
@click.pass_context
def answer(ctx: click.Context, question: str | None, questions_file: str | None, as_json: bool) -> None:
    """Answer QUESTION (or each line of --file) from the KB, with sources."""
    from kb.batch import answer_many

    if bool(question) == bool(questions_file):
        raise KBError("give either a QUESTION or --file, not both")
    if questions_file:
        try:
            text = read_input(questions_file).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise KBError(f"{questions_file} is not UTF-8 text") from None
        questions = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        questions = [question]
    db = _open_db(ctx)
    answers = answer_many(db, questions)
    if as_json:
        payload = [a.to_json() for a in answers]
        click.echo(json.dumps(payload if questions_file else payload[0], ensure_ascii=False, indent=2))
        return
    from kb.show import render_answer

    for a in answers:
        render_answer(a)


@cli.command(name="eval")
@click.argument("questions_file")
@click.option("--json", "as_json", is_flag=True, help="Print metrics and failures as JSON.")
@click.pass_context
def eval_command(ctx: click.Context, questions_file: str, as_json: bool) -> None:
    """Measure answering on labelled questions (JSON Lines)."""
    from kb.evaluate import evaluate, load_questions

    items = load_questions(questions_file)
    report = evaluate(_open_db(ctx), items)
    metrics = report.metrics()
    if as_json:
        click.echo(
            json.dumps({"metrics": metrics, "failures": report.failures()}, ensure_ascii=False, indent=2)
        )
        return
    from kb.show import render_eval

    render_eval(metrics, report.failures())


def _checksheet_overrides(sheet, header_row, question_col, answer_col, comment_col) -> dict:
    return {
        "sheet": sheet,
        "header_row": header_row,
        "question_col": question_col,
        "answer_col": answer_col,
        "comment_col": comment_col,
    }


def checksheet_options(func):
    """Overrides for when check-sheet detection gets a workbook wrong."""
    for option in reversed(
        [
            click.option("--sheet", help="Only this sheet."),
            click.option(
                "--header-row", type=click.IntRange(1, 1_048_576), help="Last header row (1-based)."
            ),
            click.option("--question-col", help="Column letter of the questions, e.g. B."),
            click.option("--answer-col", help="Column letter of the answer (choice) cells."),
            click.option("--comment-col", help="Column letter of the free-text answer cells."),
        ]
    ):
        func = option(func)
    return func


@cli.command()
@click.argument("file")
@checksheet_options
@click.option("--json", "as_json", is_flag=True, help="Print the detection as JSON.")
def inspect(file, sheet, header_row, question_col, answer_col, comment_col, as_json) -> None:
    """Show what kb detects in a check sheet: tables, columns, options, question counts."""
    from importers.checksheet import inspect_report, read_checksheet

    require_file(file)
    tables = read_checksheet(
        file, **_checksheet_overrides(sheet, header_row, question_col, answer_col, comment_col)
    )
    report = inspect_report(tables)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    from kb.show import render_inspect

    render_inspect(file, report)


@cli.command()
@click.argument("file")
@click.option("-o", "--output", required=True, help="Filled workbook to write (never the input).")
@click.option("--report", "report_path", help="Write the per-question report as JSON.")
@click.option("--review", "review_path", help="Write the rows to review as .xlsx or .html.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), help="Answer automatically at or above this.")
@click.option("--overwrite", is_flag=True, help="Replace answers a person already wrote.")
@checksheet_options
@click.pass_context
def fill(
    ctx,
    file,
    output,
    report_path,
    review_path,
    min_confidence,
    overwrite,
    sheet,
    header_row,
    question_col,
    answer_col,
    comment_col,
) -> None:
    """Fill a customer's check sheet in place from the KB."""
    import os

    from kb.batch import Helpers

    src, dst = Path(file), Path(output)
    require_file(file)
    if dst.exists() and os.path.samefile(src, dst) or src.resolve() == dst.resolve():
        raise KBError("refusing to write over the input workbook; choose another -o")
    if not dst.parent.exists():
        raise KBError(f"directory does not exist: {dst.parent}")
    for extra in (report_path, review_path):
        if extra and Path(extra).resolve() in (src.resolve(), dst.resolve()):
            raise KBError(f"{extra} would overwrite a workbook; choose another name")
        if extra and not Path(extra).parent.exists():
            raise KBError(f"directory does not exist: {Path(extra).parent}")
    if review_path and Path(review_path).suffix.lower() not in (".xlsx", ".html", ".htm"):
        raise KBError(f"review file must end in .xlsx or .html: {review_path}")
    db = _open_db(ctx)
    # Helpers get the KB ready on the other cores (importing what answering
    # needs, too) while this process reads the sheet.
    with Helpers.start(db) or nullcontext() as helpers:
        from exporters.fill import FillOptions
        from exporters.fill import fill as fill_workbook
        from importers.checksheet import read_checksheet
        from kb.answer import AUTO_THRESHOLD

        options = FillOptions(
            overwrite=overwrite, min_confidence=AUTO_THRESHOLD if min_confidence is None else min_confidence
        )
        tables = read_checksheet(
            src, **_checksheet_overrides(sheet, header_row, question_col, answer_col, comment_col)
        )
        total = sum(len(t.questions) for t in tables)
        if total >= 50 and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as progress:
                task = progress.add_task("answering", total=total)
                result = fill_workbook(
                    db,
                    src,
                    dst,
                    tables,
                    options,
                    progress=lambda n: progress.advance(task, n),
                    helpers=helpers,
                )
        else:
            result = fill_workbook(db, src, dst, tables, options, helpers=helpers)
    report, rows = result.report, result.rows
    written = [dst]
    try:
        if review_path:
            from exporters.review import write_review

            report["summary"]["review_rows"] = write_review(rows, review_path)
            report["review"] = review_path
            written.append(Path(review_path))
        if report_path:
            write_output(report_path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    except BaseException:
        for path in written:  # all or nothing: no filled workbook without its report
            path.unlink(missing_ok=True)
        raise
    from kb.show import render_fill_summary

    render_fill_summary(report)


@import_group.command(name="checksheet")
@click.argument("file")
@click.option("--answered", is_flag=True, required=True, help="The sheet holds answers a person wrote.")
@click.option("--customer", help="Who the answers went to.")
@click.option("--date", "answered_on", help="When it was answered (YYYY-MM-DD).")
@checksheet_options
@click.pass_context
def import_checksheet(
    ctx, file, answered, customer, answered_on, sheet, header_row, question_col, answer_col, comment_col
) -> None:
    """Harvest an answered check sheet into the answer library (kind qa)."""
    from importers.answered import parse_answered
    from kb import store

    if answered_on:
        from datetime import date

        try:
            answered_on = date.fromisoformat(answered_on).isoformat()
        except ValueError:
            raise KBError(f"--date must be YYYY-MM-DD, got {answered_on!r}") from None
    data = read_input(file)
    doc, pairs = parse_answered(
        file, data, **_checksheet_overrides(sheet, header_row, question_col, answer_col, comment_col)
    )
    result = store.import_qa_pairs(_open_db(ctx), doc, pairs, customer=customer, answered_on=answered_on)
    if result.status == "unchanged":
        click.echo(f"{file}: already imported (document {result.document_id}), nothing changed")
    else:
        click.echo(
            f"{file}: {result.status} as document {result.document_id} — {result.sections} answered questions"
        )


@cli.group(name="glossary", cls=KBGroup)
def glossary_group() -> None:
    """The bilingual glossary that expands queries (shipped groups + your own)."""


@glossary_group.command(name="list")
@click.option("--shipped", is_flag=True, help="Also list the groups shipped with kb.")
@click.pass_context
def glossary_list(ctx, shipped: bool) -> None:
    """List your glossary groups (id, terms)."""
    from kb import glossary

    if shipped:
        for terms in glossary.shipped_groups():
            click.echo("-\t" + "\t".join(terms))
    for gid, terms in glossary.user_groups(_open_db(ctx)):
        click.echo(f"{gid}\t" + "\t".join(terms))


@glossary_group.command(name="add")
@click.argument("terms", nargs=-1, required=True)
@click.pass_context
def glossary_add(ctx, terms: tuple[str, ...]) -> None:
    """Add a synonym group: kb glossary add "data residency" 保存場所 所在地"""
    from kb import glossary

    gid = glossary.add_group(_open_db(ctx), list(terms))
    click.echo(f"added glossary group {gid}")


@glossary_group.command(name="remove")
@click.argument("group_id", type=int)
@click.pass_context
def glossary_remove(ctx, group_id: int) -> None:
    """Remove one of your glossary groups by id."""
    from kb import glossary

    glossary.remove_group(_open_db(ctx), group_id)
    click.echo(f"removed glossary group {group_id}")


@cli.command()
@click.pass_context
def reindex(ctx) -> None:
    """Re-analyse every indexed chunk and rebuild the search indexes."""
    from kb import index

    n = index.rebuild(_open_db(ctx))
    click.echo(f"reindexed {n} chunks")


def main() -> None:
    try:
        cli(prog_name="kb")
    finally:
        # The process ends here: the collector's last pass over every cache and
        # index row (~25 ms after a long sheet) frees nothing the OS would not.
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
