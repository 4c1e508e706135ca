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


def test_the_description_is_said_again_in_japanese_and_keeps_no_text_when_pickled():
    """The line is English as a str (the report's reason) and Japanese for a Japanese review list
    or terminal; a batch worker's pickle carries what it counts, and the Japanese is built from it."""
    import pickle

    w = count_withheld("public", [hit("internal", 0.8), hit("nda", 0.5)], 0.25, translations=2)
    line = w.describe(0.43)
    assert line.startswith("withheld from audience public: 2 matching sources (nda 1, internal 1)")
    ja = line.in_language("ja")
    assert ja == (
        "開示先 public には示さなかったもの: 一致した資料 2 件（nda 1, internal 1。最もよく一致したものは"
        "質問をより多く満たします: 0.80 > 0.43）、別の言語の版 2 件"
    )
    again = pickle.loads(pickle.dumps(line))
    assert again == line and again.in_language("ja") == ja
    assert "秘密" not in pickle.dumps(line).decode("latin-1")


def test_the_terminal_says_it_in_the_users_language(monkeypatch):
    line = count_withheld("nda", [hit("internal", 0.3)], 0.25, approved=True).describe(0.9)
    monkeypatch.setenv("KB_LANG", "ja")
    assert line.in_users_language() == (
        "開示先 nda には示さなかったもの: 一致した資料 1 件（internal 1）、まさにこの質問への、承認済みの過去の回答"
    )
    monkeypatch.setenv("KB_LANG", "en")
    assert line.in_users_language() == line
