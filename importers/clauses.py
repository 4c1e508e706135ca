"""Read a contract (利用約款, 規約, 契約書) in text, Markdown or DOCX into a kb.contracts.ParsedContract.

A contract is a run of articles, each under a heading that Japanese contracts write in a few
ways, all read here:

* 「第30条（提供場所）」, 「第 30 条 (提供場所)」, 「第三十条【提供場所】」, full-width digits, as a
  Markdown heading (``## 第30条（提供場所）``), a Word heading or a plain line;
* the caption on its own line above the article, as statutes have it (「（目的）」 then 「第一条　この
  約款は…」), the first paragraph then on the article's own line;
* 「第30条の2」 for an article inserted after 第30条; 章 and 節 headings group articles; 附則 ends them.

Within an article, paragraphs (項) are numbered 1. / １ / ２ (the first may be unnumbered), items
(号) (1) / （１） / ① / 一; numbers must follow on from the one before, so that "30 日以内に" at
the start of a wrapped line is text, not paragraph 30. A mention of an article in a sentence
(「第5条に定める」) is not a heading: a heading is never followed straight on by a particle.

English contracts (an English edition of a 約款, or a contract written in English) are read by
the rules English drafting follows, which are the rules Japan's official translations of its laws
use for the same structure (条 Article, 項 paragraph, 号 item, 章 Chapter, 節 Section, 附則
Supplementary Provisions):

* "Article 12 (Data Storage Location)", "Article 12. Data Storage Location", "Article 12: …",
  "ARTICLE 12 – DATA STORAGE LOCATION", "Article XII", as a Markdown heading, a Word heading or a
  plain line; a run-in title ("Article 5. Fees. The Subscriber shall pay …") ends at its full stop;
  a caption on the line above ("(Purpose)" then "Article 1 These Terms …") as in 日本法令外国語訳,
  or the title on the line below ("ARTICLE I" then "DEFINITIONS");
* "Article 12-2" (how 第12条の2 is translated) and "Article 12bis", "12ter" … (the Latin ordinal
  adverbs continental drafting uses) for the articles inserted after Article 12;
* "Part", "Chapter", "Section" and "Subsection" headings group articles; "Supplementary Provisions",
  "Schedule", "Appendix", "Annex", "Exhibit" and "Attachment" end them;
* paragraphs "1." / "1)" / "(1)" / "12.1" (the article's number, a full stop, the paragraph's),
  items "(a)", "(i)", "(A)", "a)" and "i)", each in sequence (an item list may start again at its
  first under a new item of another kind: "(i)" under each "(a)"); "(i)" is the letter after "(h)"
  and the Roman one otherwise.

A mention of an article is no heading: after the number a sentence goes on in lower case
("Article 5 applies", "Article 18 (Notices) of these Terms"), with a comma, a paragraph in brackets
("Article 5(2)") or a full stop that ends it ("… as set out in Article 5."). A heading gives a title
in brackets, or a separator (full stop, colon, dash) or a space and a title in headline case or
capitals (a sentence-case title only in a Markdown or Word heading), or nothing at all. A contract
is read in the language of its first article heading, Japanese or English, and by that language's
rules only.

Bad input is refused in one line (kb.errors.KBError): no articles, a binary file, a PDF, an
encoding that is neither UTF-8 nor Shift_JIS (CP932), two headings of one article.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace

from importers.text_bytes import looks_like_utf16, not_utf8_reason
from kb.contracts import Article, Item, Paragraph, ParsedContract, article_label
from kb.errors import KBError
from kb.i18n import _

__all__ = ["parse_contract"]

# --------------------------------------------------------------------------- numbers

_NUM = r"[0-9０-９]+|[〇零一二三四五六七八九十百千]+"
_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


def _number(text: str) -> int:
    """An article or item number: 30, ３０, 三十, 三〇 (digits written one by one)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if not any(ch in _KANJI_UNITS for ch in text):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_UNITS:
            total += (digit or 1) * _KANJI_UNITS[ch]
            digit = 0
        else:
            digit = _KANJI_DIGITS[ch]
    return total + digit


# --------------------------------------------------------------------------- patterns

_ARTICLE_RE = re.compile(rf"^第\s*(?P<num>{_NUM})\s*条(?:\s*の\s*(?P<branch>{_NUM}))?(?P<after>.*)$")
_CHAPTER_RE = re.compile(rf"^第\s*(?:{_NUM})\s*[章節款](?:$|[\s(（【])")
# 附則 and 別表 end the articles: a heading of its own, perhaps numbered or dated, never a sentence.
_SUPPLEMENTARY_RE = re.compile(
    r"^(?:附\s*則|付\s*則|別\s*表|別\s*紙)\s*[0-9０-９一二三四五六七八九十]*\s*(?:$|[(（【].*$)"
)
_CAPTION_RE = re.compile(r"^[(（]([^()（）]{1,40})[)）]$")
_OPEN = {"(": ")", "（": "）", "【": "】", "〔": "〕", "[": "]", "［": "］"}
# What follows 「第5条」 in a sentence that mentions it: a particle or a reference going on.
_MENTION_RE = re.compile(
    r"^(?:[にのをがでとはへもや]|及び|および|又は|または|並びに|ならびに|から|まで|第|各号|前|後|、|。)"
)
# A title written after the number without brackets is short and no sentence.
_TITLE_MAX = 30

