"""Text analysis shared by indexing and querying.

One pipeline for both sides, so a query term and an indexed term meet exactly:
NFKC, then protected tokens (control ids, 第N条) are cut out whole, the rest goes
through Sudachi (split mode A, normalized_form: ぜい弱性→脆弱 性, サーバ→サーバー,
漏えい→漏洩) with particles, auxiliaries and symbols dropped, and Latin words
are lowercased and Snowball-stemmed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

# Control ids: 5.1.1, A.12.6.1, CLD.9.5.1, JIP-ISMS517 style 4.1; clause refs: 第 30 条.
CONTROL_ID_RE = re.compile(r"(?<![\w.])((?:A\.|CLD\.?)?\d{1,2}(?:\.\d{1,2}){1,3})(?![\w.]*\d)", re.IGNORECASE)
CLAUSE_RE = re.compile(r"第\s*(\d{1,4})\s*条")
_PROTECTED_RE = re.compile(f"{CONTROL_ID_RE.pattern}|{CLAUSE_RE.pattern}", re.IGNORECASE)
_LATIN_RE = re.compile(r"^[0-9a-z][0-9a-z'._+-]*$")

_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# Light verbs and formal nouns that carry no topic in questions or answers.
_JA_STOP = {
    "為る",
    "居る",
    "有る",
    "成る",
    "出来る",
    "在る",
    "行う",
    "致す",
    "頂く",
    "下さる",
    "御",
    "事",
    "物",
    "方",
    "様",
    "等",
    "こと",
    "もの",
    "よう",
    "ため",
    "の",
    "か",
    "御座る",
    "申す",
    "おる",
    "無い",
    "ない",
    "此れ",
    "其れ",
    "これ",
    "それ",
    "どの",
    "どう",
    "何",
    "どこ",
    "誰",
    "いつ",
    "如何",
    "教える",
    "ください",
    "つく",
    "以下",
    "当該",
    "各種",
    "弊社",
    "当社",
    "貴社",
    "御社",
}
_EN_STOP = set(
    """a an and are as at be been being but by can could did do does doing for from had has have how i if in
    into is it its may might must no not of on or our shall should so such than that the their them then there
    these they this those to us was we were what when where which while who whom why will with would you your
    yes any all each other please describe provide""".split()
)

# Bump when analysis output changes: cached analyses (the glossary) and indexes
# built by an older analyzer must be redone (`kb reindex`).
ANALYZER_VERSION = "5"

Span = tuple[str, int, int]
Tagged = tuple[str, int, int, str]  # term, start, end, word class

# Word classes: how much a term says about a question's topic (kb.search weights).
WORD_CLASS_WEIGHT = {
    "id": 1.5,
    "noun": 1.0,
    "latin": 1.0,
    "light": 0.4,
    "verb": 0.4,
    "adj": 0.5,
    "num": 0.5,
    "affix": 0.3,
}
# Nouns of questionnaire boilerplate (「…の状況を教えてください」「…の際の方法」):
# indexed like any word, but they say little about what is asked.
_JA_LIGHT = set(
    """状況 予定 時点 開始 場合 方法 際 側 他 上 時 必要 可能 有無 内容 具体 詳細 概要 仕組み 対応 実施
    取り組み 手段 程度 以外 以上 各 全て 方式 形式 現在 現状 今後 事項 項目 点 旨 通り 前 後 中 間 毎 ごと
    記載 説明 回答 確認 定める 利用 行う 出来る 受ける""".split()
)
# English words that carry little topic, like Japanese light verbs, and the
# boilerplate of questionnaires ("Does your solution/system/organization ...",
# "data" and "information" as generic as データ/情報; their phrases such as
# "customer data" are glossary terms).
_EN_LIGHT = set(
    """use used using give given happen happens provide provided offer allow allowed support supported perform
    performed ensure ensured maintain maintained make made take taken keep kept get got need needed require
    required regular regularly way ways method methods able available possible happen happens
    after before during regarding current currently
    solution solutions system systems product products company companies organization organisation
    organizational institution institutions institutional vendor vendors data information
    include includes including place placed also only even often many most very well both some within through
    about against etc e.g. i.e. appropriate adequate necessary""".split()
)
# Words that say how much, which one or how well, never what about: the topic gate
# (kb.gate) must not hold a question for them as if they named a topic the KB lacks.
# Only a query's word weights change; index terms do not (no ANALYZER_VERSION bump).
# Determiners and quantifiers ("another", "one or more", "full or partial"). Not "own":
# as a verb it is the topic ("Do you own the data center?").
_EN_LIGHT |= set(
    """another one ones every first full partial several various certain same whole entire few either
    neither none""".split()
)
# Prepositions and conjunctions _EN_STOP does not drop ("separated between tenants",
# "prior to release", "unless prohibited"): they relate the words that carry the topic.
_EN_LIGHT |= set(
    """between among across upon via per unless whether whenever although though because throughout toward
    towards prior""".split()
)
# The generic nouns of questionnaires ("in case of", "cybersecurity matters", "the number
# of", "for example"). Not "instance": in a cloud it is a virtual machine (glossary).
_EN_LIGHT |= set(
    """case cases matter matters number numbers type types kind kinds example examples part parts means basis
    aspect aspects manner extent""".split()
)
# Evaluative and epistemic adjectives: whether something is formal, actual, potential,
# existing or relevant grades the practice asked about; the practice is the topic.
_EN_LIGHT |= set(
    """formal actual potential existing specific relevant suitable proper sufficient applicable particular
    likely""".split()
)

# Words Snowball conflates with a security term of another meaning: the
# accessibility section of a questionnaire (WCAG, VPAT) is not access control.
# ("accessible" stays: "accessible to other tenants" is about access.)
_STEM_EXCEPTIONS = {"accessibility": "accessibl"}

# Sudachi rejects input over ~49 KB; Japanese is 3 bytes a character in UTF-8.
_MAX_SEGMENT_CHARS = 12_000


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def canonical_control_id(raw: str) -> str:
    """'cld9.5.1' / 'CLD.9.5.1' → 'CLD.9.5.1'; 'a.12.6.1' → 'A.12.6.1'."""
    raw = normalize(raw).strip().upper()
    if raw.startswith("CLD") and not raw.startswith("CLD."):
        raw = "CLD." + raw[3:]
    return raw


@lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


# A Sudachi tokenizer refuses to be used by two threads at once ("Tokenizer is already in
# use"), and the Datasette plugin analyses on Datasette's worker threads: one tokenizer a
# thread, all made from the one dictionary (loading it is what costs).
_thread = threading.local()


def _tokenizer():
    tokenizer = getattr(_thread, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        dictionary = _dictionary()
        # sudachipy 0.7 renamed create() to tokenizer(); 0.6 only has create().
        make = getattr(dictionary, "tokenizer", None) or dictionary.create
        tokenizer = _thread.tokenizer = make(mode=SplitMode.A)
    return tokenizer


def sudachi_identity() -> list[bytes]:
    """What Sudachi's output depends on: sudachipy's version and the dictionary file.

    (importlib.metadata would tell the dictionary's version too, but every
    command would pay for importing it.)
    """
    import sudachidict_core
    import sudachipy

    dic = Path(sudachidict_core.__file__).parent / "resources" / "system.dic"
    stat = dic.stat()
    return [sudachipy.__version__.encode(), f"{stat.st_size}:{stat.st_mtime_ns}".encode()]


@lru_cache(maxsize=1)
def _stemmer():
    # PyStemmer: Snowball's English stemmer compiled. The pure-Python
    # snowballstemmer gives the same stems but loads all its languages on
    # import, in every process that meets an English word.
    import Stemmer

    return Stemmer.Stemmer("english")


def _split_long(text: str) -> list[str]:
    if len(text) <= _MAX_SEGMENT_CHARS:
        return [text]
    parts, start = [], 0
    while start < len(text):
        end = min(start + _MAX_SEGMENT_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind(sep, start, end) for sep in ("\n", "。", ". ", " "))
            if cut > start:
                end = cut + 1
        parts.append(text[start:end])
        start = end
    return parts


_KATAKANA_RUN = re.compile(r"[ァ-ヴー]{4,}")


@lru_cache(maxsize=4096)
def _split_katakana(word: str) -> tuple[tuple[str, int, int], ...]:
    """Split an out-of-vocabulary katakana compound into dictionary words.

    Sudachi keeps クラウドサービスカスタマデータ whole when one part is unknown;
    taking the longest known word at each position recovers クラウド サービス
    カスタマ データ, so the compound meets its parts written apart.
    """
    tokenizer = _tokenizer()
    out: list[tuple[str, int, int]] = []
    i, unknown_from = 0, None
    while i < len(word):
        for j in range(len(word), i + 1, -1):
            ms = tokenizer.tokenize(word[i:j])
            if len(ms) == 1 and not ms[0].is_oov():
                if unknown_from is not None:
                    out.append((word[unknown_from:i], unknown_from, i))
                    unknown_from = None
                out.append((ms[0].normalized_form(), i, j))
                i = j
                break
        else:
            unknown_from = i if unknown_from is None else unknown_from
            i += 1
    if unknown_from is not None:
        out.append((word[unknown_from:], unknown_from, len(word)))
    return tuple(out)


def _word_class(pos: tuple[str, ...]) -> str:
    if pos[0] == "名詞":
        return "num" if pos[1] == "数詞" else "noun"
    if pos[0] in ("動詞", "副詞"):
        return "verb"
    if pos[0] in ("形容詞", "形状詞", "連体詞"):
        return "adj"
    if pos[0] in ("接尾辞", "接頭辞"):
        return "affix"
    return "noun"


_WORD_RE = re.compile(r"[^\s]+")


def _ly_bases(word: str) -> tuple[str, ...]:
    """The adjectives an English -ly adverb may come from: formally, fully, possibly, specifically."""
    if not word.endswith("ly") or len(word) < 5:
        return ()
    return (word[:-2], word[:-1], word[:-1] + "e", word[:-4] if word.endswith("ically") else "")


def _latin_class(word: str) -> str:
    word = word.lower()
    # An adverb says how, as its adjective says which: light when that is.
    if word in _EN_LIGHT or any(base in _EN_LIGHT for base in _ly_bases(word)):
        return "light"
    return "num" if word.isdigit() else "latin"


@lru_cache(maxsize=65536)
def _latin_term(surface: str) -> str | None:
    word = surface.lower()
    if word in _EN_STOP or not _LATIN_RE.match(word):
        return None
    if word.isdigit():
        return word
    word = word.strip("'.-_+")
    return _STEM_EXCEPTIONS.get(word) or _stemmer().stemWord(word)


# (dictionary word id, surface) -> its terms as (term, start, end, word class) with
# offsets inside the surface. What a morpheme yields depends on nothing else, and a
# check sheet uses the same few thousand words again and again; out-of-vocabulary
# words share one id, so the surface is part of the key.
_MORPHEME_TERMS: dict[tuple[int, str], tuple[tuple[str, int, int, str], ...]] = {}
_MORPHEME_TERMS_MAX = 200_000


def _morpheme_terms(m) -> tuple[tuple[str, int, int, str], ...]:
    pos = m.part_of_speech()
    if pos[0] in _DROP_POS:
        return ()
    surface = m.surface()
    if surface.isascii():
        # Sudachi knows some English compounds ("remote access") as one
        # word; index their words one by one like any other English.
        return tuple(
            (term, w.start(), w.end(), _latin_class(w.group(0)))
            for w in _WORD_RE.finditer(surface)
            if (term := _latin_term(w.group(0)))
        )
    if m.is_oov() and _KATAKANA_RUN.fullmatch(surface):
        return tuple((term, a, b, "noun") for term, a, b in _split_katakana(surface))
    term = m.normalized_form()
    if term in _JA_STOP or m.dictionary_form() in _JA_STOP:
        return ()
    word_class = "light" if term in _JA_LIGHT else _word_class(pos)
    return ((term, 0, len(surface), word_class),) if term else ()


# Counters Sudachi does not always class as such after a spaced number (「年 2 回」 reads 回 as a
# name): the ones check sheets and whitepapers count in.
_COUNTERS = frozenset(
    "回 度 件 日 日間 年 年間 月 か月 ヶ月 カ月 週 週間 時間 分 秒 営業日 世代 台 名 人 個 社".split()
)


def _sudachi_terms(text: str, offset: int, out: list[Tagged]) -> None:
    tokenizer = _tokenizer()
    base = offset
    for segment in _split_long(text):
        after_number = -1  # where the last number ended: a counter written on it quantifies
        for m in tokenizer.tokenize(segment):
            key = (m.word_id(), m.surface())
            terms = _MORPHEME_TERMS.get(key)
            if terms is None:
                if len(_MORPHEME_TERMS) >= _MORPHEME_TERMS_MAX:
                    _MORPHEME_TERMS.clear()
                terms = _MORPHEME_TERMS[key] = _morpheme_terms(m)
            pos = m.part_of_speech()
            if terms and m.begin() == after_number and (pos[2] == "助数詞可能" or m.surface() in _COUNTERS):
                # 5 年間, 3 回, 24 時間: the counter says how much, as its number does; it is
                # not what the sentence is about (年間 is no topic of 「ログは5年間保存」).
                terms = tuple((term, a, b, "num") for term, a, b, _class in terms)
            if pos[1] == "数詞" or (pos[0] == "空白" and m.begin() == after_number):
                after_number = m.end()  # a space between (5 年間, as PDFs write it) keeps them one
            else:
                after_number = -1
            if terms:
                start = base + m.begin()
                out.extend((term, start + a, start + b, word_class) for term, a, b, word_class in terms)
        base += len(segment)


def protected_term(match: re.Match) -> list[str]:
    if match.group(2):
        return [f"第{int(match.group(2))}条"]
    cid = canonical_control_id(match.group(1)).lower()
    if cid.startswith("a."):
        return [cid, cid[2:]]  # A.12.6.1 also matches a KB that writes 12.6.1
    return [cid]


def analyze_tagged(text: str) -> list[Tagged]:
    """(term, start, end, word class) for each term; offsets index ``normalize(text)``."""
    text = normalize(text or "")
    out: list[Tagged] = []
    pos = 0
    for match in _PROTECTED_RE.finditer(text):
        if match.start() > pos:
            _sudachi_terms(text[pos : match.start()], pos, out)
        out.extend((term, match.start(), match.end(), "id") for term in protected_term(match))
        pos = match.end()
    if pos < len(text):
        _sudachi_terms(text[pos:], pos, out)
    return out


def analyze_spans(text: str) -> list[Span]:
    """(term, start, end) for each term; offsets index ``normalize(text)``."""
    return [(term, start, end) for term, start, end, _ in analyze_tagged(text)]


def analyze(text: str) -> list[str]:
    """Index/query terms of ``text`` in order."""
    return [t[0] for t in analyze_tagged(text)]


def analyzed_text(text: str) -> str:
    """Analysed terms joined by spaces: what the FTS5 index stores."""
    return " ".join(analyze(text))
