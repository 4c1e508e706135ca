"""English contracts in the KB: a contract version knows its language, and its articles are
labelled as it cites them (Article 7 (Governing Law), not 第7条（Governing Law）) in clause labels,
search titles, version changes, citation checks and answer quotes; an answer quotes each article
once, in its language where that edition of the contract is in the KB.

The contracts and whitepapers are written here for these tests (a fictional provider, "Heron
Storage" / ヘロンストレージ); what kb prints is checked in English and Japanese (KB_LANG)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from importers.clauses import parse_contract
from kb import clauses, store
from kb.answer import answer
from kb.clauses import Cited, Clause, one_edition_each
from kb.cli import cli
from kb.contracts import article_label, clause_label, heading_label
from kb.db import MIGRATIONS, SCHEMA_VERSION, Database, connect, connect_memory, migrate
from kb.model import ClauseRef, ParsedDocument, Section

JA_TERMS = "ヘロンストレージ利用規約"
EN_TERMS = "Heron Storage Terms of Use"

JA_CONTRACT = f"""# {JA_TERMS}

第7条（準拠法）
この規約の準拠法は日本法とし、日本法に従って解釈します。

第9条（保存地域）
当社は、利用者のデータを日本国内の保存地域にのみ保存します。
"""

EN_CONTRACT = f"""# {EN_TERMS}

Article 7 (Governing Law)
These Terms and every contract under them are governed by the laws of Japan.

Article 9 (Storage Regions)
Heron Storage stores the User's data only in storage regions located in Japan.
"""

EN_CONTRACT_V2 = f"""# {EN_TERMS}

Article 7 (Governing Law)
These Terms and every contract under them are governed by the laws of Japan.

Article 9 (Data Storage Regions)
Heron Storage stores the User's data only in storage regions located in Japan.

Article 9-2 (Backup Regions)
Backups are kept in a second storage region in Japan.
"""

JA_QUESTION = "契約の準拠法はどこの国の法律ですか。"
EN_QUESTION = "Which law governs the contract?"


def whitepaper(lang: str, refs: list[ClauseRef], text: str) -> ParsedDocument:
    """One edition of the provider's whitepaper: its 18.1.1 cites ``refs``."""
    title = {"ja": "適用法令の特定", "en": "Identification of applicable legislation"}[lang]
    return ParsedDocument(
        kind="whitepaper",
        title=f"Heron Storage whitepaper ({lang})",
        sha256=f"wp-{lang}",
        source_name=f"wp_{lang}.md",
        lang=lang,
        sections=[
            Section(title, text, control_id="18.1.1", framework="ISO/IEC 27017:2015", clause_refs=refs)
        ],
    )


JA_WHITEPAPER = whitepaper(
    "ja", [ClauseRef(JA_TERMS, 7, "準拠法")], "お客様との契約に適用する準拠法は、規約で定めています。"
)
EN_WHITEPAPER = whitepaper(
    "en",
    [ClauseRef(EN_TERMS, 7, "Governing Law")],
    "The law that applies to our contracts is set out in the terms of use.",
)


def import_terms(db, text: str, name: str) -> clauses.ContractImport:
    parsed = parse_contract(text.encode(), name)
    return clauses.import_contract(db, parsed, document=parsed.title or name)


@pytest.fixture
def both():
    """Both editions of the whitepaper and of the terms."""
    db = connect_memory()
    store.import_document(db, JA_WHITEPAPER)
    store.import_document(db, EN_WHITEPAPER)
    import_terms(db, JA_CONTRACT, "terms_ja.md")
    import_terms(db, EN_CONTRACT, "terms_en.md")
    return db


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def said(lang: str, en: str, ja: str) -> str:
    return ja if lang == "ja" else en


# --------------------------------------------------------------------------- labels


def test_an_article_is_labelled_as_its_contract_cites_it():
    assert article_label(12) == "第12条" and article_label(12, 2) == "第12条の2"
    assert article_label(12, lang="en") == "Article 12" and article_label(12, 2, "en") == "Article 12-2"
    assert heading_label(12, "Data Storage Location", lang="en") == "Article 12 (Data Storage Location)"
    assert heading_label(12, "", 2, "en") == "Article 12-2"
    assert heading_label(12, "保存場所") == "第12条（保存場所）"
    assert clause_label(EN_TERMS, 12, "Data Storage Location", lang="en") == (
        f"{EN_TERMS}, Article 12 (Data Storage Location)"
    )
    assert clause_label("", 12, "Data Storage Location", lang="en") == "Article 12 (Data Storage Location)"
    # Japanese, as before
    assert clause_label(JA_TERMS, 12, "保存場所") == f"{JA_TERMS} 第12条（保存場所）"
    assert clause_label("", 12, "保存場所", 2) == "第12条の2（保存場所）"


