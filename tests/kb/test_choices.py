"""kb.choices: a stance onto a sheet's own options, and an option read back as a stance."""

from __future__ import annotations

import pytest

from kb.choices import choose_option, stance_of_option


@pytest.mark.parametrize(
    "options, stance, expected",
    [
        (["はい", "いいえ"], "yes", "はい"),
        (["はい", "いいえ"], "no", "いいえ"),
        (["○", "×", "△", "－"], "yes", "○"),
        (["○", "×", "△", "－"], "no", "×"),
        (["○", "×", "△", "－"], "partial", "△"),
        (["○", "×", "△", "－"], "na", "－"),
        (["Yes", "No", "N/A"], "yes", "Yes"),
        (["Yes", "No", "N/A"], "no", "No"),
        (["Yes", "No", "N/A"], "na", "N/A"),
        (["有", "無"], "yes", "有"),
        (["有", "無"], "no", "無"),
        (["該当", "非該当"], "yes", "該当"),
        (["該当", "非該当"], "no", "非該当"),
        # Full-width and case variants of the sheet's own text are kept as written.
        (["ＹＥＳ", "ＮＯ"], "yes", "ＹＥＳ"),
        ([" yes ", " no "], "no", " no "),
    ],
)
def test_choose_option(options, stance, expected):
    assert choose_option(stance, options) == expected


@pytest.mark.parametrize(
    "options, stance",
    [
        (["はい", "いいえ"], None),  # no stance: nothing is chosen
        (["はい", "いいえ"], "partial"),  # the sheet has no option for it
        (["はい", "いいえ"], "na"),
        (["Yes", "No"], "na"),
        ([], "yes"),
        (["非該当"], "yes"),  # 非該当 is never taken for 該当
        (["Implemented", "Planned"], "no"),
    ],
)
def test_choose_option_none(options, stance):
    assert choose_option(stance, options) is None


@pytest.mark.parametrize(
    "option, expected",
    [
        ("はい", "yes"),
        ("いいえ", "no"),
        ("○", "yes"),
        ("×", "no"),
        ("△", "partial"),
        ("－", "na"),
        ("Yes", "yes"),
        ("NO", "no"),
        ("N/A", "na"),
        ("有", "yes"),
        ("無", "no"),
        ("該当", "yes"),
        ("非該当", "no"),
        ("該当なし", "na"),
        ("ＹＥＳ", "yes"),
        (None, None),
        ("", None),
        ("検討中", None),
        ("Yes, see attachment", None),  # exact options only
    ],
)
def test_stance_of_option(option, expected):
    assert stance_of_option(option) == expected


def test_round_trip_over_every_listed_option():
    from kb.choices import STANCE_OPTIONS

    for stance, options in STANCE_OPTIONS.items():
        for option in options:
            assert stance_of_option(option) == stance
            assert choose_option(stance, [option]) == option
