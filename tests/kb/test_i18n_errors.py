"""A KBError reaches its reader as one line (``kb: error: …``, ``kb: エラー: …``): its message must
be able to come from the catalogue. A message written as a string literal, an f-string or a
literal's ``.format`` never can, so kb would say it in English whatever the language; this test
finds each one in the code (read with ast, nothing imported) and names it by file and line.

Also: a few errors a person meets (a damaged workbook, a JSON file ``kb import json`` cannot
restore, an unknown service) said by the CLI in both languages."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.i18n_extract import PACKAGES, ROOT

BASE = "KBError"

# Files whose KBErrors stay English for good, and why.
ENGLISH_FOR_GOOD = {
    # It reports a broken .po catalogue: translating that report would read the same broken
    # catalogue again (kb.i18n compiles it on the first _()), without end.
    "kb/i18n_po.py",
}


# -- the scanner ---------------------------------------------------------------------------------


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant | ast.JoinedStr) and not (
        isinstance(node, ast.Constant) and not isinstance(node.value, str)
    )


def built_in_english(node: ast.expr) -> bool:
    """A message no catalogue can hold: a literal, an f-string, a literal's .format or % (or a
    concatenation, or either branch of a conditional, that holds one)."""
    if _literal(node):
        return True
    if isinstance(node, ast.BinOp):
        return built_in_english(node.left) or built_in_english(node.right)
    if isinstance(node, ast.IfExp):
        return built_in_english(node.body) or built_in_english(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal(node.func.value)
    return False


def error_classes(trees: dict[str, ast.Module], base: str = BASE) -> set[str]:
    """``base`` and the classes that derive from it, in any of the modules (by name)."""
    family = {base}
    while True:
        found = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(_name(b) in family for b in node.bases)
        }
        if found <= family:
            return family
        family |= found


def untranslated(trees: dict[str, ast.Module], family: set[str] | None = None) -> list[str]:
    """The "file:line: message" of each error of the family made with a message built in English."""
    family = error_classes(trees) if family is None else family
    found = []
    for rel, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in family and node.args:
                if built_in_english(node.args[0]):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node.args[0])[:80]}")
    return sorted(found)


def parsed(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, ast.Module]:
    trees = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            trees[rel] = ast.parse(path.read_text(encoding="utf-8"), rel)
    return trees


def site(finding: str) -> str:
    """The "file:line" of a finding."""
    rel, line, _rest = finding.split(":", 2)
    return f"{rel}:{line}"


# -- the scanner, tried ----------------------------------------------------------------------------

BAD = """\
from kb.errors import KBError
from kb.i18n import _


class Refused(KBError):
    pass


class Worse(Refused):
    pass


def f(name, n):
    raise KBError("no such thing")
    raise KBError(f"no such thing: {name}")
    raise KBError("no such thing: {name}".format(name=name))
    raise KBError("%s is missing" % name)
    raise KBError(_("no such thing: {name}").format(name=name) + f" ({n})")
    raise Worse(f"{name} refused" if n else _("refused"))
    raise errors.KBError("no such thing")
"""

GOOD = """\
from kb.errors import KBError
from kb.i18n import _, ngettext


def f(name, n, exc, message):
    raise KBError(_("no such thing: {name}").format(name=name))
    raise KBError(ngettext("{n} thing", "{n} things", n).format(n=n))
    raise KBError(str(exc))
    raise KBError(message)
    raise KBError(_("a") if n else _("b"))
    raise ValueError(f"not for a person: {name}")
    raise KBError()
