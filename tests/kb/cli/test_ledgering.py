"""`kb log`: the audit log as a person and a script read it, and --verify's exit code."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from kb import audit
from kb.cli import cli


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_changes_are_logged_with_the_actor_given(tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "osuser")
    added = run(db, "--actor", "sato", "glossary", "add", "架空語A", "made-up word a")
    assert added.exit_code == 0, added.stderr
    assert run(db, "glossary", "remove", "1").exit_code == 0
    entries = json.loads(run(db, "log", "--json").stdout)
    assert [(e["actor"], e["action"], e["target_kind"], e["target_id"]) for e in entries] == [
        ("sato", "glossary add", "glossary", "1"),
        ("osuser", "glossary remove", "glossary", "1"),
    ]
    assert entries[0]["after_sha256"] == entries[1]["before_sha256"] is not None
    lines = run(db, "log").stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1\t") and "\tsato\tglossary add\tglossary 1\t" in lines[0]
    assert run(db, "log", "--limit", "1").stdout.startswith("2\t")


def test_verify_exits_1_naming_the_first_broken_entry(tmp_path):
    db = tmp_path / "kb.db"
    for terms in (("架空語A", "made-up word a"), ("架空語B", "made-up word b"), ("架空語C", "made-up word c")):
        run(db, "glossary", "add", *terms)
    intact = run(db, "log", "--verify")
    assert intact.exit_code == 0 and intact.stdout.startswith("audit log intact: 3 entries, head ")
    conn = sqlite3.connect(db, isolation_level=None)
    for name in audit.GUARD_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE id = 2")
    conn.close()
    broken = run(db, "log", "--verify")
    assert broken.exit_code == 1
    assert broken.stderr == "kb: audit log broken at entry 2: its content does not match its hash\n"
    report = json.loads(run(db, "log", "--verify", "--json").stdout)
    assert report["ok"] is False and report["broken"]["entry_id"] == 2


def test_log_of_no_kb_is_one_line(tmp_path):
    res = run(tmp_path / "none.db", "log")
    assert res.exit_code == 2 and "no knowledge base" in res.stderr
