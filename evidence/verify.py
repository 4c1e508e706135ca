"""Re-hashing every stored file against its row (`kb evidence verify`).

Files are hashed by a few threads at once: hashlib releases the GIL while it hashes,
so reading and hashing overlap on every core, as sha256sum on several files would not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from evidence.vault import Vault
from kb.evidence_store import EvidenceFile


class Problem(NamedTuple):
    evidence: EvidenceFile
    what: str  # "missing" | "changed"


def verify(
    vault: Vault, files: list[EvidenceFile], *, progress: Callable[[int], None] | None = None
) -> list[Problem]:
    def check(item: EvidenceFile) -> Problem | None:
        found = vault.digest_on_disk(item.sha256)
        if found is None:
            return Problem(item, "missing")
        return None if found == item.sha256 else Problem(item, "changed")

    problems = []
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for problem in pool.map(check, files):
            if problem:
                problems.append(problem)
            if progress:
                progress(1)
    return problems
