"""Yes/no stance of an answer: from the question's form and the clause that answers it.

A wrong yes/no sent to a customer is the failure to avoid; no stance (None) only
leaves the row to a person. So every step here may give up, and none defaults to yes.

1. The response is cut into predicate clauses (kb.stance_ja for Japanese, _clauses_en
   for English). A clause without a predicate — a topic such as 「暗号化機能は、」 —
   belongs to the next one and never answers on its own.
2. The clause that answers is the most relevant clause with a predicate (the later one
   on a tie: the predicate of a Japanese sentence comes last). If none is relevant,
   there is no stance.
3. Its polarity is that of its main predicate: 「…論理的に分離されているため、他の利用者が
   アクセスすることはできません」 has two clauses, yes then no.
4. The question's frame may turn or withhold it (kb.stance_frames): a question about
   a bad practice, a denied safeguard ("without encryption"), a prevention ("protected
   against access" answered by "cannot access"), or a place or party that a stated
   restriction excludes ("only in Japan" → "stored in China?" is no).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from kb import quantities, stance_ja
from kb import stance_frames as frames
from kb.analysis import analyze, analyzed_text, normalize

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
_JAPANESE = re.compile(r"[ぁ-んァ-ン一-龥]")

# A clause covering less of the question's weight than this does not carry what it asks.
MIN_RELEVANCE = 0.1

_NA = re.compile(r"(該当しません|該当なし|対象外|適用外|not applicable)", re.IGNORECASE)
# Only where the text says that part of it holds: 一部, 部分的, "partially".
_PARTIAL = re.compile(r"(一部|部分的|partially|in part\b)", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+|^\s*[-・•]\s*", re.MULTILINE)


# Checklist items a provider confirms or denies, phrased without a question mark:
# 「暗号化機能の有無」 (whether there is …), and requirement statements in the nominalised
# stative 「〜されていること」「〜していること」「〜であること」「〜があること」「〜できること」
# (「…手順が定められていること」: that it is so). 「〜すること」 alone is an instruction
# (「手順書を提出すること」), not a state to confirm, and is left out.
_CONFIRM_JA = re.compile(
    r"(の有無|[てで][いお]ること|であること|があること|できること)\s*[。.]?\s*([（(][^（）()]*[)）])?\s*$"
)
# Declarative statements: an answer sheet offering yes and no asks whether they hold.
_STATEMENT_JA = re.compile(r"([てで]いる|ており|である|がある|できる|ます|です|た)\s*[。.]?\s*$")
_IMPERATIVE_EN = re.compile(
    r"^\s*(if\b|provide|attach|upload|specify|state|indicate|identify|include|name|give|enter|select|choose"
    r"|summari[sz]e|outline|detail|define|document)\b",
    re.IGNORECASE,
)
_FINITE_VERB_EN = re.compile(
    r"\b(is|are|was|were|has|have|had|can|cannot|will|must|shall|should|does|do|did)\b|n't\b"
    r"|\b\w{3,}ed\b|\b\w{3,}s\s+(?:an?|the|all|any|its|their|our|each|every|\w+ly)\b",
    re.IGNORECASE,
)


# A phrase fronted before the question proper: "For customers not using SSO, does …?",
# "If you answered yes to X, are …?". "If yes, describe …" stays a request.
_FRONTED_EN = re.compile(
    r"^\s*(?:for|in|if|when|where|during|after|before|on|with|within|as|since|unless|once)\b[^,?]{0,100},\s*",
    re.IGNORECASE,
)


def _stripped(text: str) -> str:
    """The text without the marks sheets append ("…?*": a critical question)."""
    return normalize(text).strip().rstrip("*＊ ").strip()


def is_yes_no_question(question: str) -> bool:
    q = _stripped(question)
    if _JAPANESE.search(q):
        if _INTERROGATIVE_JA.search(q):
            return False
        if _CONFIRM_JA.search(q):
            return True  # before the request words: 「…に記載されていること」 is a state, not a request
        if _REQUEST_JA.search(q):
            return False
        return bool(_YESNO_JA.search(q))
    if _WH_EN.match(q):
        return False
    return bool(_YESNO_EN.match(q) or (_YESNO_EN.match(_FRONTED_EN.sub("", q, count=1)) and q.endswith("?")))


_STATEMENT_EN = re.compile(
    r"^(?P<subject>[^,;:?]+?)\s+(?P<aux>is|are|was|were|has|have|can|will|must|should|shall)\s+(?P<rest>[^?]+?)[.!]?$",
    re.IGNORECASE,
)


def as_question(text: str) -> str:
    """The yes/no question a text asks, in the form the predicate is read from: the question
    after a fronted phrase ("For customers not using SSO, does X …?" → "does X …?"), and an
    English statement turned round ("Data are encrypted at rest." → "Are data encrypted at
    rest?"). Anything else as it is."""
    q = _stripped(text)
    if _JAPANESE.search(q):
        return text
    core = _FRONTED_EN.sub("", q, count=1)
    if core != q and _YESNO_EN.match(core):
        return core
    m = _STATEMENT_EN.match(q) if not q.endswith("?") else None
    if m and not _YESNO_EN.match(q):
        subject = m.group("subject")
        first = subject.split()[0]
        subject = subject if len(first) > 1 and first.isupper() else subject[0].lower() + subject[1:]  # SSO
        return f"{m.group('aux').capitalize()} {subject} {m.group('rest')}?"
    return text


def is_yes_no_statement(text: str) -> bool:
    """A statement that a sheet offering yes and no asks the provider to confirm: "Data are
    encrypted at rest.", 「通信は暗号化されている。」. Not a question (is_yes_no_question reads
    those), not a request ("Describe …", 「…を記載してください」), not a bare noun phrase
    ("Encryption at rest", 「暗号化の方式」): those say nothing that holds or not."""
    q = _stripped(text)
    if not q or q.endswith(("?", "？")):
        return False
    if _JAPANESE.search(q):
        if _INTERROGATIVE_JA.search(q) or q.endswith(("か", "か。")):
            return False
        if _CONFIRM_JA.search(q):
            return True
        return not _REQUEST_JA.search(q) and bool(_STATEMENT_JA.search(q))
    if _WH_EN.match(q) or _IMPERATIVE_EN.match(q) or _YESNO_EN.match(q):
        return False
    return bool(_FINITE_VERB_EN.search(q))


# --- English clauses -------------------------------------------------------------

# A finite verb or an auxiliary: a piece without one ("For virtual machines,") is no clause.
_VERB_EN = re.compile(
    r"\b(is|are|was|were|be|been|being|am|do|does|did|has|have|had|can|cannot|could|will|would|shall|should"
    r"|may|might|must|\w+(?:ed|es))\b|n't\b|\b(we|it|they|you|customers?|users?)\s+[a-z]+",
    re.IGNORECASE,
)
# Cut before coordinated or contrasted clauses and before "without ...", which denies its own verb.
_CUT_EN = re.compile(
    r"[;,]\s*(?=(?:but|however|whereas|while|although|and|so)\b)|\s(?=without\b)", re.IGNORECASE
)
_NEGATION_EN = re.compile(r"\b(not|no|never|none|neither|nor|cannot|without)\b|n't\b", re.IGNORECASE)
_NOT_NEGATION_EN = re.compile(
    r"\b(not only|no later than|no more than|no less than|no fewer than|whether or not|not applicable)\b",
    re.IGNORECASE,
)


def _clauses_en(sentence: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for piece in _CUT_EN.split(sentence):
        piece = piece.strip(" ,;")
        if not piece:
            continue
        has_verb = bool(_VERB_EN.search(piece)) or piece.lower().startswith("without ")
        if not has_verb and out:
            out[-1] = (out[-1][0] + ", " + piece, out[-1][1])  # a list's last item, an afterthought
        else:
            out.append((piece, has_verb))
    return out


def _polarity_en(clause: str) -> str | None:
    negations = len(_NEGATION_EN.findall(_NOT_NEGATION_EN.sub(" ", clause)))
    return "yes" if negations == 0 else "no" if negations == 1 else None


# The question's predicate: "Does the organization securely dispose of …" → dispose;
# "Is data encrypted …" → encrypted; "Are you a PCI service provider?" → the nominal.
_SUBJECT_EN = (
    r"(?:you|we|they|it|(?:the|your|this|our)\s+(?:\w+\s+){0,2}?(?:organi[sz]ation|company|vendor|provider|service"
    r"|solution|product|system|firm|application|platform|team|staff|employees|district|institution|software)s?)"
)
_DO_VERB_EN = re.compile(
    rf"^\s*(?:do|does|did|will|would|can|could|should|shall|may|must)\s+{_SUBJECT_EN}\s+(?:(\w+ly)\s+(?:(?:or|and)\s+\w+ly\s+)?)?(\w+)"
    r"(?:\s+of)?((?:,\s*(?!or\b|and\b)\w+)*(?:,?\s+(?:or|and)\s+\w+)?)",
    re.IGNORECASE,
)
# Adverbs that grade how well something is done, not what is done.
_EVALUATIVE_EN = {
    "securely",
    "properly",
    "appropriately",
    "adequately",
    "formally",
    "regularly",
    "periodically",
    "tightly",
    "effectively",
    "continuously",
    "actively",
    "routinely",
    "consistently",
    "fully",
    "strictly",
    "timely",
}
_BE_VERB_EN = re.compile(r"^\s*(?:is|are|was|were|has|have|had)\b(.*)$", re.IGNORECASE)
_MODAL_BE_EN = re.compile(r"^\s*(?:will|would|can|could|should|must|may)\b.*?\bbe\b(.*)$", re.IGNORECASE)
_PARTICIPLE_EN = re.compile(r"\b(\w{3,}(?:ed|en))\b", re.IGNORECASE)
_COPULAR_EN = re.compile(r"^\s*(?:is|are)\s+(?:you|we|it|your \w+)\s+(?:an?|the)\s+([^?,(]+)", re.IGNORECASE)
# Verbs that say only that something is done or had; the question is about their object.
_LIGHT_EN = {
    "have",
    "has",
    "use",
    "utilize",
    "perform",
    "conduct",
    "ensure",
    "facilitate",
    "maintain",
    "implement",
    "follow",
    "provide",
    "hold",
    "employ",
    "allow",
    "support",
    "make",
    "take",
    "do",
    "get",
    "establish",
    "enable",
    "require",
    "offer",
    "leverage",
    "keep",
    "given",
    "taken",
    "implemented",
    "established",
    "maintained",
    "required",
    "provided",
    "used",
    "performed",
    "conducted",
    "based",
    "utilized",
    "utilised",
    "employed",
    "applied",
    "deployed",
    "enforced",
    "put",
}


# The object or complement of a light verb ends where a modifier begins.
_NP_END_EN = re.compile(
    r"[?,;(:]|\b(of|for|with|to|in|on|that|which|who|from|by|at|across|within|if|when|as)\b", re.I
)
_AS_COMPLEMENT_EN = re.compile(
    r"\b(classified|considered|regarded|designated|recogni[sz]ed|registered)\s+as\s+(.*)$", re.I
)
# Nouns that only say that their complement exists or is done: "the implementation of X".
_LIGHT_NOUN_EN = re.compile(
    r"^\s*(?:an?|the)?\s*(implementation|use|usage|existence|adoption|application|practice)\s+of\s+", re.I
)


def _object_en(rest: str) -> str:
    rest = _LIGHT_NOUN_EN.sub("", rest)
    rest = re.sub(r"^\s*(an?|the|any|your|our|its|their)\s+", "", rest, flags=re.I)
    return _NP_END_EN.split(rest, maxsplit=1)[0].strip()


class Predicate(NamedTuple):
    """What a yes/no question asks about: its predicate's words; if none of them is a word of
    the KB, the objects stand in; a nominal ("a PCI service provider") is matched by its most
    specific concept. Nothing found: nothing constrains the answering clause."""

    words: list[str]
    objects: list[str]
    nominal: bool = False


def predicate_words(question: str) -> Predicate:
    q = normalize(question)
    if _JAPANESE.search(q):
        return Predicate(*stance_ja.predicate_words(q))
    m = _AS_COMPLEMENT_EN.search(q)
    if m:
        return Predicate([_object_en(m.group(2))], [], True)  # "classified as a service provider"
    m = _DO_VERB_EN.match(q)
    if m:
        # "cryptographically protect", "logically separate": the adverb says what is done.
        # "dispose of, destroy or erase": each verb of a coordination is asked about.
        adverb = [m.group(1)] if m.group(1) and m.group(1).lower() not in _EVALUATIVE_EN else []
        verbs = [m.group(2)] + re.findall(r"\w+", re.sub(r"\b(or|and)\b", " ", m.group(3)))
        content = adverb + [v for v in verbs if v.lower() not in _LIGHT_EN]
        obj = _object_en(q[m.end(3) :])  # "Do you have a documented change management process?"
        if content:
            return Predicate(content, [obj] if obj else [])
        return Predicate([obj], [], True) if obj else Predicate([], [])
    m = _COPULAR_EN.match(q)
    if m:
        return Predicate([m.group(1)], [], True)
    m = _BE_VERB_EN.match(q) or _MODAL_BE_EN.match(q)
    if m:
        first = _PARTICIPLE_EN.search(m.group(1)[:80])  # "Is data encrypted …", "Are backups protected …"
        if first and first.group(1).lower() not in _LIGHT_EN:
            return Predicate([first.group(1)], [])
    return Predicate([], [])


def _concepts_of(words: list[str], query) -> set[int]:
    terms = {t for w in words for t in analyze(w) if len(t) > 1 or t.isascii()}
    return {i for i, c in enumerate(query.concepts) if any(t in p for p in c.phrases for t in terms)}


# Modifiers that do not narrow what a noun names: "existing customers", "any data".
_FILLER_EN = {
    "exist",
    "current",
    "currentli",
    "ani",
    "all",
    "such",
    "other",
    "anoth",
    "one",
    "each",
    "everi",
    "specif",
    "certain",
    "applic",
    "relev",
    "appropri",
    "new",
    "own",
    "formal",
    "valid",
}


def _filler(concept) -> bool:
    return any(len(p) == 1 and p[0] in _FILLER_EN for p in concept.phrases)


def _asked_concepts(question: str, query) -> set[int] | None:
    """Indexes of the query's concepts that hold the question's predicate: empty if the
    predicate was not found (no constraint), None if no text of the KB can hold it: a
    nominal no concept holds, or one with a word the KB never uses ("higher education customers")."""
    predicate = predicate_words(question)
    if predicate.nominal:
        # A modifier the KB never uses narrows the noun beyond anything it says ("higher
        # education customers"); the head (the last word: "time-synchronization technology")
        # may be generic.
        modifiers = [w for phrase in predicate.words for w in re.findall(r"[\w-]+", phrase)[:-1]]
        for i in _concepts_of(modifiers, query):
            concept = query.concepts[i]
            if concept.df == 0 and concept.parent is None and not _filler(concept):
                return None
    asked = _concepts_of(predicate.words, query)
    nominal = predicate.nominal
    if not asked and predicate.objects:
        # A verb the KB never uses (「見直す」, "give"): its object says what is asked.
        asked, nominal = _concepts_of(predicate.objects, query), True
    if not asked:
        return None if predicate.nominal else set()
    if nominal:
        asked = {max(asked, key=lambda i: query.concepts[i].importance)}
    return asked


_terms = lru_cache(maxsize=8192)(analyzed_text)

# --- the answering clause ----------------------------------------------------------


def sentences(text: str) -> list[list[tuple[str, bool]]]:
    """The predicate clauses of a response, sentence by sentence: (text, has a predicate)."""
    out = []
    for sentence in _SENTENCE.split(normalize(text)):
        if sentence and sentence.strip():
            s = sentence.strip()
            out.append(stance_ja.clauses(s) if _JAPANESE.search(s) else _clauses_en(s))
    return out


def clauses(text: str) -> list[tuple[str, bool]]:
    """The predicate clauses of a response, in order: (text, has a predicate)."""
    return [c for sentence in sentences(text) for c in sentence]


def clause_polarity(clause: str) -> str | None:
    """'yes' | 'no' | 'partial' | 'na' as the clause's main predicate says, None if undecided."""
    if _NA.search(clause):
        return "na"
    polarity = stance_ja.polarity(clause) if _JAPANESE.search(clause) else _polarity_en(clause)
    if polarity == "yes" and _PARTIAL.search(clause):
        return "partial"
    return polarity


def best_clause(
    text: str, relevance: Callable[[str], float], wanted: Callable[[str], bool] | None = None
) -> str | None:
    """The most relevant clause with a predicate (and, if given, that ``wanted`` accepts); the later on a tie.

    The clause must reach MIN_RELEVANCE with the clauses before it in its sentence: they
    frame it (「バックアップは…分離されているため、他の利用者はアクセスできません」)."""
    best, best_score = None, 0.0
    for sentence in sentences(text):
        for k, (clause, has_predicate) in enumerate(sentence):
            if not has_predicate or (wanted is not None and not wanted(clause)):
                continue
            score = relevance(clause)
            if score <= 0 or score < best_score:
                continue
            context = score if k == 0 else relevance(" ".join(c for c, _ in sentence[: k + 1]))
            if max(score, context) >= MIN_RELEVANCE:
                best, best_score = clause, score
    return best


def stance(
    question: str,
    response_text: str,
    relevance: Callable[[str], float],
    query=None,
    *,
    asks_yes_no: bool = False,
) -> str | None:
    """'yes' | 'no' | 'partial' | 'na', or None when the question is not yes/no or no clause answers it.

    ``query``: the question's kb.search.Query; with it, the answering clause must cover a
    concept of the question's predicate (「共有されることはありますか」 is not answered by
    a clause about an audit by a third party). ``asks_yes_no``: the sheet says the row asks
    yes or no whatever its wording (a unit column reading 有無, yes/no options on a statement)."""
    if not (asks_yes_no or is_yes_no_question(question)):
        return None
    question = as_question(question)  # the predicate is read from the question's own form
    frame = frames.Frame.of(question)
    if frame.undecidable:
        return None
    restricted = frames.scope_answer(frame, response_text)
    if restricted is not None:
        return restricted
    wanted = frame.wanted
    asked = _asked_concepts(frame.question, query) if query is not None else set()
    if asked is None:
        return None
    if asked:
        from kb.search import coverage

        def wanted(clause: str) -> bool:
            if not frame.wanted(clause):
                return False
            polarity = clause_polarity(clause)
            return (
                bool(asked & set(coverage(query, _terms(clause))[1]))
                or frame.prevents(clause, polarity)
                or frame.denies_party(clause, polarity)
            )

    wanted = _in_terms_asked(question, response_text, query, wanted)
    clause = best_clause(response_text, relevance, wanted)
    if clause is None:
        return None
    return frame.turn(clause, clause_polarity(clause))


def _in_terms_asked(
    question: str, response_text: str, query, wanted: Callable[[str], bool]
) -> Callable[[str], bool]:
    """``wanted``, and: a question that states an amount (毎月, within 24 hours, 直ちに) is answered
    only by a sentence stating it (kb.quantities), and one set in an occasion (解約後, upon
    termination) not by a sentence set in another occasion (frames.OCCASIONED) that does not name
    it. A sentence saying deletion happens 30 days after cancellation does not say yes to
    "deleted immediately upon termination?", nor does one about deleting a virtual machine."""
    amounts = quantities.stated(question)
    occasion = _concepts_of(frames.occasion_words(question), query) if query is not None else set()
    if not amounts and not occasion:
        return wanted
    sentence_of = {c: " ".join(x for x, _ in s) for s in sentences(response_text) for c, _ in s}

    def in_terms(clause: str) -> bool:
        if not wanted(clause):
            return False
        sentence = sentence_of.get(clause, clause)
        if quantities.missing(amounts, sentence):
            return False
        if occasion and frames.OCCASIONED.search(sentence):
            from kb.search import coverage

            return bool(occasion & set(coverage(query, _terms(sentence))[1]))
        return True

    return in_terms
