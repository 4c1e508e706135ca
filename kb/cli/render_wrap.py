"""Text cut into terminal lines by display width.

rich and textwrap break lines at spaces, and Japanese has none where it may break: a sentence
with one ASCII space ("年 2 回") broke there, and a sentence without one ran past the edge,
the continuation starting in column 0 under the label. Here a line holds as many terminal
cells as fit (a full-width character is two, rich.cells.cell_len), Japanese may break between
any two characters, a run of Latin letters or digits is kept whole when it fits, and the lines
after the first hang under the text, not under the label.
"""

from __future__ import annotations

import re

# Characters that take no cell: the marks fold_marked carries through a fold.
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"

# Closing brackets, punctuation and the long-vowel mark never begin a line (kinsoku shori, JIS X
# 4051's basic rule): the character before them goes down with them.
_NO_LINE_START = frozenset("、。，．・：；？！ー）」』】〕］｝〉》,.:;?!)]}%")

# The tail of a line that is one Latin word or number, carried to the next line whole.
_WORD_TAIL = re.compile(r"[0-9A-Za-z.,%:/\-" + MARK_OPEN + MARK_CLOSE + r"]+$")


def fold(text: str, width: int, indent: str = "", *, first: str | None = None) -> list[str]:
    """``text`` cut into lines of at most ``width`` terminal cells, each after ``indent``.

    ``first`` (default ``indent``) begins the first line instead: a label, under whose text the
    other lines hang when ``indent`` is as wide (see hanging). Each line of ``text`` starts a line.
    """
    from rich.cells import cell_len

    out: list[str] = []
    lead = indent if first is None else first
    for paragraph in text.splitlines() or [""]:
        room = max(10, width - cell_len(lead))
        line = ""
        for ch in paragraph:
            if cell_len(line + ch) <= room:
                line += ch
                continue
            word = _WORD_TAIL.search(line) if ch.isascii() and ch.isalnum() else None
            if word and word.start() > 0:  # carry the word over rather than split it
                out.append(lead + line[: word.start()].rstrip())
                line = line[word.start() :] + ch
            elif ch in _NO_LINE_START and len(line) > 1:
                out.append(lead + line[:-1].rstrip())
                line = line[-1] + ch
            else:
                out.append(lead + line.rstrip())
                line = ch.lstrip()
            lead = indent
            room = max(10, width - cell_len(lead))
        out.append(lead + line)
        lead = indent
    return out


def hanging(label: str, text: str, width: int, margin: str = "") -> list[str]:
    """``margin + label + text`` folded to ``width``, the later lines under the text's start."""
    from rich.cells import cell_len

    return fold(text, width, margin + " " * cell_len(label), first=margin + label)


def fold_marked(
    text: str, width: int, indent: str, *, start: str, end: str, escape, first: str | None = None
) -> list[str]:
    """fold for a text whose marked parts are between MARK_OPEN and MARK_CLOSE: each line
    escaped, the marks as ``start``/``end``, a part broken over two lines closed and reopened."""
    lines = []
    marked = False
    for line in fold(text, width, indent, first=first):
        body = line.lstrip(" ")
        out = [line[: len(line) - len(body)]] + ([start] if marked else [])  # the indent is never marked
        for part in re.split(f"([{MARK_OPEN}{MARK_CLOSE}])", body):
            if part == MARK_OPEN:
                marked = True
                out.append(start)
            elif part == MARK_CLOSE:
                marked = False
                out.append(end)
            else:
                out.append(escape(part))
        if marked:
            out.append(end)
        lines.append("".join(out))
    return lines


# A paragraph's or an item's number at the start of its line (1. ／ (1) ／ ① ／ 一 ), under which
# the rest of the paragraph hangs.
_NUMBER = re.compile(r"^(?:\d+\.|[０-９]+．|\(\d+\)|（[0-9０-９]+）|[①-⑳]|[一二三四五六七八九十]+) ")


def fold_numbered(text: str, width: int, indent: str = "") -> list[str]:
    """fold, with each numbered paragraph's later lines hanging under its text (a clause's 項)."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        number = _NUMBER.match(paragraph)
        if number:
            out.extend(hanging(number.group(0), paragraph[number.end() :], width, indent))
        else:
            out.extend(fold(paragraph, width, indent))
    return out
