"""Everything `kb` prints for a person at a terminal.

The commands gather typed values (answers, reports, store rows); these functions
only lay them out. rich is imported by the renderers that draw tables or
panels, so commands that print a few plain lines never pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kb.i18n import N_, _

if TYPE_CHECKING:
    from exporters.fill import FillReport
    from exporters.previous import PreviousReport
    from importers.checksheet import SheetReport
    from kb.answer import Answer
    from kb.clauses import Resolution
    from kb.evaluate import Failure, Metrics
    from kb.search import Hit, Query
    from kb.store import ImportResult, Revision

STATUS_STYLE = {
    "answered": "green",
    "needs_review": "yellow",
    "no_match": "red",
    "kept": "cyan",
    "not_applicable": "blue",
}


def _console():
    from rich.console import Console

    return Console(highlight=False)


# ImportResult.status, shown translated
_IMPORT_STATUSES = (N_("imported"), N_("new version"))
# Answer.status and Answer.stance as kb answer shows them (the codes themselves in English)
_ANSWER_WORDS = (N_("answered"), N_("needs_review"), N_("no_match"), N_("yes"), N_("no"))


def kind_label(kind: str) -> str:
    """A chunk's kind as a person reads it (``kb search --kind`` takes the English code)."""
    from kb.i18n import pgettext

    labels = {
        "response": pgettext("chunk kind", "response"),
        "clause": pgettext("chunk kind", "clause"),
        "evidence": pgettext("chunk kind", "evidence"),
        "qa": pgettext("chunk kind", "qa"),
    }
    return labels.get(kind, kind)


def _already() -> str:
    return _("{file}: already imported (document {document}), nothing changed")


def render_whitepaper_import(file: str, result: ImportResult, *, lang_given: bool = True) -> None:
    """``lang_given``: the language was given (--lang), else read from the headings."""
    if result.status == "unchanged":
        click.echo(_already().format(file=file, document=result.document_id))
        return
    kept = (
        _("; document {document} kept as history").format(document=result.superseded_document_id)
        if result.superseded_document_id
        else ""
    )
    click.echo(
        _(
            "{file}: {status} as document {document} — {controls} control responses, {sections} general"
            " sections, {clause_refs} clause references, {doc_refs} document references, {revisions} revisions"
        ).format(
            file=file,
            status=_(result.status),
            document=result.document_id,
            controls=result.controls,
            sections=result.sections,
            clause_refs=result.clause_refs,
            doc_refs=result.doc_refs,
            revisions=result.revisions,
        )
        + kept
    )
    how = _("given") if lang_given else _("read from the headings; --lang to set it")
    linked = (
        _("; {linked} of {controls} controls linked to their edition in another language").format(
            linked=result.linked, controls=result.controls
        )
        if result.linked
        else ""
    )
    click.echo(
        _("{file}: language {lang} ({how}){linked}").format(
            file=file, lang=result.lang, how=how, linked=linked
        )
    )
    _render_carried(file, result)


def _render_carried(file: str, result: ImportResult) -> None:
    """What a new version did with the drafts pending on the old one (kb.curation)."""
    for old, new, what in result.drafts.carried if result.drafts else ():
        click.echo(
            _(
                "{file}: draft of {old} ({what}) carried over to {new}; `kb approve {new}` when it is right"
            ).format(file=file, old=old, what=what, new=new)
        )
    for old, what in result.drafts.orphaned if result.drafts else ():
        click.echo(
            _(
                "{file}: draft of {old} ({what}) NOT carried over: the new version has no {what};"
                " it stays in `kb versions {old}`"
            ).format(file=file, old=old, what=what)
        )


