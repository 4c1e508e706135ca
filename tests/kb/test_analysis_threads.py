"""kb.analysis on several threads at once (the Datasette plugin analyses on Datasette's worker threads)."""

from __future__ import annotations

import threading

from kb.analysis import analyze

TEXTS = [
    f"第{i}条に定めるとおり、ぜい弱性診断を年{i}回実施し、サーバのログを保管しています。" for i in range(40)
]


def test_threads_analyse_at_once_as_one_thread_does():
    expected = [analyze(t) for t in TEXTS]
    results: dict[int, list[list[str]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def work(n: int) -> None:
        start.wait()
        try:
            results[n] = [analyze(t + "、" * (n % 2)) for t in TEXTS]
        except BaseException as exc:  # a shared tokenizer fails here: "Tokenizer is already in use"
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(results[n] == expected for n in results)
