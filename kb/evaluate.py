"""`kb eval`: measure the answer engine on labelled questions.

Input is JSON Lines: {"id", "lang", "question", "gold": [control ids or section
titles], "stance": "yes" | "no" | null}. An empty gold list means the KB cannot
answer and the engine should not answer by itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.answer import AUTO_THRESHOLDS, Answer, answer
from kb.calibration import Band, Outcome, Point, bands, curve, safe_threshold
from kb.db import Database
from kb.errors import KBError
from kb.i18n import _, pgettext
from kb.language import LANGUAGES, text_language

# What "safe" means when thresholds are calibrated (kb.calibration.safe_threshold): a wrong
# answer sent is the worst the tool can do, so at most 3 in 100 auto-answers may be wrong
# and at most 2 in 100 questions the KB cannot answer may be answered.
MIN_PRECISION = 0.97
MAX_UNANSWERABLE_RATE = 0.02


@dataclass
class Result:
    item: dict
    answer: Answer

    @property
    def answerable(self) -> bool:
        return bool(self.item.get("gold"))

    @property
    def lang(self) -> str:
        """The question's language, as the file labels it or else as it is written."""
        return self.item.get("lang") or text_language(self.item["question"]) or "ja"

    def rank(self) -> int | None:
        """1-based rank of the first correct source, None if none in the list."""
        for i, src in enumerate(self.answer.sources, start=1):
            if is_gold(src.control_id, src.title, self.item["gold"]):
                return i
        return None

    @property
    def stance_verdict(self) -> str | None:
        """right | wrong | abstained (no yes/no given: not wrong); None when gold has no stance."""
        gold = self.item.get("stance")
        if not gold:
            return None
        if self.answer.stance is None:
            return "abstained"
        return "right" if self.answer.stance == gold else "wrong"

    @property
    def right(self) -> bool:
        """Safe to send: the right source first and no wrong yes/no."""
        return self.answerable and self.rank() == 1 and self.stance_verdict != "wrong"

    @property
    def auto(self) -> bool:
        return self.answer.status == "answered"

    def outcome(self) -> Outcome:
        return Outcome(
            self.lang, self.answer.confidence, self.answerable, self.right, self.answer.why is not None
        )


def is_gold(control_id: str | None, title: str, gold: list[str]) -> bool:
    for g in gold:
        if control_id and control_id.upper() == g.upper():
            return True
        if not control_id and g in title:
            return True
    return False


def load_questions(path: str | Path) -> list[dict]:
    items = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise KBError(_("{path} is not UTF-8 text").format(path=path)) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KBError(_("{path}:{n}: not JSON ({msg})").format(path=path, n=n, msg=exc.msg)) from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or "gold" not in item:
            raise KBError(_("{path}:{n}: needs 'question' and 'gold'").format(path=path, n=n))
        items.append(item)
    if not items:
        raise KBError(_("{path} has no questions").format(path=path))
    return items


@dataclass(frozen=True)
class Metrics:
    """What `kb eval` measures; a ratio is None when no question counts towards it."""

    questions: int
    answerable: int
    top1: float | None
    top3: float | None
    # Auto-answers that are right: the right source first and no wrong yes/no.
    auto_precision: float | None
    # Right auto-answers over answerable questions.
    coverage: float | None
    # Answerable questions that at least reach a person with the right source in the top 3.
    suggested: float | None
    abstention: float | None
    # Unanswerable questions answered by themselves (the target is at most 2 %).
    unanswerable_auto: float | None
    english_top3: float | None
    stance_accuracy: float | None
    # Of the answerable questions with a gold yes/no: no stance given is not a wrong one.
    stance_right: int = 0
    stance_wrong: int = 0
    stance_abstained: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def metric_label(key: str) -> str:
    """What `kb eval`'s tables call the metric ``key`` (a field of Metrics, the key of --json):
    the key itself in English, a description in another language."""
    labels = {
        "questions": pgettext("kb eval metric", "questions"),
        "answerable": pgettext("kb eval metric", "answerable"),
        "top1": pgettext("kb eval metric", "top1"),
        "top3": pgettext("kb eval metric", "top3"),
        "auto_precision": pgettext("kb eval metric", "auto_precision"),
        "coverage": pgettext("kb eval metric", "coverage"),
        "suggested": pgettext("kb eval metric", "suggested"),
        "abstention": pgettext("kb eval metric", "abstention"),
        "unanswerable_auto": pgettext("kb eval metric", "unanswerable_auto"),
        "english_top3": pgettext("kb eval metric", "english_top3"),
        "stance_accuracy": pgettext("kb eval metric", "stance_accuracy"),
        "stance_right": pgettext("kb eval metric", "stance_right"),
        "stance_wrong": pgettext("kb eval metric", "stance_wrong"),
        "stance_abstained": pgettext("kb eval metric", "stance_abstained"),
    }
    return labels.get(key, key)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def measure(results: list[Result]) -> Metrics:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    answered = [r for r in results if r.auto]
    english = [r for r in answerable if r.lang == "en"]
    verdicts = [r.stance_verdict for r in answerable if r.stance_verdict]
    return Metrics(
        questions=len(results),
        answerable=len(answerable),
        top1=_ratio(sum(r.rank() == 1 for r in answerable), len(answerable)),
        top3=_ratio(sum((r.rank() or 99) <= 3 for r in answerable), len(answerable)),
        auto_precision=_ratio(sum(r.right for r in answered), len(answered)),
        coverage=_ratio(sum(r.right and r.auto for r in answerable), len(answerable)),
        suggested=_ratio(
            sum(r.answer.status != "no_match" and (r.rank() or 99) <= 3 for r in answerable),
            len(answerable),
        ),
        abstention=_ratio(sum(not r.auto for r in unanswerable), len(unanswerable)),
        unanswerable_auto=_ratio(sum(r.auto for r in unanswerable), len(unanswerable)),
        english_top3=_ratio(sum((r.rank() or 99) <= 3 for r in english), len(english)),
        stance_accuracy=_ratio(verdicts.count("right"), len(verdicts)),
        stance_right=verdicts.count("right"),
        stance_wrong=verdicts.count("wrong"),
        stance_abstained=verdicts.count("abstained"),
    )


