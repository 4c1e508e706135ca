"""A gettext .po catalogue read and compiled to .mo bytes in pure Python, so kb needs no msgfmt.

kb compiles its catalogues when a message is first asked for (kb.i18n), not at build time:
a fresh clone, an editable install and a wheel all work with the .po files alone, and no
committed .mo can drift from its .po. The compiled bytes are what GNU msgfmt writes (the
same layout as CPython's Tools/i18n/msgfmt.py), so Python's own gettext.GNUTranslations
reads them, Plural-Forms and all.

Only what a translator needs is read: msgctxt, msgid, msgid_plural, msgstr and msgstr[n],
strings continued over several lines, C escapes, comments. A fuzzy entry (``#, fuzzy``) and
an empty msgstr are untranslated: the English text is shown, as msgfmt does.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KBError

# The errors here stay English: they say what is wrong with a catalogue, and translating them would
# read that same broken catalogue again (kb.i18n compiles it on the first _()), for ever. They are
# for the translator, who reads the .po's English msgids anyway.


@dataclass
class Entry:
    """One message of a catalogue. ``msgstr`` holds one text, or one per plural form."""

    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    # The comment lines before it other than references (#:), which kb.i18n_extract rewrites.
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        """What identifies it in a catalogue: its context and msgid."""
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(self.msgstr)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE = re.compile(r"\\(.)")


def _string(literal: str, where: str) -> str:
    """A .po string literal ("..." with C escapes) as text."""
    literal = literal.strip()
    body = literal[1:-1]
    unquoted = '"' in body.replace("\\\\", "").replace('\\"', "")
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"' or unquoted:
        raise KBError(f"{where}: expected a quoted string, got {literal[:40]!r}")
    if (len(body) - len(body.rstrip("\\"))) % 2:  # a lone backslash escapes the closing quote
        raise KBError(f"{where}: bad string {literal[:40]!r}")
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def parse(text: str, name: str = "catalogue") -> list[Entry]:
    """The entries of a .po text, the header (msgid "") first when present."""
    entries: list[Entry] = []
    current: Entry | None = None
    key: str | None = None  # the keyword a continued "..." line belongs to
    fuzzy = False
    comments: list[str] = []

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                fuzzy = True
            if not line.startswith("#:"):
                comments.append(line)
            continue
        if line.startswith('"'):
            if current is None or key is None:
                raise KBError(f"{where}: a string continues nothing")
            value = _string(line, where)
            if key == "msgid":
                current.msgid += value
            elif key == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            elif key == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            else:
                current.msgstr[-1] += value
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            finish()
            current = Entry(msgid="", fuzzy=fuzzy, comments=comments)
            fuzzy, comments = False, []
        if current is None:
            raise KBError(f"{where}: {keyword} before any msgid")
        value = _string(rest, where)
        if keyword == "msgctxt":
            current.msgctxt = value
        elif keyword == "msgid":
            current.msgid = value
        elif keyword == "msgid_plural":
            current.msgid_plural = value
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            current.msgstr.append(value)
        else:
            raise KBError(f"{where}: unknown keyword {keyword!r}")
        key = "msgstr" if keyword.startswith("msgstr") else keyword
    finish()
    return entries


def read(path: Path) -> list[Entry]:
    return parse(path.read_text(encoding="utf-8"), str(path))


def compile_mo(entries: list[Entry]) -> bytes:
    """The .mo bytes of the translated entries (and the header), keys sorted as msgfmt sorts them."""
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if not entry.translated and entry.msgid != "":
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        messages[key.encode("utf-8")] = "\0".join(entry.msgstr).encode("utf-8")
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(messages[k])))
        ids += k + b"\0"
        strs += messages[k] + b"\0"
    start_keys = 7 * 4 + 16 * len(keys)  # the header, then the two tables of (length, offset)
    start_values = start_keys + len(ids)
    key_table: list[int] = []
    value_table: list[int] = []
    for id_offset, id_length, str_offset, str_length in offsets:
        key_table += [id_length, id_offset + start_keys]
        value_table += [str_length, str_offset + start_values]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    return (
        header
        + struct.pack(f"{len(key_table)}i", *key_table)
        + struct.pack(f"{len(value_table)}i", *value_table)
        + ids
        + strs
    )


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'
    )


def _field(keyword: str, text: str) -> list[str]:
    """A keyword and its string, over several lines after each newline as msgmerge writes it."""
    if "\n" not in text.rstrip("\n"):
        return [f"{keyword} {_quote(text)}"]
    pieces = [piece + "\n" for piece in text.split("\n")]
    pieces[-1] = pieces[-1][:-1]
    return [f'{keyword} ""'] + [_quote(piece) for piece in pieces if piece]


def dump(entries: list[Entry], references: dict[str, list[str]] | None = None) -> str:
    """The .po text of ``entries``; ``references`` (msgid -> ["file:line"]) become #: comments."""
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        refs = (references or {}).get(entry.msgid)
        if refs:
            lines.append("#: " + " ".join(refs))
        if entry.msgctxt is not None:
            lines += _field("msgctxt", entry.msgctxt)
        lines += _field("msgid", entry.msgid)
        if entry.msgid_plural is not None:
            lines += _field("msgid_plural", entry.msgid_plural)
            forms = entry.msgstr or ["", ""]
            for n, text in enumerate(forms):
                lines += _field(f"msgstr[{n}]", text)
        else:
            lines += _field("msgstr", entry.msgstr[0] if entry.msgstr else "")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
