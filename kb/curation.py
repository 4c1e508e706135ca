"""Keeping what the KB says true: who owns a response or a library answer, who approved it and
when, when it is due for review, and its versions (issue 15, schema v11).

Content is a draft, approved or retired (kb.db.CURATION_STATUSES). Only approved content
answers by itself (kb.answer); a draft is offered for review; retired content is never
offered: its row leaves the current ones (is_current 0, so exports, editions and every
reader of current rows pass it by) and its chunk leaves both search indexes, so it weighs
no question's words either.

A draft library answer (harvested, or decided but not approved) is searched apart from what
answers: its chunk is in draft_chunks (schema v13, kb.drafts), so a sheet of drafts weighs
no approved answer's words; approving it moves the chunk into chunks.

Editing approved content does not touch what answers: the new text is a draft version in
content_versions, which no index holds, and the approved text stays live in its row and
its chunk until the draft is approved. Approving it writes the draft's text into the row
and the chunk (the FTS triggers re-index that one chunk: one live version per response
in the answering index) and keeps the old text in content_versions as history.

A whitepaper is a published disclosure document: importing it is approving it, by the
importing actor at import time (import_approval). KBs made before schema v11 were
migrated approved as of their import, so no answer moved.

Every change is recorded in the audit log (kb.audit.record) in the same transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from kb import audit, index
from kb.analysis import analyzed_text, canonical_control_id
from kb.db import Database
from kb.errors import KBError
from kb.i18n import N_, Message, _
from kb.model import ClauseRef
from kb.settings import DEFAULTS

# How long an approval holds before a person must look again (why: kb.settings).
REVIEW_PERIOD_DAYS: int = DEFAULTS["review_period_days"]

_RESPONSE_ID = re.compile(r"^[Rr](\d+)$")
_QA_ID = re.compile(r"^[Qq](\d+)$")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def review_due_after(approved_at: str) -> str:
    """The date a review is due for content approved at ``approved_at`` (ISO date or time)."""
    return (date.fromisoformat(approved_at[:10]) + timedelta(days=REVIEW_PERIOD_DAYS)).isoformat()


def import_approval(imported_at: str, approver: str | None = None) -> dict[str, str]:
    """What an import of a published document stamps on each of its rows: approved, by
    ``approver`` (else the actor importing it), at import time, due for review a period later."""
    return {
        "status": "approved",
        "approver": approver or audit.current_actor(),
        "approved_at": imported_at,
        "review_due": review_due_after(imported_at),
    }


def approve_drafts_of(db: Database, document_id: int, approver: str | None = None) -> int:
    """Approve every current draft library answer of one harvested sheet (kb import checksheet
    --approved of the same file again), as an import approves: how many it approved."""
    stamp = import_approval(now(), approver)
    with db.atomic():
        ids = [
            i
            for (i,) in db.execute(
                "SELECT id FROM qa_pairs WHERE document_id = ? AND status = 'draft' AND is_current = 1",
                [document_id],
            )
        ]
        db.execute(
            "UPDATE qa_pairs SET status = 'approved', approver = ?, approved_at = ?, review_due = ?"
            " WHERE document_id = ? AND status = 'draft' AND is_current = 1",
            [stamp["approver"], stamp["approved_at"], stamp["review_due"], document_id],
        )
        index.move_chunks(db, "qa", ids, to="chunks")
    return len(ids)


class Version(NamedTuple):
    """One version of a response's or a library answer's text."""

    version: int
    text: str
    choice: str | None
    status: str  # draft (awaiting approval) | approved (live, or live until superseded_at)
    author: str | None
    created_at: str | None
    approver: str | None
    approved_at: str | None
    superseded_at: str | None = None
    # What a response's version cited: the live one's clause and document references, a
    # superseded one's as they were then (schema v15); None when not known (superseded before
    # v15, a draft not yet read, a library answer).
    citations: Citations | None = None

    @property
    def live(self) -> bool:
        return self.status == "approved" and self.superseded_at is None


@dataclass(frozen=True)
class Curated:
    """A response (kind 'response', id R<n>) or a library answer (kind 'qa', id Q<n>), as a
    person curating it sees it."""

    kind: str
    id: int
    control_id: str | None
    title: str  # the response's heading, or the library answer's question
    text: str  # the live text (a library answer's text after its choice)
    choice: str | None  # a library answer's chosen option
    document: str
    service: str | None
    lang: str
    classification: str
    status: str
    owner: str | None
    approver: str | None
    approved_at: str | None
    review_due: str | None
    version: int
    is_current: bool
    document_current: bool
    draft: Version | None = None  # a pending edit of approved content

    @property
    def ref(self) -> str:
        return f"{'R' if self.kind == 'response' else 'Q'}{self.id}"

    @property
    def label(self) -> str:
        """'R12 6.1.3 関係当局との連絡 (ISO/IEC 27017 whitepaper, ja)'."""
        what = index.chunk_title(self.control_id, self.title) if self.kind == "response" else self.title
        where = ", ".join(v for v in (self.document, self.service, self.lang) if v)
        return f"{self.ref} {what} ({where})"

    @property
    def body(self) -> str:
        """The text of its chunk: a library answer's choice first (kb.store.import_qa_pairs)."""
        return "\n".join(p for p in (self.choice, self.text) if p) if self.kind == "qa" else self.text

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "draft"}
        out["ref"] = self.ref
        out["draft"] = self.draft._asdict() if self.draft else None
        return out


