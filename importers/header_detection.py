"""Where a sheet's question table is: its header row(s) and which column holds what.

Generic rather than per template: header rows are found by scoring header words
(Japanese and English), and columns the header does not name are inferred from the
data below it (long texts = questions, short ID-like values = numbers, dropdown
coverage = the choice column). Options given on the command line win.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from importers.ooxml import MAX_COLUMN
from importers.sheet_grid import SheetGrid

# Header rows are looked for in the first rows only: real sheets put a title, a form
# for the respondent and instructions above the table, never hundreds of rows of it.
HEADER_SCAN_ROWS = 300
# Rows below a header sampled to infer its columns: enough to see the table's shape
# without reading a long sheet once per candidate header.
DATA_SAMPLE_ROWS = 300


# --- header words ------------------------------------------------------------------

# "format": the unit or answer-format column of a checklist (測定単位 / 回答形式: 有無,
# はい/いいえ, 日数 …), which says per row whether the item asks yes or no. Before
# "answer": 「回答形式」 contains 回答.
ROLES = ("number", "comment", "reference", "format", "answer", "question")  # order = precedence

# Labels of columns that are not the respondent's (analyst/scoring/guidance) or of
# form fields above the table (respondent name, date): never a table column.
_IGNORED_HEADER_WORDS = (
    "guidance", "analyst", "reason", "follow-up", "follow up", "inquir", "score", "weight",
    "importance", "compliant", "crosswalk", "記入例", "配点", "回答者", "回答日", "記入者",
    "記入日", "担当者", "respondent",
)  # fmt: skip

_EXACT_WORDS = {
    "number": {
        "no", "no.", "#", "id", "番号", "項番", "項目番号", "通番", "管理番号", "nr", "nr.", "number",
        "ref", "ref.", "ref no", "ref no.", "item", "item no", "item no.", "q#", "q no", "q no.",
        "qid", "question id", "question no", "question no.", "question number", "control id",
    },
    "comment": {"補足", "備考", "説明", "補足説明", "コメント", "comment", "comments", "remarks", "notes"},
    "reference": {"根拠", "根拠資料", "参照資料", "参照", "reference", "references", "evidence"},
    "format": {
        "測定単位", "単位", "回答形式", "回答方式", "回答方法", "回答の形式", "unit", "units", "unit of measure",
        "answer type", "answer format", "response type", "response format",
    },
    "answer": {
        "answer", "answers", "回答", "回答欄", "response", "responses", "yes/no", "はい/いいえ", "可否",
        "対応状況", "実施状況", "applicable", "適用", "適用可否", "status", "result", "結果",
    },
    "question": {
        "question", "questions", "質問", "質問事項", "質問内容", "確認項目", "確認内容", "確認事項",
        "チェック項目", "設問", "項目", "control", "requirement", "要求事項", "管理策", "question text",
    },
}  # fmt: skip

_CONTAINED_WORDS = {
    "number": ("番号", "項番"),
    "comment": (
        "補足", "備考", "説明", "回答内容", "コメント", "詳細", "具体", "additional info", "description",
        "comment", "remark", "explanation", "justification", "detail", "notes", "elaborat", "clarif",
    ),
    "reference": ("根拠", "参照", "エビデンス", "証跡", "証憑", "添付", "reference", "evidence", "supporting doc"),
    "format": ("測定単位", "回答形式"),
    "answer": ("answer", "回答", "response", "applicable", "適用", "対応状況", "実施状況", "yes/no", "y/n", "はい/いいえ"),
    "question": ("question", "質問", "確認項目", "確認内容", "設問", "チェック項目", "要求事項", "管理策", "control", "requirement"),
}  # fmt: skip

_NUMBER_SUFFIXES = (" id", " no", " no.", " #", " number")


def has_sentence_mark(text: str) -> bool:
    """'。', '?' or '？' in the text: normalize_label keeps them (？ becomes ?), so a label
    holding one reads like a sentence - known without paying for NFKC normalisation."""
    return "。" in text or "?" in text or "？" in text


def normalize_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    # = re.sub(r"\s+", " ", text).strip(): str.split() and \s agree on what is white space.
    text = " ".join(text.split())
    return text.strip("*:：").strip()


def _reads_like_sentence(label: str) -> bool:
    words = label.split()
    return len(words) > 7 or any(ch in label for ch in "。?？") or (label.endswith(".") and len(words) >= 3)


def classify_header_label(text: str) -> tuple[str, int] | None:
    """Header label -> (role, strength 1..3) or None. 3 = exact word, 2 = starts/ends with it, 1 = contains."""
    if has_sentence_mark(text):
        return None  # most cells scanned for headers are questions: skip normalising them
    label = normalize_label(text)
    if not label or len(label) > 50 or _reads_like_sentence(label):
        return None  # sentences and questions are data, not header labels
    if any(word in label for word in _IGNORED_HEADER_WORDS):
        return None
    for role in ROLES:
        if label in _EXACT_WORDS[role]:
            return role, 3
        if role == "number" and label.endswith(_NUMBER_SUFFIXES):
            return role, 2
        for word in _CONTAINED_WORDS[role]:
            if word in label:
                return role, 2 if label.startswith(word) or label.endswith(word) else 1
    return None


# --- table detection ---------------------------------------------------------------


@dataclass
class Header:
    """One header row, or two read together (a merged label over the labels below it)."""

    first_row: int
    last_row: int
    labels: dict[int, str]  # column -> header text
    roles: dict[str, list[tuple[int, int]]]  # role -> [(strength, column)]


@dataclass
class Columns:
    """A table's columns, 1-based; None where the sheet has no such column."""

    question: int
    answer: int | None = None
    comment: int | None = None
    reference: int | None = None
    number: int | None = None
    format: int | None = None  # unit / answer-format column (測定単位: 有無)


