"""Writing parsed documents into the KB and reading them back.

An import is one transaction: the document row, its responses, citations,
revisions and search chunks land together or not at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from kb import curation, index
from kb.analysis import normalize
from kb.db import Database

if TYPE_CHECKING:  # what importers hand over; answering, which only reads the store, needs none
    from kb.model import ParsedDocument, QAPair, Section


@dataclass
class ImportResult:
    document_id: int
    status: str  # "imported" | "unchanged" | "new version" | "approved" (drafts of a sheet imported before)
    controls: int = 0
    sections: int = 0
    clause_refs: int = 0
    doc_refs: int = 0
    revisions: int = 0
    superseded_document_id: int | None = None
    lang: str = "ja"
    # Controls answered in a current edition in another language too (same service and control id).
    linked: int = 0
    # A new version: the drafts pending on the old responses, carried over or left (kb.curation).
    drafts: curation.CarriedDrafts | None = None


def series_key(doc: ParsedDocument) -> str:
    """What stays the same across versions of one document.

    Each language is a series of its own: an English edition is another document beside
    the Japanese one (linked by control id, see editions_many), never a newer version of it.
    Japanese keeps the key it always had, so existing KBs go on superseding as before.
    The classification is not in the key but is in the rule: a version replaces only the
    current document of its series at its own classification (_supersede).
    """
    parts = [doc.kind, doc.title, doc.publisher or "", doc.service or ""]
    return " | ".join(parts if doc.lang == "ja" else [*parts, doc.lang])


def _control_refs(db: Database, sections: list[Section]) -> dict[tuple[str, str], int]:
    """controls.id of every (framework, control id) the sections answer, adding the ones not yet known.

    A control keeps the title it was first imported with.
    """
    titles: dict[tuple[str, str], str] = {}
    for section in sections:
        if section.control_id:
            titles.setdefault((section.framework or "unknown", section.control_id), section.title)
    if not titles:
        return {}
    names = list(dict.fromkeys(framework for framework, _ in titles))
    db["frameworks"].insert_all(({"name": name} for name in names), ignore=True)
    framework_ids = {
        row["name"]: row["id"]
        for row in db["frameworks"].rows_where(f"name IN ({','.join('?' * len(names))})", names)
    }
    db["controls"].insert_all(
        (
            {"framework_id": framework_ids[framework], "control_id": control_id, "title": title}
            for (framework, control_id), title in titles.items()
        ),
        ignore=True,  # on UNIQUE (framework_id, control_id): a control already known stays as it is
    )
    by_framework = {fid: name for name, fid in framework_ids.items()}
    return {
        (by_framework[row["framework_id"]], row["control_id"]): row["id"]
        for row in db["controls"].rows_where(
            f"framework_id IN ({','.join('?' * len(by_framework))})", list(by_framework)
        )
    }


def _supersede(db: Database, series: str, classification: str) -> int | None:
    """Retire the current version of ``series`` at ``classification``: a document replaces
    only one of its own classification. An internal working copy titled as the published
    whitepaper is another document beside it, never its newer version, or importing it would
    take the public answers away (and an nda edition would replace what every customer sees)."""
    row = db.execute(
        "SELECT id FROM documents WHERE series = ? AND classification = ? AND is_current = 1",
        [series, classification],
    ).fetchone()
    if row is None:
        return None
    old_id = row[0]
    db.execute("UPDATE documents SET is_current = 0 WHERE id = ?", [old_id])
    db.execute("UPDATE responses SET is_current = 0 WHERE document_id = ?", [old_id])
    response_ids = [r[0] for r in db.execute("SELECT id FROM responses WHERE document_id = ?", [old_id])]
    index.retire_chunks(db, "response", response_ids)
    return old_id


def _new_document(db: Database, doc: ParsedDocument, series: str, **overrides) -> ImportResult:
    """Insert the document row, superseding the current version of the same series and
    classification."""
    old_id = _supersede(db, series, overrides.get("classification", doc.classification))
    row = {
        "kind": doc.kind,
        "series": series,
        "title": doc.title,
        "publisher": doc.publisher,
        "version": doc.version,
        "date": doc.date,
        "service": doc.service,
        "sha256": doc.sha256,
        "source_name": doc.source_name,
        "classification": doc.classification,
        "lang": doc.lang,
        "is_current": 1,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    } | overrides
    return ImportResult(
        document_id=db["documents"].insert(row).last_rowid,
        status="new version" if old_id else "imported",
        superseded_document_id=old_id,
    )


def _approval_of(db: Database, document_id: int, approver: str | None = None) -> dict[str, str]:
    (imported_at,) = db.execute("SELECT imported_at FROM documents WHERE id = ?", [document_id]).fetchone()
    return curation.import_approval(imported_at, approver)


def _ids_in_order(db: Database, table: str, document_id: int) -> list[int]:
    """Ids of a new document's rows in ``table``, in the order they were inserted.

    The rows were all inserted just now, so ascending ids are insertion order.
    """
    return [
        row["id"]
        for row in db[table].rows_where("document_id = ?", [document_id], select="id", order_by="id")
    ]


def _imported(db: Database, sha256: str) -> int | None:
    """The document already imported from these bytes, if any."""
    row = db.execute("SELECT id FROM documents WHERE sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def import_document(db: Database, doc: ParsedDocument) -> ImportResult:
    if (existing := _imported(db, doc.sha256)) is not None:
        return ImportResult(document_id=existing, status="unchanged")

    with db.atomic():
        # Asked again once the write lock is held: another kb importing the same file at the
        # same time may have landed it while this one waited its turn (issue 16).
        if (existing := _imported(db, doc.sha256)) is not None:
            return ImportResult(document_id=existing, status="unchanged")
        result = _new_document(db, doc, series_key(doc))
        control_refs = _control_refs(db, doc.sections)
        # A published whitepaper is approved content: by whoever imports it, when (kb.curation).
        approval = _approval_of(db, result.document_id)
        db["responses"].insert_all(
            approval
            | {
                "document_id": result.document_id,
                "control_ref": control_refs.get((section.framework or "unknown", section.control_id)),
                "control_id": section.control_id,
                "title": section.title,
                "section_path": " > ".join(section.path),
                "text": section.text,
                "service": doc.service,
                "position": position,
                "classification": doc.classification,
            }
            for position, section in enumerate(doc.sections)
        )
        placed = list(zip(_ids_in_order(db, "responses", result.document_id), doc.sections, strict=True))
        db["clause_refs"].insert_all(
            {"response_id": response_id, "document": ref.document, "article": ref.article, "title": ref.title}
            for response_id, section in placed
            for ref in section.clause_refs
        )
        db["doc_refs"].insert_all(
            {"response_id": response_id, "name": name}
            for response_id, section in placed
            for name in section.doc_refs
        )
        index.add_chunks(
            db,
            (
                index.Chunk(
                    kind="response",
                    source_id=response_id,
                    control_id=section.control_id,
                    title=index.chunk_title(section.control_id, section.title),
                    body=section.text,
                    classification=doc.classification,
                )
                for response_id, section in placed
            ),
        )
        db["revisions"].insert_all(
            {
                "document_id": result.document_id,
                "version": rev.version,
                "date": rev.date,
                "changed": json.dumps(rev.changed, ensure_ascii=False),
                "note": rev.note,
            }
            for rev in doc.revisions
        )
        result.controls = len(doc.controls)
        result.sections = len(doc.sections) - result.controls
        result.clause_refs = sum(len(section.clause_refs) for section in doc.sections)
        result.doc_refs = sum(len(section.doc_refs) for section in doc.sections)
        result.revisions = len(doc.revisions)
        result.lang = doc.lang
        result.linked = sum(1 for e in editions_many(db, [rid for rid, _ in placed]).values() if e.others)
        if result.superseded_document_id:
            result.drafts = curation.carry_drafts(
                db, result.superseded_document_id, [rid for rid, _ in placed]
            )
        index.compact(db)
    return result


_NOT_ALNUM = re.compile(r"[\W_]+")  # \W is the complement of str.isalnum() plus "_"


def question_key(question: str) -> str:
    """Exact-match key: NFKC, no whitespace or punctuation differences, casefolded."""
    return _NOT_ALNUM.sub("", normalize(question).casefold())


def import_qa_pairs(
    db: Database,
    doc: ParsedDocument,
    pairs: list[QAPair],
    *,
    customer: str | None,
    answered_on: str | None,
    approved: bool = False,
    approver: str | None = None,
) -> ImportResult:
    """Harvest a check sheet a person answered into the answer library (kind 'qa').

    The answers are drafts, offered for review but never answering by themselves,
    unless ``approved``: a person vouches that they may be sent as they are (``approver``,
    else the actor importing). The same sheet imported again with ``approved`` approves its drafts.
    """

    def already(document_id: int) -> ImportResult:
        promoted = curation.approve_drafts_of(db, document_id, approver) if approved else 0
        return ImportResult(
            document_id=document_id, status="approved" if promoted else "unchanged", sections=promoted
        )

    if (existing := _imported(db, doc.sha256)) is not None:
        return already(existing)
    with db.atomic():
        if (existing := _imported(db, doc.sha256)) is not None:  # landed meanwhile (import_document)
            return already(existing)
        result = _new_document(
            db,
            doc,
            series_key(doc) + f" | {customer or ''}",
            publisher=customer,
            date=answered_on,
            service=doc.service,  # None unless the sheet was for one service (--service)
        )
        if result.superseded_document_id:
            old_id = result.superseded_document_id
            old = [r[0] for r in db.execute("SELECT id FROM qa_pairs WHERE document_id = ?", [old_id])]
            db.execute("UPDATE qa_pairs SET is_current = 0 WHERE document_id = ?", [old_id])
            index.retire_chunks(db, "qa", old)
        stamp = _approval_of(db, result.document_id, approver) if approved else {}
        db["qa_pairs"].insert_all(
            stamp
            | {
                "document_id": result.document_id,
                "question": pair.question,
                "question_key": question_key(pair.question),
                "number": pair.number,
                "choice": pair.choice,
                "answer_text": pair.text,
                "customer": customer,
                "answered_on": answered_on,
                "classification": doc.classification,
                "status": "approved" if approved else "draft",
            }
            for pair in pairs
        )
        # A draft is searched for review only, apart from what answers (kb.drafts, version 13).
        index.add_chunks(
            db,
            (
                index.Chunk(
                    kind="qa",
                    source_id=qa_id,
                    title=pair.question,
                    body="\n".join(part for part in (pair.choice, pair.text) if part),
                    classification=doc.classification,
                )
                for qa_id, pair in zip(_ids_in_order(db, "qa_pairs", result.document_id), pairs, strict=True)
            ),
            table="chunks" if approved else "draft_chunks",
        )
        result.sections = len(pairs)
        if result.superseded_document_id:
            result.drafts = curation.carry_library_drafts(
                db, result.superseded_document_id, _ids_in_order(db, "qa_pairs", result.document_id)
            )
        index.compact(db)
    return result


def approved_question_keys(db: Database) -> frozenset[str]:
    """question_key of every approved, current answer in the library."""
    return frozenset(
        key
        for (key,) in db.execute(
            "SELECT question_key FROM qa_pairs WHERE status = 'approved' AND is_current = 1"
        )
    )


def approved_answer(db: Database, question: str, service: str | None = None) -> dict | None:
    """The newest approved, current answer to exactly this question, if any; with ``service``,
    only one given for that service (its sheet was imported with --service, kb.services)."""
    rows = _rows(
        db,
        f"""
        SELECT q.id, q.question, q.choice, q.answer_text, q.customer, q.answered_on, q.classification,
               q.status, q.decided_by, q.decided_at, q.citations, d.title AS document
        FROM qa_pairs q JOIN documents d ON d.id = q.document_id
        WHERE q.question_key = ? AND q.status = 'approved' AND q.is_current = 1
            {"" if service is None else "AND d.service = ?"}
        ORDER BY q.answered_on DESC, q.id DESC LIMIT 1
        """,
        [question_key(question)] + ([] if service is None else [service]),
    )
    return rows[0] if rows else None


def imported_classification(db: Database, sha256: str) -> tuple[int, str] | None:
    """(documents.id, classification) of the file with these bytes, if it was imported."""
    row = db.execute("SELECT id, classification FROM documents WHERE sha256 = ?", [sha256]).fetchone()
    return (row[0], row[1]) if row else None


def draft_qa_ids(db: Database) -> frozenset[int]:
    """qa_pairs.id (the source_id of their 'qa' chunks) of every current draft answer:
    a suggestion for a person to review, never an answer by itself."""
    return frozenset(
        qa_id for (qa_id,) in db.execute("SELECT id FROM qa_pairs WHERE status = 'draft' AND is_current = 1")
    )


# --- what kb fill wrote -----------------------------------------------------------


class FilledRow(NamedTuple):
    """What kb fill wrote into one row of a sheet: the choice and the text, as stored in the cells."""

    sheet: str
    row: int
    question: str
    choice: str | None
    text: str | None


@dataclass(frozen=True)
class FillRecord:
    """One workbook kb fill wrote: its bytes' sha256, and what it wrote into each row."""

    output_sha256: str
    input_name: str
    output_name: str
    questions: int
    answered: int
    customer: str | None = None
    audience: str = "public"
    created_at: str = ""  # ISO date-time in UTC; record_fill stamps it when empty
    rows: tuple[FilledRow, ...] = ()


