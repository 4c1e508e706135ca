"""The append-only audit log of every change to the KB (table audit_log, schema v10).

Each entry says who (actor), when (UTC), what (action), on what (target kind and id) and
the sha256 of the changed content before and after. Each entry's hash covers a canonical
serialisation of the entry and the hash of the entry before it, so the log is a chain: an
entry edited, deleted or moved with sqlite3 no longer hashes to what the next one names,
and `kb log --verify` (verify) says which entry is the first that does not.

Triggers refuse UPDATE and DELETE of audit_log, so no kb code path can change history by
mistake; an attacker holding the file can drop them, which is why the chain, not the
triggers, is the proof. What the chain cannot show by itself is the newest entries cut
off: verify gives the head hash, which an auditor notes down and gives verify next time
(`kb log --verify --head HASH`).

A writer calls ``record(db, AuditEvent(...))`` inside its own transaction (db.atomic()), so
the entry and the change are committed together or not at all. Nothing here is written
while questions are answered: kb.search.answering_cache is keyed on the connection's
total_changes, and a write between questions would throw it away.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from kb.db import Database

GENESIS = "0" * 64  # prev_hash of the first entry
RESTORE = "restore"  # the action of kb restore's entry, whose before is the head of the log it replaced
# The triggers of schema v10 that refuse changes to the log; kb.publish drops them in a copy
# it must empty, and verify reports a KB that lost them.
GUARD_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")
_COLUMNS = (
    "id, at, actor, action, target_kind, target_id, before_sha256, after_sha256, detail, prev_hash, hash"
)

# Who makes the changes of this process: `kb --actor NAME`, else the OS user (acting_as).
_actor: ContextVar[str | None] = ContextVar("kb_audit_actor", default=None)


@dataclass(frozen=True)
class AuditEvent:
    """One change, as its writer states it. ``before``/``after``: sha256 of the content the
    change replaced and wrote (digest()), None where there was none (an addition, a removal)."""

    action: str  # a verb phrase: "import whitepaper", "evidence link", "approve"
    target_kind: str  # what was changed: document, response, evidence, glossary, profile, fill, kb …
    target_id: str | int | None = None
    before: str | None = None
    after: str | None = None
    detail: str = ""  # one line for a person reading the log
    actor: str | None = None  # None: current_actor()


class Entry(NamedTuple):
    """An entry of the log as stored."""

    id: int
    at: str
    actor: str
    action: str
    target_kind: str
    target_id: str | None
    before_sha256: str | None
    after_sha256: str | None
    detail: str
    prev_hash: str
    hash: str

    def to_json(self) -> dict:
        return self._asdict()


class Broken(NamedTuple):
    """The first entry that does not hold: its id (or None when the guard is what is missing)."""

    entry_id: int | None
    reason: str


class Verified(NamedTuple):
    entries: int
    head: str  # the newest entry's hash (GENESIS for an empty log): note it to detect a cut-off tail
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def digest(content: str | bytes | Mapping | Sequence | None) -> str | None:
    """sha256 of content, for AuditEvent.before/after: bytes as they are, text as UTF-8, and a
    row or a list of rows as canonical JSON (sorted keys), so the same content always gives the
    same hash. None stays None (nothing there)."""
    if content is None:
        return None
    if isinstance(content, str):
        data = content.encode("utf-8")
    elif isinstance(content, bytes):
        data = content
    else:
        data = _canonical(content)
    return hashlib.sha256(data).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode(
        "utf-8"
    )


def entry_hash(
    id: int,
    at: str,
    actor: str,
    action: str,
    target_kind: str,
    target_id: str | None,
    before_sha256: str | None,
    after_sha256: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash of an entry: over every field (the id too, so that entries swapped with their
    ids renumbered do not verify) and the previous entry's hash."""
    fields = [id, at, actor, action, target_kind, target_id, before_sha256, after_sha256, detail, prev_hash]
    return hashlib.sha256(_canonical(fields)).hexdigest()


def current_actor() -> str:
    """Who this process records as making its changes: `kb --actor`, else the OS user."""
    chosen = _actor.get()
    if chosen:
        return chosen
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "unknown"


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Record changes made inside the block as ``actor`` (None or blank: the OS user)."""
    token = _actor.set((actor or "").strip() or None)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(actor: str | None) -> None:
    """acting_as for the rest of the process: what the `kb` group does with --actor."""
    _actor.set((actor or "").strip() or None)


def record(db: Database, event: AuditEvent) -> Entry:
    """Append ``event`` to the log, chained to the newest entry. Inside the caller's transaction
    when there is one (a savepoint of it), else in its own: the write lock taken by BEGIN
    IMMEDIATE is what keeps two writers from chaining to the same entry."""
    with db.atomic():
        last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        entry_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        target_id = None if event.target_id is None else str(event.target_id)
        actor = (event.actor or "").strip() or current_actor()
        fields = (
            entry_id,
            at,
            actor,
            event.action,
            event.target_kind,
            target_id,
            event.before,
            event.after,
            event.detail,
            prev,
        )
        entry = Entry(*fields, entry_hash(*fields))
        db.execute(f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({','.join('?' * len(entry))})", entry)
    return entry


def entries(db: Database, *, limit: int | None = None) -> list[Entry]:
    """The log, oldest first; ``limit``: only the newest that many."""
    if limit is None:
        rows = db.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id")
    else:
        rows = db.execute(
            f"SELECT * FROM (SELECT {_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?) ORDER BY id", [limit]
        )
    return [Entry(*row) for row in rows]


def verify(db: Database, noted_head: str | None = None) -> Verified:
    """Recompute the chain from the first entry: the first entry whose hash is not that of its
    fields, whose prev_hash is not the hash of the entry before it, or whose id is not the one
    after it (entries are numbered 1, 2, 3 … by record) is where the log was changed.

    ``noted_head``: a head hash an earlier verify gave. The chain cannot show its newest entries
    cut off; the noted head can: it must still be an entry of the log, or the head of a log a
    restore replaced (the restore's entry names it as its before)."""
    prev, expected_id, count = GENESIS, 1, 0
    noted_found = noted_head is None or noted_head == GENESIS
    for row in db.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id"):
        entry = Entry(*row)
        count += 1
        if noted_head in (entry.hash, entry.before_sha256 if entry.action == RESTORE else None):
            noted_found = True
        if entry.id != expected_id:
            what = "missing before it" if entry.id > expected_id else "out of sequence"
            return Verified(count, prev, Broken(entry.id, f"entry {expected_id} is {what}"))
        if entry.prev_hash != prev:
            return Verified(count, prev, Broken(entry.id, "does not chain to the entry before it"))
        if entry_hash(*entry[:-1]) != entry.hash:
            return Verified(count, prev, Broken(entry.id, "its content does not match its hash"))
        prev, expected_id = entry.hash, expected_id + 1
    missing = [
        name
        for name in GUARD_TRIGGERS
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]).fetchone()
        is None
    ]
    if missing:
        return Verified(count, prev, Broken(None, f"the append-only triggers are gone: {', '.join(missing)}"))
    if not noted_found:
        why = f"no entry is the noted head {noted_head}: entries since it were cut off, or the log replaced"
        return Verified(count, prev, Broken(None, why))
    return Verified(count, prev, None)