_PARAGRAPH_RE = re.compile(
    r"^(?P<label>(?P<n>[0-9０-９]{1,2})(?:[.．](?![0-9０-９])|[)）])?)(?:(?<=[.．)）])\s*|\s+)(?P<text>\S.*)$"
)
_KANJI_ITEM = "一二三四五六七八九十"
_IROHA = "イロハニホヘトチリヌルヲ"
_ITEM_RE = re.compile(
    r"^(?P<label>[(（](?P<paren>[0-9０-９]{1,2}|[一二三四五六七八九十]+|[a-zａ-ｚ]|[イロハニホヘトチリヌルヲ])[)）]"
    r"|(?P<circled>[①-⑳])|(?P<kanji>[一二三四五六七八九十]+)(?=\s)|(?P<iroha>[イロハニホヘトチリヌルヲ])(?=\s))"
    r"\s*(?P<text>\S.*)$"
)
_BULLET_RE = re.compile(r"^(?:[-*+]\s+|[・●○■□◆◇]\s*)(?P<text>\S.*)$")

_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__)(.+?)\1")
_MD_ESCAPE_RE = re.compile(r"\\([\\!-/:-@\[-`{-~])")
_MD_RULE_RE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_MD_QUOTE_RE = re.compile(r"^\s{0,3}>\s?")

_DATE_RE = re.compile(r"(?<!\d)(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?!\d)")
_VERSION_RE = re.compile(
    r"第\s*(\d+(?:\.\d+)*)\s*版|(?<![A-Za-z])(?:ver(?:sion)?\.?|v)\s*(\d+(?:\.\d+)*)|(\d+(?:\.\d+)+)\s*版",
    re.I,
)
_PUBLISHER_RE = re.compile(
    r"株式会社|有限会社|合同会社|一般社団法人|一般財団法人|\bInc\b|\bLtd\b|\bCorporation\b|\bK\.K\.", re.I
)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _join(a: str, b: str) -> str:
    """Join a line to the one it was wrapped from: no space next to Japanese text."""
    if not a or not b:
        return a or b
    return a + b if _wide(a[-1]) or _wide(b[0]) else f"{a} {b}"


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class _Line:
    """One line of text or one Word paragraph."""

    text: str
    number: int  # 1-based, for messages
    heading: bool = False  # a Markdown heading or a Word heading style
    list_level: int | None = None  # Word's automatic numbering: 0 a paragraph (項), 1 and deeper an item (号)
    indent: int = 0  # leading spaces of a text line


def _markdown_lines(text: str) -> list[_Line]:
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = _MD_QUOTE_RE.sub("", raw.rstrip()).expandtabs(4)
        indent = len(raw) - len(raw.lstrip(" "))
        if _MD_RULE_RE.match(raw):
            raw = ""
        heading = _MD_HEADING_RE.match(raw)
        if heading:
            raw = heading.group(1)
        raw = _MD_ESCAPE_RE.sub(r"\1", _MD_EMPHASIS_RE.sub(r"\2", raw)).strip()
        lines.append(_Line(raw, number, heading=bool(heading), indent=indent))
    return lines


def _docx_lines(data: bytes, source_name: str) -> list[_Line]:
    try:
        import docx
        from docx.table import Table
    except ImportError:  # pragma: no cover - a declared dependency
        raise KBError(_("reading DOCX needs python-docx: pip install python-docx")) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise KBError(
            _("cannot read {source_name} as DOCX: {kind}: {exc}").format(
                source_name=source_name, kind=type(exc).__name__, exc=exc
            )
        ) from None
    numbering = _WordNumbering(document)
    lines: list[_Line] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [_collapse(cell.text) for cell in row.cells]
                lines.append(_Line(" | ".join(dict.fromkeys(c for c in cells if c)), len(lines) + 1))
            continue
        style = (block.style.name if block.style is not None else "") or ""
        heading = style.startswith(("Heading", "Title", "見出し", "表題"))
        level = None
        parts = block.text.split("\n")  # a manual line break is a line of its own
        numbered = _numbered(block)
        if numbered is not None:
            # Word writes the number (第%1条, %1., (%1), 一) when it shows the paragraph: so does this.
            label = numbering.label(*numbered)
            if label is None:
                level = numbered[1]
            elif parts[0].strip():
                parts[0] = (
                    f"{label} {parts[0].strip()}" if label[-1] not in " 　" else label + parts[0].strip()
                )
        for part in parts:
            lines.append(_Line(part.strip(), len(lines) + 1, heading, level))
        lines.append(_Line("", len(lines) + 1))  # Word paragraphs are blocks
    return lines