def render_qa_import(file: str, result: ImportResult, *, approved: bool, as_filled: int) -> None:
    """``as_filled``: answered rows skipped because they hold what kb fill wrote there."""
    if result.status == "unchanged":
        click.echo(_already().format(file=file, document=result.document_id))
        return
    if result.status == "approved":
        click.echo(
            _("{file}: {n} draft answers of document {document} approved").format(
                file=file, n=result.sections, document=result.document_id
            )
        )
        return
    status = (
        _("approved")
        if approved
        else _("drafts (suggestions only; import with --approved to let them answer)")
    )
    click.echo(
        _("{file}: {status} as document {document} — {n} answered questions, {kind}").format(
            file=file, status=_(result.status), document=result.document_id, n=result.sections, kind=status
        )
    )
    if as_filled:
        click.echo(
            _("{file}: {n} rows skipped: as kb fill wrote them, not a person's answer").format(
                file=file, n=as_filled
            )
        )
    _render_carried(file, result)


def render_control(
    full: list[dict],
    history: list[dict],
    citations: dict[int, dict],
    revisions: dict[int, list[Revision]],
    clauses: dict[tuple[str, int], Resolution] | None = None,
) -> None:
    """Responses to one control in full, with citations and revisions, then earlier versions dimmed.

    Rows are store.responses_for_control's; ``citations`` and ``revisions`` are keyed
    by response id and cover the ``full`` ones; ``clauses`` is what each cited
    (document, article) is in the KB's contracts, whose text is shown under its citation.
    """
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from kb.cli.render_wrap import fold, hanging

    console = _console()
    inner = console.width - 4  # inside the panel's borders and padding
    for row in full:
        cites = citations[row["id"]]
        english = row.get("lang") == "en"  # an English edition is shown in English
        lines = [*fold(row["text"], inner), ""]
        version = row["document_version"]
        meta = row["document"]
        if version:
            meta += f" (version {version})" if english else f" ({version} 版)"
        service = f" / {'Service' if english else 'サービス'}: {row['service']}" if row["service"] else ""
        lines.extend(hanging("Source: " if english else "出典: ", f"{meta}{service}", inner))
        for ref in cites["clause_refs"]:
            if english:
                title = f" ({ref['title']})" if ref["title"] else ""
                lines.extend(hanging("Terms: ", f"{ref['document']}, Article {ref['article']}{title}", inner))
            else:
                lines.extend(
                    hanging("約款: ", f"{ref['document']} 第{ref['article']}条（{ref['title']}）", inner)
                )
            found = (clauses or {}).get((ref["document"], ref["article"]))
            lines.extend(_cited_clause_lines(found, inner))
        for name in cites["doc_refs"]:
            lines.extend(hanging("See: " if english else "参照: ", name, inner))
        title = f"{row['control_id']} {row['title']}" + (
            f"  [{row['framework']}]" if row["framework"] else ""
        )
        # Text, not markup: a response's [brackets] are its own; folded already, so rich keeps the lines.
        console.print(Panel(Text("\n".join(lines)), title=title, title_align="left"))
        revs = revisions[row["id"]]
        if revs:
            heads = (
                ("Version", "Date", "Changes", "Revision history")
                if english
                else ("版", "日付", "変更内容", "改訂履歴")
            )
            table = Table(*heads[:3], title=heads[3], title_justify="left")
            for rev in revs:
                table.add_row(rev.version, rev.date, rev.note)
            console.print(table)
    for row in history:
        console.print(
            Panel(
                row["text"],
                title=f"{'Earlier version' if row.get('lang') == 'en' else '以前の版'}: {row['document']}"
                f" {row['document_version'] or ''}",
                style="dim",
            )
        )


def _cited_clause_lines(found: Resolution | None, width: int) -> list[str]:
    """The cited clause's text under its citation, or what is wrong with the citation."""
    from kb.cli.render_wrap import fold_numbered

    if found is None:
        return []
    from kb.cli.render_clauses import problem_text

    if found.clause is None:
        return ["  " + _("({problem}: kb check refs)").format(problem=problem_text(found.problem))]
    clause = found.clause
    notes = (
        [
            "  "
            + _("({problem}: the contract's is （{title}）; kb check refs)").format(
                problem=problem_text(found.problem), title=clause.title
            )
        ]
        if found.problem
        else []
    )
    if clause.classification != "public":
        notes.append(f"  [{clause.classification}]")
    return notes + fold_numbered(clause.text, width, "    ")


