"""`kb eval`'s tables of metrics per language and of precision and coverage by confidence band."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.cli.render import _console, _shown_metric

if TYPE_CHECKING:
    from kb.evaluate import Calibration, Metrics


def render_by_language(metrics: dict[str, Metrics]) -> None:
    from rich.table import Table

    langs = list(metrics)
    table = Table("metric", *langs, title="by language", title_justify="left")
    for key in next(iter(metrics.values())).as_dict() if metrics else ():
        table.add_row(key, *(_shown_metric(metrics[lang].as_dict()[key]) for lang in langs))
    _console().print(table)


def render_calibration(calibrations: list[Calibration]) -> None:
    from rich.table import Table

    console = _console()
    for cal in calibrations:
        safe = "none" if cal.safe_threshold is None else f"{cal.safe_threshold:.2f}"
        table = Table(
            "confidence",
            "questions",
            "gated",
            "unanswerable",
            "right",
            "precision",
            "coverage",
            title=f"{cal.lang}: by confidence band (threshold {cal.threshold:.2f}, safe {safe})",
            title_justify="left",
        )
        for b in cal.bands:
            table.add_row(
                f"{b.low:.2f}-{b.high:.2f}",
                str(b.count),
                str(b.gated),
                str(b.unanswerable),
                str(b.right_sent),
                _shown_metric(b.precision),
                _shown_metric(b.coverage),
            )
        console.print(table)