def _numbered(paragraph) -> tuple[str, int] | None:
    """(numId, level) of a Word paragraph's automatic numbering (its own or its style's), if any."""
    for holder in (paragraph._p, getattr(paragraph.style, "element", None)):
        ppr = holder.pPr if holder is not None else None
        num = ppr.numPr if ppr is not None else None
        if num is not None and num.numId is not None and num.numId.val != 0:
            return str(num.numId.val), int(num.ilvl.val) if num.ilvl is not None else 0
    return None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_IROHA_FULL = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス"
_AIUEO = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"


def _kanji(n: int) -> str:
    """一, 十, 二十三: Japanese counting, as Word's japaneseCounting writes numbers under 10000."""
    digits = "〇一二三四五六七八九"
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else digits[q]) + unit
    return out + (digits[n] if n else "") or "〇"


_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalFullWidth2": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalEnclosedCircle": lambda n: chr(ord("①") + n - 1) if 1 <= n <= 20 else str(n),
    "japaneseCounting": _kanji,
    "japaneseDigitalTenThousand": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "aiueoFullWidth": lambda n: _AIUEO[(n - 1) % len(_AIUEO)],
    "aiueo": lambda n: _AIUEO[(n - 1) % len(_AIUEO)],
    "irohaFullWidth": lambda n: _IROHA_FULL[(n - 1) % len(_IROHA_FULL)],
    "iroha": lambda n: _IROHA_FULL[(n - 1) % len(_IROHA_FULL)],
    "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
    "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
}


class _WordNumbering:
    """The numbers Word shows before numbered paragraphs, counted as Word counts them: per list
    (numId), a level's count going on until a higher level of the same list comes again."""

    def __init__(self, document) -> None:
        self.levels: dict[
            str, dict[int, tuple[str, str, int]]
        ] = {}  # numId -> level -> (format, text, start)
        self.counts: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for node in root.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.iter(f"{_W}lvl"):
                fmt, text, start = (lvl.find(f"{_W}{tag}") for tag in ("numFmt", "lvlText", "start"))
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{_W}val", "") if text is not None else "",
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                )
            abstract[node.get(f"{_W}abstractNumId")] = levels
        for num in root.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.levels[num.get(f"{_W}numId")] = abstract.get(ref.get(f"{_W}val"), {})

    def label(self, num_id: str, level: int) -> str | None:
        """The number Word shows for the next paragraph of this list and level, or None when
        its format is not one this reads (the caller then numbers it in sequence)."""
        levels = self.levels.get(num_id, {})
        if level not in levels:
            return None
        counts = self.counts.setdefault(num_id, {})
        counts[level] = counts.get(level, levels[level][2] - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]  # a new paragraph of a level restarts the levels under it
        fmt, text, _ = levels[level]
        if fmt == "bullet":
            return "・"
        if fmt == "none":
            return text.strip() or None

        def number(m: re.Match) -> str:
            at = int(m.group(1)) - 1
            shown = counts.get(at, levels.get(at, ("decimal", "", 1))[2])
            render = _FORMATS.get(levels.get(at, ("decimal",))[0])
            return render(shown) if render else m.group(0)

        out = re.sub(r"%(\d)", number, text)
        return None if "%" in out or not out.strip() else out


# --------------------------------------------------------------------------- decoding


