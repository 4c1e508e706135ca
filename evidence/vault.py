"""The vault: evidence files kept by content (sha256) in a folder beside the database.

The KB ``kb.db`` keeps its evidence in ``kb.db.vault/``; a file with sha256 ``ab12…`` is
``kb.db.vault/sha256/ab/ab12…``. Names inside the vault are made from the digest alone,
so no name a user gives (``../../etc/passwd``) ever becomes a path, and the same content
added twice is one file. Stored files are read-only: the vault is a record, and
`kb evidence verify` re-hashes every file against its row.

The database does not hold the files: a copy of the KB for an auditor is kb.db and its
vault folder together (the .db alone still answers and searches, since the text is indexed).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from kb.errors import KBError
from kb.i18n import _

_DIGEST = re.compile(r"[0-9a-f]{64}")
VAULT_SUFFIX = ".vault"
# Files up to this size are hashed in one read, larger ones in reads of this size:
# hashlib.file_digest zeroes a 256 KiB buffer per file, which costs more than hashing a
# typical document of a few pages.
_READ_WHOLE = 1 << 20


def vault_beside(db_path: str | Path) -> Vault:
    """The vault of the KB at ``db_path``: ``<db_path>.vault`` in the same folder."""
    db_path = Path(db_path)
    return Vault(db_path.with_name(db_path.name + VAULT_SUFFIX))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Vault:
    def __init__(self, root: Path):
        self.root = root

    def path_of(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise KBError(_("not a sha256 digest: {digest!r}").format(digest=digest))
        return self.root / "sha256" / digest[:2] / digest

    def has(self, digest: str) -> bool:
        return self.path_of(digest).is_file()

    def _folder(self, path: Path) -> None:
        """Create the folders down to ``path``, refusing any that is a symbolic link:
        a link inside the vault could point a write anywhere."""
        for folder in (self.root, self.root / "sha256", path):
            if folder.is_symlink():
                raise KBError(
                    _("{folder} is a symbolic link: the vault does not follow links").format(folder=folder)
                )
            folder.mkdir(mode=0o755, exist_ok=True)

    def put(self, data: bytes, digest: str) -> bool:
        """Store ``data`` under its digest; True when it was new (False: already stored).

        Written to a temporary file in the same folder and renamed into place, so a
        reader (or a crash) never sees half a file.
        """
        if sha256_of(data) != digest:
            raise KBError(_("content does not match its digest"))
        target = self.path_of(digest)
        if target.is_file() and not target.is_symlink():
            return False
        self._folder(target.parent)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o444)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True

    def remove(self, digest: str) -> None:
        """Take back a file this command stored (an add that failed before its rows were written)."""
        self.path_of(digest).unlink(missing_ok=True)

    def read(self, digest: str) -> bytes:
        path = self.path_of(digest)
        if path.is_symlink() or not path.is_file():
            raise KBError(
                _("evidence {digest}… is missing from the vault {root}").format(
                    digest=digest[:12], root=self.root
                )
            )
        return path.read_bytes()

    def digest_on_disk(self, digest: str) -> str | None:
        """The sha256 of the stored file as it is now, or None when it is missing (or a link)."""
        if not _DIGEST.fullmatch(digest):
            raise KBError(_("not a sha256 digest: {digest!r}").format(digest=digest))
        # path_of's place, as a string: verify asks for thousands, pathlib costs a third of the hashing
        path = os.path.join(self.root, "sha256", digest[:2], digest)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        # os.read on the descriptor: a file object around it costs a quarter of hashing a
        # document of a few pages (1,000 files of 25 KB: 52 ms of CPU with one, 39 without).
        try:
            block = min(os.fstat(fd).st_size + 1, _READ_WHOLE)  # a small file in one read
            digest = hashlib.sha256()
            while chunk := os.read(fd, block):
                digest.update(chunk)
            return digest.hexdigest()
        finally:
            os.close(fd)


class Copied(NamedTuple):
    """What copy_files did: files written, files the target had already, digests neither has."""

    written: int
    present: int
    missing: list[str]


def copy_files(digests: Iterable[str], source: Vault, target: Vault) -> Copied:
    """Copy the files ``digests`` name from ``source`` into ``target`` (a backup's vault, or back
    from it), each checked against its digest on the way (Vault.put), none written twice. A
    file ``target`` holds already is left as it is; one neither vault holds is listed missing."""
    written = present = 0
    missing: list[str] = []
    for digest in dict.fromkeys(digests):
        if target.has(digest):
            present += 1
        elif source.has(digest):
            target.put(source.read(digest), digest)
            written += 1
        else:
            missing.append(digest)
    return Copied(written, present, missing)
