"""The bilingual glossary used to expand queries.

Shipped groups live in kb/data/glossary.tsv (one synonym group a line, terms
separated by TAB, '#' comments). Users add their own groups to the KB's
``glossary`` table with `kb glossary add`. Every term is run through the same
analyzer as the index, so a group is a set of analysed term sequences.
"""

from __future__ import annotations

import marshal
import os
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from kb import audit
from kb.analysis import ANALYZER_VERSION, analyze, sudachi_identity
from kb.audit import AuditEvent
from kb.db import Database
from kb.errors import KBError
from kb.files import atomic_path
from kb.i18n import _

Phrase = tuple[str, ...]


GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.tsv"


def parse_groups(text: str) -> list[list[str]]:
    groups = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        terms = [t.strip() for t in line.split("\t") if t.strip()]
        if len(terms) >= 2:
            groups.append(terms)
    return groups


@lru_cache(maxsize=1)
def shipped_groups() -> tuple[tuple[str, ...], ...]:
    text = GLOSSARY_FILE.read_text(encoding="utf-8")
    return tuple(tuple(g) for g in parse_groups(text))


def user_groups(db: Database) -> list[tuple[int, list[str]]]:
    return [
        (gid, terms.split("\t")) for gid, terms in db.execute("SELECT id, terms FROM glossary ORDER BY id")
    ]


def add_group(db: Database, terms: list[str]) -> int:
    terms = [t.strip() for t in terms if t.strip()]
    if len(terms) < 2:
        raise KBError(_("a glossary group needs at least two terms"))
    if any("\t" in t or "\n" in t for t in terms):
        raise KBError(_("glossary terms cannot contain tabs or newlines"))
    terms = list(dict.fromkeys(terms))  # a term twice in one group says nothing more
    wanted = {_same_term(t) for t in terms}
    if len(wanted) < 2:
        raise KBError(_("a glossary group needs at least two different terms"))
    for where, group in [("shipped", g) for g in shipped_groups()] + list(user_groups(db)):
        if wanted <= {_same_term(t) for t in group}:
            name = "a shipped group" if where == "shipped" else f"group {where}"
            raise KBError(
                _("{name} already holds all of these terms: {group}").format(
                    name=name, group=" / ".join(group)
                )
            )
    with db.atomic():
        gid = db.execute(
            "INSERT INTO glossary (terms, added_at) VALUES (?, ?)",
            ["\t".join(terms), datetime.now(UTC).isoformat(timespec="seconds")],
        ).lastrowid
        audit.record(
            db,
            AuditEvent("glossary add", "glossary", gid, after=audit.digest(terms), detail=" / ".join(terms)),
        )
        return gid


def _same_term(term: str) -> str:
    """Terms that search treats alike: after NFKC, case and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", term).casefold().split())


def remove_group(db: Database, group_id: int) -> None:
    with db.atomic():
        row = db.execute("SELECT terms FROM glossary WHERE id = ?", [group_id]).fetchone()
        if row is None:
            raise KBError(_("no user glossary group {group_id}").format(group_id=group_id))
        db.execute("DELETE FROM glossary WHERE id = ?", [group_id])
        terms = row[0].split("\t")
        audit.record(
            db,
            AuditEvent(
                "glossary remove", "glossary", group_id, before=audit.digest(terms), detail=" / ".join(terms)
            ),
        )


@dataclass
class Glossary:
    """Analysed groups, indexed by first term for a longest-match scan."""

    groups: list[list[Phrase]] = field(default_factory=list)
    # first term -> [(phrase length, {phrase: group ids})], longest first
    by_first: dict[str, list[tuple[int, dict[Phrase, list[int]]]]] = field(default_factory=dict)
    _merged: dict[tuple[Phrase, tuple[int, ...]], list[Phrase]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, phrase_groups: list[list[Phrase]]) -> Glossary:
        glossary = cls()
        by_length: dict[str, dict[int, dict[Phrase, list[int]]]] = {}
        for phrases in phrase_groups:
            gid = len(glossary.groups)
            glossary.groups.append(phrases)
            for phrase in phrases:
                by_length.setdefault(phrase[0], {}).setdefault(len(phrase), {}).setdefault(phrase, []).append(
                    gid
                )
        glossary.by_first = {
            first: sorted(lengths.items(), key=lambda e: -e[0]) for first, lengths in by_length.items()
        }
        return glossary

    def _match(self, terms: list[str], i: int, max_len: int) -> tuple[int, list[int]]:
        """Longest glossary phrase (≤ max_len terms) starting at terms[i]: (length, group ids)."""
        for n, groups_of in self.by_first.get(terms[i], ()):
            if n <= max_len:
                gids = groups_of.get(tuple(terms[i : i + n]))
                if gids:
                    return n, gids
        return 0, []

    def _phrases(self, own: Phrase, gids: list[int]) -> list[Phrase]:
        """The phrase as written first, then its groups' phrases (shared: do not change the list)."""
        key = (own, tuple(gids))
        phrases = self._merged.get(key)
        if phrases is None:
            phrases = [own]
            for gid in gids:
                phrases.extend(p for p in self.groups[gid] if p not in phrases)
            self._merged[key] = phrases
        return phrases

    def concepts(self, terms: list[str]) -> list[Match]:
        """Group query terms into concepts, each a list of equivalent phrases.

        A run of terms matching a glossary phrase (longest first) becomes that
        group's phrases, merged when a phrase sits in several groups; any other
        term stands alone. The parts of a multi-word match are offered as
        concepts of their own too (``part=True``): "encrypted at rest" is also
        "encrypted", which finds 暗号化 where no synonym of the whole phrase is written.
        """
        out: list[Match] = []
        self._scan(terms, 0, len(terms), len(terms), False, out)
        return out

    def _scan(
        self,
        terms: list[str],
        start: int,
        end: int,
        max_len: int,
        part: bool,
        out: list[Match],
        parent: int | None = None,
    ) -> None:
        i = start
        while i < end:
            n, gids = self._match(terms, i, min(max_len, end - i))
            if not n:
                out.append(Match([(terms[i],)], i, 1, False, part, parent))
                i += 1
                continue
            out.append(Match(self._phrases(tuple(terms[i : i + n]), gids), i, n, True, part, parent))
            if n > 1:  # 個人情報の取扱い is also 個人情報, and that is also 情報
                self._scan(terms, i, i + n, n - 1, True, out, parent=len(out) - 1)
            i += n


