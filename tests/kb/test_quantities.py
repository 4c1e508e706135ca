"""kb.quantities: the amounts a question states, one spelling in either language (our own sentences)."""

from __future__ import annotations

from kb.quantities import stated, unstated


def test_how_often_in_either_language_is_one_amount():
    assert set(stated("研修は毎年実施します。")) == {"every year"}
    assert set(stated("研修を年 1 回実施します。")) == {"1 per year", "every year"}
    assert set(stated("Staff are trained annually.")) == {"every year"}
    assert set(stated("Backups are taken twice a day.")) == {"2 per day"}
    assert set(stated("診断を年に2回受けています。")) == {"2 per year"}
    assert unstated("Do you train staff once a year?", "入社時と毎年 1 回研修を実施します。") == []


def test_how_long_and_how_soon():
    assert stated("記録は 5 年間保管します。") == {"5 year": "5 年間"}
    assert set(stated("We notify customers within 24 hours.")) == {"24 hour"}
    assert set(stated("Logs are kept for five years.")) == {"5 year"}
    assert set(stated("障害は直ちにお知らせします。")) == {"immediately"}
    assert set(stated("稼働率 99.9% を目標とします。")) == {"99.9%"}


def test_how_many():
    assert stated("パスワードは 12 文字以上です。") == {"12 character": "12 文字"}
    assert unstated("Are passwords at least 16 characters long?", "パスワードは 12 文字以上です。") == [
        "16 characters"
    ]
    assert unstated("Are passwords at least 12 characters long?", "パスワードは 12 文字以上です。") == []


def test_a_date_states_no_amount():
    assert stated("2026 年 4 月 10 日に改定しました。") == {}
    assert set(stated("毎月1日に更新します。")) == {"every month"}


def test_what_the_text_does_not_state_is_named_in_the_questions_words():
    assert unstated(
        "全従業員に毎月教育を実施していますか。", "全従業員に毎年 1 回研修を実施しています。"
    ) == ["毎月"]
    assert unstated("障害は1時間以内に通知しますか。", "障害は電子メールでお知らせします。") == ["1時間"]
    assert unstated("バックアップを取得していますか。", "バックアップは毎日取得します。") == []
