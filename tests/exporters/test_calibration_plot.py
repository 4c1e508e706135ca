"""kb eval --plot: the calibration curve per language, as an SVG or PNG file."""

from __future__ import annotations

import pytest

from exporters.calibration_plot import plot_calibration
from kb.errors import KBError
from tests.builders import make_eval_report


def test_a_curve_per_language_is_drawn_to_svg(tmp_path):
    pytest.importorskip("matplotlib", reason="the optional extra 'plot' is not installed")
    out = plot_calibration(make_eval_report().calibration(), tmp_path / "cal.svg")
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "threshold in use 0.50" in svg  # the chosen threshold is marked (and labelled)


def test_only_png_and_svg_are_written(tmp_path):
    with pytest.raises(KBError, match="png or .svg"):
        plot_calibration(make_eval_report().calibration(), tmp_path / "cal.pdf")
