"""Answering many questions: the same answers on every path, in order."""

import json
import os
import time

import pytest

from kb import answer as answer_module
from kb import batch, search
from kb.answer import answer
from kb.db import connect_memory
from kb.errors import KBError
from tests.builders import make_doc

QUESTIONS = [
    "データセンターはどの国にありますか。",
    "Which country is the data stored in?",
    "バックアップは取得していますか。",
    "Is customer data encrypted at rest?",
    "耐震構造ですか。",
    "ログは何年保管しますか。",
] * 6


def as_json(answers):
    return json.dumps([a.to_json() for a in answers], ensure_ascii=False, sort_keys=True)


def test_workers_give_the_answers_of_one_process_in_order(demo_db):
    one = [answer(demo_db, q) for q in QUESTIONS]
    seen = []
    many = batch.answer_many(demo_db, QUESTIONS, workers=2, progress=seen.append)
    assert as_json(many) == as_json(one)
    assert sum(seen) == len(QUESTIONS)


def test_options_reach_the_workers(demo_db):
    strict = batch.answer_many(demo_db, QUESTIONS[:12], workers=2, auto_threshold=1.01)
    assert strict and all(a.status != "answered" for a in strict)


def test_memory_kb_and_open_transaction_stay_in_this_process(tmp_path, demo_db, monkeypatch):
    from kb import store

    def no_pool(*args, **kwargs):
        raise AssertionError("no workers expected")

    monkeypatch.setattr(batch.Helpers, "__init__", no_pool)
    memory = connect_memory()
    store.import_document(memory, make_doc("1.0"))
    assert batch.database_file(memory) is None
    assert len(batch.answer_many(memory, QUESTIONS, workers=2)) == len(QUESTIONS)
    with demo_db.atomic():
        assert len(batch.answer_many(demo_db, QUESTIONS[:3], workers=2)) == 3