def render_hits(hits: list[Hit], query: Query) -> None:
    from rich.markup import escape

    from kb.cli.render_wrap import MARK_CLOSE, MARK_OPEN, fold_marked
    from kb.search import snippet

    console = _console()
    for h in hits:
        console.print(f"[bold]{escape(h.title)}[/bold]  [dim]{kind_label(h.kind)} · {h.score:.3f}[/dim]")
        marked = snippet(h.body, query, start=MARK_OPEN, end=MARK_CLOSE, escape=str)
        for line in fold_marked(
            marked, console.width, "  ", start="[reverse]", end="[/reverse]", escape=escape
        ):
            console.print(line, soft_wrap=True)  # folded by display width already


def _print_title(console, title: str, meta: str) -> None:
    """A source's title in bold and what it is, folded (render_wrap), later lines indented under it."""
    from rich.markup import escape

    from kb.cli.render_wrap import MARK_CLOSE, MARK_OPEN, fold_marked

    text = f"{MARK_OPEN}{title}{MARK_CLOSE} {meta}"
    for line in fold_marked(
        text, console.width, "     ", start="[bold]", end="[/bold]", escape=escape, first="   "
    ):
        console.print(line, soft_wrap=True)


def _print_hanging(
    console, margin: str, label: str, text: str, *, label_style: str = "", style: str = ""
) -> None:
    """``label`` then ``text`` folded to the terminal, its later lines under the text (render_wrap)."""
    from rich.markup import escape

    from kb.cli.render_wrap import hanging

    def styled(part: str, how: str) -> str:
        return f"[{how}]{escape(part)}[/{how}]" if how and part else escape(part)

    lines = hanging(label, text, console.width, margin)
    first = lines[0][len(margin) + len(label) :]
    console.print(margin + styled(label, label_style or style) + styled(first, style), soft_wrap=True)
    for line in lines[1:]:
        console.print(styled(line, style), soft_wrap=True)


def render_answer(answer: Answer) -> None:
    console = _console()
    style = STATUS_STYLE.get(answer.status, "white")
    stance = f" · {_(answer.stance)}" if answer.stance else ""
    status = _(answer.status)
    _print_hanging(console, "", "Q: ", answer.question, label_style="bold")
    confidence = _("confidence {confidence:.2f}").format(confidence=answer.confidence)
    console.print(f"   [{style}]{status}[/{style}] · {confidence}{stance}")
    if answer.why and answer.status == "needs_review":
        from kb.i18n import said_to_user

        held = _("held for review: {why}").format(why=said_to_user(answer.why))
        _print_hanging(console, "   ", "", held, style="yellow")
    for label in answer.expired_evidence:
        console.print(f"   [red]{_('expired evidence: {label}').format(label=label)}[/red]")
    from kb.language import text_language

    # Each source in the question's language where the KB has that edition of it.
    lang = text_language(answer.question) or "ja"
    for src in answer.sources:
        shown = src.in_language(lang) or src.in_language(src.lang)
        title = shown.title or src.title
        edition = f", {shown.lang}" if src.translations else ""  # which edition, where there are several
        _print_title(console, title, f"({kind_label(src.kind)}, {src.score:.3f}{edition})")
        _print_hanging(console, "     ", "", shown.text)
        for label in shown.citations:
            _print_hanging(
                console, "     ", "Source: " if shown.lang == "en" else "出典: ", label, style="dim"
            )
        _print_clause_quotes(console, src)
    if answer.withheld and answer.withheld.total:
        _print_hanging(
            console,
            "   ",
            "",
            answer.withheld.describe(answer.confidence).in_users_language(),
            style="yellow",
        )
    console.print()


