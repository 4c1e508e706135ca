"""The messages the code marks for translation, and the catalogues brought up to date with them.

    .venv/bin/python -m kb.i18n_extract          # add new msgids to every .po, drop unused ones
    .venv/bin/python -m kb.i18n_extract --check  # exit 1 when a .po lacks a msgid or holds a stale one

A message is marked by a call of ``_``, ``N_``, ``ngettext`` or ``pgettext`` (kb.i18n) whose text
arguments are string literals; the scanner reads the code with ``ast`` and imports none of it.
A marked call whose argument is not a literal (an f-string, a variable) is reported: its text
could never be in a catalogue. ``_(variable)`` is allowed where the variable's values are marked
with ``N_`` where they are defined.
"""

from __future__ import annotations

import ast
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kb import i18n, i18n_po

ROOT = Path(__file__).resolve().parents[1]
# The packages whose texts reach a person (the wheel's packages, kb.i18n's users).
PACKAGES = ("kb", "exporters", "importers", "evidence", "datasette_kb")
MARKERS = {
    "_": ("msgid",),
    "N_": ("msgid",),
    "ngettext": ("msgid", "msgid_plural"),
    "N_plural": ("msgid", "msgid_plural"),
    "pgettext": ("msgctxt", "msgid"),
}
# A catalogue's own methods, as in translator(lang).gettext("..."): a file in another language.
METHOD_MARKERS = {
    "gettext": ("msgid",),
    "ngettext": ("msgid", "msgid_plural"),
    "pgettext": ("msgctxt", "msgid"),
}
# Texts kb.cli.translation translates without a marker: a click command's docstring (or help=)
# and the help of its options.
COMMAND_DECORATORS = ("command", "group")
HELP_KEYWORDS = ("help", "short_help", "epilog")
OPTION_CALLS = ("option",)
# kb.cli's option builders that take the end of their help as an argument (by position), which
# they translate: their callers' literals are messages.
OPTION_BUILDERS = {"service_option": 0, "classification_option": 1}


@dataclass
class Message(i18n_po.Entry):
    """A text the code marks, and where ("file:line")."""

    where: list[str] = field(default_factory=list)


@dataclass
class Scan:
    messages: dict[tuple[str | None, str], Message]
    # "file:line: why" of each marked call whose text is not a literal
    problems: list[str]


def _marker(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute) and node.func.attr in METHOD_MARKERS:
        return node.func.attr
    name = node.func.id if isinstance(node.func, ast.Name) else None
    return name if name in MARKERS else None


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _built(node: ast.expr) -> bool:
    """An f-string, a concatenation or an already formatted literal: no catalogue can hold its text."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _literal(node.func.value)
    )


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _help_keywords(call: ast.Call, rel: str, problems: list[str]):
    for keyword in call.keywords:
        if keyword.arg not in HELP_KEYWORDS:
            continue
        if _literal(keyword.value):
            yield inspect.cleandoc(keyword.value.value), keyword.value.lineno
        elif _built(keyword.value):
            problems.append(f"{rel}:{keyword.value.lineno}: {keyword.arg}= built in the code, not a literal")


def _implicit(node: ast.AST, rel: str, problems: list[str]):
    """The texts kb.cli.translation translates at ``node``: (text, line) pairs."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            if _call_name(decorator) not in COMMAND_DECORATORS:
                continue
            given = isinstance(decorator, ast.Call) and any(k.arg == "help" for k in decorator.keywords)
            docstring = ast.get_docstring(node, clean=True)
            if not given and docstring:
                yield docstring, node.body[0].lineno
            if isinstance(decorator, ast.Call):
                yield from _help_keywords(decorator, rel, problems)
    elif isinstance(node, ast.Call) and _call_name(node) in OPTION_CALLS:
        yield from _help_keywords(node, rel, problems)
    elif isinstance(node, ast.Call) and (position := OPTION_BUILDERS.get(_call_name(node) or "")) is not None:
        if len(node.args) > position and _literal(node.args[position]):
            yield node.args[position].value, node.lineno


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.comprehension)


def _own_nodes(function: ast.AST):
    """The nodes of a function's own scope (not of functions or classes inside it)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _shadows_underscore(function: ast.AST) -> bool:
    """A function that calls _() and also assigns _ (``for key, _ in rows``): Python makes ``_``
    local to the whole function, and its _() call fails with UnboundLocalError."""
    nodes = list(_own_nodes(function))
    assigned = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in nodes)
    called = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in nodes)
    return assigned and called


def scan(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Scan:
    messages: dict[tuple[str | None, str], Message] = {}
    problems: list[str] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), rel)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _shadows_underscore(node):
                    problems.append(
                        f"{rel}:{node.lineno}: {node.name} assigns _ and calls _(): rename the variable"
                    )
                for text, line in _implicit(node, rel, problems):
                    message = Message(text)
                    messages.setdefault(message.key, message).where.append(f"{rel}:{line}")
                if not isinstance(node, ast.Call) or (kind := _marker(node)) is None:
                    continue
                roles = {**METHOD_MARKERS, **MARKERS}[kind]
                args = node.args[: len(roles)]
                if len(args) == len(roles) and all(_literal(a) for a in args):
                    pass
                elif any(_built(a) for a in args) or len(args) < len(roles):
                    problems.append(
                        f"{rel}:{node.lineno}: {kind}() of a text built in the code, not a literal"
                    )
                    continue
                else:
                    continue  # _(label): the label's values are marked with N_ where they are defined
                values = dict(zip(roles, (a.value for a in args), strict=True))
                message = Message(values["msgid"], values.get("msgid_plural"), values.get("msgctxt"))
                kept = messages.setdefault(message.key, message)
                kept.where.append(f"{rel}:{node.lineno}")
    return Scan(messages, problems)


def catalogues(locale_dir: Path | None = None) -> list[Path]:
    root = locale_dir or i18n.LOCALE_DIR
    return sorted(root.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))


def missing_and_stale(entries: list[i18n_po.Entry], found: Scan) -> tuple[list[Message], list[i18n_po.Entry]]:
    have = {(e.msgctxt, e.msgid) for e in entries}
    missing = [m for k, m in found.messages.items() if k not in have]
    stale = [e for e in entries if e.msgid != "" and (e.msgctxt, e.msgid) not in found.messages]
    return missing, stale


def update(path: Path, found: Scan) -> tuple[int, int]:
    """Rewrites one .po: new msgids appended untranslated, unused ones dropped, references renewed."""
    entries = i18n_po.read(path)
    missing, stale = missing_and_stale(entries, found)
    stale_keys = {(e.msgctxt, e.msgid) for e in stale}
    kept = [e for e in entries if (e.msgctxt, e.msgid) not in stale_keys]
    kept += [i18n_po.Entry(m.msgid, m.msgid_plural, m.msgctxt) for m in missing]
    refs = {m.msgid: m.where for m in found.messages.values()}
    path.write_text(i18n_po.dump(kept, refs), encoding="utf-8")
    return len(missing), len(stale)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    found = scan()
    for problem in found.problems:
        print(problem, file=sys.stderr)
    failed = bool(found.problems)
    for path in catalogues():
        if "--check" in args:
            missing, stale = missing_and_stale(i18n_po.read(path), found)
            for m in missing:
                print(f"{path}: missing {m.msgid!r} ({m.where[0]})", file=sys.stderr)
            for e in stale:
                print(f"{path}: no code uses {e.msgid!r}", file=sys.stderr)
            failed |= bool(missing or stale)
        else:
            added, dropped = update(path, found)
            print(f"{path.relative_to(ROOT)}: {added} new (to translate), {dropped} unused dropped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
