"""`kb check conflicts` and `kb check stale`, beside `kb check refs` in the one check group:
for a compliance team's CI, each exits 1 when it finds anything and 0 when the KB is clean."""

from __future__ import annotations

import click

from kb.cli.clauses import check_group
from kb.cli.root import echo_json, iso_date, open_db, read_input, require_file
from kb.cli.scoping import service_option
from kb.i18n import N_, Message, _, said_to_user

# kb.checks_stale's reasons as the first word of a line (the codes stay in --json)
_REASONS = {"evidence": N_("evidence"), "contract": N_("contract"), "review": N_("review")}


def _sheet_rows(path: str, service: str | None) -> list:
    """The answered rows of a check sheet file, as kb.checks reads answers given before."""
    from importers.answered import parse_answered
    from kb.checks import Given
    from kb.errors import KBError

    require_file(path)
    try:
        _document, pairs = parse_answered(path, read_input(path))
    except KBError as exc:  # its words are for kb import checksheet
        if "no answered questions" not in str(exc):
            raise
        raise KBError(_("{path} has no answered rows to check").format(path=path)) from None
    return [
        Given(
            p.question,
            p.choice,
            p.text,
            Message(N_("{place} row {row}"), place=f"{path} {p.sheet}" if p.sheet else path, row=p.row),
            service,
        )
        for p in pairs
    ]


def _said(given, stance: str | None) -> str:
    """Where an answer was given, what it says and to which question, in a conflict's line."""
    return _("{where} says {stance} to 「{question}」").format(
        where=said_to_user(given.where), stance=_(stance) if stance else "-", question=given.question
    )


def _given_json(given) -> dict:
    return {"question": given.question, "choice": given.choice, "text": given.text, "where": given.where}


@check_group.command(name="conflicts")
@click.option(
    "--sheet",
    "sheets",
    multiple=True,
    metavar="FILE",
    help="Also an answered check sheet not in the library (repeatable).",
)
@service_option("only answers given for it, against its responses")
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON.")
@click.pass_context
def check_conflicts(ctx: click.Context, sheets: tuple[str, ...], service: str | None, as_json: bool) -> None:
    """Library answers (and --sheet rows) whose yes or no is the opposite of the response that answers
    the question, and near-identical library questions answered differently. Exit 1 when any."""
    from kb.checks import check_conflicts as run

    db = open_db(ctx)
    rows = [row for sheet in sheets for row in _sheet_rows(sheet, service)]
    found = run(db, rows, service)
    if as_json:
        echo_json(
            {
                "checked": found.checked,
                "conflicts": [
                    {
                        "given": _given_json(c.given),
                        "given_stance": c.given_stance,
                        "service": c.service,
                        "response": c.response._asdict(),
                    }
                    for c in found.conflicts
                ],
                "duplicates": [
                    {
                        "first": _given_json(d.first) | {"stance": d.first_stance},
                        "second": _given_json(d.second) | {"stance": d.second_stance},
                        "coverage": d.coverage,
                    }
                    for d in found.duplicates
                ],
            }
        )
    else:
        for c in found.conflicts:
            of = f" [{c.service}]" if c.service else ""
            said = _said(c.given, c.given_stance)
            click.echo(
                _("conflict: {said}; {title}{of} says {stance}").format(
                    said=said, title=c.response.title, of=of, stance=_(c.response.stance)
                )
            )
        for d in found.duplicates:
            first, second = _said(d.first, d.first_stance), _said(d.second, d.second_stance)
            click.echo(_("duplicate: {first}; {second}").format(first=first, second=second))
        click.echo(
            _(
                "{checked} answers checked: {conflicts} contradict the responses,"
                " {duplicates} near-duplicate questions answered differently"
            ).format(checked=found.checked, conflicts=len(found.conflicts), duplicates=len(found.duplicates)),
            err=True,
        )
    if found.found:
        ctx.exit(1)


@check_group.command(name="stale")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Check as on this day (default: today).")
@service_option("only its responses")
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON.")
@click.pass_context
def check_stale(ctx: click.Context, as_of: str | None, service: str | None, as_json: bool) -> None:
    """Current responses that cite expired evidence, cite an article a later contract version changed,
    or are past their review date. Exit 1 when any."""
    from datetime import date

    from kb import services
    from kb.checks_stale import check_stale as run

    day = iso_date("--as-of", as_of)
    db = open_db(ctx)
    checked, found = run(
        db, today=date.fromisoformat(day) if day else None, service=services.filter_scope(db, service)
    )
    if as_json:
        echo_json({"checked": checked, "stale": [s._asdict() for s in found]})
    else:
        from kb.index import chunk_title

        for s in found:
            of = f" [{s.service}]" if s.service else ""
            reason = _REASONS.get(s.reason, s.reason)
            click.echo(
                _("{reason}: {title}{of}: {detail}").format(
                    reason=_(reason),
                    title=chunk_title(s.control_id, s.title),
                    of=of,
                    detail=s.detail.in_users_language(),
                )
            )
        click.echo(
            _("{checked} responses checked: {found} reasons to review").format(
                checked=checked, found=len(found)
            ),
            err=True,
        )
    if found:
        ctx.exit(1)
