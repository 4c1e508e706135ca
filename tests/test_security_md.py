"""SECURITY.md names the test that proves each promise: every test it names exists."""

from __future__ import annotations

import re

from tests.paths import ROOT


def test_every_test_security_md_names_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)((?:::\w+)?)`", text)
    assert len(named) > 20
    for path, test in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        if test:
            assert f"def {test[2:]}(" in source, f"{path}{test}"
    # `::name` after a file in the same cell means that file
    for test in re.findall(r"`::(\w+)`", text):
        assert any(f"def {test}(" in (ROOT / p).read_text(encoding="utf-8") for p, _ in named), test
