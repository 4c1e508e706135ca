"""Japanese clauses and their polarity, from Sudachi's parts of speech.

A response is cut into *predicate clauses*: pieces between 、 and 。 that end in a
predicate (a verb, adjective, auxiliary or a conjunctive particle after one). A piece
with no predicate — a topic (「暗号化機能は、」), an adverb (「なお、」), a condition
(「…の場合は、」) — is not a clause on its own: it joins the next piece, whose
predicate it belongs to.

Inside a sentence, a negative adverbial clause is cut off as a clause of its own:
「AをVすることなく、B」 and 「AをVせずにB」 deny V, not B; 「Vできないよう設定する」
denies V and affirms 設定.

The polarity of a clause is that of its main predicate: a negation counts when only
light words follow it (auxiliaries, particles, なる・いる・ある・する, 状態・よう・こと),
as in 「復元ができないようになっています」「取り出せない状態になっています」
「提供しておりません」. A negation followed by a content word belongs to a relative
clause (「暗号化されていないデータは削除します」 affirms 削除). 「〜なければなりません」
is an obligation, not a negation; two negations of one predicate leave it undecided.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Morpheme(NamedTuple):
    surface: str
    pos: str  # 動詞, 名詞, 助動詞, ...
    sub: str  # second level: 格助詞, 接続助詞, 非自立可能, ...
    base: str  # dictionary form


@lru_cache(maxsize=16384)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    from kb.analysis import _tokenizer

    return tuple(
        Morpheme(m.surface(), *m.part_of_speech()[:2], m.dictionary_form())
        for m in _tokenizer().tokenize(text)
    )


_PUNCT = "補助記号"
# Verbs that only carry tense, aspect or politeness after the real predicate.
_LIGHT_VERBS = {"なる", "いる", "おる", "ある", "する", "ござる", "できる", "くる", "しまう", "いく"}
# Nouns a negated verb may end in and still be the predicate: 〜ない状態です, 〜ないことになっています.
_LIGHT_NOUNS = {"状態", "よう", "こと", "もの", "ため", "形", "仕様", "設定", "状況", "わけ", "はず"}
# Nouns that turn a verb before them into a subordinate clause: 〜ため、〜よう、〜ところ、
_SUBORDINATORS = {"ため", "よう", "ところ", "うえ", "上", "後", "際", "ので", "ように"}
# Compound particles ending in a verb form; a piece that ends in one is an argument, not a predicate.
_COMPOUND_PARTICLE = re.compile(
    r"(について|につき|において|における|に対して|に対し|に関して|に関し|によって|により|による|として|"
    r"にとって|に基づき|に基づいて|に従い|に従って|にあたって|にあたり|を通じて|を除き|を含め|に際して|に際し)"
    r"(は|も|では|には)?$"
)
# Words that negate by meaning: 不可, なし, 未対応 (the prefixes 不/未/非 alone do not: 不正アクセス).
_NEGATIVE_NOUN = re.compile(r"^(不可|不能|なし|無し|無|未対応|未実施|未導入|未提供|非対応|非提供|不採用)$")
# Spans that contain ない/ぬ but deny nothing: obligations, 「…ないか確認」, 「…に限らず」.
_NOT_NEGATION = re.compile(
    r"(なければ(なら|なり|いけ)(ない|ません)|なくては(なら|なり|いけ)(ない|ません)|ないと(いけ|なら)(ない|ません)"
    r"|ないか(どうか)?|ない限り|に限らず|を問わず|問わず|にかかわらず|に関わらず|のみならず|にほかなりません|に他なりません"
    r"|かもしれません|ざるを得(ない|ません)|ほかありません|しかありません)"
)


def _is_negation(m: Morpheme) -> bool:
    if m.pos == "助動詞" and m.base in ("ない", "ぬ", "ず", "ん"):
        return True
    if m.pos == "形容詞" and m.base in ("ない", "無い"):
        return True
    return bool(m.pos in ("名詞", "形状詞") and _NEGATIVE_NOUN.match(m.surface))


def _light(m: Morpheme) -> bool:
    if m.pos in ("助動詞", "助詞", _PUNCT, "空白"):
        return True
    if m.pos == "動詞" and (m.base in _LIGHT_VERBS or m.sub == "非自立可能"):
        return True
    return m.pos in ("名詞", "形状詞") and m.surface in _LIGHT_NOUNS


def _ends_in_predicate(ms: tuple[Morpheme, ...]) -> bool:
    words = [m for m in ms if m.pos not in (_PUNCT, "空白")]
    if not words:
        return False
    text = "".join(m.surface for m in words)
    if _COMPOUND_PARTICLE.search(text):
        return False
    last = words[-1]
    before = words[-2] if len(words) > 1 else None
    if last.pos in ("動詞", "形容詞"):
        return True
    if last.pos == "助動詞":
        # 「論理的に、」「適切に、」: the adverbial form of だ is no predicate.
        return not (last.base == "だ" and last.surface == "に")
    if last.pos == "助詞":
        if last.sub == "接続助詞":
            return True
        # 「取得しても、」「…しては、」: a concessive or conditional after a verb.
        return last.sub == "係助詞" and before is not None and before.sub == "接続助詞"
    if last.surface in _SUBORDINATORS or last.surface in ("なし", "不可", "あり"):
        return (
            before is not None
            and before.pos in ("動詞", "助動詞", "形容詞")
            or last.surface in ("なし", "不可")
        )
    return False


def _cut_negative_adverbials(ms: tuple[Morpheme, ...]) -> list[tuple[Morpheme, ...]]:
    """Cut after 〜ことなく / 〜ずに / 〜ないで / 〜ないよう(に) when a content predicate follows."""
    out, start = [], 0
    for i, m in enumerate(ms):
        nxt = ms[i + 1] if i + 1 < len(ms) else None
        cut = False
        if m.base in ("ない", "無い") and m.surface == "なく" and i > 0 and ms[i - 1].surface == "こと":
            cut = True  # 〜ことなく
        elif m.surface == "に" and i > 0 and ms[i - 1].base == "ず":
            cut = True  # 〜せずに
        elif m.surface == "で" and i > 0 and ms[i - 1].surface == "ない":
            cut = True  # 〜しないで
        elif m.surface in ("よう", "ように") and i > 0 and ms[i - 1].surface == "ない":
            after = ms[i + 2] if nxt is not None and nxt.surface == "に" and i + 2 < len(ms) else nxt
            # 「ないようになっています」「ないようにしています」 keep the negation as the predicate.
            cut = (
                after is not None
                and after.pos != _PUNCT
                and not (after.pos == "動詞" and after.base in ("なる", "する"))
            )
            if cut and nxt is not None and nxt.surface == "に":
                continue  # cut after the に
        elif m.surface == "に" and i > 1 and ms[i - 1].surface == "よう" and ms[i - 2].surface == "ない":
            cut = (
                nxt is not None
                and nxt.pos != _PUNCT
                and not (nxt.pos == "動詞" and nxt.base in ("なる", "する"))
            )
        if cut and nxt is not None and nxt.pos != _PUNCT:
            out.append(ms[start : i + 1])
            start = i + 1
    out.append(ms[start:])
    return [piece for piece in out if piece]


def _negative_adverbial(ms: tuple[Morpheme, ...]) -> bool:
    words = [m for m in ms if m.pos not in (_PUNCT, "空白")]
    tail = "".join(m.surface for m in words[-3:])
    return bool(re.search(r"(ことなく|ことなしに|ずに|ないで|ないように?)$", tail))


def _ends_with_comma(ms: tuple[Morpheme, ...]) -> bool:
    return bool(ms) and ms[-1].pos == _PUNCT and ms[-1].surface in ("、", ",", "，")


def clauses(sentence: str) -> list[tuple[str, bool]]:
    """Predicate clauses of one sentence: (text, has a predicate). Topic pieces join the next piece."""
    pieces: list[tuple[Morpheme, ...]] = []
    current: list[Morpheme] = []
    for m in morphemes(sentence):
        current.append(m)
        if m.pos == _PUNCT and m.surface in ("、", ",", "，", ";", "；"):
            pieces.append(tuple(current))
            current = []
    if current:
        pieces.append(tuple(current))
    out: list[tuple[str, bool]] = []
    pending = ""
    for piece in pieces:
        parts = _cut_negative_adverbials(piece)
        for k, part in enumerate(parts):
            own = "".join(m.surface for m in part)
            if _negative_adverbial(part) and (k + 1 < len(parts) or _ends_with_comma(part)):
                # 「…の場合は、通知を経ることなく、開示する」: the topic and the condition
                # belong to the main predicate, not to the adverbial negation.
                out.append((own.strip(), True))
            elif _ends_in_predicate(part):
                out.append(((pending + own).strip(), True))
                pending = ""
            else:
                pending += own
    if pending.strip():
        if out and not out[-1][1]:
            out[-1] = (out[-1][0] + pending, False)
        else:
            out.append((pending.strip(), False))
    return out


def polarity(clause: str) -> str | None:
    """'yes' or 'no' from the main predicate's negations; None for a double negation."""
    cleaned = _NOT_NEGATION.sub("。", clause)
    ms = morphemes(cleaned)
    # Only the predicate after the last cut-off 。 (a neutralised span) matters.
    count = 0
    for i, m in enumerate(ms):
        if _is_negation(m) and all(_light(t) for t in ms[i + 1 :]):
            count += 1
    if count == 0:
        return "yes"
    return "no" if count == 1 else None


