"""Answering many questions at once (a check sheet, `kb answer --file`) on every core.

Each answer is independent and CPU-bound (Sudachi, FTS5, re-ranking in Python),
so a long list is cut into chunks that forked helpers take in turn, each with
its own connection to the KB file, while this process hands out the list and
gathers the answers. Short lists, in-memory KBs, a connection in the middle of
a transaction (helpers would not see its writes), one-core machines and
platforms without fork are answered here alone.

`kb fill` starts its helpers (`Helpers.start`) before it reads the check sheet:
the first, the lead, loads Sudachi and the KB's glossary while this process
reads, takes the list, and forks the others, which inherit all of it. Nobody
loads the dictionary twice, and nobody waits for the sheet and then for the
dictionary.

Helpers open the KB read-only (kb.db.connect_read_only): this process opened and
migrated it. Every helper has ended when the call that used them returns (the lead
waits for the others, this process for the lead), and helpers still open when this
process exits are ended then: nothing outlives kb.

Plain fork and pipes, not multiprocessing: importing it and its shared counter
costs about as much as answering a short sheet. The lead writes the chunks'
numbers into a pipe that every helper reads four bytes at a time; a pipe's
reads are serialised, so each number reaches exactly one helper.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from kb.db import Database
from kb.errors import KBError
from kb.i18n import _
from kb.settings import DEFAULTS

if TYPE_CHECKING:
    from kb.answer import Answer

# kb.answer and kb.search are imported where they are used: `kb fill` starts
# its helpers before anything has imported them, and the lead imports them
# while this process reads the sheet.

# Why these values: kb.settings.
PARALLEL_MIN: int = DEFAULTS["parallel_min"]
MAX_WORKERS: int = DEFAULTS["max_workers"]
CHUNK: int = DEFAULTS["batch_chunk"]
MAX_CHUNKS: int = DEFAULTS["max_chunks"]

_LENGTH = struct.Struct("<Q")
_NUMBER = struct.Struct("<I")


class Ask(NamedTuple):
    """A question with what its sheet says of it, where a plain string says nothing more."""

    text: str
    asks_yes_no: bool = False  # kb.answer.answer's asks_yes_no: the sheet says it asks yes or no


def database_file(db: Database) -> str | None:
    """Path of the KB's main database file; None in memory."""
    return db.execute("PRAGMA database_list").fetchone()[2] or None


def worker_count(questions: int) -> int:
    if questions < PARALLEL_MIN or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, questions // CHUNK))


def answer_many(
    db: Database,
    questions: list[str | Ask],
    *,
    progress: Callable[[int], None] | None = None,
    each: Callable[[int, list[Answer]], None] | None = None,
    workers: int | None = None,
    helpers: Helpers | None = None,
    **options,
) -> list[Answer]:
    """kb.answer.answer for each question, in order; ``options`` go to every call, and
    an Ask's own to its question's.

    ``each(first, answers)``: called as each chunk is answered, in whatever order the
    chunks come, with the position of its first question, so that a caller can use
    answers while the others are still being worked out.
    ``helpers``: processes started earlier (Helpers.start) to answer the list,
    whatever its length; they are used up by this call.
    """
    if helpers is not None:
        return helpers.answer(questions, progress, options, each)
    workers = worker_count(len(questions)) if workers is None else workers
    if workers >= 2 and questions:
        from kb import search

        # Load the Sudachi dictionary and the analysed glossary here, once: the
        # helpers inherit them instead of each loading its own.
        search.prepare(db, _text(questions[0]), index=search.ANSWERING)
        late = Helpers.start(db, workers)
        if late is not None:
            return late.answer(questions, progress, options, each)
    answers = []
    for chunk in _chunks(questions):
        answered = _answer_chunk(db, chunk, options)
        if each:
            each(len(answers), answered)
        answers.extend(answered)
        if progress:
            progress(len(chunk))
    return answers


def _file_to_fork_on(db: Database) -> str | None:
    """The KB's file, if helpers can answer from it beside this process."""
    if not hasattr(os, "fork") or db.conn.in_transaction:
        return None
    return database_file(db)


def _text(question: str | Ask) -> str:
    return question.text if isinstance(question, Ask) else question


