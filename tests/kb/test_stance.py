"""kb.stance on sentences written for these tests (none is taken from the seed or the dev sets)."""

from __future__ import annotations

import re

import pytest

from kb import stance
from kb.stance_frames import Frame, restriction, scope_answer
from kb.stance_ja import clauses as ja_clauses
from kb.stance_ja import polarity as ja_polarity


def overlap(question: str):
    """A stand-in for kb.search.coverage: the share of the question's words (kanji/katakana
    runs, Latin words) that a clause contains."""
    words = {w.lower() for w in re.findall(r"[一-龥]{2,}|[ァ-ヴー]{2,}|[A-Za-z]{3,}", question)}

    def relevance(clause: str) -> float:
        low = clause.lower()
        return sum(w in low for w in words) / (len(words) or 1)

    return relevance


def ask(question: str, text: str) -> str | None:
    """Same-language pairs by word overlap; an English question on Japanese text (the KB
    bridges them through its glossary) takes every clause as relevant, so that the rule
    under test, not the stand-in, decides."""
    same = bool(re.search(r"[ぁ-ん一-龥]", question)) == bool(re.search(r"[ぁ-ん一-龥]", text))
    return stance.stance(question, text, overlap(question) if same else lambda clause: 1.0)


# --- Japanese negation and its kin -------------------------------------------------------


@pytest.mark.parametrize(
    "clause, expected",
    [
        ("管理画面から設定を元に戻すことができないようになっています。", "no"),
        ("鍵ファイルは外部に持ち出せない状態になっています。", "no"),
        ("ログの暗号化は提供しておりません。", "no"),
        ("個別の監査は当社では行いません。", "no"),
        ("専用回線のご用意はございません。", "no"),
        ("利用期間中のプラン変更は不可です。", "no"),
        ("オンプレミス環境には対応できません。", "no"),
        ("バックアップの世代管理機能は提供していません。", "no"),
        ("保存データは自動的に複製されます。", "yes"),
        # A negation inside a relative clause is not the main predicate's.
        ("暗号化されていないファイルは自動的に削除します。", "yes"),
        # An obligation and a check for absence deny nothing; 不 of 不正 is no negation.
        ("管理者は半年ごとにパスワードを変更しなければなりません。", "yes"),
        ("設定に誤りがないか毎月確認しています。", "yes"),
        ("不正アクセスを常時検知しています。", "yes"),
        # Two negations of one predicate: undecided.
        ("障害が起きないわけではありません。", None),
    ],
)
def test_japanese_polarity(clause, expected):
    assert ja_polarity(clause) == expected


def test_topic_piece_joins_its_predicate():
    assert ja_clauses("監査ログは、外部に送信しておりません。") == [
        ("監査ログは、外部に送信しておりません。", True)
    ]
    assert ja_clauses("監査ログは、") == [("監査ログは、", False)]


def test_kotonaku_denies_its_own_verb_only():
    pieces = ja_clauses("緊急時には、利用者への連絡を経ることなく、設定を変更します。")
    assert [(text, ja_polarity(text)) for text, _ in pieces] == [
        ("利用者への連絡を経ることなく、", "no"),
        ("緊急時には、設定を変更します。", "yes"),
    ]
    pieces = ja_clauses("他社が閲覧できないよう暗号化しています。")
    assert [ja_polarity(text) for text, _ in pieces] == ["no", "yes"]


def test_english_polarity():
    assert stance.clause_polarity("We do not encrypt archived logs by default.") == "no"
    assert stance.clause_polarity("Archived logs are never copied to removable media.") == "no"
    assert stance.clause_polarity("Archived logs are encrypted with AES-256.") == "yes"
    assert stance.clause_polarity("Incidents are reported no later than 72 hours after discovery.") == "yes"
    parts = stance.clauses("Records may be handed to regulators without informing the tenant.")
    assert [stance.clause_polarity(c) for c, _ in parts] == ["yes", "no"]


def test_partial_only_where_the_text_says_so():
    assert stance.clause_polarity("多要素認証は一部のプランで利用できます。") == "partial"
    assert stance.clause_polarity("障害時にはメールで連絡する場合があります。") == "yes"


# --- no default yes ------------------------------------------------------------------------


