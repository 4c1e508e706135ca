"""Taking the files a user names into the vault and the KB.

Paths are never trusted: a symbolic link is refused, not followed (it could point
anywhere, and a walk through linked folders can loop); only regular files are read,
each within evidence_max_file_bytes; every input is checked before anything is
written. The only files written are the vault's, under names made from digests.
If the rows cannot be written, the files this add stored are taken out again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence.extract import extract
from evidence.media import media_type
from evidence.vault import Vault, sha256_of
from kb import evidence_store
from kb.db import Database
from kb.errors import KBError
from kb.evidence_store import Limits
from kb.i18n import _

MAX_FILE_BYTES: int = evidence_store.Limits().max_file_bytes


@dataclass(frozen=True)
class Details:
    """What the adder says of the files (the same for every file of one add)."""

    title: str | None = None  # None: each file's name without its suffix
    owner: str | None = None
    classification: str = evidence_store.DEFAULT_CLASSIFICATION
    valid_from: str | None = None
    valid_until: str | None = None
    service: str | None = None  # the service whose responses its links back (None: every service)


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise KBError(
            _("{path} is a symbolic link: kb does not follow links; add the file it points to").format(
                path=path
            )
        )


def collect(paths: Sequence[str], *, recursive: bool = False, max_bytes: int = MAX_FILE_BYTES) -> list[Path]:
    """The files to add, in order, each checked: a folder's files with ``recursive``
    (hidden ones left out), and a KBError for a link, a missing path, anything that is
    not a regular file or a file over ``max_bytes``."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        _refuse_link(path)
        if not path.exists():
            raise KBError(_("no such file: {path}").format(path=given))
        if path.is_dir():
            if not recursive:
                raise KBError(
                    _("{given} is a folder: add --recursive to add the files in it").format(given=given)
                )
            files.extend(_walk(path))
        else:
            files.append(path)
    for path in files:
        _check_file(path, max_bytes)
    return list(dict.fromkeys(files))


def _walk(folder: Path) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*dirs, *names]:
            _refuse_link(Path(root, name))
        found.extend(Path(root, name) for name in sorted(names) if not name.startswith("."))
    return found


def _check_file(path: Path, max_bytes: int) -> os.stat_result:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        _refuse_link(path)
    if not stat.S_ISREG(info.st_mode):
        raise KBError(_("{path} is not a regular file").format(path=path))
    if info.st_size > max_bytes:
        raise KBError(
            _(
                "{path} is {size:,} bytes, over the {max_bytes:,} a piece of evidence may be (kb.settings evidence_max_file_bytes)"
            ).format(path=path, size=info.st_size, max_bytes=max_bytes)
        )
    return info


def read_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, opened without following a link (one swapped in since collect)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise KBError(
            _("{path} grew over {max_bytes:,} bytes while it was read").format(path=path, max_bytes=max_bytes)
        )
    return data


def prepare(
    name: str, data: bytes, details: Details, limits: Limits | None = None
) -> evidence_store.NewEvidence:
    """A file's rows-to-be: its digest, media type and text."""
    kind = media_type(name, data)
    extraction = extract(data, kind, limits)
    return evidence_store.NewEvidence(
        sha256=sha256_of(data),
        size=len(data),
        media_type=kind,
        original_name=name,
        title=details.title or Path(name).stem,
        text_status=extraction.status,
        text_note=extraction.note,
        pages=tuple((page.number, page.text) for page in extraction.pages),
        owner=details.owner,
        classification=details.classification,
        valid_from=details.valid_from,
        valid_until=details.valid_until,
    )


def add_files(
    db: Database,
    vault: Vault,
    files: Sequence[Path],
    details: Details,
    controls: Sequence[str] = (),
    *,
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[evidence_store.Added]:
    """Store each file in the vault, read its text and write the rows of all in one
    transaction; a failure takes the files this add stored out of the vault again."""
    stored: list[str] = []
    try:
        items = []
        for path in files:
            data = read_file(path)
            digest = sha256_of(data)
            known = evidence_store.by_sha256(db, digest)
            if known is None:
                if vault.put(data, digest):
                    stored.append(digest)
                items.append(prepare(path.name, data, details, limits))
            else:  # the same content is in the KB already: its row stands, no need to read it again
                items.append(
                    evidence_store.NewEvidence(
                        digest, len(data), known.media_type, path.name, known.title, known.text_status
                    )
                )
            if progress:
                progress(1)
        return evidence_store.add_many(db, items, controls, details.service)
    except BaseException:
        for digest in stored:
            vault.remove(digest)
        raise
