"""Contract clauses in the KB: storing a contract's versions, resolving the articles responses cite,
and checking those citations against the contract.

A contract (kb.contracts.ParsedContract) is stored under the name the user gives it (利用約款); each
import is a version, the newest current, the older ones kept with what changed article by article.
Every article of the current version is a ``clauses`` row and a search chunk of kind ``clause``.

A response cites an article by the contract's name as its text spells it ("BroadCenter クラウド
プラットフォームサービス利用約款 第 30 条 (提供場所)", kept in ``clause_refs``). The name a user
imports a contract under is often shorter ("利用約款"), so a cited name resolves to the contract
whose name or title it is, or ends with (or that ends with it): the same contract, named with or
without its provider and service.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from kb import index, search
from kb.audience import may_see
from kb.contracts import Article, ParsedContract, article_label, clause_label, name_key, title_key
from kb.db import Database
from kb.errors import KBError
from kb.i18n import N_, Message, _
from kb.language import text_language
from kb.settings import DEFAULTS

# A response shown to a person at all: below this, an answer has no sources (kb.answer).
REVIEW_THRESHOLD: float = DEFAULTS["review_threshold"]


@dataclass(frozen=True)
class Clause:
    """One stored article of a contract version."""

    id: int
    document: str  # the contract's name in the KB
    version: str
    article: int
    branch: int
    title: str
    text: str
    classification: str
    is_current: bool
    lang: str = "ja"  # its contract version's: how it is cited (第12条 or Article 12)

    @property
    def label(self) -> str:
        return clause_label(self.document, self.article, self.title, self.branch, self.lang)


@dataclass(frozen=True)
class ClauseChange:
    """What a version changed in one article, against the version before it."""

    article: int
    branch: int
    change: str  # one of kb.db.CLAUSE_CHANGES
    old_title: str | None = None
    new_title: str | None = None
    lang: str = "ja"  # the version's: the article is labelled as it cites it (第12条 or Article 12)

    @property
    def label(self) -> str:
        return article_label(self.article, self.branch, self.lang)


@dataclass(frozen=True)
class ContractImport:
    status: str  # "imported" | "new version" | "unchanged"
    document: str
    version: str
    clauses: int = 0
    effective: str | None = None
    previous_version: str | None = None  # the version this one replaced as current
    changes: tuple[ClauseChange, ...] = ()


# --------------------------------------------------------------------------- importing


def _same_text(text: str) -> str:
    """Text as two imports of one article agree on it: width and spacing aside."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _changes(old: list[Clause], new: tuple[Article, ...], lang: str = "ja") -> list[ClauseChange]:
    before = {(c.article, c.branch): c for c in old}
    after = {(a.number, a.branch): a for a in new}
    out: list[ClauseChange] = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was is None:
            out.append(ClauseChange(*key, "added", None, now.title, lang))
        elif now is None:
            out.append(ClauseChange(*key, "removed", was.title, None, lang))
        else:
            if title_key(was.title) != title_key(now.title):
                out.append(ClauseChange(*key, "retitled", was.title, now.title, lang))
            if _same_text(was.text) != _same_text(now.text):
                out.append(ClauseChange(*key, "changed", was.title, now.title, lang))
    return out


