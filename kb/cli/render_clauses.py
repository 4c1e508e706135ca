"""What `kb import clauses`, `kb clauses` and `kb check refs` print for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kb.contracts import article_label, heading_label
from kb.i18n import N_, _, said_to_user

if TYPE_CHECKING:
    from kb.clauses import Clause, ClauseChange, ContractImport, ContractVersion, RefProblem

# ClauseChange.change, as a line of a version's changes says it
_CHANGE_LINES = {
    "added": N_("{label}（{title}）: added"),
    "removed": N_("{label}（{title}）: removed"),
    "changed": N_("{label}（{title}）: text changed"),
}
# ... of an English contract's article, labelled as it cites it: "Article 12 (Data Storage Location)"
_ENGLISH_CHANGE_LINES = {
    "added": N_("{heading}: added"),
    "removed": N_("{heading}: removed"),
    "changed": N_("{heading}: text changed"),
}
# ContractImport.status, as the line of an import says it
_IMPORT_LINES = {
    "imported": N_(
        "{file}: imported — {document} version {version}{effective}: {clauses} articles (read as {encoding})"
    ),
    "new version": N_(
        "{file}: new version — {document} version {version}{effective}: {clauses} articles (read as {encoding})"
    ),
}


def problem_text(problem: str | None) -> str:
    """A Resolution's problem (kb.clauses: "no contract", "no such article", "title differs", an
    ambiguous name) in the user's language."""
    return said_to_user(problem) if problem else ""


def _effective(date: str | None) -> str:
    return _(", effective {date}").format(date=date) if date else ""


def change_line(change: ClauseChange) -> str:
    """A version's change to one article, the article labelled in its contract's language."""
    english = change.lang == "en"
    if change.change == "retitled":
        retitled = (
            _("{label}: retitled ({old}) → ({new})")
            if english
            else _("{label}: retitled（{old}） → （{new}）")
        )
        return retitled.format(label=change.label, old=change.old_title, new=change.new_title)
    title = change.new_title if change.change == "added" else change.old_title
    if english:
        heading = heading_label(change.article, title or "", change.branch, "en")
        return _(_ENGLISH_CHANGE_LINES[change.change]).format(heading=heading)
    return _(_CHANGE_LINES[change.change]).format(label=change.label, title=title or "")


def render_contract_import(file: str, result: ContractImport, encoding: str) -> None:
    if result.status == "unchanged":
        click.echo(
            _("{file}: already imported as {document} version {version}, nothing changed").format(
                file=file, document=result.document, version=result.version
            )
        )
        return
    click.echo(
        _(_IMPORT_LINES[result.status]).format(
            file=file,
            document=result.document,
            version=result.version,
            effective=_effective(result.effective),
            clauses=result.clauses,
            encoding=encoding,
        )
    )
    if result.previous_version is None:
        return
    if not result.changes:
        click.echo(
            _("  no article changed since version {version} (kept as history)").format(
                version=result.previous_version
            )
        )
        return
    click.echo(_("  since version {version} (kept as history):").format(version=result.previous_version))
    for change in result.changes:
        click.echo(f"    {change_line(change)}")


def render_history(found: list[ContractVersion]) -> None:
    for version in found:
        click.echo(
            _("{document} version {version}{current}{effective}: {clauses} articles from {file}").format(
                document=version.document,
                version=version.version,
                current=_(" (current)") if version.is_current else "",
                effective=_effective(version.effective),
                clauses=version.clauses,
                file=version.source_name,
            )
        )
        for change in version.changes:
            click.echo(f"  {change_line(change)}")


def render_clause(clause: Clause) -> None:
    """The clause's heading, then its paragraphs folded to the terminal, each hanging under its number."""
    import shutil

    from kb.cli.render_wrap import fold, fold_numbered

    width = shutil.get_terminal_size().columns
    level = f" [{clause.classification}]" if clause.classification != "public" else ""
    heading = _("{label} (version {version})").format(label=clause.label, version=clause.version)
    for line in [*fold(heading + level, width), *fold_numbered(clause.text, width, "  ")]:
        click.echo(line)


def render_ref_problems(checked: int, problems: list[RefProblem]) -> None:
    if not problems:
        click.echo(
            _("{checked} clause references checked: every cited article exists with the title cited").format(
                checked=checked
            )
        )
        return
    for p in problems:
        r = p.resolution
        where = f"{p.control_id} {p.section}" if p.control_id else p.section
        if r.problem == "title differs" and r.clause.lang == "en":
            detail = _("the contract's {label} is ({title})").format(
                label=article_label(r.clause.article, r.clause.branch, "en"), title=r.clause.title
            )
        elif r.problem == "title differs":
            detail = _("the contract's {label} is （{title}）").format(
                label=article_label(r.clause.article, r.clause.branch), title=r.clause.title
            )
        elif r.problem == "no such article" and r.lang == "en":  # as the citation numbers it
            detail = _("{contract} has no Article {article}").format(contract=r.contract, article=r.article)
        elif r.problem == "no such article":
            detail = _("{contract} has no 第{article}条").format(contract=r.contract, article=r.article)
        elif r.problem == "no contract":
            detail = _("no contract of that name in the KB (kb import clauses FILE --document NAME)")
        else:
            detail = problem_text(r.problem)
        click.echo(f"{where}: {r.cited_label}: {detail}")
    click.echo(
        _("{problems} of {checked} clause references do not match the contract").format(
            problems=len(problems), checked=checked
        ),
        err=True,
    )