def test_no_relevant_clause_gives_no_stance():
    # The old reader fell back to the first clause and read it as yes.
    assert ask("ログは暗号化されていますか。", "営業時間は平日9時から17時です。") is None
    assert ask("Are logs encrypted?", "Our office is open on weekdays.") is None


def test_a_clause_without_predicate_never_answers():
    assert ask("暗号化機能はありますか。", "暗号化機能は、") is None


def test_the_clause_that_holds_the_asked_predicate_answers():
    text = "管理画面へのアクセスは記録されますが、記録の暗号化は行っておりません。"
    assert ask("記録は暗号化されていますか。", text) == "no"
    text = "スナップショットは別の領域に置かれるため、他の契約者が参照することはできません。"
    assert ask("スナップショットは他の契約者から保護されていますか。", text) == "yes"


def test_not_a_yes_no_question():
    assert ask("どの国にデータを保存していますか。", "データは日本国内にのみ保存します。") is None
    assert ask("Describe your backup process.", "Backups are taken daily.") is None


# --- question frames -----------------------------------------------------------------------


def test_negative_questions_are_left_to_a_person():
    assert ask("操作ログを保存していませんか。", "操作ログは90日間保存しています。") is None
    assert ask("Don't you keep access logs?", "Access logs are kept for one year.") is None


def test_bad_practice_answered_only_by_its_denial():
    assert ask("Do you use hard-coded passwords?", "パスワードは初回ログイン時に変更を求めます。") is None
    assert ask("Do you use hard-coded passwords?", "ハードコードされたパスワードは使用していません。") == "no"
    assert ask("共有アカウントを使っていますか。", "共有アカウントは発行していません。") == "no"
    assert ask("Are default passwords used?", "Default passwords are changed on first login.") is None


def test_denied_safeguard_flips():
    assert ask("Is data transmitted without encryption?", "通信はすべて TLS で暗号化しています。") == "no"
    assert ask("Is data transmitted without encryption?", "社内の通信は暗号化していません。") == "yes"
    assert ask("設定は利用者への通知なしに変更されますか。", "設定の変更は事前に利用者へ通知します。") == "no"
    # A denial the rules cannot relate to the text: undecided.
    assert ask("Do you disclose data without a warrant?", "当局への開示は法令に基づいて行います。") is None


def test_exceptions_and_examples_in_the_question_are_not_its_negation():
    frame = Frame.of("Do you notify tenants of audits, unless the law does not allow it?")
    assert not frame.undecidable
    frame = Frame.of("Is media wiped when it is no longer needed?")
    assert not frame.undecidable


def test_prevention_answered_by_denying_the_harm():
    assert ask("Is access to backups restricted?", "他の契約者はバックアップにアクセスできません。") == "yes"
    assert ask("Is access to backups restricted?", "バックアップへのアクセス制限は行っていません。") == "no"
    assert (
        ask("管理機能へのアクセスを制限していますか。", "管理機能は契約者のみがアクセスできます。") == "yes"
    )


def test_a_party_must_be_named():
    assert ask("Is data shared with third parties?", "データは当社の設備で処理しています。") is None
    assert ask("Is data hosted by third parties?", "再委託先は存在しません。") == "no"
    assert (
        ask("Can your employees access customer data?", "お客様は管理画面からデータにアクセスできます。")
        is None
    )


def test_the_customers_part_says_nothing_of_the_providers():
    # What the customer is asked to do is not what the provider does.
    text = "ログの保管期間の設定は、お客様にて変更していただきます。"
    assert ask("ログの保管期間を設定していますか。", text) is None
    assert (
        ask("Do you rotate the encryption keys?", "Customers are responsible for rotating their keys.")
        is None
    )
    assert ask("Do you rotate the encryption keys?", "The customer must rotate the keys.") is None
    # The provider's own clause beside it still answers; a recipient お客様に is no agent.
    both = "暗号鍵は当社が毎年更新します。鍵の保管はお客様の責任で行ってください。"
    assert ask("暗号鍵を更新していますか。", both) == "yes"
    assert ask("障害をお客様に通知していますか。", "障害はお客様に電子メールで通知します。") == "yes"
    # A question about the customer's part is answered by it.
    assert (
        ask(
            "Are customers responsible for rotating keys?",
            "Customers are responsible for rotating their keys.",
        )
        == "yes"
    )


