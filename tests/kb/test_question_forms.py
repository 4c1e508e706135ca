"""Which texts ask yes or no (kb.stance.is_yes_no_question / is_yes_no_statement), and the
sheet's word for it reaching the answer (kb.batch.Ask → kb.answer.answer(asks_yes_no=...)).
Sentences written for these tests."""

import pytest

from kb.stance import is_yes_no_question, is_yes_no_statement


@pytest.mark.parametrize(
    "text",
    [
        "管理者アカウントの多要素認証の有無",
        "夜間バックアップの有無（世代数を含む）",
        "障害時の連絡体制が定められていること。",
        "利用者の操作記録を一年間保管していること",
        "運用担当者が社内研修を修了した者であること",
        "解約時にデータを返却する手段があること",
        "契約書に再委託先が記載されていること",
        "管理画面から利用者ごとに権限を設定できること",
    ],
)
def test_japanese_checklist_forms_ask_yes_or_no(text):
    assert is_yes_no_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "運用手順書を提出すること",  # an instruction, not a state to confirm
        "夜間バックアップの世代数",  # a value, not whether
        "夜間バックアップの有無を記載してください",  # a request
        "障害時の連絡先はどこに定められていること",  # an interrogative
    ],
)
def test_japanese_instructions_values_and_requests_do_not(text):
    assert not is_yes_no_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "For tenants without a directory, does the portal offer its own login?*",
        'If you answered "no" to LOG-02, are access records kept elsewhere?',
        "In an outage, can the customer export their files?",
    ],
)
def test_english_question_after_a_fronted_phrase(text):
    assert is_yes_no_question(text)


def test_fronted_request_stays_open():
    assert not is_yes_no_question("If yes, describe how the records are kept.")
    assert not is_yes_no_question("For each site, list the power feeds?")


@pytest.mark.parametrize(
    "text",
    [
        "Customer files are encrypted at rest.",
        "A documented media sanitisation procedure is in place.",
        "The provider reviews privileged accounts every quarter.",
        "Staff badges revoked on the last working day",
        "通信経路は暗号化されている。",
        "保守作業の記録を残しています。",
    ],
)
def test_statements_a_yes_no_sheet_asks_to_confirm(text):
    assert is_yes_no_statement(text)


@pytest.mark.parametrize(
    "text",
    [
        "Encryption at rest",  # a noun phrase: nothing that holds or not
        "Describe the key rotation schedule.",
        "Provide the name of your auditor.",
        "Is customer data encrypted at rest?",  # a question: is_yes_no_question reads it
        "暗号化の方式",
        "暗号化の方式を記載してください。",
        "暗号化していますか。",
    ],
)
def test_noun_phrases_requests_and_questions_are_no_statements(text):
    assert not is_yes_no_statement(text)


OWN_WHITEPAPER = """# 情報セキュリティホワイトペーパー

## 10 暗号

### 10.1.1 暗号による管理策の利用方針

仮想ディスクは、標準では暗号化していません。
"""


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    from importers.whitepaper import parse_whitepaper
    from kb import store
    from kb.db import connect

    db = connect(tmp_path_factory.mktemp("forms") / "kb.db")
    store.import_document(db, parse_whitepaper(OWN_WHITEPAPER.encode(), "own.md"))
    return db


def test_the_sheets_yes_no_reaches_the_stance(own_db):
    from kb.batch import Ask, answer_many

    statement = "仮想ディスクは暗号化されている。"
    assert not is_yes_no_question(statement)
    by_sheet, by_text = answer_many(own_db, [Ask(statement, asks_yes_no=True), statement], workers=1)
    assert by_sheet.sources and by_sheet.sources[0].control_id == "10.1.1"
    assert by_sheet.stance == "no"
    assert by_text.stance is None  # the wording alone does not ask yes or no


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (
            "For tenants without a directory, does the portal offer its own login?*",
            "does the portal offer its own login?",
        ),
        ("Customer files are encrypted at rest.", "Are customer files encrypted at rest?"),
        ("MFA is required for every administrator.", "Is MFA required for every administrator?"),
        (
            "Is the admin console limited to the office network?",
            "Is the admin console limited to the office network?",
        ),
        ("通信経路は暗号化されている。", "通信経路は暗号化されている。"),
    ],
)
def test_the_question_a_text_asks(text, question):
    from kb.stance import as_question

    assert as_question(text) == question


def test_a_fronted_question_needs_its_predicate_in_the_answering_clause(own_db):
    from kb import search
    from kb.analysis import analyzed_text
    from kb.stance import stance

    body = "仮想ディスクは、標準では暗号化していません。"
    question = "In an outage, can the customer export their files?"
    query = search.prepare(own_db, question)
    # The predicate (export) is read after the fronted phrase; no clause holds it.
    assert stance(question, body, lambda c: search.coverage(query, analyzed_text(c))[0], query=query) is None
