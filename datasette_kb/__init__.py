"""Datasette plugin for evidence-kb: browse a KB (a `kb publish` copy) in Japanese and English.

Registered through the `datasette` entry point in pyproject.toml, so installing
evidence-kb beside Datasette is enough. It gives
- the analyzer as SQL functions: kb_analyze(text), kb_match(query) (an FTS5 expression for
  chunks_fts), kb_control_id(text);
- /-/kb-search (and .json): ranked search, the same hits as `kb search`;
- a search box on the text tables that understands Japanese (table_search);
- titles, descriptions, labels, facets (metadata) and canned queries (queries);
- text with structure rendered as Markdown, the index's analysed terms kept out of sight.

The core package kb/ never imports Datasette: everything that does lives here.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from datasette_kb import metadata as metadata_mod
from datasette_kb import table_search
from datasette_kb.queries import canned_queries as canned_queries_for

# Datasette settings for serving a copy (kb serve, and any host that serves one). No
# download of the whole file: the pages, queries and JSON are the interface.
SERVE_SETTINGS = {
    "allow_download": False,
    # Facet suggestions run a query per column on every table page (four fifths of a search
    # page's time on a 10k-chunk KB); the metadata names the facets worth having.
    "suggest_facets": False,
}

# A KB is a database with these tables (kb.db version 1).
KB_TABLES = {"chunks", "chunks_fts", "responses", "documents", "kb_meta"}


class KBInfo(NamedTuple):
    tables: frozenset[str]
    audience: str | None  # the audience a `kb publish` copy was made for; None for a KB itself
    metadata: dict


def ensure_registered() -> None:
    """Load the plugin into Datasette when evidence-kb's entry point is not installed (a
    checkout run without `pip install -e .`); a no-op when it is."""
    import sys

    from datasette.plugins import pm

    module = sys.modules[__name__]
    if not pm.is_registered(module):
        pm.register(module, name="evidence-kb")


def kb_info(datasette, database: str | None) -> KBInfo | None:
    """What the plugin knows of ``database`` when it is a KB (read once per Datasette), else None."""
    if database is None:
        return None
    cache = datasette.__dict__.setdefault("_kb_info", {})
    if database not in cache:
        cache[database] = _read_info(datasette.databases.get(database))
    return cache[database]


def read_only_uri(path: str, immutable: bool) -> str:
    """The SQLite URI that opens ``path`` as Datasette opened it: immutable, or read-only."""
    return f"{Path(path).resolve().as_uri()}?{'immutable=1' if immutable else 'mode=ro'}"


def _read_info(db) -> KBInfo | None:
    if db is None or db.is_memory or not db.path:
        return None
    try:
        conn = sqlite3.connect(read_only_uri(db.path, not db.is_mutable), uri=True)
        try:
            tables = frozenset(
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
            if not KB_TABLES <= tables:
                return None
            row = conn.execute("SELECT value FROM kb_meta WHERE key = 'published_audience'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    audience = row[0] if row else None
    return KBInfo(tables, audience, metadata_mod.database_metadata(db.name, set(tables), audience))


def kb_databases(datasette) -> list[str]:
    return [name for name in datasette.databases if kb_info(datasette, name) is not None]


@hookimpl
def startup():
    # Datasette 0.65 prints every error page's exception with rich when rich is installed
    # (evidence-kb depends on it), and for a 404 of an unknown path there is no exception
    # being handled: rich raises, and the 404 becomes a 500. Without rich, Datasette prints
    # only real server errors (traceback.print_exc), which is what a server log wants.
    from datasette import handle_exception as error_pages

    error_pages.rich = None


@hookimpl
def prepare_connection(conn):
    conn.create_function("kb_analyze", 1, table_search.analysed, deterministic=True)
    conn.create_function("kb_match", 1, table_search.fts_match, deterministic=True)
    conn.create_function("kb_control_id", 1, table_search.control_id, deterministic=True)


@hookimpl
def get_metadata(datasette, key, database, table):
    # Called dozens of times a page, so the dicts are not copied (a deep copy was a third of
    # a table page's time). Datasette writes into what it gets only by merging in values
    # that come out the same each time (a host's own metadata file, inherited source and
    # license keys), so what it leaves in our dicts is what it would put there again.
    if key == "tables":
        # Datasette asks so for per-table permission rules (allow) and facet_size, neither of
        # which we set, and deep-copies every source it gets for each permission check: a
        # dozen times a page, most of what the plugin added to a row page.
        return {}
    databases = {name: kb_info(datasette, name).metadata for name in kb_databases(datasette)}
    return {"databases": databases} if databases else {}


@hookimpl
def canned_queries(datasette, database):
    info = kb_info(datasette, database)
    return canned_queries_for(set(info.tables), info.audience) if info else {}


@hookimpl
def register_routes():
    from datasette_kb import evidence_files
    from datasette_kb.search_page import search_view

    return [
        (r"^/-/kb-search(?P<format>\.json)?$", search_view),
        (evidence_files.ROUTE, evidence_files.evidence_view),
    ]


@hookimpl
def menu_links(datasette):
    if kb_databases(datasette):
        return [{"href": datasette.urls.path("/-/kb-search"), "label": "検索 / Search the KB"}]
    return []


@hookimpl(trylast=True)  # after Datasette's own search filter, so that our search box shows
def filters_from_request(request, database, table, datasette):
    from datasette.filters import FilterArguments

    info = kb_info(datasette, database)
    target = table_search.search_targets(set(info.tables)).get(table) if info else None
    if target is None:
        return None
    query = (request.args.get("_search") or "").strip()
    context = {"supports_search": True, "search": query}
    if not query:
        return FilterArguments([], extra_context=context)

    async def inner():
        # The text as written only when the analyzer finds no row of this table: one cheap look first.
        probe = {"kb_search": query, **({"kb_kind": target.kind} if target.kind else {})}
        found = await datasette.get_database(database).execute(table_search.analysed_probe(target), probe)
        where = table_search.where(target, "id", query, as_written=not found.rows)
        return FilterArguments(
            [where.clause],
            params=where.params,
            human_descriptions=[f'search matches "{query}"'],
            extra_context=context,
        )

    return inner


_TABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<table>[^/.]+)(?P<format>\.(json|csv))?$")


@hookimpl
def asgi_wrapper(datasette):
    """Table pages of a table with internal columns leave them out (?_nocol=), unless the
    request names its columns itself: Datasette has no metadata to hide a column."""

    def wrap(app):
        async def hide_internal_columns(scope, receive, send):
            if scope.get("type") == "http":
                scope = _without_internal_columns(datasette, scope)
            await app(scope, receive, send)

        return hide_internal_columns

    return wrap


def _without_internal_columns(datasette, scope: dict) -> dict:
    match = _TABLE_PATH.match(scope.get("path", ""))
    if not match:
        return scope
    hidden = metadata_mod.HIDDEN_COLUMNS.get(match["table"])
    if not hidden or kb_info(datasette, match["database"]) is None:
        return scope
    args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    if any(key in ("_col", "_nocol") for key, _ in args):
        return scope
    args += [("_nocol", column) for column in hidden]
    return {**scope, "query_string": urlencode(args).encode("ascii")}


# Datasette lists every column's description above a table's rows; folded, the rows come first.
_FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var fold = document.createElement("details");
  var summary = document.createElement("summary");
  summary.textContent = "列の説明 / About the columns";
  fold.appendChild(summary);
  list.parentNode.insertBefore(fold, list);
  fold.appendChild(list);
});
"""


@hookimpl
def extra_body_script(database, datasette):
    return _FOLD_COLUMN_DESCRIPTIONS if kb_info(datasette, database) else ""


@hookimpl
def render_cell(value, column, table, database, datasette):
    if kb_info(datasette, database) is None:
        return None
    from datasette_kb import cells

    return cells.render(value, column, table, database, datasette)
