"""The topic gate: may the best source answer a question by itself, whatever its confidence?

Confidence is the share of the question's weighted concepts the source covers, so a
source can score well on a question's common words while missing what the question
is about ("Are data backups encrypted?" from a backup section that never mentions
encryption). Before a row is auto-answered, two rules a reviewer would state:

- **Untranslatable content.** A content word of the question that neither the glossary
  nor the KB knows ("stored in China?", "demographic information", "hard-coded
  passwords") is something the KB cannot speak to: no text in it says anything about
  that word, so whatever it says about the rest does not answer the question.
- **The specific concepts, across languages and in English.** When the question is in
  another language than the source, every concept it matches went through the glossary,
  whose groups carry the KB's own terms; so a concept the source lacks is not a
  paraphrase, it is missing. Every concept whose importance is at least GATE_RATIO of the
  question's most important one must then be covered by the source. English text is only
  lowercased and stemmed, so an English question on an English source meets the same
  surface-for-surface matching (and stems that collide: "physically hosted" and "physical
  hosts"): the rule holds there too. Within Japanese the KB may say the same in other
  words (設備の容量 → 容量・能力), which Sudachi's normalised forms and confidence weigh.

- **The amount asked.** A question that states an amount (毎月, annually, 年 2 回, within 24 hours,
  5 年間, 直ちに) asks whether that amount holds: only a source that states the same amount, in
  any words or language, answers it by itself (kb.quantities). Yearly training does not answer
  "monthly?", nor a notice sent by e-mail "within one hour?".

A gated answer is left for review with the rule that decided (Gate.why), for the filler
to show.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kb import quantities, search
from kb.analysis import WORD_CLASS_WEIGHT, analyze
from kb.i18n import N_, Message
from kb.settings import DEFAULTS

GATE_RATIO: float = DEFAULTS["gate_ratio"]  # why this value: kb.settings
LIGHT_BELOW: float = WORD_CLASS_WEIGHT["adj"]  # lighter word classes: light words, verbs, affixes


class Gate(NamedTuple):
    """Why a source may not answer by itself: the rule and the question's words it is about."""

    rule: str  # "untranslatable" | "uncovered" | "quantity"
    words: tuple[str, ...]  # the concepts' own wording (analysed terms)

    @property
    def why(self) -> str:
        what = ", ".join(self.words)
        if self.rule == "untranslatable":
            return Message(N_("the KB and glossary do not know: {what}"), what=what)
        if self.rule == "quantity":
            return Message(N_("the source does not state the amount asked: {what}"), what=what)
        return Message(N_("the source does not cover: {what}"), what=what)


def _wording(concept: search.Concept) -> str:
    return " ".join(concept.phrases[0])


def untranslatable(query: search.Query) -> list[search.Concept]:
    # A letter alone (the s of a possessive, split off by the analyzer) is no word.
    return [c for c in query.concepts if c.unseen and len(_wording(c)) > 1]


def uncovered_specific(
    query: search.Query, hit: search.Hit, ratio: float = GATE_RATIO
) -> list[search.Concept]:
    """The concepts at least ``ratio`` as important as the question's most important one
    that ``hit`` does not cover."""
    if not query.concepts:
        return []
    top = max(c.importance for c in query.concepts)
    covered = set(hit.matched)
    purposes = _infinitives(query.text)
    # Light words ("perform", "use", 利用) say little about the topic whatever their idf.
    return [
        c
        for i, c in enumerate(query.concepts)
        if c.importance >= ratio * top
        and i not in covered
        and not c.unseen
        and c.weight >= LIGHT_BELOW
        and c.phrases[0] not in purposes
    ]


_INFINITIVE = re.compile(r"\b(?:in order )?to ([a-z]+)\b", re.IGNORECASE)


def _infinitives(text: str) -> set[tuple[str, ...]]:
    """English verbs after the infinitive marker ("used to protect", "in order to prevent").

    English words carry no part of speech here, but after "to" a word is a verb: it says
    what the practice asked about is for, which the stance's predicate check holds the
    answering clause to; the gate is about the topic's nouns.
    """
    return {tuple(analyze(m.group(1))) for m in _INFINITIVE.finditer(text)}


def topic_gate(
    query: search.Query, hit: search.Hit, question_lang: str | None, source_lang: str
) -> Gate | None:
    """The rule that keeps ``hit`` from answering the question by itself, or None."""
    unknown = untranslatable(query)
    if unknown:
        return Gate("untranslatable", tuple(_wording(c) for c in unknown))
    amounts = quantities.unstated(query.text, hit.body)
    if amounts:
        return Gate("quantity", tuple(amounts))
    if question_lang and (question_lang != source_lang or source_lang == "en"):
        missing = uncovered_specific(query, hit)
        if missing:
            return Gate("uncovered", tuple(_wording(c) for c in missing))
    return None
