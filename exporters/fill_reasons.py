"""Why kb fill decided a row as it did: one catalogue of reason codes and their text.

Every row of a fill carries at least one Reason, answered rows included, so the
review list can say which rule or threshold decided and tests can rely on the code
instead of the wording. The texts are English msgids of kb's catalogue (kb/locale): the
review list and decision workbook show them in the sheet's language (Reason.text_in), the
JSON report keeps the English text beside the codes and adds the user's language.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from kb.i18n import N_, Said, translator


class ReasonCode(StrEnum):
    AUTO = "auto"  # confidence at or above the auto threshold
    APPROVED = "approved"  # an approved answer to this very question
    LOW_CONFIDENCE = "low_confidence"  # between the review and the auto threshold
    HELD_BY_ENGINE = "held_by_engine"  # confidence high enough, held back by an answering rule
    NO_SOURCE = "no_source"  # below the review threshold: nothing in the KB
    NO_STANCE = "no_stance"  # a yes/no question whose source gives no yes or no
    OPEN_QUESTION = "open_question"  # a dropdown on a question that is not yes/no
    NO_OPTION = "no_option"  # the stance has no option in the sheet's dropdown
    NO_EDITION = "no_edition"  # the source has no edition in the answer language
    IDENTITY_FROM_PROFILE = "identity_from_profile"
    IDENTITY_MISSING = "identity_missing"
    IDENTITY_BY_HAND = "identity_by_hand"  # an identity field the profile has no key for
    SWITCHED_OFF = "switched_off"
    NO_NA_OPTION = "no_na_option"  # switched off, N/A wanted, but the sheet has no N/A option
    KEPT = "kept"
    NO_ANSWER_CELL = "no_answer_cell"
    DRAFT_TEXT = "draft_text"  # --draft-text wrote the suggestion into a row left for review
    WITHHELD = "withheld"  # something above the audience matched: counted, never shown (kb.withheld)
    EXPIRED_EVIDENCE = "expired_evidence"  # the best source's linked evidence is past its validity
    TEXT_CUT = "text_cut"  # --max-chars: cut at a sentence end
    TEXT_CUT_MID_SENTENCE = "text_cut_mid_sentence"  # --max-chars: even the first sentence was longer
    PREVIOUS_REUSED = "previous_reused"  # --previous: the answer sent last time to the same question
    PREVIOUS_NO_OPTION = "previous_no_option"  # the previous choice is not among this sheet's options
    PREVIOUS_NO_CHOICE = "previous_no_choice"  # the previous answer chose no option, this sheet has a list
    PREVIOUS_TEXT_NO_CELL = "previous_text_no_cell"  # the previous text has no cell in this sheet
    PREVIOUS_AMBIGUOUS = "previous_ambiguous"  # asked more than once before, answered differently
    QUESTION_CHANGED = "question_changed"  # --previous: same number or close wording, other words
    QUESTION_NEW = "question_new"  # --previous: not in the previous sheet


# The text of each code; the fields are filled from Reason.params.
TEXTS: dict[ReasonCode, str] = {
    ReasonCode.AUTO: N_("confidence {confidence:.2f} ≥ auto threshold {threshold:.2f} ({lang})"),
    ReasonCode.APPROVED: N_("an approved earlier answer to this very question"),
    ReasonCode.LOW_CONFIDENCE: N_("confidence {confidence:.2f} < auto threshold {threshold:.2f} ({lang})"),
    ReasonCode.HELD_BY_ENGINE: N_("held for review: {why} (confidence {confidence:.2f})"),
    ReasonCode.NO_SOURCE: N_("no source: confidence {confidence:.2f} < review threshold {threshold:.2f}"),
    ReasonCode.NO_STANCE: N_("no stance: the source says neither yes nor no"),
    ReasonCode.OPEN_QUESTION: N_("open question: choose an option"),
    ReasonCode.NO_OPTION: N_("no option for {stance} in the sheet's list"),
    ReasonCode.NO_EDITION: N_("no {language} version of {source}"),
    ReasonCode.IDENTITY_FROM_PROFILE: N_("identity field: from the profile ({key})"),
    ReasonCode.IDENTITY_MISSING: N_("identity field: set it with `kb profile set {key} VALUE`"),
    ReasonCode.IDENTITY_BY_HAND: N_("identity field ({label}): fill it in by hand"),
    ReasonCode.SWITCHED_OFF: N_("switched off: {why}"),
    ReasonCode.NO_NA_OPTION: N_("the sheet has no N/A option to set"),
    ReasonCode.KEPT: N_("already answered"),
    ReasonCode.NO_ANSWER_CELL: N_("no answer cell"),
    ReasonCode.DRAFT_TEXT: N_("draft text written (--draft-text): check it before sending"),
    ReasonCode.WITHHELD: N_("{what}"),
    ReasonCode.EXPIRED_EVIDENCE: N_(
        "held for review: the evidence behind the answer has expired ({evidence})"
    ),
    ReasonCode.TEXT_CUT: N_(
        "text cut to {limit} characters at a sentence end ({length} in full; the full text is {where})"
    ),
    ReasonCode.TEXT_CUT_MID_SENTENCE: N_(
        "text cut to {limit} characters in its first sentence ({length} in"
        " full; the full text is {where}): check that what is left says what the answer says"
    ),
    ReasonCode.PREVIOUS_REUSED: N_("previous answer reused ({file}, {where}): same question"),
    ReasonCode.PREVIOUS_NO_OPTION: N_("the previous choice {choice!r} is not among this sheet's options"),
    ReasonCode.PREVIOUS_NO_CHOICE: N_(
        "the previous answer chose no option: choose one from this sheet's list"
    ),
    ReasonCode.PREVIOUS_TEXT_NO_CELL: N_("the previous text has no cell in this sheet"),
    ReasonCode.PREVIOUS_AMBIGUOUS: N_("previous answer not reused ({file}): {why}"),
    ReasonCode.QUESTION_CHANGED: N_(
        "question changed since {file} ({how}, {where}): it asked “{question}”; {answer}"
    ),
    ReasonCode.QUESTION_NEW: N_("new question: not in {file}"),
}

LANGUAGE_NAMES = {"ja": N_("Japanese"), "en": N_("English")}
# Params whose value is itself a message (marked N_ where it is chosen: a LANGUAGE_NAMES value,
# fill_length's where, previous's how), translated with the text; the others are data.
_TRANSLATED_PARAMS = ("language", "where", "how")


class Reason(NamedTuple):
    code: ReasonCode
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: ReasonCode, **params: object) -> Reason:
        return cls(code, tuple(params.items()))

    @property
    def text(self) -> str:
        """In English: the report's stable ``reason`` (with ``reason_codes``)."""
        return TEXTS[self.code].format(**dict(self.params))

    def text_in(self, lang: str) -> str:
        """In ``lang`` (kb.i18n's catalogue of that language; English without one)."""
        t = translator(lang)
        params = {
            k: v.in_language(lang) if isinstance(v, Said) else t.gettext(v) if k in _TRANSLATED_PARAMS else v
            for k, v in self.params
        }
        return t.gettext(TEXTS[self.code]).format(**params)


def no_edition(lang: str, source: str) -> Reason:
    return Reason.of(ReasonCode.NO_EDITION, language=LANGUAGE_NAMES.get(lang, lang), source=source)
