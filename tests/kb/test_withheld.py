"""kb.withheld: what matched above an audience is counted by level and kind, never shown."""

from kb.search import Hit
from kb.withheld import count_withheld, hidden_levels


def hit(classification: str, coverage: float, kind: str = "response") -> Hit:
    return Hit(1, kind, 1, "1.2.3", "秘密の見出し", "秘密の本文", classification, -1.0, coverage=coverage)


def test_only_matches_at_or_above_the_review_threshold_are_counted_by_level_and_kind():
    w = count_withheld("public", [hit("internal", 0.8), hit("nda", 0.3, "qa"), hit("nda", 0.1)], 0.25)
    assert (w.sources, w.by_classification, w.by_kind, w.best_confidence) == (
        2,
        {"nda": 1, "internal": 1},
        {"response": 1, "qa": 1},
        0.8,
    )
    assert (
        count_withheld("public", [hit("internal", 0.1)], 0.25) is None
    )  # no match: nothing a reviewer misses


def test_the_description_counts_and_never_quotes():
    w = count_withheld("nda", [hit("internal", 0.434)], 0.25, translations=1, approved=True)
    line = w.describe(0.43)
    assert line == (
        "withheld from audience nda: 1 matching source (internal 1); 1 other-language edition;"
        " an approved earlier answer to this very question"
    )  # 0.43 against 0.43 as shown: not called better
    assert "covering more of the question (0.80 > 0.43)" in count_withheld(
        "nda", [hit("internal", 0.8)], 0.25
    ).describe(0.43)
    assert not any(secret in str(w.to_json()) + line for secret in ("秘密", "1.2.3"))


def test_hidden_levels_are_those_above_the_audience_that_the_kb_holds():
    held = frozenset({"public", "internal"})
    assert hidden_levels("public", held) == ("internal",)
    assert hidden_levels("nda", held) == ("internal",)
    assert hidden_levels("internal", held) == ()
    assert hidden_levels("public", frozenset({"public"})) == ()
