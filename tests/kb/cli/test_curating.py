"""kb edit, kb approve, kb retire, kb versions and kb review due, as a person runs them."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from kb import store
from kb.cli import cli
from kb.model import ParsedDocument, Section
from tests.builders import whitepaper_kb

CONTROLS = [
    ("12.3.1", "情報のバックアップ", "バックアップは毎日取得し、別のデータセンターに保管しています。"),
    ("9.4.2", "ログオン手順", "管理画面へのログオンには多要素認証を利用できます。"),
]
NEW_TEXT = "バックアップは毎時取得し、遠隔地の倉庫に磁気テープで保管しています。"


def run(db, *args, env=None):
    return CliRunner(env=env).invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def kb_path(tmp_path):
    path = tmp_path / "kb.db"
    whitepaper_kb(path, "Our whitepaper", CONTROLS).close()
    return path


def test_edit_then_approve_then_versions(kb_path):
    edited = run(kb_path, "edit", "12.3.1", "--text", NEW_TEXT, "--actor", "yamada")
    assert edited.exit_code == 0, edited.output
    assert "draft v2 written" in edited.output and "kb approve R1" in edited.output
    shown = json.loads(run(kb_path, "answer", "バックアップは取得していますか。", "--json").output)
    assert shown["sources"][0]["text"] == CONTROLS[0][2]  # the approved text answers until approved
    approved = run(kb_path, "approve", "R1", "--actor", "sato", "--review-due", "2027-03-31")
    assert approved.exit_code == 0, approved.output
    assert "v2 approved" in approved.output and "by sato, review due 2027-03-31" in approved.output
    versions = run(kb_path, "versions", "12.3.1")
    assert versions.exit_code == 0
    assert "v1 — approved" in versions.output and "superseded" in versions.output
    assert (
        "v2 — live, approved" in versions.output
        and "by sato" in versions.output
        and NEW_TEXT in versions.output
    )
    as_json = json.loads(run(kb_path, "versions", "12.3.1", "--json").output)
    assert [(v["version"], v["live"]) for v in as_json["versions"]] == [(1, False), (2, True)]
    log = run(kb_path, "log", "--json")
    actors = [(e["actor"], e["action"]) for e in json.loads(log.output) if e["target_kind"] == "response"]
    assert actors == [("yamada", "edit"), ("sato", "approve")]


def test_edit_opens_the_editor_on_the_current_text(kb_path, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(f"import sys\nopen(sys.argv[1], 'w', encoding='utf-8').write({NEW_TEXT!r})\n")
    res = run(kb_path, "edit", "12.3.1", env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert res.exit_code == 0, res.output
    draft = json.loads(run(kb_path, "versions", "12.3.1", "--json").output)["draft"]
    assert draft["text"] == NEW_TEXT


def test_retire_and_review_due(kb_path):
    res = run(kb_path, "retire", "9.4.2")
    assert res.exit_code == 0 and "retired" in res.output
    assert (
        json.loads(run(kb_path, "answer", "ログオンに多要素認証を使えますか。", "--json").output)["status"]
        == "no_match"
    )
    assert run(kb_path, "approve", "12.3.1", "--review-due", "2020-01-01").exit_code == 0
    due = run(kb_path, "review", "due", "--within", "30d")
    assert due.exit_code == 0 and "review overdue 2020-01-01" in due.output and "9.4.2" not in due.output
    listed = json.loads(run(kb_path, "review", "due", "--json").output)
    assert [(d["control_id"], d["reason"]) for d in listed] == [("12.3.1", "overdue")]


def test_bad_ids_and_values_are_one_line_errors(kb_path):
    db = whitepaper_kb(kb_path, "Our whitepaper", [])  # the same KB: add an English edition
    edition = ParsedDocument(
        kind="whitepaper", title="Our whitepaper (EN)", sha256="en", source_name="en.md", lang="en"
    )
    edition.sections.append(Section("Backup", "Backups are taken daily.", "12.3.1", "ISO/IEC 27017:2015"))
    store.import_document(db, edition)
    db.close()
    for args, words in (
        (["approve", "12.3.1"], "12.3.1 names 2 responses: R1"),
        (["edit", "R99", "--text", "x"], "no response R99"),
        (["retire", "Q5"], "no library answer Q5"),
        (["approve", "9.4.2", "--review-due", "next year"], "--review-due must be YYYY-MM-DD"),
        (["review", "due", "--within", "soon"], "--within must be"),
        (["edit", "9.4.2", "--choice", "はい"], "--choice is for library answers"),
    ):
        res = run(kb_path, *args)
        assert res.exit_code == 2, (args, res.output)
        assert words in res.output and res.output.count("\n") == 1, res.output
    assert run(kb_path, "approve", "12.3.1", "--document", "EN").exit_code == 0


def test_kb_show_says_when_a_draft_awaits_or_a_response_is_retired(kb_path):
    assert "awaiting" not in run(kb_path, "show", "12.3.1").output  # approved, nothing pending
    run(kb_path, "edit", "12.3.1", "--text", NEW_TEXT)
    assert "R1: draft v2 by" in run(kb_path, "show", "12.3.1").output
    run(kb_path, "retire", "9.4.2")
    assert "R2 is retired" in run(kb_path, "show", "9.4.2").output


CITES_12 = "最新のパッチを適用します。責任の範囲は第 12 条 (責任) に定めます。"


@pytest.fixture
def cited_kb(tmp_path):
    """A KB whose CLD.9.5.2 cites Example 利用約款 第30条 and a service spec, with a draft citing 第12条."""
    from kb.db import connect
    from tests.builders import make_doc

    path = tmp_path / "cited.db"
    db = connect(path)
    store.import_document(db, make_doc("1"))
    db.close()
    assert run(path, "edit", "CLD.9.5.2", "--text", CITES_12).exit_code == 0
    return path


def test_approving_a_draft_cites_what_the_new_text_cites(cited_kb):
    from kb.db import connect

    path = cited_kb
    assert run(path, "approve", "CLD.9.5.2").exit_code == 0
    db = connect(path)
    rid = db.execute("SELECT id FROM responses WHERE control_id = 'CLD.9.5.2'").fetchone()[0]
    cites = store.citations(db, rid)
    assert [(c["document"], c["article"], c["title"]) for c in cites["clause_refs"]] == [
        ("Example 利用約款", 12, "責任")
    ]
    assert cites["doc_refs"] == []


def test_versions_show_what_each_version_cited(cited_kb):
    from kb.db import connect

    path = cited_kb
    pending = run(path, "versions", "CLD.9.5.2").output
    assert "cites on approval: Example 利用約款 第12条（責任）" in pending, pending
    run(path, "approve", "CLD.9.5.2")
    shown = run(path, "versions", "CLD.9.5.2", "--json").output
    old, live = json.loads(shown)["versions"]
    # v1 went out citing 第30条 and the spec; the live v2 cites 第12条 alone
    assert [r["article"] for r in old["citations"]["clause_refs"]] == [30] and old["citations"]["doc_refs"]
    assert [r["article"] for r in live["citations"]["clause_refs"]] == [12] and not live["citations"][
        "doc_refs"
    ]
    text = run(path, "versions", "CLD.9.5.2").output
    assert text.index("第30条") < text.index("v2 —") < text.index("cites: Example 利用約款 第12条（責任）")
    # a version superseded before the KB kept citations says so, rather than citing nothing
    db = connect(path)
    db.execute("UPDATE content_versions SET citations = NULL")
    db.close()
    assert "cites: not recorded" in run(path, "versions", "CLD.9.5.2").output


def test_approving_one_edition_flags_the_other_for_review(kb_path, monkeypatch):
    from kb.db import connect

    db = connect(kb_path)
    english = ParsedDocument(
        kind="whitepaper", title="Our whitepaper (English)", sha256="en-sha", source_name="en.md", lang="en",
        sections=[Section(title="12.3.1 Information backup", text="Backups are taken daily.", control_id="12.3.1",
                          framework="ISO/IEC 27017:2015")],
    )  # fmt: skip
    store.import_document(db, english)
    en_id = db.execute("SELECT id FROM responses WHERE text = 'Backups are taken daily.'").fetchone()[0]
    db.close()
    assert (
        "edition" not in run(kb_path, "review", "due", "--within", "0d").output
    )  # imported: nothing to align
    run(kb_path, "edit", "12.3.1", "--document", "English", "--text", "Backups are taken every hour.")
    approved = run(kb_path, "approve", f"R{en_id}")
    assert approved.exit_code == 0
    assert "warning: R1 " in approved.stderr and "(Our whitepaper, ja) may now differ" in approved.stderr
    due = run(kb_path, "review", "due", "--within", "0d")
    assert f"its en edition R{en_id} changed" in due.output and " R1 " in due.output, due.output
    listed = json.loads(run(kb_path, "review", "due", "--within", "0d", "--json").output)
    assert [(d["ref"], d["reason"], d.get("edition")) for d in listed] == [("R1", "edition", f"R{en_id}")]
    # a review of a response whose edition did not change warns of nothing
    assert "warning" not in run(kb_path, "approve", "9.4.2").stderr
    # approving the Japanese one again, later, is its review: it is no longer listed
    monkeypatch.setattr("kb.curation.now", lambda: "2099-01-01T00:00:00+00:00")
    assert "warning" not in run(kb_path, "approve", "R1").stderr
    assert "edition" not in run(kb_path, "review", "due", "--within", "0d").output


def _with_english_edition(kb_path) -> int:
    from kb.db import connect

    db = connect(kb_path)
    english = ParsedDocument(
        kind="whitepaper", title="Our whitepaper (English)", sha256="en-sha", source_name="en.md", lang="en",
        sections=[Section(title="12.3.1 Information backup", text="Backups are taken every day.",
                          control_id="12.3.1", framework="ISO/IEC 27017:2015")],
    )  # fmt: skip
    store.import_document(db, english)
    en_id = db.execute("SELECT id FROM responses WHERE text = 'Backups are taken every day.'").fetchone()[0]
    db.close()
    return en_id


def test_retiring_a_response_retires_its_editions_in_other_languages(kb_path):
    en_id = _with_english_edition(kb_path)
    retired = run(kb_path, "retire", "12.3.1", "--document", "Our whitepaper (English)")
    assert retired.exit_code == 0 and retired.output.count("retired;") == 2, retired.output
    # withdrawn in English, it does not go on answering in Japanese (or the other way round)
    for question in ("バックアップを毎日取得していますか。", "Are backups taken every day?"):
        held = json.loads(run(kb_path, "answer", question, "--json").output)
        assert "12.3.1" not in {s["control_id"] for s in held["sources"]}, question
    assert run(kb_path, "approve", f"R{en_id}").exit_code == 0  # brings back the one it names


def test_retire_this_edition_only_leaves_the_other_answering(kb_path):
    _with_english_edition(kb_path)
    retired = run(
        kb_path, "retire", "12.3.1", "--document", "Our whitepaper (English)", "--this-edition-only"
    )
    assert retired.exit_code == 0 and retired.output.count("retired;") == 1
    held = json.loads(run(kb_path, "answer", "バックアップを毎日取得していますか。", "--json").output)
    assert held["sources"][0]["control_id"] == "12.3.1"
