"""Datasette serving a published copy of a 100k-chunk KB: our plugin against Datasette alone.

Two servers on 127.0.0.1 serve the same `kb publish` copy, immutable: Datasette with the
evidence-kb plugin (as `kb serve` runs it) and Datasette without it. A bounded load
generator (READERS threads, each with one keep-alive connection, REQUESTS in all per
kind) asks each server for
- search: ours the table search box (/db/chunks.json?_search=WORD, analyzer + trigram/LIKE)
  and the ranked page (/-/kb-search.json?q=WORD); Datasette alone the trigram table through
  ?_fts_table=chunks_trigram (raw substring search, which finds nothing for a two-character
  word such as ログ),
- row pages: /db/responses/ID (HTML) of random responses,
and prints p50/p95 per kind and the ratio ours / Datasette alone. The copy is published for
the internal audience, so that it keeps all the chunks.

The KB is bench_answer's cached synthetic 100k-chunk KB (bench/.cache, built by
bench_answer.py when missing, which takes a while), or --kb PATH; --quick uses 10k chunks.

Usage:  .venv/bin/python bench/bench_datasette.py [--quick] [--kb PATH] [--readers 50] [--requests 400]
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = [
    "ぜい弱性",
    "暗号化",
    "バックアップ",
    "ログ",
    "認証",
    "データセンター",
    "アクセス制御",
    "インシデント",
]
STARTUP_SECONDS = 120
ROUNDS = 2


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def serve(copy: str, port: int, plain: bool) -> None:
    """The server process: Datasette on ``copy``, immutable, with or without the plugin."""
    import uvicorn
    from datasette.app import Datasette
    from datasette.plugins import pm

    import datasette_kb

    if plain:
        if pm.is_registered(datasette_kb):
            pm.unregister(datasette_kb)
    else:
        datasette_kb.ensure_registered()
    ds = Datasette(immutables=[copy], settings=datasette_kb.SERVE_SETTINGS)
    uvicorn.run(ds.app(), host="127.0.0.1", port=port, log_level="error")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(copy: Path, plain: bool) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    args = [sys.executable, __file__, "--serve", str(copy), str(port)] + (["--plain"] if plain else [])
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/-/versions.json")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"bench_datasette: the {'plain' if plain else 'plugin'} server did not start"
                ) from None
            time.sleep(0.3)


def load(port: int, paths: list[str], readers: int) -> tuple[list[float], int]:
    """Run ``paths`` with ``readers`` concurrent keep-alive readers; (latencies in ms, errors)."""
    todo = list(reversed(paths))
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def reader() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not todo:
                    break
                path = todo.pop()
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                errors[0] += not ok
        conn.close()

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def p(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def kb_path(args) -> Path:
    if args.kb:
        return Path(args.kb)
    n = 10_000 if args.quick else 100_000
    cached = sorted((ROOT / "bench" / ".cache").glob(f"kb-{n}-*.db"), key=lambda f: f.stat().st_mtime)
    if cached:
        return cached[-1]
    import bench_answer

    seed_doc, demo_doc = bench_answer.parse_docs()
    return bench_answer.big_kb(n, seed_doc, demo_doc, rebuild=False)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k chunks, fewer requests")
    parser.add_argument("--kb", help="a KB to publish and serve instead of the cached synthetic one")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=None, help="requests per kind and server")
    parser.add_argument("--serve", nargs=2, metavar=("COPY", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.plain)
        return 0
    requests = args.requests or (100 if args.quick else 400)

    from kb.db import connect
    from kb.publish import publish

    source = kb_path(args)
    with tempfile.TemporaryDirectory(prefix="bench-datasette-") as folder:
        work = Path(folder) / "kb.db"
        shutil.copy(source, work)  # connect() migrates: never the cache itself
        db = connect(work)
        chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        log(f"publishing {source.name} ({chunks:,} chunks) ...")
        # internal: the copy keeps every chunk (half the synthetic rows are above public)
        copy = publish(db, Path(folder) / "copy.db", "internal").path
        db.close()
        served = sqlite3.connect(f"file:{copy}?immutable=1", uri=True)
        ids = [r[0] for r in served.execute("SELECT id FROM responses WHERE is_current = 1")]
        served.close()
        rng = random.Random(7)
        rows = [f"/copy/responses/{rng.choice(ids)}" for _ in range(requests)]
        words = [rng.choice(WORDS) for _ in range(requests)]
        kinds = {
            "table search": (
                [f"/copy/chunks.json?_search={quote(w)}&_size=20" for w in words],
                [
                    f"/copy/chunks.json?_search={quote(w)}&_fts_table=chunks_trigram&_fts_pk=id&_size=20"
                    for w in words
                ],
            ),
            # The same without facets (ours has the metadata's, Datasette alone none): the search itself.
            "search, no facet": (
                [f"/copy/chunks.json?_search={quote(w)}&_size=20&_nofacet=1" for w in words],
                [
                    f"/copy/chunks.json?_search={quote(w)}&_fts_table=chunks_trigram&_fts_pk=id&_size=20&_nofacet=1"
                    for w in words
                ],
            ),
            "ranked search": ([f"/-/kb-search.json?q={quote(w)}" for w in words], None),
            "row page": (rows, rows),
        }
        results: dict[tuple[str, str], tuple[list[float], int]] = {}
        # Both servers up at once and asked in turn, each kind in ROUNDS halves: on a shared
        # machine the load of others moves in minutes, and one server measured after the
        # other would carry it.
        servers = {"with plugin": start(copy, plain=False), "datasette alone": start(copy, plain=True)}
        try:
            for kind, (ours, theirs) in kinds.items():
                for name, (_, port) in servers.items():
                    paths = theirs if name == "datasette alone" else ours
                    if paths is not None:
                        load(port, paths[: args.readers], args.readers)  # warm-up: caches, Sudachi, threads
                for half in range(ROUNDS):
                    for name, (_, port) in servers.items():
                        paths = theirs if name == "datasette alone" else ours
                        if paths is None:
                            continue
                        share = paths[half * len(paths) // ROUNDS : (half + 1) * len(paths) // ROUNDS]
                        times, errors = load(port, share, args.readers)
                        before = results.get((kind, name), ([], 0))
                        results[(kind, name)] = (before[0] + times, before[1] + errors)
                log(f"  {kind} done")
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)

    print(
        f"\n== Datasette on a published {chunks:,}-chunk KB: {args.readers} readers, {requests} requests a kind =="
    )
    print(f"{'kind':<17} {'server':<17} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for (kind, name), (times, errors) in results.items():
        print(f"{kind:<17} {name:<17} {p(times, 50):8.1f} {p(times, 95):8.1f} {errors:7d}")
    print()
    for kind, ours_name in (
        ("table search", "table search"),
        ("search, no facet", "search, no facet"),
        ("row page", "row page"),
        ("ranked search", "table search"),
    ):
        ours, theirs = results.get((kind, "with plugin")), results.get((ours_name, "datasette alone"))
        if ours and theirs:
            versus = "" if kind == ours_name else f" (vs Datasette's trigram {ours_name})"
            print(
                f"ratio {kind}{versus}: p50 {p(ours[0], 50) / p(theirs[0], 50):.2f}x,"
                f" p95 {p(ours[0], 95) / p(theirs[0], 95):.2f}x  INFO"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
