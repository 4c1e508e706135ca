"""What kb says to a person, in their language: ``_()`` and ``ngettext()`` over Python's gettext.

The messages are written in English in the code and translated by the catalogues
kb/locale/<lang>/LC_MESSAGES/kb.po (compiled in memory by kb.i18n_po on first use, so no
build step and no .mo to drift). A translator adds a language by adding a .po file there;
no code names the languages.

The language: ``KB_LANG`` (``ja``, ``en``, or any language with a catalogue), else the locale
of the environment (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the first one set, as the C library
reads them: ``ja_JP.UTF-8`` is Japanese), else English. A language without a catalogue is
English, not an error: a message must always reach the user.

Marking a string (see also kb/locale/README.md):

    from kb.i18n import _
    raise KBError(_("no such file: {path}").format(path=path))

Placeholders are named ``{...}`` fields filled by ``.format`` after translation (a translator may
reorder them; an f-string inside ``_()`` would never match the catalogue). A text that must be
marked where it is defined but translated where it is shown (a table of labels at import time)
uses ``N_()`` there and ``_()`` on the variable where it is shown. Then
``.venv/bin/python -m kb.i18n_extract`` adds the new msgids to every .po, and the Japanese
msgstr is written in kb/locale/ja/LC_MESSAGES/kb.po (tests/kb/test_i18n.py fails until it is).

Click help texts are translated when the command module is imported, that is once per process:
the language of a process does not change while it runs.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

DOMAIN = "kb"
SOURCE_LANGUAGE = "en"  # the language of the msgids: it needs no catalogue
LOCALE_DIR = Path(__file__).parent / "locale"
# The locale variables the C library consults for messages, in its order (LANGUAGE, GNU's list
# of fallbacks, is left out: kb has one fallback, English).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def _locale_dir() -> Path:
    """Where the catalogues are: KB_LOCALE_DIR lets a translator try a catalogue before it ships."""
    return Path(os.environ.get("KB_LOCALE_DIR") or LOCALE_DIR)


def requested() -> str:
    """The language asked for, as written: KB_LANG, else the first locale variable set, else ''."""
    if os.environ.get("KB_LANG"):
        return os.environ["KB_LANG"]
    for name in LOCALE_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return ""


def _candidates(value: str) -> list[str]:
    """Catalogue names for a locale value, most specific first: ja_JP.UTF-8@x -> ja_JP, ja."""
    value = value.split(".")[0].split("@")[0].strip()
    if value in ("", "C", "POSIX"):
        return []
    names = [value]
    if "_" in value or "-" in value:
        names.append(value.replace("-", "_").split("_")[0])
    return names


def available(locale_dir: Path | None = None) -> list[str]:
    """The languages with a catalogue, and the source language."""
    root = locale_dir or _locale_dir()
    found = {p.parent.parent.name for p in root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found | {SOURCE_LANGUAGE})


def language() -> str:
    """The language kb speaks in this environment: a catalogue's name, or 'en'."""
    root = _locale_dir()
    for name in _candidates(requested()):
        if name == SOURCE_LANGUAGE or (root / name / "LC_MESSAGES" / f"{DOMAIN}.po").exists():
            return name
    return SOURCE_LANGUAGE


@lru_cache(maxsize=8)
def _catalogue(root: Path, name: str) -> gettext.NullTranslations:
    if name == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    import io

    from kb import i18n_po

    mo = i18n_po.compile_mo(i18n_po.read(root / name / "LC_MESSAGES" / f"{DOMAIN}.po"))
    return gettext.GNUTranslations(io.BytesIO(mo))


def translations() -> gettext.NullTranslations:
    """The catalogue of the current language (read once per language and directory)."""
    return _catalogue(_locale_dir(), language())


def translator(lang: str) -> gettext.NullTranslations:
    """The catalogue of a named language, whatever the user's: a file written in the language of the
    sheet it belongs to (the review list of a Japanese sheet) uses it. English, or a language without
    a catalogue, translates nothing."""
    root = _locale_dir()
    for name in _candidates(lang):
        if name != SOURCE_LANGUAGE and (root / name / "LC_MESSAGES" / f"{DOMAIN}.po").exists():
            return _catalogue(root, name)
    return _catalogue(root, SOURCE_LANGUAGE)


def _(message: str) -> str:
    """``message`` (English, a literal) in the user's language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for the count ``n`` in the user's language ({n} is filled by the caller)."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in a context: the same English word translated differently in two places."""
    return translations().pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it (a table defined at import time,
    translated by ``_(value)`` where it is shown)."""
    return message


class Said(str):
    """A text for a person that can be said again in another language: it is the English text, as
    a str, and ``in_language(lang)`` says it in ``lang``. Message is the one-msgid kind; a text
    counted in parts (kb.withheld's) renders itself."""

    def in_language(self, lang: str) -> str:
        raise NotImplementedError

    def in_users_language(self) -> str:
        """In the language kb speaks to its user (KB_LANG or the locale)."""
        return self.in_language(language())


class Message(Said):
    """A text the core makes for a person to read later in their language (kb.answer's why): it
    is the English text, as a str, and keeps its msgid and fields so that a file written in another
    language says it again there (``in_language``). Mark the msgid with N_ where it is written:
    ``Message(N_("the source does not cover: {what}"), what=words)``."""

    msgid: str
    fields: dict[str, object]

    def __new__(cls, msgid: str, **fields: object) -> Message:
        text = super().__new__(cls, msgid.format(**fields))
        text.msgid, text.fields = msgid, fields
        return text

    def __reduce__(self):  # pickled (kb.batch's workers) as its msgid and fields, not its text
        return (_message, (self.msgid, self.fields))

    def in_language(self, lang: str) -> str:
        return translator(lang).gettext(self.msgid).format(**self.fields)


def said_to_user(text: str) -> str:
    """``text`` in the user's language when it can say itself again (a Said), else as it is."""
    return text.in_users_language() if isinstance(text, Said) else text


def _message(msgid: str, fields: dict[str, object]) -> Message:
    return Message(msgid, **fields)


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form for the catalogue without translating it."""
    return singular, plural


def is_japanese() -> bool:
    return language() == "ja"
