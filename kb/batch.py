"""Answering many questions at once (a check sheet, `kb answer --file`) on every core.

Each answer is independent and CPU-bound (Sudachi, FTS5, re-ranking in Python),
so a long list is cut into chunks that this process and forked helpers take in
turn from a shared counter, each with its own connection to the KB file. This
process answers chunks too: one fewer process to start, and its answers need no
pickling. Short lists, in-memory KBs, a connection in the middle of a
transaction (helpers would not see its writes) and platforms without fork are
answered here alone.
"""

from __future__ import annotations

import gc
import os
import queue
import threading
from collections.abc import Callable

from kb import search
from kb.answer import Answer, answer
from kb.db import Database
from kb.errors import KBError

PARALLEL_MIN = 200  # below this, starting helpers costs more than they save
MAX_WORKERS = 8
CHUNK = 16  # questions per hand-out: fewer round trips, still even at the end


def database_file(db: Database) -> str | None:
    """Path of the KB's main database file; None in memory."""
    return db.execute("PRAGMA database_list").fetchone()[2] or None


def worker_count(questions: int) -> int:
    if questions < PARALLEL_MIN or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, questions // CHUNK))


def answer_many(
    db: Database,
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
        for start in range(0, len(questions), CHUNK):
            chunk = _answer_chunk(db, questions[start : start + CHUNK], options)
            answers.extend(chunk)
            if progress:
                progress(len(chunk))
        return answers
    return _answer_forked(db, path, questions, workers, progress, options)


def _answer_chunk(db: Database, questions: list[str], options: dict) -> list[Answer]:
    # One look at the KB's state for the chunk, not one a question (~5% of the time).
    cache = search.IndexCache.of(db)
    return [answer(db, q, cache=cache, **options) for q in questions]


def _take(counter, total: int) -> int | None:
    """The next chunk nobody has taken yet, if any."""
    with counter.get_lock():
        index = counter.value
        if index >= total:
            return None
        counter.value = index + 1
    return index


def _helper(path: str, options: dict, chunks: list[list[str]], counter, send) -> None:
    try:
        from kb.db import connect

        db = connect(path)
        while (index := _take(counter, len(chunks))) is not None:
            send.send((index, _answer_chunk(db, chunks[index], options)))
        send.send(None)
    except BaseException as exc:  # reported by the parent, which owns the terminal
        send.send(f"{type(exc).__name__}: {exc}")
    finally:
        send.close()


def _answer_forked(
    db: Database,
    path: str,
    questions: list[str],
    workers: int,
    progress: Callable[[int], None] | None,
    options: dict,
) -> list[Answer]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    # Load the Sudachi dictionary and the analysed glossary here, once: the
    # helpers inherit them instead of each loading its own.
    search.prepare(db, questions[0])
    # What exists now lives until the end: keep the collector off it, here and
    # in the helpers (whose pages it would otherwise copy on write).
    gc.freeze()
    chunks = [questions[i : i + CHUNK] for i in range(0, len(questions), CHUNK)]
    results: list[list[Answer] | None] = [None] * len(chunks)
    counter = context.Value("l", 0)
    arrived: queue.SimpleQueue = queue.SimpleQueue()  # (index, answers) | error text | None per helper
    helpers = []
    for _ in range(workers - 1):
        recv, send = context.Pipe(duplex=False)
        proc = context.Process(target=_helper, args=(path, options, chunks, counter, send), daemon=True)
        proc.start()
        send.close()
        helpers.append((proc, recv))
    # A thread per helper reads its pipe, so that a helper never waits for this
    # process to finish its own chunk before it can hand answers over. (Started
    # after every fork: a process with threads is not safe to fork.)
    readers = [threading.Thread(target=_read, args=(recv, arrived), daemon=True) for _, recv in helpers]
    for reader in readers:
        reader.start()

    finished = 0

    def collect(block: bool) -> None:
        nonlocal finished
        while True:
            try:
                item = arrived.get(block=block)
            except queue.Empty:
                return
            if item is None:
                finished += 1
            elif isinstance(item, str):
                raise KBError(f"answering in a helper process failed: {item}")
            else:
                index, answers = item
                results[index] = answers
                if progress:
                    progress(len(answers))
            if block:
                return

    try:
        while (index := _take(counter, len(chunks))) is not None:
            results[index] = _answer_chunk(db, chunks[index], options)
            if progress:
                progress(len(results[index]))
            collect(block=False)
        while finished < len(helpers):
            collect(block=True)
    finally:
        for proc, _ in helpers:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
        for reader in readers:
            reader.join(timeout=1)
    return [a for chunk in results for a in chunk]


def _read(recv, arrived: queue.SimpleQueue) -> None:
    try:
        while True:
            item = recv.recv()
            arrived.put(item)
            if item is None or isinstance(item, str):
                return
    except EOFError:  # the helper died without a word (killed, out of memory)
        arrived.put("the process ended early")
    finally:
        recv.close()
