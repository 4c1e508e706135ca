"""The `kb` command line.

Heavy modules (Sudachi, openpyxl, rich, the importers and exporters) are imported
inside the commands that need them, so `kb --help` stays fast and `kb` itself
never imports importers/exporters at module level.
"""

from __future__ import annotations

import json
import sys
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
    from kb.db import connect

    obj = ctx.find_root().obj
    if obj.get("db") is None:
        obj["db"] = connect(obj["db_path"])
    return obj["db"]


def read_input(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise KBError(f"no such file: {path}")
    if p.is_dir():
        raise KBError(f"is a directory, not a file: {path}")
    return p.read_bytes()


def write_output(path: str, text: str) -> None:
    """Write atomically: a reader never sees half a file."""
    import os
    import tempfile

    target = Path(path)
    if not target.parent.exists():
        raise KBError(f"directory does not exist: {target.parent}")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

    console = Console(highlight=False)
    for h in hits:
        console.print(f"[bold]{h.title}[/bold]  [dim]{h.kind} · {h.score:.3f}[/dim]")
        console.print("  " + search_mod.snippet(h.body, prepared, start="[reverse]", end="[/reverse]"))


@cli.command()
@click.argument("question", required=False)
@click.option("--file", "questions_file", help="Answer each line of this file (one question per line).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer(s) as JSON.")
@click.pass_context
def answer(ctx: click.Context, question: str | None, questions_file: str | None, as_json: bool) -> None:
    """Answer QUESTION (or each line of --file) from the KB, with sources."""
    from kb.answer import answer as answer_one

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
    answers = [answer_one(db, q) for q in questions]
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


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":
    sys.exit(main())
