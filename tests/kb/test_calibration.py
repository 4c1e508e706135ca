from kb.calibration import Outcome, bands, curve, safe_threshold


def o(conf, right=True, answerable=True, lang="en"):
    return Outcome(lang, conf, answerable, right)


def test_bands_count_right_and_unanswerable_and_hold_full_confidence_in_the_last():
    got = bands([o(0.1, False, False), o(0.55), o(0.58, False), o(1.0)], edges=(0.0, 0.5, 0.6, 1.0))
    assert [(b.count, b.right, b.unanswerable) for b in got] == [(1, 0, 1), (2, 1, 0), (1, 1, 0)]
    assert got[1].precision == 0.5
    assert bands([], edges=(0.0, 1.0))[0].precision is None


def test_curve_gives_precision_coverage_and_abstention_at_each_threshold():
    outcomes = [o(0.9), o(0.7), o(0.6, False), o(0.3, False, False), o(0.2)]
    at = {p.threshold: p for p in curve(outcomes, thresholds=(0.5, 0.8))}
    assert (at[0.5].auto, at[0.5].right, at[0.5].precision) == (3, 2, 2 / 3)
    assert at[0.5].coverage == 2 / 4
    assert at[0.8].coverage == 1 / 4 and at[0.8].unanswerable_rate == 0.0


def test_the_safe_threshold_is_where_precision_holds_all_the_way_up():
    outcomes = [o(0.95), o(0.85), o(0.75, False), o(0.65), o(0.55)]
    # 0.65 and 0.55 are right, but 0.75 is wrong: below 0.8 the curve is luck.
    assert (
        safe_threshold(
            outcomes, min_precision=0.97, max_unanswerable_rate=0.02, thresholds=(0.5, 0.6, 0.7, 0.8)
        )
        == 0.8
    )


def test_an_unanswerable_question_above_the_threshold_makes_it_unsafe():
    outcomes = [o(0.9), o(0.8, right=False, answerable=False)] + [o(0.1, False, False)] * 9
    assert (
        safe_threshold(outcomes, min_precision=0.5, max_unanswerable_rate=0.02, thresholds=(0.7, 0.85))
        == 0.85
    )


def test_nothing_safe_means_no_threshold():
    assert (
        safe_threshold([o(0.9, False)], min_precision=0.97, max_unanswerable_rate=0.02, thresholds=(0.5,))
        is None
    )
