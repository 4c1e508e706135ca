"""Where the tests' data lives: the repository's demo files and the shared fixtures beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_7aaf04e06d1268f3.txt"
DEV_QUESTIONS = SHARED / "data" / "dev" / "questions_dev.jsonl"
DEMO = ROOT / "demo"


def need_shared(path: Path = SHARED) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present: the shared fixtures live beside the checkout (../shared)")
    return path