_RESPONSES = """
    SELECT 'response', r.id, r.control_id, r.title, r.text, NULL, d.title, r.service, d.lang, r.classification,
           r.status, r.owner, r.approver, r.approved_at, r.review_due, r.version, r.is_current, d.is_current
    FROM responses r JOIN documents d ON d.id = r.document_id
"""
_QA = """
    SELECT 'qa', q.id, NULL, q.question, coalesce(q.answer_text, ''), q.choice, d.title, NULL, d.lang,
           q.classification, q.status, q.owner, q.approver, q.approved_at, q.review_due, q.version, q.is_current,
           d.is_current
    FROM qa_pairs q JOIN documents d ON d.id = q.document_id
"""


def _curated(db: Database, rows) -> list[Curated]:
    items = [Curated(*row[:16], bool(row[16]), bool(row[17])) for row in rows]
    drafts = _drafts_of(db, items)
    return [replace(item, draft=drafts.get((item.kind, item.id))) for item in items]


def _drafts_of(db: Database, items: list[Curated]) -> dict[tuple[str, int], Version]:
    out: dict[tuple[str, int], Version] = {}
    for kind in ("response", "qa"):
        ids = [i.id for i in items if i.kind == kind]
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for source_id, *fields in db.execute(
                f"SELECT source_id, {_VERSION_COLUMNS} FROM content_versions WHERE kind = ? AND status = 'draft'"
                f" AND source_id IN ({','.join('?' * len(part))})",
                [kind, *part],
            ):
                out[(kind, source_id)] = _version(fields)
    return out


_VERSION_COLUMNS = (
    "version, text, choice, status, author, created_at, approver, approved_at, superseded_at, citations"
)


def _version(row) -> Version:
    *fields, cited = row
    return Version(*fields, citations=Citations.from_json(cited) if cited else None)


def get(db: Database, kind: str, item_id: int) -> Curated | None:
    sql, alias = (_RESPONSES, "r") if kind == "response" else (_QA, "q")
    found = _curated(db, db.execute(f"{sql} WHERE {alias}.id = ?", [item_id]))
    return found[0] if found else None


class AmbiguousId(KBError):
    """An id that names several responses: the message lists them."""


