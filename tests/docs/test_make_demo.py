"""`make demo` as a newcomer sees it (issue 17): on a first install it says what it is doing and shows
pip's progress (it printed nothing for half a minute with --quiet), and it ends by naming what to open
next, each a file the demo writes, and how to browse the KB and put kb on PATH. Read from
`make -n` (what make would run) for a venv that does not exist yet, so nothing is installed."""

from __future__ import annotations

import os
import re
import subprocess

from tests.paths import ROOT


def _dry_run(tmp_path) -> list[str]:
    venv = tmp_path / "fresh-venv"
    # Under `make test` the nested make would print "make[1]: Entering directory …" lines among
    # the commands: --no-print-directory, and none of the outer make's flags.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return out.splitlines()


def test_the_first_install_says_what_it_does_and_shows_pips_progress(tmp_path):
    lines = _dry_run(tmp_path)
    [install] = [i for i, line in enumerate(lines) if "pip install" in line and "-e " in line]
    assert "--quiet" not in lines[install] and "-q " not in lines[install]
    assert lines[install - 1].startswith("echo ") and "Installing" in lines[install - 1]


def test_the_demo_ends_by_naming_files_it_writes_and_what_to_run_next(tmp_path):
    lines = _dry_run(tmp_path)
    start = next(i for i, line in enumerate(lines) if "Open next" in line)
    tail = lines[start:]
    assert all(line.startswith("echo") for line in tail)
    named = re.findall(r"out/demo/[\w.]+\.(?:xlsx|html)", "\n".join(tail))
    assert len(named) >= 3
    commands = "\n".join(lines[:start])
    for path in named:  # each is an output of a command the demo runs (-o, --review, decide.py's copy)
        assert re.search(rf"(-o|--review|decide\.py \S+) {re.escape(path)}\b", commands), path
    said = "\n".join(tail)
    assert "serve" in said and "source" in said and "activate" in said and "pipx install ." in said
