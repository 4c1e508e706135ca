"""A Whoosh (whoosh-reloaded) index over KB chunks, analysed exactly like the KB.

The tokenizer wraps kb.analysis, so both engines index and query the same Sudachi /
Snowball terms; only the index structure and ranking differ. It lives in its own
module because Whoosh pickles the schema (and so the tokenizer class) into the index:
the class must be importable by the same name from every benchmark script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Or, Term

from kb.analysis import analyze, analyze_spans

# (chunk id, kind, control_id, title, body, classification, is_current): a row of kb chunks.
ChunkRow = tuple[int, str, str | None, str, str, str, int]


class KBTokenizer(Tokenizer):
    """Whoosh tokenizer yielding kb.analysis terms (NFKC, control ids, Sudachi, stemming)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        spans = analyze_spans(value) if tokenize else [(value, 0, len(value))]
        for i, (term, start, end) in enumerate(spans):
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = term
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


def schema() -> Schema:
    analyzer = KBTokenizer()
    return Schema(
        chunk_id=NUMERIC(stored=True, unique=True),
        kind=ID(stored=True),
        control_id=STORED,
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer),
        classification=ID,
        current=ID,
    )


def build(
    directory: Path, rows: list[ChunkRow], progress: Callable[[int, float], None] | None = None
) -> float:
    """Index ``rows`` into a new index at ``directory`` (one process); returns seconds."""
    start = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    writer = ix.writer(limitmb=256)
    for i, (chunk_id, kind, control_id, title, body, classification, is_current) in enumerate(rows, 1):
        writer.add_document(
            chunk_id=chunk_id,
            kind=kind,
            control_id=control_id,
            title=title,
            body=body,
            classification=classification,
            current="1" if is_current else "0",
        )
        if progress and i % 10_000 == 0:
            progress(i, time.perf_counter() - start)
    writer.commit()
    ix.close()
    return time.perf_counter() - start


class Engine:
    """One open searcher, like the one open connection kb.search uses."""

    def __init__(self, directory: Path):
        self.ix = windex.open_dir(str(directory))
        self.searcher = self.ix.searcher()
        # Like `c.is_current = 1` in kb.search: history chunks are masked out.
        self.mask = set(self.searcher.docs_for_query(Term("current", "0")))

    @staticmethod
    def query(text: str) -> Or:
        """An OR of the question's analysed terms; title terms weigh 4x, as bm25(4.0, 1.0) in the KB."""
        terms = list(dict.fromkeys(analyze(text)))
        return Or([Term("title", t, boost=4.0) for t in terms] + [Term("body", t) for t in terms])

    def search(self, text: str, limit: int = 10) -> list[tuple[int, str | None, str]]:
        results = self.searcher.search(self.query(text), limit=limit, mask=self.mask or None)
        return [(hit["chunk_id"], hit.get("control_id"), hit["title"]) for hit in results]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()
