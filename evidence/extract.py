"""An evidence file's text, page by page, within bounds.

Each format has a reader that yields the text of one page after another (pdf.py,
office.py, markup.py); read_pages takes them within the bounds of kb.settings: at most
so many pages and characters, and a time bound for a parser that loops on a malformed
file. A file whose text cannot be read is still evidence: it is stored, and its status
says why it has no text (an image, a scan, a password, a parse error).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from evidence import media
from evidence.markup import csv_pages, html_pages, text_pages
from evidence.office import docx_pages, xlsx_pages
from evidence.pdf import pdf_pages
from kb.evidence_store import Limits
from kb.i18n import N_, _

# The notes an extraction writes (in English, into the KB); note_text says one in the user's language.
_NOTES = {
    "image": N_("no text: an image"),
    "format": N_("no text: {media_type}, a format kb reads no text from"),
    "pages": N_("text of the first {pages} pages only"),
    "chars": N_("text cut at {chars:,} characters"),
    "timeout": N_("reading its text took longer than {seconds:g} s"),
    "unreadable": N_("unreadable: {error}"),
    "no_layer": N_("no text layer (a scan or images only)"),
    "empty": N_("no text in it"),
}
_FIELD = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")


class Page(NamedTuple):
    number: int  # from 1, as a reader of the file counts pages (a PDF's, a workbook's sheets)
    text: str


@dataclass(frozen=True)
class Extraction:
    pages: tuple[Page, ...]  # pages with text only; their numbers keep blank pages counted
    status: str  # kb.db.EVIDENCE_TEXT_STATUSES
    note: str = ""  # why there is no text, or where it was cut

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.pages)


PageReader = Callable[[bytes, Limits], Iterator[str]]

READERS: dict[str, PageReader] = {
    media.PDF: pdf_pages,
    media.DOCX: docx_pages,
    media.XLSX: xlsx_pages,
    media.TEXT: text_pages,
    media.MARKDOWN: text_pages,
    media.HTML: html_pages,
    media.CSV: csv_pages,
}


class ExtractionTimeout(Exception):
    pass


def extract(data: bytes, media_type: str, limits: Limits | None = None) -> Extraction:
    reader = READERS.get(media_type)
    if reader is None:
        note = (
            _NOTES["image"]
            if media_type.startswith("image/")
            else _NOTES["format"].format(media_type=media_type)
        )
        return Extraction((), "no_text", note)
    return read_pages(reader, data, limits or Limits(), media_type)


def read_pages(reader: PageReader, data: bytes, limits: Limits, media_type: str = "") -> Extraction:
    pages: list[Page] = []
    chars, number, note = 0, 0, ""
    try:
        with time_bound(limits.seconds):
            for text in reader(data, limits):
                number += 1
                if number > limits.max_pages:
                    note = _NOTES["pages"].format(pages=limits.max_pages)
                    break
                text = text.strip()
                if chars + len(text) > limits.max_chars:
                    text = text[: limits.max_chars - chars]
                    note = _NOTES["chars"].format(chars=limits.max_chars)
                if text:
                    pages.append(Page(number, text))
                    chars += len(text)
                if note:
                    break
    except ExtractionTimeout:
        note = _NOTES["timeout"].format(seconds=limits.seconds)
        if not pages:
            return Extraction((), "failed", note)
    except Exception as exc:  # noqa: BLE001  parsers raise anything on a malformed file; it is still evidence
        return Extraction(
            tuple(pages), "failed", _NOTES["unreadable"].format(error=f"{type(exc).__name__}: {exc}")[:200]
        )
    if not pages:
        return Extraction((), "no_text", _NOTES["no_layer"] if media_type == media.PDF else _NOTES["empty"])
    return Extraction(tuple(pages), "truncated" if note else "text", note)


@cache
def _note_patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for template in _NOTES.values():
        parts, at = [], 0
        for field in _FIELD.finditer(template):
            parts += [re.escape(template[at : field.start()]), f"(?P<{field[1]}>.+?)"]
            at = field.end()
        patterns.append((re.compile("".join([*parts, re.escape(template[at:])]), re.S), template))
    return patterns


def note_text(note: str) -> str:
    """An extraction's note, stored in English, in the user's language: a note of ours is said
    again from its msgid with the values it holds (a parser's own error message stays as it is),
    anything else as it is."""
    for pattern, template in _note_patterns():
        found = pattern.fullmatch(note)
        if found:
            values = found.groupdict()
            return _FIELD.sub(lambda field, values=values: values[field[1]], _(template))
    return note


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise ExtractionTimeout in the block after ``seconds``.

    A timer signal interrupts a parser looping in pure Python; signals reach only the
    main thread, so elsewhere the block runs unbounded (the CLI and its helpers read
    files in their main threads).
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise ExtractionTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
