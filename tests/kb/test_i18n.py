"""kb.i18n: the language kb speaks, its catalogues, and that the code and the catalogues agree."""

from __future__ import annotations

import gettext
import io
import re
import string

import pytest

from kb import i18n, i18n_extract, i18n_po

PO = """\
msgid ""
msgstr ""
"Language: xx\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

# a translator's note
#: kb/somewhere.py:1
msgid "no such file: {path}"
msgstr "pas de fichier : {path}"

msgid "line one\\n"
"line two"
msgstr ""
"ligne un\\n"
"ligne deux"

msgid "{n} row"
msgid_plural "{n} rows"
msgstr[0] "{n} ligne"
msgstr[1] "{n} lignes"

msgctxt "status"
msgid "open"
msgstr "ouvert"

#, fuzzy
msgid "guessed"
msgstr "devine"

msgid "not yet"
msgstr ""
"""


def catalogue(text: str = PO) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(i18n_po.compile_mo(i18n_po.parse(text))))


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("KB_LANG", "KB_LOCALE_DIR", *i18n.LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# -- which language ------------------------------------------------------------------------------


def test_kb_lang_comes_first(clean_env):
    clean_env.setenv("LANG", "ja_JP.UTF-8")
    clean_env.setenv("KB_LANG", "en")
    assert i18n.language() == "en"
    clean_env.setenv("KB_LANG", "ja")
    clean_env.setenv("LANG", "C")
    assert i18n.language() == "ja"


def test_the_locale_decides_without_kb_lang(clean_env):
    clean_env.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.language() == "ja"
    clean_env.setenv("LC_MESSAGES", "en_US.UTF-8")  # LC_MESSAGES before LANG
    assert i18n.language() == "en"
    clean_env.setenv("LC_ALL", "ja_JP.eucJP")  # LC_ALL before both
    assert i18n.language() == "ja"


@pytest.mark.parametrize("value", ["", "C", "POSIX", "C.UTF-8", "de_DE.UTF-8", "klingon"])
def test_english_otherwise(clean_env, value):
    clean_env.setenv("LANG", value)
    assert i18n.language() == "en"
    assert i18n._("no such file: {path}") == "no such file: {path}"


def test_english_needs_no_catalogue_and_japanese_has_one():
    assert {"en", "ja"} <= set(i18n.available())
    assert not (i18n.LOCALE_DIR / "en").exists()


# -- the .po reader and compiler -------------------------------------------------------------------


def test_a_compiled_catalogue_is_read_by_pythons_gettext():
    t = catalogue()
    assert t.gettext("no such file: {path}") == "pas de fichier : {path}"
    assert t.gettext("line one\nline two") == "ligne un\nligne deux"
    assert t.ngettext("{n} row", "{n} rows", 1) == "{n} ligne"
    assert t.ngettext("{n} row", "{n} rows", 3) == "{n} lignes"
    assert t.pgettext("status", "open") == "ouvert"
    assert t.gettext("open") == "open"  # the context is part of the key


def test_fuzzy_and_empty_translations_show_the_english():
    t = catalogue()
    assert t.gettext("guessed") == "guessed"
    assert t.gettext("not yet") == "not yet"


def test_dump_reads_back_the_same_entries():
    entries = i18n_po.parse(PO)
    again = i18n_po.parse(i18n_po.dump(entries))
    assert [(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, e.fuzzy) for e in again] == [
        (e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, e.fuzzy) for e in entries
    ]
    assert "# a translator's note" in again[1].comments


def test_a_broken_catalogue_names_its_line():
    from kb.errors import KBError

    with pytest.raises(KBError, match=r"x.po:2: expected a quoted string"):
        i18n_po.parse('msgid "a"\nmsgstr oops\n', "x.po")


# -- a translator adds a language without touching code --------------------------------------------


def test_a_new_language_is_a_new_po_file(tmp_path, clean_env):
    messages = tmp_path / "xx" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "kb.po").write_text(PO, encoding="utf-8")
    clean_env.setenv("KB_LOCALE_DIR", str(tmp_path))
    clean_env.setenv("LANG", "xx_YY.UTF-8")
    assert i18n.language() == "xx"
    assert "xx" in i18n.available()
    assert i18n._("no such file: {path}").format(path="a.txt") == "pas de fichier : a.txt"
    assert i18n.ngettext("{n} row", "{n} rows", 2).format(n=2) == "2 lignes"
    assert i18n._("a message nobody translated") == "a message nobody translated"