def _decode(data: bytes, source_name: str) -> tuple[str, str]:
    """The text of a contract file and the encoding it was read in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise KBError(
                _("not a contract: {source_name} is not valid UTF-16 text").format(source_name=source_name)
            ) from None
    if looks_like_utf16(data):  # without a BOM: Windows' 'Unicode' text, not a binary file
        raise KBError(
            _("not a contract: {source_name} is {reason}").format(
                source_name=source_name, reason=not_utf8_reason(data)
            )
        )
    if b"\x00" in data:
        raise KBError(_("not a contract: {source_name} is a binary file").format(source_name=source_name))
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    # Japanese text that is not UTF-8 is Shift_JIS (Windows' CP932) nearly always. A decoding
    # that succeeds is taken only if it reads as Japanese prose: hiragana carry its grammar,
    # where a wrong decoding gives kanji and half-width katakana soup.
    for codec, name in (("cp932", "Shift_JIS (CP932)"), ("euc_jp", "EUC-JP")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _reads_as_japanese(text):
            return text, name
    raise KBError(
        _(
            "not a contract: {source_name} is neither UTF-8 nor Shift_JIS text (byte {utf8_error}); save it as UTF-8"
        ).format(source_name=source_name, utf8_error=utf8_error)
    )


def _reads_as_japanese(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    if not wide:
        return False
    hiragana = sum(1 for ch in wide if "\u3041" <= ch <= "\u309f")
    halfwidth_kana = sum(1 for ch in wide if "\uff61" <= ch <= "\uff9f")
    return hiragana >= 0.15 * len(wide) and halfwidth_kana <= 0.05 * len(wide)


def _lines(data: bytes, source_name: str) -> tuple[list[_Line], str]:
    if not data or not data.strip():
        raise KBError(_("not a contract: {source_name} is empty").format(source_name=source_name))
    if data.startswith(b"%PDF"):
        raise KBError(
            _("not a contract: {source_name} is a PDF; save it as text, Markdown or DOCX first").format(
                source_name=source_name
            )
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise KBError(
                _("not a contract: {source_name} is a damaged ZIP archive").format(source_name=source_name)
            ) from None
        if "word/document.xml" not in names:
            raise KBError(
                _("not a contract: {source_name} is a ZIP archive but not a DOCX").format(
                    source_name=source_name
                )
            )
        return _docx_lines(data, source_name), "DOCX"
    text, encoding = _decode(data, source_name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return _markdown_lines(text), encoding


# --------------------------------------------------------------------------- headings


@dataclass(frozen=True)
class _Heading:
    number: int
    branch: int
    title: str
    rest: str  # the first paragraph, when it stands on the heading's line
    english: bool = False  # "Article 12 (…)": its paragraphs and items are numbered as English ones are


def _closing(text: str) -> int:
    """Where the bracket that opens ``text`` closes, brackets inside it counted (「（料金（税込））」), or -1."""
    opening, closing = text[0], _OPEN[text[0]]
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == opening) - (ch == closing)
        if depth == 0:
            return i
    return -1


def _article_heading(line: _Line) -> _Heading | None:
    m = _ARTICLE_RE.match(line.text)
    if not m:
        return None
    after = m.group("after")
    title, rest = "", ""
    stripped = after.lstrip()
    if not stripped:
        pass
    elif stripped[0] in _OPEN:
        close = _closing(stripped)
        if close < 0:
            return None
        title, rest = stripped[1:close].strip(), stripped[close + 1 :]
        if rest and not rest[0].isspace() and _MENTION_RE.match(rest):
            return None  # 「第30条（提供場所）に定める」: a mention
        rest = rest.strip()
    elif after[0].isspace():
        # 「第1条 目的」 or, as statutes write it, 「第一条　この約款は…」.
        if line.heading or (len(stripped) <= _TITLE_MAX and not re.search(r"[、。，．]", stripped)):
            title = stripped
        else:
            rest = stripped
    else:
        return None  # 「第5条に定める」, 「第5条第2項」: a mention
    branch = m.group("branch")
    return _Heading(_number(m.group("num")), _number(branch) if branch else 0, _collapse(title), rest)


# --------------------------------------------------------------------------- English headings

# Roman numerals, in capitals as headings write them ("ARTICLE IV", "Chapter II"), well formed.
_ROMAN = r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?![A-Za-z])"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
# The Latin ordinal adverbs that number an article inserted after another: 12bis is the second
# article 12 (as 第12条の2 is), 12ter the third.
_LATIN_BRANCHES = {
    "bis": 2,
    "ter": 3,
    "quater": 4,
    "quinquies": 5,
    "sexies": 6,
    "septies": 7,
    "octies": 8,
    "novies": 9,
    "nonies": 9,
    "decies": 10,
}
_EN_ARTICLE_RE = re.compile(
    rf"^(?:Article|ARTICLE)\s+(?P<num>[0-9０-９]+|{_ROMAN})"
    rf"(?:-(?P<branch>[0-9]+)(?![0-9])|\s?(?P<latin>(?i:{'|'.join(_LATIN_BRANCHES)}))(?![A-Za-z]))?"
    r"(?P<after>.*)$"
)
_EN_GROUP_RE = re.compile(
    rf"^(?:Part|PART|Chapter|CHAPTER|Section|SECTION|Subsection|SUBSECTION)\s+(?:[0-9]+(?![0-9])|{_ROMAN})"
    r"(?P<after>.*)$"
)
_EN_END_RE = re.compile(
    r"^(?:Supplementary\s+Provisions?|SUPPLEMENTARY\s+PROVISIONS?|Schedules?|SCHEDULES?|Appendix|APPENDIX"
    r"|Appendices|APPENDICES|Annex(?:es)?|ANNEX(?:ES)?|Exhibits?|EXHIBITS?|Attachments?|ATTACHMENTS?)(?![A-Za-z])"
    rf"(?:\s+(?:[0-9]+(?![0-9])|{_ROMAN}|[A-Z](?![A-Za-z])))?(?P<after>.*)$"
)
# What separates a number from its title: a full stop or colon before a space, a dash.
_EN_SEPARATOR_RE = re.compile(r"^\s*(?:[.:](?=\s|$)|[–—]|\s-(?=\s|$))\s*")
# A bracket after an article's number that holds a paragraph or item of it: "Article 5(2)", "(a)", "(iv)".
_EN_SUBREFERENCE_RE = re.compile(r"\s*(?:[0-9]{1,3}|[a-zA-Z]|[ivxlc]{1,6})\s*")
# A title is a heading's few words, no sentence: longer than this it is text.
_EN_TITLE_MAX = 80
# The words headline case leaves in lower case (articles, conjunctions, short prepositions).
_MINOR_WORDS = frozenset(
    "a an the and but or nor for so yet as at by in of off on per to up via with from into onto upon"
    " over under than vs".split()
)


def _roman(text: str) -> int:
    values = [_ROMAN_VALUES[ch] for ch in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _headline_case(text: str) -> bool:
    """Every word capitalized but the minor ones, the first word always: "Rights to the
    Subscriber's Data", "DATA STORAGE LOCATION"; not "Data storage location is in Japan"."""
    words = [w for w in re.split(r"[\s/]+", text) if re.search(r"[A-Za-z]", w)]
    if not words:
        return False
    for i, word in enumerate(words):
        first = next(ch for ch in word if ch.isalpha())
        if not first.isupper() and (i == 0 or word.strip("(),\"'“”‘’").lower() not in _MINOR_WORDS):
            return False
    return True


