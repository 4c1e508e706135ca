"""The regenerated whitepaper as Markdown: the master the HTML and DOCX are rendered from.

What is written is what importers/whitepaper.py reads back into the same responses: one level-1
heading (the title) over a cover of publisher and date/version lines, each section under the
headings of its path (## for the first, ### for the next ...), a control's heading its id and title,
each line of a response's text a block of its own, and a 改訂履歴 / Revision history table.
The text is escaped so that Markdown takes nothing in it for markup, since the importer reads the
text markdown-it gives back, not the characters written.

Two things the importer does to what PDFs make of paragraphs are kept from changing the text:
it joins two paragraphs into one sentence when the first ends and the next begins in Japanese and
the first's last line is long (a page or line wrap), and it joins the lines of one paragraph. So a
line that the next would be joined to is written as two lines of one paragraph, split next to a wide
character near its end: joined without a space, it is the same line, and its last line is then too
short to look wrapped.
"""

from __future__ import annotations

import re
import unicodedata

from exporters.whitepaper import ExportedRevision, ExportedSection, Whitepaper

# Top-level sections are ## (# is the title, which the importer takes from the only level-1 heading).
_FIRST_LEVEL = 2
# importers/whitepaper.py joins a paragraph to the one before when that one's last line is at least
# this long; a split leaves the last line shorter.
_WRAP_LINE = 20
# What importers/whitepaper.py reads in the lines of a paragraph, mirrored here (the round-trip tests
# hold the two together): a list mark starts a new line (_LIST_MARK_RE); Japanese text may wrap
# mid-sentence (_japanese: kana, kanji, the long-vowel mark, commas); a dot leader and a page number
# end a table-of-contents line, which is dropped (_TOC_LINE_RE); after a sentence end a line may be a
# flattened control heading (_SENTENCE_END).
_LIST_MARK = re.compile(r"^(?:[※・●○◎■□◆◇▪▶►*＊]|-\s|\d+[.)）]\s|[(（]\d+[)）])")
_JAPANESE = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf々〆ー、，]")
_TOC_LINE = re.compile(r"(?:\.{3,}|…{2,}|・{3,}|‥{2,}|･{3,})\s*\d{1,4}\s*$")
_SENTENCE_END = tuple("。．.!?！？」』)）>＞")

_INLINE_SPECIAL = re.compile(r"([`*_\[\]<>&|~#])")
_LINE_START_SPECIAL = re.compile(r"^([-+=>])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")
_LIST_LINE = re.compile(r"^(?P<indent> *)(?P<marker>-|\d{1,9}\.) (?P<text>\S.*)$")

_LABELS = {
    "ja": {"revisions": "改訂履歴", "columns": ("版数", "日付", "主な変更内容")},
    "en": {"revisions": "Revision history", "columns": ("Version", "Date", "Changes")},
}
_EN_MONTHS = "January February March April May June July August September October November December".split()


def escape(text: str, *, line_start: bool = True) -> str:
    """``text`` as Markdown that renders it as it is: no emphasis, link, code, HTML, entity or table
    cell, and at the start of a line no heading, list, quote or rule.

    A backslash is written four times: markdown-it reads two of them as one, and the importer then
    undoes backslash escapes once more (PDF-extracted Markdown keeps some markdown-it does not).
    """
    out = _INLINE_SPECIAL.sub(r"\\\1", text.replace("\\", "\\" * 4))
    if line_start:
        out = _LINE_START_SPECIAL.sub(r"\\\1", out)
        out = _ORDERED_START.sub(r"\1\\\2", out)
    return out


# importers/whitepaper.py's second pass over markdown-it's text: a backslash before ASCII punctuation goes.
_READER_ESCAPE = re.compile(r"\\([\\!-/:-@\[-`{-~])")


def as_read(rendered: str) -> str:
    """Text markdown-it gave back, as the importer reads it (the HTML and DOCX show the same)."""
    return _READER_ESCAPE.sub(r"\1", rendered)


def render_markdown(paper: Whitepaper) -> str:
    blocks = [f"# {escape(paper.title)}", *_cover(paper)]
    blocks.extend(_sections(paper.sections))
    blocks.extend(_revision_table(paper.revisions, paper.lang))
    return "\n\n".join(blocks) + "\n"


