"""Writing a copy of a package: where it may go, and every member but the replaced ones kept verbatim."""

from __future__ import annotations

import copy
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from importers.ooxml.package import Package
from kb.errors import KBError
from kb.i18n import _

_DATA_DESCRIPTOR_FLAG = 0x08


def same_file(a: str | Path, b: str | Path) -> bool:
    """One file under both names: the same path spelled otherwise, a symlink or a hard link."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_destination(src: str | Path, dst: str | Path) -> None:
    """The checks before a copy of workbook `src` is written to `dst`: never over the source itself."""
    src, dst = Path(src), Path(dst)
    if same_file(src, dst):
        raise KBError(
            _("refusing to overwrite the input workbook {name}: choose another output file").format(
                name=src.name
            )
        )
    if not dst.parent.is_dir():
        raise KBError(_("output folder does not exist: {folder}").format(folder=dst.parent))


# A replaced member's new content: its bytes, or a function that writes them into a stream
# (the patcher streams a worksheet part instead of holding it).
Content = bytes | Callable[[IO[bytes]], None]


def write_copy(package: Package, out: IO[bytes], replaced: dict[str, Content]) -> None:
    """The package as a new zip in `out`: members in the same order with the same metadata;
    those in `replaced` get the new content, every other one its stored (compressed) bytes as they are."""
    with zipfile.ZipFile(out, "w") as target:
        target.comment = package.zip.comment
        for info in package.members():
            if info.filename in replaced:
                clone = copy.copy(info)
                clone.compress_type = info.compress_type
                # Level 1: several times faster than zlib's default on a large sheet, for a
                # somewhat larger member; Excel compresses it its own way at the next save.
                clone._compresslevel = 1
                content = replaced[info.filename]
                if isinstance(content, bytes):
                    clone.file_size = len(content)
                    with target.open(clone, "w") as stream:
                        stream.write(content)
                else:
                    with target.open(clone, "w") as stream:
                        content(stream)
                # zipfile turns external_attr 0 into 0o600 << 16; it only lives in the central
                # directory (written at close), so the original value can be put back.
                clone.external_attr = info.external_attr
            else:
                _copy_member(package, target, info)


def _copy_member(package: Package, target: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy a member without recompressing it.

    zipfile has no public raw-copy API, so this writes the local header and the stored
    bytes itself and registers the entry for the central directory (the attributes used
    - fp, filelist, NameToInfo, start_dir, _didModify - have been stable for many Python
    releases). If they ever go away, fall back to a recompressing copy, whose
    decompressed bytes are still identical.
    """
    if not all(hasattr(target, name) for name in ("fp", "filelist", "NameToInfo", "start_dir", "_didModify")):
        target.writestr(copy.copy(info), package.zip.read(info))
        return
    raw = package.stored_bytes(info)
    clone = copy.copy(info)
    clone.flag_bits &= ~_DATA_DESCRIPTOR_FLAG  # CRC and sizes go into the local header instead
    target.fp.seek(target.start_dir)
    clone.header_offset = target.fp.tell()
    target.fp.write(clone.FileHeader())
    target.fp.write(raw)
    target.start_dir = target.fp.tell()
    target.filelist.append(clone)
    target.NameToInfo[clone.filename] = clone
    target._didModify = True
