"""Writing files so that a reader never sees half of one, and naming a file by its bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    On any error the temporary file is removed and ``target`` is left as it was.
    The suffix is kept, for writers that look at it (openpyxl).
    """
    target = Path(target)
    tmp = _temporary_beside(target, suffix=f"{target.suffix}.tmp")
    try:
        yield tmp
        _put_in_place(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temporary_beside(target: Path, *, suffix: str) -> Path:
    """A new empty file in ``target``'s folder (so that moving it in is one rename), hidden."""
    import tempfile  # here: most commands never write a file, and its import is not free

    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    return Path(name)


def _put_in_place(tmp: Path, target: Path) -> None:
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
    os.replace(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staged:
    """Several outputs of one command written as one: each to a temporary file beside its
    target, all moved into place only once every one is written.

    On any error inside the block the temporary files are removed and every target is
    left as it was: an old output.xlsx survives a report that cannot be written, and a
    file the command did not create is never removed. Temporary names keep the target's
    suffix, for writers that look at it (openpyxl, the review list). An OSError about a
    temporary file is reported with the user's path.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temporary, target)

    def path(self, target: str | Path) -> Path:
        target = Path(target)
        tmp = _temporary_beside(target, suffix=target.suffix)
        self._pending.append((tmp, target))
        return tmp

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            for tmp, target in self._pending:
                _put_in_place(tmp, target)
            return
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename:
            names = {str(tmp): target for tmp, target in self._pending}
            for tmp in (str(exc.filename), str(Path(exc.filename).parent)):
                if tmp in names:
                    raise OSError(exc.errno, exc.strerror, str(names[tmp])) from exc


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read a MiB at a time (a workbook or a KB backup may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
