"""kb export json holds every stored table, and kb import json restores it into an empty KB.

The KB here holds everything the demo makes (both editions of the whitepaper, the 利用約款,
evidence, a fill, a person's decisions applied into the library, a draft edit, the glossary, the
profile, an internal whitepaper, the audit log of all of it): exported, imported into a new KB and
exported again, it gives the same JSON, apart from what is documented: the restore's own entry at
the end of the audit log, and the withheld counts of a non-internal export (they count what the KB
exported held above the audience, which a copy restored from that export never held).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.builders import LEVEL_MARKERS
from tests.paths import DEMO, ROOT

# Stored tables the demo leaves empty, and why (any other table must hold rows, so that the round
# trip below restores something of it; a table added later fails that check until the KB built here
# fills it or it is listed here).
EMPTY_IN_DEMO = {
    "clause_changes": "a contract imported once has no changes between versions",
    "draft_chunks": "the demo's decisions are approved, so no draft library answer is searched",
}


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def full_kb(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    db = str(out / "kb.db")
    run("--db", db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md"))
    run("--db", db, "import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en")
    run("--db", db, "import", "clauses", str(DEMO / "sample_contract.md"))
    run("--db", db, "evidence", "add", str(DEMO / "evidence" / "isms_certificate.md"), "--control", "18.2.1",
        "--classification", "public", "--valid-until", "2029-09-14")  # fmt: skip
    run(
        "--db", db, "evidence", "add", str(DEMO / "evidence" / "backup_procedure.docx"), "--control", "12.3.1"
    )
    internal = out / "ops_internal.md"
    internal.write_text(
        f"# 運用手順 {LEVEL_MARKERS['internal']}\n\n株式会社ミナトクラウド\n\n## ISO/IEC 27017:2015 への対応\n\n"
        f"### 12.4.1 イベントログ取得\n\n操作ログは {LEVEL_MARKERS['internal']} の手順で保管します。\n",
        encoding="utf-8",
    )
    run(
        "--db",
        db,
        "import",
        "whitepaper",
        str(internal),
        "--classification",
        "internal",
        "--service",
        "MC-VPS",
    )
    run("--db", db, "glossary", "add", "vps snapshot", "スナップショット取得")
    run("--db", db, "profile", "set", "provider_name", "株式会社ミナトクラウド")
    run("--db", db, "fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(out / "filled.xlsx"),
        "--review", str(out / "decisions.xlsx"))  # fmt: skip
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "demo" / "decide.py"),
            str(out / "decisions.xlsx"),
            str(out / "decided.xlsx"),
        ],
        check=True,
        capture_output=True,
    )
    run("--db", db, "apply", str(out / "decided.xlsx"), "--to", str(out / "filled.xlsx"), "-o",
        str(out / "final.xlsx"), "--approve", "--owner", "営業 山田", "--customer", "サンプル商事")  # fmt: skip
    run(
        "--db",
        db,
        "edit",
        "12.6.1",
        "--document",
        "ミナトクラウド VPS",
        "--text",
        "月に一度、脆弱性診断を行います。",
    )
    return out / "kb.db"


def export(db: Path, out: Path, audience: str = "internal") -> dict:
    run("--db", str(db), "export", "json", "--audience", audience, "-o", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def schema_objects(db: Path) -> tuple[set[str], set[str]]:
    """(ordinary tables, virtual tables and views with the tables FTS5 keeps its index in), read
    here from sqlite_master, apart from kb.tables' reading of it."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        conn.close()
    virtual = {n for n, t, sql in rows if t == "table" and sql.upper().startswith("CREATE VIRTUAL")}
    derived = {n for n, t, _ in rows if t == "view"} | virtual
    derived |= {n for n, *_ in rows if any(n.startswith(f"{v}_") for v in virtual)}
    return {n for n, *_ in rows} - derived, derived


def test_every_stored_table_is_in_the_export(full_kb, tmp_path):
    data = export(full_kb, tmp_path / "all.json")
    stored, derived = schema_objects(full_kb)
    missing = stored - set(data["tables"])
    assert not missing, f"stored tables missing from kb export json: {sorted(missing)}"
    assert set(data["tables"]) == stored
    assert set(data["rebuilt_on_import"]) <= derived and "chunks_fts" in data["rebuilt_on_import"]
    empty = {name for name, table in data["tables"].items() if not table["rows"]}
    assert empty == set(EMPTY_IN_DEMO), f"tables the KB with everything leaves empty: {sorted(empty)}"
    # Generated columns are computed again, not stored: responses.control_family is not exported.
    assert "control_family" not in data["tables"]["responses"]["columns"]