def record_fill(db: Database, record: FillRecord) -> int:
    """Remember a workbook kb fill wrote (its fills.id), so that it is never harvested as a person's answers."""
    created = record.created_at or datetime.now(UTC).isoformat(timespec="seconds")
    with db.atomic():
        fill_id = db.execute(
            "INSERT INTO fills (output_sha256, input_name, output_name, customer, audience, questions, answered,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.output_sha256,
                record.input_name,
                record.output_name,
                record.customer,
                record.audience,
                record.questions,
                record.answered,
                created,
            ],
        ).lastrowid
        db.conn.executemany(
            "INSERT INTO fill_rows (fill_id, sheet, row, question_key, choice, text) VALUES (?, ?, ?, ?, ?, ?)",
            [(fill_id, r.sheet, r.row, question_key(r.question), r.choice, r.text) for r in record.rows],
        )
    return fill_id


def fill_by_sha256(db: Database, sha256: str) -> FillRecord | None:
    """The newest recorded fill whose output had exactly these bytes (without its rows), if any.
    Not kb apply's final workbook (fills.kind 'apply'): that holds a person's decisions."""
    row = db.execute(
        "SELECT output_sha256, input_name, output_name, questions, answered, customer, audience, created_at"
        " FROM fills WHERE output_sha256 = ? AND kind = 'fill' ORDER BY id DESC LIMIT 1",
        [sha256],
    ).fetchone()
    return FillRecord(*row) if row else None


