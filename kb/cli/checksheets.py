"""`kb inspect` and `kb fill`: a customer's check sheet, read and answered."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.audience import CUSTOMER_AUDIENCES, DEFAULT_AUDIENCE
from kb.cli.root import cli, echo_json, json_text, open_db, require_file, write_output
from kb.cli.scoping import service_option
from kb.errors import KBError
from kb.files import Staged
from kb.i18n import _

if TYPE_CHECKING:
    from exporters.fill import FillOptions, FillReport
    from exporters.previous import PreviousSheet
    from importers.ooxml import Package
    from kb.batch import Helpers
    from kb.db import Database


def overrides(sheet, header_row, question_col, answer_col, comment_col) -> dict:
    """The check-sheet options as read_checksheet's keyword arguments."""
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
    from exporters.xlsx_patch import check_patchable
    from importers.checksheet import inspect_report, read_checksheet
    from importers.ooxml import Package

    require_file(file)
    with Package(file) as workbook:  # what kb fill refuses, kb inspect refuses too
        tables = read_checksheet(
            workbook, **overrides(sheet, header_row, question_col, answer_col, comment_col)
        )
        check_patchable(workbook, [table.sheet for table in tables])
    report = inspect_report(tables)
    if as_json:
        echo_json([table.to_json() for table in report])
        return
    from kb.cli.render import render_inspect

    render_inspect(file, report)


def _check_paths(src: Path, dst: Path, report_path: str | None, review_path: str | None) -> None:
    """Refuse, before any work, what would overwrite the input or land nowhere."""
    from importers.ooxml import check_destination, same_file

    check_destination(src, dst)
    if dst.suffix.lower() != src.suffix.lower():
        # The copy is the same kind of package as the input: an .xlsx named .csv opens nowhere.
        raise KBError(
            _("output must end in {suffix} like the input: {name}").format(
                suffix=src.suffix.lower(), name=dst.name
            )
        )
    if report_path and review_path and same_file(report_path, review_path):
        raise KBError(
            _("--report and --review name the same file ({path}): one would replace the other").format(
                path=report_path
            )
        )
    for target in (dst, report_path, review_path):
        if target and Path(target).is_dir():
            raise KBError(_("{target} is a folder: name a file to write").format(target=target))
    for extra in (report_path, review_path):
        if extra and (same_file(extra, src) or same_file(extra, dst)):
            raise KBError(_("{extra} would overwrite a workbook; choose another name").format(extra=extra))
        if extra and not Path(extra).parent.exists():
            raise KBError(_("directory does not exist: {path}").format(path=Path(extra).parent))
    if review_path and Path(review_path).suffix.lower() not in (".xlsx", ".html", ".htm"):
        raise KBError(_("review file must end in .xlsx or .html: {path}").format(path=review_path))


def _check_previous(previous: str, dst: Path) -> None:
    from importers.ooxml import same_file

    require_file(previous)
    if same_file(previous, dst):
        raise KBError(
            _("-o {name} would overwrite the --previous workbook; choose another name").format(name=dst.name)
        )


def _fill(
    db: Database,
    src: Package,
    dst: Path,
    tables: list,
    options: FillOptions,
    helpers: Helpers | None,
    previous: PreviousSheet | None = None,
) -> FillReport:
    """exporters.fill.fill, with a progress bar on a terminal when the sheet is long."""
    from exporters.fill import fill

    total = sum(len(t.questions) for t in tables)
    if total < 50 or not sys.stderr.isatty():
        return fill(db, src, dst, tables, options, helpers=helpers, previous=previous)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("answering", total=total)
        return fill(
            db,
            src,
            dst,
            tables,
            options,
            progress=lambda n: progress.advance(task, n),
            helpers=helpers,
            previous=previous,
        )


def _write_extras(
    report: FillReport, report_path: str | None, review_path: str | None, out: Staged, written_at: Path
) -> FillReport:
    """The review list and the report file, staged with the workbook (kb.files.Staged) at
    ``written_at``: the decision workbook is bound to those bytes (exporters.decisions)."""
    if review_path:
        from exporters.review import write_review

        rows = write_review(report, out.path(review_path), written_at=written_at)
        report = report.with_review(review_path, rows)
    if report_path:
        write_output(str(out.path(report_path)), json_text(report.to_json()) + "\n")
    return report


