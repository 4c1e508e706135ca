"""The command line in the user's language (kb.i18n): help texts, and click's own words.

A command's help is its docstring and its options' ``help=``, as click has them; they are
translated when the command is built (kb.cli.root's KBGroup builds every command with
``TranslatedHelp``), so a new command needs no marking: kb.i18n_extract reads docstrings of
``@….command``/``@….group`` functions and literal ``help=`` of ``click.option`` as messages.

click translates its own words ("Usage:", "Show this message and exit.", "No such option")
with gettext's global domain, which needs .mo files on disk; kb compiles its catalogues in
memory. So the ``_``/``ngettext`` its modules imported from gettext are pointed at kb's, and
the few of its messages a person meets are in kb's catalogue (CLICK_MESSAGES marks them).
"""

from __future__ import annotations

import inspect
import re
from functools import cache

import click

from kb.i18n import N_, N_plural, _, ngettext


class TranslatedHelp:
    """Mixed into a click Command: its help, short help, epilog and options' help translated."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for attribute in ("help", "short_help", "epilog"):
            text = getattr(self, attribute, None)
            if text:
                setattr(self, attribute, _(inspect.cleandoc(text)))
        for param in self.params:
            if isinstance(param, click.Option) and param.help:
                param.help = _(param.help)


class KBCommand(TranslatedHelp, click.Command):
    pass


# A token of a line: a run of Latin letters, digits and punctuation (kept whole), a space, or one
# wide character (Japanese may break between any two).
_TOKEN = r"[^\s\u1100-\uffdc]+|\s|."
_WIDE = r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
# Closing brackets and punctuation never begin a line (JIS X 4051's basic kinsoku rule).
_NO_LINE_START = frozenset("、。，．・：；？！ー）」』】〕］｝〉》")


@cache
def _pattern(source: str) -> re.Pattern:
    return re.compile(source)  # compiled when Japanese is first wrapped: English help never pays


def cells(text: str) -> int:
    """Terminal cells of ``text``: a full-width character takes two."""
    return len(text) if text.isascii() else len(text) + len(_pattern(_WIDE).findall(text))


def fold(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """One paragraph cut into lines of at most ``width`` cells (indents included), by cells."""
    lines: list[str] = []
    indent, line = first, []
    for token in _pattern(_TOKEN).findall(" ".join(text.split("\n"))):
        if line and cells(indent + "".join(line) + token) > width:
            carried: list[str] = []
            while (carried or [token])[0] in _NO_LINE_START and len(line) > 1:
                carried.insert(0, line.pop())  # the character before goes down with it
            if token.isspace():
                token = ""
            lines.append((indent + "".join(line)).rstrip())
            indent, line = rest, carried
        if token and not (token.isspace() and not line):
            line.append(token)
    lines.append((indent + "".join(line)).rstrip())
    return lines


def _join(lines: list[str]) -> str:
    """Lines of a paragraph as one: a space between them unless both sides are Japanese."""
    text = lines[0]
    for line in lines[1:]:
        text += line if _pattern(_WIDE).match(line[:1]) and _pattern(_WIDE).match(text[-1:]) else " " + line
    return text


def wrap_text(text, width=78, initial_indent="", subsequent_indent="", preserve_paragraphs=False):
    """click.formatting.wrap_text measured in terminal cells when the text holds wide characters
    (click counts characters, so a Japanese line ran past the edge twice as wide)."""
    if text.isascii() or not _pattern(_WIDE).search(text):
        return _click_wrap_text(text, width, initial_indent, subsequent_indent, preserve_paragraphs)
    paragraphs: list[tuple[int, bool, list[str]]] = []
    if not preserve_paragraphs:
        paragraphs.append((0, False, text.splitlines() or [""]))
    else:
        for block in re.split(r"\n\s*\n", text.expandtabs()):
            block_lines = block.splitlines()
            if not block_lines:
                continue
            raw = block_lines[0].strip() == "\b"
            body = block_lines[1:] if raw else block_lines
            indent = len(body[0]) - len(body[0].lstrip()) if body else 0
            paragraphs.append((indent, raw, [line.strip() if not raw else line for line in body]))
    out = []
    for indent, raw, body in paragraphs:
        pad = " " * indent
        if raw:
            out.append(
                "\n".join(
                    (initial_indent if i == 0 else subsequent_indent) + line for i, line in enumerate(body)
                )
            )
        else:
            out.append("\n".join(fold(_join(body), width, initial_indent + pad, subsequent_indent + pad)))
    return "\n\n".join(out)


_click_wrap_text = click.formatting.wrap_text


def speak_to_click() -> None:
    """click's modules translate with kb's catalogue (they look ``_`` up when they speak), and its
    help pages wrap Japanese by its width on the terminal."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.types,
    ):
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    click.formatting.wrap_text = wrap_text


# click's messages (click 8.2-8.3 wording) a person meets on kb's help pages and usage errors,
# marked here so the catalogue keeps them (kb.i18n_extract reads N_ calls).
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("required"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"),
)
CLICK_PLURAL_MESSAGES = (
    N_plural("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_plural("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    N_plural("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    N_plural("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    N_plural(
        "{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."
    ),
)
