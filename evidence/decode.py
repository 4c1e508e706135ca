"""Reading the encoding of a text file: UTF-8 (with or without BOM), UTF-16 with a BOM,
and the Shift_JIS family (CP932, what Windows in Japan writes), then EUC-JP.

Order matters: valid UTF-8 is almost never anything else, so it is tried first; bytes
that are not UTF-8 are tried as CP932, and the result is kept only when it reads as
text: no control characters, and not mostly half-width katakana or user-defined
characters, which is what EUC-JP or Latin-1 bytes become when read as CP932 (EUC-JP's
あ, A4 A2, is ､｢ in CP932).
"""

from __future__ import annotations

import codecs
from typing import NamedTuple


class Decoded(NamedTuple):
    text: str
    encoding: str  # the codec that read it; "utf-8 (replaced)" when none did cleanly


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


def decode_text(data: bytes) -> Decoded:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(codec, errors="replace"), codec)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    for codec in ("cp932", "euc-jp"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if reads_as_text(text):
            return Decoded(text, codec)
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8 (replaced)")


def _half_width_kana(ch: str) -> bool:
    return "\uff61" <= ch <= "\uff9f"


def _user_defined(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff"


def reads_as_text(text: str) -> bool:
    """Whether a decoding is plausible text rather than bytes read in the wrong code."""
    if any(ch < " " and ch not in _ALLOWED_CONTROLS for ch in text):
        return False
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    odd = sum(1 for ch in wide if _half_width_kana(ch) or _user_defined(ch))
    return odd <= len(wide) // 2