@dataclass
class Overrides:
    """What the command line pins down (--header-row, --question-col ...): it wins over detection."""

    header_row: int | None = None
    question: int | None = None
    answer: int | None = None
    comment: int | None = None


def _header_from_rows(grid: SheetGrid, rows: list[int]) -> Header:
    """Combine one or two header rows: a lower label wins over the (merged) label above it."""
    labels: dict[int, str] = {}
    roles: dict[str, list[tuple[int, int]]] = {}
    columns = sorted({c for r in rows for c in grid.columns_in_row(r)} | _merged_columns(grid, rows))
    for col in columns:
        for row in reversed(rows):  # bottom row first
            text = grid.label(row, col)
            found = classify_header_label(text) if text else None
            if found:
                labels[col] = text
                roles.setdefault(found[0], []).append((found[1], col))
                break
            if text and col not in labels:
                labels[col] = text
    return Header(rows[0], rows[-1], labels, roles)


def _merged_columns(grid: SheetGrid, rows: list[int]) -> set[int]:
    columns: set[int] = set()
    for merge in (m for row in rows for m in grid.merges_in_row(row)):
        if merge.max_col - merge.min_col < 60:
            columns.update(range(merge.min_col, merge.max_col + 1))
    return columns


def _has_merge_in_row(grid: SheetGrid, row: int) -> bool:
    return bool(grid.merges_in_row(row))


def _header_candidates(grid: SheetGrid, rows: range) -> Iterator[Header]:
    for row in rows:
        single = _header_from_rows(grid, [row])
        if not _enough_header_words(single):
            continue
        if not ({"answer", "comment"} & single.roles.keys()):
            # The upper row of a two-row header may hold only a merged 「回答欄」 etc.
            if not single.roles or not _has_merge_in_row(grid, row):
                continue
        yield single
        if _has_merge_in_row(grid, row) and _is_header_like_row(grid, row + 1):
            yield _header_from_rows(grid, [row, row + 1])  # 「回答欄」 over 「回答」「回答内容・補足説明」


def _enough_header_words(header: Header) -> bool:
    """Two header words, or one exact one ('Answer'): a data row rarely matches either way."""
    found = [strength for matches in header.roles.values() for strength, _ in matches]
    return len(found) >= 2 or (len(found) == 1 and found[0] == 3)


def _is_header_like_row(grid: SheetGrid, row: int) -> bool:
    """Lower half of a two-row header: short labels only, at least one of them a header word."""
    texts = [grid.text(row, col) for col in grid.columns_in_row(row)]
    texts = [t for t in texts if t]
    if not texts or any(len(t) > 50 or _reads_like_sentence(normalize_label(t)) for t in texts):
        return False
    return any(classify_header_label(t) for t in texts)


