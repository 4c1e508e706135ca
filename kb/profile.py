"""The provider's profile: who answers (name, headquarters, contact ...), in both languages.

Questionnaires open with identity fields ("Solution Provider Name", 「会社名」,
"Country of Company Headquarters"). Control text never answers them: the search
would find the nearest paragraph (the ISMS scope for "provider name") and write it.
Such a field is recognised by its form — a short label, not a sentence, whose head
noun is an identity attribute (name, title, address, email, phone, URL; 名称, 所在地,
連絡先 …) — and answered only from the values set with `kb profile set`, or left
for a person.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import NamedTuple

from kb import audit
from kb.audit import AuditEvent
from kb.db import Database


class ProfileField(NamedTuple):
    key: str
    label_en: str
    label_ja: str
    patterns: tuple[str, ...]  # regexes over the NFKC-normalised, casefolded label
    settable: bool = True  # False: an identity field the profile holds no value for


# A contact named for one role (the accessibility contact, the privacy officer's email) is
# another person than the provider's contact: still an identity field, never answered from
# control text, but not from the general contact either. A person fills it.
_ROLE = (
    r"(accessibility|privacy|security|billing|technical|support|sales|emergency|escalation|incident"
    r"|data protection|compliance|legal)"
)
ROLE_CONTACT = ProfileField(
    "role_contact",
    "Contact for a specific role",
    "特定業務の担当者",
    (
        rf"\b{_ROLE}\b.*\b(contact|officer|e-?mail|phone)\b",
        r"(アクセシビリティ|個人情報|セキュリティ|請求|技術|サポート|営業|緊急|法務).*(担当|窓口|連絡先|メール|電話)",
    ),
    settable=False,
)


# Order matters: the first field whose pattern matches names the label, so the
# more specific (contact email) comes before the general (provider name).
FIELDS: tuple[ProfileField, ...] = (
    ROLE_CONTACT,
    ProfileField(
        "contact_email",
        "Contact email",
        "担当者メールアドレス",
        (r"\be-?mail\b", r"メール(アドレス)?$", r"e-?mail address"),
    ),
    ProfileField(
        "contact_phone",
        "Contact phone",
        "担当者電話番号",
        (r"\b(tele)?phone\b", r"電話(番号)?$", r"\bphone number\b"),
    ),
    ProfileField(
        "contact_title",
        "Contact title",
        "担当者役職",
        (r"\bcontact (job )?title\b", r"役職$", r"担当者.*(役職|肩書)"),
    ),
    ProfileField(
        "contact_name",
        "Contact name",
        "担当者名",
        (r"\bcontact( person)?( name)?$", r"担当者(名|氏名)?$", r"連絡先$"),
    ),
    ProfileField(
        "headquarters_country",
        "Country of headquarters",
        "本社所在国",
        (
            r"\bcountry\b.*\bheadquarters?\b",
            r"\bheadquarters?\b.*\bcountry\b",
            r"\bhq country\b",
            r"本社.*国$",
        ),
    ),
    ProfileField(
        "headquarters_address",
        "Headquarters address",
        "本社所在地",
        (
            r"\b(headquarters?|company|corporate|business|mailing) address\b",
            r"^address$",
            r"(本社)?所在地$",
            r"住所$",
        ),
    ),
    ProfileField(
        "website",
        "Website",
        "ウェブサイト",
        (r"\bweb ?site\b", r"\burl\b", r"ホームページ$", r"ウェブサイト$"),
    ),
    ProfileField(
        "product_name",
        "Product name",
        "サービス名",
        (
            r"\b(solution|product|service|application|system) name\b",
            r"(サービス|製品|商品|システム)(の)?名(称)?$",
        ),
    ),
    ProfileField(
        "provider_name",
        "Provider name",
        "事業者名",
        (
            r"\b(vendor|supplier|provider|company|organi[sz]ation|business|legal entity|firm) name\b",
            r"^name of (the )?(vendor|supplier|provider|company|organi[sz]ation)\b",
            r"(会社|企業|事業者|法人|組織|団体|貴社)(の)?名(称)?$",
            r"^社名$",
        ),
    ),
)
KEYS = tuple(f.key for f in FIELDS if f.settable)
_BY_KEY = {f.key: f for f in FIELDS if f.settable}

# A label is a noun phrase: a few words, no sentence mark, no auxiliary opening
# a question. "Describe your headquarters' address policy." is a request, not a field.
_MAX_LABEL_WORDS = 8
_MAX_LABEL_CHARS_JA = 20
_SENTENCE = re.compile(r"[?？。]|\b(do|does|did|is|are|have|has|can|will|describe|please|list)\b")
_JA_PREDICATE = re.compile(r"(ますか|ですか|ください|して|します|いる|ある|ない)")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().casefold()
    text = re.sub(r"[\s:：*＊()（）]+$", "", text)  # "Name:" / "名称（必須）" labels
    return re.sub(r"\s+", " ", text)


def _is_label(text: str) -> bool:
    if not text or "\n" in text:
        return False
    if re.search(r"[ぁ-んァ-ヶ一-龥]", text):
        return len(text) <= _MAX_LABEL_CHARS_JA and not _JA_PREDICATE.search(text) and "?" not in text
    return len(text.split()) <= _MAX_LABEL_WORDS and not _SENTENCE.search(text)


def profile_field(question: str) -> ProfileField | None:
    """The identity field a check-sheet row asks for, or None when it is a real question."""
    label = _norm(question)
    if not _is_label(label):
        return None
    for field in FIELDS:
        if any(re.search(p, label) for p in field.patterns):
            return field
    return None


def set_value(db: Database, key: str, lang: str, value: str) -> None:
    if key not in _BY_KEY:
        raise KeyError(key)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.atomic():
        before = db.execute("SELECT value FROM profile WHERE key = ? AND lang = ?", [key, lang]).fetchone()
        db.execute(
            "INSERT INTO profile(key, lang, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key, lang) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [key, lang, value, now],
        )
        if before is None or before[0] != value:
            audit.record(
                db,
                AuditEvent(
                    "profile set",
                    "profile",
                    _field_id(key, lang),
                    before=audit.digest(before[0]) if before else None,
                    after=audit.digest(value),
                ),
            )


def _field_id(key: str, lang: str) -> str:
    """A profile value's target id in the audit log: provider_name:ja, contact_email:any."""
    return f"{key}:{lang or 'any'}"