"""


def test_the_scanner_finds_each_message_built_in_english():
    found = untranslated({"bad.py": ast.parse(BAD)})
    assert [site(f) for f in found] == [f"bad.py:{n}" for n in (14, 15, 16, 17, 18, 19, 20)]
    assert found[0] == "bad.py:14: 'no such thing'"


def test_the_scanner_leaves_translated_messages_alone():
    assert untranslated({"good.py": ast.parse(GOOD)}) == []


def test_the_scanner_knows_the_subclasses_of_kberror():
    trees = {"bad.py": ast.parse(BAD)}
    assert error_classes(trees) == {"KBError", "Refused", "Worse"}
    assert "AmbiguousId" in error_classes(parsed()) and "ReadOnlyKB" in error_classes(parsed())


def test_the_guard_fails_on_a_module_that_raises_in_english(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "fine.py").write_text(GOOD)
    (tmp_path / "kb" / "sub").mkdir()
    (tmp_path / "kb" / "sub" / "bad.py").write_text(BAD)
    found = untranslated(parsed(tmp_path, ("kb",)))
    assert found and {site(f).rsplit(":", 1)[0] for f in found} == {"kb/sub/bad.py"}
    assert "kb/sub/bad.py:15: f'no such thing: {name}'" in found


# -- the code ----------------------------------------------------------------------------------------


def test_every_kberror_message_can_be_translated():
    found = [f for f in untranslated(parsed()) if site(f).rsplit(":", 1)[0] not in ENGLISH_FOR_GOOD]
    assert found == [], 'a KBError\'s message must be _("… {field} …").format(field=…), see kb/i18n.py'


# -- what a person reads -------------------------------------------------------------------------------

SAID = {
    "xlsx": {
        "en": "kb: error: bad.xlsx: not an .xlsx workbook (not a readable zip archive; corrupt or truncated?)",
        "ja": "kb: エラー: bad.xlsx: .xlsx のブックではありません（ZIP アーカイブとして読めません。"
        "壊れているか途中で切れていませんか）",
    },
    "json": {
        "en": "kb: error: old.json is kb export json format 1; kb import json restores format 2, which holds"
        " every table (export it again with this kb)",
        "ja": "kb: エラー: old.json は kb export json の形式 1 です。kb import json が復元するのは、"
        "すべての表を含む形式 2 です（この kb で書き出し直してください）",
    },
    "table": {
        "en": "kb: error: the export holds a table this KB's schema does not: no_such_table",
        "ja": "kb: エラー: 書き出しに、このKBのスキーマにない表があります: no_such_table",
    },
    "service": {
        "en": "kb: error: no service 'NOPE' in this KB (it holds ALPHA-VM: 4 responses, BETA-BM: 6 responses)",
        "ja": "kb: エラー: このKBにサービス 'NOPE' はありません（あるのは ALPHA-VM: 回答 4 件、BETA-BM: 回答 6 件）",
    },
}


def _kb(*args: str):
    from kb.cli import cli

    return CliRunner().invoke(cli, list(args))


def _one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_damaged_workbook_is_said_in_the_users_language(lang, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a zip archive")
    assert _one_line(_kb("--db", str(tmp_path / "kb.db"), "inspect", str(bad))) == SAID["xlsx"][lang]


def test_an_export_of_another_format_is_said_in_the_users_language(lang, tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format_version": 1}))
    assert _one_line(_kb("--db", str(tmp_path / "kb.db"), "import", "json", str(old))) == SAID["json"][lang]


def test_an_export_that_does_not_fit_the_schema_is_said_in_the_users_language(lang, tmp_path):
    from kb.db import SCHEMA_VERSION

    export = {
        "format_version": 2,
        "schema_version": SCHEMA_VERSION,
        "audience": "internal",
        "tables": {"no_such_table": {"columns": ["id"], "rows": [[1]]}},
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    said = _one_line(_kb("--db", str(tmp_path / "kb.db"), "import", "json", str(path)))
    assert said == SAID["table"][lang]


@pytest.fixture
def two_services(tmp_path):
    from tests.builders import two_service_kb

    return two_service_kb(tmp_path / "kb.db")


def test_an_unknown_service_is_said_in_the_users_language(lang, two_services):
    said = _one_line(_kb("--db", str(two_services), "answer", "--service", "NOPE", "encryption at rest?"))
    assert said == SAID["service"][lang]


FORMULA = {
    None: {
        "en": "cell Sheet!B1 holds a formula, not overwriting it; it is computed by the workbook",
        "ja": "セル Sheet!B1 には数式があるため、上書きしません。値はブックが計算します",
    },
    "shared": {
        "en": "cell Sheet!B1 holds a shared formula that other cells depend on, not overwriting it",
        "ja": "セル Sheet!B1 には他のセルが使う共有数式があるため、上書きしません",
    },
    "array": {
        "en": "cell Sheet!B1 holds a array formula that other cells depend on, not overwriting it",
        "ja": "セル Sheet!B1 には他のセルが使う配列数式があるため、上書きしません",
    },
}


@pytest.mark.parametrize("kind", [None, "shared", "array"])
def test_a_refused_formula_cell_is_said_in_the_users_language(lang, kind):
    from exporters.xlsx_patch import _FormulaRefused

    assert _FormulaRefused("B1", kind).message("Sheet") == FORMULA[kind][lang]
