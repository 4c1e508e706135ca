"""The amounts a question states: how often (毎月, annually, 年 2 回), how long or how soon (5 年間,
within 24 hours, 直ちに), how much or how many (99.9%, 12 文字 = 12 characters), each in one
canonical spelling whatever the language.

A question that states an amount asks whether that amount holds, so only a text that states the
same amount answers it (kb.gate): 「毎月教育していますか」 is not answered yes by 「毎年 1 回研修を実施」,
nor 「1 時間以内に通知しますか」 by 「電子メールでお知らせします」. A text may state it in other words
or the other language: 年 1 回 and 毎年 and annually are one amount.
"""

from __future__ import annotations

import re
import unicodedata

_PERIODS_JA = {"日": "day", "週": "week", "月": "month", "四半期": "quarter", "年": "year"}
_PERIODS_EN = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
_NUMBERS_EN = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirty": 30, "ninety": 90,
}  # fmt: skip
_TIMES_EN = {"once": 1, "twice": 2, "thrice": 3}
_UNITS_JA = {
    "秒": "second", "分": "minute", "時間": "hour", "営業日": "business day", "日": "day", "日間": "day",
    "週": "week", "週間": "week", "か月": "month", "ヶ月": "month", "カ月": "month", "ヵ月": "month",
    "箇月": "month", "ケ月": "month", "年": "year", "年間": "year", "文字": "character", "桁": "digit",
}  # fmt: skip

_EVERY_JA = re.compile(r"(毎(日|週|月|年)|(日|週|月|年|四半期)(次|ごと|毎))")
_COUNT_JA = re.compile(r"(四半期|年|月|週|日)(に|間|あたり)?\s*(\d+)\s*(回|度)")
_SPAN_JA = re.compile(
    # not a date's day or month (2026 年 4 月 10 日: a number after 年 or 月 is part of the date)
    r"(?<![年月\d])(?<![年月]\s)(\d+(?:\.\d+)?)\s*(営業日|時間|日間|週間|か月|ヶ月|カ月|ヵ月|箇月|ケ月|年間|文字|桁|秒|分|日|週|年)(?!\s*[\d回度])"
)
_NOW_JA = re.compile(r"直ちに|即時|即座|すぐに|遅滞なく")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(%|パーセント|percent\b)", re.IGNORECASE)

_NUM_EN = r"(\d+(?:\.\d+)?|" + "|".join(_NUMBERS_EN) + r")"
_EVERY_EN = re.compile(
    r"\b(daily|weekly|monthly|quarterly|annually|yearly|every (day|week|month|quarter|year))\b", re.I
)
_COUNT_EN = re.compile(
    rf"\b(once|twice|thrice|{_NUM_EN} times)\s+(a|an|per|each|every)\s+(day|week|month|quarter|year)\b", re.I
)
_SPAN_EN = re.compile(
    rf"\b{_NUM_EN}[\s-]+(business days?|hours?|days?|weeks?|months?|years?|minutes?|seconds?|characters?|digits?)\b",
    re.I,
)
_NOW_EN = re.compile(r"\b(immediately|without delay|instantly)\b", re.I)
_ADVERB_PERIOD = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "annually": "year",
    "yearly": "year",
}


def _number(word: str) -> str:
    word = word.lower()
    value = float(_NUMBERS_EN.get(word, word))
    return str(int(value)) if value.is_integer() else str(value)


def stated(text: str) -> dict[str, str]:
    """The amounts ``text`` states: canonical spelling -> the words that state it."""
    text = unicodedata.normalize("NFKC", text or "")
    out: dict[str, str] = {}

    def put(key: str, words: str) -> None:
        out.setdefault(key, words)

    for m in _EVERY_JA.finditer(text):
        put(f"every {_PERIODS_JA[m.group(2) or m.group(3)]}", m.group(0))
    for m in _COUNT_JA.finditer(text):
        period, n = _PERIODS_JA[m.group(1)], _number(m.group(3))
        put(f"{n} per {period}", m.group(0))
        if n == "1":
            put(f"every {period}", m.group(0))
    for m in _SPAN_JA.finditer(text):
        put(f"{_number(m.group(1))} {_UNITS_JA[m.group(2)]}", m.group(0))
    for m in _NOW_JA.finditer(text):
        put("immediately", m.group(0))
    for m in _EVERY_EN.finditer(text):
        word = m.group(1).lower()
        put(f"every {_ADVERB_PERIOD.get(word) or m.group(2).lower()}", m.group(0))
    for m in _COUNT_EN.finditer(text):
        times = m.group(1).lower()
        n = str(_TIMES_EN[times]) if times in _TIMES_EN else _number(times.split()[0])
        period = _PERIODS_EN[m.group(4).lower()]
        put(f"{n} per {period}", m.group(0))
        if n == "1":
            put(f"every {period}", m.group(0))
    for m in _SPAN_EN.finditer(text):
        unit = m.group(2).lower().rstrip("s")
        put(f"{_number(m.group(1))} {unit}", m.group(0))
    for m in _NOW_EN.finditer(text):
        put("immediately", m.group(0))
    for m in _PERCENT.finditer(text):
        put(f"{_number(m.group(1))}%", m.group(0))
    return out


def unstated(question: str, text: str) -> list[str]:
    """The words of each amount ``question`` states that ``text`` does not."""
    return missing(stated(question), text)


def missing(asked: dict[str, str], text: str) -> list[str]:
    """The words of each amount of ``asked`` (a question's, read once by ``stated``) that ``text``
    does not state."""
    have = stated(text) if asked else {}
    return [words for key, words in asked.items() if key not in have]
