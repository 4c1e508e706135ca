"""How far confidence can be trusted: precision and coverage by confidence, per language.

An outcome is one labelled question answered with no threshold: its confidence,
whether the KB can answer it at all, and whether the answer would be right if sent
— the right source *and* no wrong yes/no. A threshold turns the outcomes at or
above it into auto-answers; `kb eval` prints the bands and the curve, and
``safe_threshold`` is how AUTO thresholds are calibrated on the real dev set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

BAND_EDGES = (0.0, 0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
CURVE_THRESHOLDS = tuple(round(0.3 + 0.025 * i, 3) for i in range(29))  # 0.30 … 1.00


class Outcome(NamedTuple):
    lang: str
    confidence: float
    answerable: bool
    right: bool  # right source and no wrong yes/no
    gated: bool = False  # the topic gate (kb.gate) keeps it from being answered at any confidence


class Band(NamedTuple):
    low: float
    high: float  # exclusive, except for the last band, which holds 1.0
    count: int
    right: int
    unanswerable: int
    gated: int = 0  # of count: held back by the topic gate, whatever the threshold
    right_sent: int = 0  # right and not gated: what auto-answering the band sends rightly
    answerable_total: int = 0  # answerable outcomes in all bands, for coverage

    @property
    def precision(self) -> float | None:
        """Right answers among the band's ungated outcomes: what auto-answering it would send."""
        sent = self.count - self.gated
        return self.right_sent / sent if sent else None

    @property
    def coverage(self) -> float | None:
        """The share of all answerable questions that this band answers rightly by itself."""
        return self.right_sent / self.answerable_total if self.answerable_total else None


class Point(NamedTuple):
    threshold: float
    auto: int
    right: int
    unanswerable: int
    answerable: int  # of all outcomes, whatever their confidence
    total_unanswerable: int

    @property
    def precision(self) -> float | None:
        return self.right / self.auto if self.auto else None

    @property
    def coverage(self) -> float | None:
        return self.right / self.answerable if self.answerable else None

    @property
    def unanswerable_rate(self) -> float | None:
        return self.unanswerable / self.total_unanswerable if self.total_unanswerable else None


def bands(outcomes: Iterable[Outcome], edges: Sequence[float] = BAND_EDGES) -> list[Band]:
    outcomes = list(outcomes)
    answerable = sum(o.answerable for o in outcomes)
    out = []
    for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        last = i == len(edges) - 2
        inside = [o for o in outcomes if low <= o.confidence < high or (last and o.confidence == high)]
        out.append(
            Band(
                low,
                high,
                len(inside),
                sum(o.right for o in inside),
                sum(not o.answerable for o in inside),
                sum(o.gated for o in inside),
                sum(o.right and not o.gated for o in inside),
                answerable,
            )
        )
    return out


def curve(outcomes: Iterable[Outcome], thresholds: Sequence[float] = CURVE_THRESHOLDS) -> list[Point]:
    outcomes = list(outcomes)
    answerable = sum(o.answerable for o in outcomes)
    unanswerable = len(outcomes) - answerable
    points = []
    for t in thresholds:
        auto = [o for o in outcomes if o.confidence >= t and not o.gated]
        points.append(
            Point(
                t,
                len(auto),
                sum(o.right for o in auto),
                sum(not o.answerable for o in auto),
                answerable,
                unanswerable,
            )
        )
    return points


def safe_threshold(
    outcomes: Iterable[Outcome],
    *,
    min_precision: float,
    max_unanswerable_rate: float,
    thresholds: Sequence[float] = CURVE_THRESHOLDS,
) -> float | None:
    """The lowest threshold from which every higher one keeps precision and abstention.

    Precision must hold at each threshold above the chosen one too: a curve that dips
    back under the target higher up means the band in between is luck, not signal.
    None when no threshold is safe (answer nothing automatically).
    """
    points = curve(outcomes, thresholds)
    safe_from = None
    for point in reversed(points):
        precise = point.precision is None or point.precision >= min_precision
        abstains = point.unanswerable_rate is None or point.unanswerable_rate <= max_unanswerable_rate
        if not (precise and abstains):
            break
        if point.auto:
            safe_from = point.threshold
    return safe_from
