"""Opening the knowledge base and migrating its schema.

The schema version lives in ``PRAGMA user_version``; each entry of MIGRATIONS
moves the database one version forward and runs in its own transaction, so a
failed migration leaves the file at the previous version.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kb.errors import KBError
from kb.i18n import _
from kb.settings import DEFAULTS

if TYPE_CHECKING:
    import sqlite_utils

# The schema's vocabularies, spelled here only: the CHECK constraints below and
# every caller (the CLI's choices, the store) take them from these.
CLASSIFICATIONS = ("public", "nda", "internal")
CHUNK_KINDS = ("response", "clause", "evidence", "qa")
# The kinds that answer a question by themselves: the whitepaper's responses and the answer
# library. Clauses and evidence back a response up (kb.clauses, kb.evidence_links) but are not
# an answer of their own, and their words must not re-weigh the questions (version 8).
ANSWERING_KINDS = ("response", "qa")
# An answer in the library is a draft until a person approves it (kb import checksheet
# --approved); only approved answers answer by themselves (kb.store.approved_answer).
QA_STATUSES = ("draft", "approved")
# Where a response or a library answer is in its life (issue 15, version 11): a draft is offered
# for review only, an approved one answers by itself, a retired one is never offered again.
CURATION_STATUSES = ("draft", "approved", "retired")
# The kinds of content a person curates (kb.curation): a version of one is a row of content_versions.
CURATED_KINDS = ("response", "qa")
# What came of reading an evidence file's text (evidence/extract.py): 'text' (all of it),
# 'truncated' (cut at the extraction bounds of kb.settings), 'no_text' (an image, a scan,
# a format with no text), 'failed' (unreadable, or the time bound ran out).
EVIDENCE_TEXT_STATUSES = ("text", "truncated", "no_text", "failed")
# What a new version of a contract did to one article, against the version before it (kb.clauses).
CLAUSE_CHANGES = ("added", "removed", "changed", "retitled")
# What wrote a workbook a customer receives (kb.ledger): kb fill, or kb apply's final workbook.
# Only a fill's rows are the tool's own writing (kb.store.as_filled); an apply's are a person's.
FILL_KINDS = ("fill", "apply")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"CHECK ({column} IN ({', '.join(repr(v) for v in values)}))"


_CLASSIFICATION_CHECK = _one_of("classification", CLASSIFICATIONS)

# Version 1: documents and what they say, plus the search index.
# chunks.title_terms/body_terms hold analysed text (kb.analysis); the FTS tables
# are external-content tables kept in step by triggers, so any statement that
# changes chunks updates the index in the same transaction.
_V1 = [
    f"""
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        series TEXT NOT NULL,
        title TEXT NOT NULL,
        publisher TEXT,
        version TEXT,
        date TEXT,
        service TEXT,
        sha256 TEXT NOT NULL UNIQUE,
        source_name TEXT NOT NULL,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1,
        imported_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX documents_series ON documents(series, is_current)",
    """
    CREATE TABLE frameworks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    )
    """,
    """
    CREATE TABLE controls (
        id INTEGER PRIMARY KEY,
        framework_id INTEGER NOT NULL REFERENCES frameworks(id),
        control_id TEXT NOT NULL,
        title TEXT NOT NULL,
        UNIQUE (framework_id, control_id)
    )
    """,
    f"""
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        control_ref INTEGER REFERENCES controls(id),
        control_id TEXT,
        title TEXT NOT NULL,
        section_path TEXT NOT NULL,
        text TEXT NOT NULL,
        service TEXT,
        position INTEGER NOT NULL,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1
    )
    """,
    "CREATE INDEX responses_document ON responses(document_id)",
    "CREATE INDEX responses_control ON responses(control_id, is_current)",
    """
    CREATE TABLE clause_refs (
        id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        document TEXT NOT NULL,
        article INTEGER NOT NULL,
        title TEXT NOT NULL
    )
    """,
    "CREATE INDEX clause_refs_response ON clause_refs(response_id)",
    """
    CREATE TABLE doc_refs (
        id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        name TEXT NOT NULL
    )
    """,
    "CREATE INDEX doc_refs_response ON doc_refs(response_id)",
    """
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        version TEXT NOT NULL,
        date TEXT NOT NULL,
        changed TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX revisions_document ON revisions(document_id)",
    f"""
    CREATE TABLE qa_pairs (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        question TEXT NOT NULL,
        question_key TEXT NOT NULL,
        number TEXT,
        choice TEXT,
        answer_text TEXT,
        customer TEXT,
        answered_on TEXT,
        approved INTEGER NOT NULL DEFAULT 1,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1
    )
    """,
    "CREATE INDEX qa_pairs_key ON qa_pairs(question_key, approved, is_current)",
    f"""
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL {_one_of("kind", CHUNK_KINDS)},
        source_id INTEGER NOT NULL,
        control_id TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        title_terms TEXT NOT NULL,
        body_terms TEXT NOT NULL,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1,
        UNIQUE (kind, source_id)
    )
    """,
    # tokenchars '.' keeps control ids such as cld.9.5.1 whole.
    """
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        title_terms, body_terms,
        content='chunks', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '.'"
    )
    """,
    # Raw-text trigram index for substring search in Datasette.
    """
    CREATE VIRTUAL TABLE chunks_trigram USING fts5(
        title, body,
        content='chunks', content_rowid='id',
        tokenize='trigram'
    )
    """,
    # Facts about the database itself, e.g. which analyzer built the index.
    "CREATE TABLE kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Document frequencies for query weighting (kb.search).
    "CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row')",
    # User additions to the shipped glossary (kb/data/glossary.tsv): one synonym group a row.
    """
    CREATE TABLE glossary (
        id INTEGER PRIMARY KEY,
        terms TEXT NOT NULL,
        added_at TEXT NOT NULL
    )
    """,
    """
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, title_terms, body_terms)
            VALUES (new.id, new.title_terms, new.body_terms);
        INSERT INTO chunks_trigram(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO chunks_trigram(chunks_trigram, rowid, title, body)
            VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER chunks_au AFTER UPDATE OF title, body, title_terms, body_terms ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO chunks_trigram(chunks_trigram, rowid, title, body)
            VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO chunks_fts(rowid, title_terms, body_terms)
            VALUES (new.id, new.title_terms, new.body_terms);
        INSERT INTO chunks_trigram(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
]

# Version 2: the provider's profile (kb.profile): identity fields a questionnaire
# asks for (name, headquarters, contact), per language; '' is a value for every language.
_V2 = [
    """
    CREATE TABLE profile (
        key TEXT NOT NULL,
        lang TEXT NOT NULL CHECK (lang IN ('', 'ja', 'en')),
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (key, lang)
    )
    """,
]

# Version 3: a document's language (an English edition of a whitepaper is linked to the
# Japanese one by control id), and the workbooks kb fill wrote, by content hash, so that
# an unchanged filled sheet is never harvested as if a person had answered it.
_V3 = [
    "ALTER TABLE documents ADD COLUMN lang TEXT NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en'))",
    """
    CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        output_sha256 TEXT NOT NULL,
        input_name TEXT NOT NULL,
        output_name TEXT NOT NULL,
        customer TEXT,
        audience TEXT NOT NULL DEFAULT 'public',
        questions INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX fills_output ON fills(output_sha256)",
]

# Version 4: the library learns only from people. A harvested answer is a draft unless a
# person approves it: qa_pairs.status replaces approved, whose default (1) made every
# answer approved that did not say otherwise; existing answers keep what they were. And
# what kb fill wrote into each row (fill_rows), so that a row a person left as the tool
# wrote it is not harvested as a person's answer.
_V4 = [
    f"ALTER TABLE qa_pairs ADD COLUMN status TEXT NOT NULL DEFAULT 'draft' {_one_of('status', QA_STATUSES)}",
    "UPDATE qa_pairs SET status = 'approved' WHERE approved = 1",
    "DROP INDEX qa_pairs_key",
    "ALTER TABLE qa_pairs DROP COLUMN approved",
    "CREATE INDEX qa_pairs_key ON qa_pairs(question_key, status, is_current)",
    """
    CREATE TABLE fill_rows (
        id INTEGER PRIMARY KEY,
        fill_id INTEGER NOT NULL REFERENCES fills(id) ON DELETE CASCADE,
        sheet TEXT NOT NULL,
        row INTEGER NOT NULL,
        question_key TEXT NOT NULL,
        choice TEXT,
        text TEXT
    )
    """,
    "CREATE INDEX fill_rows_question ON fill_rows(question_key)",
]

# Version 5 (issue 13, evidence vault): evidence files kept by content (sha256) in the
# vault folder beside the database (evidence/vault.py), what is known of each, the pages
# its text was cut into (a page's text is its 'evidence' chunk, chunks.source_id =
# evidence_pages.id) and the controls each backs up. Evidence defaults to internal.
_V5 = [
    f"""
    CREATE TABLE evidence_files (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        original_name TEXT NOT NULL,
        title TEXT NOT NULL,
        owner TEXT,
        classification TEXT NOT NULL DEFAULT 'internal' {_CLASSIFICATION_CHECK},
        valid_from TEXT,
        valid_until TEXT,
        text_status TEXT NOT NULL {_one_of("text_status", EVIDENCE_TEXT_STATUSES)},
        text_note TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX evidence_files_valid_until ON evidence_files(valid_until)",
    """
    CREATE TABLE evidence_pages (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence_files(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        UNIQUE (evidence_id, page)
    )
    """,
    """
    CREATE TABLE evidence_links (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence_files(id) ON DELETE CASCADE,
        control_id TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        UNIQUE (evidence_id, control_id)
    )
    """,
    "CREATE INDEX evidence_links_control ON evidence_links(control_id)",
]

# Version 6 (issue 12, the review loop): an answer a person decided in a decision workbook
# (`kb apply`, kb.library) says who decided it, when, and from which fill; its citations
# (a JSON list of labels, as kb.answer.Source.citations) are kept apart from its text, so
# that reusing it writes the same source line and never the earlier customer's name.
_V6 = [
    "ALTER TABLE qa_pairs ADD COLUMN decided_by TEXT",
    "ALTER TABLE qa_pairs ADD COLUMN decided_at TEXT",
    "ALTER TABLE qa_pairs ADD COLUMN source_fill INTEGER REFERENCES fills(id)",
    "ALTER TABLE qa_pairs ADD COLUMN citations TEXT NOT NULL DEFAULT '[]'",
]

# Version 7 (issue 13, contract clauses): a contract (利用約款) under the name it was imported
# as, its versions (each import of a changed file; the newest current, the older kept), each
# version's articles (a clause's text is its 'clause' chunk, chunks.source_id = clauses.id)
# and what a version changed per article against the one before (importers/clauses.py, kb.clauses).
_V7 = [
    """
    CREATE TABLE contracts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    )
    """,
    f"""
    CREATE TABLE contract_versions (
        id INTEGER PRIMARY KEY,
        contract_id INTEGER NOT NULL REFERENCES contracts(id),
        version TEXT NOT NULL,
        title TEXT,
        effective TEXT,
        sha256 TEXT NOT NULL,
        source_name TEXT NOT NULL,
        publisher TEXT,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        supplementary TEXT NOT NULL DEFAULT '',
        encoding TEXT NOT NULL DEFAULT 'UTF-8',
        is_current INTEGER NOT NULL DEFAULT 1,
        imported_at TEXT NOT NULL,
        UNIQUE (contract_id, sha256),
        UNIQUE (contract_id, version)
    )
    """,
    "CREATE INDEX contract_versions_current ON contract_versions(contract_id, is_current)",
    f"""
    CREATE TABLE clauses (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES contract_versions(id) ON DELETE CASCADE,
        article INTEGER NOT NULL,
        branch INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL DEFAULT '',
        chapter TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        paragraphs TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1,
        UNIQUE (version_id, article, branch)
    )
    """,
    "CREATE INDEX clauses_current ON clauses(is_current, article)",
    f"""
    CREATE TABLE clause_changes (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES contract_versions(id) ON DELETE CASCADE,
        article INTEGER NOT NULL,
        branch INTEGER NOT NULL DEFAULT 0,
        change TEXT NOT NULL {_one_of("change", CLAUSE_CHANGES)},
        old_title TEXT,
        new_title TEXT
    )
    """,
    "CREATE INDEX clause_changes_version ON clause_changes(version_id)",
]

# Version 8 (issue 13, answering must not drift with what is filed beside it): a second FTS
# index over the chunks that answer a question by themselves (ANSWERING_KINDS), read through
# a view so that FTS5's rebuild and integrity-check see exactly that subset. kb.search weighs
# a question's words by their rarity in the index it searches: an answer is weighed among
# responses and library answers only, so importing a contract or a thousand evidence files
# does not move an answer's confidence across the auto-answer threshold it was calibrated at.
_ANSWERING_KINDS_SQL = ", ".join(repr(k) for k in ANSWERING_KINDS)
_V8 = [
    f"""
    CREATE VIEW answering_chunks AS
        SELECT id, title_terms, body_terms FROM chunks WHERE kind IN ({_ANSWERING_KINDS_SQL})
    """,
    """
    CREATE VIRTUAL TABLE answers_fts USING fts5(
        title_terms, body_terms,
        content='answering_chunks', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '.'"
    )
    """,
    "CREATE VIRTUAL TABLE answers_vocab USING fts5vocab(answers_fts, 'row')",
    f"""
    CREATE TRIGGER chunks_answers_ai AFTER INSERT ON chunks
    WHEN new.kind IN ({_ANSWERING_KINDS_SQL}) BEGIN
        INSERT INTO answers_fts(rowid, title_terms, body_terms)
            VALUES (new.id, new.title_terms, new.body_terms);
    END
    """,
    f"""
    CREATE TRIGGER chunks_answers_ad AFTER DELETE ON chunks
    WHEN old.kind IN ({_ANSWERING_KINDS_SQL}) BEGIN
        INSERT INTO answers_fts(answers_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END
    """,
    # One trigger for both halves of an update: the old entry must go before the new one comes
    # (two triggers would run newest first and delete what the other just inserted).
    f"""
    CREATE TRIGGER chunks_answers_au AFTER UPDATE OF kind, title_terms, body_terms ON chunks BEGIN
        INSERT INTO answers_fts(answers_fts, rowid, title_terms, body_terms)
            SELECT 'delete', old.id, old.title_terms, old.body_terms
            WHERE old.kind IN ({_ANSWERING_KINDS_SQL});
        INSERT INTO answers_fts(rowid, title_terms, body_terms)
            SELECT new.id, new.title_terms, new.body_terms
            WHERE new.kind IN ({_ANSWERING_KINDS_SQL});
    END
    """,
    "INSERT INTO answers_fts(answers_fts) VALUES ('rebuild')",
]

# Version 9 (issue 14, auditors facet by control family): a response's ISO/IEC 27002 clause,
# the family its control belongs to (12.6.1 and CLD.12.1.5 are both in 12, operations
# security), computed from the control id so it can never disagree with it. Virtual: nothing
# is stored, and every writer of responses stays as it was.
_V9 = [
    """
    ALTER TABLE responses ADD COLUMN control_family TEXT GENERATED ALWAYS AS (
        CASE
            WHEN control_id LIKE 'CLD.%' AND CAST(substr(control_id, 5) AS INTEGER) > 0
                THEN CAST(CAST(substr(control_id, 5) AS INTEGER) AS TEXT)
            WHEN CAST(control_id AS INTEGER) > 0 THEN CAST(CAST(control_id AS INTEGER) AS TEXT)
        END
    ) VIRTUAL
    """,
]

# Version 10 (issue 15, keep the KB true): an append-only audit log of every change (kb.audit),
# each entry chained to the one before by hash so that an edit, a deletion or a reordering made
# with sqlite3 is found by `kb log --verify`; triggers refuse UPDATE and DELETE of it (an attacker
# with the file can drop them; the chain is what proves). And the disclosure ledger (kb.ledger): a
# fill or an apply says who sent it, and each row it wrote the response version (its id and the
# sha256 of its text), the contract clauses (version and article) and the evidence (sha256) sent,
# so that `kb ledger affected ID` finds the customers who received a version since changed.
_V10 = [
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target_kind TEXT NOT NULL,
        target_id TEXT,
        before_sha256 TEXT,
        after_sha256 TEXT,
        detail TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    )
    """,
    "CREATE INDEX audit_log_target ON audit_log(target_kind, target_id)",
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
    END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
    END
    """,
    f"ALTER TABLE fills ADD COLUMN kind TEXT NOT NULL DEFAULT 'fill' {_one_of('kind', FILL_KINDS)}",
    "ALTER TABLE fills ADD COLUMN actor TEXT",
    "ALTER TABLE fills ADD COLUMN source_fill INTEGER REFERENCES fills(id)",
    "ALTER TABLE fill_rows ADD COLUMN status TEXT",
    "ALTER TABLE fill_rows ADD COLUMN source_kind TEXT",
    "ALTER TABLE fill_rows ADD COLUMN source_id INTEGER",
    "ALTER TABLE fill_rows ADD COLUMN control_id TEXT",
    "ALTER TABLE fill_rows ADD COLUMN source_sha256 TEXT",
    "ALTER TABLE fill_rows ADD COLUMN text_sha256 TEXT",
    "ALTER TABLE fill_rows ADD COLUMN clauses TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE fill_rows ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'",
    "CREATE INDEX fill_rows_control ON fill_rows(control_id)",
]

# Version 11 (issue 15, keeping the KB true): responses and library answers have an owner, a
# status (CURATION_STATUSES), who approved them, when, and when they are due for review, and a
# version number. Editing approved content writes a draft into content_versions (never into
# chunks, so a draft is not indexed as answering content); approving it moves the live text
# there as history and the draft's text into the row and its chunk (kb.curation). qa_pairs is
# rebuilt because its status CHECK (version 4) knows no 'retired'. Existing content is approved,
# as it answered before: a response at its document's import, an approved answer when it was
# decided; its review is due a year later (kb.settings review_period_days, 365 when this was written).
_CURATION_CHECK = _one_of("status", CURATION_STATUSES)
_V11 = [
    f"ALTER TABLE responses ADD COLUMN status TEXT NOT NULL DEFAULT 'approved' {_CURATION_CHECK}",
    "ALTER TABLE responses ADD COLUMN owner TEXT",
    "ALTER TABLE responses ADD COLUMN approver TEXT",
    "ALTER TABLE responses ADD COLUMN approved_at TEXT",
    "ALTER TABLE responses ADD COLUMN review_due TEXT",
    "ALTER TABLE responses ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    """
    UPDATE responses SET
        approved_at = (SELECT d.imported_at FROM documents d WHERE d.id = responses.document_id),
        review_due = (SELECT date(d.imported_at, '+365 days') FROM documents d WHERE d.id = responses.document_id)
    """,
    "CREATE INDEX responses_review_due ON responses(review_due)",
    f"""
    CREATE TABLE qa_pairs_v11 (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        question TEXT NOT NULL,
        question_key TEXT NOT NULL,
        number TEXT,
        choice TEXT,
        answer_text TEXT,
        customer TEXT,
        answered_on TEXT,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'draft' {_CURATION_CHECK},
        decided_by TEXT,
        decided_at TEXT,
        source_fill INTEGER REFERENCES fills(id),
        citations TEXT NOT NULL DEFAULT '[]',
        owner TEXT,
        approver TEXT,
        approved_at TEXT,
        review_due TEXT,
        version INTEGER NOT NULL DEFAULT 1
    )
    """,
    """
    INSERT INTO qa_pairs_v11 (id, document_id, question, question_key, number, choice, answer_text, customer,
        answered_on, classification, is_current, status, decided_by, decided_at, source_fill, citations,
        approver, approved_at, review_due)
    SELECT q.id, q.document_id, q.question, q.question_key, q.number, q.choice, q.answer_text, q.customer,
        q.answered_on, q.classification, q.is_current, q.status, q.decided_by, q.decided_at, q.source_fill,
        q.citations,
        CASE WHEN q.status = 'approved' THEN q.decided_by END,
        CASE WHEN q.status = 'approved' THEN coalesce(q.decided_at, q.answered_on, d.imported_at) END,
        CASE WHEN q.status = 'approved'
            THEN date(coalesce(q.decided_at, q.answered_on, d.imported_at), '+365 days') END
    FROM qa_pairs q JOIN documents d ON d.id = q.document_id
    """,
    "DROP TABLE qa_pairs",
    "ALTER TABLE qa_pairs_v11 RENAME TO qa_pairs",
    "CREATE INDEX qa_pairs_key ON qa_pairs(question_key, status, is_current)",
    "CREATE INDEX qa_pairs_review_due ON qa_pairs(review_due)",
    f"""
    CREATE TABLE content_versions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL {_one_of("kind", CURATED_KINDS)},
        source_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        choice TEXT,
        status TEXT NOT NULL {_one_of("status", ("draft", "approved"))},
        author TEXT,
        created_at TEXT NOT NULL,
        approver TEXT,
        approved_at TEXT,
        superseded_at TEXT,
        UNIQUE (kind, source_id, version)
    )
    """,
    "CREATE INDEX content_versions_source ON content_versions(kind, source_id, status)",
]

# Version 12 (issue 13, internal content must not weigh public answers): version 8's index of
# what answers, once more for each customer audience over what it may see (AUDIENCE_INDEXED;
# the most trusted level sees everything, answers_fts). kb.search weighs a question's words
# by their rarity, and bm25 by the index's own counts, so with one index an internal import
# moved public answers' confidence (302 of 331 HECVAT rows): an answer for an audience is now
# weighed among what the audience may see, exactly as in a KB that holds nothing above it.
AUDIENCE_INDEXED: tuple[str, ...] = CLASSIFICATIONS[:-1]


def _audience_answering_index(level: str) -> list[str]:
    visible = ", ".join(repr(c) for c in CLASSIFICATIONS[: CLASSIFICATIONS.index(level) + 1])

    def held(row: str = "") -> str:  # the chunk (a row of chunks, new. or old. in a trigger) is in it
        return f"{row}kind IN ({_ANSWERING_KINDS_SQL}) AND {row}classification IN ({visible})"

    fts = f"answers_{level}_fts"
    return [
        f"""
        CREATE VIEW answering_{level}_chunks AS
            SELECT id, title_terms, body_terms FROM chunks WHERE {held()}
        """,
        f"""
        CREATE VIRTUAL TABLE {fts} USING fts5(
            title_terms, body_terms,
            content='answering_{level}_chunks', content_rowid='id',
            tokenize="unicode61 remove_diacritics 0 tokenchars '.'"
        )
        """,
        f"CREATE VIRTUAL TABLE answers_{level}_vocab USING fts5vocab({fts}, 'row')",
        f"""
        CREATE TRIGGER chunks_answers_{level}_ai AFTER INSERT ON chunks
        WHEN {held("new.")} BEGIN
            INSERT INTO {fts}(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
        END
        """,
        f"""
        CREATE TRIGGER chunks_answers_{level}_ad AFTER DELETE ON chunks
        WHEN {held("old.")} BEGIN
            INSERT INTO {fts}({fts}, rowid, title_terms, body_terms)
                VALUES ('delete', old.id, old.title_terms, old.body_terms);
        END
        """,
        # As version 8's: one trigger for both halves, and a change of classification too moves
        # a chunk in or out of the audience's index.
        f"""
        CREATE TRIGGER chunks_answers_{level}_au
        AFTER UPDATE OF kind, classification, title_terms, body_terms ON chunks BEGIN
            INSERT INTO {fts}({fts}, rowid, title_terms, body_terms)
                SELECT 'delete', old.id, old.title_terms, old.body_terms
                WHERE {held("old.")};
            INSERT INTO {fts}(rowid, title_terms, body_terms)
                SELECT new.id, new.title_terms, new.body_terms
                WHERE {held("new.")};
        END
        """,
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


_V12 = [statement for level in AUDIENCE_INDEXED for statement in _audience_answering_index(level)]

# Version 13 (issue 15, drafts must not weigh approved answers): a draft library answer is
# searched for review only, never among what answers, so its text lives in draft_chunks with
# an FTS index of its own (drafts_fts), not in chunks: no answering index holds it, and its
# words weigh no question's (a harvested sheet of 93 drafts beside the seed whitepaper moved
# questions_dev from precision 1.0 to 0.967 and auto-answered 1 in 7 unanswerable questions).
# kb.drafts searches it with the weights of the answering index; kb.curation moves a chunk
# into chunks when its answer is approved. Existing drafts' chunks move there.
_V13 = [
    f"""
    CREATE TABLE draft_chunks (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL {_one_of("kind", CURATED_KINDS)},
        source_id INTEGER NOT NULL,
        control_id TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        title_terms TEXT NOT NULL,
        body_terms TEXT NOT NULL,
        classification TEXT NOT NULL DEFAULT 'public' {_CLASSIFICATION_CHECK},
        is_current INTEGER NOT NULL DEFAULT 1,
        UNIQUE (kind, source_id)
    )
    """,
    """
    CREATE VIRTUAL TABLE drafts_fts USING fts5(
        title_terms, body_terms,
        content='draft_chunks', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '.'"
    )
    """,
    """
    CREATE TRIGGER draft_chunks_ai AFTER INSERT ON draft_chunks BEGIN
        INSERT INTO drafts_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END
    """,
    """
    CREATE TRIGGER draft_chunks_ad AFTER DELETE ON draft_chunks BEGIN
        INSERT INTO drafts_fts(drafts_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END
    """,
    """
    CREATE TRIGGER draft_chunks_au AFTER UPDATE OF title_terms, body_terms ON draft_chunks BEGIN
        INSERT INTO drafts_fts(drafts_fts, rowid, title_terms, body_terms)
            VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO drafts_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END
    """,
    """
    INSERT INTO draft_chunks (kind, source_id, control_id, title, body, title_terms, body_terms, classification,
        is_current)
    SELECT kind, source_id, control_id, title, body, title_terms, body_terms, classification, is_current
    FROM chunks WHERE kind = 'qa' AND source_id IN (SELECT id FROM qa_pairs WHERE status = 'draft')
    ORDER BY id
    """,
    "DELETE FROM chunks WHERE kind = 'qa' AND source_id IN (SELECT id FROM qa_pairs WHERE status = 'draft')",
]

# Version 14 (issue 15, a KB of several services never mixes them in one answer): the service an
# evidence link backs (kb evidence add|link --service): a data-centre report of one service must not
# be cited for another's response to the same control. NULL: every service (an ISMS certificate
# covers the company), as every link before this version did.
_V14 = ["ALTER TABLE evidence_links ADD COLUMN service TEXT"]

# Version 15 (issue 15, kb versions shows what each version cited): the clause and document
# references a version of a response cited, as JSON {"clause_refs": [{document, article,
# title}], "doc_refs": [name]}, written when it is superseded (kb.curation._keep_as_history);
# approving a draft replaces the response's clause_refs/doc_refs, which hold only the live
# version's. NULL: not recorded (a version superseded before this schema, a library answer).
_V15 = ["ALTER TABLE content_versions ADD COLUMN citations TEXT"]

# Version 16 (issue 15, the ledger says which service a disclosure was for): the service kb fill
# was confined to (--service), and for a kb apply the one its fill was for, which kb apply
# defaults its --service to. NULL: none named (a KB of one service) or recorded before this version.
_V16 = ["ALTER TABLE fills ADD COLUMN service TEXT"]

# Version 17 (English contracts): the language a contract version is read and cited in
# (importers.clauses reads "Article 12 (Data Storage Location)" as English, 第12条（…） as Japanese):
# kb.clauses labels its articles in it (Article 12 or 第12条). Every version before was read the
# Japanese way, so 'ja' by default; a version imported with the first English reading (schema v16),
# whose articles are titled and none of its titles has a kana or kanji, was an English one.
CONTRACT_LANGUAGES = ("ja", "en")
_JAPANESE_GLOB = "*[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]*"  # a kana or a kanji anywhere
_V17 = [
    f"ALTER TABLE contract_versions ADD COLUMN lang TEXT NOT NULL DEFAULT 'ja' {_one_of('lang', CONTRACT_LANGUAGES)}",
    f"""
    UPDATE contract_versions SET lang = 'en'
    WHERE EXISTS (SELECT 1 FROM clauses c WHERE c.version_id = contract_versions.id AND c.title != '')
      AND NOT EXISTS (
        SELECT 1 FROM clauses c WHERE c.version_id = contract_versions.id AND c.title GLOB '{_JAPANESE_GLOB}'
      )
    """,
]

MIGRATIONS: list[list[str]] = [
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _V6,
    _V7,
    _V8,
    _V9,
    _V10,
    _V11,
    _V12,
    _V13,
    _V14,
    _V15,
    _V16,
    _V17,
]
SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """The KB's connection: execute and atomic for reading and searching, and the
    whole sqlite-utils API on first use of anything else (``db["responses"].insert_all``,
    ``db.table_names()`` …), which the store's writes and the JSON export use.

    Importing sqlite-utils (dateutil, pluggy …) would be a large share of a
    `kb answer` or `kb fill` process, which use only these two methods; so the
    sqlite_utils.Database on the same connection is built when first needed.
    """

    search_cache = None  # {kb.search.Index: its IndexCache} of this connection, while the index is unchanged

    def __init__(self, conn: sqlite3.Connection, *, read_only: ReadOnly | None = None):
        self.conn = conn
        self.read_only = read_only  # why nothing may be written, when the KB was opened read-only
        self._savepoints = itertools.count(1)  # names need only differ within this connection

    def execute(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> sqlite3.Cursor:
        # The connection is in autocommit mode (isolation_level=None): a write
        # outside atomic() commits by itself, as with sqlite-utils.
        return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)

    def close(self) -> None:
        """Close the connection. SQLite moves the write-ahead log into the database file
        when its last connection closes, so after a command the .db file alone is the
        whole KB (a copy of it is a copy of the KB)."""
        self.conn.close()

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction; nested blocks become savepoints (as sqlite_utils.Database.atomic).
        On a KB opened read-only, ReadOnlyKB before anything is done."""
        if self.read_only is not None:
            raise self.read_only.error()
        if self.conn.in_transaction:
            savepoint = f"kb_{next(self._savepoints)}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) may already have ended the transaction.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        # IMMEDIATE: the write lock is taken here, waiting its turn behind another writer
        # (busy timeout), instead of a read turning into a write halfway through, which SQLite
        # answers at once with 'database is locked' when another process wrote in between.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    @cached_property
    def utils(self) -> sqlite_utils.Database:
        import sqlite_utils

        # Neither plugins nor sqlite-utils' default PRAGMA recursive_triggers: how
        # the KB's connection behaves must not depend on whatever is installed, or
        # on whether something has used this API yet.
        return sqlite_utils.Database(self.conn, execute_plugins=False, recursive_triggers=False)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # copy, pickle and friends probe for these: not sqlite-utils API
            raise AttributeError(name)
        return getattr(self.utils, name)

    def __getitem__(self, table: str):
        return self.utils[table]


# How long a kb command waits for another one's write to end before giving up.
BUSY_TIMEOUT_SECONDS: float = DEFAULTS["busy_timeout_seconds"]


def sqlite_connect(database: str, **kwargs) -> sqlite3.Connection:
    """sqlite3.connect with the KB's busy timeout, set both ways: the driver's timeout
    argument, and PRAGMA busy_timeout, which is what SQLite itself honours for every
    statement of the connection (the one the driver sets can be lost to a library that
    sets its own handler)."""
    conn = sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, **kwargs)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return conn


class ReadOnlyKB(KBError, sqlite3.OperationalError):
    """A write to a KB opened read-only. Also an sqlite3 error, so that what tolerates a
    KB that cannot take a write (kb fill's record of what it wrote) tolerates this one."""


class ReadOnly(NamedTuple):
    """Why a KB was opened read-only: the file, or the folder that would hold its
    write-ahead log and shared-memory files, cannot be written (read-only media, a
    colleague's shared folder, chmod 555)."""

    path: Path
    reason: str
    published_for: str | None = None  # the audience of a copy kb publish wrote

    def error(self) -> ReadOnlyKB:
        if self.published_for is not None:
            return ReadOnlyKB(
                _(
                    "the KB at {path} is a copy published for audience {audience} (kb publish): it can be"
                    " searched and read, not changed; change the KB it was made from and publish again"
                ).format(path=self.path, audience=self.published_for)
            )
        return ReadOnlyKB(
            _(
                "the KB at {path} is read-only: {reason}; it can be searched and read, not"
                " changed (copy it somewhere writable, e.g. with kb backup, to change the copy)"
            ).format(path=self.path, reason=self.reason)
        )


def _read_only_reason(path: Path) -> str | None:
    """Why the existing KB at ``path`` cannot be written, or None. os.access answers for the
    user kb runs as (root passes it except on a read-only file system)."""
    if not path.exists():
        return None
    if not os.access(path, os.W_OK):
        return _("the file is not writable")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return _("its folder {folder} is not writable").format(folder=path.parent)
    return None


PUBLISHED_AUDIENCE_KEY = "published_audience"  # kb_meta key: the audience a copy was published for


def _published_for(conn: sqlite3.Connection) -> str | None:
    """The audience a KB was published for (kb publish marks a copy in kb_meta), or None. A copy is made to
    be served as it is (immutable, in DELETE journal mode) and holds only what its audience may
    see: a change there would never reach the KB, and switching it to WAL would leave -wal and
    -shm files that an immutable reader ignores. So kb opens it read-only."""
    try:
        row = conn.execute("SELECT value FROM kb_meta WHERE key = ?", [PUBLISHED_AUDIENCE_KEY]).fetchone()
    except sqlite3.OperationalError:  # no kb_meta: a new file, or a KB from before it
        return None
    return None if row is None else row[0]


def read_only_uri(path: Path) -> str:
    """An SQLite URI that reads ``path`` and never writes. In a folder that cannot be written
    SQLite could not create the -shm file a WAL reader needs, so the file is opened
    immutable (no locks, no -shm): nobody can be writing it there. Not when a -wal file was
    left beside it: immutable would ignore what that log holds."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK | os.X_OK) and not wal.exists():
        uri += "&immutable=1"
    return uri


def connect(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the KB at ``path``; an existing KB that cannot be
    written (read-only media) is opened read-only instead, as it is (never migrated)."""
    path = Path(path)
    if path.is_dir():
        raise KBError(_("database path is a directory: {path}").format(path=path))
    if not path.parent.exists():
        raise KBError(_("directory does not exist for database: {path}").format(path=path))
    reason = _read_only_reason(path)
    if reason is not None:
        return _open_read_only(path, ReadOnly(path, reason))
    try:
        # isolation_level=None: we issue BEGIN ourselves (via Database.atomic),
        # so the driver never opens a transaction behind our back.
        conn = sqlite_connect(str(path))
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise KBError(
                _(
                    "{path} has schema version {version}; this kb understands up to {known}, upgrade kb"
                ).format(path=path, version=version, known=SCHEMA_VERSION)
            )
        published = _published_for(conn)
        if published is not None:
            conn.close()
            reason = _("a copy published for audience {audience}").format(audience=published)
            return _open_read_only(path, ReadOnly(path, reason, published))
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        raise KBError(_("cannot open database {path}: {exc}").format(path=path, exc=exc)) from None
    db = Database(conn)
    migrate(db)
    return db


def connect_read_only(path: str | Path) -> Database:
    """Open the KB at ``path`` for reading only (an SQLite ``mode=ro`` URI): never
    created, never migrated, and no write gets through. For helpers that answer
    beside the process that opened (and migrated) the KB, which keeps it as it is."""
    return _open_read_only(Path(path).resolve(), ReadOnly(Path(path), "opened for reading only"))


def _open_read_only(path: Path, read_only: ReadOnly) -> Database:
    """The KB for reading only, as it is: so only at this kb's schema version."""
    try:
        conn = sqlite_connect(read_only_uri(path), uri=True)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            raise KBError(
                _(
                    "the KB at {path} is read-only ({reason}) and a kb that did not finish left {name} beside it, which SQLite cannot read without writing: open it once where it can be written"
                ).format(path=path, reason=read_only.reason, name=wal.name)
            ) from None
        raise KBError(_("cannot open database {path} read-only: {exc}").format(path=path, exc=exc)) from None
    if version != SCHEMA_VERSION:
        conn.close()
        if version > SCHEMA_VERSION:
            raise KBError(
                _(
                    "{path} has schema version {version}; this kb understands up to {known}, upgrade kb"
                ).format(path=path, version=version, known=SCHEMA_VERSION)
            )
        raise KBError(
            _(
                "the KB at {path} is read-only ({reason}) and has schema version {version}; this kb reads version {known}: copy it somewhere writable and open the copy to upgrade it"
            ).format(path=path, reason=read_only.reason, version=version, known=SCHEMA_VERSION)
        )
    return Database(conn, read_only=read_only)


def connect_memory() -> Database:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    migrate(db)
    return db


def migrate(db: Database) -> int:
    """Apply pending migrations; returns the resulting schema version.

    The version is read again inside each migration's (immediate) transaction: two kb
    processes opening a new KB at once take turns, and the second finds the work done."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    while version < SCHEMA_VERSION:
        with db.atomic():
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                break
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")
    return version