def resolve(db: Database, ref: str, *, document: str | None = None, service: str | None = None) -> Curated:
    """What ``ref`` names: R<n> a response, Q<n> a library answer, anything else a control id
    (6.1.3, CLD.9.5.1) among the current documents' responses, narrowed by ``document`` (part
    of its title or file name, or its id) and ``service``. Retired responses of a current
    document are found too (to approve them back). A one-line KBError when it names nothing
    or several."""
    ref = ref.strip()
    for pattern, kind in ((_RESPONSE_ID, "response"), (_QA_ID, "qa")):
        m = pattern.match(ref)
        if m:
            item = get(db, kind, int(m.group(1)))
            if item is None:
                raise KBError(
                    (_("no response {id}") if kind == "response" else _("no library answer {id}")).format(
                        id=ref.upper()
                    )
                )
            return item
    cid = canonical_control_id(ref)
    rows = db.execute(
        f"{_RESPONSES} WHERE upper(r.control_id) = ? AND d.is_current = 1"
        " AND (r.is_current = 1 OR r.status = 'retired') ORDER BY d.lang != 'ja', r.document_id, r.position",
        [cid],
    ).fetchall()
    if document:
        needle = document.casefold()
        doc_ids = {
            i
            for (i,) in db.execute(
                "SELECT id FROM documents WHERE instr(lower(title), ?) OR instr(lower(source_name), ?)"
                " OR CAST(id AS TEXT) = ?",
                [needle, needle, document],
            )
        }
        rows = [r for r in rows if _document_id(db, r[1]) in doc_ids]
    if service:
        rows = [r for r in rows if (r[7] or "").casefold() == service.casefold()]
    items = _curated(db, rows)
    if not items:
        narrowed = _(" with the --document/--service given") if document or service else ""
        raise KBError(
            _(
                "no current response for control {control}{narrowed} (R<n> names one by id, Q<n> a library answer)"
            ).format(control=cid, narrowed=narrowed)
        )
    if len(items) > 1:
        raise AmbiguousId(
            _(
                "{control} names {n} responses: {items} — say which with its R-id, --document or --service"
            ).format(control=cid, n=len(items), items="; ".join(i.label for i in items))
        )
    return items[0]


def _document_id(db: Database, response_id: int) -> int:
    return db.execute("SELECT document_id FROM responses WHERE id = ?", [response_id]).fetchone()[0]


class Change(NamedTuple):
    """What a curation command did."""

    action: str  # edit | approve | retire | reinstate | review
    before: Curated
    after: Curated


def _live_editable(item: Curated, action: str) -> None:
    if not item.document_current:
        raise KBError(
            _("{item} belongs to an earlier version of its document; {action} the current one").format(
                item=item.label, action=action
            )
        )


def edit(
    db: Database,
    item: Curated,
    *,
    text: str | None = None,
    choice: str | None = None,
    owner: str | None = None,
) -> Change:
    """A new text (and for a library answer, choice) for ``item``, and/or a new owner.

    Approved content gets a draft version (the approved one stays live); a draft is edited
    in place (it answers nothing); retired content must be approved back first."""
    _live_editable(item, "edit")
    if item.kind == "response" and choice is not None:
        raise KBError(_("--choice is for library answers (Q<n>); a response has a text only"))
    if item.status == "retired":
        raise KBError(
            _("{item} is retired: `kb approve {ref}` brings it back before it is edited").format(
                item=item.label, ref=item.ref
            )
        )
    if text is not None and not text.strip():
        raise KBError(_("the new text is empty: to take content out of answering use `kb retire`"))
    pending = item.draft
    # What is not given stays as the pending draft has it, else as the live version.
    base_text, base_choice = (pending.text, pending.choice) if pending else (item.text, item.choice)
    new_text = base_text if text is None else text.strip()
    new_choice = base_choice if choice is None else (choice.strip() or None)
    changes_text = (new_text, new_choice) != (item.text, item.choice)
    if changes_text and pending and (new_text, new_choice) == (pending.text, pending.choice):
        changes_text = False  # the same draft again
    if not changes_text and owner is None:
        raise KBError(
            _("nothing to change in {item}: the text given is the one it has").format(item=item.label)
        )
    actor = audit.current_actor()
    table = _table(item.kind)
    with db.atomic():
        if owner is not None:
            db.execute(f"UPDATE {table} SET owner = ? WHERE id = ?", [owner.strip() or None, item.id])
        if changes_text and item.status == "draft":
            _write_live(db, item, new_text, new_choice)
        elif changes_text and pending:
            db.execute(
                "UPDATE content_versions SET text = ?, choice = ?, author = ?, created_at = ?"
                " WHERE kind = ? AND source_id = ? AND status = 'draft'",
                [new_text, new_choice, actor, now(), item.kind, item.id],
            )
        elif changes_text:
            db.execute(
                "INSERT INTO content_versions (kind, source_id, version, text, choice, status, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)",
                [item.kind, item.id, item.version + 1, new_text, new_choice, actor, now()],
            )
        after = _reread(db, item)
        _record(db, "edit", item, after, _edit_detail(after, changes_text, owner))
    return Change("edit", item, after)


