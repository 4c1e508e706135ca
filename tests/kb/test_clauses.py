"""kb.clauses: contract versions, citations resolved to clauses, checked, and quoted in answers.

The whitepaper and contract are written here for these tests.
"""

from __future__ import annotations

import pytest

from kb import clauses, store
from kb.answer import answer
from kb.contracts import Article, Paragraph, ParsedContract
from kb.db import connect_memory
from kb.errors import KBError
from kb.model import ClauseRef, ParsedDocument, Section

TERMS = "サンプル利用約款"


def contract(articles: dict[int, tuple[str, str]], sha: str = "v1", **cover) -> ParsedContract:
    """A contract whose articles are {number: (title, text)}, one paragraph each."""
    return ParsedContract(
        sha256=sha,
        source_name="terms.md",
        articles=tuple(
            Article(number, title, (Paragraph(1, "", text),)) for number, (title, text) in articles.items()
        ),
        **cover,
    )


ARTICLES = {
    3: ("保存場所", "利用者のデータは日本国内のデータセンターに保存します。"),
    12: ("準拠法", "この約款の準拠法は日本法とし、日本法に従って解釈します。"),
    15: ("バックアップ", "利用者は、自らの責任でデータのバックアップを取得するものとします。"),
}


def whitepaper() -> ParsedDocument:
    return ParsedDocument(
        kind="whitepaper",
        title="サンプル ホワイトペーパー",
        sha256="wp",
        source_name="wp.md",
        sections=[
            Section(
                "データの所在",
                "お客様のデータは国内のデータセンターに置いています。",
                control_id="6.1.3",
                framework="ISO/IEC 27017:2015",
                clause_refs=[ClauseRef(f"株式会社サンプル {TERMS}", 3, "保存場所")],
            ),
            Section(
                "適用法令の特定",
                "お客様との契約に適用する準拠法は、約款で定めています。",
                control_id="18.1.1",
                framework="ISO/IEC 27017:2015",
                clause_refs=[ClauseRef(TERMS, 12, "準拠法")],
            ),
        ],
    )


@pytest.fixture
def db():
    database = connect_memory()
    store.import_document(database, whitepaper())
    return database


def current_chunks(db, kind="clause"):
    return db.execute("SELECT count(*) FROM chunks WHERE kind = ? AND is_current = 1", [kind]).fetchone()[0]


# --------------------------------------------------------------------------- versions


def test_import_stores_each_article_as_a_searchable_clause(db):
    result = clauses.import_contract(db, contract(ARTICLES, effective="2025-04-01"), document=TERMS)
    assert (result.status, result.version, result.clauses, result.effective) == (
        "imported",
        "1",
        3,
        "2025-04-01",
    )
    assert current_chunks(db) == 3
    title, body = db.execute("SELECT title, body FROM chunks WHERE kind = 'clause' ORDER BY id").fetchone()
    assert (title, body) == ("第3条（保存場所）", ARTICLES[3][1])


