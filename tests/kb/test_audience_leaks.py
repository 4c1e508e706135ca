"""Nothing above an audience reaches a file written for it (kb.audience), over randomized KBs.

Every row above public carries its level's marker (tests.builders.LEVEL_MARKERS) in its
text, its title, its document's title and its clause and document references; the KB's
public rows never do. Each example fills a sheet, writes the report and the review list,
answers, searches and exports for one audience, and every byte of every file (every
member of a workbook) is searched for the markers of the levels above the audience.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import store
from kb.audience import CUSTOMER_AUDIENCES, hidden_from
from kb.cli import cli
from kb.db import CLASSIFICATIONS, connect
from tests.builders import (
    LEVEL_MARKERS,
    TOPICS,
    classified_answers,
    classified_contract,
    classified_evidence,
    classified_whitepaper,
)
from tests.workbooks import build_question_sheet

JA_OPTIONS = ("はい", "いいえ", "該当なし")


def file_bytes(path: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of a file, or of every member of it when it is a zip (xlsx)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return [(f"{path.name}:{info.filename}", zf.read(info)) for info in zf.infolist()]
    return [(path.name, path.read_bytes())]


def leaks(paths: list[Path], audience: str) -> list[str]:
    """Where a marker of a level above ``audience`` occurs in the files, in any case."""
    found = []
    for path in paths:
        for name, data in file_bytes(path):
            low = data.lower()
            for level in hidden_from(audience):
                if LEVEL_MARKERS[level].lower().encode() in low:
                    found.append(f"{level} marker in {name}")
    return found


def run(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def outputs_for(
    db_path: Path, out: Path, audience: str, questions: list[str], *, review: str, **fill
) -> list[Path]:
    """Every file the customer-facing commands write for ``audience``; kb search's output too."""
    sheet = build_question_sheet(
        out / "sheet.xlsx", questions, options=JA_OPTIONS, header=("No.", "質問", "回答", "備考")
    )
    db = ["--db", str(db_path)]
    extra = [*(["--draft-text"] if fill.get("draft_text") else []), "--answer-lang", fill.get("lang", "auto")]
    run([*db, "fill", str(sheet), "-o", str(out / "filled.xlsx"), "--report", str(out / "report.json"),
         "--review", str(out / review), "--audience", audience, *extra])  # fmt: skip
    (out / "questions.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")
    answers = run([*db, "answer", "--file", str(out / "questions.txt"), "--json", "--audience", audience])
    (out / "answers.json").write_text(answers, encoding="utf-8")
    run([*db, "export", "json", "-o", str(out / "export.json"), "--audience", audience])
    hits = run([*db, "search", questions[0], "--json", "--audience", audience])
    (out / "search.json").write_text(hits, encoding="utf-8")
    return [
        out / name
        for name in ("filled.xlsx", "report.json", review, "answers.json", "export.json", "search.json")
    ]


# A KB: for each topic, the levels it is answered at in Japanese (each in its own document,
# full or not) and in English, and the levels of an approved answer to its very question.
copies = st.lists(st.tuples(st.sampled_from(CLASSIFICATIONS), st.booleans()), max_size=2)
topic_plan = st.fixed_dictionaries(
    {
        "ja": copies,
        "en": st.lists(st.sampled_from(CLASSIFICATIONS), max_size=1, unique=True),
        "qa": st.lists(st.sampled_from(CLASSIFICATIONS), max_size=1),
    }  # fmt: skip
)
kb_plan = st.lists(topic_plan, min_size=len(TOPICS), max_size=len(TOPICS))
# The contract the responses cite, at some level, or none.
contract_plan = st.sampled_from((None, *CLASSIFICATIONS))
# Evidence linked to every topic's control: (level, expired) of each piece.
evidence_plan = st.lists(st.tuples(st.sampled_from(CLASSIFICATIONS), st.booleans()), max_size=2, unique=True)