def _english_title(text: str) -> bool:
    """Whether a plain line's text after an article's number reads as its title: a few words in
    headline case or capitals, no sentence in them (no full stop, semicolon, ! or ? inside). A
    title in sentence case ("Data storage location") is read in brackets or from a heading."""
    text = text.strip()
    body = text[:-1] if text.endswith(".") else text
    if not body or len(body) > _EN_TITLE_MAX or re.search(r"[.!?](?=\s)|;", body):
        return False
    return _headline_case(body)


def _begins_text(text: str) -> bool:
    """Whether text can be a paragraph of its own: it starts as a sentence or a numbered one does."""
    return bool(re.match(r"[A-Z0-9\"“‘'(（]", text))


def _english_caption(after: str, line: _Line) -> tuple[str, str] | None:
    """(title, first paragraph) of what follows a number in an English heading ("Article 12"
    and then this), or None when it is a sentence mentioning it."""
    stripped = after.strip()
    if not stripped:
        return "", ""
    if stripped[0] in _OPEN and (after[0] in _OPEN or after[0].isspace()):
        close = _closing(stripped)
        if close < 0:
            return None
        title, rest = stripped[1:close].strip(), stripped[close + 1 :].strip()
        if not title or _EN_SUBREFERENCE_RE.fullmatch(title):
            return None  # "Article 5(2) applies": a paragraph of it, mentioned
        if line.heading and re.fullmatch(r"[.:]", rest):
            rest = ""
        if rest and not _begins_text(rest):
            return None  # "Article 18 (Notices) of these Terms", "… in Article 18 (Notices).": a mention
        return _collapse(title), rest
    separator = _EN_SEPARATOR_RE.match(after)
    if separator:
        text = after[separator.end() :].strip()
        if not text:
            # "… as set out in Article 5." ends a sentence; "ARTICLE 5:" heads one only as a heading.
            return ("", "") if line.heading else None
        run_in = re.match(r"(?P<title>[^.;:!?]+)\.\s+(?P<rest>\S.*)$", text)
        if line.heading:
            return _collapse(text.rstrip(".")), ""
        if run_in and _english_title(run_in["title"]):
            return _collapse(run_in["title"]), run_in["rest"]  # "Article 5. Fees. The Subscriber shall …"
        if _english_title(text):
            return _collapse(text.rstrip(".")), ""
        return None  # "… in Article 5. The Company may …": the next sentence, not a title
    if after[0].isspace():
        if not _begins_text(stripped):
            return None  # "Article 5 applies", "Article 5 and Article 6", "Article 5, paragraph 2"
        if line.heading or _english_title(stripped):
            return _collapse(stripped.rstrip(".")), ""  # "Article 12 Data Storage Location"
        return "", stripped  # as statutes write it: "Article 1 These Terms set out …"
    return None  # "Article 5's", "Article 5," or "Article 5a": not a heading


def _english_heading(line: _Line) -> _Heading | None:
    m = _EN_ARTICLE_RE.match(line.text)
    if not m:
        return None
    caption = _english_caption(m["after"], line)
    if caption is None:
        return None
    number = m["num"]
    number = _roman(number) if number[0] in _ROMAN_VALUES else _number(number)
    branch = int(m["branch"]) if m["branch"] else _LATIN_BRANCHES.get((m["latin"] or "").lower(), 0)
    title, rest = caption
    return _Heading(number, branch, title, rest, english=True)


def _english_group(line: _Line) -> bool:
    """A Part, Chapter, Section or Subsection heading: "Chapter 3 Fees", "CHAPTER III – FEES"."""
    m = _EN_GROUP_RE.match(line.text)
    caption = _english_caption(m["after"], line) if m else None
    return caption is not None and not caption[1]


def _english_end(line: _Line) -> bool:
    """Supplementary provisions, a schedule or an appendix, which end the articles: "Appendix",
    "Schedule 1 – Service Levels", a heading "Schedule of Fees"; not "Schedule 1 sets out …"."""
    m = _EN_END_RE.match(line.text)
    if not m:
        return False
    caption = _english_caption(m["after"], line)
    return line.heading or (caption is not None and not caption[1])


# Paragraphs: "1." / "1)", "(1)" (as Japan's translations number 項), "12.1" (article 12's first).
_EN_PARAGRAPH_RE = re.compile(
    r"^(?P<label>(?P<dot>[0-9]{1,2})[.)]|\((?P<paren>[0-9]{1,2})\)|(?P<article>[0-9]{1,3})\.(?P<sub>[0-9]{1,2})\.?)"
    r"\s+(?P<text>\S.*)$"
)
# Items: "(a)", "(i)", "(A)", "(1)" under paragraphs numbered otherwise, "a)", "i)".
_EN_ITEM_RE = re.compile(
    r"^(?P<label>\((?P<paren>[a-z]{1,6}|[A-Z]|[0-9]{1,2})\)|(?P<close>[a-z]{1,6})\))\s+(?P<text>\S.*)$"
)
_ROMAN_LOWER = re.compile(_ROMAN.replace("(?![A-Za-z])", ""))


