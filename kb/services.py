"""Services: one KB may hold the whitepapers of several services (CPS-VM, CPS-BM …), and an
answer speaks for one of them.

Two services often answer the same question differently (one encrypts its disks, the other
leaves it to the customer), so a source of another service is a wrong answer however well
it matches. The rule: a KB whose current responses belong to one service (or name none)
answers as it always did; a KB that holds several answers only for the service asked for
(``--service``), and refuses to answer when none is named. Responses that name no service
are a group of their own in such a KB: nothing says which service they describe.

Confining an answer to a service happens in the index itself: a temporary FTS5 index
(on this connection only, never in the file) over the service's chunks, so the
question's words are weighed by their rarity in that service's texts, bm25 is that of
its texts, and nothing of another service is a candidate, a source, a citation or a
stance. A service answers in a KB of several exactly as in a KB holding it alone.

Which content is a service's: its responses (responses.service), and library answers
(qa_pairs) whose document names it (kb import checksheet --service). A library answer that
names no service is left out of a service's answers: a person answered it for one
service, and nothing says which (kb apply --service and kb import checksheet --service say
it). Evidence is linked for one service or for every service (kb evidence link --service,
evidence_links.service): an answer cites what is linked for its service or for all.
Contract clauses name no service: a clause backs the responses that cite it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from kb import audit, search, store
from kb.audience import visible_to
from kb.db import Database
from kb.errors import KBError
from kb.i18n import N_, _

if TYPE_CHECKING:
    from kb.model import ParsedDocument

NO_SERVICE = N_("(no service named)")  # how responses that name no service are listed


class Held(NamedTuple):
    """A service the KB's current responses belong to, and how many they are."""

    service: str | None  # None: responses that name no service
    responses: int

    @property
    def label(self) -> str:
        return self.service if self.service is not None else NO_SERVICE


def held(db: Database) -> tuple[Held, ...]:
    """The services of the current responses, named ones first, by name."""
    return tuple(
        Held(service, count)
        for service, count in db.execute(
            "SELECT service, count(*) FROM responses WHERE is_current = 1"
            " GROUP BY service ORDER BY service IS NULL, service"
        )
    )


def _listing(found: tuple[Held, ...]) -> str:
    """The services and their responses, for a person: ``ALPHA-VM: 4 responses, ...``."""
    return _(", ").join(  # between the items of a list: 、 in Japanese
        _("{service}: {n} responses").format(
            service=_(h.label) if h.service is None else h.label, n=h.responses
        )
        for h in found
    )


def scope(db: Database, service: str | None, found: tuple[Held, ...] | None = None) -> str | None:
    """The service an answer is confined to, or None when there is nothing to keep apart (a KB
    of one service, or of responses that name none: it answers as it always did).

    KBError when ``service`` is not among the KB's, or when it is None and the KB holds
    several: an answer never mixes services, and kb does not guess which one is meant.
    """
    found = held(db) if found is None else found
    names = [h.service for h in found if h.service is not None]
    if service is not None:
        if service not in names:
            near = [n for n in names if n.casefold() == service.casefold()]
            holds = (
                _("it holds {listing}").format(listing=_listing(found))
                if found
                else _("it holds no responses")
            )
            if near:
                raise KBError(
                    _("no service {service!r} in this KB ({holds}); did you mean {near}?").format(
                        service=service, holds=holds, near=near[0]
                    )
                )
            raise KBError(
                _("no service {service!r} in this KB ({holds})").format(service=service, holds=holds)
            )
        return service if len(found) > 1 else None
    if len(found) > 1:
        raise KBError(
            _(
                "this KB holds several services ({listing}): choose one with --service NAME"
                " (an answer never mixes services)"
            ).format(listing=_listing(found))
        )
    return None


def filter_scope(db: Database, service: str | None) -> str | None:
    """For what lists or copies content rather than answering (kb search, kb export, kb
    publish): the service to keep, or None for everything. An unknown service is an error;
    no service given keeps everything, since nothing is answered from it."""
    if service is None:
        return None
    return scope(db, service)


