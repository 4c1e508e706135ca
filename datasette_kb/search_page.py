"""/-/kb-search: the ranked search page (HTML) and its JSON (/-/kb-search.json).

?q= the query, ?limit= (default 10), ?kind= (repeatable), ?db= when more than one KB
is served. A request it cannot run gets a message and status 400, never a server error.
"""

from __future__ import annotations

import sqlite3

from datasette.utils.asgi import NotFound, Response

from datasette_kb import kb_databases, kb_info
from datasette_kb.ranked import BadSearch, SearchOutcome, parse_request, ranked_search
from kb.db import CHUNK_KINDS


async def search_view(request, datasette):
    as_json = bool(request.url_vars.get("format"))
    names = kb_databases(datasette)
    name = request.args.get("db") or (names[0] if names else None)
    if name not in names:
        raise NotFound("この名前の KB は公開されていません / No knowledge base of that name is served.")
    # As Datasette's own pages: the most specific decision wins (database, then instance).
    await datasette.ensure_permissions(request.actor, [("view-database", name), "view-instance"])
    db = datasette.get_database(name)
    status = 200
    try:
        query, limit, kinds = parse_request(
            request.args.get("q"), request.args.get("limit"), request.args.getlist("kind")
        )
    except BadSearch as exc:
        query, kinds = (request.args.get("q") or "")[:200], ()
        outcome, status = SearchOutcome(query, [], str(exc)), 400
    else:
        try:
            outcome = await db.execute_fn(
                lambda conn: ranked_search(db.path, not db.is_mutable, query, limit, kinds)
            )
        except sqlite3.Error:
            outcome = SearchOutcome(
                query, [], "検索できませんでした / The search could not be run on this database."
            )
            status = 400
    info = kb_info(datasette, name)
    hits = [
        {
            **hit._asdict(),
            "url": datasette.urls.row(name, hit.source_table, str(hit.source_id))
            if hit.source_table in info.tables
            else None,
        }
        for hit in outcome.hits
    ]
    if as_json:
        return Response.json(
            {
                "ok": status == 200,
                "database": name,
                "query": outcome.query,
                "message": outcome.message,
                "hits": hits,
            },
            status=status,
        )
    html = await datasette.render_template(
        "kb_search.html",
        {
            "database": name,
            "databases": names,
            "query": outcome.query,
            "message": outcome.message,
            "hits": hits,
            "kinds": CHUNK_KINDS,
            "selected_kinds": kinds,
            "search_url": datasette.urls.path("/-/kb-search"),
        },
        request=request,
    )
    return Response.html(html, status=status)
