"""The core (kb.*, the CLI aside) knows no terminal and no file format: arrows point cli -> importers/exporters -> kb."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import kb
from tests.paths import ROOT

OUTSIDE_THE_CORE = (
    "click",
    "rich",
    "openpyxl",
    "importers",
    "exporters",
    "evidence",
    "datasette",
    "datasette_kb",
)


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(kb.__path__, prefix="kb.")]
    return sorted(n for n in names if n != "kb.cli" and not n.startswith("kb.cli."))


def test_core_modules_are_found():
    names = core_modules()
    assert {"kb.db", "kb.store", "kb.search", "kb.answer", "kb.batch", "kb.evaluate"} <= set(names)
    assert not any(n.startswith("kb.cli") for n in names)


def test_importing_the_whole_core_loads_no_terminal_or_file_format():
    script = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {OUTSIDE_THE_CORE!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert json.loads(proc.stdout) == []
