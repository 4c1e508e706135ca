"""Questions of our own against the demo KB that kb once answered wrong by itself: none may come
back as an automatic answer with the wrong yes or no. Each names the rule that holds it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb.answer import answer
from kb.cli import cli
from kb.db import connect
from tests.paths import DEMO

# (question, the stance an automatic answer must not give, the rule): the demo whitepaper trains
# staff yearly, notifies by e-mail with no time stated, keeps the encryption keys itself (no BYOK),
# deletes a cancelled customer's data after 30 days, asks for passwords of 12 characters and
# offers automatic backup as a paid option.
WRONG = [
    ("全従業員に毎月セキュリティ教育を実施していますか。", "yes", "an amount the source does not state"),
    ("障害発生時、1時間以内に通知しますか。", "yes", "an amount the source does not state"),
    ("ログは5年間保存していますか。", "yes", "a counter weighs as its number"),
    ("解約後、データは直ちに削除されますか。", "yes", "another occasion; the amount in the sentence"),
    ("Is customer data deleted immediately upon termination?", "yes", "another occasion"),
    ("Are encryption keys managed by the customer?", "yes", "who does it"),
    ("暗号鍵はお客様が管理できますか。", "yes", "who does it"),
    ("Do you support customer-managed encryption keys?", "yes", "who does it"),
    ("Are passwords required to be at least 16 characters long?", "yes", "an amount (how many)"),
    ("パスワードは16文字以上必須ですか。", "yes", "an amount (how many)"),
    ("自動バックアップは無料ですか。", "yes", "contrary attributes (有償)"),
]


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "kb.db"
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en"],
        ["import", "clauses", str(DEMO / "sample_contract.md")],
        ["import", "clauses", str(DEMO / "sample_contract_en.md")],
    ):
        assert CliRunner().invoke(cli, ["--db", str(path), *args]).exit_code == 0
    db = connect(path)
    yield db
    db.close()


@pytest.mark.parametrize("question, wrong, rule", WRONG, ids=[q[:24] for q, _, _ in WRONG])
def test_no_automatic_answer_says_the_opposite_of_the_whitepaper(demo_kb, question, wrong, rule):
    got = answer(demo_kb, question)
    assert not (got.status == "answered" and got.stance == wrong), (rule, got.confidence, got.why)


def test_a_kind_the_kb_never_speaks_of_is_left_to_a_person(demo_kb):
    assert answer(demo_kb, "量子暗号を使っていますか。").status != "answered"  # 量子|暗号