def _chunks(questions: list[str | Ask]) -> list[list[str | Ask]]:
    size = max(CHUNK, -(-len(questions) // MAX_CHUNKS))
    return [questions[i : i + size] for i in range(0, len(questions), size)]


def _answer_chunk(db: Database, questions: list[str | Ask], options: dict) -> list[Answer]:
    from kb import answer as answering
    from kb import search

    # One look at the KB's state for the chunk, not one a question.
    cache = search.answering_cache(db)
    return [
        answering.answer(db, q.text, cache=cache, asks_yes_no=q.asks_yes_no, **options)
        if isinstance(q, Ask)
        else answering.answer(db, q, cache=cache, **options)
        for q in questions
    ]


class Helpers:
    """Forked processes that answer one list of questions for this process.

    Used once: ``answer`` hands them the list, and they end when it is done.
    ``close`` (or leaving the ``with`` block) ends helpers that were never used.
    """

    def __init__(self, path: str, count: int, *, fixed: bool = False):
        job_in, self._job = os.pipe()
        pipes = [os.pipe() for _ in range(count)]
        self._results = [read_end for read_end, _ in pipes]
        self.used = False
        try:
            pid = os.fork()
        except OSError:
            for fd in (job_in, self._job, *(fd for pipe in pipes for fd in pipe)):
                os.close(fd)
            raise
        if pid == 0:
            try:
                os.close(self._job)
                for read_end in self._results:
                    os.close(read_end)
                _lead(path, job_in, [write_end for _, write_end in pipes], fixed)
            finally:
                os._exit(0)
        self.pid: int | None = pid
        _open.add(self)
        os.close(job_in)
        for _read_end, write_end in pipes:
            os.close(write_end)

    @classmethod
    def start(cls, db: Database, count: int | None = None) -> Helpers | None:
        """Helpers that get ready to answer from ``db``'s file; None where they
        cannot help (see the module's doc). ``count`` of them; by default as many
        as the list's length is worth (worker_count), one per core at most."""
        fixed = count is not None
        count = min((os.cpu_count() or 1) if count is None else count, MAX_WORKERS)
        path = _file_to_fork_on(db) if count >= 2 else None
        if path is None:
            return None
        try:
            return cls(path, count, fixed=fixed)
        except OSError:  # no process to be had (a limit): answer here
            return None

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End helpers that wait for work they will not get, or that are still at it after a failure."""
        if self.pid is None:
            return
        for fd in (self._job, *self._results):
            if fd is not None:
                os.close(fd)
        for kill in (os.kill, os.killpg):  # the lead first, so that it forks no more; then the others
            try:
                kill(self.pid, signal.SIGKILL)  # they hold nothing to tidy: read-only connections, pipes
            except OSError:
                pass  # all gone already, or the lead ended before it made its group
        os.waitpid(self.pid, 0)
        self.pid = None
        _open.discard(self)

    def _done(self) -> None:
        """After the last answer the helpers end by themselves: wait for the lead,
        which has waited for the others."""
        for fd in self._results:
            os.close(fd)
        os.waitpid(self.pid, 0)
        self.pid = None
        _open.discard(self)

    def answer(
        self,
        questions: list[str | Ask],
        progress: Callable[[int], None] | None,
        options: dict,
        each: Callable[[int, list[Answer]], None] | None = None,
    ) -> list[Answer]:
        if self.used:
            raise RuntimeError("helpers answer one list of questions only")
        self.used = True
        chunks = _chunks(questions)
        results: list[list[Answer] | None] = [None] * len(chunks)
        size = len(chunks[0]) if chunks else 0  # every chunk's but the last
        try:
            try:
                _send(self._job, (chunks, options))
            except BrokenPipeError:
                pass  # the lead ended; what it said, if anything, waits in its pipe
            os.close(self._job)
            self._job = None
            waiting = list(self._results)
            while waiting:
                for fd in select.select(waiting, [], [])[0]:
                    try:
                        item = _receive(fd)
                    except EOFError:  # it died without a word (killed, out of memory)
                        item = "the process ended early"
                    if item is None:
                        waiting.remove(fd)
                    elif isinstance(item, str):
                        raise KBError(_("answering in a helper process failed: {item}").format(item=item))
                    else:
                        index, answers = item
                        results[index] = answers
                        if each:
                            each(index * size, answers)
                        if progress:
                            progress(len(answers))
        except BaseException:
            self.close()
            raise
        self._done()
        return [a for chunk in results for a in chunk]


_open: set[Helpers] = set()  # started and not yet done or closed


@atexit.register
def _close_open() -> None:
    """Helpers that a failure left waiting for their list end with this process."""
    for helpers in list(_open):
        helpers.close()


def _lead(path: str, job_in: int, outs: list[int], fixed: bool) -> None:
    """The first helper: gets the KB ready, takes the job, and forks as many
    others as the list is worth; they inherit the KB, ready, and the job."""
    os.setpgid(0, 0)  # one group, so that this process's parent can end all helpers at once
    try:
        from kb import search
        from kb.db import connect_read_only

        db = connect_read_only(path)
        search.prepare(db, "準備", index=search.ANSWERING)  # the Sudachi dictionary and the glossary
        try:
            chunks, options = _receive(job_in)
        except EOFError:  # closed unused
            return
        wanted = len(outs) if fixed else min(len(outs), worker_count(sum(map(len, chunks))))
        numbers, numbers_in = os.pipe()
        _write_all(numbers_in, b"".join(_NUMBER.pack(i) for i in range(len(chunks))))
        os.close(numbers_in)
    except BaseException as exc:
        _report(outs[0], exc)
        return
    others = []
    for out in outs[1:wanted]:
        try:
            pid = os.fork()
        except OSError:  # no more processes to be had: fewer helpers
            wanted = 1 + len(others)
            break
        if pid == 0:
            try:
                for fd in (job_in, *outs):  # only its own pipe: the parent sees the others end
                    if fd != out:
                        os.close(fd)
                # Its own connection: one must not be used across a fork.
                _work(connect_read_only(path), out, numbers, chunks, options)
            finally:
                os._exit(0)
        others.append(pid)
    for out in outs[wanted:]:  # not needed for so short a list
        _report(out, None)
    for out in outs[1:]:
        os.close(out)
    _work(db, outs[0], numbers, chunks, options)
    for pid in others:
        os.waitpid(pid, 0)


def _work(db: Database, out: int, numbers: int, chunks: list[list[str | Ask]], options: dict) -> None:
    try:
        while number := os.read(numbers, _NUMBER.size):
            (index,) = _NUMBER.unpack(number)
            _send(out, (index, _answer_chunk(db, chunks[index], options)))
        _send(out, None)
    except BaseException as exc:  # reported by the parent, which owns the terminal
        _report(out, exc)
    finally:
        os.close(out)


def _report(out: int, what: BaseException | None) -> None:
    """An error's one line, or None: done (with nothing, for a helper not needed)."""
    try:
        _send(out, None if what is None else f"{type(what).__name__}: {what}")
    except OSError:
        pass


def _send(fd: int, item) -> None:
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _LENGTH.pack(len(data)) + data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int):
    (length,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, length))


def _read_exactly(fd: int, size: int) -> bytes:
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