def _english_paragraph(m: re.Match, article_number: int) -> tuple[str, int] | None:
    """(numbering, number) of an English paragraph's label: ("dot", 2) for "2.", ("decimal", 1) for
    "12.1" in Article 12; None for "3.1" in Article 12, a cross-reference wrapped onto a line."""
    if m["dot"]:
        return "dot", int(m["dot"])
    if m["paren"]:
        return "paren", int(m["paren"])
    if int(m["article"]) == article_number:
        return "decimal", int(m["sub"])
    return None


def _english_item_numbers(value: str) -> list[tuple[str, int]]:
    """What an item label may be, in the order tried: "(i)" the letter i, else the Roman one."""
    if value.isdigit():
        return [("paren", int(value))]
    if len(value) == 1 and value.isupper():
        return [("upper", ord(value) - ord("A") + 1)]
    out = [("latin", ord(value) - ord("a") + 1)] if len(value) == 1 else []
    if _ROMAN_LOWER.fullmatch(value.upper()):
        out.append(("roman", _roman(value.upper())))
    return out


def _label(heading: _Heading) -> str:
    """An article's number as its contract writes it, for messages: 第12条の2, Article 12-2."""
    return article_label(heading.number, heading.branch, "en" if heading.english else "ja")


# --------------------------------------------------------------------------- articles


@dataclass
class _Unit:
    """A paragraph or item being read; ``text`` grows as wrapped lines come."""

    label: str
    text: str
    number: int = 0
    family: str = ""  # an item's kind of numbering: paren, circled, kanji, iroha, bullet


@dataclass
class _ArticleBuilder:
    heading: _Heading
    chapter: str
    line: int
    paragraphs: list[tuple[_Unit, list[_Unit]]] = field(default_factory=list)
    numbering: str = ""  # an English article's paragraphs: "dot" (1.), "paren" ((1)) or "decimal" (12.1)

    def last(self) -> _Unit | None:
        if not self.paragraphs:
            return None
        paragraph, items = self.paragraphs[-1]
        return items[-1] if items else paragraph

    def add_paragraph(self, number: int, label: str, text: str) -> None:
        self.paragraphs.append((_Unit(label, text, number), []))

    def add_item(self, item: _Unit) -> None:
        if not self.paragraphs:
            self.add_paragraph(1, "", "")
        self.paragraphs[-1][1].append(item)

    def next_paragraph(self) -> int:
        return self.paragraphs[-1][0].number + 1 if self.paragraphs else 1

    def next_item(self, family: str) -> int:
        items = self.paragraphs[-1][1] if self.paragraphs else []
        same = [i for i in items if i.family == family]
        return same[-1].number + 1 if same else 1

    def follows(self, family: str, number: int) -> bool:
        """Whether an English item numbered so comes next: in sequence, or the first of a list
        nested under an item of another kind ("(i)" again under each "(a)")."""
        items = self.paragraphs[-1][1] if self.paragraphs else []
        return number == self.next_item(family) or (
            number == 1 and bool(items) and items[-1].family != family
        )

    def build(self) -> Article:
        paragraphs = tuple(
            Paragraph(
                p.number,
                p.label,
                p.text.strip(),
                tuple(Item(i.label, i.text.strip()) for i in items),
            )
            for p, items in self.paragraphs
        )
        h = self.heading
        return Article(h.number, h.title, paragraphs, branch=h.branch, chapter=self.chapter, line=self.line)


def _item(text: str) -> _Unit | None:
    m = _ITEM_RE.match(text)
    if m:
        label = m.group("label")
        if m.group("paren"):
            value = m.group("paren")
            if value in _IROHA:
                return _Unit(label, m.group("text"), _IROHA.index(value) + 1, "iroha")
            if re.fullmatch(r"[a-zａ-ｚ]", value):
                return _Unit(label, m.group("text"), ord(_nfkc(value)) - ord("a") + 1, "latin")
            return _Unit(label, m.group("text"), _number(value), "paren")
        if m.group("circled"):
            return _Unit(label, m.group("text"), ord(label) - ord("①") + 1, "circled")
        if m.group("kanji"):
            return _Unit(label, m.group("text"), _number(label), "kanji")
        return _Unit(label, m.group("text"), _IROHA.index(label) + 1, "iroha")
    bullet = _BULLET_RE.match(text)
    return _Unit("・", bullet.group("text"), 0, "bullet") if bullet else None


def _is_english(lines: list[_Line]) -> bool:
    """Whether a contract is English: its first article heading is. A contract is read in one
    language, so a bilingual one ("第1条（目的）" and "Article 1 (Purpose)" after it) is read as
    the language it begins in, the other edition's text kept under each of its articles."""
    for line in lines:
        if _article_heading(line) is not None:
            return False
        if _english_heading(line) is not None:
            return True
    return False