def _edit_detail(after: Curated, changed_text: bool, owner: str | None) -> str:
    parts = []
    if changed_text:
        parts.append(f"draft v{after.draft.version}" if after.draft else "draft text")
    if owner is not None:
        parts.append(f"owner {owner.strip() or '-'}")
    return f"{after.label}: {', '.join(parts)}"


class Citations(NamedTuple):
    """What a response's text cites, as an import reads it (importers.whitepaper.citations_in)."""

    clause_refs: list[ClauseRef]
    doc_refs: list[str]

    def labels(self, lang: str = "ja") -> list[str]:
        """'利用約款 第30条（提供場所）' for each clause (in ``lang``, the response's), then each
        document's name."""
        return [*(r.label(lang) for r in self.clause_refs), *self.doc_refs]

    def to_json(self) -> dict:
        return {"clause_refs": [asdict(r) for r in self.clause_refs], "doc_refs": list(self.doc_refs)}

    @classmethod
    def from_json(cls, text: str) -> Citations:
        data = json.loads(text)
        return cls([ClauseRef(**r) for r in data["clause_refs"]], list(data["doc_refs"]))


def citations_of(db: Database, response_id: int) -> Citations:
    """What a response cites now (its live version): its clause and document references."""
    refs = [
        ClauseRef(*row)
        for row in db.execute(
            "SELECT document, article, title FROM clause_refs WHERE response_id = ? ORDER BY id",
            [response_id],
        )
    ]
    names = [
        n for (n,) in db.execute("SELECT name FROM doc_refs WHERE response_id = ? ORDER BY id", [response_id])
    ]
    return Citations(refs, names)


def approve(
    db: Database,
    item: Curated,
    *,
    review_due: str | None = None,
    owner: str | None = None,
    citations: Citations | None = None,
) -> Change:
    """Approve ``item``: its pending draft becomes the live version (the old one kept as
    history), a draft becomes approved, a retired one answers again; approving approved
    content with no draft records a review (a new approval date and review-due date).

    ``citations``: what a response's draft cites, which replaces what the old text cited (a
    citation of an article the new text no longer names must not go out with it)."""
    _live_editable(item, "approve")
    actor, at = audit.current_actor(), now()
    due = review_due or review_due_after(at)
    table = _table(item.kind)
    with db.atomic():
        if item.draft:
            _keep_as_history(db, item, at)
            db.execute(
                "UPDATE content_versions SET status = 'approved', approver = ?, approved_at = ?"
                " WHERE kind = ? AND source_id = ? AND status = 'draft'",
                [actor, at, item.kind, item.id],
            )
        fields = {"status": "approved", "approver": actor, "approved_at": at, "review_due": due}
        if item.draft:
            fields["version"] = item.draft.version
        if owner is not None:
            fields["owner"] = owner.strip() or None
        db.execute(
            f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in fields)}, is_current = 1 WHERE id = ?",
            [*fields.values(), item.id],
        )
        live = replace(item, status="approved")
        if item.status == "retired":
            _add_chunk(db, live)
        elif _chunk_table(item) != _chunk_table(live):  # a draft library answer: now among what answers
            index.move_chunks(db, item.kind, [item.id], to=_chunk_table(live))
        if item.draft:
            _write_live(db, live, item.draft.text, item.draft.choice)
            if citations is not None and item.kind == "response":
                _cite(db, item.id, citations)
        after = _reread(db, item)
        action = {"retired": "reinstate", "draft": "approve"}.get(
            item.status, "approve" if item.draft else "review"
        )
        what = f"v{after.version} approved" if item.draft or item.status != "approved" else "reviewed"
        _record(db, action, item, after, f"{after.label}: {what}, review due {due}")
    return Change(action, item, after)


def retire(db: Database, item: Curated) -> Change:
    """Take ``item`` out of answering for good: never auto-answered, never offered, not
    weighed; kept in the KB (its versions too) and can be approved back."""
    _live_editable(item, "retire")
    if item.status == "retired":
        raise KBError(_("{item} is retired already").format(item=item.label))
    with db.atomic():
        db.execute(
            f"UPDATE {_table(item.kind)} SET status = 'retired', is_current = 0 WHERE id = ?", [item.id]
        )
        for table in index.CHUNK_TABLES:
            db.execute(f"DELETE FROM {table} WHERE kind = ? AND source_id = ?", [item.kind, item.id])
        after = _reread(db, item)
        _record(db, "retire", item, after, f"{after.label}: retired")
    return Change("retire", item, after)