def build_kb(path: Path, plan: list[dict], contract: str | None = None, evidence=()) -> None:
    db = connect(path)
    if evidence:
        from kb.evidence_store import add_many

        pieces = [classified_evidence(level, expired=expired) for level, expired in evidence]
        add_many(db, pieces, controls=[t.control_id for t in TOPICS])
    if contract:
        from importers.clauses import parse_contract
        from kb.clauses import import_contract

        parsed = parse_contract(classified_contract(contract), "terms.md")
        import_contract(db, parsed, document="利用約款", classification=contract)
    # Documents by (level, language, copy): a whitepaper per level and language, a second
    # one for a topic answered twice at one level.
    docs: dict[tuple[str, str, int], list] = {}
    for topic, p in zip(TOPICS, plan, strict=True):
        for n, (level, full) in enumerate(p["ja"]):
            docs.setdefault((level, "ja", n), []).append((topic, full))
        for level in p["en"]:
            docs.setdefault((level, "en", 0), []).append((topic, False))
    for (level, lang, n), answered in docs.items():
        store.import_document(db, classified_whitepaper(level, lang, answered, name=f"{n}" if n else ""))
    for level in CLASSIFICATIONS:
        asked = [topic for topic, p in zip(TOPICS, plan, strict=True) if level in p["qa"]]
        if asked:
            doc, pairs = classified_answers(level, asked)
            store.import_qa_pairs(db, doc, pairs, customer=None, answered_on=None, approved=True)
    db.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=kb_plan,
    contract=contract_plan,
    evidence=evidence_plan,
    audience=st.sampled_from(CUSTOMER_AUDIENCES),
    asked=st.lists(st.sampled_from(range(len(TOPICS))), min_size=1, max_size=len(TOPICS), unique=True),
    english=st.booleans(),
    draft_text=st.booleans(),
    review=st.sampled_from(["review.xlsx", "review.html"]),
)
def test_nothing_above_the_audience_reaches_any_file(
    tmp_path_factory, plan, contract, evidence, audience, asked, english, draft_text, review
):
    root = tmp_path_factory.mktemp("leak")
    build_kb(root / "kb.db", plan, contract, evidence)
    questions = [TOPICS[i].question_en if english else TOPICS[i].question for i in asked]
    files = outputs_for(root / "kb.db", root, audience, questions, review=review, draft_text=draft_text)
    assert leaks(files, audience) == []
    # The markers are there to be found: staff's export of the same KB holds every level's.
    run(
        [
            "--db",
            str(root / "kb.db"),
            "export",
            "json",
            "-o",
            str(root / "all.json"),
            "--audience",
            "internal",
        ]
    )
    held = {level for p in plan for level, _ in p["ja"]} | {
        level for p in plan for level in p["en"] + p["qa"]
    }
    # kb export json holds every table: the contract's clauses and the evidence's pages too.
    held |= {contract} - {None} | {level for level, _ in evidence}
    assert {m.split()[0] for m in leaks([root / "all.json"], "public")} == held - {"public"}


def test_an_internal_best_match_is_never_cited_the_fill_falls_back_to_what_the_audience_may_see(tmp_path):
    """The internal response covers the whole question, the public one a part: for a customer
    the row is answered from the public one or left for review, never from the internal one,
    and the report and review list say a better source was withheld, without its text."""
    backup, encryption = TOPICS[0], TOPICS[1]
    # The public response says less than the question asks (nothing of every day).
    partial = backup._replace(text="バックアップを取得しています。")
    db = connect(tmp_path / "kb.db")
    store.import_document(db, classified_whitepaper("public", "ja", [(partial, False)]))
    store.import_document(db, classified_whitepaper("internal", "ja", [(backup, True), (encryption, True)]))
    db.close()
    questions = [backup.question, encryption.question]
    staff = json.loads(
        run(
            [
                "--db",
                str(tmp_path / "kb.db"),
                "answer",
                encryption.question,
                "--json",
                "--audience",
                "internal",
            ]
        )
    )
    assert staff["status"] == "answered" and LEVEL_MARKERS["internal"] in staff["sources"][0]["text"]

    for audience in CUSTOMER_AUDIENCES:
        out = tmp_path / audience
        out.mkdir()
        files = outputs_for(
            tmp_path / "kb.db", out, audience, questions, review="review.xlsx", draft_text=True
        )
        assert leaks(files, audience) == []
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["summary"]["audience"] == audience and report["summary"]["withheld_rows"] == 2
        first, second = report["questions"]
        # Backups: from the public response (answered or for review), the better internal one counted.
        assert first["status"] in ("answered", "needs_review")
        assert [s["title"] for s in first["sources"]] == [f"{backup.control_id} {backup.title}"]
        assert first["withheld"]["by_classification"] == {"internal": 1}
        assert first["withheld"]["best_confidence"] > first["confidence"]
        # Encryption: only the internal response knows it; the row abstains and writes nothing.
        assert second["status"] == "no_match" and second["sources"] == [] and second["choice"] is None
        assert "withheld" in second["reason_codes"] and "withheld from audience" in second["reason"]
        assert second["withheld"] == {
            "audience": audience,
            "sources": 1,
            "by_classification": {"internal": 1},
            "by_kind": {"response": 1},
            "best_confidence": second["withheld"]["best_confidence"],
            "translations": 0,
            "approved": False,
        }


def test_an_approved_answer_above_the_audience_does_not_answer_its_question(tmp_path):
    topic = TOPICS[3]
    db = connect(tmp_path / "kb.db")
    store.import_document(db, classified_whitepaper("public", "ja", [(TOPICS[0], False)]))
    doc, pairs = classified_answers("nda", [topic])
    store.import_qa_pairs(db, doc, pairs, customer=None, answered_on=None, approved=True)
    db.close()
    files = outputs_for(tmp_path / "kb.db", tmp_path, "public", [topic.question], review="review.html")
    assert leaks(files, "public") == []
    row = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["questions"][0]
    assert row["status"] != "answered" and row["withheld"]["approved"] is True
    assert row["withheld"]["sources"] == 0  # the approved answer's own chunk is not counted twice
    nda = json.loads(
        run(["--db", str(tmp_path / "kb.db"), "answer", topic.question, "--json", "--audience", "nda"])
    )
    assert nda["status"] == "answered" and nda["confidence"] == 1.0
