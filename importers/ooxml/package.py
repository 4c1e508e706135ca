"""An opened .xlsx/.xlsm package: its limits, parts, relationships, sheets, names and shared strings.

Read with zipfile and the stdlib XML parser; every way a hostile or broken file can
fail (too big, a zip bomb, an .xls or encrypted file, a missing or corrupt part,
XML that is not well-formed) becomes a KBError that names the file.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, NamedTuple
from xml.etree import ElementTree as ET

from kb.errors import KBError
from kb.i18n import _

# --- limits -------------------------------------------------------------------

# Check sheets are a few MB; a file far bigger is not a questionnaire, and its parts
# would be held in memory one at a time.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Zip bomb guard, on the members' declared sizes: zipfile never returns more bytes
# than file_size for a member, so their sum bounds what can be decompressed.
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
# A workbook has tens of parts; thousands of members is a crafted archive (each costs a ZipInfo).
MAX_ZIP_MEMBERS = 10_000
# Compound File magic: legacy .xls and encrypted .xlsx, which zipfile would only call "not a zip".
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Zip-level encryption of a member (general purpose flag bit 0): Office never writes it (its
# encryption is OLE_MAGIC), and zipfile would raise RuntimeError asking for a password.
_ENCRYPTED_FLAG = 0x1

# What reading a member of a damaged archive raises, besides ElementTree's ParseError.
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError)


def local_name(tag: str) -> str:
    """Element name without namespace: works for transitional and strict OOXML alike."""
    return tag.rsplit("}", 1)[-1]


# --- public data ----------------------------------------------------------------


class Relationship(NamedTuple):
    kind: str  # the Type's last segment: 'worksheet', 'sharedStrings', 'officeDocument' ...
    part: str  # the target, resolved to a zip member name


@dataclass(frozen=True)
class SheetRef:
    name: str
    index: int  # position in the workbook (0-based, = definedName localSheetId)
    sheet_id: str
    state: str  # visible / hidden / veryHidden
    kind: str  # worksheet / chartsheet / dialogsheet / macrosheet ...
    part: str  # zip member, e.g. xl/worksheets/sheet1.xml


@dataclass(frozen=True)
class DefinedName:
    name: str
    local_sheet: int | None
    formula: str


# --- the package -------------------------------------------------------------------


class Package:
    """A workbook file opened once, after the checks that make bad input a KBError.

    The file stays open until close(): the check-sheet reader parses parts from it and
    the patcher copies its members' stored bytes from it, without opening it again.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = self.path.name
        self.file = _open_checked(self.path)
        try:
            try:
                self.zip = zipfile.ZipFile(self.file)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
                raise KBError(
                    _(
                        "{name}: not an .xlsx workbook (not a readable zip archive; corrupt or truncated?)"
                    ).format(name=self.name)
                ) from None
            _check_zip_limits(self.zip, self.name)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if getattr(self, "zip", None) is not None:
            self.zip.close()
        self.file.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- parts --

    def has(self, part: str) -> bool:
        return part in self.zip.NameToInfo

    def members(self) -> list[zipfile.ZipInfo]:
        """Every member, in archive order."""
        return self.zip.infolist()

    def read(self, part: str) -> bytes:
        try:
            return self.zip.read(part)
        except KeyError:
            raise KBError(
                _("{name}: workbook part missing: {part}").format(name=self.name, part=part)
            ) from None
        except _CORRUPT:
            raise KBError(_cannot_read(self.name, part)) from None

    def parse(self, part: str) -> ET.Element:
        try:
            return ET.fromstring(self.read(part))
        except ET.ParseError:
            raise KBError(_not_well_formed(self.name, part)) from None

    @contextmanager
    def reading(self, part: str) -> Iterator[IO[bytes]]:
        """The part as a stream, for parsing it incrementally; bad XML or a damaged member
        found while it is read (inside the with block) become KBError."""
        if not self.has(part):
            raise KBError(_("{name}: workbook part missing: {part}").format(name=self.name, part=part))
        try:
            with self.zip.open(part) as stream:
                yield stream
        except ET.ParseError:
            raise KBError(_not_well_formed(self.name, part)) from None
        except _CORRUPT:
            raise KBError(_cannot_read(self.name, part)) from None

    def stored_bytes(self, info: zipfile.ZipInfo) -> bytes:
        """A member's compressed bytes exactly as stored, for copying it without recompressing."""
        self.file.seek(info.header_offset)
        header = self.file.read(_LOCAL_HEADER_SIZE)
        if len(header) != _LOCAL_HEADER_SIZE or header[:4] != b"PK\x03\x04":
            raise KBError(_("corrupt workbook: bad local header for {member}").format(member=info.filename))
        name_length = int.from_bytes(header[26:28], "little")
        extra_length = int.from_bytes(header[28:30], "little")
        self.file.seek(info.header_offset + _LOCAL_HEADER_SIZE + name_length + extra_length)
        raw = self.file.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise KBError(_("corrupt workbook: {member} is truncated").format(member=info.filename))
        return raw

    # -- relationships --

    def relationships(self, part: str) -> dict[str, Relationship]:
        """rId -> Relationship of a part ('' for the package itself); external targets left out."""
        rels_part = _rels_path(part)
        if not self.has(rels_part):
            return {}
        rels = {}
        for rel in self.parse(rels_part):
            if local_name(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            rels[rel.get("Id", "")] = Relationship(kind, resolve_target(part, rel.get("Target", "")))
        return rels

    @cached_property
    def workbook_part(self) -> str:
        for rel in self.relationships("").values():
            if rel.kind == "officeDocument" and self.has(rel.part):
                return rel.part
        if self.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise KBError(_("{name}: not an Excel workbook (missing xl/workbook.xml)").format(name=self.name))

    def related_part(self, kind: str) -> str | None:
        """Part related to the workbook by type, e.g. 'sharedStrings' or 'calcChain'; None if absent."""
        for rel in self.relationships(self.workbook_part).values():
            if rel.kind == kind and self.has(rel.part):
                return rel.part
        return None

    # -- the workbook part --

    @cached_property
    def _workbook(self) -> ET.Element:
        return self.parse(self.workbook_part)

    @cached_property
    def sheets(self) -> list[SheetRef]:
        """Sheets in workbook order, with their zip member resolved via the workbook's relationships."""
        rels = self.relationships(self.workbook_part)
        sheets: list[SheetRef] = []
        for element in self._workbook.iter():
            if local_name(element.tag) != "sheet":
                continue
            rel_id = next((v for k, v in element.attrib.items() if local_name(k) == "id"), "")
            rel = rels.get(rel_id, Relationship("missing", ""))
            sheets.append(
                SheetRef(
                    name=element.get("name", ""),
                    index=len(sheets),
                    sheet_id=element.get("sheetId", ""),
                    state=element.get("state", "visible"),
                    kind=rel.kind,
                    part=rel.part,
                )
            )
        return sheets

    def sheet(self, name: str) -> SheetRef | None:
        return next((s for s in self.sheets if s.name == name), None)

    @cached_property
    def defined_names(self) -> list[DefinedName]:
        names = []
        for element in self._workbook.iter():
            if local_name(element.tag) == "definedName":
                local = element.get("localSheetId")
                names.append(
                    DefinedName(
                        element.get("name", ""), int(local) if local is not None else None, element.text or ""
                    )
                )
        return names

    @cached_property
    def shared_strings(self) -> list[str]:
        part = self.related_part("sharedStrings")
        if not part:
            return []
        strings = []
        with self.reading(part) as stream:
            for _event, element in ET.iterparse(stream):
                if local_name(element.tag) == "si":
                    strings.append(string_item_text(element))
                    element.clear()
        return strings


def _cannot_read(name: str, part: str) -> str:
    return _("{name}: corrupt workbook, cannot read {part}").format(name=name, part=part)


def _not_well_formed(name: str, part: str) -> str:
    return _("{name}: corrupt workbook, {part} is not well-formed XML").format(name=name, part=part)


_LOCAL_HEADER_SIZE = 30  # PK\x03\x04 ... file name length (26:28), extra field length (28:30)


def _open_checked(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise KBError(_("workbook not found: {path}").format(path=path))
    file = path.open("rb")
    try:
        size = os.fstat(file.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise KBError(
                _("{name}: workbook is {size} MB, over the {limit} MB limit").format(
                    name=path.name, size=size // 2**20, limit=MAX_FILE_BYTES // 2**20
                )
            )
        if file.read(len(OLE_MAGIC)) == OLE_MAGIC:
            raise KBError(
                _("{name}: encrypted or legacy .xls workbook, save it as .xlsx").format(name=path.name)
            )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file


def _check_zip_limits(zf: zipfile.ZipFile, name: str) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise KBError(
            _("{name}: {count} zip members, over the {limit} limit").format(
                name=name, count=len(infos), limit=MAX_ZIP_MEMBERS
            )
        )
    encrypted = next((info.filename for info in infos if info.flag_bits & _ENCRYPTED_FLAG), None)
    if encrypted is not None:
        raise KBError(
            _("{name}: password-protected zip member {member}; save the workbook without one").format(
                name=name, member=encrypted
            )
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise KBError(
            _("{name}: workbook unpacks to {size} MB, over the {limit} MB limit (zip bomb guard)").format(
                name=name, size=total // 2**20, limit=MAX_UNCOMPRESSED_BYTES // 2**20
            )
        )


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve_target(source_part: str, target: str) -> str:
    """A relationship's Target as a zip member name: absolute ('/xl/...') or relative to the source part.

    '..' cannot climb out of the archive: whatever it names is looked up among the members.
    """
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


# --- text ---------------------------------------------------------------------------

_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(text: str) -> str:
    """Excel writes characters XML cannot hold as _xHHHH_ (and a literal '_x' as _x005F_x)."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def string_item_text(element: ET.Element) -> str:
    """Text of a shared/inline string: plain <t> or rich-text runs, without phonetic (<rPh>) guides."""
    parts = []
    for child in element:
        name = local_name(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local_name(t.tag) == "t")
    return unescape_ooxml("".join(parts))
