"""Plain data that importers produce and the store persists.

Importers never touch the database: they parse a source into these objects and
`kb.store` writes them in one transaction. That keeps the dependency arrow
pointing from importers to kb, never back.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClauseRef:
    """A reference to an article of a contract, e.g. 利用約款 第30条 (提供場所)."""

    document: str
    article: int
    title: str

    def label(self, lang: str = "ja") -> str:
        """As the citing text writes it: 利用約款 第30条（提供場所）, or in an English one
        Terms of Service, Article 30 (Place of Provision) (kb.contracts.clause_label)."""
        from kb.contracts import clause_label

        return clause_label(self.document, self.article, self.title, lang=lang)


@dataclass
class Section:
    """One answerable unit of a document: a control response or a general section."""

    title: str
    text: str
    control_id: str | None = None
    framework: str | None = None
    path: list[str] = field(default_factory=list)
    clause_refs: list[ClauseRef] = field(default_factory=list)
    doc_refs: list[str] = field(default_factory=list)


@dataclass
class Revision:
    version: str
    date: str  # ISO YYYY-MM-DD
    changed: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class ParsedDocument:
    kind: str  # "whitepaper", later "contract", "checksheet"
    title: str
    sha256: str
    source_name: str
    publisher: str | None = None
    version: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    service: str | None = None
    classification: str = "public"
    lang: str = "ja"  # the language the document is written in (kb.language.LANGUAGES)
    sections: list[Section] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)

    @property
    def controls(self) -> list[Section]:
        return [s for s in self.sections if s.control_id]


@dataclass
class QAPair:
    """A question a person already answered on a customer's sheet."""

    question: str
    choice: str | None
    text: str | None
    number: str | None = None
    sheet: str | None = None
    row: int | None = None
