"""`kb log` (the audit log of every change) and `kb ledger` (what was disclosed to whom)."""

from __future__ import annotations

import sys

import click

from kb.cli.root import KBGroup, cli, echo_json, open_db
from kb.errors import KBError
from kb.i18n import _
from kb.settings import DEFAULTS


def _at_terminal() -> bool:
    """A person reads the lines (a first line names the columns), not a pipe or a file."""
    return sys.stdout.isatty()


@cli.command("log")
@click.option(
    "--verify", is_flag=True, help="Recompute the hash chain; exit 1 naming the first broken entry."
)
@click.option(
    "--head",
    "noted_head",
    metavar="HASH",
    help="With --verify: a head an earlier --verify printed; exit 1 unless the log still holds it"
    " (newest entries cut off show only so).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the entries (or the verification) as JSON.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=DEFAULTS["audit_log_limit"],
    show_default=True,
    metavar="N",
    help="Show the newest N entries.",
)
@click.pass_context
def log(ctx, verify: bool, noted_head: str | None, as_json: bool, limit: int) -> None:
    """Show the audit log of every change to the KB: who, when, what, before/after hashes."""
    from kb import audit

    if noted_head and not verify:
        raise KBError(_("--head HASH goes with --verify"))
    db = open_db(ctx)
    if verify:
        result = audit.verify(db, (noted_head or "").strip().lower() or None)
        if as_json:
            echo_json(
                {
                    "ok": result.ok,
                    "entries": result.entries,
                    "head": result.head,
                    "broken": result.broken._asdict() if result.broken else None,
                }
            )
        elif result.ok:
            click.echo(
                _("audit log intact: {entries} entries, head {head}").format(
                    entries=result.entries, head=result.head
                )
            )
        else:
            broken = result.broken
            if broken.entry_id is not None:
                line = _("kb: audit log broken at entry {id}: {reason}").format(
                    id=broken.entry_id, reason=broken.reason
                )
            else:
                line = _("kb: audit log broken: {reason}").format(reason=broken.reason)
            click.echo(line, err=True)
        if not result.ok:
            sys.exit(1)
        return
    entries = audit.entries(db, limit=limit)
    if as_json:
        echo_json([e.to_json() for e in entries])
        return
    from kb.cli.render_ledger import render_log

    render_log(entries, header=_at_terminal())


@cli.group(name="ledger", cls=KBGroup, invoke_without_command=True)
@click.option("--customer", metavar="NAME", help="Only what went to this customer.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the disclosures, with every row written, as JSON."
)
@click.pass_context
def ledger_group(ctx, customer: str | None, as_json: bool) -> None:
    """What was disclosed to whom: every workbook kb fill and kb apply wrote, with the response
    version, clauses and evidence of each row written."""
    if ctx.invoked_subcommand is not None:
        return
    from kb import ledger

    found = ledger.entries(open_db(ctx), customer)
    if as_json:
        echo_json([e.to_json() for e in found])
        return
    from kb.cli.render_ledger import render_ledger

    render_ledger(found, customer, header=_at_terminal())


@ledger_group.command(name="affected")
@click.argument("control_id")
@click.option("--json", "as_json", is_flag=True, help="Print the customers affected as JSON.")
@click.pass_context
def ledger_affected(ctx, control_id: str, as_json: bool) -> None:
    """The customers whose newest copy of a control's response is an older text than the approved
    one now, who to tell after it changed; CONTROL_ID as in the whitepaper, 12.6.1 or CLD.9.5.1."""
    from kb import ledger

    db = open_db(ctx)
    if not ledger.knows_control(db, control_id):
        raise KBError(
            _("no response to control {control_id} in the KB, and none was ever sent").format(
                control_id=control_id
            )
        )
    found = ledger.affected(db, control_id)
    if as_json:
        echo_json([a.to_json() for a in found])
        return
    from kb.cli.render_ledger import render_affected

    render_affected(control_id, found, header=_at_terminal())
