"""Yes/no stance of an answer: from the question's form and the response's wording.

The polarity is read from the clause of the response that best matches the
question, not from the whole text: 「…論理的に分離されているため、他の利用者が
アクセスすることはできません」 answers "are backups separated?" with yes, although
the sentence ends in a negation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kb.analysis import normalize

# Interrogatives make a question open; なにか/何らか/いつも/などの do not.
_INTERROGATIVE_JA = re.compile(
    r"どこ|(?<!な)どの|どう(?!ぞ)|どれ|何(?!らか|か)|誰|だれ|いつ(?!も)|いくつ|いかが|なぜ|どちら|如何"
)
_YESNO_JA = re.compile(r"(ますか|ですか|でしょうか|ませんか|か)\s*[。？?]?\s*$")
_REQUEST_JA = re.compile(r"(ください|下さい|願います|記載|記入|説明)")
_YESNO_EN = re.compile(
    r"^\s*(is|are|do|does|did|can|could|have|has|will|would|should|was|were|may|must)\b", re.IGNORECASE
)
_WH_EN = re.compile(
    r"^\s*(what|where|who|whom|which|when|why|how|describe|list|explain|please)\b", re.IGNORECASE
)

_NEGATIVE = re.compile(
    r"(ていません|ておりません|てはおりません|ていない|ません|ない(?!よう)|おりません|ございません|なし|不可|非対応|未対応"
    r"|存在しません|対象外|not\b|no\b|never\b)"
)
# Negations that do not deny the predicate: 「通知を経ることなく」, 「…に限らず」.
_NEUTRAL_NEGATION = re.compile(r"(ことなく|にかかわらず|に限らず|問わず|のみならず|ないよう)")
_NA = re.compile(r"(該当しません|該当なし|対象外|適用外|not applicable)", re.IGNORECASE)
_PARTIAL = re.compile(r"(一部|部分的|場合があります|partially|in part)", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"(?<=[、。,;；])|\n")


def is_yes_no_question(question: str) -> bool:
    q = normalize(question).strip()
    if re.search(r"[ぁ-んァ-ン一-龥]", q):
        if _INTERROGATIVE_JA.search(q) or _REQUEST_JA.search(q):
            return False
        return bool(_YESNO_JA.search(q))
    if _WH_EN.match(q):
        return False
    return bool(_YESNO_EN.match(q))


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(normalize(text)) if c and c.strip()]


def best_clause(text: str, relevance: Callable[[str], float]) -> str | None:
    """The clause most relevant to the question; the later one on a tie (the predicate comes last)."""
    best, best_score = None, 0.0
    for clause in _clauses(text):
        score = relevance(clause)
        if score > 0 and score >= best_score:
            best, best_score = clause, score
    return best


def clause_polarity(clause: str) -> str:
    if _NA.search(clause):
        return "na"
    cleaned = _NEUTRAL_NEGATION.sub("", clause)
    if _NEGATIVE.search(cleaned):
        return "no"
    if _PARTIAL.search(cleaned):
        return "partial"
    return "yes"


def stance(question: str, response_text: str, relevance: Callable[[str], float]) -> str | None:
    """'yes' | 'no' | 'partial' | 'na', or None when the question is not yes/no or no clause fits."""
    if not is_yes_no_question(question):
        return None
    clause = best_clause(response_text, relevance)
    if clause is None:
        # Nothing in the body echoes the question (it matched on the title):
        # the response's opening sentence is its answer.
        clause = next(iter(_clauses(response_text.split("。")[0])), None)
    return clause_polarity(clause) if clause else None