def _print_clause_quotes(console, src) -> None:
    """The clauses a source cites that answer the question better than it does, in their words,
    each under its label in its contract's language (as render_control labels a citation)."""
    from rich.markup import escape

    from kb.cli.render_wrap import fold_numbered

    for quote in src.clauses:
        _print_hanging(
            console, "     ", "Terms: " if quote.lang == "en" else "約款: ", quote.label, style="dim"
        )
        for line in fold_numbered(quote.text, console.width, "       "):
            console.print(escape(line), soft_wrap=True)


def _shown_metric(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if isinstance(value, float) else str(value)


def render_eval(metrics: Metrics, failures: list[Failure]) -> None:
    from rich.table import Table

    from kb.evaluate import metric_label
    from kb.i18n import pgettext

    console = _console()
    table = Table(
        pgettext("kb eval", "metric"), pgettext("kb eval", "value"), title="kb eval", title_justify="left"
    )
    for key, value in metrics.as_dict().items():
        table.add_row(metric_label(key), _shown_metric(value))
    console.print(table)
    if failures:
        fail = Table(
            pgettext("kb eval", "id"),
            pgettext("kb eval", "question"),
            pgettext("kb eval", "gold"),
            pgettext("kb eval", "got"),
            pgettext("kb eval", "status"),
            pgettext("kb eval", "conf"),
            pgettext("kb eval", "stance (gold/got)"),
            title=pgettext("kb eval", "misses"),
        )
        for f in failures:
            fail.add_row(
                str(f.id),
                f.question,
                ",".join(f.gold) or "[]",
                ",".join(map(str, f.got)),
                _(f.status),  # _ANSWER_WORDS
                f"{f.confidence:.2f}",
                f"{_eval_stance(f.stance[0])}/{_eval_stance(f.stance[1])}",
            )
        console.print(fail)


def _eval_stance(stance: str | None) -> str:
    """A yes/no of kb eval's misses (gold or got) as shown: None is no yes/no."""
    from kb.i18n import pgettext

    return pgettext("kb eval stance", "None") if stance is None else _(stance)  # _ANSWER_WORDS


def render_inspect(file: str, reports: list[SheetReport]) -> None:
    """A block of labelled lines per question table, plain like the fill summary that follows it
    (a rich table cut the option lists to its column width: はい/いいえ/該…)."""
    import shutil

    from kb.cli.render_wrap import hanging
    from kb.cli.translation import cells
    from kb.i18n import pgettext

    width = shutil.get_terminal_size().columns  # COLUMNS, else the terminal's, else 80 (as rich)
    roles = {
        "number": pgettext("column role", "number"),
        "question": pgettext("column role", "question"),
        "answer": pgettext("column role", "answer"),
        "comment": pgettext("column role", "comment"),
        "reference": pgettext("column role", "reference"),
    }
    click.echo(file)
    for n, item in enumerate(reports):
        if n:
            click.echo()  # a blank line between tables
        columns = [f"{roles.get(k, k)}={v}" for k, v in item.columns.items() if v]
        rows = (
            (pgettext("kb inspect", "sheet"), item.sheet),
            (pgettext("kb inspect", "header row"), str(item.header_row)),
            (pgettext("kb inspect", "columns"), pgettext("kb inspect", ", ").join(columns)),
            (pgettext("kb inspect", "options"), " | ".join("/".join(o) for o in item.option_lists) or "-"),
            (pgettext("kb inspect", "questions"), str(item.questions)),
        )
        pad = max(cells(key) for key, _value in rows) + 2
        for key, value in rows:
            for line in hanging(_ljust(key, pad), value, width, "  "):
                click.echo(line)


_FILL_ROWS = (
    ("answered", N_("answered")),
    ("needs_review", N_("needs review")),
    ("no_match", N_("no match")),
    ("kept", N_("kept (already answered)")),
    ("not_applicable", N_("not applicable (switched off)")),
    ("reused", N_("reused (previous answer)")),  # shown with --previous only
    (None, N_("total")),
)


def _ljust(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal cells (a Japanese label is twice as wide as its length)."""
    from kb.cli.translation import cells

    return text + " " * max(0, width - cells(text))


def render_fill_summary(report: FillReport) -> None:
    """Counts per status, and where the output went.

    Plain click output, not a rich table: five numbers do not need one, and
    every fill would import rich for it.
    """
    from kb.cli.translation import cells

    s = report.summary
    click.echo(f"{report.input} → {report.output}")
    labels = [(key, _(label)) for key, label in _FILL_ROWS]
    status, questions = _("status"), _("questions")
    width = max(cells(label) for _key, label in [*labels, (None, status)])
    count_width = max(9, cells(questions))
    click.echo(f"  {_ljust(status, width)}  {' ' * (count_width - cells(questions))}{questions}")
    click.echo(f"  {'-' * width}  {'-' * count_width}")
    for key, label in labels:
        if key == "reused" and report.previous is None:
            continue
        count = getattr(s, key) if key else s.questions
        styled = click.style(_ljust(label, width), fg=STATUS_STYLE.get(key), bold=key is None or None)
        click.echo(f"  {styled}  {count:>{count_width}}")
    click.echo(
        _("{cells} cells written in {sheets} (answer language: {lang}); output: {output}").format(
            cells=s.cells_written, sheets=", ".join(s.sheets), lang=s.answer_lang, output=report.output
        )
    )
    if s.styles_added is not None:
        click.echo(_("--wrap: {n} wrapped cell formats added to styles.xml").format(n=s.styles_added))
    if report.previous is not None:
        render_previous(report.previous)
    if s.withheld_rows:
        click.echo(
            _(
                "audience {audience}: {n} rows matched material above it, withheld"
                " (counted in the report and review list)"
            ).format(audience=s.audience, n=s.withheld_rows)
        )
    if report.review:
        click.echo(_("review list ({n} rows): {path}").format(n=s.review_rows or 0, path=report.review))
    past = sum(1 for r in report.rows if r.answer and r.answer.sources and r.answer.sources[0].past)
    if past:
        click.echo(_("{n} rows offer a past library answer first (marked in the review list)").format(n=past))


# Questions listed by name after a fill with --previous; the report file has them all.
_PREVIOUS_LISTED = 20


def render_previous(previous: PreviousReport) -> None:
    """What --previous found: counts, then the changed and the new questions by number."""
    in_part = _(", {n} of them in part").format(n=previous.reused_in_part) if previous.reused_in_part else ""
    click.echo(
        _(
            "previous {file}: {unchanged} questions unchanged ({reused} answers reused{in_part}),"
            " {changed} changed, {new} new, {dropped} no longer asked"
        ).format(
            file=previous.file,
            unchanged=previous.unchanged,
            reused=previous.reused,
            in_part=in_part,
            changed=len(previous.changed),
            new=len(previous.new),
            dropped=previous.dropped,
        )
    )

    def listed(title: str, questions: list) -> None:
        if not questions:
            return
        click.echo(f"  {title}:")
        for q in questions[:_PREVIOUS_LISTED]:
            text = " ".join(q.text.split())
            row = _("{sheet} row {row}").format(sheet=q.sheet, row=q.row)
            click.echo(f"    {row} {q.number or ''}: {text[:70]}{'…' if len(text) > 70 else ''}")
        if len(questions) > _PREVIOUS_LISTED:
            click.echo(
                _("    … {n} more in the report (--report)").format(n=len(questions) - _PREVIOUS_LISTED)
            )

    listed(_("changed"), [q for q, _unused in previous.changed])
    listed(_("new"), previous.new)