def _as_written(choice: str | None, text: str | None) -> tuple[str, ...]:
    """What a row holds, as a reader and a writer of its cells agree on it: whitespace
    (trimmed ends, line breaks) aside, and whichever of the two cells each part is read
    from (a sheet saved without its dropdowns reads the chosen option as text)."""
    return tuple(sorted(" ".join(part.split()) for part in (choice, text) if part and part.strip()))


def as_filled(db: Database, pairs: list[QAPair]) -> list[bool]:
    """For each pair, whether it holds exactly what kb fill once wrote for the same
    question: a row a person left as the tool wrote it is no evidence of their answer."""
    keys = list(dict.fromkeys(question_key(p.question) for p in pairs))
    written: dict[str, set[tuple[str, ...]]] = {}
    for start in range(0, len(keys), 500):  # within SQLite's limit on bound parameters
        part = keys[start : start + 500]
        for key, choice, text in db.execute(
            "SELECT question_key, choice, text FROM fill_rows WHERE fill_id IN (SELECT id FROM fills WHERE kind = 'fill')"
            f" AND question_key IN ({','.join('?' * len(part))})",
            part,
        ):
            written.setdefault(key, set()).add(_as_written(choice, text))
    return [_as_written(p.choice, p.text) in written.get(question_key(p.question), ()) for p in pairs]


