"""The `kb` group itself, its one-line errors, and what every command shares.

Heavy modules (Sudachi, openpyxl, rich, the importers and exporters) are imported
inside the commands that need them, so `kb --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.translation import KBCommand, TranslatedHelp, speak_to_click
from kb.errors import KBError
from kb.i18n import _

speak_to_click()  # before the decorators below: click's --version help is written when they run


class KBCommandError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(_("kb: error: {message}").format(message=self.format_message()), err=True)


class KBUsageError(click.UsageError):
    """A command line click cannot parse, in kb's one-line style (click prints usage, a hint
    and 'Error: ...' on four lines); exit code 2, as click's."""

    def show(self, file=None) -> None:
        message = self.format_message().rstrip(".。")
        if self.ctx is not None:
            message = _("{message} (see '{command} -h')").format(
                message=message, command=self.ctx.command_path
            )
        click.echo(_("kb: error: {message}").format(message=message), err=True)

    @classmethod
    def of(cls, exc: click.UsageError) -> click.UsageError:
        """The same error in kb's style; a bare command (no_args_is_help) still shows its help."""
        if isinstance(exc, cls) or type(exc).__name__ == "NoArgsIsHelpError":
            return exc
        return cls(exc.format_message(), exc.ctx)


class KBGroup(TranslatedHelp, click.Group):
    """Turns expected failures into one line on stderr and exit code 2, usage errors too,
    and lists its commands with their whole first sentence, wrapped (click cuts them at
    the width). Its commands and groups speak the user's language (kb.cli.translation)."""

    command_class = KBCommand
    group_class = type  # a subgroup is a KBGroup too

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # the group's own options: kb --frob
            raise KBUsageError.of(exc) from None

    def format_commands(self, ctx, formatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, first_sentence(command.get_short_help_str(limit=1_000))))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def invoke(self, ctx):
        import sqlite3

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # an unknown command, a subcommand's options or arguments
            raise KBUsageError.of(exc) from None
        except KBError as exc:
            raise KBCommandError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            db = (ctx.find_root().obj or {}).get("db")
            if db is not None and db.read_only is not None and "readonly" in str(exc):
                raise KBCommandError(str(db.read_only.error())) from None  # a write sqlite refused
            raise KBCommandError(_("database error: {error}").format(error=exc)) from None
        except BrokenPipeError:
            reader_went_away()
        except OSError as exc:
            where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
            raise KBCommandError(f"{exc.strerror or exc}{where}") from None


def first_sentence(text: str) -> str:
    """Up to the first 。 outside brackets of a Japanese summary (click ends a summary at '. ',
    which Japanese has not)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch in "（「『(") - (ch in "）」』)")
        if ch == "。" and depth == 0:
            return text[: i + 1]
    return text


@click.group(cls=KBGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="KB_DB",
    default="kb.db",
    show_default=True,
    help="Knowledge base file (env KB_DB).",
)
@click.option(
    "--actor",
    envvar="KB_ACTOR",
    help="Who makes the changes, for the audit log (kb log; env KB_ACTOR). Default: the OS user.",
)
@click.version_option(package_name="evidence-kb", prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, db_path: str, actor: str | None) -> None:
    """evidence-kb: answer security questionnaires from your own audit evidence."""
    from kb import audit

    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path
    ctx.obj["db"] = None
    audit.set_actor(actor)


def open_db(ctx: click.Context, *, create: bool = False):
    """The KB of this invocation, opened once; warns when its index needs `kb reindex`.

    Only a command that adds to the KB (``create``) makes a new one: a read command on a
    path with no KB says so, instead of leaving an empty kb.db behind (a mistyped --db
    would otherwise look like a KB that knows nothing)."""
    from kb import index
    from kb.db import connect

    obj = ctx.find_root().obj
    if obj.get("db") is None:
        path = Path(obj["db_path"])
        if not create and not path.exists():
            raise KBError(
                _(
                    "no knowledge base at {path}: create one with `kb --db {path} import whitepaper FILE`"
                    " (or point --db / KB_DB at yours)"
                ).format(path=path)
            )
        obj["db"] = connect(path)
        ctx.find_root().call_on_close(obj["db"].close)
        if ctx.command.name != "reindex" and index.stale(obj["db"]):
            click.echo(
                _("kb: warning: the search index was built by another analyzer version; run `kb reindex`"),
                err=True,
            )
    return obj["db"]


def require_file(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise KBError(_("no such file: {path}").format(path=path))
    if p.is_dir():
        raise KBError(_("is a directory, not a file: {path}").format(path=path))
    return p


def classification_option(default: str, why: str):
    """--classification (kb.audience.LEVELS) of what an import or kb evidence add stores, with its
    default and why."""
    from kb.audience import LEVELS

    return click.option(
        "--classification",
        type=click.Choice(LEVELS),
        default=default,
        show_default=True,
        help=_("Who may receive it (kb fill/answer/export --audience): {why}.").format(why=_(why)),
    )


def iso_date(option: str, value: str | None) -> str | None:
    """A date option's value as YYYY-MM-DD (None stays None); a one-line error naming the option."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise KBError(
            _("{option} must be YYYY-MM-DD, got {value!r}").format(option=option, value=value)
        ) from None


def read_input(path: str) -> bytes:
    return require_file(path).read_bytes()


def read_text_input(path: str) -> str:
    from importers.text_bytes import looks_like_utf16, not_utf8_reason

    data = read_input(path)
    try:
        if looks_like_utf16(data):  # its ASCII decodes as UTF-8, with a NUL after every letter
            raise UnicodeDecodeError("utf-8", data, 0, 1, "UTF-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KBError(_("{path} is {reason}").format(path=path, reason=not_utf8_reason(data))) from None


def write_output(path: str, text: str | bytes) -> None:
    """Write atomically (text as UTF-8): a reader never sees half a file."""
    from kb.files import atomic_path

    target = Path(path)
    if target.is_dir():
        raise KBError(_("is a directory, not a file: {path}").format(path=path))
    if not target.parent.exists():
        raise KBError(_("directory does not exist: {path}").format(path=target.parent))
    with atomic_path(target) as tmp:
        tmp.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def json_text(value) -> str:
    """JSON as kb writes it everywhere: readable, indented, non-ASCII kept."""
    import json

    return json.dumps(value, ensure_ascii=False, indent=2)


def echo_json(value) -> None:
    click.echo(json_text(value))


def main() -> None:
    cli(prog_name="kb")


def reader_went_away() -> None:
    """`kb glossary list | head`: the reader has what it wanted, which is no error.
    stdout is pointed at devnull so that flushing it at exit cannot fail again
    (the recipe of Python's signal documentation)."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)