def test_the_importer_says_which_language_it_read_the_contract_in():
    assert parse_contract(EN_CONTRACT.encode(), "en.md").lang == "en"
    assert parse_contract(JA_CONTRACT.encode(), "ja.md").lang == "ja"


def test_a_stored_english_clause_is_labelled_and_titled_in_english(both):
    rows = both.execute(
        "SELECT k.name, v.lang FROM contract_versions v JOIN contracts k ON k.id = v.contract_id ORDER BY v.id"
    ).fetchall()
    assert rows == [(JA_TERMS, "ja"), (EN_TERMS, "en")]
    index = clauses.ClauseIndex(both)
    english, japanese = index.current[(EN_TERMS, 9)], index.current[(JA_TERMS, 9)]
    assert (english.lang, english.label) == ("en", f"{EN_TERMS}, Article 9 (Storage Regions)")
    assert (japanese.lang, japanese.label) == ("ja", f"{JA_TERMS} 第9条（保存地域）")
    titles = {
        source_id: title
        for source_id, title in both.execute("SELECT source_id, title FROM chunks WHERE kind = 'clause'")
    }
    # a search hit's title is the article's heading, as its contract cites it
    assert titles[english.id] == "Article 9 (Storage Regions)"
    assert titles[japanese.id] == "第9条（保存地域）"


def test_kb_search_titles_an_english_clause_in_english(tmp_path, lang):
    db = tmp_path / "kb.db"
    import_terms(connect(db), EN_CONTRACT, "terms_en.md")
    found = run(db, "search", "storage regions in Japan", "--kind", "clause")
    assert found.output.splitlines()[0].startswith("Article 9 (Storage Regions)  ")


# --------------------------------------------------------------------------- versions and history


def test_an_english_versions_changes_are_labelled_in_english_in_both_languages(tmp_path, lang):
    db = tmp_path / "kb.db"
    (tmp_path / "v1.md").write_text(EN_CONTRACT, encoding="utf-8")
    (tmp_path / "v2.md").write_text(EN_CONTRACT_V2, encoding="utf-8")
    assert run(db, "import", "clauses", str(tmp_path / "v1.md")).exit_code == 0
    second = run(db, "import", "clauses", str(tmp_path / "v2.md"))
    changes = said(
        lang,
        "    Article 9: retitled (Storage Regions) → (Data Storage Regions)\n"
        "    Article 9-2 (Backup Regions): added\n",
        "    Article 9: 見出しを変更 (Storage Regions) → (Data Storage Regions)\n"
        "    Article 9-2 (Backup Regions): 追加\n",
    )
    assert second.output.endswith(changes), second.output
    history = run(db, "clauses", "history").output
    assert history.endswith(changes.replace("    ", "  ")), history
    [_, version] = clauses.versions(connect(db))
    assert version.lang == "en" and [c.label for c in version.changes] == ["Article 9", "Article 9-2"]


def test_a_japanese_versions_changes_are_labelled_as_before(tmp_path, lang):
    db = tmp_path / "kb.db"
    (tmp_path / "v1.md").write_text(JA_CONTRACT, encoding="utf-8")
    (tmp_path / "v2.md").write_text(
        JA_CONTRACT.replace("（保存地域）", "（データの保存地域）")
        + "\n第10条（通知）\n通知は電子メールで行います。\n",
        encoding="utf-8",
    )
    run(db, "import", "clauses", str(tmp_path / "v1.md"))
    second = run(db, "import", "clauses", str(tmp_path / "v2.md"))
    assert second.output.endswith(
        said(
            lang,
            "    第9条: retitled（保存地域） → （データの保存地域）\n    第10条（通知）: added\n",
            "    第9条: 見出しを変更（保存地域） → （データの保存地域）\n    第10条（通知）: 追加\n",
        )
    ), second.output


# --------------------------------------------------------------------------- kb clauses show, kb check refs


def test_kb_clauses_show_heads_an_english_article_in_english(tmp_path, lang):
    db = tmp_path / "kb.db"
    import_terms(connect(db), EN_CONTRACT, "terms_en.md")
    shown = run(db, "clauses", "show", EN_TERMS, "7")
    assert shown.output.splitlines()[0] == said(
        lang,
        f"{EN_TERMS}, Article 7 (Governing Law) (version 1)",
        f"{EN_TERMS}, Article 7 (Governing Law)（版 1）",
    )
    missing = CliRunner().invoke(cli, ["--db", str(db), "clauses", "show", EN_TERMS, "99"])
    assert missing.exit_code != 0
    assert (
        said(lang, f"{EN_TERMS}, Article 99: no such article", f"{EN_TERMS}, Article 99: その条はありません")
        in missing.output
    )