def test_a_clause_that_gives_the_act_to_the_provider_does_not_answer_for_the_customer():
    """Who does it: "keys are managed by the Company" says the provider manages them, which is not
    whether the customer does; another clause (the BYOK denial) may still answer."""
    company = "Encryption keys are managed by the Company."
    assert ask("Are encryption keys managed by the customer?", company) is None
    assert ask("Do you support customer-managed encryption keys?", company) is None
    assert ask("Can customers generate their own keys?", "Keys are generated by the provider.") is None
    ja = "暗号鍵は当社が管理しています。"
    assert ask("暗号鍵はお客様が管理できますか。", ja) is None
    assert ask("顧客管理の暗号鍵に対応していますか。", ja) is None
    denial = ja + "お客様が用意した鍵を持ち込む機能は提供していません。"
    assert ask("暗号鍵はお客様が用意できますか。", denial) == "no"
    # Asked about the provider, the provider's clause answers.
    assert ask("Are encryption keys managed by the provider?", company) == "yes"
    assert ask("暗号鍵は御社が管理していますか。", ja) == "yes"


def test_a_relative_clause_names_the_noun_not_what_is_asked():
    # 「配布される端末」: 配布 says which devices; the question asks whether they are encrypted.
    assert stance.predicate_words("配布される端末のディスクは暗号化されていますか。").words == ["暗号化"]
    assert stance.predicate_words("顧客データを第三者と共有することはありますか。").words == ["共有"]


def test_at_rest_and_in_transit_do_not_answer_each_other():
    assert ask("Is data encrypted at rest?", "通信は TLS で暗号化しています。") is None
    assert ask("Is data encrypted in transit?", "通信は TLS で暗号化しています。") == "yes"


# --- places and restrictions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "お預かりしたデータを保存する拠点は、日本国内に限ります。",
        "データを保管する国は、日本です。",
        "データは日本国内のデータセンターにのみ保管します。",
        "Customer records are stored only in Japan.",
    ],
)
def test_restriction_to_one_country(text):
    assert restriction(text) == {"JP"}
    assert ask("Is customer data stored in China?", text) == "no"
    assert ask("Is customer data stored outside Japan?", text) == "no"
    assert ask("Is customer data stored outside the United States?", text) == "yes"
    assert ask("Is customer data stored in Japan?", text) == "yes"
    assert ask("データは海外に保管されますか。", text) == "no"


def test_no_restriction_no_answer_for_other_places():
    text = "データは日本国内のデータセンターで保管しています。"
    assert restriction(text) is None
    assert ask("Is customer data stored in China?", text) is None
    assert ask("データは海外に保管されますか。", text) is None


def test_a_region_does_not_answer_for_a_country_inside_it():
    text = "Customer records are stored exclusively in the European Union."
    assert scope_answer(Frame.of("Is data stored in Germany?"), text) is None
    assert scope_answer(Frame.of("Is data stored in India?"), text) == "no"


def test_offshore_or_an_unnamed_place_is_undecided():
    assert ask("Is data stored offshore?", "Customer records are stored only in Japan.") is None
    assert (
        ask("Can you store our data within our own region?", "Customer records are stored only in Japan.")
        is None
    )
    assert ask("データはお客様が指定した国に保管されますか。", "データは日本国内にのみ保管します。") is None


# --- the question's predicate ----------------------------------------------------------


def test_predicate_words():
    p = stance.predicate_words("Does the organization securely dispose of, destroy or erase media?")
    assert p.words == ["dispose", "destroy", "erase"]
    assert stance.predicate_words("Does the provider cryptographically protect sessions?").words == [
        "cryptographically",
        "protect",
    ]
    p = stance.predicate_words("Do you have a documented key management process?")
    assert p.nominal and p.words == ["documented key management process"]
    assert stance.predicate_words("Are you classified as a merchant?").words == ["merchant"]
    assert stance.predicate_words("利用者の操作ログを取得・保管していますか。").words == ["取得", "保管"]
    assert stance.predicate_words("従業員に対して教育を実施していますか。").words == ["教育"]
    assert stance.predicate_words("障害が起きた場合、利用者へ通知しますか。").words == ["通知"]