def _is_questionish(text: str) -> bool:
    """Long enough to be a question or requirement, and not a number, date, URL or list of IDs."""
    if len(text) < 10 or not any(ch.isalpha() for ch in text) or text.startswith(("http://", "https://")):
        return False
    return not all(is_id_like(token) for token in text.split())


_ID_LIKE = re.compile(r"^[\w&.\-/()]{1,20}( [\w&.\-/()]{1,10})?$")


def is_id_like(text: str) -> bool:
    return bool(text) and len(text) <= 20 and any(ch.isdigit() for ch in text) and bool(_ID_LIKE.match(text))


def _sample_rows(grid: SheetGrid, header: Header) -> range:
    first = header.last_row + 1
    return range(first, min(grid.max_row, first + DATA_SAMPLE_ROWS) + 1)


def _questionish_count(grid: SheetGrid, col: int, rows: range) -> int:
    return sum(1 for row in rows if _is_questionish(grid.text(row, col)))


def _pick_question_column(grid: SheetGrid, header: Header, answer_side: int | None) -> int | None:
    """Header's question column if its data looks like questions, else the wordiest column left of the answer."""
    rows = _sample_rows(grid, header)
    used = {col for role, found in header.roles.items() if role != "question" for _, col in found}
    limit = answer_side if answer_side is not None else MAX_COLUMN
    candidates = {c for r in rows for c in grid.columns_in_row(r) if c < limit and c not in used}
    counts = {col: _questionish_count(grid, col, rows) for col in candidates}
    best = max(counts.values(), default=0)
    if best < 1:
        return None
    for _, col in sorted(header.roles.get("question", []), key=lambda sc: (-sc[0], sc[1])):
        count = counts.get(col, _questionish_count(grid, col, rows))
        filled = sum(1 for row in rows if grid.text(row, col))
        # 'Required Questions' over a column of IDs, 'Control Mappings' over 'GOV-01': not questions
        if count >= 1 and count >= 0.4 * best and count >= 0.5 * filled:
            return col
    if answer_side is None:
        return None  # without an answer column, only a labelled question column counts
    if best < 2:
        return None
    return max(col for col, n in counts.items() if n == best)  # ties: the one nearest the answer


def _dv_coverage(grid: SheetGrid, col: int, rows: list[int]) -> float:
    if not rows:
        return 0.0
    return sum(1 for row in rows if grid.options_at(row, col) is not None) / len(rows)


def _pick_answer_columns(
    grid: SheetGrid, header: Header, question: int, question_rows: list[int]
) -> tuple[int | None, int | None]:
    """(answer, comment): the dropdown column is the answer; free text goes to the comment column."""
    answers = [col for _, col in header.roles.get("answer", []) if col != question]
    strength = {col: s for s, col in header.roles.get("answer", [])}
    answers.sort(key=lambda col: (-_dv_coverage(grid, col, question_rows), -strength[col], col))
    answer = answers[0] if answers else None
    if answer is None:
        answer = _unlabelled_dropdown_column(grid, header, question, question_rows)
    comments = [(s, col) for s, col in header.roles.get("comment", []) if col not in (question, answer)]
    if answer is not None:
        # The free-text answer sits next to the choice (回答 | 回答内容・補足説明 | 備考):
        # nearest column to the right of the answer first.
        comments.sort(key=lambda sc: (sc[1] < answer, abs(sc[1] - answer), -sc[0]))
    else:
        comments.sort(key=lambda sc: (-sc[0], sc[1]))
    comment = comments[0][1] if comments else (answers[1] if len(answers) > 1 else None)
    if answer is None and comment is not None:
        answer, comment = comment, None  # a lone free-text column is where the answer goes
    return answer, comment


def _unlabelled_dropdown_column(
    grid: SheetGrid, header: Header, question: int, rows: list[int]
) -> int | None:
    labelled = {col for found in header.roles.values() for _, col in found}
    columns = {
        col for v in grid.validations for r in v.ranges for col in range(r.min_col, min(r.max_col, 200) + 1)
    }
    for col in sorted(columns - labelled - {question}):
        if _dv_coverage(grid, col, rows) >= 0.5:
            return col
    return None


