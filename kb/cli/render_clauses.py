"""What `kb import clauses`, `kb clauses` and `kb check refs` print for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kb.contracts import article_label

if TYPE_CHECKING:
    from kb.clauses import Clause, ClauseChange, ContractImport, ContractVersion, RefProblem

_CHANGE_WORDS = {"added": "added", "removed": "removed", "changed": "text changed", "retitled": "retitled"}


def change_line(change: ClauseChange) -> str:
    if change.change == "retitled":
        return f"{change.label}: retitled（{change.old_title}） → （{change.new_title}）"
    title = change.new_title if change.change == "added" else change.old_title
    return f"{change.label}（{title or ''}）: {_CHANGE_WORDS[change.change]}"


def render_contract_import(file: str, result: ContractImport, encoding: str) -> None:
    if result.status == "unchanged":
        click.echo(f"{file}: already imported as {result.document} version {result.version}, nothing changed")
        return
    effective = f", effective {result.effective}" if result.effective else ""
    click.echo(
        f"{file}: {result.status} — {result.document} version {result.version}{effective}:"
        f" {result.clauses} articles (read as {encoding})"
    )
    if result.previous_version is None:
        return
    if not result.changes:
        click.echo(f"  no article changed since version {result.previous_version} (kept as history)")
        return
    click.echo(f"  since version {result.previous_version} (kept as history):")
    for change in result.changes:
        click.echo(f"    {change_line(change)}")


def render_history(found: list[ContractVersion]) -> None:
    for version in found:
        current = " (current)" if version.is_current else ""
        effective = f", effective {version.effective}" if version.effective else ""
        click.echo(
            f"{version.document} version {version.version}{current}{effective}:"
            f" {version.clauses} articles from {version.source_name}"
        )
        for change in version.changes:
            click.echo(f"  {change_line(change)}")


def render_clause(clause: Clause) -> None:
    """The clause's heading, then its paragraphs folded to the terminal, each hanging under its number."""
    import shutil

    from kb.cli.render_wrap import fold, fold_numbered

    width = shutil.get_terminal_size().columns
    level = f" [{clause.classification}]" if clause.classification != "public" else ""
    for line in [
        *fold(f"{clause.label} (version {clause.version}){level}", width),
        *fold_numbered(clause.text, width, "  "),
    ]:
        click.echo(line)


def render_ref_problems(checked: int, problems: list[RefProblem]) -> None:
    if not problems:
        click.echo(f"{checked} clause references checked: every cited article exists with the title cited")
        return
    for p in problems:
        r = p.resolution
        where = f"{p.control_id} {p.section}" if p.control_id else p.section
        if r.problem == "title differs":
            detail = (
                f"the contract's {article_label(r.clause.article, r.clause.branch)} is （{r.clause.title}）"
            )
        elif r.problem == "no such article":
            detail = f"{r.contract} has no 第{r.article}条"
        elif r.problem == "no contract":
            detail = "no contract of that name in the KB (kb import clauses FILE --document NAME)"
        else:
            detail = r.problem or ""
        click.echo(f"{where}: {r.cited_label}: {detail}")
    click.echo(f"{len(problems)} of {checked} clause references do not match the contract", err=True)
