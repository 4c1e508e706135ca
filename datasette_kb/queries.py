"""Canned queries for the questions auditors ask of a KB, offered when the tables they read exist.

Parameters are typed as people type them: a clause as 30, 第30条 or Article 30, a control id as
12.6.1 or cld9.5.1 (kb_control_id writes it as the KB does).
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple


class Canned(NamedTuple):
    title: str
    description: str
    sql: str
    needs: tuple[str, ...]  # tables the query reads


QUERIES: dict[str, Canned] = {
    "responses_citing_clause": Canned(
        "条項を引用する回答 / Responses citing a clause",
        "約款の条（30、第30条 または Article 30）を根拠に挙げる現行の回答。document は約款名の一部（空ならすべて）/ "
        "Current responses that cite an article (30, 第30条 or Article 30) of a contract; document: part of its "
        "name, or empty.",
        """
        SELECT r.control_id, r.title, c.document,
               CASE d.lang WHEN 'en' THEN 'Article ' || c.article ELSE '第' || c.article || '条' END AS clause,
               c.title AS clause_title,
               d.title AS document_title, r.id AS response_id
        FROM clause_refs c
        JOIN responses r ON r.id = c.response_id
        JOIN documents d ON d.id = r.document_id
        WHERE r.is_current = 1
          AND c.article = CAST(
            replace(replace(replace(replace(lower(:article), 'article', ''), '第', ''), '条', ''), ' ', '')
            AS INTEGER)
          AND (:document = '' OR c.document LIKE '%' || :document || '%')
        ORDER BY d.id, r.position
        """,
        ("clause_refs", "responses", "documents"),
    ),
    "control_history": Canned(
        "管理策の改訂履歴 / A control's revision history",
        "管理策（例 12.6.1）の回答の全版と、その管理策を変えた改訂 / Every version of a control's response, "
        "and the revisions that changed it.",
        """
        SELECT d.date, d.version, 'response' AS entry,
               CASE r.is_current WHEN 1 THEN '現行 current' ELSE '過去 superseded' END AS status,
               r.title, r.text AS detail, d.title AS document
        FROM responses r JOIN documents d ON d.id = r.document_id
        WHERE r.control_id = kb_control_id(:control_id)
        UNION ALL
        SELECT v.date, v.version, 'revision', '', '', v.note, d.title
        FROM revisions v JOIN documents d ON d.id = v.document_id
        WHERE EXISTS (SELECT 1 FROM json_each(v.changed) WHERE value = kb_control_id(:control_id))
        ORDER BY 1 DESC, 3
        """,
        ("responses", "documents", "revisions"),
    ),
    "controls_without_evidence": Canned(
        "証跡のない管理策 / Controls with no evidence",
        "現行の回答がある管理策のうち、証跡ファイルが 1 つも紐づいていないもの / Controls with a current "
        "response and no evidence file linked.",
        """
        SELECT r.control_id, r.title, r.service, d.title AS document, r.id AS response_id
        FROM responses r JOIN documents d ON d.id = r.document_id
        WHERE r.is_current = 1 AND r.control_id IS NOT NULL
          AND r.control_id NOT IN (SELECT control_id FROM evidence_links)
        ORDER BY d.id, r.position
        """,
        ("responses", "documents", "evidence_links"),
    ),
    "evidence_expiring": Canned(
        "期限切れ・期限間近の証跡 / Evidence expired or expiring",
        "有効期限が過ぎた、または days 日以内に切れる証跡ファイル / Evidence files past their validity, "
        "or ending within days.",
        """
        SELECT f.valid_until, f.title, f.original_name, f.owner, f.sha256,
               CASE WHEN f.valid_until < date('now') THEN '期限切れ expired' ELSE '期限間近 expiring' END AS state,
               (SELECT group_concat(l.control_id, ', ') FROM evidence_links l WHERE l.evidence_id = f.id) AS controls
        FROM evidence_files f
        WHERE f.valid_until IS NOT NULL
          AND f.valid_until <= date('now', '+' || coalesce(nullif(CAST(:days AS INTEGER), 0), 30) || ' days')
        ORDER BY f.valid_until
        """,
        ("evidence_files", "evidence_links"),
    ),
    "filled_for_customer": Canned(
        "顧客に記入・開示した内容 / What was filled for which customer",
        "kb fill が記入したシートと、その顧客・開示範囲（customer は顧客名の一部、空ならすべて）/ Check "
        "sheets kb fill wrote, for which customer and audience (customer: part of the name, or empty).",
        """
        SELECT f.created_at, f.customer, f.audience, f.input_name, f.output_name, f.questions, f.answered,
               (SELECT count(*) FROM fill_rows r WHERE r.fill_id = f.id) AS rows_written, f.output_sha256
        FROM fills f
        WHERE :customer = '' OR f.customer LIKE '%' || :customer || '%'
        ORDER BY f.created_at DESC
        """,
        ("fills", "fill_rows"),
    ),
}


# Only a copy for staff keeps the records of fills (kb.publish.INTERNAL_RECORDS).
INTERNAL_ONLY = ("filled_for_customer",)


def canned_queries(tables: set[str], audience: str | None) -> dict[str, dict]:
    """Datasette canned queries for a KB with these tables (``audience``: the copy's, None for a KB)."""
    return {
        name: {"title": q.title, "description": q.description, "sql": textwrap.dedent(q.sql).strip()}
        for name, q in QUERIES.items()
        if all(t in tables for t in q.needs)
        and not (name in INTERNAL_ONLY and audience not in (None, "internal"))
    }
