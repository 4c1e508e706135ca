"""What an answer held back from its audience: counted, never shown.

An answer for a customer draws only on what kb.audience lets the audience see. A person
reviewing the answer still needs to know that the KB holds more (an internal response that
covers the question better, an nda English edition): so the answer carries a Withheld,
which counts those sources by classification and kind and says how well the best of them
matches, and keeps nothing of their text, title or control id. A report or review list
built from it therefore cannot carry withheld content, whoever it is forwarded to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.audience import hidden_from
from kb.i18n import Said, translator

if TYPE_CHECKING:
    from kb.db import Database
    from kb.search import Hit


@dataclass(frozen=True)
class Withheld:
    """Content above ``audience`` that matched the question."""

    audience: str
    sources: int = 0  # matching sources above the audience
    by_classification: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    best_confidence: float = 0.0  # how much of the question the best of them covers
    translations: int = 0  # other-language editions of the sources shown, above the audience
    approved: bool = False  # an approved answer to this very question, above the audience

    @property
    def total(self) -> int:
        return self.sources + self.translations + int(self.approved)

    def describe(self, shown_confidence: float | None = None) -> WithheldText:
        """One line for a person: what was withheld, by level, never what it says. It is the
        English text and says itself again in another language (a Japanese review list)."""
        return WithheldText(self, shown_confidence)

    def describe_in(self, lang: str, shown_confidence: float | None = None) -> str:
        t = translator(lang)
        parts = []
        if self.sources:
            levels = ", ".join(f"{level} {n}" for level, n in self.by_classification.items())
            fields = {"n": self.sources, "levels": levels}
            # Compared as shown (two decimals): "0.43 > 0.43" would say nothing to a reader.
            if shown_confidence is not None and round(self.best_confidence, 2) > round(shown_confidence, 2):
                line = t.ngettext(
                    "{n} matching source ({levels}), the best covering more of the question ({best:.2f} > {shown:.2f})",
                    "{n} matching sources ({levels}), the best covering more of the question ({best:.2f} > {shown:.2f})",
                    self.sources,
                )
                fields.update(best=self.best_confidence, shown=shown_confidence)
            else:
                line = t.ngettext(
                    "{n} matching source ({levels})", "{n} matching sources ({levels})", self.sources
                )
            parts.append(line.format(**fields))
        if self.translations:
            line = t.ngettext("{n} other-language edition", "{n} other-language editions", self.translations)
            parts.append(line.format(n=self.translations))
        if self.approved:
            parts.append(t.gettext("an approved earlier answer to this very question"))
        separator = t.pgettext("between the parts of a list", "; ")
        return t.gettext("withheld from audience {audience}: {parts}").format(
            audience=self.audience, parts=separator.join(parts)
        )

    def to_json(self) -> dict:
        return {
            "audience": self.audience,
            "sources": self.sources,
            "by_classification": dict(self.by_classification),
            "by_kind": dict(self.by_kind),
            "best_confidence": self.best_confidence,
            "translations": self.translations,
            "approved": self.approved,
        }


class WithheldText(Said):
    """A Withheld's line: English as a str, in another language by ``in_language``."""

    withheld: Withheld
    shown_confidence: float | None

    def __new__(cls, withheld: Withheld, shown_confidence: float | None = None) -> WithheldText:
        text = super().__new__(cls, withheld.describe_in("en", shown_confidence))
        text.withheld, text.shown_confidence = withheld, shown_confidence
        return text

    def __reduce__(self):  # pickled (kb.batch's workers) as what it counts, not as its text
        return (WithheldText, (self.withheld, self.shown_confidence))

    def in_language(self, lang: str) -> str:
        return self.withheld.describe_in(lang, self.shown_confidence)


def levels_held(db: Database, kinds: tuple[str, ...]) -> frozenset[str]:
    """The classifications of the current searchable rows of ``kinds`` (those of the index an
    answer searches): what there is to withhold at all. Internal evidence, never searched for an
    answer, does not make every public question pay for a second search."""
    marks = ",".join("?" * len(kinds))
    return frozenset(
        c
        for (c,) in db.execute(
            f"SELECT DISTINCT classification FROM chunks WHERE is_current = 1 AND kind IN ({marks})", kinds
        )
    )


def hidden_levels(audience: str, held: frozenset[str]) -> tuple[str, ...]:
    """The levels the KB holds that ``audience`` may not see, most restricted last."""
    return tuple(level for level in hidden_from(audience) if level in held)


def count_withheld(
    audience: str,
    hits: list[Hit],
    min_confidence: float,
    *,
    translations: int = 0,
    approved: bool = False,
) -> Withheld | None:
    """The Withheld of ``hits`` above the audience that cover at least ``min_confidence`` of
    the question (below it a source is no match: nothing a reviewer would miss), with the
    editions and approved answer held back; None when nothing was."""
    matching = [h for h in hits if h.coverage >= min_confidence]
    if not matching and not translations and not approved:
        return None
    levels = Counter(h.classification for h in matching)
    return Withheld(
        audience=audience,
        sources=len(matching),
        by_classification={level: levels[level] for level in hidden_from(audience) if levels[level]},
        by_kind=dict(Counter(h.kind for h in matching)),
        best_confidence=round(min(1.0, max((h.coverage for h in matching), default=0.0)), 4),
        translations=translations,
        approved=approved,
    )
