"""`kb publish` writes the audience's copy; `kb serve` serves one in Datasette (a real process on 127.0.0.1)."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.builders import build_demo_db
from tests.serving import kb_serve, raw_get


@pytest.fixture
def demo_kb(tmp_path):
    db = build_demo_db(tmp_path)
    db.execute("UPDATE responses SET classification = 'internal' WHERE control_id = '12.6.1'")
    db.execute("UPDATE chunks SET classification = 'internal' WHERE control_id = '12.6.1'")
    db.close()
    return tmp_path / "kb.db"


def test_publish_writes_the_audience_copy(demo_kb, tmp_path):
    result = CliRunner().invoke(
        cli, ["--db", str(demo_kb), "publish", "--audience", "public", "-o", str(tmp_path / "p.db")]
    )
    assert result.exit_code == 0, result.output
    # The response, its chunk, and the control only it answers (kb.publish keeps the controls of
    # what the copy holds).
    assert (
        "copy for audience public" in result.output and "3 rows above the audience left out" in result.output
    )
    conn = sqlite3.connect(f"file:{tmp_path / 'p.db'}?immutable=1", uri=True)
    assert conn.execute("SELECT count(*) FROM responses WHERE control_id = '12.6.1'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM controls WHERE control_id = '12.6.1'").fetchone()[0] == 0


def test_publish_refuses_an_unknown_audience_and_a_missing_kb(demo_kb, tmp_path):
    result = CliRunner().invoke(
        cli, ["--db", str(demo_kb), "publish", "--audience", "all", "-o", str(tmp_path / "p.db")]
    )
    assert result.exit_code == 2 and not (tmp_path / "p.db").exists()
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "none.db"), "publish", "-o", str(tmp_path / "p.db")]
    )
    assert result.exit_code == 2 and "no knowledge base" in result.output


@pytest.fixture
def served(demo_kb):
    with kb_serve(demo_kb, "--audience", "nda") as port:
        yield port


def test_serve_answers_search_and_nothing_outside_the_copy(served, demo_kb):
    status, body = raw_get(served, "/-/kb-search.json?q=" + quote("ぜい弱性"))
    assert status == 200
    assert "12.6.1" not in {h["control_id"] for h in json.loads(body)["hits"]}  # internal, not in an nda copy
    assert raw_get(served, "/kb.db")[0] == 403  # no download
    assert raw_get(served, "/kb/responses.json")[0] == 200
    for path in (
        "/../kb.db",
        "/-/static/../../../../etc/passwd",
        "/-/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/-/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/" + str(demo_kb),
        "/-/static/" + str(demo_kb),
        "/-/static-plugins/evidence-kb/../../../../../etc/passwd",
    ):
        status, body = raw_get(served, path)
        assert status == 404, path
        assert b"root:" not in body and b"SQLite format" not in body


def test_serve_with_a_password_file_locks_every_page(demo_kb, tmp_path):
    from datasette_auth_passwords.utils import hash_password

    accounts = tmp_path / "accounts"
    accounts.write_text(f"auditor:{hash_password('pw', iterations=1000)}\n", encoding="utf-8")
    with kb_serve(demo_kb, "--password-file", str(accounts)) as port:
        for path in ("/", "/kb/responses.json", "/-/kb-search.json?q=x", "/kb.json?sql=select+1"):
            assert raw_get(port, path)[0] == 403, path
        assert raw_get(port, "/-/login")[0] == 200


def test_serve_refuses_a_password_file_of_plain_passwords(demo_kb, tmp_path):
    accounts = tmp_path / "accounts"
    accounts.write_text("auditor:hunter2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(demo_kb), "serve", "--password-file", str(accounts)])
    assert result.exit_code == 2 and "never a password itself" in result.output
