import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.conftest import DEMO, SEED, need_shared

WHITEPAPER = DEMO / "sample_whitepaper.md"


def run(*args, db):
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result


def test_import_export_show_on_demo(tmp_path):
    db = tmp_path / "kb.db"
    res = run("import", "whitepaper", str(WHITEPAPER), db=db)
    assert res.exit_code == 0, res.output
    assert "control responses" in res.stdout
    again = run("import", "whitepaper", str(WHITEPAPER), db=db)
    assert again.exit_code == 0 and "nothing changed" in again.stdout

    res = run("export", "json", db=db)
    data = json.loads(res.stdout)
    by_id = {r["control_id"]: r for r in data["responses"] if r["control_id"]}
    assert "CLD.9.5.1" in by_id
    for r in data["responses"]:
        assert set(r) >= {
            "control_id",
            "framework",
            "title",
            "text",
            "service",
            "document",
            "clause_refs",
            "doc_refs",
        }
        for c in r["clause_refs"]:
            assert isinstance(c["article"], int) and c["document"] and c["title"]
    for rev in data["revisions"]:
        assert len(rev["date"]) == 10 and isinstance(rev["changed"], list)

    out = tmp_path / "kb.json"
    assert run("export", "json", "-o", str(out), db=db).exit_code == 0
    assert json.loads(out.read_text())["responses"] == data["responses"]

    res = run("show", "cld.9.5.1", db=db)
    assert res.exit_code == 0 and "CLD.9.5.1" in res.stdout


def test_seed_export_has_clauses_and_revisions(tmp_path):
    need_shared(SEED)
    db = tmp_path / "kb.db"
    assert run("import", "whitepaper", str(SEED), db=db).exit_code == 0
    data = json.loads(run("export", "json", db=db).stdout)
    clauses = {(c["article"], c["title"]) for r in data["responses"] for c in r["clause_refs"]}
    assert clauses == {
        (20, "情報の取り扱い"),
        (27, "本サービスの目的"),
        (30, "提供場所"),
        (34, "本サービスの適正な利用"),
        (44, "個人情報保護"),
        (46, "契約者のデータの権利"),
        (47, "契約者への通知等"),
        (51, "準拠法"),
    }
    assert [(r["version"], r["date"], r["changed"]) for r in data["revisions"]] == [
        ("初版", "2021-12-01", []),
        ("1.1", "2022-03-18", ["7.2.2", "8.1.1", "CLD.12.4.5"]),
    ]
    assert {r["service"] for r in data["responses"]} == {"CPS-VM"}


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02binary\xff\xfe", "# 見出しだけ\n\n本文です。\n".encode()],
    ids=["empty", "binary", "no-controls"],
)
def test_not_a_whitepaper_exits_2_and_leaves_db_alone(tmp_path, content):
    db = tmp_path / "kb.db"
    assert run("import", "whitepaper", str(WHITEPAPER), db=db).exit_code == 0
    before = (tmp_path / "kb.db").read_bytes()
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    res = run("import", "whitepaper", str(bad), db=db)
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("kb: error:")
    assert "Traceback" not in res.output
    assert (tmp_path / "kb.db").read_bytes() == before


def test_missing_file_and_unknown_control_are_one_line_errors(tmp_path):
    db = tmp_path / "kb.db"
    res = run("import", "whitepaper", str(tmp_path / "nope.md"), db=db)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert not db.exists()  # a failed import creates nothing
    assert run("import", "whitepaper", str(WHITEPAPER), db=db).exit_code == 0
    res = run("show", "99.9.9", db=db)
    assert res.exit_code == 2 and "99.9.9" in res.stderr and res.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [
        ("show", "12.6.1"),
        ("search", "ぜい弱性"),
        ("answer", "Are backups taken?"),
        ("export", "json"),
        ("glossary", "list"),
    ],
)
def test_a_read_command_on_a_path_with_no_kb_says_so_and_creates_nothing(tmp_path, command):
    db = tmp_path / "typo.db"
    res = run(*command, db=db)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert f"no knowledge base at {db}" in res.stderr and "import whitepaper" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_db_env_var_and_real_process_exit_code(tmp_path):
    env = {"KB_DB": str(tmp_path / "env.db"), "PATH": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "import", "whitepaper", str(WHITEPAPER)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "env.db").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "show", "1.2.3.4"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_after_a_command_the_db_file_alone_is_the_whole_kb(tmp_path):
    """kb closes its connection, so SQLite moves the write-ahead log into the file: copying
    kb.db (without -wal) copies the KB."""
    kb_file = tmp_path / "kb.db"
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "--db", str(kb_file), "import", "whitepaper", str(WHITEPAPER)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "kb.db-wal").exists() or (tmp_path / "kb.db-wal").stat().st_size == 0
    copy = tmp_path / "copy" / "kb.db"
    copy.parent.mkdir()
    copy.write_bytes(kb_file.read_bytes())
    shown = run("show", "12.6.1", db=copy)
    assert shown.exit_code == 0 and "12.6.1" in shown.output


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """`kb glossary list --shipped | head -1`: exit 0 and nothing on stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "--db", str(tmp_path / "kb.db"), "glossary", "list", "--shipped"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert proc.stdout.readline()
    proc.stdout.close()  # as head does once it has its line
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, b"")


def test_help_lists_each_command_with_its_whole_summary(tmp_path):
    shown = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    commands = shown.output.split("Commands:", 1)[1]
    assert shown.exit_code == 0 and "..." not in commands
    assert "from the KB, with" in commands and "sources." in commands
    fill = CliRunner().invoke(cli, ["fill", "--help"])
    assert "in place" not in fill.output and "into a copy (-o)" in fill.output