# Predicates that say only that something is done; the question asks about their object.
_LIGHT_PREDICATES = {
    "実施",
    "行う",
    "対応",
    "実行",
    "講じる",
    "設ける",
    "整備",
    "確保",
    "有する",
    "持つ",
    "する",
    "ある",
    "いる",
    "なる",
    "できる",
    "受ける",
    "取る",
    "図る",
    "おる",
}


def _adnominal(ms: list[Morpheme], i: int) -> bool:
    """Whether the verb at i, with the auxiliaries after it, modifies the noun that follows
    (「提供される OS イメージ」「暗号化したデータ」); a light noun after it (こと, よう, もの)
    nominalises the predicate instead (「共有することはありますか」)."""
    j = i + 1
    while j < len(ms) and (ms[j].pos == "助動詞" or (ms[j].pos == "動詞" and ms[j].sub == "非自立可能")):
        j += 1
    if j == i + 1 and ms[i].base == "する":
        # 「暗号化する機能はありますか」: a bare する before a noun of means is often what is asked.
        return False
    return j < len(ms) and ms[j].pos == "名詞" and ms[j].surface not in _LIGHT_NOUNS | {"の", "ん"}


def predicate_words(question: str) -> tuple[list[str], list[str]]:
    """The content words of the predicates a question asks about, and their objects:
    「…を共有していますか」 → 共有; for a light verb (「教育を実施していますか」) its object,
    教育, is the predicate. A condition before 「場合、」「とき、」 is not asked about."""
    question = re.split(r"(?:場合|とき|際)(?:は|には)?[、,]", question)[-1]
    ms = [m for m in morphemes(question) if m.pos != "空白"]
    words: list[str] = []
    objects: list[str] = []

    def compound_start(j: int) -> int:
        while j >= 0 and ms[j].pos in ("名詞", "接尾辞", "接頭辞") and ms[j].sub != "数詞":
            j -= 1
        return j + 1

    def object_of(start: int) -> str:
        j = start - 1  # the noun before the を, が, は or も that precedes the predicate
        while j >= 0 and ms[j].surface not in ("を", "が", "は", "も"):
            j -= 1
        return "".join(t.surface for t in ms[compound_start(j - 1) : j]) if j > 0 else ""

    for i, m in enumerate(ms):
        if m.pos == "動詞" and m.base == "する" and i > 0 and ms[i - 1].pos in ("名詞", "接尾辞"):
            start = compound_start(i - 1)
            word = "".join(t.surface for t in ms[start:i])
            # 「消去・破棄する」: each noun of a ・-coordination is a predicate too.
            while start > 1 and ms[start - 1].surface in ("・", "／", "/") and ms[start - 2].pos == "名詞":
                end, start = start - 1, compound_start(start - 2)
                words.append("".join(t.surface for t in ms[start:end]))
        elif m.pos == "動詞" and m.sub == "一般" and not (i > 0 and ms[i - 1].surface == "に"):
            start, word = i, m.base  # (に対する, に関する, に基づく are particles)
        else:
            continue
        if _adnominal(ms, i):
            continue  # 「提供される OS イメージ」: a relative clause says which noun, not what is asked
        obj = object_of(start)
        if word in _LIGHT_PREDICATES:
            word, obj = obj, ""
        if word:
            words.append(word)
        if obj:
            objects.append(obj)
    # The means: 「暗号化により保護されていますか」 asks about 暗号化 as much as 保護.
    for i, m in enumerate(ms):
        if m.surface in ("により", "によって") or (
            m.surface == "に" and i + 1 < len(ms) and ms[i + 1].base == "よる"
        ):
            j = i - 1
            start = j
            while start >= 0 and ms[start].pos in ("名詞", "接尾辞", "接頭辞"):
                start -= 1
            if start + 1 <= j:
                words.append("".join(t.surface for t in ms[start + 1 : j + 1]))
    return words, objects
