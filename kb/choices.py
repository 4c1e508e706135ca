"""Mapping an answer's stance onto the options of a customer's dropdown."""

from __future__ import annotations

import unicodedata

# Checked in order: the first option of a cell's own list that equals one of
# these (after NFKC and casefold) is chosen. Exact matches only: 非該当 must
# never be taken for 該当.
STANCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "yes": (
        "はい",
        "○",
        "〇",
        "◯",
        "yes",
        "y",
        "該当",
        "対応",
        "対応済",
        "対応済み",
        "実施",
        "実施済",
        "あり",
        "有",
        "true",
        "compliant",
        "implemented",
    ),
    "no": (
        "いいえ",
        "×",
        "✕",
        "no",
        "n",
        "非該当",
        "未対応",
        "未実施",
        "なし",
        "無",
        "false",
        "not compliant",
        "not implemented",
    ),
    "partial": (
        "△",
        "一部",
        "一部対応",
        "一部該当",
        "部分的に対応",
        "partial",
        "partially",
        "partially compliant",
    ),
    "na": ("該当なし", "対象外", "適用外", "－", "-", "―", "—", "ー", "na", "n/a", "not applicable"),
}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def choose_option(stance: str | None, options: list[str]) -> str | None:
    """The option of ``options`` that says ``stance``, or None if none fits."""
    if not stance or not options:
        return None
    by_norm = {}
    for option in options:
        by_norm.setdefault(_norm(option), option)
    for candidate in STANCE_OPTIONS.get(stance, ()):
        if _norm(candidate) in by_norm:
            return by_norm[_norm(candidate)]
    return None


def stance_of_option(option: str | None) -> str | None:
    """Read a chosen option back as a stance (for answers harvested from sheets)."""
    if not option:
        return None
    norm = _norm(option)
    for stance, candidates in STANCE_OPTIONS.items():
        if norm in (_norm(c) for c in candidates):
            return stance
    return None
