"""Run every bench/bench_*.py in turn (what `make bench` does) and recap their targets.

Each benchmark runs in its own process with this interpreter; its output streams through
and the lines of its summary block (ending in PASS, FAIL or INFO) are repeated at the end.
--quick and --strict are passed on to the benchmarks that accept them (a benchmark that
does not know --quick runs in full).

Usage:  .venv/bin/python bench/run_all.py [--quick] [--strict] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def discover(only: list[str]) -> list[Path]:
    scripts = sorted(BENCH.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if any(name in s.stem for name in only)]
    return scripts


def accepted(script: Path, flags: list[str]) -> list[str]:
    """The flags among ``flags`` that the script declares (its source mentions them as options)."""
    source = script.read_text(encoding="utf-8")
    return [flag for flag in flags if f'"{flag}"' in source]


def run(script: Path, args: list[str]) -> tuple[int, float, list[str]]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    verdicts = []
    with subprocess.Popen(
        [sys.executable, str(script), *args], stdout=subprocess.PIPE, env=env, text=True, encoding="utf-8"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.rstrip().endswith(("PASS", "FAIL", "INFO")):
                verdicts.append(line.rstrip())
    return proc.returncode, time.perf_counter() - start, verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run of each benchmark that supports it")
    parser.add_argument("--strict", action="store_true", help="benchmarks exit 1 on a failed target")
    parser.add_argument("--only", action="append", default=[], help="run benchmarks whose name contains this")
    args = parser.parse_args()
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")

    scripts = discover(args.only)
    if not scripts:
        print("run_all: no bench/bench_*.py matched", file=sys.stderr)
        return 2
    wanted = [flag for flag, on in (("--quick", args.quick), ("--strict", args.strict)) if on]
    recap = []
    for script in scripts:
        flags = accepted(script, wanted)
        print(f"\n##### {script.name} {' '.join(flags)}".rstrip(), flush=True)
        rc, seconds, verdicts = run(script, flags)
        recap.append((script.name, rc, seconds, verdicts))

    print("\n##### all benchmarks")
    for name, rc, seconds, verdicts in recap:
        print(f"{name}: {'ok' if rc == 0 else f'exit {rc}'}, {seconds:.0f} s")
        for line in verdicts:
            print(f"  {line}")
    failed = sum(line.endswith("FAIL") for _, _, _, verdicts in recap for line in verdicts)
    print(f"{failed} target(s) failed" if failed else "all targets met")
    return max((rc for _, rc, _, _ in recap), default=0)


if __name__ == "__main__":
    sys.exit(main())
