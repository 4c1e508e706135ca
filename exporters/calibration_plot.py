"""`kb eval --plot FILE.png|.svg`: the calibration curve of each language, drawn with matplotlib.

Precision and coverage against the auto threshold, one panel per language, with the
threshold in use and the safe one marked. matplotlib is the optional extra ``plot``;
it is imported here only, when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path

from kb.errors import KBError
from kb.evaluate import Calibration
from kb.i18n import _

FORMATS = (".png", ".svg")


def plot_calibration(calibrations: list[Calibration], path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise KBError(
            _("--plot writes {formats}, not {name}").format(formats=" or ".join(FORMATS), name=path.name)
        )
    try:
        import matplotlib

        matplotlib.use("Agg")  # a file, never a window
        import matplotlib.pyplot as plt
    except ImportError:
        raise KBError(_("--plot needs matplotlib: pip install 'evidence-kb[plot]'")) from None
    if not calibrations:
        raise KBError(_("no questions to plot"))
    fig, axes = plt.subplots(1, len(calibrations), figsize=(5 * len(calibrations), 4), squeeze=False)
    for ax, cal in zip(axes[0], calibrations, strict=True):
        xs = [p.threshold for p in cal.curve]
        ax.plot(xs, [p.precision for p in cal.curve], label="precision (right auto-answers)")
        ax.plot(xs, [p.coverage for p in cal.curve], label="coverage (right autos / answerable)")
        ax.plot(xs, [p.unanswerable_rate for p in cal.curve], label="unanswerable answered", linestyle=":")
        ax.axvline(cal.threshold, color="black", label=f"threshold in use {cal.threshold:.2f}")
        if cal.safe_threshold is not None:
            ax.axvline(
                cal.safe_threshold, color="grey", linestyle="--", label=f"safe {cal.safe_threshold:.2f}"
            )
        ax.set_title(f"{cal.lang}")
        ax.set_xlabel("auto threshold (confidence)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
