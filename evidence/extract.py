"""An evidence file's text, page by page, within bounds.

Each format has a reader that yields the text of one page after another (pdf.py,
office.py, markup.py); read_pages takes them within the bounds of kb.settings: at most
so many pages and characters, and a time bound for a parser that loops on a malformed
file. A file whose text cannot be read is still evidence: it is stored, and its status
says why it has no text (an image, a scan, a password, a parse error).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from evidence import media
from evidence.markup import csv_pages, html_pages, text_pages
from evidence.office import docx_pages, xlsx_pages
from evidence.pdf import pdf_pages
from kb.evidence_store import Limits


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
        what = (
            "an image" if media_type.startswith("image/") else f"{media_type}, a format kb reads no text from"
        )
        return Extraction((), "no_text", f"no text: {what}")
    return read_pages(reader, data, limits or Limits(), media_type)


def read_pages(reader: PageReader, data: bytes, limits: Limits, media_type: str = "") -> Extraction:
    pages: list[Page] = []
    chars, number, note = 0, 0, ""
    try:
        with time_bound(limits.seconds):
            for text in reader(data, limits):
                number += 1
                if number > limits.max_pages:
                    note = f"text of the first {limits.max_pages} pages only"
                    break
                text = text.strip()
                if chars + len(text) > limits.max_chars:
                    text = text[: limits.max_chars - chars]
                    note = f"text cut at {limits.max_chars:,} characters"
                if text:
                    pages.append(Page(number, text))
                    chars += len(text)
                if note:
                    break
    except ExtractionTimeout:
        note = f"reading its text took longer than {limits.seconds:g} s"
        if not pages:
            return Extraction((), "failed", note)
    except Exception as exc:  # noqa: BLE001  parsers raise anything on a malformed file; it is still evidence
        return Extraction(tuple(pages), "failed", f"unreadable: {type(exc).__name__}: {exc}"[:200])
    if not pages:
        why = "no text layer (a scan or images only)" if media_type == media.PDF else "no text in it"
        return Extraction((), "no_text", why)
    return Extraction(tuple(pages), "truncated" if note else "text", note)


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
