"""`kb answer` at a terminal: why a row is held, and what each source is, in the user's language."""

from __future__ import annotations

from click.testing import CliRunner

from kb.cli import cli
from tests.builders import whitepaper_kb


def test_kb_answer_says_why_it_held_an_answer_and_names_the_kind_of_source(tmp_path, lang):
    path = tmp_path / "kb.db"
    whitepaper_kb(
        path,
        "Gate whitepaper",
        [
            ("3.1.1", "情報のバックアップ", "バックアップは毎日取得し、別の拠点で保管しています。"),
            ("3.1.2", "利用者の教育", "全ての従業員に年1回の教育・訓練を実施しています。"),
        ],
    ).close()
    held = CliRunner().invoke(cli, ["--db", str(path), "answer", "Are the backups encrypted?"]).output
    assert {
        "en": "held for review: the source does not cover: encrypt",
        "ja": "確認のため保留: 出典が触れていない語: encrypt",
    }[lang] in held
    assert {"en": "(response, 0.", "ja": "(回答書, 0."}[lang] in held
    answered = (
        CliRunner().invoke(cli, ["--db", str(path), "answer", "バックアップは毎日取得していますか。"]).output
    )
    assert (
        "held for review" not in answered and "確認のため保留" not in answered
    )  # only a held answer says why


def test_kb_search_names_the_kind_of_each_hit_in_the_users_language(tmp_path, lang):
    path = tmp_path / "kb.db"
    whitepaper_kb(
        path, "Search whitepaper", [("3.1.1", "情報のバックアップ", "バックアップは毎日取得します。")]
    ).close()
    first = CliRunner().invoke(cli, ["--db", str(path), "search", "バックアップ"]).output.splitlines()[0]
    assert first.endswith({"en": "  response · 1.000", "ja": "  回答書 · 1.000"}[lang]), first