def format_date(iso: str, lang: str) -> str:
    """2025-04-01 as the document's language writes it (2025年4月1日, April 1, 2025)."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日" if lang == "ja" else f"{_EN_MONTHS[month - 1]} {day}, {year}"


def _version_label(version: str, lang: str) -> str:
    if lang == "ja":
        return version if version.endswith("版") else f"{version} 版"
    return version if not re.fullmatch(r"\d+(?:\.\d+)*", version) else f"Version {version}"


def _cover(paper: Whitepaper) -> list[str]:
    lines = [escape(paper.publisher)] if paper.publisher else []
    when = format_date(paper.date, paper.lang) if paper.date else ""
    version = _version_label(paper.version, paper.lang) if paper.version else ""
    if when and version:
        lines.append(escape(f"{when} ({version})"))
    elif when or version:
        lines.append(escape(when or version))
    return lines


def _sections(sections: tuple[ExportedSection, ...]) -> list[str]:
    """Each section under its path's headings, a heading written once for the sections under it.
    A section's own heading opens the level below it, as a group heading with a text of its own does
    ("2. ISO/IEC 27017 への対応" and the controls under it)."""
    blocks: list[str] = []
    open_headings: list[str] = []
    for section in sections:
        path = list(section.path)
        shared = 0
        while shared < min(len(path), len(open_headings)) and path[shared] == open_headings[shared]:
            shared += 1
        for depth in range(shared, len(path)):
            blocks.append(_heading(_FIRST_LEVEL + depth, path[depth]))
        blocks.append(_heading(_FIRST_LEVEL + len(path), section.heading))
        blocks.extend(body_blocks(section.text))
        open_headings = [*path, section.heading]
    return blocks


def _heading(level: int, text: str) -> str:
    return f"{'#' * min(level, 6)} {escape(text, line_start=False)}"


def body_blocks(text: str) -> list[str]:
    """A response's text as Markdown blocks: a run of list lines one list, every other line a
    paragraph of its own."""
    runs: list[list[str] | str] = []  # a list's item lines, or a paragraph's line
    widths: list[int] = []  # the marker widths of the items the next one may nest under
    for line in text.split("\n"):
        listed = _LIST_LINE.match(line)
        if listed:
            if not runs or isinstance(runs[-1], str):
                runs.append([])
                widths = []
            runs[-1].append(_list_item(listed, widths))
        elif line.strip():
            runs.append(line.strip())
    blocks = []
    for at, run in enumerate(runs):
        if isinstance(run, list):
            blocks.append("\n".join(run))
            continue
        after = runs[at + 1] if at + 1 < len(runs) else None
        joined = isinstance(after, str) and _would_join(run, after)
        blocks.append(_paragraph(run, split=_wrap_split(run) if joined else None))
    return blocks


def _list_item(listed: re.Match[str], widths: list[int]) -> str:
    """One item; ``widths`` (updated) holds the marker widths of the open items above it.
    importers/whitepaper.py writes two spaces a nesting level; Markdown nests an item under a
    bullet ("- ") by two spaces of indentation and under a number ("1. ") by three."""
    depth = min(len(listed.group("indent")) // 2, len(widths))
    marker = listed.group("marker")
    indent = " " * sum(widths[:depth])
    widths[depth:] = [len(marker) + 1]
    return f"{indent}{marker} {escape(listed.group('text'))}"


def _paragraph(line: str, *, split: tuple[int, int] | None) -> str:
    """``line`` as a paragraph; in two lines at ``split`` (see the module docstring)."""
    if split is None:
        return escape(line)
    return f"{escape(line[: split[0]])}\n{escape(line[split[1] :])}"


def wide(ch: str) -> bool:
    """A full-width character: two wide characters are joined with no space between them."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _would_join(before: str, line: str) -> bool:
    return (
        len(before) >= _WRAP_LINE
        and bool(_JAPANESE.match(before[-1]))
        and bool(_JAPANESE.match(line[0]))
        and not _LIST_MARK.match(line)
    )


def _wrap_split(line: str) -> tuple[int, int] | None:
    """Where to split ``line`` in two so that its last line is short (as far left as that allows):
    (end of the first, start of the second). Next to a wide character and away from spaces the
    importer joins the two without a space; at a space between two narrow characters, with one.
    None when neither is found; the split never makes the first part look like a table-of-contents
    line or end a sentence, nor the second start like a list item."""
    for at in range(max(1, len(line) - _WRAP_LINE + 1), len(line)):
        left, right = line[at - 1], line[at]
        if (wide(left) or wide(right)) and not (left.isspace() or right.isspace()):
            cut = (at, at)
        elif right == " " and at + 1 < len(line) and not (left.isspace() or line[at + 1].isspace()):
            if wide(left) or wide(line[at + 1]):
                continue
            cut = (at, at + 1)
        else:
            continue
        first, second = line[: cut[0]], line[cut[1] :]
        if not (_TOC_LINE.search(first) or first.endswith(_SENTENCE_END) or _LIST_MARK.match(second)):
            return cut
    return None


def _revision_table(revisions: tuple[ExportedRevision, ...], lang: str) -> list[str]:
    if not revisions:
        return []
    labels = _LABELS.get(lang, _LABELS["en"])
    rows = [
        _row(labels["columns"]),
        "| --- | --- | --- |",
        *(_row((r.version, format_date(r.date, lang), r.note)) for r in revisions),
    ]
    return [_heading(_FIRST_LEVEL, labels["revisions"]), "\n".join(rows)]


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(escape(cell, line_start=False) for cell in cells) + " |"