def _contract_id(db: Database, document: str) -> int:
    key = name_key(document)
    row = db.execute("SELECT id FROM contracts WHERE name_key = ?", [key]).fetchone()
    if row:
        return row[0]
    return db.execute(
        "INSERT INTO contracts (name, name_key, created_at) VALUES (?, ?, ?)",
        [document.strip(), key, _now()],
    ).lastrowid


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def import_contract(
    db: Database,
    parsed: ParsedContract,
    *,
    document: str,
    version: str | None = None,
    effective: str | None = None,
    classification: str = "public",
) -> ContractImport:
    """Store a contract as the newest version of ``document``, in one transaction.

    The version before it is kept, no longer current, and what changed in each article is
    recorded. The same file again is a no-op ("unchanged"). ``version`` defaults to the one
    the file states, else the next number; ``effective`` to the date on its cover.
    """
    if not document.strip():
        raise KBError(_("a contract needs a name (--document)"))
    with db.atomic():
        contract_id = _contract_id(db, document)
        name = db.execute("SELECT name FROM contracts WHERE id = ?", [contract_id]).fetchone()[0]
        same = db.execute(
            "SELECT version, classification FROM contract_versions WHERE contract_id = ? AND sha256 = ?",
            [contract_id, parsed.sha256],
        ).fetchone()
        if same:
            if same[1] != classification and may_see(classification, same[1]):
                # Asked for a stricter level, kb would seem to withhold what it goes on showing.
                raise KBError(
                    _(
                        "{file} is already imported as {name} version {version}, {level}:"
                        " it stays {level}, and kb does not make an import {classification} afterwards"
                    ).format(
                        file=parsed.source_name,
                        name=name,
                        version=same[0],
                        level=same[1],
                        classification=classification,
                    )
                )
            return ContractImport("unchanged", name, same[0])
        versions = [
            v
            for (v,) in db.execute(
                "SELECT version FROM contract_versions WHERE contract_id = ?", [contract_id]
            )
        ]
        label = version or parsed.version or str(len(versions) + 1)
        if label in versions:
            raise KBError(
                _(
                    "{name} version {version} is already imported from another file: give this one another --version"
                ).format(name=name, version=label)
            )
        previous = db.execute(
            "SELECT id, version FROM contract_versions WHERE contract_id = ? AND is_current = 1",
            [contract_id],
        ).fetchone()
        changes: list[ClauseChange] = []
        if previous:
            changes = _changes(_version_clauses(db, previous[0]), parsed.articles, parsed.lang)
            old_ids = [
                cid for (cid,) in db.execute("SELECT id FROM clauses WHERE version_id = ?", [previous[0]])
            ]
            db.execute("UPDATE contract_versions SET is_current = 0 WHERE id = ?", [previous[0]])
            db.execute("UPDATE clauses SET is_current = 0 WHERE version_id = ?", [previous[0]])
            index.retire_chunks(db, "clause", old_ids)
        effective = effective or parsed.effective
        version_id = db.execute(
            """
            INSERT INTO contract_versions (contract_id, version, title, effective, sha256, source_name,
                publisher, classification, supplementary, encoding, lang, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                contract_id,
                label,
                parsed.title,
                effective,
                parsed.sha256,
                parsed.source_name,
                parsed.publisher,
                classification,
                parsed.supplementary,
                parsed.encoding,
                parsed.lang,
                _now(),
            ],
        ).lastrowid
        placed = []
        for position, article in enumerate(parsed.articles):
            clause_id = db.execute(
                """
                INSERT INTO clauses (version_id, article, branch, title, chapter, text, paragraphs, position,
                    classification)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    version_id,
                    article.number,
                    article.branch,
                    article.title,
                    article.chapter,
                    article.text,
                    _paragraphs_json(article),
                    position,
                    classification,
                ],
            ).lastrowid
            placed.append((clause_id, article))
        index.add_chunks(
            db,
            (
                # The title is the article's own heading, as the contract cites it (第12条（…）,
                # Article 12 (…)): the contract's name in every clause's title would give each of
                # them the words 利用・約款・サービス as if it were about them.
                index.Chunk(
                    "clause",
                    clause_id,
                    clause_label("", a.number, a.title, a.branch, parsed.lang),
                    a.text,
                    classification=classification,
                )
                for clause_id, a in placed
            ),
        )
        db.conn.executemany(
            "INSERT INTO clause_changes (version_id, article, branch, change, old_title, new_title)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(version_id, c.article, c.branch, c.change, c.old_title, c.new_title) for c in changes],
        )
        index.compact(db)
    return ContractImport(
        "new version" if previous else "imported",
        name,
        label,
        len(placed),
        effective,
        previous[1] if previous else None,
        tuple(changes),
    )


def _paragraphs_json(article: Article) -> str:
    return json.dumps(
        [
            {
                "number": p.number,
                "label": p.label,
                "text": p.text,
                "items": [{"label": i.label, "text": i.text} for i in p.items],
            }
            for p in article.paragraphs
        ],
        ensure_ascii=False,
    )