def retire_with_editions(db: Database, item: Curated) -> list[Change]:
    """Retire ``item`` and its current editions in the other languages, in one transaction: an
    edition is a translation of the same answer, so the reason to take one back holds for it
    too, and left answering it would go on saying in English what was withdrawn in Japanese."""
    with db.atomic():
        editions = [e for e in other_editions(db, item) if e.status != "retired"]
        return [retire(db, one) for one in (item, *editions)]


def _table(kind: str) -> str:
    return "responses" if kind == "response" else "qa_pairs"


def _reread(db: Database, item: Curated) -> Curated:
    found = get(db, item.kind, item.id)
    assert found is not None  # written just now, in this transaction
    return found


def _keep_as_history(db: Database, item: Curated, at: str) -> None:
    """The live version goes into content_versions, superseded at ``at`` (its row is there
    already when it was itself approved from a draft)."""
    cited = (
        json.dumps(citations_of(db, item.id).to_json(), ensure_ascii=False)
        if item.kind == "response"
        else None
    )
    updated = db.execute(
        "UPDATE content_versions SET superseded_at = ?, citations = ? WHERE kind = ? AND source_id = ?"
        " AND version = ? AND status = 'approved'",
        [at, cited, item.kind, item.id, item.version],
    ).rowcount
    if not updated:
        db.execute(
            "INSERT INTO content_versions (kind, source_id, version, text, choice, status, author, created_at,"
            " approver, approved_at, superseded_at, citations) VALUES (?, ?, ?, ?, ?, 'approved', NULL, ?, ?, ?, ?, ?)",
            [
                item.kind,
                item.id,
                item.version,
                item.text,
                item.choice,
                item.approved_at or at,
                item.approver,
                item.approved_at,
                at,
                cited,
            ],
        )


def _write_live(db: Database, item: Curated, text: str, choice: str | None) -> None:
    """The row's text, and its chunk's (the FTS triggers re-index that one chunk)."""
    if item.kind == "response":
        db.execute("UPDATE responses SET text = ? WHERE id = ?", [text, item.id])
    else:
        db.execute("UPDATE qa_pairs SET answer_text = ?, choice = ? WHERE id = ?", [text, choice, item.id])
    body = replace(item, text=text, choice=choice).body
    db.execute(
        f"UPDATE {_chunk_table(item)} SET body = ?, body_terms = ? WHERE kind = ? AND source_id = ?",
        [body, analyzed_text(body), item.kind, item.id],
    )


def _cite(db: Database, response_id: int, citations: Citations) -> None:
    db.execute("DELETE FROM clause_refs WHERE response_id = ?", [response_id])
    db.execute("DELETE FROM doc_refs WHERE response_id = ?", [response_id])
    db.conn.executemany(
        "INSERT INTO clause_refs (response_id, document, article, title) VALUES (?, ?, ?, ?)",
        [(response_id, r.document, r.article, r.title) for r in citations.clause_refs],
    )
    db.conn.executemany(
        "INSERT INTO doc_refs (response_id, name) VALUES (?, ?)",
        [(response_id, n) for n in citations.doc_refs],
    )


class CarriedDrafts(NamedTuple):
    """What a new version of a document did with the drafts pending on its old responses
    (kb.store.import_document): carried over to the new response of the same control, or
    left on an old response whose control the new version no longer has."""

    carried: list[tuple[str, str, str]]  # (old ref, new ref, control id or title)
    orphaned: list[tuple[str, str]]  # (old ref, control id or title): kept in its history only

    def __bool__(self) -> bool:
        return bool(self.carried or self.orphaned)


