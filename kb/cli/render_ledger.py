"""What `kb log` and `kb ledger` print for a person.

One tab-separated line an entry, so that the lines can be piped (cut, sort, a spreadsheet); at a
terminal (``header``) a first line names the columns. The values are the KB's as stored (an
audit entry's action and detail are its record), but for what wrote a disclosure (fill,
apply), the counts and the notes, which are said in the user's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kb.i18n import _, pgettext

if TYPE_CHECKING:
    from kb.audit import Entry
    from kb.ledger import Affected
    from kb.ledger import Entry as LedgerEntry


def _short(sha256: str | None) -> str:
    return sha256[:12] if sha256 else "-"


def _kind(kind: str) -> str:
    """What wrote a disclosure (kb.db.FILL_KINDS), as said to the user."""
    kinds = {"fill": pgettext("disclosure kind", "fill"), "apply": pgettext("disclosure kind", "apply")}
    return kinds.get(kind, kind)


def _header(*columns: str) -> None:
    click.echo(click.style("\t".join(columns), bold=True))


def render_log(entries: list[Entry], *, header: bool = False) -> None:
    """One line an entry: id, time, actor, action, target, before -> after, detail."""
    if not entries:
        click.echo(_("the audit log is empty"))
        return
    if header:
        _header(
            pgettext("kb log column", "id"),
            pgettext("kb log column", "time (UTC)"),
            pgettext("kb log column", "actor"),
            pgettext("kb log column", "action"),
            pgettext("kb log column", "target"),
            pgettext("kb log column", "before -> after  detail"),
        )
    for e in entries:
        target = f"{e.target_kind} {e.target_id}" if e.target_id is not None else e.target_kind
        change = f"{_short(e.before_sha256)} -> {_short(e.after_sha256)}"
        detail = f"  {e.detail}" if e.detail else ""
        click.echo(f"{e.id}\t{e.at[:19]}Z\t{e.actor}\t{e.action}\t{target}\t{change}{detail}")


def render_ledger(entries: list[LedgerEntry], customer: str | None, *, header: bool = False) -> None:
    """One line a disclosure: id, date, what wrote it, customer, service, audience, output and its
    hash, rows."""
    if not entries:
        click.echo(
            _("nothing disclosed to {customer}").format(customer=customer)
            if customer
            else _("nothing disclosed yet"),
            err=True,
        )
        return
    if header:
        _header(
            pgettext("kb ledger column", "id"),
            pgettext("kb ledger column", "date"),
            pgettext("kb ledger column", "written by"),
            pgettext("kb ledger column", "customer"),
            pgettext("kb ledger column", "service"),
            pgettext("kb ledger column", "audience"),
            pgettext("kb ledger column", "output"),
            pgettext("kb ledger column", "sha256"),
            pgettext("kb ledger column", "rows"),
            pgettext("kb ledger column", "actor"),
        )
    for e in entries:
        responses = sum(1 for r in e.rows if r.source_kind == "response")
        rows = _("{rows} rows written, {responses} from responses").format(
            rows=len(e.rows), responses=responses
        )
        of = _(" (finalises fill {id})").format(id=e.source_fill) if e.source_fill else ""
        click.echo(
            f"{e.id}\t{e.created_at[:10]}\t{_kind(e.kind)}{of}\t{e.customer or '-'}\t{e.service or '-'}"
            f"\t{e.audience}\t{e.output_name}\t{_short(e.output_sha256)}\t{rows}\t{e.actor or '-'}"
        )


def render_affected(control_id: str, found: list[Affected], *, header: bool = False) -> None:
    if not found:
        click.echo(
            _("no customer holds an older text of {control_id} than the approved one").format(
                control_id=control_id
            )
        )
        return
    if header:
        _header(
            pgettext("kb ledger column", "customer"),
            pgettext("kb ledger column", "date"),
            pgettext("kb ledger column", "written by"),
            pgettext("kb ledger column", "output"),
            pgettext("kb ledger column", "sheet!row"),
            pgettext("kb ledger column", "text sent, and now"),
        )
    for a in found:
        now = (
            _("approved now {sha}").format(sha=_short(a.current_sha256))
            if a.current_sha256
            else _("no approved text now")
        )
        sent = _("sent {sha}, {now}").format(sha=_short(a.sent_sha256), now=now)
        click.echo(
            f"{a.customer or _('(no customer named)')}\t{a.created_at[:10]}\t{_kind(a.kind)} {a.fill_id}"
            f"\t{a.output_name}\t{a.sheet}!{a.row}\t{sent}"
        )
