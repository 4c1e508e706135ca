"""Wrapped copies of cell formats in styles.xml, for `kb fill --wrap`.

A written answer is easier to read wrapped, but the customer's own formats must stay as
they are: other cells share them. So each format (a ``<cellXfs>`` entry) that a written
cell uses gets ONE copy appended, the same but for ``<alignment wrapText="1"/>`` (its
other alignment attributes kept), and the written cells point at the copy. Everything
else in styles.xml stays byte for byte; only the cellXfs ``count`` changes with it.

The part is edited as text, as exporters.xlsx_patch edits worksheets, never re-serialised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# The worksheet patcher's element scanning, shared (it imports this module when it writes).
from exporters.xlsx_patch import _ATTRS, _attr, _decode_part, _iter_children, _set_attr, _start_tag_pattern
from kb.errors import KBError
from kb.i18n import _


@dataclass
class WrappedStyles:
    """styles.xml and the wrapped copies of its formats handed out so far."""

    text: str
    prefix: str  # namespace prefix of the part's elements, '' or e.g. 'x:'
    xfs: list[str]  # the cellXfs entries as they are written, in order
    opening: tuple[int, int]  # where the <cellXfs ...> start tag is
    insert_at: int  # offset of </cellXfs>
    added: dict[int, int] = field(default_factory=dict)  # format index -> index of its wrapped copy

    @classmethod
    def parse(cls, xml: bytes) -> WrappedStyles | None:
        """None when the part has no <cellXfs> to add to (a workbook without formats)."""
        text = _decode_part(xml)
        match = re.search(rf"<([A-Za-z_][\w.-]*:)?cellXfs(?=[\s/>]){_ATTRS}(/?)>", text)
        if not match or match.group(3):
            return None
        prefix = match.group(1) or ""
        close = text.find(f"</{prefix}cellXfs>", match.end())
        if close < 0:
            raise KBError(_("corrupt styles.xml: <cellXfs> without a closing tag"))
        xfs = [text[e.start : e.end] for e in _iter_children(text, prefix, "xf", match.end(), close)]
        return cls(text, prefix, xfs, match.span(), close)

    def wrapped(self, index: int) -> int:
        """The index of a wrapped format like ``index``: itself when it already wraps (or is not
        in the part, which Excel would show as the default), else its copy, made once."""
        if index in self.added:
            return self.added[index]
        if not 0 <= index < len(self.xfs) or _wraps(self.xfs[index], self.prefix):
            return index
        self.added[index] = len(self.xfs) + len(self.added)
        return self.added[index]

    def wrap_all(self, indexes: Iterable[int]) -> dict[int, int]:
        """wrapped() of each index, made in index order so that the same fill writes the same bytes."""
        return {index: self.wrapped(index) for index in sorted(set(indexes))}

    def xml(self) -> bytes | None:
        """The part with the copies appended and cellXfs count updated; None if none were made."""
        if not self.added:
            return None
        copies = "".join(
            _wrapped_xf(self.xfs[i], self.prefix) for i in sorted(self.added, key=self.added.get)
        )
        (start, end), text = self.opening, self.text
        tag = text[start:end]
        if _attr(_attrs_of(tag), "count") is not None:
            tag = _set_attr(tag, "count", str(len(self.xfs) + len(self.added)))
        pieces = (text[:start], tag, text[end : self.insert_at], copies, text[self.insert_at :])
        return "".join(pieces).encode("utf-8")


def _alignment(xf: str, prefix: str) -> re.Match[str] | None:
    return _start_tag_pattern(prefix, "alignment").search(xf)


def _wraps(xf: str, prefix: str) -> bool:
    alignment = _alignment(xf, prefix)
    return alignment is not None and _attr(alignment.group(1), "wrapText") in ("1", "true")


def _with_attr(start_tag: str, name: str, value: str) -> str:
    """The start tag with attribute ``name`` set to ``value``, added before its end if absent."""
    if _attr(_attrs_of(start_tag), name) is not None:
        return _set_attr(start_tag, name, value)
    end = len(start_tag) - (2 if start_tag.endswith("/>") else 1)
    return f'{start_tag[:end].rstrip()} {name}="{value}"{start_tag[end:]}'


def _attrs_of(start_tag: str) -> str:
    """The attribute text of a start tag."""
    match = re.match(rf"<[^\s/>]+{_ATTRS}", start_tag)
    return match.group(1) if match else ""


# Excel's Format Cells dialog offers wrapping or shrinking, never both: wrapping wins here.
_SHRINK = re.compile(r"\s+shrinkToFit\s*=\s*(?:\"[^\"]*\"|'[^']*')")


def _wrapped_xf(xf: str, prefix: str) -> str:
    """The cellXfs entry with wrapText="1" in its <alignment> (made when it has none) and applyAlignment="1"."""
    start = _start_tag_pattern(prefix, "xf").match(xf)
    if start is None:
        raise KBError(_("corrupt styles.xml: a cellXfs entry that is not an <xf>"))
    start_tag = _with_attr(start.group(0), "applyAlignment", "1")
    alignment = _alignment(xf, prefix)
    if alignment is not None:
        tag = _SHRINK.sub("", _with_attr(alignment.group(0), "wrapText", "1"))
        rest = xf[start.end() :]
        offset = alignment.start() - start.end()
        return start_tag + rest[:offset] + tag + rest[offset + len(alignment.group(0)) :]
    new = f'<{prefix}alignment wrapText="1"/>'
    if start.group(2):  # <xf .../>: give it a body
        return f"{start_tag[:-2].rstrip()}>{new}</{prefix}xf>"
    # <alignment> comes first among an xf's children (then protection, extLst).
    return start_tag + new + xf[start.end() :]
