"""Which language a text, or a whole check sheet, is written in.

Only the two languages the KB holds are told apart: Japanese (any kana, or mostly
kanji) and English (Latin letters only). A sheet's language is that of most of its
questions, so a Japanese sheet with English control ids and product names stays
Japanese, and an English sheet with one Japanese note stays English.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

LANGUAGES = ("ja", "en")


def _script(ch: str) -> str | None:
    o = ord(ch)
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
        return "kana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
        return "kanji"
    if ch.isascii() and ch.isalpha():
        return "latin"
    return None


def text_language(text: str) -> str | None:
    """'ja', 'en', or None for a text with no letters (numbers, ids, marks)."""
    counts = Counter(_script(ch) for ch in unicodedata.normalize("NFKC", text))
    if counts["kana"]:
        return "ja"
    # Kanji without kana: a Japanese heading (情報セキュリティ方針 has kana, 暗号化方針
    # has none) unless Latin letters clearly outnumber it (a name in kanji inside an
    # English sentence).
    if counts["kanji"] and counts["kanji"] * 2 >= counts["latin"]:
        return "ja"
    if counts["latin"]:
        return "en"
    return None


def majority_language(texts: Iterable[str], default: str = "ja") -> str:
    """The language most of ``texts`` are in; ``default`` when none has letters (or a tie)."""
    counts = Counter(lang for lang in map(text_language, texts) if lang)
    if not counts:
        return default
    (first, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        return default
    return first
