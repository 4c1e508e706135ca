"""`kb check stale` and `kb check conflicts` speak the user's language (KB_LANG); --json keeps the
English codes and texts a CI job parses."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb import store
from kb.cli import cli
from kb.db import connect
from tests.builders import service_whitepaper

RESPONSES = [("6.1.3", "関係当局との連絡", "お客様のデータは東京のデータセンターに保存します。")]


def stale_kb(path):
    db = connect(path)
    store.import_document(db, service_whitepaper("ALPHA-VM", RESPONSES))
    db.execute("UPDATE responses SET review_due = '2026-05-01'")
    db.commit()
    db.close()
    return path


def test_check_stale_says_why_in_the_users_language(tmp_path, lang):
    db = stale_kb(tmp_path / "kb.db")
    result = CliRunner().invoke(cli, ["--db", str(db), "check", "stale", "--as-of", "2026-06-01"])
    assert result.exit_code == 1
    line = {
        "en": "review: 6.1.3 関係当局との連絡 [ALPHA-VM]: review was due 2026-05-01",
        "ja": "レビュー: 6.1.3 関係当局との連絡 [ALPHA-VM]: レビュー期限は 2026-05-01 でした",
    }[lang]
    assert result.stdout.splitlines() == [line]


def test_check_stale_json_stays_english_whatever_the_language(tmp_path, monkeypatch):
    db = stale_kb(tmp_path / "kb.db")
    monkeypatch.setenv("KB_LANG", "ja")
    result = CliRunner().invoke(cli, ["--db", str(db), "check", "stale", "--as-of", "2026-06-01", "--json"])
    found = json.loads(result.stdout)["stale"]
    assert [(s["reason"], s["detail"]) for s in found] == [("review", "review was due 2026-05-01")]


def test_check_conflicts_says_who_said_what_in_the_users_language(tmp_path, lang):
    from tests.builders import BETA_BM, service_answers

    path = tmp_path / "kb.db"
    db = connect(path)
    store.import_document(db, service_whitepaper("BETA-BM", BETA_BM))
    service_answers(db, "2025", [("保存データは暗号化されていますか。", "はい", None)])
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["--db", str(path), "check", "conflicts"])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        {
            "en": "conflict: library #1 (ACME, 2025-05-01, 2025.xlsx) says yes to 「保存データは暗号化されていますか。」;",
            "ja": "食い違い: 回答ライブラリ #1（ACME, 2025-05-01, 2025.xlsx） は「保存データは暗号化されていますか。」に はい と答えています",
        }[lang]
    ), line
    assert line.endswith({"en": " says no", "ja": " は いいえ です"}[lang]), line
