"""kb.sentences: where sentences end, in Japanese and English, and a text cut at one of them."""

from __future__ import annotations

import itertools

import pytest

from kb.sentences import ELLIPSIS, cut_to_fit, sentence_ends


def sentences(text: str) -> list[str]:
    ends = [0, *sentence_ends(text)]
    return [text[a:b].strip() for a, b in itertools.pairwise(ends)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "鍵は年に一度更新します。監査ログは一年保管します。",
            ["鍵は年に一度更新します。", "監査ログは一年保管します。"],
        ),
        ("本当ですか？はい！", ["本当ですか？", "はい！"]),
        # closing brackets and quotes belong to the sentence they close
        ("「該当なし」と回答します。」次の文", ["「該当なし」と回答します。」"]),
        (
            "管理画面は社内からのみ利用できます（VPN 経由）。以上",
            ["管理画面は社内からのみ利用できます（VPN 経由）。"],
        ),
        (
            "Backups run nightly. Copies are kept offsite.",
            ["Backups run nightly.", "Copies are kept offsite."],
        ),
        ("Is it tested? Yes! Every quarter.", ["Is it tested?", "Yes!", "Every quarter."]),
        # a period inside a number, an identifier or a version is no end
        (
            "Release 2.4 fixed it. See A.12.6.1 and CLD.9.5.1 now.",
            ["Release 2.4 fixed it.", "See A.12.6.1 and CLD.9.5.1 now."],
        ),
        # an abbreviation before a word in lower case is no end
        (
            "We log e.g. logins and approx. ten events. Logs are signed.",
            ["We log e.g. logins and approx. ten events.", "Logs are signed."],
        ),
        ('He said "stop." Then it stopped.', ['He said "stop."', "Then it stopped."]),
        ("No mark at all", []),
    ],
)
def test_sentence_ends(text, expected):
    assert sentences(text) == expected


def test_a_text_that_fits_is_left_as_it_is():
    assert cut_to_fit("短い回答です。", 7) == ("短い回答です。", False, False)


def test_cut_at_the_last_sentence_end_that_fits():
    text = "データは国内に保存します。バックアップも国内です。鍵は顧客ごとに分けて管理します。"
    assert cut_to_fit(text, 25) == ("データは国内に保存します。バックアップも国内です。", True, False)
    assert cut_to_fit(text, 24) == ("データは国内に保存します。", True, False)
    english = "Data stays in Japan. Backups too. Keys are held per customer."
    assert cut_to_fit(english, 40) == ("Data stays in Japan. Backups too.", True, False)


def test_only_a_first_sentence_longer_than_the_limit_is_cut_inside_with_an_ellipsis():
    text = "顧客データは契約終了後三十日以内に消去し、消去証明書を発行します。以上です。"
    cut = cut_to_fit(text, 10)
    assert cut == ("顧客データは契約終" + ELLIPSIS, True, True)
    assert len(cut.text) == 10


def test_characters_are_counted_not_bytes():
    text = "暗号化します。鍵は分離します。"  # 15 characters, 45 bytes in UTF-8
    assert cut_to_fit(text, 15).cut is False
    assert cut_to_fit(text, 14).text == "暗号化します。"


def test_the_limit_must_leave_room_for_something():
    with pytest.raises(ValueError):
        cut_to_fit("text", 0)
    assert cut_to_fit("Two words.", 1).text == ELLIPSIS
