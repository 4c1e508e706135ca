"""How a question of a re-sent sheet compares with last year's (exporters.previous).

The same question is the same text after NFKC, with whitespace and letter case ignored
and without a trailing note mark: line breaks and spacing change when a sheet is laid
out again (in Japanese spaces carry nothing), a new edition capitalises a term
('Change Management process'), and a mark after the question (*, ※, †) points at a
note or says the answer is required; none of them changes what is asked. Punctuation
is kept: 'and/or' for 'and', a question mark moved, a question number cited inside
the text are other words, and such a question is listed as changed for a person.
Anything else worded closely is a changed version, found by difflib's ratio, which
reads Japanese and English alike because it compares characters.

Measured with HECVAT 4.1.4 against two answered HECVAT 3 sheets (Instructure's Canvas
LMS and Parchment): of 61 pairs at ratio >= 0.97 under NFKC and whitespace alone, 38
differ only in case or a trailing '*' (HECVAT 4 marks required questions so).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from kb.settings import DEFAULTS

NEAR_MATCH: float = DEFAULTS["previous_near_match"]
_SPACE = re.compile(r"\s+")
_NOTE_MARKS = re.compile(r"[*※†‡]+$")
T = TypeVar("T")


def version_key(text: str) -> str:
    """The question as compared between versions: NFKC, casefolded, without whitespace or a
    trailing note mark."""
    return _NOTE_MARKS.sub("", _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold())


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two questions' keys: 1.0 for the same question."""
    return difflib.SequenceMatcher(None, version_key(a), version_key(b), autojunk=False).ratio()


# difflib's ratio (milliseconds for two long questions) is computed for a few candidates
# only: those sharing the most three-character pieces with the question, and at least
# _MIN_SHARED of them (Dice). In English every long question shares most of its letters
# with every other, so difflib's own cheap bounds prune little, while two questions at
# ratio >= NEAR_MATCH share long runs, hence many trigrams: the pairs found between HECVAT
# 4.1.4 and two HECVAT 3 sheets share 0.56 or more, our Japanese pairs 0.51 or more.
_SHORTLIST = 3
_MIN_SHARED = 0.4


@functools.lru_cache(maxsize=8192)
def _trigrams(text: str) -> tuple[str, frozenset[str]]:
    """A question's key and its three-character pieces, worked out once: a sheet compares
    each changed question with every previous one left."""
    key = version_key(text)
    return key, frozenset(key[i : i + 3] for i in range(max(len(key) - 2, 1)))


def nearest(
    question: str, candidates: Iterable[tuple[str, T]], at_least: float = NEAR_MATCH
) -> tuple[T, float] | None:
    """The candidate (question, item) worded closest to ``question``, if it reaches ``at_least``."""
    key, grams = _trigrams(question)
    shortlist = []
    for other, item in candidates:
        other_key, other_grams = _trigrams(other)
        total = len(key) + len(other_key)
        if not total or 2 * min(len(key), len(other_key)) / total < at_least:
            continue  # difflib's own bound: lengths too far apart
        shared = 2 * len(grams & other_grams) / (len(grams) + len(other_grams))
        if shared >= _MIN_SHARED:
            shortlist.append((shared, other_key, item))
    shortlist.sort(key=lambda entry: entry[0], reverse=True)
    best: tuple[T, float] | None = None
    for _, other_key, item in shortlist[:_SHORTLIST]:
        ratio = difflib.SequenceMatcher(None, key, other_key, autojunk=False).ratio()
        if ratio >= at_least and (best is None or ratio > best[1]):
            best = (item, ratio)
    return best
