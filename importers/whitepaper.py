"""Parse a security whitepaper (Markdown extracted from a PDF) into a ParsedDocument.

The whitepapers this reads answer ISO/IEC 27017 / JIP-ISMS517 controls one heading at a
time ("### 6.1.3 関係当局との連絡"), grouped under framework headings ("### 2. ISO/IEC
27017:2015 ... への対応"), with a cover page, a table of contents and a revision table. The
text came out of a PDF, so the parser is tolerant of what that does to Markdown:

* heading levels vary between controls (###, ####) and a control heading may be flattened
  into body text ("CLD.6.3.1 <title>  \\n<body>") inside the previous control's section;
* paragraphs are hard-wrapped ("...見直しを\\n\\n行い、") and numbers are spaced ("第 27 条");
* table-of-contents lines ("はじめに.....\\t4") must never become answers.

The parser walks markdown-it-py tokens (headings, paragraphs, list items, table rows) and
only uses regular expressions on the resulting lines (control ids, clauses, dates). It never
touches a database: the result is plain `kb.model` data.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from importers.text_bytes import looks_like_utf16, not_utf8_reason
from kb.errors import KBError
from kb.i18n import _
from kb.language import LANGUAGES, majority_language
from kb.model import ClauseRef, ParsedDocument, Revision, Section

__all__ = ["parse_whitepaper"]

_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

# --------------------------------------------------------------------------- patterns

# A control id at the start of a heading or line: 4.1, 5.1.1, 18.2.1, CLD.6.3.1, A.12.6.1.
# Python's \d also matches full-width digits; ids are NFKC-normalised afterwards.
_ID = r"(?:[AＡ][.．]\s?)?(?:(?:CLD|ＣＬＤ|cld)[.．]?\s?)?\d{1,2}(?:[.．]\d{1,3}){1,3}"
_CONTROL_HEAD_RE = re.compile(rf"^\s*(?P<id>{_ID})[.．]?(?:(?:\s+|(?=[^\x00-\x7f]))(?P<title>\S.*?))?\s*$")
_CONTROL_LINE_RE = re.compile(rf"^\s*(?P<id>{_ID})[.．]?(?:\s+|(?=[^\x00-\x7f\d.．]))(?P<title>\S.*?)\s*$")
_GROUP_HEAD_RE = re.compile(r"^\s*\d{1,2}[.．]\s+\S")  # "1. JIP-ISMS517-1.0 への対応"

_FRAMEWORK_RE = re.compile(
    r"JIP-ISMS\d+(?:-\d+(?:\.\d+)*)?"
    r"|ISO/IEC\s*\d{4,5}(?:-\d+)?(?::\s*\d{4})?"
    r"|JIS\s*Q\s*\d{4,5}(?::\s*\d{4})?"
    r"|NIST\s+SP\s*800-\d+[A-Za-z]?(?:\s+Rev\.?\s*\d+)?"
    r"|CSA\s+CCM(?:\s*v?\d+(?:\.\d+)*)?"
    r"|PCI\s*DSS(?:\s*v?\d+(?:\.\d+)*)?"
    r"|ISMAP"
)

# Table-of-contents line: a dot leader followed by a page number (dropped wherever it appears).
_TOC_LINE_RE = re.compile(r"(?:\.{3,}|…{2,}|・{3,}|‥{2,}|･{3,})\s*\d{1,4}\s*$")
# "Title<TAB>page": only counts towards recognising a whole section as a table of contents.
_TOC_TAB_RE = re.compile(r"\S\t+\d{1,4}\s*$")
_TOC_TITLE_RE = re.compile(r"^\s*(?:もくじ|目次|contents|table\s+of\s+contents)\s*$", re.I)
_REVISION_TITLE_RE = re.compile(
    r"改訂履歴|改版履歴|変更履歴|版履歴|revision\s+history|change\s+history|document\s+history", re.I
)

_PUBLISHER_RE = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|一般社団法人|公益社団法人|一般財団法人|独立行政法人"
    r"|\bInc\b\.?|\bLtd\b\.?|\bLimited\b|\bCorporation\b|\bCorp\b\.?|\bLLC\b|\bGmbH\b|\bK\.K\.|\bCo\.,",
    re.I,
)
_DATE_RE = re.compile(r"(?<!\d)(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?!\d)\s*日?")
_EN_DATE_RE = re.compile(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_EN_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_VERSION_RE = re.compile(
    r"(?:第\s*)?(\d+(?:\.\d+)*)\s*版|(?<![A-Za-z])(?:ver(?:sion)?\.?|v)\s*(\d+(?:\.\d+)+)"
    r"|(初版|\bfirst\s+edition\b|\binitial\s+release\b)",
    re.I,
)

_ARTICLE_RE = re.compile(r"第\s*(\d+)\s*条(?:\s*\(([^()]*)\))?")
_QUOTE_RE = re.compile(r"「([^「」]+)」|『([^『』]+)』")
_CONTRACT_TAIL_RE = re.compile(
    r"((?:[A-Za-z0-9][\w\-]*\s*)?[^\s、。,「」『』()]*?(?:約款|規約|契約書|規程|利用条件))\s*の?\s*$"
)
_DOC_SUFFIX_RE = re.compile(
    r"(?:仕様書|説明書|手順書|約款|規約|規程|規定|契約書|申込書|ガイド|ガイドライン|ご案内|案内|マニュアル"
    r"|ポリシー|基本方針|ホワイトペーパー|利用条件|SLA|FAQ|Guide|Guidelines|Manual|Policy|Terms"
    r"|Terms of Service|Terms of Use|Regulations"
    r"|Agreement|Specification|Handbook|Whitepaper|White Paper)$",
    re.I,
)
# English editions: "Article 30 (Place of Provision) of the Minato Cloud Terms of Service", where
# one trailing "of the <name>" names the document of a whole list of articles ("Article 13 (…),
# Article 14 (…) and Article 15 (…) of the …"), and documents are quoted in "…" or “…”.
_EN_ARTICLE_RE = re.compile(r"\bArticle\s+(\d+)(?:\s*\(([^()]*)\))?")
_EN_LIST_GAP_RE = re.compile(r"\s*(?:,\s*(?:and|or)?|and|or|&)\s*")
# A contract's name: capitalised words ending in a contract noun ("Minato Cloud Terms of Service").
_EN_CONTRACT_NAME = (
    r"(?:[A-Z0-9][\w\-'’&.]*\s+)*?"
    r"(?:Terms\s+of\s+Service|Terms\s+of\s+Use|Terms\s+and\s+Conditions|Regulations|Agreement|Terms)\b"
)
_EN_OF_NAME_RE = re.compile(rf"\s*of\s+(?:the\s+)?({_EN_CONTRACT_NAME})")
_EN_OF_OTHER_RE = re.compile(r"\s*of\s+(?:the\s+)?[A-Z]")  # "Article 28 of the GDPR": not a contract
_EN_NAME_BEFORE_RE = re.compile(rf"(?<![\w\-'’&.])({_EN_CONTRACT_NAME})\s*,?\s*$")
_EN_QUOTE_RE = re.compile(r"“([^“”]+)”|\"([^\"\n]+)\"")
_URL_RE = re.compile(r"https?://[^\s<>()\[\]「」『』、。，\"'|]+")
_SERVICE_RE = re.compile(
    r"\(\s*以下\s*[、,]?\s*[「『\"“]?([A-Za-z0-9][A-Za-z0-9\-]*)[」』\"”]?\s*(?:という)?\s*[。.]?\s*\)"
    r"|\(\s*hereinafter(?:\s+referred\s+to\s+as)?\s*[\"“']?([A-Za-z0-9][A-Za-z0-9\-]*)[\"”']?\s*\)",
    re.I,
)
_MD_ESCAPE_RE = re.compile(r"\\([\\!-/:-@\[-`{-~])")
_ID_RUN_RE = re.compile(
    r"(?<![0-9A-Za-z.])(?:(?:A|CLD)\.?)?\d+(?:\.(?:(?:A|CLD)\.?)?\d+)+(?![0-9A-Za-z])", re.I
)
_LIST_MARK_RE = re.compile(r"^(?:[※・●○◎■□◆◇▪▶►*＊]|-\s|\d+[.)）]\s|[(（]\d+[)）])")
_SENTENCE_END = tuple("。．.!?！？」』)）>＞")


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _unescape(s: str) -> str:
    return _MD_ESCAPE_RE.sub(r"\1", s)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _japanese(ch: str) -> bool:
    """Kana, kanji, the long-vowel mark, or a Japanese comma: text that wraps mid-sentence."""
    return bool(re.match(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf々〆ー、，]", ch))


def _join(a: str, b: str) -> str:
    """Join two wrapped line fragments: no space next to Japanese text, one space between words."""
    if not a:
        return b
    if not b:
        return a
    if _wide(a[-1]) or _wide(b[0]):
        return a + b
    return a + " " + b


def _collapse(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# --------------------------------------------------------------------------- blocks


@dataclass
class _Block:
    kind: str  # heading | para | item | row | code | hr
    lines: list[str]
    line: int = 0
    level: int = 0
    prefix: str = ""
    cells: list[str] | None = None


def _inline_lines(tok: Token) -> list[str]:
    """Render an inline token as plain-text lines (soft and hard breaks split lines)."""
    lines = [""]
    links: list[tuple[str, int, int]] = []
    for child in tok.children or []:
        ct = child.type
        if ct in ("text", "code_inline", "html_inline"):
            lines[-1] += child.content
        elif ct in ("softbreak", "hardbreak"):
            lines.append("")
        elif ct == "image":
            lines[-1] += child.content
        elif ct == "link_open":
            links.append((str(child.attrGet("href") or ""), len(lines) - 1, len(lines[-1])))
        elif ct == "link_close" and links:
            href, li, pos = links.pop()
            label = _unescape(lines[-1][pos:] if li == len(lines) - 1 else lines[-1]).strip()
            if re.match(r"(?:https?|mailto|ftp):", href, re.I) and label != href:
                lines[-1] += f" ({href})" if label else href
    return [_unescape(line).strip() for line in lines]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lists: list[list] = []  # [ordered, next number]
    pending: str | None = None
    heading: int | None = None
    row: list[str] | None = None
    row_line = 0
    for tok in _MD.parse(text):
        t = tok.type
        line = tok.map[0] if tok.map else (blocks[-1].line if blocks else 0)
        if t == "heading_open":
            heading = int(tok.tag[1:])
        elif t == "heading_close":
            heading = None
        elif t in ("bullet_list_open", "ordered_list_open"):
            start = tok.attrGet("start")
            lists.append([t.startswith("ordered"), int(start) if start else 1])
        elif t in ("bullet_list_close", "ordered_list_close"):
            if lists:
                lists.pop()
        elif t == "list_item_open" and lists:
            ordered, number = lists[-1]
            marker = f"{tok.info or number}. " if ordered else "- "
            if ordered:
                lists[-1][1] = int(tok.info or number) + 1
            pending = "  " * (len(lists) - 1) + marker
        elif t == "tr_open":
            row, row_line = [], line
        elif t == "tr_close" and row is not None:
            blocks.append(_Block("row", [" | ".join(c for c in row)], row_line, cells=row))
            row = None
        elif t == "inline":
            lines = _inline_lines(tok)
            if heading is not None:
                title = ""
                for part in lines:
                    title = _join(title, part)
                blocks.append(_Block("heading", [title], line, level=heading))
            elif row is not None:
                row.append(" ".join(x for x in lines if x))
            else:
                lines = [x for x in lines if x]
                if not lines:
                    continue
                if pending is not None:
                    blocks.append(_Block("item", lines, line, prefix=pending))
                    pending = None
                elif lists:
                    blocks.append(_Block("item", lines, line, prefix="  " * len(lists)))
                else:
                    blocks.append(_Block("para", lines, line))
        elif t in ("fence", "code_block"):
            lines = [x.rstrip() for x in tok.content.splitlines() if x.strip()]
            if lines:
                blocks.append(_Block("code", lines, line))
        elif t == "hr":
            blocks.append(_Block("hr", [], line))
    return blocks


def _is_toc_line(line: str) -> bool:
    return bool(_TOC_LINE_RE.search(line))


def _block_text_lines(block: _Block) -> list[str]:
    """The plain-text lines of a block: wrapped lines joined, list markers and rows kept."""
    if block.kind == "code":
        return list(block.lines)
    if block.kind == "row":
        return [" | ".join(c.strip() for c in block.cells or []).strip()]
    out: list[str] = []
    for raw in block.lines:
        line = raw.strip()
        if not line or _is_toc_line(line):
            continue
        starts_new = not out or "\t" in line or "\t" in out[-1] or bool(_LIST_MARK_RE.match(line))
        if starts_new:
            out.append(line)
        else:
            out[-1] = _join(out[-1], line)
    out = [re.sub(r"[ \u3000]{2,}", " ", x.replace("\t", " ")) for x in out]
    if block.kind == "item" and out:
        indent = " " * (len(block.prefix) - len(block.prefix.lstrip()))
        out = [block.prefix + out[0]] + [indent + "  " + x for x in out[1:]]
    return out


# --------------------------------------------------------------------------- sections


@dataclass
class _Heading:
    level: int
    title: str
    control_id: str | None
    group: bool
    framework: str | None


@dataclass
class _Raw:
    title: str
    level: int
    control_id: str | None
    path: list[str]
    framework: str | None
    kind: str = "general"  # general | control | revisions
    blocks: list[_Block] = field(default_factory=list)


def _norm_id(raw: str) -> str:
    s = _nfkc(raw).replace(" ", "").upper()
    s = re.sub(r"^A\.?(?=\d|CLD)", "A.", s)
    s = re.sub(r"CLD\.?(?=\d)", "CLD.", s)
    return s


def _id_key(control_id: str) -> str:
    return re.sub(r"^A\.", "", _norm_id(control_id))


def _id_strong(control_id: str) -> bool:
    """An id that is a control on its own: prefixed (CLD./A.) or with three or more parts."""
    return control_id.startswith(("CLD.", "A.")) or control_id.count(".") >= 2


def _framework_of(text: str) -> str | None:
    m = _FRAMEWORK_RE.search(_nfkc(text))
    return _collapse(m.group(0)) if m else None


def _chapter_number(control_id: str, stack: list[_Heading]) -> bool:
    """Whether a two-part id is really section numbering: "3.1" under a "3. 概要" heading.

    A numbered heading that names a framework ("1. JIP-ISMS517-1.0 への対応") is a group of
    controls, so its children keep their ids whatever the numbers.
    """
    for h in reversed(stack):
        m = re.match(r"\s*(\d{1,2})[.．]\s", _nfkc(h.title))
        if h.control_id is None and m:
            return h.framework is None and control_id.split(".")[0] == m.group(1)
    return False


def _title_ok(title: str) -> bool:
    """Whether the text after a flattened id looks like a control title, not a sentence."""
    if not title or len(title) > 80 or "。" in title:
        return False
    first = title[0]
    if re.match(r"[\u3041-\u309f]", first) or first in "、。，．,.)）」』:：=＝-":
        return False
    return not _is_toc_line(title)


class _Builder:
    def __init__(self, doc_framework: str | None) -> None:
        self.stack: list[_Heading] = []
        self.sections: list[_Raw] = []
        self.current: _Raw | None = None
        self.doc_framework = doc_framework

    def _context_framework(self, stack: list[_Heading]) -> str | None:
        for h in reversed(stack):
            if h.control_id is None and h.framework:
                return h.framework
        return None

    @staticmethod
    def _control_stack(stack: list[_Heading], level: int) -> list[_Heading]:
        """The ancestors of a control heading: controls are leaves, group headings of the same
        level stay open (PDFs put 6.1.1 at the level of "2. ISO/IEC ... への対応")."""
        out = list(stack)
        while out:
            top = out[-1]
            if top.control_id is not None or top.level > level or (top.level == level and not top.group):
                out.pop()
            else:
                break
        return out

    def _open(self, heading: _Heading, stack: list[_Heading], kind: str) -> None:
        path = [h.title for h in stack if h.control_id is None]
        framework = None
        if kind == "control":
            framework = self._context_framework(stack) or self.doc_framework
        self.current = _Raw(heading.title, heading.level, heading.control_id, path, framework, kind)
        self.sections.append(self.current)
        self.stack = [*stack, heading]

    def heading(self, block: _Block) -> None:
        text = block.lines[0]
        level = block.level
        m = _CONTROL_HEAD_RE.match(text)
        if m:
            cid = _norm_id(m.group("id"))
            stack = self._control_stack(self.stack, level)
            if _id_strong(cid) or (self._context_framework(stack) and not _chapter_number(cid, stack)):
                title = (m.group("title") or "").strip()
                self._open(_Heading(level, title, cid, False, None), stack, "control")
                return
        title = text.strip()
        group = bool(_GROUP_HEAD_RE.match(title)) or _framework_of(title) is not None
        cur = self.current
        if (
            cur is not None
            and cur.kind == "control"
            and level > cur.level
            and not group
            and not _REVISION_TITLE_RE.search(title)
        ):
            # A sub-heading inside a control answer ("#### 補足") belongs to the answer.
            cur.blocks.append(_Block("para", [title], block.line))
            return
        stack = [h for h in self.stack if h.level < level]
        kind = "revisions" if _REVISION_TITLE_RE.search(title) else "general"
        self._open(_Heading(level, title, None, group, _framework_of(title)), stack, kind)

    def body(self, block: _Block) -> None:
        cur = self.current
        if cur is None:
            return
        if block.kind != "para" or cur.kind == "revisions":
            cur.blocks.append(block)
            return
        lines = list(block.lines)
        start = 0
        for i, line in enumerate(lines):
            if i > 0 and not lines[i - 1].rstrip().endswith(_SENTENCE_END):
                continue
            cid = self._flattened_id(line, single=len(lines) == 1)
            if cid is None:
                continue
            if i > start:
                self.current.blocks.append(_Block("para", lines[start:i], block.line + start))
            m = _CONTROL_LINE_RE.match(line)
            assert m is not None
            base = self.current
            if base.kind == "control":
                stack = self._control_stack(self.stack, base.level)
                level = base.level
            else:
                stack = list(self.stack)
                level = base.level + 1
            self._open(_Heading(level, m.group("title").strip(), cid, False, None), stack, "control")
            start = i + 1
        if start < len(lines):
            self.current.blocks.append(_Block("para", lines[start:], block.line + start))

    def _flattened_id(self, line: str, single: bool) -> str | None:
        """The control id of a heading flattened into body text ("CLD.6.3.1 <title>"), if any."""
        if _is_toc_line(line):
            return None
        m = _CONTROL_LINE_RE.match(line)
        if not m or not _title_ok(m.group("title").strip()):
            return None
        cid = _norm_id(m.group("id"))
        cur = self.current
        assert cur is not None
        if cid == cur.control_id:
            return None
        stack = self._control_stack(self.stack, cur.level) if cur.kind == "control" else self.stack
        in_context = cur.kind == "control" or self._context_framework(stack) is not None
        if not in_context:
            return None
        if not _id_strong(cid) and (self._context_framework(stack) is None or _chapter_number(cid, stack)):
            return None
        if single and len(m.group("title")) > 60:
            return None
        return cid


def _section_text(blocks: list[_Block]) -> str:
    out: list[str] = []
    prev: _Block | None = None
    for block in blocks:
        if block.kind == "hr":
            prev = None
            continue
        lines = _block_text_lines(block)
        if not lines:
            continue
        if (
            prev is not None
            and prev.kind == "para"
            and block.kind == "para"
            and out
            and len(prev.lines[-1]) >= 20
            and _japanese(out[-1][-1])
            and _japanese(lines[0][0])
            and not _LIST_MARK_RE.match(lines[0])
        ):
            # A PDF page/line wrap split one sentence into two paragraphs.
            out[-1] = out[-1] + lines[0]
            lines = lines[1:]
        out.extend(lines)
        prev = block
    return "\n".join(out).strip()


# --------------------------------------------------------------------------- references


def _clause_refs(text: str, last_doc: list[str], lang: str = "ja") -> list[ClauseRef]:
    """Contract clauses a section cites, in order, each (document, article) once.

    ``last_doc`` holds the contract named last in the document: an article cited without a
    name ("第 5 条", "Article 5") is taken to be of that contract.
    """
    norm = _nfkc(text)
    found = _en_clause_refs(norm, last_doc) if lang == "en" else _ja_clause_refs(norm, last_doc)
    found.sort(key=lambda x: x[0])
    out: list[ClauseRef] = []
    seen: set[tuple[str, int]] = set()
    for _start, ref in found:
        if (ref.document, ref.article) not in seen:
            seen.add((ref.document, ref.article))
            out.append(ref)
    return out


def _article_lists(norm: str) -> list[list[re.Match[str]]]:
    """English article references grouped into lists ("Article 13 (…), Article 14 (…) and Article 15 (…)")."""
    groups: list[list[re.Match[str]]] = []
    for a in _EN_ARTICLE_RE.finditer(norm):
        if groups and _EN_LIST_GAP_RE.fullmatch(norm[groups[-1][-1].end() : a.start()]):
            groups[-1].append(a)
        else:
            groups.append([a])
    return groups


def _en_clause_refs(norm: str, last_doc: list[str]) -> list[tuple[int, ClauseRef]]:
    """Clauses cited as "Article N (<title>) of the <contract>", a list of articles sharing one
    trailing "of the <contract>", "<contract>, Article N", or "Article N" after a contract was named."""
    found: list[tuple[int, ClauseRef]] = []
    for group in _article_lists(norm):
        after = norm[group[-1].end() :]
        named = _EN_OF_NAME_RE.match(after)
        if named:
            doc = _collapse(named.group(1))
        elif _EN_OF_OTHER_RE.match(after):
            continue  # "Article 28 of the GDPR": an article of something that is not a contract
        else:
            before = _EN_NAME_BEFORE_RE.search(norm[max(0, group[0].start() - 80) : group[0].start()])
            doc = _collapse(before.group(1)) if before else last_doc[0]
        if not doc:
            continue
        last_doc[0] = doc
        for a in group:
            found.append((a.start(), ClauseRef(doc, int(a.group(1)), _collapse(a.group(2) or ""))))
    return found


def _ja_clause_refs(norm: str, last_doc: list[str]) -> list[tuple[int, ClauseRef]]:
    """Clauses cited as 「<契約名> 第 N 条 (<見出し>)、第 M 条 (...)」 or inline."""
    found: list[tuple[int, ClauseRef]] = []
    quoted: list[tuple[int, int]] = []
    for q in _QUOTE_RE.finditer(norm):
        inner = q.group(1) or q.group(2)
        start = q.start() + 1
        quoted.append((q.start(), q.end()))
        arts = list(_ARTICLE_RE.finditer(inner))
        if not arts:
            continue
        doc = _collapse(inner[: arts[0].start()]).rstrip("の ").strip()
        if doc:
            last_doc[0] = doc
        doc = doc or last_doc[0]
        if not doc:
            continue
        for a in arts:
            found.append((start + a.start(), ClauseRef(doc, int(a.group(1)), _collapse(a.group(2) or ""))))
    for a in _ARTICLE_RE.finditer(norm):
        if any(s <= a.start() < e for s, e in quoted):
            continue
        before = norm[max(0, a.start() - 60) : a.start()]
        m = _CONTRACT_TAIL_RE.search(before)
        # "詳細は利用約款第 5 条" names "利用約款": cut the clause before the last particle.
        doc = _collapse(re.split(r"[はがをで、]", m.group(1))[-1]) if m else last_doc[0]
        if m:
            last_doc[0] = doc
        if doc:
            found.append((a.start(), ClauseRef(doc, int(a.group(1)), _collapse(a.group(2) or ""))))
    return found


def _doc_refs(text: str, lang: str = "ja") -> list[str]:
    """Documents cited by name in quotes (「」/『』, or "…"/“…” in English; without an article)
    and URLs, in order."""
    norm = _nfkc(text)
    found: list[tuple[int, str]] = []
    quotes, article = (_EN_QUOTE_RE, _EN_ARTICLE_RE) if lang == "en" else (_QUOTE_RE, _ARTICLE_RE)
    for q in quotes.finditer(norm):
        inner = _collapse(q.group(1) or q.group(2))
        if article.search(inner) or len(inner) > 80 or "。" in inner:
            continue
        if _DOC_SUFFIX_RE.search(inner):
            found.append((q.start(), inner))
    for u in _URL_RE.finditer(norm):
        found.append((u.start(), u.group(0).rstrip(".,;:!?")))
    out: list[str] = []
    for _start, ref in sorted(found, key=lambda x: x[0]):
        if ref not in out:
            out.append(ref)
    return out


def citations_in(text: str, lang: str = "ja", contract: str = "") -> tuple[list[ClauseRef], list[str]]:
    """The contract clauses and documents a response's text cites, read as an import reads them:
    for a text a person rewrote (kb approve of a draft, kb.curation). ``contract``: the contract
    an article cited without a name is of (the one the response cited before)."""
    return _clause_refs(text, [contract], lang), _doc_refs(text, lang)


# --------------------------------------------------------------------------- metadata


def _iso_date(text: str) -> str | None:
    norm = _nfkc(text)
    m = _DATE_RE.search(norm)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _EN_DATE_RE.search(norm)
        if not m or m.group(1)[:3].lower() not in _EN_MONTHS:
            return None
        y, mo, d = int(m.group(3)), _EN_MONTHS[m.group(1)[:3].lower()], int(m.group(2))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _version(text: str) -> str | None:
    norm = _nfkc(text)
    m = _VERSION_RE.search(_DATE_RE.sub(" ", norm))
    if not m:
        return None
    return m.group(1) or m.group(2) or m.group(3)


def _cover(
    front: list[_Block], h1_title: str | None, source_name: str
) -> tuple[str, str | None, str | None, str | None]:
    lines = [x.strip() for b in front if b.kind in ("para", "item") for x in b.lines if x.strip()]
    publisher = date = version = None
    title_parts: list[str] = []
    for line in lines:
        if _is_toc_line(line):
            continue
        if publisher is None and _PUBLISHER_RE.search(_nfkc(line)) and len(line) <= 60:
            publisher = _collapse(line)
            continue
        d = _iso_date(line)
        v = _version(line)
        if (d or v) and len(line) <= 60:
            date = date or d
            version = version or v
            continue
        if len(line) <= 80:
            title_parts.append(_collapse(line))
    title = h1_title or " ".join(title_parts).strip()
    if not title:
        title = PurePath(source_name).stem or source_name
    return title, publisher, date, version


def _service(text: str) -> str | None:
    for m in _SERVICE_RE.finditer(_unescape(_nfkc(text))):
        name = m.group(1) or m.group(2)
        if name and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-]*", name) and re.search(r"[A-Za-z]", name):
            return name
    return None


# --------------------------------------------------------------------------- revisions


def _split_ids(run: str, known: dict[str, str]) -> list[str] | None:
    """Split a run of concatenated ids ("7.2.2.8.1.1") into known control ids, or None."""
    tokens = re.findall(r"CLD|A(?=\.?\d)|\d+", run.upper())
    dead_ends: set[int] = set()  # positions known not to split: keeps the search linear-ish

    def solve(i: int) -> list[str] | None:
        if i == len(tokens):
            return []
        if i in dead_ends:
            return None
        prefix: list[str] = []
        j = i
        while j < len(tokens) and tokens[j] in ("A", "CLD"):
            prefix.append(tokens[j])
            j += 1
        for end in range(len(tokens), j + 1, -1):  # longest first, at least two numbers
            nums = tokens[j:end]
            if not all(t.isdigit() for t in nums):
                continue
            key = ".".join([p for p in prefix if p != "A"] + nums)
            if key in known:
                rest = solve(end)
                if rest is not None:
                    return [known[key], *rest]
        dead_ends.add(i)
        return None

    return solve(0) if tokens else None


def _changed_ids(note: str, known: dict[str, str]) -> list[str]:
    out: list[str] = []
    norm = _nfkc(note)
    for m in _ID_RUN_RE.finditer(norm):
        run = m.group(0)
        ids = _split_ids(run, known)
        if ids is None:
            if re.search(r"[A-Za-z]", run) or run.count(".") >= 2:
                ids = [run]  # unknown: keep as written rather than lose it
            else:
                continue
        for cid in ids:
            if cid not in out:
                out.append(cid)
    return out


def _version_cell(cell: str) -> str:
    s = _collapse(_nfkc(cell))
    m = re.fullmatch(r"(?:第\s*)?(?:ver(?:sion)?\.?\s*|v\s*)?(\d+(?:\.\d+)*)\s*版?", s, re.I)
    return m.group(1) if m else s


def _revisions(raw: _Raw, known: dict[str, str]) -> list[Revision]:
    rows: list[list[str]] = []
    for block in raw.blocks:
        if block.kind == "row":
            rows.append([c.strip() for c in block.cells or []])
        elif block.kind in ("para", "item", "code"):
            for line in block.lines:
                cells = [c.strip() for c in re.split(r"\t+|\s*\|\s*|\s{2,}|\u3000+", line.strip().strip("|"))]
                rows.append([c for c in cells if c])
    out: list[Revision] = []
    for cells in rows:
        if len(cells) < 2:
            continue
        date_idx = next((i for i, c in enumerate(cells) if _iso_date(c)), None)
        if date_idx is None:
            continue  # header or unparseable row
        date = _iso_date(cells[date_idx]) or ""
        others = [c for i, c in enumerate(cells) if i != date_idx]
        version = _version_cell(others[0]) if others else ""
        note = " ".join(others[1:]).strip()
        out.append(Revision(version, date, _changed_ids(note, known), note))
    return out


# --------------------------------------------------------------------------- entry point


def _decode(data: bytes, source_name: str) -> str:
    if not data or not data.strip():
        raise KBError(_("not a whitepaper: {source_name} is empty").format(source_name=source_name))
    if looks_like_utf16(data):
        raise KBError(
            _("not a whitepaper: {source_name} is {reason}").format(
                source_name=source_name, reason=not_utf8_reason(data)
            )
        )
    if b"\x00" in data:
        raise KBError(_("not a whitepaper: {source_name} is a binary file").format(source_name=source_name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KBError(
            _("not a whitepaper: {source_name} is not UTF-8 text (byte {start})").format(
                source_name=source_name, start=exc.start
            )
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not text.strip():
        raise KBError(_("not a whitepaper: {source_name} is empty").format(source_name=source_name))
    return text


def parse_whitepaper(
    data: bytes, source_name: str, service: str | None = None, lang: str | None = None
) -> ParsedDocument:
    """Parse a whitepaper's bytes into a ParsedDocument of kind "whitepaper".

    ``lang`` ('ja' or 'en') is the language it is written in, which decides how clauses and
    documents are cited; None reads it from the headings (most of them, so that English
    control ids and product names in a Japanese heading do not count).

    Raises KBError (one line) when the bytes are empty, binary, not UTF-8, or contain no
    control items.
    """
    if lang is not None and lang not in LANGUAGES:
        raise KBError(
            _("unknown language {lang!r}: one of {languages}").format(
                lang=lang, languages=", ".join(LANGUAGES)
            )
        )
    text = _decode(data, source_name)
    try:
        doc = _parse(text, data, source_name, service, lang)
    except KBError:
        raise
    except Exception as exc:  # a bug or an input shape we do not handle: still one line
        raise KBError(
            _("cannot parse whitepaper {source_name}: {kind}: {exc}").format(
                source_name=source_name, kind=type(exc).__name__, exc=exc
            )
        ) from exc
    if not doc.controls:
        raise KBError(
            _("not a whitepaper: {source_name} has no control items").format(source_name=source_name)
        )
    return doc


def _parse(text: str, data: bytes, source_name: str, service: str | None, lang: str | None) -> ParsedDocument:
    blocks = _blocks(text)
    headings = [b for b in blocks if b.kind == "heading"]
    lang = lang or majority_language(b.lines[0] for b in headings)
    h1_title = None
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
    if (
        first_heading < len(blocks)
        and blocks[first_heading].level == 1
        and sum(1 for h in headings if h.level == 1) == 1
    ):
        h1_title = _collapse(blocks[first_heading].lines[0])
        front_start = first_heading + 1
        first_heading = next(
            (i for i in range(front_start, len(blocks)) if blocks[i].kind == "heading"), len(blocks)
        )
        front = blocks[front_start:first_heading]
    else:
        front = blocks[:first_heading]
    title, publisher, date, version = _cover(front, h1_title, source_name)

    builder = _Builder(_framework_of(title))
    for block in blocks[first_heading:]:
        if block.kind == "heading":
            builder.heading(block)
        else:
            builder.body(block)

    raws = builder.sections
    known = {_id_key(r.control_id): r.control_id for r in raws if r.control_id}
    sections: list[Section] = []
    revisions: list[Revision] = []
    last_doc = [""]
    for raw in raws:
        if raw.kind == "revisions":
            revisions.extend(_revisions(raw, known))
            continue
        body_lines = [x for b in raw.blocks for x in b.lines if x.strip()]
        toc = sum(1 for x in body_lines if _is_toc_line(x) or _TOC_TAB_RE.search(x))
        if raw.kind == "general" and (
            _TOC_TITLE_RE.match(raw.title) or (body_lines and toc * 2 >= len(body_lines))
        ):
            continue  # table of contents
        body = _section_text(raw.blocks)
        if raw.kind == "general" and not body:
            continue
        sections.append(
            Section(
                title=raw.title,
                text=body,
                control_id=raw.control_id,
                framework=raw.framework,
                path=list(raw.path),
                clause_refs=_clause_refs(body, last_doc, lang),
                doc_refs=_doc_refs(body, lang),
            )
        )

    if revisions and version is None:
        version = revisions[-1].version
        date = date or revisions[-1].date
    if service is None:
        service = _service(text)
    return ParsedDocument(
        kind="whitepaper",
        title=title,
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=source_name,
        publisher=publisher,
        version=version,
        date=date,
        service=service,
        lang=lang,
        sections=sections,
        revisions=revisions,
    )
