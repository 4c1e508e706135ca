"""`kb evidence ...` end to end, on the demo whitepaper's KB."""

import json
import os
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.evidence.documents import docx_bytes, japanese_pdf
from tests.paths import DEMO


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def kb(tmp_path):
    db = tmp_path / "kb.db"
    assert run(db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")).exit_code == 0
    return db


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "evidence"
    (folder / "policies").mkdir(parents=True)
    (folder / "iso.md").write_text("# ISMS 認証\n\n登録範囲: VPS サービスの運用", encoding="utf-8")
    (folder / "policies" / "access.docx").write_bytes(docx_bytes([["特権IDは申請と承認を経て発行する。"]]))
    (folder / "policies" / "crypto.pdf").write_bytes(japanese_pdf(["保存データはすべて暗号化する。"]))
    (folder / "sjis.txt").write_bytes("入館記録は五年間保管する。".encode("cp932"))
    return folder


def _listing(db, *args):
    res = run(db, "evidence", "list", "--json", *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_add_a_folder_list_show_and_search(kb, files):
    res = run(
        kb, "evidence", "add", str(files), "--recursive", "--control", "9.2.3", "--owner", "情報システム部"
    )
    assert res.exit_code == 0, res.output
    assert "4 added, 0 already in the vault" in res.stdout
    listed = _listing(kb)
    assert {f["original_name"] for f in listed} == {"iso.md", "access.docx", "crypto.pdf", "sjis.txt"}
    assert all(f["classification"] == "internal" and f["controls"] == ["9.2.3"] for f in listed)
    assert {f["media_type"] for f in listed} >= {"application/pdf", "text/markdown"}
    sjis = next(f for f in listed if f["original_name"] == "sjis.txt")
    shown = json.loads(run(kb, "evidence", "show", str(sjis["id"]), "--json").stdout)
    assert shown["pages"] == [{"page": 1, "text": "入館記録は五年間保管する。"}]
    hits = json.loads(run(kb, "search", "暗号化", "--kind", "evidence", "--json").stdout)
    assert [h["title"] for h in hits] == ["crypto p.1"]
    again = run(kb, "evidence", "add", str(files / "iso.md"))
    assert "already in the vault" in again.stdout and len(_listing(kb)) == 4


def test_list_expiring_and_by_control(kb, files):
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=100)).isoformat()
    run(kb, "evidence", "add", str(files / "iso.md"), "--valid-until", soon, "--control", "6.1.3")
    run(kb, "evidence", "add", str(files / "sjis.txt"), "--valid-until", later)
    run(kb, "evidence", "add", str(files / "policies" / "crypto.pdf"), "--valid-until", "2001-01-01")
    assert [f["original_name"] for f in _listing(kb, "--expiring", "30d")] == ["crypto.pdf", "iso.md"]
    assert [f["expired"] for f in _listing(kb, "--expiring", "30d")] == [True, False]
    assert [f["original_name"] for f in _listing(kb, "--control", "6.1.3")] == ["iso.md"]
    res = run(kb, "evidence", "list", "--expiring", "soon")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1


def test_verify_lists_changed_and_missing_files(kb, files, tmp_path):
    run(kb, "evidence", "add", str(files), "--recursive")
    assert run(kb, "evidence", "verify").exit_code == 0
    stored = sorted((tmp_path / "kb.db.vault").rglob("*/*/*"))
    changed, missing = stored[0], stored[1]
    os.chmod(changed, 0o644)
    changed.write_bytes(changed.read_bytes() + b"tampered")
    missing.unlink()
    res = run(kb, "evidence", "verify")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["changed", "missing"]
    assert "4 files verified, 2 changed or missing" in res.stderr


def test_export_writes_the_file_as_added(kb, files, tmp_path):
    run(kb, "evidence", "add", str(files / "policies" / "access.docx"))
    out = tmp_path / "out"
    out.mkdir()
    res = run(kb, "evidence", "export", "1", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert (out / "access.docx").read_bytes() == (files / "policies" / "access.docx").read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ("--control", "99.9.9"),  # no such control
        ("--valid-until", "2025-13-01"),
        ("--valid-from", "2025-05-01", "--valid-until", "2025-04-01"),
        ("--title", "one title", "EXTRA"),  # a title for two files
    ],
)
def test_bad_input_is_one_line_and_adds_nothing(kb, files, tmp_path, args):
    extra = [str(files / "sjis.txt")] if "EXTRA" in args else []
    res = run(kb, "evidence", "add", str(files / "iso.md"), *extra, *[a for a in args if a != "EXTRA"])
    assert res.exit_code == 2
    assert res.stderr.startswith("kb: error: ") and res.stderr.count("\n") == 1
    assert _listing(kb) == []
    assert not (tmp_path / "kb.db.vault").exists() or not any((tmp_path / "kb.db.vault").rglob("*/*/*"))


def test_a_symlink_is_refused(kb, files, tmp_path):
    link = tmp_path / "link.md"
    link.symlink_to(files / "iso.md")
    res = run(kb, "evidence", "add", str(link))
    assert res.exit_code == 2 and "symbolic link" in res.stderr
    assert _listing(kb) == []


def _add_public(kb, path, *args):
    res = run(kb, "evidence", "add", str(path), "--classification", "public", *args)
    assert res.exit_code == 0, res.output


def test_link_then_answer_cites_the_evidence(kb, files):
    _add_public(kb, files / "iso.md", "--title", "ISMS 認証登録証")
    res = run(kb, "evidence", "link", "1", "--control", "6.1.3")
    assert res.exit_code == 0 and "linked to 6.1.3" in res.stdout
    answered = json.loads(run(kb, "answer", "データセンターはどの国にありますか。", "--json").stdout)
    assert "証跡: ISMS 認証登録証（1ページ）" in answered["sources"][0]["citations"]


def test_fill_report_and_review_list_flag_expired_evidence(kb, files, tmp_path):
    import openpyxl

    from tests.workbooks import build_question_sheet

    _add_public(kb, files / "iso.md", "--title", "ISMS 認証登録証")
    _add_public(kb, files / "sjis.txt", "--valid-until", "2001-03-31")
    run(kb, "evidence", "link", "1", "--control", "6.1.3")
    run(kb, "evidence", "link", "2", "--control", "6.1.3")
    sheet = build_question_sheet(tmp_path / "sheet.xlsx", ["データセンターはどの国にありますか。"])
    report, review = tmp_path / "report.json", tmp_path / "review.xlsx"
    res = run(
        kb,
        "fill",
        str(sheet),
        "-o",
        str(tmp_path / "out.xlsx"),
        "--report",
        str(report),
        "--review",
        str(review),
    )
    assert res.exit_code == 0, res.output
    row = json.loads(report.read_text(encoding="utf-8"))["questions"][0]
    assert row["status"] == "needs_review"
    assert row["expired_evidence"] == ["Evidence: sjis, p. 1 (expired 2001-03-31)"]
    assert "expired_evidence" in row["reason_codes"]
    cells = [str(c.value) for c in openpyxl.load_workbook(review).active[2] if c.value is not None]
    assert any("有効期限切れ 2001-03-31" in c for c in cells)  # the sources' citations
    assert any("回答の根拠の証跡が期限切れです" in c for c in cells)  # the reason, in the sheet's language