def without_restore_entry(data: dict) -> dict:
    """``data`` with the audit log's last entry (the restore's own) taken off."""
    copy = json.loads(json.dumps(data))
    log = copy["tables"].get("audit_log")
    if log and log["rows"]:
        entry = dict(zip(log["columns"], log["rows"].pop(), strict=True))
        assert (entry["action"], entry["target_kind"]) == ("import json", "kb")
    return copy


def test_export_import_export_gives_the_same_json(full_kb, tmp_path):
    first = export(full_kb, tmp_path / "first.json")
    restored = tmp_path / "restored.db"
    result = run("--db", str(restored), "import", "json", str(tmp_path / "first.json"))
    assert "search indexes rebuilt" in result.stdout
    second = export(restored, tmp_path / "second.json")
    assert without_restore_entry(second) == first
    # The restored KB answers as the one it came from, and its audit log still verifies.
    for db in (full_kb, restored):
        assert run("--db", str(db), "log", "--verify").exit_code == 0
    ask = ["answer", "データセンターはどの国にありますか。", "--json"]
    assert run("--db", str(restored), *ask).stdout == run("--db", str(full_kb), *ask).stdout


def test_a_public_export_restores_to_a_kb_that_exports_it_again(full_kb, tmp_path):
    first = export(full_kb, tmp_path / "public.json", "public")
    text = (tmp_path / "public.json").read_text(encoding="utf-8")
    assert LEVEL_MARKERS["internal"] not in text  # the internal whitepaper is not in it ...
    withheld = first["withheld"]["tables"]
    assert withheld["documents"] == 1 and withheld["responses"] == 1  # ... only counted
    for table in ("fills", "fill_rows", "audit_log", "content_versions"):  # they name customers and staff
        assert table not in first["tables"] and withheld[table] > 0
    # Nor does any other table name the customer or the staff who decided or own content.
    assert "サンプル商事" not in text and "営業 山田" not in text
    assert first["withheld"]["names"]["qa_pairs.customer"] > 0
    everything = tmp_path / "internal.json"
    export(full_kb, everything)
    assert "サンプル商事" in everything.read_text(encoding="utf-8")
    restored = tmp_path / "restored.db"
    run("--db", str(restored), "import", "json", str(tmp_path / "public.json"))
    second = export(restored, tmp_path / "again.json", "public")
    assert {k: v for k, v in second.items() if k != "withheld"} == {
        k: v for k, v in first.items() if k != "withheld"
    }


def test_evidence_files_come_back_with_the_vault(full_kb, tmp_path):
    export(full_kb, tmp_path / "all.json")
    restored = tmp_path / "restored.db"
    result = run("--db", str(restored), "import", "json", str(tmp_path / "all.json"))
    assert "2 of 2 evidence files are listed but not in" in result.stderr
    assert run("--db", str(restored), "evidence", "verify", ok=False).exit_code == 1
    shutil.copytree(f"{full_kb}.vault", f"{restored}.vault")
    assert run("--db", str(restored), "evidence", "verify").exit_code == 0


def test_a_kb_that_is_not_empty_is_refused_and_left_as_it_was(full_kb, tmp_path):
    export(full_kb, tmp_path / "all.json")
    target = tmp_path / "target.db"
    run("--db", str(target), "import", "whitepaper", str(DEMO / "sample_whitepaper.md"))
    before = export(target, tmp_path / "before.json")
    result = run("--db", str(target), "import", "json", str(tmp_path / "all.json"), ok=False)
    assert result.exit_code == 2
    assert "restores into an empty KB only" in result.stderr and result.stderr.count("\n") == 1
    assert export(target, tmp_path / "after.json") == before


@pytest.mark.parametrize(
    "content, says",
    [
        (b"\xff\xfe{", "not UTF-8"),
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "no format_version"),
        (json.dumps({"format_version": 1, "documents": []}).encode(), "format 1"),
        (json.dumps({"format_version": 2, "schema_version": 999, "tables": {}}).encode(), "upgrade kb"),
        (
            json.dumps(
                {
                    "format_version": 2,
                    "schema_version": 1,
                    "tables": {"nope": {"columns": ["a"], "rows": [[1]]}},
                }
            ).encode(),
            "table this KB's schema does not: nope",
        ),
        (
            json.dumps(
                {
                    "format_version": 2,
                    "schema_version": 1,
                    "tables": {"glossary": {"columns": ["id", "terms"], "rows": [[1]]}},
                }
            ).encode(),
            "row 1 does not have one value",
        ),
    ],
)
def test_bad_files_are_one_line_and_write_nothing(tmp_path, content, says):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    target = tmp_path / "new.db"
    result = run("--db", str(target), "import", "json", str(path), ok=False)
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1
    if target.exists():  # opened, then refused before anything was written
        conn = sqlite3.connect(target)
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
        conn.close()
