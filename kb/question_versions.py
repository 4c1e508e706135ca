"""How a question of a re-sent sheet compares with last year's (exporters.previous).

The same question is the same text after NFKC with whitespace ignored: line breaks and
spacing change when a sheet is laid out again, and in Japanese spaces carry nothing.
Anything else that is worded closely is a changed version of it, found by difflib's
ratio, which reads Japanese and English alike because it compares characters.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from kb.settings import DEFAULTS

NEAR_MATCH: float = DEFAULTS["previous_near_match"]
_SPACE = re.compile(r"\s+")
T = TypeVar("T")


def version_key(text: str) -> str:
    """The question as compared between versions: NFKC, without whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two questions' keys, case aside: 1.0 for the same words."""
    return difflib.SequenceMatcher(
        None, version_key(a).casefold(), version_key(b).casefold(), autojunk=False
    ).ratio()


def nearest(
    question: str, candidates: Iterable[tuple[str, T]], at_least: float = NEAR_MATCH
) -> tuple[T, float] | None:
    """The candidate (question, item) worded closest to ``question``, if it reaches ``at_least``."""
    key = version_key(question).casefold()
    best: tuple[T, float] | None = None
    for other, item in candidates:
        matcher = difflib.SequenceMatcher(None, key, version_key(other).casefold(), autojunk=False)
        # The cheap upper bounds first: most pairs are far apart.
        if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
            continue
        ratio = matcher.ratio()
        if ratio >= at_least and (best is None or ratio > best[1]):
            best = (item, ratio)
    return best