def carry_drafts(db: Database, old_document_id: int, new_response_ids: list[int]) -> CarriedDrafts:
    """Move each draft pending on a response of the superseded document to the new version's
    response of the same control (by title when a section has no control id), in the caller's
    transaction: a person's edit must not vanish into the history when the whitepaper it
    edits is re-imported. The draft is renumbered to follow the new response's version. A
    draft whose control the new version lacks stays on its old response, and is named."""
    pending = db.execute(
        "SELECT r.id, r.control_id, r.title FROM content_versions v JOIN responses r ON r.id = v.source_id"
        " WHERE v.kind = 'response' AND v.status = 'draft' AND r.document_id = ? ORDER BY r.position",
        [old_document_id],
    ).fetchall()
    if not pending:
        return CarriedDrafts([], [])
    marks = ",".join("?" * len(new_response_ids))
    by_key: dict[str, tuple[int, int]] = {}
    for rid, control_id, title, version in db.execute(
        f"SELECT id, control_id, title, version FROM responses WHERE id IN ({marks}) ORDER BY position",
        new_response_ids,
    ):
        by_key.setdefault(_draft_key(control_id, title), (rid, version))
    out = CarriedDrafts([], [])
    for old_id, control_id, title in pending:
        target = by_key.get(_draft_key(control_id, title))
        _carry_one(db, "response", old_id, target, control_id or title, out)
    return out


def _carry_one(
    db: Database, kind: str, old_id: int, target: tuple[int, int] | None, what: str, out: CarriedDrafts
) -> None:
    """Move the draft pending on ``old_id`` to ``target`` (its id and live version), numbered
    after that version, with an audit entry; without a target it stays, named in ``out``."""
    prefix = "R" if kind == "response" else "Q"
    if target is None:
        out.orphaned.append((f"{prefix}{old_id}", what))
        return
    new_id, new_version = target
    db.execute(
        "UPDATE content_versions SET source_id = ?, version = ? WHERE kind = ? AND source_id = ? AND status = 'draft'",
        [new_id, new_version + 1, kind, old_id],
    )
    out.carried.append((f"{prefix}{old_id}", f"{prefix}{new_id}", what))
    audit.record(
        db,
        audit.AuditEvent(
            action="carry draft",
            target_kind=kind,
            target_id=f"{prefix}{new_id}",
            detail=f"draft of {prefix}{old_id} ({what}) carried to {prefix}{new_id} of the new version",
        ),
    )


def carry_library_drafts(db: Database, old_document_id: int, new_qa_ids: list[int]) -> CarriedDrafts:
    """The library's carry_drafts: a sheet answered again (a new version of the same sheet for
    the same customer) keeps each edit pending on its old answers, moved to the new answer to
    the same question (kb.store.question_key), in the caller's transaction. A draft the new
    sheet already says (the same text and choice) has landed and is dropped, not carried; one
    whose question the new sheet no longer asks stays on its old answer, and is named."""
    pending = db.execute(
        "SELECT q.id, q.question_key, q.question, v.text, v.choice FROM content_versions v"
        " JOIN qa_pairs q ON q.id = v.source_id"
        " WHERE v.kind = 'qa' AND v.status = 'draft' AND q.document_id = ? ORDER BY q.id",
        [old_document_id],
    ).fetchall()
    if not pending:
        return CarriedDrafts([], [])
    marks = ",".join("?" * len(new_qa_ids))
    by_key: dict[str, tuple[int, int, str | None, str | None]] = {}
    for qid, key, version, text, choice in db.execute(
        f"SELECT id, question_key, version, answer_text, choice FROM qa_pairs WHERE id IN ({marks}) ORDER BY id",
        new_qa_ids,
    ):
        by_key.setdefault(key, (qid, version, text, choice))
    out = CarriedDrafts([], [])
    for old_id, key, question, text, choice in pending:
        target = by_key.get(key)
        if target is not None and target[2:] == (text, choice):  # the new sheet says it: landed
            db.execute(
                "DELETE FROM content_versions WHERE kind = 'qa' AND source_id = ? AND status = 'draft'",
                [old_id],
            )
            continue
        _carry_one(db, "qa", old_id, target[:2] if target else None, question, out)
    return out


def _draft_key(control_id: str | None, title: str) -> str:
    return f"control {canonical_control_id(control_id)}" if control_id else f"title {title.strip()}"


def cited_contract(db: Database, response_id: int) -> str:
    """The contract a response cited last ('' when none): what an article cited without a
    contract's name in its new text is of."""
    row = db.execute(
        "SELECT document FROM clause_refs WHERE response_id = ? ORDER BY id DESC LIMIT 1", [response_id]
    ).fetchone()
    return row[0] if row else ""