# --------------------------------------------------------------------------- reading

_CLAUSE_SELECT = """
    SELECT c.id, k.name, v.version, c.article, c.branch, c.title, c.text, c.classification, c.is_current,
           v.lang
    FROM clauses c
    JOIN contract_versions v ON v.id = c.version_id
    JOIN contracts k ON k.id = v.contract_id
"""


def _clause(row: tuple) -> Clause:
    """A Clause of a row of _CLAUSE_SELECT."""
    return Clause(*row[:8], bool(row[8]), row[9])


def _version_clauses(db: Database, version_id: int) -> list[Clause]:
    return [
        _clause(row)
        for row in db.execute(f"{_CLAUSE_SELECT} WHERE c.version_id = ? ORDER BY c.position", [version_id])
    ]


def clauses_by_id(db: Database, clause_ids: Iterable[int]) -> dict[int, Clause]:
    ids = list(dict.fromkeys(clause_ids))
    out: dict[int, Clause] = {}
    for start in range(0, len(ids), 500):  # within SQLite's limit on bound parameters
        part = ids[start : start + 500]
        for row in db.execute(f"{_CLAUSE_SELECT} WHERE c.id IN ({','.join('?' * len(part))})", part):
            out[row[0]] = _clause(row)
    return out


class ContractVersion(NamedTuple):
    document: str
    version: str
    effective: str | None
    source_name: str
    is_current: bool
    clauses: int
    changes: tuple[ClauseChange, ...]
    lang: str = "ja"  # the language it was read in: its articles are labelled in it


def versions(db: Database, document: str | None = None) -> list[ContractVersion]:
    """Every contract's versions, oldest first, with what each changed."""
    rows = db.execute(
        """
        SELECT v.id, k.name, v.version, v.effective, v.source_name, v.is_current,
               (SELECT count(*) FROM clauses c WHERE c.version_id = v.id), v.lang
        FROM contract_versions v JOIN contracts k ON k.id = v.contract_id
        WHERE ? IS NULL OR k.name_key = ?
        ORDER BY k.name, v.id
        """,
        [document and name_key(document)] * 2,
    ).fetchall()
    out = []
    for version_id, name, version, effective, source, current, count, lang in rows:
        changes = tuple(
            ClauseChange(*row, lang)
            for row in db.execute(
                "SELECT article, branch, change, old_title, new_title FROM clause_changes"
                " WHERE version_id = ? ORDER BY article, branch, id",
                [version_id],
            )
        )
        out.append(ContractVersion(name, version, effective, source, bool(current), count, changes, lang))
    return out


# --------------------------------------------------------------------------- resolving citations


class Contract(NamedTuple):
    """A contract's names, as citations may spell them: the name it was imported under and
    the title on its current version's cover."""

    name: str
    keys: frozenset[str]
    lang: str = "ja"  # its current version's


# Resolution.problem: a code compared as a str (and printed in English in JSON), and a Message that
# kb.cli.render_clauses.problem_text says in the user's language
NO_CONTRACT = Message(N_("no contract"))
NO_SUCH_ARTICLE = Message(N_("no such article"))
TITLE_DIFFERS = Message(N_("title differs"))


class Resolution(NamedTuple):
    """What a cited article is in the KB: the contract's current clause, or why there is none."""

    document: str  # as cited
    article: int
    title: str  # as cited
    contract: str | None  # the KB's contract the citation resolves to
    clause: Clause | None
    problem: str | None  # None when the clause exists and its title is the one cited
    lang: str = "ja"  # the citation's: a response cites in its language (第30条, or Article 30)

    @property
    def cited_label(self) -> str:
        """The citation as it was written, in its language: 利用約款 第30条（提供場所）, or
        Minato Cloud Terms of Service, Article 30 (Place of Provision) in an English response."""
        return clause_label(self.document, self.article, self.title, lang=self.lang)


