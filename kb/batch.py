"""Answering many questions at once (a check sheet, `kb answer --file`) on every core.

Each answer is independent and CPU-bound (Sudachi, FTS5, re-ranking in Python),
so a long sheet is split over forked worker processes, each with its own
connection to the KB file. Short lists, in-memory KBs, a connection in the
middle of a transaction (workers would not see its writes) and platforms
without fork are answered in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

import sqlite_utils

from kb import search
from kb.answer import Answer, answer

PARALLEL_MIN = 200  # below this, starting workers costs more than they save
MAX_WORKERS = 8
CHUNK = 16  # questions per hand-out: fewer round trips, still even at the end

_worker: dict = {}


def _start_worker(path: str, options: dict) -> None:
    from kb.db import connect

    _worker["db"], _worker["options"] = connect(path), options


def _answer_in_worker(question: str) -> Answer:
    return answer(_worker["db"], question, **_worker["options"])


def database_file(db: sqlite_utils.Database) -> str | None:
    """Path of the KB's main database file; None in memory."""
    return db.execute("PRAGMA database_list").fetchone()[2] or None


def worker_count(questions: int) -> int:
    if questions < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, questions // CHUNK))


def answer_many(
    db: sqlite_utils.Database,
    questions: list[str],
    *,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    **options,
) -> list[Answer]:
    """kb.answer.answer for each question, in order; ``options`` go to every call."""
    workers = worker_count(len(questions)) if workers is None else workers
    path = database_file(db)
    if workers < 2 or path is None or db.conn.in_transaction:
        answers = []
        for question in questions:
            answers.append(answer(db, question, **options))
            if progress:
                progress(1)
        return answers
    # Load the Sudachi dictionary and the analysed glossary here, once: the
    # workers inherit them instead of each loading its own.
    search.prepare(db, questions[0])
    answers = []
    with multiprocessing.get_context("fork").Pool(workers, _start_worker, (path, options)) as pool:
        for result in pool.imap(_answer_in_worker, questions, chunksize=CHUNK):
            answers.append(result)
            if progress:
                progress(1)
    return answers
