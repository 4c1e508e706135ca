"""Where the sentences of a text end, and a text cut to a length at one of them.

Used by `kb fill --max-chars` so that a customer reads whole sentences. The rule is
the writing systems', not any one text's:

* a full-width mark (。．！？) ends a sentence wherever it stands;
* an ASCII mark (. ! ?) ends one only before white space or the end of the text, so
  "27017", "CLD.9.5.1", "3.5" and "e.g.," stay whole; a period followed by a word in
  lower case ("e.g. the", "approx. two") is an abbreviation, not an end;
* closing brackets and quotes right after the mark belong to the sentence (「…です。」).

Lengths are counted in characters (code points), as a person counts them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ELLIPSIS = "…"
_CLOSERS = re.escape("\"'”’)]）」』】〕")  # inside a character class
_SENTENCE_END = re.compile(
    rf"(?:[。．！？]|[!?](?=[{_CLOSERS}]*(?:\s|$))|\.(?=[{_CLOSERS}]*(?:\s|$))(?![{_CLOSERS}]*\s+[a-z]))"
    rf"[{_CLOSERS}]*"
)


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end of ``text`` (its mark and any closers)."""
    return [match.end() for match in _SENTENCE_END.finditer(text)]


class Cut(NamedTuple):
    text: str
    cut: bool  # something was left out
    mid_sentence: bool = False  # even the first sentence did not fit: cut at the limit, with "…"


def cut_to_fit(text: str, limit: int) -> Cut:
    """``text`` if it has at most ``limit`` characters; else its first sentences that fit,
    or, when the first sentence alone is longer, its first ``limit`` - 1 characters and "…"."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if len(text) <= limit:
        return Cut(text, False)
    fitting = [end for end in sentence_ends(text) if end <= limit]
    if fitting:
        return Cut(text[: fitting[-1]].rstrip(), True)
    return Cut(text[: limit - 1].rstrip() + ELLIPSIS, True, True)
