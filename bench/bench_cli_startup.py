"""Start-up time of the `kb` command: `kb --help` against `python -c pass`, same run.

Both commands run as fresh subprocesses, alternately, so machine noise hits both alike;
the ratio kb/python is the number to compare across machines, the kb median in ms is
checked against the target (<= 150 ms).

Usage:  .venv/bin/python bench/bench_cli_startup.py [--runs N] [--quick] [--importtime] [--strict]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0


def kb_script() -> Path:
    """The `kb` console script of the environment running this benchmark (else the checkout's venv)."""
    for candidate in (Path(sys.executable).parent / "kb", ROOT / ".venv" / "bin" / "kb"):
        if candidate.exists():
            return candidate
    print("bench_cli_startup: no `kb` script found; install the project (make demo) first", file=sys.stderr)
    sys.exit(2)


def run_ms(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000


def import_profile(kb: Path, top: int = 12) -> list[tuple[int, str]]:
    """The slowest imports (cumulative microseconds) of `kb --help`, from -X importtime."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run(
        [sys.executable, str(kb), "--help"], env=env, capture_output=True, text=True, check=True
    )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each command (default 20)")
    parser.add_argument("--quick", action="store_true", help="10 runs")
    parser.add_argument(
        "--importtime", action="store_true", help="also list the slowest imports of kb --help"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target fails")
    args = parser.parse_args(argv)
    runs = args.runs or (10 if args.quick else 20)

    kb = kb_script()
    python = [sys.executable, "-c", "pass"]
    kb_help = [str(kb), "--help"]
    for _ in range(2):  # warm the page cache and .pyc files
        run_ms(python)
        run_ms(kb_help)
    py_times, kb_times = [], []
    for _ in range(runs):
        py_times.append(run_ms(python))
        kb_times.append(run_ms(kb_help))

    py_med, kb_med = statistics.median(py_times), statistics.median(kb_times)
    print(f"== CLI start-up ({runs} runs each, alternating) ==")
    print(f"python -c pass : median {py_med:7.1f} ms   min {min(py_times):7.1f} ms")
    print(f"kb --help      : median {kb_med:7.1f} ms   min {min(kb_times):7.1f} ms")
    print(f"kb --help / python -c pass = {kb_med / py_med:.2f}   (kb adds {kb_med - py_med:.1f} ms)")

    if args.importtime:
        print("\nslowest imports of kb --help (cumulative):")
        for micros, name in import_profile(kb):
            print(f"  {micros / 1000:7.1f} ms  {name}")

    ok = kb_med <= TARGET_MS
    print("\n== summary ==")
    print(f"{'measure':<44} {'target':>10} {'measured':>14}   result")
    print(f"{'kb --help median':<44} {'<= 150 ms':>10} {f'{kb_med:.1f} ms':>14}   {'PASS' if ok else 'FAIL'}")
    print(f"{'kb --help / python -c pass':<44} {'-':>10} {f'{kb_med / py_med:.2f}':>14}   INFO")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
