"""How the plugin shows some cells: text with structure as Markdown, control ids with
links to their evidence and history, analysed terms out of sight.

Markdown is rendered by markdown-it-py (the whitepaper parser's library) with raw
HTML off, so a response's text can never inject markup into the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from datasette_kb.metadata import HIDDEN_COLUMNS

# (table, column) whose text is written with structure (paragraphs, lists, tables).
MARKDOWN_COLUMNS = {
    ("responses", "text"),
    ("chunks", "body"),
    ("qa_pairs", "answer_text"),
    ("revisions", "note"),
    ("clauses", "text"),
    ("clauses", "body"),
}
# Only text that has lines is worth rendering: one line reads the same either way.
_STRUCTURE = "\n"


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def markdown(text: str) -> Markup:
    return Markup(f'<div class="kb-markdown">{_markdown().render(text)}</div>')


def render(value, column: str, table: str, database: str, datasette) -> Markup | None:
    if column in HIDDEN_COLUMNS.get(table, ()):
        return Markup('<span class="kb-internal" title="検索索引用 / for the search index">…</span>')
    if not isinstance(value, str):
        return render_number(value, column, table, database, datasette)
    if (table, column) in MARKDOWN_COLUMNS and _STRUCTURE in value.strip():
        return markdown(value)
    if table == "responses" and column == "control_id" and value:
        return _control_links(value, database, datasette)
    if table == "revisions" and column == "changed":
        return _changed_controls(value, database, datasette)
    if table == "evidence_files" and column == "sha256":
        href = datasette.urls.path(f"/-/kb-evidence/{value}?db={quote(database)}")
        return Markup(
            f'<code>{escape(value[:12])}…</code> <a href="{escape(href)}">ダウンロード / download</a>'
        )
    return None


def render_number(value, column: str, table: str, database: str, datasette) -> Markup | None:
    """A cited article links to the current clause of that number (response -> clause)."""
    if table == "clause_refs" and column == "article" and isinstance(value, int):
        if "clauses" in _tables(datasette, database):
            href = f"{datasette.urls.table(database, 'clauses')}?article={value}&is_current=1"
            return Markup(f'<a href="{escape(href)}">第{value}条</a>')
    return None


def _control_links(control_id: str, database: str, datasette) -> Markup:
    """A control id, with links to the evidence that backs it up and its history."""
    urls = datasette.urls
    links = [(f"{urls.database(database)}/control_history?control_id={quote(control_id)}", "履歴 history")]
    if "evidence_links" in _tables(datasette, database):
        links.insert(
            0, (f"{urls.table(database, 'evidence_links')}?control_id={quote(control_id)}", "証跡 evidence")
        )
    extra = " ".join(f'<a href="{escape(href)}">{escape(label)}</a>' for href, label in links)
    return Markup(f"{escape(control_id)} <small>{extra}</small>")


def _changed_controls(value: str, database: str, datasette) -> Markup | None:
    try:
        ids = json.loads(value)
    except ValueError:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    base = datasette.urls.table(database, "responses")
    return Markup(", ".join(f'<a href="{escape(base)}?control_id={quote(i)}">{escape(i)}</a>' for i in ids))


def _tables(datasette, database: str) -> frozenset[str]:
    from datasette_kb import kb_info

    info = kb_info(datasette, database)
    return info.tables if info else frozenset()