OWN_WHITEPAPER = """\
### 6.1.3 関係当局との連絡

お客様のデータを保管する国は、日本となります。

### 8.2.2 情報のラベル付け

保存データに分類ラベルを付ける機能は提供していません。

### 9.2.4 利用者の秘密認証情報の管理

パスワードの再設定は、お客様ご自身が管理画面から行います。

### 10.1.1 暗号による管理策の利用方針

仮想ディスクは、標準では暗号化していません。

### 12.4.4 クロックの同期

仮想マシンは当社の NTP サーバと時刻を同期しています。
"""


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    from importers.whitepaper import parse_whitepaper
    from kb import store
    from kb.db import connect

    db = connect(tmp_path_factory.mktemp("stance") / "kb.db")
    store.import_document(db, parse_whitepaper(OWN_WHITEPAPER.encode(), "own.md"))
    return db


def stance_on(db, question: str, control_id: str) -> str | None:
    from kb import search
    from kb.analysis import analyzed_text

    body = db.execute("SELECT body FROM chunks WHERE control_id = ?", [control_id]).fetchone()[0]
    query = search.prepare(db, question)
    return stance.stance(question, body, lambda c: search.coverage(query, analyzed_text(c))[0], query=query)


def test_with_a_kb_the_clause_must_hold_the_asked_predicate(own_db):
    assert stance_on(own_db, "Is data stored in China?", "6.1.3") == "no"
    assert stance_on(own_db, "仮想ディスクは暗号化されていますか。", "10.1.1") == "no"
    assert stance_on(own_db, "時刻は同期されていますか。", "12.4.4") == "yes"
    # The response is about something else: its 提供していません does not answer.
    assert stance_on(own_db, "Are you a PCI service provider?", "8.2.2") is None
    assert stance_on(own_db, "Do you use hard-coded passwords?", "9.2.4") is None


def test_an_amount_asked_is_answered_only_by_a_sentence_that_states_it():
    text = "障害は電子メールでお知らせします。重大な障害は 1 時間以内に電話でもお知らせします。"
    assert ask("重大な障害は1時間以内に知らせますか。", text) == "yes"
    assert ask("障害は30分以内に知らせますか。", text) is None  # no sentence states 30 minutes
    assert ask("Do you notify customers within one hour?", "We notify customers by e-mail.") is None


def test_a_sentence_set_in_another_occasion_does_not_answer(tmp_path):
    """「解約後、…直ちに削除されますか」: a sentence about deleting a virtual machine (削除すると) is
    another occasion, and the one about cancellation states 30 days, not 直ちに: no stance."""
    from kb.answer import answer
    from tests.builders import whitepaper_kb

    db = whitepaper_kb(
        tmp_path / "kb.db",
        "Occasion test whitepaper",
        [
            (
                "5.1.1",
                "データの消去",
                "お客様が仮想マシンを削除すると、その仮想ディスクは直ちに消去されます。"
                "解約した場合は、解約日から 30 日を経過した時点ですべてのデータを消去します。",
            )
        ],
    )
    assert answer(db, "解約後、データは直ちに消去されますか。", auto_threshold=0.3).stance is None
    assert answer(db, "解約後、データは消去されますか。", auto_threshold=0.3).stance == "yes"
    assert (
        answer(db, "仮想マシンを削除すると、仮想ディスクは直ちに消去されますか。", auto_threshold=0.3).stance
        == "yes"
    )


def test_a_clause_affirming_the_contrary_attribute_says_no():
    """Free and paid, mandatory and optional exclude each other: "X is a paid option" says no
    to "Is X free?"; about a price only a clause naming one side answers."""
    paid = "自動バックアップは有償オプションです。バックアップは毎日取得します。"
    assert ask("自動バックアップは無料ですか。", paid) == "no"
    assert ask("自動バックアップは有償ですか。", paid) == "yes"
    assert (
        ask("Is the backup free of charge?", "The backup is a paid option. Backups are taken daily.") == "no"
    )
    assert ask("Is the backup free of charge?", "Backups are taken daily.") is None  # no price named
    assert (
        ask("Is multi-factor authentication mandatory?", "Multi-factor authentication is optional.") == "no"
    )
    # A denial of the contrary says nothing of the attribute asked.
    assert ask("Is the backup free of charge?", "The backup is not a paid option.") is None