class Match(NamedTuple):
    # A named tuple: a query makes one per term and glossary phrase, and a tuple is
    # several times cheaper to build than a dataclass.
    phrases: list[Phrase]
    start: int
    length: int
    known: bool  # from the glossary
    part: bool = False  # a part of a longer glossary match
    parent: int | None = None  # for a part: the index of the match it is part of


def analyse_groups(raw_groups) -> list[list[Phrase]]:
    """Each group's terms as analysed phrases (groups left with < 2 distinct phrases are dropped)."""
    out = []
    for terms in raw_groups:
        phrases: list[Phrase] = []
        for term in terms:
            phrase = tuple(analyze(term))
            if phrase and phrase not in phrases:
                phrases.append(phrase)
        if len(phrases) >= 2:
            out.append(phrases)
    return out


def _cache_dir() -> Path:
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evidence-kb"


def _shipped_key() -> bytes:
    """Everything the analysed shipped glossary depends on: the file's content (a
    copy, a checkout or an edit that keeps size and time still changes it), the
    analyzer, the Sudachi dictionary, and marshal's format (the Python version)."""
    import hashlib  # only here: answering itself never needs it

    return b"|".join(
        [
            hashlib.sha256(GLOSSARY_FILE.read_bytes()).hexdigest().encode(),
            ANALYZER_VERSION.encode(),
            *sudachi_identity(),
            f"{sys.version_info[0]}.{sys.version_info[1]}:{marshal.version}".encode(),
        ]
    )


@lru_cache(maxsize=1)
def shipped() -> Glossary:
    """The shipped glossary, analysed and indexed.

    Cached on disk: analysing its ~7,000 terms costs more than answering a whole
    check sheet, and indexing the analysed terms again is paid at every start.
    marshal, as for Python's own __pycache__, loads it fastest; the file holds its
    key, so a stale or damaged cache is rebuilt, never used.
    """
    key = _shipped_key()
    path = _cache_dir() / f"glossary-{zlib.crc32(key):08x}.marshal"
    try:
        cached_key, groups, by_first = marshal.loads(path.read_bytes())
        if cached_key == key:
            return Glossary(groups, by_first)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    glossary = Glossary.build(analyse_groups(shipped_groups()))
    try:  # a cache that cannot be written only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_bytes(marshal.dumps((key, glossary.groups, glossary.by_first)))
    except OSError:
        pass
    return glossary


_cache: dict[tuple, Glossary] = {}


def load(db: Database | None = None) -> Glossary:
    """The shipped glossary plus the KB's user groups (cached per user-table state)."""
    users = user_groups(db) if db is not None else []
    if not users:
        return shipped()
    key = tuple((gid, tuple(terms)) for gid, terms in users)
    if key not in _cache:
        _cache.clear()
        _cache[key] = Glossary.build([*shipped().groups, *analyse_groups(terms for _, terms in users)])
    return _cache[key]
