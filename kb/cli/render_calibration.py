"""`kb eval`'s tables of metrics per language and of precision and coverage by confidence band."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.cli.render import _console, _shown_metric
from kb.i18n import pgettext

if TYPE_CHECKING:
    from kb.evaluate import Calibration, Metrics


def render_by_language(metrics: dict[str, Metrics]) -> None:
    from rich.table import Table

    from kb.evaluate import metric_label

    langs = list(metrics)
    table = Table(
        pgettext("kb eval", "metric"),
        *langs,
        title=pgettext("kb eval", "by language"),
        title_justify="left",
    )
    for key in next(iter(metrics.values())).as_dict() if metrics else ():
        table.add_row(metric_label(key), *(_shown_metric(metrics[lang].as_dict()[key]) for lang in langs))
    _console().print(table)


def render_calibration(calibrations: list[Calibration]) -> None:
    from rich.table import Table

    console = _console()
    for cal in calibrations:
        safe = (
            pgettext("kb eval safe threshold", "none")
            if cal.safe_threshold is None
            else f"{cal.safe_threshold:.2f}"
        )
        table = Table(
            pgettext("kb eval band", "confidence"),
            pgettext("kb eval band", "questions"),
            pgettext("kb eval band", "gated"),
            pgettext("kb eval band", "unanswerable"),
            pgettext("kb eval band", "right"),
            pgettext("kb eval band", "precision"),
            pgettext("kb eval band", "coverage"),
            title=pgettext(
                "kb eval band", "{lang}: by confidence band (threshold {threshold}, safe {safe})"
            ).format(lang=cal.lang, threshold=f"{cal.threshold:.2f}", safe=safe),
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