class ClauseIndex:
    """Every contract and its current clauses, read once, to resolve many citations against."""

    def __init__(self, db: Database):
        self.contracts = [
            Contract(name, frozenset(name_key(n) for n in (name, title) if n), lang or "ja")
            for name, title, lang in db.execute(
                """
                SELECT k.name, v.title, v.lang FROM contracts k
                LEFT JOIN contract_versions v ON v.contract_id = k.id AND v.is_current = 1
                ORDER BY k.id
                """
            )
        ]
        self.current: dict[tuple[str, int], Clause] = {}
        for row in db.execute(f"{_CLAUSE_SELECT} WHERE c.is_current = 1 AND c.branch = 0"):
            clause = _clause(row)
            self.current[(clause.document, clause.article)] = clause

    def contract_for(self, cited: str) -> tuple[str | None, str | None]:
        """The contract a cited name means, or (None, why not)."""
        key = name_key(cited)
        exact = [c.name for c in self.contracts if key in c.keys]
        if exact:
            return exact[0], None
        near = [
            c.name for c in self.contracts if any(key.endswith(k) or k.endswith(key) for k in c.keys if k)
        ]
        if len(near) == 1:
            return near[0], None
        if near:
            return None, Message(
                N_("ambiguous: {cited} may be any of {contracts}"), cited=cited, contracts=", ".join(near)
            )
        return None, NO_CONTRACT

    def resolve(self, document: str, article: int, title: str, lang: str | None = None) -> Resolution:
        """What a citation of ``document``'s ``article`` titled ``title`` is; ``lang`` is the
        language it was written in (a response's), by default the contract's, else its name's."""
        contract, why = self.contract_for(document)
        if lang is None:
            lang = next((c.lang for c in self.contracts if c.name == contract), None)
            lang = lang or text_language(document) or "ja"
        if contract is None:
            return Resolution(document, article, title, None, None, why, lang)
        clause = self.current.get((contract, article))
        if clause is None:
            return Resolution(document, article, title, contract, None, NO_SUCH_ARTICLE, lang)
        if title and title_key(title) != title_key(clause.title):
            return Resolution(document, article, title, contract, clause, TITLE_DIFFERS, lang)
        return Resolution(document, article, title, contract, clause, None, lang)


def has_contracts(db: Database) -> bool:
    return db.execute("SELECT 1 FROM contracts LIMIT 1").fetchone() is not None


# --------------------------------------------------------------------------- checking citations


class RefProblem(NamedTuple):
    """A citation in a current response that the contract does not bear out."""

    control_id: str | None
    section: str  # the response's title
    resolution: Resolution


def check_refs(db: Database, document: str | None = None) -> tuple[int, list[RefProblem]]:
    """(citations checked, those whose article does not exist, whose title differs, or whose
    contract is not in the KB), over the current responses; ``document`` keeps only the
    citations that resolve to that contract."""
    clause_index = ClauseIndex(db)
    wanted = None
    if document is not None:
        wanted, why = clause_index.contract_for(document)
        if wanted is None:
            if why == NO_CONTRACT:
                raise KBError(
                    _(
                        "no contract named {document} in the KB (no contract): import it with kb import clauses"
                    ).format(document=document)
                )
            raise KBError(
                _("no contract named {document} in the KB ({why}): import it with kb import clauses").format(
                    document=document, why=why.in_users_language()
                )
            )
    checked, problems = 0, []
    for control_id, section, cited, article, title, lang in db.execute(
        """
        SELECT r.control_id, r.title, q.document, q.article, q.title, d.lang
        FROM clause_refs q JOIN responses r ON r.id = q.response_id
        JOIN documents d ON d.id = r.document_id
        WHERE r.is_current = 1
        ORDER BY r.document_id, r.position, q.id
        """
    ):
        resolution = clause_index.resolve(cited, article, title, lang)
        if wanted is not None and resolution.contract != wanted:
            continue
        checked += 1
        if resolution.problem:
            problems.append(RefProblem(control_id, section, resolution))
    return checked, problems


# --------------------------------------------------------------------------- clauses in answers