# --- reading -----------------------------------------------------------------


def citations(db: Database, response_id: int) -> dict:
    """clause_refs, doc_refs and document title of one response."""
    return citations_many(db, [response_id])[response_id]


def citations_many(db: Database, response_ids: list[int]) -> dict[int, dict]:
    """Citations of several responses in two queries: {id: {clause_refs, doc_refs, document}}."""
    out = {rid: {"clause_refs": [], "doc_refs": [], "document": None} for rid in response_ids}
    if not response_ids:
        return out
    marks = ",".join("?" * len(response_ids))
    for rid, doc, art, title in db.execute(
        f"SELECT response_id, document, article, title FROM clause_refs WHERE response_id IN ({marks}) ORDER BY id",
        response_ids,
    ):
        out[rid]["clause_refs"].append({"document": doc, "article": art, "title": title})
    for rid, name, document in db.execute(
        f"""
        SELECT r.id, d.name, doc.title FROM responses r
        JOIN documents doc ON doc.id = r.document_id
        LEFT JOIN doc_refs d ON d.response_id = r.id
        WHERE r.id IN ({marks}) ORDER BY d.id
        """,
        response_ids,
    ):
        out[rid]["document"] = document
        if name is not None:
            out[rid]["doc_refs"].append(name)
    return out