def test_the_same_file_again_changes_nothing(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    again = clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    assert (again.status, again.version) == ("unchanged", "1")
    assert db.execute("SELECT count(*) FROM contract_versions").fetchone()[0] == 1
    assert current_chunks(db) == 3


def test_the_same_file_again_asked_stricter_is_refused_not_silently_kept(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    with pytest.raises(KBError, match="stays public"):
        clauses.import_contract(db, contract(ARTICLES), document=TERMS, classification="nda")


def test_a_new_version_keeps_the_old_one_and_records_what_changed_per_article(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    revised = dict(ARTICLES)
    revised[3] = ("データの保存場所", ARTICLES[3][1])  # retitled only
    revised[12] = ("準拠法", "この約款は日本法に準拠します。")  # text changed
    del revised[15]  # removed
    revised[20] = ("反社会的勢力の排除", "利用者は反社会的勢力に該当しないことを表明します。")  # added
    result = clauses.import_contract(db, contract(revised, sha="v2"), document=TERMS, version="2025-10")
    assert (result.status, result.version, result.previous_version) == ("new version", "2025-10", "1")
    assert [(c.article, c.change) for c in result.changes] == [
        (3, "retitled"),
        (12, "changed"),
        (15, "removed"),
        (20, "added"),
    ]
    history = clauses.versions(db, TERMS)
    assert [(v.version, v.is_current, v.clauses) for v in history] == [("1", False, 3), ("2025-10", True, 3)]
    assert history[1].changes == result.changes
    # The old version's clauses stay, out of search.
    assert db.execute("SELECT count(*) FROM clauses WHERE is_current = 0").fetchone()[0] == 3
    assert current_chunks(db) == 3


def test_reformatting_an_article_is_no_change():
    db = connect_memory()
    clauses.import_contract(db, contract({1: ("目的", "この約款は、利用条件を定めます。")}), document=TERMS)
    wider = contract({1: ("目的", "この約款は、 利用条件を定めます。 ")}, sha="v2")
    assert clauses.import_contract(db, wider, document=TERMS).changes == ()


def test_a_version_label_taken_by_another_file_is_refused(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS, version="3")
    with pytest.raises(KBError, match="version 3 is already imported"):
        clauses.import_contract(db, contract(ARTICLES, sha="other"), document=TERMS, version="3")
    assert db.execute("SELECT count(*) FROM contract_versions").fetchone()[0] == 1


# --------------------------------------------------------------------------- resolving and checking


def test_a_cited_name_resolves_to_the_contract_whose_name_it_ends_with(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    index = clauses.ClauseIndex(db)
    found = index.resolve(f"株式会社サンプル {TERMS}", 3, "保存場所")
    assert found.problem is None and found.clause.text == ARTICLES[3][1]
    assert index.resolve("別の約款", 3, "保存場所").problem == "no contract"


def test_a_name_two_contracts_could_mean_is_ambiguous(db):
    clauses.import_contract(db, contract(ARTICLES), document="ホスティング利用約款")
    clauses.import_contract(db, contract(ARTICLES, sha="b"), document="ストレージ利用約款")
    found = clauses.ClauseIndex(db).resolve("利用約款", 3, "保存場所")
    assert found.clause is None and found.problem.startswith("ambiguous")


def test_check_refs_is_clean_when_the_contract_bears_out_every_citation(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    assert clauses.check_refs(db) == (2, [])


def test_check_refs_lists_a_missing_article_and_a_title_the_contract_gives_another(db):
    clauses.import_contract(db, contract({3: ("料金", "料金は月額制です。")}), document=TERMS)
    checked, problems = clauses.check_refs(db)
    assert checked == 2
    assert [(p.control_id, p.resolution.article, p.resolution.problem) for p in problems] == [
        ("6.1.3", 3, "title differs"),
        ("18.1.1", 12, "no such article"),
    ]
    assert problems[0].resolution.clause.title == "料金"


def test_check_refs_lists_citations_of_a_contract_not_in_the_kb(db):
    checked, problems = clauses.check_refs(db)
    assert checked == 2 and {p.resolution.problem for p in problems} == {"no contract"}


def test_check_refs_follows_the_current_version(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    clauses.import_contract(db, contract({3: ARTICLES[3]}, sha="v2"), document=TERMS)
    _, problems = clauses.check_refs(db)
    assert [(p.resolution.article, p.resolution.problem) for p in problems] == [(12, "no such article")]


# --------------------------------------------------------------------------- answers


def test_a_clause_the_response_cites_is_quoted_in_it_not_a_source_of_its_own(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    a = answer(db, "契約の準拠法はどこの国の法律ですか。")
    assert [s.control_id for s in a.sources][:1] == ["18.1.1"]
    assert all(s.title != "第12条（準拠法）" for s in a.sources)
    [quote] = a.sources[0].clauses
    assert quote.label == f"{TERMS} 第12条（準拠法）" and "日本法" in quote.text


def test_a_clause_found_by_itself_is_cited_by_article_and_never_answers_alone(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS)
    a = answer(db, "データのバックアップは誰の責任で取得しますか。")
    top = a.sources[0]
    assert (top.kind, top.citations, top.document) == ("clause", [f"{TERMS} 第15条（バックアップ）"], TERMS)
    assert a.status == "needs_review" and a.why == clauses.ALONE_WHY


def test_clauses_above_the_audience_are_neither_sources_nor_quotes(db):
    clauses.import_contract(db, contract(ARTICLES), document=TERMS, classification="nda")
    for question in (
        "契約の準拠法はどこの国の法律ですか。",
        "データのバックアップは誰の責任で取得しますか。",
    ):
        a = answer(db, question)
        assert all(s.kind != "clause" and not s.clauses for s in a.sources)