def test_kb_check_refs_cites_as_each_response_cites_and_numbers_as_the_contract_does(tmp_path, lang):
    db = tmp_path / "kb.db"
    kb = connect(db)
    store.import_document(
        kb,
        whitepaper(
            "en",
            [
                ClauseRef(EN_TERMS, 9, "Storage Locations"),  # the contract titles it Storage Regions
                ClauseRef(EN_TERMS, 99, "Notices"),
                ClauseRef("Heron Backup Addendum", 2, "Backups"),
            ],
            "Where data is stored is set out in the terms of use.",
        ),
    )
    store.import_document(
        kb, whitepaper("ja", [ClauseRef(JA_TERMS, 99, "通知")], "通知は規約に定めています。")
    )
    import_terms(kb, EN_CONTRACT, "terms_en.md")
    import_terms(kb, JA_CONTRACT, "terms_ja.md")
    kb.close()
    lines = CliRunner().invoke(cli, ["--db", str(db), "check", "refs"]).stdout.splitlines()
    where = "18.1.1 Identification of applicable legislation"
    assert lines == said(
        lang,
        [
            f"{where}: {EN_TERMS}, Article 9 (Storage Locations): the contract's Article 9 is (Storage Regions)",
            f"{where}: {EN_TERMS}, Article 99 (Notices): {EN_TERMS} has no Article 99",
            f"{where}: Heron Backup Addendum, Article 2 (Backups): no contract of that name in the KB"
            " (kb import clauses FILE --document NAME)",
            f"18.1.1 適用法令の特定: {JA_TERMS} 第99条（通知）: {JA_TERMS} has no 第99条",
        ],
        [
            f"{where}: {EN_TERMS}, Article 9 (Storage Locations): 契約書の Article 9 の見出しは (Storage Regions) です",
            f"{where}: {EN_TERMS}, Article 99 (Notices): {EN_TERMS} に Article 99 はありません",
            f"{where}: Heron Backup Addendum, Article 2 (Backups): KBにその名前の契約書はありません"
            "（kb import clauses FILE --document NAME）",
            f"18.1.1 適用法令の特定: {JA_TERMS} 第99条（通知）: {JA_TERMS} に第99条はありません",
        ],
    )


# --------------------------------------------------------------------------- answers quote each article once


def quoted(db, question: str) -> list[tuple[str, str]]:
    [top, *_] = answer(db, question).sources
    assert top.control_id == "18.1.1"
    return [(q.lang, q.label) for q in top.clauses]


def test_an_answer_quotes_the_article_once_in_its_language(both):
    assert quoted(both, EN_QUESTION) == [("en", f"{EN_TERMS}, Article 7 (Governing Law)")]
    assert quoted(both, JA_QUESTION) == [("ja", f"{JA_TERMS} 第7条（準拠法）")]


def test_without_that_edition_of_the_contract_the_other_one_is_quoted():
    db = connect_memory()
    store.import_document(db, JA_WHITEPAPER)
    store.import_document(db, EN_WHITEPAPER)
    import_terms(db, JA_CONTRACT, "terms_ja.md")
    assert quoted(db, EN_QUESTION) == [("ja", f"{JA_TERMS} 第7条（準拠法）")]


def test_an_edition_the_audience_may_not_see_is_not_in_the_kb_for_it():
    db = connect_memory()
    store.import_document(db, JA_WHITEPAPER)
    store.import_document(db, EN_WHITEPAPER)
    import_terms(db, JA_CONTRACT, "terms_ja.md")
    parsed = parse_contract(EN_CONTRACT.encode(), "terms_en.md")
    clauses.import_contract(db, parsed, document=EN_TERMS, classification="nda")
    [top, *_] = answer(db, EN_QUESTION, audience="public").sources
    assert [(q.lang, q.label) for q in top.clauses] == [("ja", f"{JA_TERMS} 第7条（準拠法）")]
    [top, *_] = answer(db, EN_QUESTION, audience="nda").sources
    assert [(q.lang, q.label) for q in top.clauses] == [("en", f"{EN_TERMS}, Article 7 (Governing Law)")]


def clause(clause_id: int, document: str, article: int, lang: str, branch: int = 0) -> Clause:
    return Clause(clause_id, document, "1", article, branch, "t", "text", "public", True, lang)