class Edition(NamedTuple):
    """The current response to the same control in another language's edition of a document."""

    response_id: int
    lang: str
    title: str
    text: str
    classification: str


class Editions(NamedTuple):
    """A response's language, and the other editions of it (one per other language)."""

    lang: str
    others: tuple[Edition, ...] = ()


def editions_many(db: Database, response_ids: list[int]) -> dict[int, Editions]:
    """For each response, its document's language and the current responses of the same
    control (same service and control id, a document of the same kind) in other languages.

    The link is made when reading, not stored: a new version of either edition is linked to
    the other at once, and a retired one no longer is.
    """
    if not response_ids:
        return {}
    marks = ",".join("?" * len(response_ids))
    langs = dict(
        db.execute(
            f"SELECT r.id, d.lang FROM responses r JOIN documents d ON d.id = r.document_id WHERE r.id IN ({marks})",
            response_ids,
        )
    )
    others: dict[int, dict[str, Edition]] = {rid: {} for rid in langs}
    for rid, oid, lang, title, text, classification in db.execute(
        f"""
        SELECT r.id, o.id, od.lang, o.title, o.text, o.classification
        FROM responses r
        JOIN documents d ON d.id = r.document_id
        JOIN responses o ON o.control_id = r.control_id AND o.service IS r.service AND o.is_current = 1
        JOIN documents od ON od.id = o.document_id AND od.kind = d.kind AND od.lang != d.lang
        WHERE r.id IN ({marks})
        ORDER BY o.document_id DESC, o.position
        """,
        response_ids,
    ):
        others[rid].setdefault(lang, Edition(oid, lang, title, text, classification))  # the newest document's
    return {rid: Editions(langs[rid], tuple(others[rid].values())) for rid in langs}


def languages(
    db: Database, classifications: tuple[str, ...] | None = None, service: str | None = None
) -> frozenset[str]:
    """The languages of the current documents that answer controls (of ``classifications``
    only, when given: what an audience may see, kb.audience.visible_to; of ``service``'s
    documents only, when given: kb.services)."""
    among = (
        ""
        if classifications is None
        else f" AND d.classification IN ({','.join('?' * len(classifications))})"
    )
    of = "" if service is None else " AND d.service = ?"
    return frozenset(
        lang
        for (lang,) in db.execute(
            "SELECT DISTINCT d.lang FROM documents d WHERE d.is_current = 1"
            f" AND EXISTS (SELECT 1 FROM responses r WHERE r.document_id = d.id){among}{of}",
            [*(classifications or ()), *([] if service is None else [service])],
        )
    )


_RESPONSE_SELECT = """
    SELECT r.id, r.control_id, f.name AS framework, r.title, r.text, r.service, d.title AS document,
           d.version AS document_version, r.section_path, r.classification, r.is_current, r.document_id,
           d.lang
    FROM responses r
    JOIN documents d ON d.id = r.document_id
    LEFT JOIN controls c ON c.id = r.control_ref
    LEFT JOIN frameworks f ON f.id = c.framework_id
"""


def _rows(db: Database, sql: str, params=()) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def responses(db: Database, *, current: bool = True) -> list[dict]:
    where = "WHERE r.is_current = 1" if current else "WHERE r.is_current = 0"
    return _rows(db, f"{_RESPONSE_SELECT} {where} ORDER BY r.document_id, r.position")


def responses_for_control(db: Database, control_id: str) -> list[dict]:
    """Current and historical responses for one control, current first, Japanese editions
    before other languages', newest first."""
    return _rows(
        db,
        f"{_RESPONSE_SELECT} WHERE upper(r.control_id) = upper(?)"
        " ORDER BY r.is_current DESC, d.lang != 'ja', r.document_id DESC",
        [control_id],
    )


class Revision(NamedTuple):
    """One entry of a document's revision history (改訂履歴)."""

    version: str
    date: str
    note: str


def revisions_touching(db: Database, document_id: int, control_id: str) -> list[Revision]:
    """The revisions of one document that changed ``control_id``, oldest first.

    A revision that names no controls (a first edition) touches every control.
    """
    rows = db.execute(
        "SELECT version, date, changed, note FROM revisions WHERE document_id = ? ORDER BY date, id",
        [document_id],
    )
    out = []
    for version, date, changed, note in rows:
        ids = json.loads(changed)
        if control_id in ids or not ids:
            out.append(Revision(version, date, note))
    return out