def _pick_number_column(
    grid: SheetGrid, header: Header, question: int, question_rows: list[int]
) -> int | None:
    labelled = sorted(header.roles.get("number", []), key=lambda sc: (-sc[0], sc[1]))
    for _, col in labelled:
        if col != question:
            return col
    if not question_rows:
        return None
    for col in range(question - 1, max(question - 4, 0), -1):  # nearest columns to the left
        with_id = sum(1 for row in question_rows if is_id_like(grid.text(row, col)))
        if with_id >= 0.6 * len(question_rows):
            return col
    return None


def _first_role_column(header: Header, role: str, exclude: set[int]) -> int | None:
    found = sorted(
        (sc for sc in header.roles.get(role, []) if sc[1] not in exclude), key=lambda sc: (-sc[0], sc[1])
    )
    return found[0][1] if found else None


def _columns_for(grid: SheetGrid, header: Header, overrides: Overrides) -> Columns | None:
    answer_side = overrides.answer or _first_role_column(header, "answer", set())
    if answer_side is None and overrides.question is None:
        answer_side = _first_role_column(header, "comment", set())
        question = _pick_question_column(grid, header, None)
    else:
        question = overrides.question or _pick_question_column(grid, header, answer_side)
    if question is None:
        return None
    question_rows = [r for r in _sample_rows(grid, header) if _is_questionish(grid.text(r, question))]
    answer, comment = _pick_answer_columns(grid, header, question, question_rows)
    if overrides.answer is not None:
        answer = overrides.answer
        comment = comment if comment != answer else None
    if overrides.comment is not None:
        comment = overrides.comment
    if answer is None and comment is None:
        return None
    columns = Columns(question=question, answer=answer, comment=comment)
    columns.reference = _first_role_column(header, "reference", {question, answer, comment})
    columns.format = _first_role_column(header, "format", {question, answer, comment, columns.reference})
    columns.number = _pick_number_column(grid, header, question, question_rows)
    if columns.number in (answer, comment):
        columns.number = None
    return columns


def _header_score(header: Header, columns: Columns) -> int:
    def labelled(role: str, col: int | None) -> bool:
        return any(c == col for _, c in header.roles.get(role, []))

    score = 0
    score += 3 if columns.answer is not None else 0
    score += 2 if columns.comment is not None else 0
    score += 2 if labelled("question", columns.question) else 0
    score += 1 if columns.reference is not None else 0
    score += 1 if labelled("number", columns.number) else 0
    return score


def _header_above_forced_question_column(grid: SheetGrid, question: int) -> Header:
    """With --question-col but no header words for the answer: the row labelling that column, if any."""
    for row in range(1, min(grid.max_row, HEADER_SCAN_ROWS) + 1):
        found = classify_header_label(grid.text(row, question))
        if found and found[0] == "question":
            return _header_from_rows(grid, [row])
    return Header(0, 0, {}, {})


def detect_header(grid: SheetGrid, overrides: Overrides) -> tuple[Header, Columns] | None:
    """The best-scoring header of the sheet and the columns it implies; None if no table is found."""
    if overrides.header_row is not None:
        rows = [overrides.header_row]
        if overrides.header_row > 1 and _has_merge_in_row(grid, overrides.header_row - 1):
            rows.insert(0, overrides.header_row - 1)
        header = _header_from_rows(grid, rows)
        columns = _columns_for(grid, header, overrides)
        return (header, columns) if columns else None
    best: tuple[tuple[int, int], Header, Columns] | None = None
    for header in _header_candidates(grid, range(1, min(grid.max_row, HEADER_SCAN_ROWS) + 1)):
        columns = _columns_for(grid, header, overrides)
        if columns is None:
            continue
        # On equal scores the two-row reading wins: its lower row is header, not data.
        score = (_header_score(header, columns), header.last_row - header.first_row)
        if best is None or score > best[0]:
            best = (score, header, columns)
    if best is None and overrides.question is not None:
        header = _header_above_forced_question_column(grid, overrides.question)
        columns = _columns_for(grid, header, overrides)
        return (header, columns) if columns else None
    return (best[1], best[2]) if best else None
