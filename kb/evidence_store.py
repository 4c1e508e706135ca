"""Evidence files in the KB: their rows, their pages in the search index, their links to controls.

The files themselves are in the vault beside the database (evidence/vault.py); this
module only knows what evidence/ hands over (NewEvidence) and what the rows say, so
answering and listing never touch a file. Evidence is internal unless its adder says
otherwise: it backs answers up for staff and auditors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from kb import audit, index
from kb.analysis import canonical_control_id
from kb.audit import AuditEvent
from kb.db import Database
from kb.errors import KBError
from kb.i18n import _
from kb.settings import DEFAULTS

DEFAULT_CLASSIFICATION = "internal"


class Limits(NamedTuple):
    """Bounds of what one evidence file brings into the KB (why these values: kb.settings)."""

    max_file_bytes: int = DEFAULTS["evidence_max_file_bytes"]
    max_pages: int = DEFAULTS["evidence_max_pages"]
    max_chars: int = DEFAULTS["evidence_max_chars"]
    page_chars: int = DEFAULTS["evidence_page_chars"]
    seconds: float = DEFAULTS["evidence_extract_seconds"]


@dataclass(frozen=True)
class NewEvidence:
    """A file read and stored in the vault, about to get its rows."""

    sha256: str
    size: int
    media_type: str
    original_name: str
    title: str
    text_status: str  # kb.db.EVIDENCE_TEXT_STATUSES
    text_note: str = ""
    pages: tuple[tuple[int, str], ...] = ()  # (page number, text) of the pages that have text
    owner: str | None = None
    classification: str = DEFAULT_CLASSIFICATION
    valid_from: str | None = None  # ISO dates; valid_until is the last day it is valid
    valid_until: str | None = None


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    sha256: str
    size: int
    media_type: str
    original_name: str
    title: str
    owner: str | None
    classification: str
    valid_from: str | None
    valid_until: str | None
    text_status: str
    text_note: str
    added_at: str
    pages: int  # pages with text in the index
    controls: tuple[str, ...] = ()

    def expired(self, today: date | None = None) -> bool:
        return self.valid_until is not None and self.valid_until < (today or date.today()).isoformat()

    def to_json(self) -> dict:
        out = dict(self.__dict__)
        out["controls"] = list(self.controls)
        out["expired"] = self.expired()
        return out


@dataclass(frozen=True)
class Added:
    evidence: EvidenceFile
    status: str  # "added" | "unchanged" (the same content was already in the vault)
    linked: tuple[str, ...] = ()  # controls linked by this add


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def control_ids(db: Database, given: Iterable[str]) -> tuple[str, ...]:
    """The KB's spelling of each control id given (case aside); a KBError naming any the
    KB does not answer, so that a mistyped id links nothing."""
    out = []
    for control in dict.fromkeys(canonical_control_id(c) for c in given if c.strip()):
        row = db.execute(
            "SELECT control_id FROM responses WHERE upper(control_id) = ? ORDER BY is_current DESC LIMIT 1",
            [control],
        ).fetchone()
        if row is None:
            raise KBError(
                _("no control {control!r} in the KB: import the whitepaper that answers it first").format(
                    control=control
                )
            )
        out.append(row[0])
    return tuple(out)


def by_sha256(db: Database, sha256: str) -> EvidenceFile | None:
    found = _files(db, "WHERE e.sha256 = ?", [sha256])
    return found[0] if found else None


def get(db: Database, evidence_id: int) -> EvidenceFile:
    found = _files(db, "WHERE e.id = ?", [evidence_id])
    if not found:
        raise KBError(
            _("no evidence {evidence_id} in the KB (kb evidence list shows them)").format(
                evidence_id=evidence_id
            )
        )
    return found[0]


def add_many(
    db: Database, items: Sequence[NewEvidence], controls: Sequence[str] = (), service: str | None = None
) -> list[Added]:
    """Rows, pages and chunks of every item in one transaction, each linked to ``controls``
    (control_ids' spelling) for ``service`` (None: every service; see _link). Content already in
    the KB keeps its row; only new links are added."""
    out: list[tuple[int, str, tuple[str, ...]]] = []
    with db.atomic():
        for item in items:
            known = db.execute("SELECT id FROM evidence_files WHERE sha256 = ?", [item.sha256]).fetchone()
            if known:
                evidence_id, status = known[0], "unchanged"
            else:
                evidence_id, status = _insert(db, item), "added"
                audit.record(
                    db,
                    AuditEvent(
                        "evidence add",
                        "evidence",
                        evidence_id,
                        after=item.sha256,
                        detail=f"{item.original_name} ({item.classification})",
                    ),
                )
            out.append((evidence_id, status, _link(db, evidence_id, controls, service)))
        if any(status == "added" for _, status, _ in out):
            index.compact(db)
    return [Added(get(db, evidence_id), status, linked) for evidence_id, status, linked in out]


def _insert(db: Database, item: NewEvidence) -> int:
    evidence_id = db.execute(
        "INSERT INTO evidence_files (sha256, size, media_type, original_name, title, owner, classification,"
        " valid_from, valid_until, text_status, text_note, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item.sha256,
            item.size,
            item.media_type,
            item.original_name,
            item.title,
            item.owner,
            item.classification,
            item.valid_from,
            item.valid_until,
            item.text_status,
            item.text_note,
            _now(),
        ],
    ).lastrowid
    page_ids = []
    for number, _text in item.pages:
        page_ids.append(
            db.execute(
                "INSERT INTO evidence_pages (evidence_id, page) VALUES (?, ?)", [evidence_id, number]
            ).lastrowid
        )
    index.add_chunks(
        db,
        (
            index.Chunk(
                kind="evidence",
                source_id=page_id,
                title=page_title(item.title, number),
                body=text,
                classification=item.classification,
            )
            for page_id, (number, text) in zip(page_ids, item.pages, strict=True)
        ),
    )
    return evidence_id


def page_title(title: str, page: int) -> str:
    return f"{title} p.{page}"


def _link(
    db: Database, evidence_id: int, controls: Sequence[str], service: str | None = None
) -> tuple[str, ...]:
    """Link to each control for ``service``, the one whose response it backs (kb.services; None:
    every service's). A file backs one service's response to a control or every service's: linked
    already for another, KBError (the caller's transaction then writes nothing)."""
    now = _now()
    linked = []
    for control in controls:
        row = db.execute(
            "SELECT service FROM evidence_links WHERE evidence_id = ? AND control_id = ?",
            [evidence_id, control],
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO evidence_links (evidence_id, control_id, linked_at, service) VALUES (?, ?, ?, ?)",
                [evidence_id, control, now, service],
            )
            linked.append(control)
        elif row[0] != service:
            was = f"service {row[0]}" if row[0] is not None else "every service"
            raise KBError(
                _(
                    "evidence {evidence_id} is linked to {control} for {was} already: a file backs one service's response to a control, or every service's"
                ).format(evidence_id=evidence_id, control=control, was=was)
            )
    linked = tuple(linked)
    if linked:
        audit.record(
            db, AuditEvent("evidence link", "evidence", evidence_id, detail=f"to {', '.join(linked)}")
        )
    return linked


def link(
    db: Database, evidence_id: int, controls: Sequence[str], service: str | None = None
) -> tuple[str, ...]:
    """Link evidence to controls (control_ids' spelling) for ``service`` (None: every service);
    the controls newly linked."""
    get(db, evidence_id)
    with db.atomic():
        return _link(db, evidence_id, controls, service)


def listing(
    db: Database, *, control: str | None = None, expiring_by: date | None = None
) -> list[EvidenceFile]:
    """Every evidence file, oldest first; ``control``: linked to it; ``expiring_by``: valid
    until that day or earlier (those already expired included), soonest first."""
    where, params, order = [], [], "e.id"
    if control:
        where.append(
            "EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id AND upper(l.control_id) = upper(?))"
        )
        params.append(control)
    if expiring_by:
        where.append("e.valid_until IS NOT NULL AND e.valid_until <= ?")
        params.append(expiring_by.isoformat())
        order = "e.valid_until, e.id"
    sql = ("WHERE " + " AND ".join(where)) if where else ""
    return _files(db, sql, params, order)


def _files(db: Database, where: str, params: Sequence, order: str = "e.id") -> list[EvidenceFile]:
    rows = db.execute(
        f"""
        SELECT e.id, e.sha256, e.size, e.media_type, e.original_name, e.title, e.owner, e.classification,
               e.valid_from, e.valid_until, e.text_status, e.text_note, e.added_at,
               (SELECT count(*) FROM evidence_pages p WHERE p.evidence_id = e.id)
        FROM evidence_files e {where} ORDER BY {order}
        """,
        list(params),
    ).fetchall()
    links: dict[int, list[str]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):  # within SQLite's limit on bound parameters
        part = ids[start : start + 500]
        for evidence_id, control in db.execute(
            f"SELECT evidence_id, control_id FROM evidence_links WHERE evidence_id IN ({','.join('?' * len(part))})"
            " ORDER BY id",
            part,
        ):
            links.setdefault(evidence_id, []).append(control)
    return [EvidenceFile(*row, controls=tuple(links.get(row[0], ()))) for row in rows]


def page_text(db: Database, evidence_id: int) -> list[tuple[int, str]]:
    """(page, text) of a file's indexed pages, in order."""
    return db.execute(
        "SELECT p.page, c.body FROM evidence_pages p JOIN chunks c ON c.kind = 'evidence' AND c.source_id = p.id"
        " WHERE p.evidence_id = ? ORDER BY p.page",
        [evidence_id],
    ).fetchall()