def test_helpers_follow_the_cores_and_the_length_of_the_list(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert batch.worker_count(batch.PARALLEL_MIN - 1) == 1  # short lists are not worth helpers
    assert batch.worker_count(batch.PARALLEL_MIN) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert batch.worker_count(10 * batch.PARALLEL_MIN) == batch.MAX_WORKERS
    assert batch.worker_count(batch.PARALLEL_MIN) == min(batch.MAX_WORKERS, batch.PARALLEL_MIN // batch.CHUNK)
    for cores in (1, None):  # one core, or the count unknown: answered here
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert batch.worker_count(10 * batch.PARALLEL_MIN) == 1


def _fail_in_helpers(monkeypatch, failure):
    """kb.answer that fails in forked helpers only (this process answers nothing when it has them)."""
    parent, real = os.getpid(), answer_module.answer

    def answer_or_fail(db, question, **options):
        if os.getpid() != parent:
            failure()
        return real(db, question, **options)

    monkeypatch.setattr(answer_module, "answer", answer_or_fail)


def test_an_error_in_a_helper_is_reported(demo_db, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    _fail_in_helpers(monkeypatch, boom)
    with pytest.raises(KBError, match="RuntimeError: boom"):
        batch.answer_many(demo_db, QUESTIONS * 4, workers=2)


def test_a_helper_that_dies_is_reported_not_waited_for(demo_db, monkeypatch):
    _fail_in_helpers(monkeypatch, lambda: os._exit(3))
    with pytest.raises(KBError, match="ended early"):
        batch.answer_many(demo_db, QUESTIONS * 4, workers=2)


def test_helpers_started_before_the_list_is_known_answer_as_one_process(demo_db):
    for questions in (QUESTIONS[:1], QUESTIONS * 7):
        helpers = batch.Helpers.start(demo_db, 2)  # two, whatever the list's length
        seen = []
        got = batch.answer_many(demo_db, questions, helpers=helpers, progress=seen.append)
        assert as_json(got) == as_json([answer(demo_db, q) for q in questions])
        assert sum(seen) == len(questions)
        assert helpers.pid is None  # used up


def _group_members(pgid: int, *, zombies: bool = False) -> list[int]:
    """Processes of a process group that still run (and, if asked, those that ended
    but were not collected yet)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if (zombies or fields[0] != "Z") and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def _gone(pid: int) -> bool:
    """The child ``pid`` has ended and was collected (by this process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _no_helper_left(pgid: int) -> bool:
    deadline = time.monotonic() + 5
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _group_members(pgid)


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads processes from /proc")


@needs_proc
def test_helpers_never_used_are_ended(demo_db):
    helpers = batch.Helpers.start(demo_db, 3)
    pid = helpers.pid
    time.sleep(0.2)  # the lead is ready and waits for a list
    helpers.close()
    assert helpers.pid is None
    assert _no_helper_left(pid)


@needs_proc
def test_after_a_failure_no_helper_is_left(demo_db, monkeypatch):
    started = []
    real_init = batch.Helpers.__init__

    def record(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self.pid)

    monkeypatch.setattr(batch.Helpers, "__init__", record)

    def boom():
        raise RuntimeError("boom")

    _fail_in_helpers(monkeypatch, boom)
    with pytest.raises(KBError, match="RuntimeError: boom"):
        batch.answer_many(demo_db, QUESTIONS * 4, workers=3)
    assert started and _no_helper_left(started[0])


def test_a_failure_while_getting_ready_is_reported(demo_db, monkeypatch):
    parent, real = os.getpid(), search.prepare

    def prepare(*args, **kwargs):
        if os.getpid() != parent:
            raise OSError("dictionary unreadable")
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "prepare", prepare)
    helpers = batch.Helpers.start(demo_db, 2)
    with pytest.raises(KBError, match="OSError: dictionary unreadable"):
        batch.answer_many(demo_db, QUESTIONS, helpers=helpers)


def test_long_lists_come_in_a_bounded_number_of_chunks():
    chunks = batch._chunks([str(i) for i in range(batch.MAX_CHUNKS * batch.CHUNK * 3 + 5)])
    assert len(chunks) <= batch.MAX_CHUNKS
    assert [q for chunk in chunks for q in chunk] == [
        str(i) for i in range(batch.MAX_CHUNKS * batch.CHUNK * 3 + 5)
    ]


def test_no_process_to_be_had_means_answering_here(demo_db, monkeypatch):
    def no_fork():
        raise BlockingIOError("fork: resource temporarily unavailable")

    open_fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    monkeypatch.setattr(os, "fork", no_fork)
    assert batch.Helpers.start(demo_db, 2) is None
    if open_fds is not None:
        assert len(os.listdir("/proc/self/fd")) == open_fds  # its pipes closed again
    got = batch.answer_many(demo_db, QUESTIONS, workers=2)
    assert as_json(got) == as_json([answer(demo_db, q) for q in QUESTIONS])


def test_a_lead_that_cannot_fork_the_others_answers_alone(demo_db, monkeypatch):
    parent, real_fork = os.getpid(), os.fork

    def fork_here_only():
        if os.getpid() != parent:
            raise BlockingIOError("fork: resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_here_only)
    got = batch.answer_many(demo_db, QUESTIONS * 2, workers=3)
    assert as_json(got) == as_json([answer(demo_db, q) for q in QUESTIONS * 2])


def test_one_core_answers_here(demo_db, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert batch.Helpers.start(demo_db) is None
    assert batch.worker_count(10 * batch.PARALLEL_MIN) == 1


@pytest.mark.parametrize("how", ["here", "helpers started late", "helpers started early"])
def test_each_chunk_is_handed_over_with_its_place(demo_db, how):
    questions = [f"{q}（{i}）" for i, q in enumerate(QUESTIONS * 2)]
    seen: dict[int, list] = {}

    def each(first, answers):
        assert first not in seen
        seen[first] = answers

    kwargs = {"here": {"workers": 1}, "helpers started late": {"workers": 2}}.get(how, {})
    if how == "helpers started early":
        kwargs = {"helpers": batch.Helpers.start(demo_db, 2)}
    got = batch.answer_many(demo_db, questions, each=each, **kwargs)
    placed = [None] * len(questions)
    for first, answers in seen.items():
        placed[first : first + len(answers)] = answers
    assert as_json(placed) == as_json(got)
    assert [a.question for a in got] == questions


def _started(monkeypatch) -> list[int]:
    """The lead helpers' pids, as answer_many and Helpers.start make them."""
    started = []
    real_init = batch.Helpers.__init__

    def record(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self.pid)

    monkeypatch.setattr(batch.Helpers, "__init__", record)
    return started


@needs_proc
@pytest.mark.parametrize("how", ["helpers started late", "helpers started early"])
def test_no_helper_is_left_when_the_answers_are_back(demo_db, monkeypatch, how):
    started = _started(monkeypatch)
    if how == "helpers started early":
        batch.answer_many(demo_db, QUESTIONS * 7, helpers=batch.Helpers.start(demo_db, 3))
    else:
        batch.answer_many(demo_db, QUESTIONS * 7, workers=3)
    (lead,) = started
    # At once, not after a while: every helper has ended and been collected.
    assert _gone(lead) and not _group_members(lead, zombies=True)


def test_helpers_read_the_kb_and_never_write_or_migrate_it(demo_db, monkeypatch):
    from kb import db as db_module

    parent = os.getpid()

    def not_in_helpers(real):
        def guarded(*args, **kwargs):
            if os.getpid() != parent:
                raise AssertionError(f"{real.__name__} in a helper")
            return real(*args, **kwargs)

        return guarded

    monkeypatch.setattr(db_module, "connect", not_in_helpers(db_module.connect))
    monkeypatch.setattr(db_module, "migrate", not_in_helpers(db_module.migrate))
    path = batch.database_file(demo_db)
    before = os.stat(path).st_mtime_ns, os.path.getsize(path)
    got = batch.answer_many(demo_db, QUESTIONS * 2, workers=2)
    assert as_json(got) == as_json([answer(demo_db, q) for q in QUESTIONS * 2])
    assert (os.stat(path).st_mtime_ns, os.path.getsize(path)) == before


@needs_proc
@pytest.mark.parametrize("ending", ["returns", "raises"])
def test_helpers_left_open_end_with_the_process(demo_db, ending):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kb import batch\n"
        "from kb.db import connect\n"
        "helpers = batch.Helpers.start(connect(sys.argv[1]), 2)\n"
        "print(helpers.pid, flush=True)\n" + ("raise SystemExit(3)\n" if ending == "raises" else "")
    )
    done = subprocess.run(
        [sys.executable, "-c", code, batch.database_file(demo_db)], capture_output=True, text=True, timeout=60
    )
    lead = int(done.stdout.split()[0])
    assert not _group_members(lead, zombies=True)  # ended and collected before the process exited