class _Reader:
    def __init__(self, english: bool = False) -> None:
        self.english = english  # read by the English rules (Article 12, Chapter 3, Schedule), else 第12条
        self.front: list[_Line] = []
        self.articles: list[_ArticleBuilder] = []
        self.current: _ArticleBuilder | None = None
        self.chapter = ""
        self.caption: _Line | None = (
            None  # 「（目的）」 on its own line: the next article's title, if one follows
        )
        self.supplementary: list[str] | None = None  # from 附則 on
        self.gap = False  # a blank line came before this one

    def read(self, lines: list[_Line]) -> None:
        for line in lines:
            if not line.text:
                self.gap = True
            elif self.supplementary is not None:
                self.supplementary.append(line.text)
            else:
                self._line(line)
                self.gap = False
        if self.caption is not None:
            self._text(self.caption)

    def _line(self, line: _Line) -> None:
        text = line.text
        heading = _english_heading(line) if self.english else _article_heading(line)
        caption, self.caption = self.caption, None
        if heading is not None:
            if not heading.title and caption is not None:
                heading = replace(heading, title=_caption_title(caption))
            self._open(heading, line)
            return
        if caption is not None:
            self._text(caption)  # a remark in brackets, not the caption of an article
        if self.english:
            ends, groups = bool(self.articles) and _english_end(line), _english_group(line)
        else:
            ends = bool(_SUPPLEMENTARY_RE.match(text)) and (line.heading or not re.search(r"[、。]", text))
            groups = bool(_CHAPTER_RE.match(text))
        if ends:
            self.current = None
            self.supplementary = [text]
        elif groups or (line.heading and self.articles):
            self.chapter = _collapse(text)
            self.current = None
        elif _CAPTION_RE.match(text):
            self.caption = line
        else:
            self._text(line)

    def _text(self, line: _Line) -> None:
        if self.current is not None:
            self._body(line)
        elif not self.articles:
            self.front.append(line)
        elif len(line.text) <= _TITLE_MAX and not re.search(r"[、。]", line.text):
            self.chapter = _join(self.chapter, line.text)  # a chapter heading wrapped onto a second line
        else:
            # Text between a chapter heading and its first article: kept with the article before.
            self.current = self.articles[-1]
            self._body(line)
            self.current = None

    def _open(self, heading: _Heading, line: _Line) -> None:
        key = (heading.number, heading.branch)
        label = _label(heading)
        for other in self.articles:
            before = (other.heading.number, other.heading.branch)
            if before == key:
                raise KBError(
                    _("{label} is headed twice (lines {first} and {second})").format(
                        label=label, first=other.line, second=line.number
                    )
                )
            if before > key:
                raise KBError(
                    _(
                        "{label} (line {line}) comes after {before} (line {before_line}): articles must be in order"
                    ).format(
                        label=label, line=line.number, before=_label(other.heading), before_line=other.line
                    )
                )
        self.current = _ArticleBuilder(heading, self.chapter, line.number)
        self.articles.append(self.current)
        if heading.rest and heading.english:
            self._body(_Line(heading.rest, line.number))  # "Article 1 (Purpose) 1. These Terms …"
        elif heading.rest:
            self.current.add_paragraph(1, "", heading.rest)

    def _body(self, line: _Line) -> None:
        article = self.current
        assert article is not None
        text = line.text
        if line.list_level is not None:  # Word numbers it: the number is not in the text
            if line.list_level == 0:
                number = article.next_paragraph()
                article.add_paragraph(number, f"{number}.", text)
            else:
                number = article.next_item("paren")
                article.add_item(_Unit(f"({number})", text, number, "paren"))
            return
        if article.heading.english:
            if not article.heading.title and not article.paragraphs and _english_title(text):
                # "ARTICLE I" and, on the line below it, "DEFINITIONS": its title
                article.heading = replace(article.heading, title=_collapse(text.rstrip(".")))
            elif not self._english_unit(article, line):
                self._continue(article, line)
            return
        paragraph = _PARAGRAPH_RE.match(text)
        if paragraph and line.indent >= 2 and article.paragraphs:
            # A numbered list indented under a paragraph: its items (a nested Markdown list).
            number = _number(paragraph.group("n"))
            if number == article.next_item("nested"):
                article.add_item(_Unit(paragraph.group("label"), paragraph.group("text"), number, "nested"))
                return
        elif paragraph and _number(paragraph.group("n")) == article.next_paragraph():
            article.add_paragraph(
                _number(paragraph.group("n")), paragraph.group("label"), paragraph.group("text")
            )
            return
        item = _item(text)
        if item is not None and (item.family == "bullet" or item.number == article.next_item(item.family)):
            article.add_item(item)
            return
        self._continue(article, line)

    def _continue(self, article: _ArticleBuilder, line: _Line) -> None:
        """A line that numbers nothing: the paragraph or item before goes on (a new line of it
        after a blank one), or it is the article's first, unnumbered paragraph."""
        text = line.text
        last = article.last()
        if last is None:
            article.add_paragraph(1, "", text)
        elif self.gap:
            last.text = f"{last.text}\n{text}" if last.text else text
        else:
            last.text = _join(last.text, text)

    def _english_unit(self, article: _ArticleBuilder, line: _Line) -> bool:
        """Read a line of an English article as a paragraph or item if it numbers one next."""
        text = line.text
        paragraph = _EN_PARAGRAPH_RE.match(text)
        if paragraph and paragraph["dot"] and line.indent >= 2 and article.paragraphs:
            # A numbered list indented under a paragraph: its items (a nested Markdown list).
            number = int(paragraph["dot"])
            if number == article.next_item("nested"):
                article.add_item(_Unit(paragraph["label"], paragraph["text"], number, "nested"))
                return True
        elif paragraph:
            numbered = _english_paragraph(paragraph, article.heading.number)
            items = article.paragraphs[-1][1] if article.paragraphs else []
            if (
                numbered is not None
                and article.numbering in ("", numbered[0])
                and numbered[1] == article.next_paragraph()
                # "(2)" after "(1)", an item of the paragraph above, is its second item
                and not (numbered[0] == "paren" and any(i.family == "paren" for i in items))
            ):
                article.numbering = numbered[0]
                article.add_paragraph(numbered[1], paragraph["label"], paragraph["text"])
                return True
        item = _EN_ITEM_RE.match(text)
        if item:
            for family, number in _english_item_numbers(item["paren"] or item["close"]):
                if family == "paren" and article.numbering == "paren":
                    continue  # "(3)" in an article whose paragraphs are (1), (2): not an item
                if article.follows(family, number):
                    article.add_item(_Unit(item["label"], item["text"], number, family))
                    return True
        bullet = _BULLET_RE.match(text)
        if bullet:
            article.add_item(_Unit("・", bullet["text"], 0, "bullet"))
            return True
        return False


