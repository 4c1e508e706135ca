"""The commands the guides in docs/ show, read out of their Markdown so a test can run each.

A guide shows what a person types in a fenced block marked ``console``::

    ```console
    $ kb search "ぜい弱性 診断" --kind response --limit 3
    12.6.1 技術的ぜい弱性の管理
    ```

Each ``$ `` line is a command (a line ending in a backslash goes on to the next); the lines under
it, up to the next command, are output it must print (compared without whitespace, since the
terminal folds lines; ``…`` lines stand for output left out). Guides quote data there, never
messages, which are translated. Two HTML comments, invisible in the rendered page, tell the test
what a reader has in front of them:

- ``<!-- docs-test: demo-kb -->``: the guide starts from the demo KB (kb.db built from demo/ as
  ``make demo`` builds it) rather than an empty folder;
- ``<!-- docs-test: $ COMMAND -->``: a step the reader does by hand (choosing decisions in
  Excel), which the test does with COMMAND at that point.

A check that finds something exits 1, which the guide says after the command:
``$ kb check refs  # exit 1: …``; the test expects that code instead of 0.

Commands for installing (``make demo``, ``pipx install .``, ``source .venv/bin/activate``) and
Datasette's own commands that deploy or serve for good (``datasette serve``, ``datasette publish``)
are shown in ``sh`` blocks; the test checks them without running them (test_guides.shell_check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
LANGS = ("ja", "en")
ROLES = ("sales", "compliance", "auditors", "operators")

_FENCE = re.compile(r"^```\s*([\w-]*)\s*$")
_EXIT = re.compile(r"#\s*exit (\d+)")
_HIDDEN = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")


@dataclass(frozen=True)
class Step:
    """One command of a guide, where it is written, and the output shown under it."""

    guide: Path
    line: int
    command: str  # without the "$ " prompt, continuation lines joined
    expected: tuple[str, ...] = ()
    hidden: bool = False  # a docs-test comment: what the reader does by hand

    @property
    def exit_code(self) -> int:
        """0, or the code a comment after the command gives: ``$ kb check refs  # exit 1: …``."""
        said = _EXIT.search(self.command)
        return int(said.group(1)) if said else 0

    @property
    def where(self) -> str:
        return f"{self.guide.relative_to(DOCS.parent)}:{self.line}"


@dataclass(frozen=True)
class Guide:
    path: Path
    steps: tuple[Step, ...]
    starts_from_demo_kb: bool
    shell_lines: tuple[tuple[int, str], ...]  # the lines of sh blocks: install commands


# Pages whose commands are run as the guides' are, beside the guides.
REFERENCE = DOCS / "reference.md"
DATASETTE = DOCS / "datasette.md"


def guide_paths() -> list[Path]:
    return [DOCS / lang / f"{role}.md" for lang in LANGS for role in ROLES]


def run_paths() -> list[Path]:
    """Every page whose console blocks the tests run: the guides and the reference."""
    return [*guide_paths(), REFERENCE, DATASETTE]


def read_guide(path: Path) -> Guide:
    steps: list[Step] = []
    shell: list[tuple[int, str]] = []
    demo = False
    fence: str | None = None
    pending: list[str] | None = None  # a command whose line ends in a backslash
    current: dict | None = None  # the step whose output lines are being read

    def close() -> None:
        nonlocal current
        if current is not None:
            steps.append(Step(path, current["line"], current["command"], tuple(current["expected"])))
            current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        opened = _FENCE.match(raw)
        if opened and fence is None:
            fence = opened.group(1) or "text"
            continue
        if raw.strip() == "```" and fence is not None:
            close()
            fence = None
            continue
        if fence is None:
            for hidden in _HIDDEN.findall(raw):
                if hidden == "demo-kb":
                    demo = True
                elif hidden.startswith("$ "):
                    steps.append(Step(path, number, hidden[2:], hidden=True))
                else:
                    raise ValueError(f"{path}:{number}: unknown docs-test comment {hidden!r}")
            continue
        if fence == "sh":
            if shell and shell[-1][1].endswith("\\"):  # a line going on from the one before
                shell[-1] = (shell[-1][0], shell[-1][1][:-1].strip() + " " + raw.strip())
            elif raw.strip() and not raw.lstrip().startswith("#"):
                shell.append((number, raw.strip()))
            continue
        if fence != "console":
            continue
        if pending is not None:
            pending.append(raw.strip())
            if not raw.endswith("\\"):
                current = {"line": current["line"], "command": _joined(pending), "expected": []}
                pending = None
            continue
        if raw.startswith("$ "):
            close()
            current = {"line": number, "command": raw[2:], "expected": []}
            if raw.endswith("\\"):
                pending = [raw[2:]]
            continue
        if current is not None and raw.strip() and raw.strip() != "…":
            current["expected"].append(raw.strip())
    return Guide(path, tuple(steps), demo, tuple(shell))


def _joined(parts: list[str]) -> str:
    return " ".join(part.removesuffix("\\").strip() for part in parts)