@dataclass(frozen=True)
class Calibration:
    """How far one language's confidence can be trusted, and the threshold that is safe."""

    lang: str
    bands: list[Band]
    curve: list[Point]
    safe_threshold: float | None  # kb.calibration.safe_threshold at MIN_PRECISION, MAX_UNANSWERABLE_RATE
    threshold: float  # the one in use (kb.settings auto_threshold_<lang>)

    def to_json(self) -> dict:
        def row(item: Band | Point) -> dict:
            values = item._asdict()
            values.update(
                {
                    name: getattr(item, name)
                    for name in ("precision", "coverage", "unanswerable_rate")
                    if hasattr(item, name)
                }
            )
            return values

        return {
            "lang": self.lang,
            "safe_threshold": self.safe_threshold,
            "threshold": self.threshold,
            "bands": [row(b) for b in self.bands],
            "curve": [row(p) for p in self.curve],
        }


@dataclass(frozen=True)
class Failure:
    """A question answered from the wrong source, answered when it should not be, or with the wrong stance."""

    id: object  # the item's id, as the question file spells it
    question: str
    gold: list[str]
    got: list[str]  # control id (else title) of each source, best first
    status: str
    confidence: float
    stance: tuple[str | None, str | None]  # (gold, got)


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def metrics(self) -> Metrics:
        return measure(self.results)

    def by_language(self) -> dict[str, Metrics]:
        """The metrics of each language the questions are in (en, ja)."""
        return {
            lang: measure([r for r in self.results if r.lang == lang])
            for lang in LANGUAGES
            if any(r.lang == lang for r in self.results)
        }

    def calibration(self) -> list[Calibration]:
        """Per language: precision and coverage by confidence band and threshold, and the safe threshold."""
        out = []
        for lang in self.by_language():
            outcomes = [r.outcome() for r in self.results if r.lang == lang]
            out.append(
                Calibration(
                    lang,
                    bands(outcomes),
                    curve(outcomes),
                    safe_threshold(
                        outcomes, min_precision=MIN_PRECISION, max_unanswerable_rate=MAX_UNANSWERABLE_RATE
                    ),
                    AUTO_THRESHOLDS[lang],
                )
            )
        return out

    def failures(self) -> list[Failure]:
        out = []
        for r in self.results:
            wrong_source = r.answerable and r.rank() != 1
            wrong_auto = r.auto and not r.right
            wrong_stance = r.stance_verdict == "wrong"
            if wrong_source or wrong_auto or wrong_stance:
                out.append(
                    Failure(
                        id=r.item.get("id"),
                        question=r.item["question"],
                        gold=r.item["gold"],
                        got=[s.control_id or s.title for s in r.answer.sources],
                        status=r.answer.status,
                        confidence=r.answer.confidence,
                        stance=(r.item.get("stance"), r.answer.stance),
                    )
                )
        return out

    def to_json(self) -> dict:
        """`kb eval --json`: the metrics (all, and per language), calibration and every failure."""
        return {
            "metrics": self.metrics().as_dict(),
            "by_language": {lang: m.as_dict() for lang, m in self.by_language().items()},
            "calibration": [c.to_json() for c in self.calibration()],
            "failures": [asdict(f) for f in self.failures()],
        }


def evaluate(db: Database, items: list[dict], service: str | None = None) -> Report:
    """Answer each labelled question (for ``service``, in a KB of several: kb.services)."""
    report = Report()
    for item in items:
        answered = answer(db, item["question"], keep_sources=True, service=service)
        report.results.append(Result(item=item, answer=answered))
    return report
