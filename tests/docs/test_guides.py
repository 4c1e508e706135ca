"""Every command a guide in docs/ shows is run, so the guides cannot go stale (sqlite-utils' docs
tests are the model): a command that no longer exists, or fails, fails its guide's test.

Each guide runs in a fresh folder holding a copy of demo/ (and, for a guide marked demo-kb, the
demo KB as `make demo` builds it, as kb.db), its commands in order, each asserted exit 0 and the
output the guide shows under it. `kb …` runs in this process (click's CliRunner); `kb serve` runs
as a real process on a free port (the guide's --port replaced), is asked for a page and stopped;
anything else (python demo/decide.py, a pipe into head) runs in bash with the venv first on PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.docs.guides import DOCS, LANGS, ROLES, Guide, Step, guide_paths, read_guide, run_paths
from tests.paths import DEMO, ROOT
from tests.serving import STARTUP_SECONDS, free_port, raw_get

# The demo KB of `make demo`, up to its first fill (Makefile, target demo).
DEMO_KB = [
    ["import", "whitepaper", "demo/sample_whitepaper.md"],
    ["import", "whitepaper", "demo/sample_whitepaper_en.md", "--lang", "en"],
    ["import", "clauses", "demo/sample_contract.md"],
    ["import", "clauses", "demo/sample_contract_en.md"],
    ["evidence", "add", "demo/evidence/datacenter_audit.pdf", "--title", "データセンター所在地 確認報告書"]
    + ["--control", "6.1.3", "--classification", "public", "--valid-from", "2026-04-10"]
    + ["--valid-until", "2030-04-30"],
    [
        "evidence",
        "add",
        "demo/evidence/isms_certificate.md",
        "--title",
        "ISMS クラウドセキュリティ認証 登録証（要約）",
    ]
    + ["--control", "18.2.1", "--classification", "public", "--valid-from", "2026-09-15"]
    + ["--valid-until", "2029-09-14"],
    ["evidence", "add", "demo/evidence/backup_procedure.docx", "--control", "12.3.1", "--owner", "運用部"],
]


def _make_dry_run(target: str) -> bool:
    return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True).returncode == 0


def _declares_kb() -> bool:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return project["project"]["scripts"].get("kb") == "kb.cli:main"


# Install commands, checked rather than run: they install packages or change the shell.
INSTALL_CHECKS = {
    "make demo": lambda: _make_dry_run("demo"),
    "make test": lambda: _make_dry_run("test"),
    "source .venv/bin/activate": lambda: (
        (ROOT / ".venv/bin/activate").is_file() and (ROOT / ".venv/bin/kb").is_file()
    ),
    "pipx install .": _declares_kb,
    "pip install ./evidence-kb": _declares_kb,  # a checkout named evidence-kb
}


def _datasette_parses(args: list[str]) -> bool:
    """A datasette command that deploys or serves until stopped, checked at --help level: its
    subcommand exists and every option it gives is one that subcommand takes."""
    group = ["publish"] if args[1] == "publish" else []
    command = [str(Path(sys.executable).parent / "datasette"), *args[1 : 2 + len(group)]]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True)
    # Option names only: --service=kb-nda gives --service; --extra-options' value "--setting …" is no option.
    options = {a.split("=", 1)[0] for a in args if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", a)}
    return shown.returncode == 0 and all(
        re.search(rf"(^|[\s,]){re.escape(o)}[\s,]", shown.stdout) for o in options
    )


def shell_check(command: str) -> bool | None:
    """Whether an sh-block command would work here; None: no check knows it."""
    if command in INSTALL_CHECKS:
        return INSTALL_CHECKS[command]()
    args = shlex.split(command)
    if args[0] == "datasette" and len(args) > 1:
        return _datasette_parses(args)
    return None


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory, monkeypatch_module) -> Path:
    folder = tmp_path_factory.mktemp("demo-kb")
    shutil.copytree(DEMO, folder / "demo")
    monkeypatch_module.chdir(folder)
    for args in DEMO_KB:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _workdir(tmp_path: Path, guide: Guide, demo_kb: Path) -> Path:
    shutil.copytree(DEMO, tmp_path / "demo")
    if guide.starts_from_demo_kb:
        shutil.copy(demo_kb / "kb.db", tmp_path / "kb.db")
        shutil.copytree(demo_kb / "kb.db.vault", tmp_path / "kb.db.vault")
    return tmp_path


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _serve(step: Step, args: list[str], cwd: Path) -> str:
    """`kb serve …` on a free port until its first page answers, then stopped."""
    if "--port" in args:
        at = args.index("--port")
        del args[at : at + 2]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", *args[1:], "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, deadline = None, time.monotonic() + STARTUP_SECONDS
        while status is None and proc.poll() is None and time.monotonic() < deadline:
            try:
                status = raw_get(port, "/-/versions.json")[0]
            except OSError:
                time.sleep(0.2)
        assert status in (200, 403), f"{step.where}: $ {step.command}: no page (status {status})"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    return out


def run_step(step: Step, cwd: Path) -> str:
    """Run one command of a guide in ``cwd``; its output, asserted exit 0."""
    args = shlex.split(step.command, comments=True)
    if args[0] == "kb" and "serve" in args:
        return _serve(step, args, cwd)
    if args[0] == "kb" and not set("|;&<>") & set(step.command):
        result = CliRunner().invoke(cli, args[1:], prog_name="kb")
        assert result.exit_code == step.exit_code, (
            f"{step.where}: $ {step.command}\nexit {result.exit_code}: {result.output}{result.exception!r}"
        )
        return result.output
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(cwd), "COLUMNS": "200", "LANG": "C.UTF-8"}
    env["KB_LANG"] = os.environ.get("KB_LANG", "en")  # the guide's language (test_every_command…)
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", step.command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == step.exit_code, (
        f"{step.where}: $ {step.command}\nexit {proc.returncode}: {proc.stdout}{proc.stderr}"
    )
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("path", run_paths(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_command_of_the_guide_runs(path, tmp_path, demo_kb, monkeypatch):
    guide = read_guide(path)
    assert [s for s in guide.steps if not s.hidden], f"{path} shows no command"
    cwd = _workdir(tmp_path, guide, demo_kb)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("COLUMNS", "200")  # lines of output unfolded; compared without whitespace anyway
    monkeypatch.delenv("KB_DB", raising=False)
    # kb speaks the language of the guide, as it does to its reader (kb.i18n): a Japanese guide
    # shows what kb says in Japanese.
    monkeypatch.setenv("KB_LANG", path.parent.name if path.parent.name in LANGS else "en")
    for step in guide.steps:
        out = _squeezed(run_step(step, cwd))
        for shown in step.expected:
            assert _squeezed(shown) in out, (
                f"{step.where}: $ {step.command}\nshows {shown!r}, printed:\n{out}"
            )


@pytest.mark.parametrize("path", run_paths(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_install_commands_are_ones_the_test_can_check(path):
    for number, line in read_guide(path).shell_lines:
        command = re.sub(r"\s+#.*$", "", line)
        works = shell_check(command)
        assert works is not None, (
            f"{path}:{number}: {command!r} in an sh block is neither run nor checked: "
            "show it in a console block ($ …) or teach shell_check to check it"
        )
        assert works, f"{path}:{number}: {command!r} would not work in this checkout"


def _command_names(guide: Guide) -> set[str]:
    """The kb commands a guide shows: `kb search`, `kb evidence add`, …"""
    names = set()
    for step in guide.steps:
        args = shlex.split(step.command, comments=True)
        if not args or args[0] != "kb":
            continue
        rest = args[1:]
        while rest and rest[0].startswith("-"):  # kb --db PATH …
            rest = rest[2:] if rest[0] in ("--db", "--actor") else rest[1:]
        command = cli.commands.get(rest[0]) if rest else None
        name = rest[0] if rest else "kb"
        if isinstance(command, click.Group) and len(rest) > 1 and not rest[1].startswith("-"):
            name += " " + rest[1]
        names.add(name)
    return names


@pytest.mark.parametrize("role", ROLES)
def test_the_english_guide_shows_the_commands_of_the_japanese_one(role):
    ja, en = (read_guide(DOCS / lang / f"{role}.md") for lang in LANGS)
    assert _command_names(ja) == _command_names(en)


def test_no_guide_shows_a_kb_command_the_test_does_not_run():
    """A `kb …` line in a block that is not console would be shown and never run."""
    for path in run_paths():
        fence = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("```"):
                fence = None if fence is not None else (line[3:].strip() or "text")
                continue
            if fence not in (None, "console") and re.match(r"\s*(\$ )?kb\s", line):
                raise AssertionError(f"{path}:{number}: a kb command outside a console block: {line}")


def test_the_readme_links_every_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in guide_paths():
        assert f"({path.relative_to(ROOT)})" in readme, f"README.md does not link {path.relative_to(ROOT)}"