@dataclass(frozen=True)
class ClauseQuote:
    """A contract clause an answer quotes: the article a response cites, where its text covers
    more of the question than the response does (governing law: the response says where it is
    set out, the clause says which law)."""

    label: str  # ミナトクラウド サービス利用約款 第26条（準拠法）, or in its language (Clause.label)
    text: str
    document: str
    article: int
    title: str
    version: str
    coverage: float  # of the question, as kb.search measures a source's
    lang: str = "ja"  # the contract's (kb answer says 約款: or Terms: before it)


class ClauseCitation(NamedTuple):
    """What the clauses add to one source of an answer."""

    label: str | None = None  # a clause found by search: its citation (the contract, article and title)
    document: str | None = None  # ... and the contract's name
    quotes: tuple[ClauseQuote, ...] = ()  # a response: the clauses it cites that answer better


def _clause_chunks(db: Database) -> dict[int, int]:
    """chunks.id of every current clause, by clauses.id."""
    return dict(db.execute("SELECT source_id, id FROM chunks WHERE kind = 'clause' AND is_current = 1"))


# A clause found by itself, no response among the sources citing it, is a suggestion for a person:
# a contract states what the parties agreed, often the customer's duties (契約者は…), not what the
# provider does, and a yes or no read from it could say the opposite of the provider's practice.
ALONE_WHY = Message(
    N_("a contract clause by itself: it says what was agreed, not what is done; a person decides")
)


def found_alone(
    db: Database, cache: search.IndexCache, question: str, classifications: tuple[str, ...], limit: int
) -> list[search.Hit]:
    """The clauses that cover ``question`` when no response or library answer does, for a
    person to decide on (ALONE_WHY). They are searched in the index of everything: clauses
    are not in the one answers are weighed in (kb.search.ANSWERING).

    Not confined to a service: a contract names none (contracts, schema v7, has no service
    column; kb import clauses takes no --service), so in a KB of several services a clause of
    another service's contract may be offered. It is only ever offered for review, never
    written as an answer; confining it needs contracts to carry their service first."""
    if not cache.memo("has_contracts", lambda: has_contracts(db)):  # one look-up per snapshot
        return []
    return search.search(db, question, limit=limit, kinds=("clause",), classifications=classifications)


class Cited(NamedTuple):
    """A current clause a response cites, and which edition of the response cites it."""

    clause: Clause
    by: int  # responses.id: the response itself, or an edition of it in another language


def _cited_by(db: Database, clause_index: ClauseIndex, response_ids: list[int]) -> dict[int, list[Cited]]:
    """The current clauses each response cites, it or its editions in other languages (an
    English edition cites "Terms of Service, Article 26" where the contract in the KB is the
    Japanese one its Japanese edition cites), the response's own first, each clause once."""
    if not response_ids:
        return {}
    marks = ",".join("?" * len(response_ids))
    found: dict[int, list[Cited]] = {rid: [] for rid in response_ids}
    for response_id, by, document, article, title in db.execute(
        f"""
        SELECT DISTINCT r.id, o.id, q.document, q.article, q.title
        FROM responses r
        JOIN responses o ON o.id = r.id
            OR (o.control_id = r.control_id AND o.service IS r.service AND o.is_current = 1)
        JOIN clause_refs q ON q.response_id = o.id
        WHERE r.id IN ({marks})
        ORDER BY r.id, o.id = r.id DESC, q.id
        """,
        response_ids,
    ):
        clause = clause_index.resolve(document, article, title).clause
        if clause is not None and all(c.clause != clause for c in found[response_id]):
            found[response_id].append(Cited(clause, by))
    return found


