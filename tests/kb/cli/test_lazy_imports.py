"""`kb --help` loads click and the command modules, not what the commands use (imported when they run)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import ROOT

HEAVY = (
    "rich",
    "openpyxl",
    "sudachipy",
    "importers",
    "exporters",
    "evidence",
    "sqlite_utils",
    "datasette",
    "datasette_kb",
)


def test_help_imports_nothing_heavy():
    script = (
        "import json, sys\n"
        "from kb.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='kb')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "Usage: kb" in proc.stdout
    assert json.loads(proc.stdout.splitlines()[-1]) == []
