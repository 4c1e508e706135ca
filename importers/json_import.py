"""Read a `kb export json` file back into plain rows (kb.tables.TableRows) for `kb import json`.

Only the ``tables`` part is read: it holds every stored row the export's audience received
(exporters/json_export.py); the readable part (documents, responses, history) is derived from
it. The file is checked whole before anything is written: its format version, the schema version
it was exported at, each table's columns and that every row has a value for each of them. Like
every importer, this one never touches a database: kb.tables.restore writes what it returns.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from kb.errors import KBError
from kb.i18n import _
from kb.tables import TableRows

FORMAT_VERSION = 2  # exporters/json_export.FORMAT_VERSION: the only one that holds tables
BLOB_KEY = "$base64"  # exporters/json_export.BLOB_KEY


@dataclass(frozen=True)
class KBExport:
    schema_version: int
    audience: str
    tables: tuple[TableRows, ...]


def _value(value, where: str):
    if isinstance(value, dict):
        if set(value) != {BLOB_KEY} or not isinstance(value[BLOB_KEY], str):
            raise KBError(
                _("{where}: a value is an object other than {{{key!r}: ...}}").format(
                    where=where, key=BLOB_KEY
                )
            )
        try:
            return base64.b64decode(value[BLOB_KEY], validate=True)
        except binascii.Error:
            raise KBError(
                _("{where}: a {key} value is not base64").format(where=where, key=BLOB_KEY)
            ) from None
    if isinstance(value, list):
        raise KBError(_("{where}: a value is a list").format(where=where))
    return value


def _table(name: str, body, source_name: str) -> TableRows:
    where = _("{source}: table {table}").format(source=source_name, table=name)
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("columns"), list)
        or not isinstance(body.get("rows"), list)
    ):
        raise KBError(_("{where} is not {{'columns': [...], 'rows': [[...], ...]}}").format(where=where))
    columns = tuple(body["columns"])
    if not all(isinstance(c, str) and c for c in columns) or len(set(columns)) != len(columns):
        raise KBError(_("{where}: columns must be distinct names").format(where=where))
    rows = []
    for number, row in enumerate(body["rows"], start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise KBError(
                _("{where}: row {number} does not have one value for each of its {n} columns").format(
                    where=where, number=number, n=len(columns)
                )
            )
        rows.append(tuple(_value(v, where) for v in row))
    return TableRows(name, columns, tuple(rows))


def parse_export(data: bytes, source_name: str) -> KBExport:
    """The rows of a kb export json file; KBError (one line) when it is not one this kb can restore."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise KBError(
            _("{source} is not UTF-8 text (byte {byte})").format(source=source_name, byte=exc.start)
        ) from None
    except json.JSONDecodeError as exc:
        raise KBError(
            _("{source} is not JSON: {error} (line {line}, column {column})").format(
                source=source_name, error=exc.msg, line=exc.lineno, column=exc.colno
            )
        ) from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise KBError(
            _("{source} is not a kb export json file (no format_version)").format(source=source_name)
        )
    if doc["format_version"] != FORMAT_VERSION or not isinstance(doc.get("tables"), dict):
        raise KBError(
            _(
                "{source} is kb export json format {format!r}; kb import json restores format"
                " {supported}, which holds every table (export it again with this kb)"
            ).format(source=source_name, format=doc["format_version"], supported=FORMAT_VERSION)
        )
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise KBError(
            _("{source} does not say which schema version it was exported at").format(source=source_name)
        )
    tables = tuple(_table(name, body, source_name) for name, body in doc["tables"].items())
    return KBExport(version, str(doc.get("audience", "")), tables)
