"""`kb eval`: measure the answer engine on labelled questions.

Input is JSON Lines: {"id", "lang", "question", "gold": [control ids or section
titles], "stance": "yes" | "no" | null}. An empty gold list means the KB cannot
answer and the engine should not answer by itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.answer import Answer, answer
from kb.db import Database
from kb.errors import KBError


@dataclass
class Result:
    item: dict
    answer: Answer

    @property
    def answerable(self) -> bool:
        return bool(self.item.get("gold"))

    def rank(self) -> int | None:
        """1-based rank of the first correct source, None if none in the list."""
        for i, src in enumerate(self.answer.sources, start=1):
            if is_gold(src.control_id, src.title, self.item["gold"]):
                return i
        return None


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
        raise KBError(f"{path} is not UTF-8 text") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KBError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or "gold" not in item:
            raise KBError(f"{path}:{n}: needs 'question' and 'gold'")
        items.append(item)
    if not items:
        raise KBError(f"{path} has no questions")
    return items


@dataclass(frozen=True)
class Metrics:
    """What `kb eval` measures; a ratio is None when no question counts towards it."""

    questions: int
    answerable: int
    top1: float | None
    top3: float | None
    auto_precision: float | None
    coverage: float | None
    # Answerable questions that at least reach a person with the right source in the top 3.
    suggested: float | None
    abstention: float | None
    english_top3: float | None
    stance_accuracy: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


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
        answerable = [r for r in self.results if r.answerable]
        unanswerable = [r for r in self.results if not r.answerable]
        answered = [r for r in self.results if r.answer.status == "answered"]
        english = [r for r in answerable if r.item.get("lang") == "en"]
        with_stance = [r for r in answerable if r.item.get("stance")]

        def ratio(num: int, den: int) -> float | None:
            return round(num / den, 4) if den else None

        return Metrics(
            questions=len(self.results),
            answerable=len(answerable),
            top1=ratio(sum(r.rank() == 1 for r in answerable), len(answerable)),
            top3=ratio(sum((r.rank() or 99) <= 3 for r in answerable), len(answerable)),
            auto_precision=ratio(sum(r.answerable and r.rank() == 1 for r in answered), len(answered)),
            coverage=ratio(sum(r.answer.status == "answered" for r in answerable), len(answerable)),
            suggested=ratio(
                sum(r.answer.status != "no_match" and (r.rank() or 99) <= 3 for r in answerable),
                len(answerable),
            ),
            abstention=ratio(sum(r.answer.status != "answered" for r in unanswerable), len(unanswerable)),
            english_top3=ratio(sum((r.rank() or 99) <= 3 for r in english), len(english)),
            stance_accuracy=ratio(
                sum(r.answer.stance == r.item["stance"] for r in with_stance), len(with_stance)
            ),
        )

    def failures(self) -> list[Failure]:
        out = []
        for r in self.results:
            wrong_source = r.answerable and r.rank() != 1
            wrong_auto = r.answer.status == "answered" and (not r.answerable or r.rank() != 1)
            wrong_stance = r.answerable and r.item.get("stance") and r.answer.stance != r.item["stance"]
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
        """`kb eval --json`: the metrics and every failure."""
        return {"metrics": self.metrics().as_dict(), "failures": [asdict(f) for f in self.failures()]}


def evaluate(db: Database, items: list[dict]) -> Report:
    report = Report()
    for item in items:
        report.results.append(Result(item=item, answer=answer(db, item["question"], keep_sources=True)))
    return report