def _caption_title(line: _Line) -> str:
    m = _CAPTION_RE.match(line.text)
    assert m is not None
    return _collapse(m.group(1))


# --------------------------------------------------------------------------- cover


_MONTH_NAMES = "january february march april may june july august september october november december".split()
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
# An English date, in either order English writes it: "April 1, 2025", "1 April 2025", "1st Apr. 2025".
_EN_DATE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<day1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month1>[A-Za-z]{3,9})\.?,?\s+(?P<year1>\d{4})"
    r"|(?P<month2>[A-Za-z]{3,9})\.?\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{4}))(?![0-9])"
)


def _english_date(text: str) -> tuple[int, int, int] | None:
    for m in _EN_DATE_RE.finditer(text):
        which = "1" if m["year1"] else "2"
        month = _MONTHS.get(m["month" + which].lower())
        if month:
            return int(m["year" + which]), month, int(m["day" + which])
    return None


def _iso_date(text: str, english: bool = False) -> str | None:
    m = _DATE_RE.search(_nfkc(text))
    if m:
        year, month, day = (int(g) for g in m.groups())
    elif english and (english_date := _english_date(_nfkc(text))):
        year, month, day = english_date
    else:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cover(
    front: list[_Line], english: bool = False
) -> tuple[str | None, str | None, str | None, str | None]:
    """Title, publisher, version and effective date from the lines before the first article
    (an English contract's date also as English writes it: "April 1, 2025", "1 April 2025")."""
    title = publisher = version = effective = None
    headings = [line for line in front if line.heading]
    if headings:
        title = _collapse(headings[0].text)
    for line in front:
        text = _collapse(_nfkc(line.text))
        if len(text) > 60:
            continue
        if effective is None and _iso_date(text, english):
            effective = _iso_date(text, english)
            continue
        m = _VERSION_RE.search(text)
        if version is None and m:
            version = next(g for g in m.groups() if g)
            continue
        if (
            publisher is None
            and _PUBLISHER_RE.search(text)
            and line is not (headings[0] if headings else None)
        ):
            publisher = text
            continue
        if title is None:
            title = _collapse(line.text)
    return title, publisher, version, effective


# --------------------------------------------------------------------------- entry point


def parse_contract(data: bytes, source_name: str) -> ParsedContract:
    """Parse a contract file's bytes (UTF-8 or Shift_JIS text, Markdown, or DOCX).

    Raises KBError (one line) when the file is empty, binary, a PDF, in an encoding it
    cannot read, has no article headings, or heads one article twice or out of order.
    """
    lines, encoding = _lines(data, source_name)
    reader = _Reader(_is_english(lines))
    try:
        reader.read(lines)
    except KBError as exc:
        raise KBError(_("{file}: {error}").format(file=source_name, error=exc)) from None
    if not reader.articles:
        raise KBError(
            _(
                "not a contract: {source_name} has no articles"
                " (headings such as 第1条（目的）, 第 1 条 (目的) or Article 1 (Purpose))"
            ).format(source_name=source_name)
        )
    title, publisher, version, effective = _cover(reader.front, reader.english)
    return ParsedContract(
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=source_name,
        articles=tuple(a.build() for a in reader.articles),
        title=title,
        publisher=publisher,
        version=version,
        effective=effective,
        supplementary="\n".join(reader.supplementary or []),
        encoding=encoding,
        lang="en" if reader.english else "ja",
    )