# -- the code and the catalogues agree -------------------------------------------------------------

FOUND = i18n_extract.scan()
SHIPPED = i18n_extract.catalogues()


def test_every_marked_call_has_a_literal_text():
    # Fix: _("... {name} ...").format(name=value), never an f-string; an option builder's help
    # as _("... {why}.").format(why=_(why)) with its callers' texts marked N_("...").
    assert FOUND.problems == []


SAMPLE = """
from kb.i18n import N_, _, ngettext, pgettext

LABELS = {"open": N_("open question")}
print(_("no such file: {path}").format(path=p), _(LABELS["open"]), _(label))
print(ngettext("{n} row", "{n} rows", n), pgettext("status", "open"))
print(_(f"computed {p}"), _("a " + "b"), _("late {x}".format(x=1)))


def summary(rows):
    for key, _ in rows:
        print(_("status"))


def fine(rows):
    return [_("x") for _key in rows], [v for _ in rows for v in _]
"""


def test_the_scanner_finds_marked_messages_and_texts_no_catalogue_can_hold(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(SAMPLE, encoding="utf-8")
    found = i18n_extract.scan(tmp_path, ("pkg",))
    assert set(found.messages) == {
        (None, "open question"),
        (None, "no such file: {path}"),
        (None, "{n} row"),
        ("status", "open"),
        (None, "status"),
        (None, "x"),
    }
    assert found.messages[(None, "{n} row")].msgid_plural == "{n} rows"
    assert found.messages[(None, "no such file: {path}")].where == ["pkg/m.py:5"]
    assert sorted(found.problems) == [
        "pkg/m.py:10: summary assigns _ and calls _(): rename the variable",
        *["pkg/m.py:7: _() of a text built in the code, not a literal"] * 3,
    ]


def test_update_adds_new_messages_and_drops_unused_ones(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(SAMPLE, encoding="utf-8")
    found = i18n_extract.scan(tmp_path, ("pkg",))
    po = tmp_path / "kb.po"
    po.write_text(PO, encoding="utf-8")
    # new: "open question", "status", "x"; unused: "line one…", "guessed", "not yet"
    assert i18n_extract.update(po, found) == (3, 3)
    entries = {(e.msgctxt, e.msgid): e for e in i18n_po.read(po)}
    assert entries[(None, "no such file: {path}")].msgstr == ["pas de fichier : {path}"]  # kept
    assert entries[(None, "open question")].msgstr == [""]  # new, to translate
    assert (None, "guessed") not in entries  # no code uses it
    assert "#: pkg/m.py:5" in po.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parts[-3])
def test_every_message_is_in_each_catalogue(path):
    # (an entry no code uses any more is harmless; kb.i18n_extract drops it)
    missing, _stale = i18n_extract.missing_and_stale(i18n_po.read(path), FOUND)
    assert [m.msgid for m in missing] == [], "run .venv/bin/python -m kb.i18n_extract, then translate"


def test_japanese_translates_every_message():
    ja = i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "kb.po"
    untranslated = [e.msgid for e in i18n_po.read(ja) if e.msgid and not e.translated]
    assert untranslated == []


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parts[-3])
def test_a_translation_keeps_the_placeholders_of_its_message(path):
    wrong = []
    for e in i18n_po.read(path):
        if not e.msgid or not e.translated:
            continue
        wanted = fields(e.msgid) | fields(e.msgid_plural or "")
        # a form of a plural may leave out {n} (Japanese: one form for every count) but adds none
        for text in e.msgstr:
            if not fields(text) <= wanted or (e.msgid_plural is None and fields(text) != wanted):
                wrong.append((e.msgid, text))
    assert wrong == []


def test_no_catalogue_text_has_printf_placeholders():
    # kb formats with str.format; a %s in a msgid would be shown as it is
    assert [k for k in FOUND.messages if re.search(r"%[sd(]", k[1])] == []
