"""Re-hashing every stored file against its row (`kb evidence verify`).

Large files are shared out among a few threads, each hashing its share in turn: hashlib
releases the GIL while it hashes, so a vault of large scans is read and hashed on every
core (as sha256sum, one file after another, is not). Documents of a few pages are hashed
in one loop: on them threads cost more in GIL hand-offs than they save (measured: 1,000
files of 25 KB, 62 ms of CPU in a loop, 115 ms on two threads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import NamedTuple

from evidence.vault import Vault
from kb.evidence_store import EvidenceFile

# Average file size from which the files are hashed on several threads.
_LARGE_AVERAGE = 1 << 20


class Problem(NamedTuple):
    evidence: EvidenceFile
    what: str  # "missing" | "changed"


def verify(
    vault: Vault, files: list[EvidenceFile], *, progress: Callable[[int], None] | None = None
) -> list[Problem]:
    """The changed and missing files, in the order of ``files``."""

    def check(share: list[EvidenceFile]) -> list[Problem]:
        found = []
        for item in share:
            digest = vault.digest_on_disk(item.sha256)
            if digest != item.sha256:
                found.append(Problem(item, "missing" if digest is None else "changed"))
            if progress:
                progress(1)
        return found

    # Threads pay for large files only: on small ones they contend for the GIL more than they hash.
    large = sum(f.size for f in files) >= _LARGE_AVERAGE * max(1, len(files))
    workers = max(1, min(4, os.cpu_count() or 1, len(files))) if large else 1
    found: list[list[Problem]] = [[] for _ in range(workers)]

    def run(i: int) -> None:
        found[i] = check(files[i::workers])

    # Plain threads: concurrent.futures would import logging, a tenth of kb's start.
    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, workers)]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    problems = [p for share in found for p in share]
    order = {id(item): i for i, item in enumerate(files)}
    return sorted(problems, key=lambda p: order[id(p.evidence)])
