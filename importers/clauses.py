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


class _Reader:
    def __init__(self) -> None:
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
        heading = _article_heading(line)
        caption, self.caption = self.caption, None
        if heading is not None:
            if not heading.title and caption is not None:
                heading = replace(heading, title=_caption_title(caption))
            self._open(heading, line)
            return
        if caption is not None:
            self._text(caption)  # a remark in brackets, not the caption of an article
        if _SUPPLEMENTARY_RE.match(text) and (line.heading or not re.search(r"[、。]", text)):
            self.current = None
            self.supplementary = [text]
        elif _CHAPTER_RE.match(text) or (line.heading and self.articles):
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
        label = article_label(*key)
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
                        label=label, line=line.number, before=article_label(*before), before_line=other.line
                    )
                )
        self.current = _ArticleBuilder(heading, self.chapter, line.number)
        self.articles.append(self.current)
        if heading.rest:
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
        last = article.last()
        if last is None:
            article.add_paragraph(1, "", text)
        elif self.gap:
            last.text = f"{last.text}\n{text}" if last.text else text
        else:
            last.text = _join(last.text, text)


def _caption_title(line: _Line) -> str:
    m = _CAPTION_RE.match(line.text)
    assert m is not None
    return _collapse(m.group(1))


# --------------------------------------------------------------------------- cover


def _iso_date(text: str) -> str | None:
    m = _DATE_RE.search(_nfkc(text))
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cover(front: list[_Line]) -> tuple[str | None, str | None, str | None, str | None]:
    """Title, publisher, version and effective date from the lines before the first article."""
    title = publisher = version = effective = None
    headings = [line for line in front if line.heading]
    if headings:
        title = _collapse(headings[0].text)
    for line in front:
        text = _collapse(_nfkc(line.text))
        if len(text) > 60:
            continue
        if effective is None and _iso_date(text):
            effective = _iso_date(text)
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
    reader = _Reader()
    try:
        reader.read(lines)
    except KBError as exc:
        raise KBError(f"{source_name}: {exc}") from None
    if not reader.articles:
        raise KBError(
            _(
                "not a contract: {source_name} has no articles (headings such as 第1条（目的） or 第 1 条 (目的))"
            ).format(source_name=source_name)
        )
    title, publisher, version, effective = _cover(reader.front)
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
    )