def one_edition_each(cited: list[Cited], lang: str) -> list[Clause]:
    """The clauses a response and its editions cite, each article once: in ``lang`` (the
    answer's) where that edition of the contract is in the KB.

    Editions of a response cite one article each in its language: the Japanese one 利用約款
    第26条（準拠法）, the English one Terms of Service, Article 26 (Governing Law). Two clauses are
    two editions of one article when they have one number, their contracts are in two languages
    and two editions of the response cite them: the one in ``lang`` stays, and stands for one
    twin only (the first cited), so that two contracts' articles of one number cited by one
    edition, or in one language, stay two articles."""
    out = list(cited)
    paired: list[Cited] = []  # the clauses kept for a twin, each for one
    for keep in sorted(cited, key=lambda c: c.clause.lang != lang):  # stable: in cited order
        if keep not in out or keep in paired:
            continue
        twin = next(
            (
                c
                for c in out
                if c not in paired
                and c.by != keep.by
                and c.clause.lang != keep.clause.lang
                and (c.clause.article, c.clause.branch) == (keep.clause.article, keep.clause.branch)
            ),
            None,
        )
        if twin is not None:
            out.remove(twin)
            paired.append(keep)
    return [c.clause for c in out]


def fold_cited(db: Database, hits: list[search.Hit], cache: search.IndexCache) -> list[search.Hit]:
    """The hits without the clauses a response among them cites: the response is the answer,
    in the words its provider wrote for customers, and the clause is quoted in it where it
    covers more of the question (clause_citations). A clause no response among the hits cites,
    or only one too far from the question to be shown (below the review threshold), stays a
    source of its own."""
    if not any(h.kind == "clause" for h in hits):
        return hits
    clause_index: ClauseIndex = cache.memo("clause_index", lambda: ClauseIndex(db))
    shown = [h.source_id for h in hits if h.kind == "response" and h.coverage >= REVIEW_THRESHOLD]
    cited = {c.clause.id for found in _cited_by(db, clause_index, shown).values() for c in found}
    return [h for h in hits if not (h.kind == "clause" and h.source_id in cited)]


def clause_citations(
    db: Database, query: search.Query, hits: list[search.Hit], audience: str
) -> list[ClauseCitation]:
    """For each hit: a clause hit's citation, or the clauses a response cites (it or its other
    editions) that cover more of the question than the response does, current and visible to
    ``audience``, best first.

    A KB without contracts pays one look-up per snapshot of the index."""
    cache = query.cache or search.answering_cache(db)
    if not cache.memo("has_contracts", lambda: has_contracts(db)):
        return [ClauseCitation() for _ in hits]
    clause_index: ClauseIndex = cache.memo("clause_index", lambda: ClauseIndex(db))
    by_id = {c.id: c for c in clause_index.current.values()}
    found = clauses_by_id(db, [h.source_id for h in hits if h.kind == "clause" and h.source_id not in by_id])
    by_id.update(found)
    chunk_of: dict[int, int] = cache.memo("clause_chunks", lambda: _clause_chunks(db))
    shown = {h.source_id for h in hits if h.kind == "clause"}  # quoted already, as sources of their own
    cited = _cited_by(db, clause_index, [h.source_id for h in hits if h.kind == "response"])
    lang = text_language(query.text) or "ja"  # the answer's, as kb answer shows its sources in it
    out = []
    for hit in hits:
        if hit.kind == "clause":
            clause = by_id.get(hit.source_id)
            out.append(ClauseCitation(clause.label, clause.document) if clause else ClauseCitation())
            continue
        # Each article once, of the editions the audience may see, and not where it is a source already.
        visible = [
            c
            for c in cited.get(hit.source_id, [])
            if c.clause.id in chunk_of and may_see(audience, c.clause.classification)
        ]
        candidates = [c for c in one_edition_each(visible, lang) if c.id not in shown]
        chunks = cache.chunks([chunk_of[c.id] for c in candidates])
        scored = search.rerank(query, [(search.Hit(*chunk.fields, 0.0), chunk) for chunk in chunks.values()])
        coverage = {h.source_id: h.coverage for h in scored}
        quotes = [
            ClauseQuote(
                c.label, c.text, c.document, c.article, c.title, c.version, round(coverage[c.id], 4), c.lang
            )
            for c in candidates
            if coverage.get(c.id, 0.0) > hit.coverage
        ]
        quotes.sort(key=lambda q: -q.coverage)
        out.append(ClauseCitation(quotes=tuple(quotes)))
    return out
