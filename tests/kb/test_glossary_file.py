"""Structural checks for the bilingual security glossary ``kb/data/glossary.tsv``.

Plain-Python parsing only (no project imports): the file format is documented in the
header comment of the TSV itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

GLOSSARY = Path(__file__).resolve().parents[2] / "kb" / "data" / "glossary.tsv"

# Hiragana, katakana (incl. the long-vowel mark), CJK ideographs and compatibility ideographs.
_JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Terms that are genuinely ambiguous and therefore appear in more than one group.
ALLOWED_SHARED_TERMS = {
    "evidence",  # forensic evidence (証拠) vs. audit evidence (エビデンス)
    "利用者",  # end user (ユーザー) vs. cloud service customer (顧客)
}

STOPWORDS = set(
    "the a an and or of to is are be do does data information "
    "する こと もの ため よう これ それ の は が を".split()
)

EXPECTED_PAIRS = [
    ("encryption", "暗号化"),
    ("vulnerability", "脆弱性"),
    ("vulnerability", "ぜい弱性"),
    ("backup", "バックアップ"),
    ("segregation", "分離"),
    ("isolation", "分離"),
    ("sub-processor", "再委託先"),
    ("sub-processor", "委託先"),
    ("governing law", "準拠法"),
    ("要塞化", "ハードニング"),
    ("解約", "契約終了"),
    ("所在地", "保存場所"),
]


def _is_japanese(term: str) -> bool:
    return bool(_JAPANESE.search(term))


def _key(term: str) -> str:
    return unicodedata.normalize("NFKC", term).casefold()


def _load_groups() -> list[tuple[int, list[str]]]:
    text = GLOSSARY.read_bytes().decode("utf-8")  # strict: fails on invalid UTF-8
    groups: list[tuple[int, list[str]]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        groups.append((lineno, line.split("\t")))
    return groups


@pytest.fixture(scope="module")
def groups() -> list[tuple[int, list[str]]]:
    return _load_groups()


def test_file_is_plain_utf8_text() -> None:
    raw = GLOSSARY.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    assert b"\r" not in raw, "LF line endings only"
    assert raw.endswith(b"\n"), "file ends with a newline"


def test_at_least_300_groups(groups) -> None:
    assert len(groups) >= 300, len(groups)


def test_each_group_has_at_least_two_terms(groups) -> None:
    bad = [lineno for lineno, terms in groups if len(terms) < 2]
    assert not bad, f"groups with fewer than two terms on lines {bad}"


def test_no_empty_terms_or_stray_whitespace(groups) -> None:
    problems = []
    for lineno, terms in groups:
        for term in terms:
            if not term:
                problems.append((lineno, "empty term"))
            elif term != term.strip():
                problems.append((lineno, f"leading/trailing space in {term!r}"))
            elif "  " in term or any(ch.isspace() and ch != " " for ch in term):
                problems.append((lineno, f"irregular whitespace in {term!r}"))
            elif any(unicodedata.category(ch) == "Cc" for ch in term):
                problems.append((lineno, f"control character in {term!r}"))
    assert not problems, problems


def test_terms_are_nfkc_normalised(groups) -> None:
    bad = [
        (lineno, term)
        for lineno, terms in groups
        for term in terms
        if unicodedata.normalize("NFKC", term) != term
    ]
    assert not bad, bad


def test_english_terms_come_first_and_are_lowercase(groups) -> None:
    problems = []
    for lineno, terms in groups:
        first = terms[0]
        if not first.isascii() or first != first.lower() or _is_japanese(first):
            problems.append((lineno, f"canonical term {first!r} is not lowercase English"))
        for term in terms:
            if _is_japanese(term):
                break  # Japanese section: ASCII terms keep their document casing (ISMS, VPN)
            if not term.isascii() or term != term.lower():
                problems.append((lineno, f"English term {term!r} is not lowercase ASCII"))
    assert not problems, problems


def test_every_group_is_bilingual(groups) -> None:
    problems = []
    for lineno, terms in groups:
        if not any(_is_japanese(t) for t in terms):
            problems.append((lineno, "no Japanese term"))
        if not any(t.isascii() for t in terms):
            problems.append((lineno, "no ASCII term"))
    assert not problems, problems


def test_no_duplicate_terms_within_a_group(groups) -> None:
    bad = [(lineno, terms[0]) for lineno, terms in groups if len(set(terms)) != len(terms)]
    assert not bad, bad


def test_no_duplicate_groups(groups) -> None:
    seen: dict[frozenset[str], int] = {}
    dupes = []
    for lineno, terms in groups:
        key = frozenset(_key(t) for t in terms)
        if key in seen:
            dupes.append((seen[key], lineno))
        seen.setdefault(key, lineno)
    assert not dupes, dupes


def test_terms_shared_between_groups_are_deliberate(groups) -> None:
    where: dict[str, set[int]] = defaultdict(set)
    for lineno, terms in groups:
        for term in terms:
            where[_key(term)].add(lineno)
    shared = {term: sorted(lines) for term, lines in where.items() if len(lines) > 1}
    unexpected = {t: lines for t, lines in shared.items() if t not in ALLOWED_SHARED_TERMS}
    assert not unexpected, unexpected


def test_no_stopwords(groups) -> None:
    bad = [(lineno, t) for lineno, terms in groups for t in terms if _key(t) in STOPWORDS]
    assert not bad, bad


@pytest.mark.parametrize(("left", "right"), EXPECTED_PAIRS)
def test_expected_pairs_share_a_group(groups, left: str, right: str) -> None:
    assert any(left in terms and right in terms for _, terms in groups), (left, right)
