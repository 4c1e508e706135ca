"""A contract as the clause importer reads it: articles (条), their paragraphs (項) and items (号).

Plain, immutable data: importers.clauses produces it from a file, kb.clauses stores it.
Neither this module nor kb.clauses knows any file format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One 号 of a paragraph, with its label as the contract writes it: "(1)", "一", "①"."""

    label: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """One 項 of an article. ``label`` is its number as written ("1.", "２"), or "" for the
    first paragraph of an article that does not number it (as statutes do not)."""

    number: int
    label: str
    text: str
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    """One 条: 第30条（提供場所）, or 第30条の2 (``branch`` 2) inserted after it."""

    number: int
    title: str
    paragraphs: tuple[Paragraph, ...]
    branch: int = 0
    chapter: str = ""  # the 章 or 節 heading it stands under ("第2章 サービスの提供"), if any
    line: int = 0  # where its heading is in the file (1-based), for error messages

    @property
    def label(self) -> str:
        return article_label(self.number, self.branch)

    @property
    def text(self) -> str:
        """The article's text, one paragraph or item a line, numbered as the contract numbers them."""
        lines: list[str] = []
        # A lone paragraph is the article itself: "1." before it says nothing (statutes leave it out).
        alone = len(self.paragraphs) == 1
        for paragraph in self.paragraphs:
            lines.append(paragraph.text if alone else _labelled(paragraph.label, paragraph.text))
            lines.extend("  " + _labelled(item.label, item.text) for item in paragraph.items)
        return "\n".join(line for line in lines if line.strip())


@dataclass(frozen=True)
class ParsedContract:
    """A contract file's articles and what its cover says (title, publisher, version, date)."""

    sha256: str
    source_name: str
    articles: tuple[Article, ...]
    title: str | None = None
    publisher: str | None = None
    version: str | None = None
    effective: str | None = None  # ISO YYYY-MM-DD
    supplementary: str = ""  # 附則: when it takes effect and transitional rules, not articles one cites
    encoding: str = "UTF-8"  # how the file was read: UTF-8, UTF-16, Shift_JIS (CP932), EUC-JP or DOCX
    lang: str = "ja"  # the language it is read in, "ja" or "en" (kb.db.CONTRACT_LANGUAGES): how it cites


def article_label(number: int, branch: int = 0, lang: str = "ja") -> str:
    """An article's number as a contract in ``lang`` cites it: 第12条, 第12条の2; Article 12,
    Article 12-2 (as 第12条の2 is translated, and as importers.clauses reads a branch)."""
    if lang == "en":
        return f"Article {number}" + (f"-{branch}" if branch else "")
    return f"第{number}条" + (f"の{branch}" if branch else "")


def heading_label(number: int, title: str, branch: int = 0, lang: str = "ja") -> str:
    """An article's number and title: 第30条（提供場所）, Article 30 (Place of Provision)."""
    if lang == "en":
        return article_label(number, branch, lang) + (f" ({title})" if title else "")
    return article_label(number, branch) + (f"（{title}）" if title else "")


def clause_label(document: str, number: int, title: str, branch: int = 0, lang: str = "ja") -> str:
    """How a clause is cited: 利用約款 第30条（提供場所）, or in English (as kb.answer cites an
    English response's clauses) Minato Cloud Terms of Service, Article 30 (Place of Provision)."""
    heading = heading_label(number, title, branch, lang)
    if not document:
        return heading
    return f"{document}, {heading}" if lang == "en" else f"{document} {heading}"


def title_key(title: str) -> str:
    """A heading as two spellings of it agree: width, spacing and brackets aside
    (「提供場所」, " 提供場所 " and 「提供 場所」 are one title; 「個人情報保護」 and
    「個人情報の保護」 are not: a word more is a different heading)."""
    return re.sub(r"[\s()（）【】〔〕\[\]「」]+", "", unicodedata.normalize("NFKC", title)).casefold()


def name_key(name: str) -> str:
    """A document's name as two spellings of it agree: width, spacing and case aside."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def _labelled(label: str, text: str) -> str:
    return f"{label} {text}" if label else text