def _chunk_table(item: Curated) -> str:
    """Where the chunk of ``item`` is: a draft library answer's apart from what answers (kb.drafts)."""
    return "draft_chunks" if item.kind == "qa" and item.status == "draft" else "chunks"


def _add_chunk(db: Database, item: Curated) -> None:
    """The chunk of content approved back from retirement, as its import wrote it."""
    title = index.chunk_title(item.control_id, item.title) if item.kind == "response" else item.title
    index.add_chunks(
        db, [index.Chunk(item.kind, item.id, title, item.body, item.control_id, item.classification)]
    )


def _record(db: Database, action: str, before: Curated, after: Curated, detail: str) -> None:
    """The change in the audit log, in the caller's transaction."""
    audit.record(
        db,
        audit.AuditEvent(
            action=action,
            target_kind=before.kind,
            target_id=before.ref,
            before=audit.digest(_content(before)),
            after=audit.digest(_content(after)),
            detail=detail,
        ),
    )


def _content(item: Curated) -> dict:
    """What a change to ``item`` is judged by: its live text, its status and approval, its
    owner and review date, and its pending draft."""
    return {
        "text": item.text,
        "choice": item.choice,
        "status": item.status,
        "version": item.version,
        "owner": item.owner,
        "approver": item.approver,
        "approved_at": item.approved_at,
        "review_due": item.review_due,
        "draft": item.draft.text if item.draft else None,
    }


# --- reading --------------------------------------------------------------------------


def history(db: Database, item: Curated) -> list[Version]:
    """Every version of ``item``, oldest first: those superseded, the live one and a pending draft."""
    stored = [
        _version(row)
        for row in db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM content_versions WHERE kind = ? AND source_id = ? ORDER BY version",
            [item.kind, item.id],
        )
    ]
    if not any(v.version == item.version and v.status == "approved" for v in stored):
        live = Version(
            item.version, item.text, item.choice, item.status, None, None, item.approver, item.approved_at
        )
        stored.append(live)
        stored.sort(key=lambda v: (v.version, v.status == "draft"))
    if item.kind == "response":  # the live version cites what the response's references say now
        cited = citations_of(db, item.id)
        stored = [
            v._replace(citations=cited) if v.version == item.version and v.status != "draft" else v
            for v in stored
        ]
    return stored


class DueItem(NamedTuple):
    """Something a person must look at: a review past or near its date, a draft edit, or a
    response whose edition in another language was changed since it was last approved."""

    item: Curated
    reason: str  # overdue | due | draft | edition
    edition: Curated | None = None  # reason edition: the other language's response that changed

    def to_json(self) -> dict:
        out = {"reason": self.reason, **self.item.to_json()}
        if self.edition is not None:
            out["edition"] = self.edition.ref
        return out


def other_editions(db: Database, item: Curated) -> list[Curated]:
    """The current responses answering ``item``'s control in the other languages' editions
    (same service and control id, a document of the same kind: kb.store.editions_many)."""
    if item.kind != "response":
        return []
    from kb import store  # kb.store imports this module

    found = store.editions_many(db, [item.id]).get(item.id)
    return [e for e in (get(db, "response", o.response_id) for o in found.others) if e] if found else []


def changed_editions(db: Database) -> list[tuple[int, int]]:
    """(response id, id of its other-language edition) of each current approved response whose
    edition got a new approved text (a draft approved: a content_versions row of its live
    version) at or after the response was last approved. An edited answer in one language
    says something the other may no longer match, and no edition is edited for the other;
    approving the response again (a review) clears it."""
    return db.execute(
        """
        SELECT r.id, e.id FROM responses r
        JOIN documents d ON d.id = r.document_id AND d.is_current = 1
        JOIN responses e ON e.control_id = r.control_id AND e.service IS r.service AND e.is_current = 1
             AND e.status = 'approved'
        JOIN documents ed ON ed.id = e.document_id AND ed.kind = d.kind AND ed.lang != d.lang
             AND ed.is_current = 1
        JOIN content_versions v ON v.kind = 'response' AND v.source_id = e.id AND v.version = e.version
             AND v.status = 'approved'
        WHERE r.is_current = 1 AND r.status = 'approved' AND r.control_id IS NOT NULL
          AND v.approved_at >= r.approved_at
        ORDER BY r.id, e.id
        """
    ).fetchall()