def test_two_editions_of_one_article_are_one_and_two_articles_stay_two():
    ja7, en7 = clause(1, JA_TERMS, 7, "ja"), clause(2, EN_TERMS, 7, "en")
    sla7 = clause(3, "ヘロンストレージ SLA", 7, "ja")
    # The Japanese response (10) and its English edition (11) cite Article 7 each in its language.
    assert one_edition_each([Cited(ja7, 10), Cited(en7, 11)], "en") == [en7]
    assert one_edition_each([Cited(ja7, 10), Cited(en7, 11)], "ja") == [ja7]
    # The SLA's Article 7 has no English edition: the English one stands for one twin only.
    assert one_edition_each([Cited(ja7, 10), Cited(sla7, 10), Cited(en7, 11)], "en") == [sla7, en7]
    # One edition citing two contracts' articles of one number cites two articles.
    assert one_edition_each([Cited(ja7, 10), Cited(en7, 10)], "en") == [ja7, en7]
    # Two articles of one number in one language, or of two numbers (or branches), are two.
    assert one_edition_each([Cited(ja7, 10), Cited(sla7, 11)], "en") == [ja7, sla7]
    en7_2 = clause(4, EN_TERMS, 7, "en", branch=2)
    assert one_edition_each([Cited(ja7, 10), Cited(en7_2, 11)], "en") == [ja7, en7_2]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        (EN_QUESTION, f"Terms: {EN_TERMS}, Article 7 (Governing Law)"),
        (JA_QUESTION, f"約款: {JA_TERMS} 第7条（準拠法）"),
    ],
)
def test_kb_answer_prints_a_quote_under_the_label_of_its_contracts_language(tmp_path, lang, question, label):
    db = tmp_path / "kb.db"
    kb = connect(db)
    store.import_document(kb, JA_WHITEPAPER)
    store.import_document(kb, EN_WHITEPAPER)
    import_terms(kb, JA_CONTRACT, "terms_ja.md")
    import_terms(kb, EN_CONTRACT, "terms_en.md")
    kb.close()
    lines = [line.strip() for line in run(db, "answer", question).output.splitlines()]
    assert [line for line in lines if line.startswith(("Terms: ", "約款: "))] == [label]


# --------------------------------------------------------------------------- schema version 17


def version_16_kb(tmp_path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "kb.db", isolation_level=None)
    for version, statements in enumerate(MIGRATIONS[:16], start=1):
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_version_17_knows_the_english_contracts_the_first_english_reading_imported(tmp_path):
    conn = version_16_kb(tmp_path)
    titles = {1: ["Governing Law", "Storage Regions"], 2: ["準拠法", "SLA"], 3: ["", ""]}  # 3: statute-like
    for version_id, heads in titles.items():
        conn.execute(
            "INSERT INTO contracts (id, name, name_key, created_at) VALUES (?, ?, ?, 'now')",
            [version_id, f"c{version_id}", f"c{version_id}"],
        )
        conn.execute(
            "INSERT INTO contract_versions (id, contract_id, version, sha256, source_name, imported_at)"
            " VALUES (?, ?, '1', ?, 'c.md', 'now')",
            [version_id, version_id, f"sha{version_id}"],
        )
        for position, title in enumerate(heads):
            conn.execute(
                "INSERT INTO clauses (version_id, article, title, text, position) VALUES (?, ?, ?, 'These Terms.', ?)",
                [version_id, position + 1, title, position],
            )
    assert migrate(Database(conn)) == SCHEMA_VERSION
    assert conn.execute("SELECT id, lang FROM contract_versions ORDER BY id").fetchall() == [
        (1, "en"),
        (2, "ja"),
        (3, "ja"),
    ]
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE contract_versions SET lang = 'fr' WHERE id = 1")


def test_an_english_sheet_is_offered_an_english_clause_as_its_contract_cites_it(tmp_path, lang):
    import openpyxl

    from tests.workbooks import build_question_sheet

    db = tmp_path / "kb.db"
    kb = connect(db)
    store.import_document(kb, EN_WHITEPAPER)
    import_terms(kb, EN_CONTRACT, "terms_en.md")
    kb.close()
    sheet = build_question_sheet(tmp_path / "q.xlsx", ["In which regions is the User's data stored?"])
    filled = run(
        db, "fill", str(sheet), "-o", str(tmp_path / "out.xlsx"), "--review", str(tmp_path / "r.xlsx")
    )
    assert filled.exit_code == 0, filled.output
    cells = [
        str(value)
        for ws in openpyxl.load_workbook(tmp_path / "r.xlsx")
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value
    ]
    assert any(f"{EN_TERMS}, Article 9 (Storage Regions)" in cell for cell in cells), cells
    assert not any("第9条" in cell for cell in cells)