def unset_value(db: Database, key: str, lang: str | None = None) -> int:
    with db.atomic():
        where, params = ("key = ?", [key]) if lang is None else ("key = ? AND lang = ?", [key, lang])
        gone = db.execute(f"SELECT lang, value FROM profile WHERE {where} ORDER BY lang", params).fetchall()
        db.execute(f"DELETE FROM profile WHERE {where}", params)
        for gone_lang, gone_value in gone:
            audit.record(
                db,
                AuditEvent(
                    "profile unset", "profile", _field_id(key, gone_lang), before=audit.digest(gone_value)
                ),
            )
    return len(gone)


def value(db: Database, key: str, lang: str) -> str | None:
    """The value in ``lang``; a language-neutral value (an email, a URL) is stored as lang ''."""
    rows = db.execute(
        "SELECT lang, value FROM profile WHERE key = ? AND lang IN (?, '')", [key, lang]
    ).fetchall()
    by_lang = dict(rows)
    return by_lang.get(lang) or by_lang.get("")


def values(db: Database) -> list[tuple[str, str, str]]:
    """(key, lang, value) of everything set, in FIELDS order."""
    rows = db.execute("SELECT key, lang, value FROM profile").fetchall()
    order = {k: i for i, k in enumerate(KEYS)}
    return sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[1]))
