"""/-/kb-evidence/<sha256>: an evidence file of the served copy, downloaded by its digest.

Only a digest (64 hex characters, the route's own pattern) names a file, so no path from
the request reaches the disk. The file must be a row of the served copy's evidence_files
and sit in the vault beside the served file (`kb publish` puts there only the files of the
rows it keeps), be a regular file (no link is followed), and still hash to its name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from datasette_kb import kb_databases, kb_info

ROUTE = r"^/-/kb-evidence/(?P<sha256>[0-9a-f]{64})$"
_NOT_SERVED = "この証跡はありません / No such evidence file in this copy."


def vault_file(database_path: str, digest: str) -> Path:
    from evidence.vault import vault_beside

    return vault_beside(database_path).path_of(digest)


def content_disposition(name: str) -> str:
    """attachment, with the original name for every browser (RFC 6266: an ASCII fallback and filename*)."""
    fallback = (
        "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name) or "evidence"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def evidence_view(request, datasette):
    digest = request.url_vars["sha256"]
    names = [n for n in kb_databases(datasette) if "evidence_files" in kb_info(datasette, n).tables]
    name = request.args.get("db") or (names[0] if names else None)
    if name not in names:
        raise NotFound(_NOT_SERVED)
    # As Datasette's table pages: the most specific decision wins (table, database, instance).
    await datasette.ensure_permissions(
        request.actor, [("view-table", (name, "evidence_files")), ("view-database", name), "view-instance"]
    )
    db = datasette.get_database(name)
    row = (
        await db.execute("SELECT media_type, original_name FROM evidence_files WHERE sha256 = ?", [digest])
    ).first()
    if row is None or not db.path:
        raise NotFound(_NOT_SERVED)
    path = vault_file(db.path, digest)
    if path.is_symlink() or not path.is_file():
        raise NotFound(_NOT_SERVED)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise NotFound("証跡ファイルが変わっています / The stored file no longer matches its digest.")
    return Response(
        data,
        content_type=row["media_type"] or "application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(row["original_name"]),
            "X-Content-Type-Options": "nosniff",
        },
    )
