"""What a text file's bytes look like, for one-line refusals that say what is wrong."""

from __future__ import annotations

import codecs

_SAMPLE = 4096


def looks_like_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or NUL in many even or odd bytes (the high byte of UTF-16's
    ASCII and of its punctuation): Windows' 'Unicode' text, which UTF-8 readers call binary."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = data[:_SAMPLE]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return even.count(0) > 0.3 * len(even) or odd.count(0) > 0.3 * len(odd)


def not_utf8_reason(data: bytes) -> str:
    """'not UTF-8 text', with what it looks like when that is known."""
    return (
        "not UTF-8 text (looks like UTF-16; save it as UTF-8)" if looks_like_utf16(data) else "not UTF-8 text"
    )