def _quoted(value: str) -> str:
    """An SQL string literal (a view cannot take parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _in_service(service: str) -> str:
    """The SQL condition on chunks (aliased c) that keeps what belongs to ``service`` and what
    belongs to no service at all (clauses, evidence)."""
    name = _quoted(service)
    return (
        "(c.kind NOT IN ('response', 'qa')"
        f" OR (c.kind = 'response' AND c.source_id IN (SELECT id FROM main.responses WHERE service = {name}))"
        " OR (c.kind = 'qa' AND c.source_id IN (SELECT q.id FROM main.qa_pairs q"
        f" JOIN main.documents d ON d.id = q.document_id WHERE d.service = {name})))"
    )


_TOKENIZE = re.compile(r"tokenize\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)
_CONTENT = re.compile(r"content\s*=\s*'([^']*)'", re.IGNORECASE)


class _Built(NamedTuple):
    index: search.Index
    key: tuple[int, int]  # the KB's state (_state) it was built from


def _state(db: Database) -> tuple[int, int]:
    """The KB's state as the service indexes see it: the connection's changes but those of their
    own rebuilds (a rebuild of one must not make another look stale: they would take turns
    rebuilding at every question), and other connections' commits (PRAGMA data_version)."""
    own = getattr(db, "_service_index_changes", 0)
    return db.conn.total_changes - own, db.execute("PRAGMA data_version").fetchone()[0]


def service_index(db: Database, base: search.Index, service: str) -> search.Index:
    """``base`` confined to ``service``'s chunks: a temporary FTS5 index of this connection,
    built on first use and again after the KB changed (it has no triggers to follow it)."""
    built: dict[tuple[str, str], _Built] | None = getattr(db, "_service_indexes", None)
    if built is None:
        built = db._service_indexes = {}
    found = built.get((base.fts, service))
    if found is not None and found.key == _state(db):
        return found.index
    before = db.conn.total_changes  # what this call writes (temp schema, rebuild) is its own
    if found is None:
        n = len(built) + 1
        view, fts, vocab = f"kb_service_{n}_chunks", f"kb_service_{n}_fts", f"kb_service_{n}_vocab"
        base_sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [base.fts]).fetchone()[0]
        # The same analysis as the index it narrows, over what that index holds (its content
        # table or view: every chunk, those that answer, those an audience may see ...).
        tokenize = _TOKENIZE.search(base_sql).group(1)
        content = _CONTENT.search(base_sql).group(1)
        # History stays in (no is_current condition), as in the KB's own indexes.
        db.execute(
            f"CREATE TEMP VIEW {view} AS SELECT b.id, b.title_terms, b.body_terms FROM main.{content} b"
            f" WHERE b.id IN (SELECT c.id FROM main.chunks c WHERE {_in_service(service)})"
        )
        db.execute(
            f"CREATE VIRTUAL TABLE temp.{fts} USING fts5(title_terms, body_terms,"
            f" content='{view}', content_rowid='id', tokenize={tokenize})"
        )
        db.execute(f"CREATE VIRTUAL TABLE temp.{vocab} USING fts5vocab(temp, {fts}, 'row')")
        index = search.Index(fts, vocab, base.kinds, chunks=view)
    else:
        index = found.index
    db.execute(f"INSERT INTO temp.{index.fts}({index.fts}) VALUES ('rebuild')")
    db._service_index_changes = getattr(db, "_service_index_changes", 0) + db.conn.total_changes - before
    built[(base.fts, service)] = _Built(index, _state(db))
    return index


def answering_cache(db: Database, service: str, audience: str | None = None) -> search.IndexCache:
    """The cache of the index a service's answer searches: kb.search.ANSWERING (every level) or,
    for ``audience``, what it may see (kb.search.ANSWERING_FOR), confined to the service.

    Its languages are the service's own, as far as the audience may see: how many hits an answer
    asks for depends on the languages the KB answers in (kb.answer.hits_wanted), and another
    service's English edition must not change that."""
    base = search.ANSWERING_FOR.get(audience, search.ANSWERING) if audience else search.ANSWERING
    cache = search.IndexCache.of(db, service_index(db, base, service))
    among = None if base == search.ANSWERING else visible_to(audience)
    cache.memo("languages", lambda: store.languages(db, among, service))
    return cache


