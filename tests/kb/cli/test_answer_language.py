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


def test_kb_show_says_what_is_wrong_with_a_citation_in_the_users_language(tmp_path, lang):
    from kb import store
    from kb.clauses import import_contract
    from kb.contracts import Article, Paragraph, ParsedContract
    from kb.db import connect
    from kb.model import ClauseRef
    from tests.builders import service_whitepaper

    doc = service_whitepaper("ALPHA-VM", [("6.1.3", "関係当局との連絡", "データは東京に保存します。")])
    doc.sections[0].clause_refs.append(ClauseRef("利用約款", 7, "保存場所"))
    path = tmp_path / "kb.db"
    db = connect(path)
    store.import_document(db, doc)
    terms = ParsedContract(
        "t", "t.md", (Article(7, "保存場所", (Paragraph(1, "", "データは東京に保存します。"),)),)
    )
    import_contract(db, terms, document="配信規約", version="1", effective="2025-01-01")
    db.close()
    shown = "".join(
        CliRunner().invoke(cli, ["--db", str(path), "show", "6.1.3"]).output.replace("│", "").split()
    )
    assert {"en": "(nocontract:kbcheckrefs)", "ja": "（契約書がKBにありません:kbcheckrefs）"}[lang] in shown