def review_due(
    db: Database, *, within_days: int, today: date | None = None, owner: str | None = None
) -> list[DueItem]:
    """Current approved content whose review is due by ``today`` + ``within_days`` (overdue
    first, by date), then approved content with a draft edit awaiting approval, then responses
    whose other-language edition changed since they were approved (changed_editions)."""
    today = today or datetime.now(UTC).date()
    until = (today + timedelta(days=within_days)).isoformat()
    owner_sql = " AND {a}.owner = ?" if owner else ""
    params = [until, *([owner] if owner else [])]
    rows = [
        *db.execute(
            f"{_RESPONSES} WHERE r.is_current = 1 AND r.status = 'approved' AND r.review_due <= ?"
            + owner_sql.format(a="r"),
            params,
        ),
        *db.execute(
            f"{_QA} WHERE q.is_current = 1 AND q.status = 'approved' AND q.review_due <= ?"
            + owner_sql.format(a="q"),
            params,
        ),
    ]
    due = sorted(_curated(db, rows), key=lambda i: (i.review_due or "", i.kind != "response", i.id))
    out = [DueItem(i, "overdue" if (i.review_due or "") < today.isoformat() else "due") for i in due]
    seen = {(i.kind, i.id) for i in due}
    drafts = []
    for kind, source_id in db.execute(
        "SELECT kind, source_id FROM content_versions WHERE status = 'draft' ORDER BY created_at, id"
    ):
        item = get(db, kind, source_id)
        if item and item.is_current and (not owner or item.owner == owner) and (kind, source_id) not in seen:
            drafts.append(DueItem(item, "draft"))
    editions = []
    for response_id, edition_id in changed_editions(db):
        item, edition = get(db, "response", response_id), get(db, "response", edition_id)
        if item and edition and (not owner or item.owner == owner):
            editions.append(DueItem(item, "edition", edition))
    return out + drafts + editions


def notes(db: Database, response_ids: list[int]) -> list[str]:
    """What a person reading these responses (kb show) must know of their curation: a draft
    awaiting approval, or that one is retired. Nothing for approved content without a draft."""
    out = []
    for rid in response_ids:
        item = get(db, "response", rid)
        if item is None:
            continue
        if item.status == "retired":
            out.append(
                _("{ref} is retired: it answers nothing (kb approve {ref} brings it back)").format(
                    ref=item.ref
                )
            )
        elif item.draft:
            out.append(
                _(
                    "{ref}: draft v{draft} by {author} awaiting approval;"
                    " v{version} answers until then (kb versions {ref})"
                ).format(
                    ref=item.ref,
                    draft=item.draft.version,
                    author=item.draft.author or "-",
                    version=item.version,
                )
            )
        elif item.status == "draft":
            out.append(
                _("{ref} is a draft: it answers nothing until `kb approve {ref}`").format(ref=item.ref)
            )
    return out


def draft_sources(db: Database) -> frozenset[tuple[str, int]]:
    """(kind, source_id) of every current draft that search can find: offered for review,
    never an answer by itself (kb.answer)."""
    return frozenset(
        (kind, i)
        for kind, i in db.execute(
            "SELECT 'qa', id FROM qa_pairs WHERE status = 'draft' AND is_current = 1"
            " UNION ALL SELECT 'response', id FROM responses WHERE status = 'draft' AND is_current = 1"
        )
    )


def draft_question_keys(db: Database) -> frozenset[str]:
    """question_key of every current draft library answer."""
    return frozenset(
        k
        for (k,) in db.execute("SELECT question_key FROM qa_pairs WHERE status = 'draft' AND is_current = 1")
    )


def draft_why(kind: str, source_id: int) -> str:
    """Why a draft found by search is offered for review only (kb.answer.Answer.why)."""
    ref = f"{'R' if kind == 'response' else 'Q'}{source_id}"
    return Message(N_("a draft no person has approved ({ref}; kb approve {ref} lets it answer)"), ref=ref)


def parse_within(value: str) -> int:
    """'30d', '2w', '30' → days; a one-line error otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", value or "")
    if not m:
        raise KBError(
            _("--within must be a number of days such as 30d or 2w, got {value!r}").format(value=value)
        )
    return int(m.group(1)) * (7 if m.group(2) == "w" else 1)