def _remember(db: Database, report: FillReport, customer: str | None, service: str | None) -> None:
    """Record the written workbook in the disclosure ledger (kb.ledger), so that it is never
    harvested as a person's answers and `kb ledger` knows what went to whom. After the answering,
    in one transaction. The workbook is the user's work either way: a KB that cannot take the
    record costs a warning."""
    import sqlite3

    from exporters.fill_record import disclosure
    from kb import ledger

    try:
        ledger.record(db, disclosure(report, customer=customer, service=service))
    except (sqlite3.Error, OSError) as exc:
        click.echo(
            _(
                "kb: warning: this fill is not recorded in the KB ({error}): kb import checksheet will not"
                " know {name} as kb fill's own output, and kb ledger does not list it"
            ).format(error=exc, name=report.output.name),
            err=True,
        )


@cli.command()
@click.argument("file")
@click.option("-o", "--output", required=True, help="Filled workbook to write (never the input).")
@click.option("--report", "report_path", help="Write the per-question report as JSON.")
@click.option(
    "--review",
    "review_path",
    help="Write every row for review: .xlsx is a decision workbook for kb apply, .html a list to read.",
)
@click.option("--min-confidence", type=click.FloatRange(0, 1), help="Answer automatically at or above this.")
@click.option("--overwrite", is_flag=True, help="Replace answers a person already wrote.")
@click.option(
    "--answer-lang",
    type=click.Choice(["auto", "ja", "en"]),
    default="auto",
    show_default=True,
    help="Language of the text written; auto = the language most of the sheet's questions are in.",
)
@click.option(
    "--draft-text",
    is_flag=True,
    help="Also write the suggested text into rows left for review (a draft a person must check).",
)
@click.option(
    "--wrap",
    is_flag=True,
    help="Give the cells written a wrapped copy of their own cell format and let their rows grow;"
    " without it the customer's formatting is untouched.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    metavar="N",
    help="Cut an answer text longer than N characters at the last sentence end that fits; the full"
    " text goes to the comment column when the sheet has one.",
)
@click.option(
    "--previous",
    "previous_path",
    metavar="FILE",
    help="Last year's final workbook of this sheet: reuse its answers to unchanged questions and list"
    " changed and new ones.",
)
@click.option(
    "--audience",
    type=click.Choice(CUSTOMER_AUDIENCES),
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="Who the sheet goes to: public, or nda for a customer under NDA (a customer is never internal)."
    " Nothing above it is written, cited or suggested; the report and review list count what was withheld.",
)
@service_option("the service the sheet asks about, needed when the KB holds several")
@click.option(
    "--customer", metavar="NAME", help="Who the sheet goes to, for the disclosure ledger (kb ledger)."
)
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
    answer_lang,
    draft_text,
    audience,
    sheet,
    header_row,
    question_col,
    answer_col,
    comment_col,
    wrap,
    max_chars,
    previous_path,
    service,
    customer,
) -> None:
    """Fill a customer's check sheet from the KB into a copy (-o); the input is never changed."""
    from kb import services
    from kb.batch import Helpers

    src, dst = Path(file), Path(output)
    require_file(file)
    _check_paths(src, dst, report_path, review_path)
    if previous_path:
        _check_previous(previous_path, dst)
    db = open_db(ctx)
    services.scope(db, service)  # refused before the sheet is read
    # Helpers get the KB ready on the other cores (importing what answering
    # needs, too) while this process reads the sheet.
    # Every output is staged beside its target and moved into place once all are
    # written: a failure leaves the user's earlier outputs as they were.
    with Staged() as out, Helpers.start(db) or nullcontext() as helpers:
        from exporters.fill import FillOptions
        from exporters.xlsx_patch import check_patchable
        from importers.checksheet import read_checksheet
        from importers.ooxml import Package

        options = FillOptions(
            overwrite=overwrite,
            min_confidence=min_confidence,  # None: each question language's threshold
            answer_lang=answer_lang,
            draft_text=draft_text,
            audience=audience,
            wrap=wrap,
            max_chars=max_chars,
            service=service,
        )
        previous = None
        if previous_path:
            from exporters.previous import read_previous

            previous = read_previous(Path(previous_path), db)
        with Package(src) as workbook:  # opened once: the sheet is read from it, then patched
            tables = read_checksheet(
                workbook, **overrides(sheet, header_row, question_col, answer_col, comment_col)
            )
            check_patchable(workbook, [table.sheet for table in tables])  # before any answering
            written_at = out.path(dst)
            report = replace(_fill(db, workbook, written_at, tables, options, helpers, previous), output=dst)
        report = _write_extras(report, report_path, review_path, out, written_at)
    _remember(db, report, (customer or "").strip() or None, service)
    from kb.cli.render import render_fill_summary

    render_fill_summary(report)