def response_ids(db: Database, service: str | None, *, current: bool = True) -> frozenset[int]:
    """responses.id of a service's responses (None: every response), for exporters and checks
    that list content of one service."""
    where = "is_current = 1" if current else "1"
    if service is None:
        return frozenset(r for (r,) in db.execute(f"SELECT id FROM responses WHERE {where}"))
    return frozenset(
        r for (r,) in db.execute(f"SELECT id FROM responses WHERE {where} AND service = ?", [service])
    )


class Outside(NamedTuple):
    """Rows of one table that belong to another service than the one kept: ``where`` with ``params``."""

    table: str
    where: str
    params: tuple[str, ...]


def rows_outside(service: str) -> tuple[Outside, ...]:
    """What a copy or an export of one service leaves out (kb publish --service): the documents
    and responses of other services or of none (a sheet imported without --service may be
    any service's). What hangs off them (citations, chunks, library answers) goes with them;
    contracts and evidence name no service and stay."""
    return (
        Outside("documents", "service IS NOT ?", (service,)),
        Outside("responses", "service IS NOT ?", (service,)),
    )


def import_again(db: Database, name: str, doc: ParsedDocument, service: str | None) -> int | None:
    """A file imported before, imported again with ``--service`` (``service``; None: the option
    was not given, and the file is unchanged as before).

    Already that service's: unchanged. Naming no service (its text did not say which): it is
    that service's from now on, its responses too; returns its documents.id. Another service's:
    refused before anything is written, since its answers were given as that service's, and
    reporting it unchanged would let the user believe it now answers for the one named."""
    row = db.execute("SELECT id, service FROM documents WHERE sha256 = ?", [doc.sha256]).fetchone()
    if service is None or row is None or row[1] == service:
        return None
    document_id, was = row
    if was is not None:
        raise KBError(
            _(
                "{name} is already imported for service {was} (document {document}): kb does not move"
                " a document to another service ({service})"
            ).format(name=name, was=was, document=document_id, service=service)
        )
    series = store.series_key(replace(doc, service=service))
    taken = db.execute("SELECT id FROM documents WHERE series = ? AND is_current = 1", [series]).fetchone()
    if taken is not None:
        raise KBError(
            _(
                "{name} names no service (document {document}), and document {taken} is already the"
                " current one of {service} with its title: import the changed file instead"
            ).format(name=name, document=document_id, taken=taken[0], service=service)
        )
    with db.atomic():
        db.execute(
            "UPDATE documents SET service = ?, series = ? WHERE id = ?", [service, series, document_id]
        )
        db.execute("UPDATE responses SET service = ? WHERE document_id = ?", [service, document_id])
        audit.record(
            db,
            audit.AuditEvent(
                "name service",
                "document",
                document_id,
                before=audit.digest({"service": None}),
                after=audit.digest({"service": service}),
                detail=f"{name}: service {service}",
            ),
        )
    return document_id


def of_sources(db: Database, sources: list[tuple[str, int]]) -> dict[tuple[str, int], str | None]:
    """The service of each (chunk kind, source id) among ``sources`` that has one: a response's,
    a library answer's sheet's (kinds that name no service are left out)."""
    out: dict[tuple[str, int], str | None] = {}
    for kind, sql in (
        ("response", "SELECT id, service FROM responses WHERE id IN ({})"),
        (
            "qa",
            "SELECT q.id, d.service FROM qa_pairs q JOIN documents d ON d.id = q.document_id WHERE q.id IN ({})",
        ),
    ):
        ids = [sid for k, sid in sources if k == kind]
        if ids:
            out.update(
                ((kind, sid), svc) for sid, svc in db.execute(sql.format(",".join("?" * len(ids))), ids)
            )
    return out
