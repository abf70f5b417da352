"""Row 5, retrieval at scale: hybrid query latency at 1k, 10k and 100k chunks, dense recall.

The corpus is synthetic and seeded (:mod:`assistant.bench.synthetic_corpus`). One store and
one index grow from size to size (each size is a prefix of the next), written through the
real schema; every timed query goes through the real :class:`HybridRetriever`: MiniLM query
embedding, chroma, FTS5, fusion and chunk fetch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.bench.measure import (
    BenchContext,
    Figure,
    Row,
    SectionResult,
    alternate,
    median,
    percentile,
    ratio,
    timed,
)
from assistant.bench.synthetic_corpus import (
    SEED,
    TOPICS,
    Corpus,
    document_spans,
    library_words,
    make_corpus,
    make_vocabulary,
    new_document,
    questions,
    topic_text,
)
from assistant.engines.embedding import Embedder
from assistant.library.retrieval import HybridRetriever
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore, open_vector_store
from assistant.system.paths import library_dir

SIZES = (1_000, 10_000, 100_000)
TARGET_P95_MS = 50.0
TARGET_GROWTH = 1.5
TARGET_RECALL = 0.98
RECALL_K = 10
def grow(store: Store, index: VectorStore, corpus: Corpus, start: int, end: int,
         batch_documents: int = 50) -> dict[int, int]:
    """Write chunks ``start..end-1`` to the store and the index; returns corpus row -> id."""
    ids: dict[int, int] = {}
    spans = document_spans(start, end)
    for first in range(0, len(spans), batch_documents):
        part = spans[first:first + batch_documents]
        docs = [new_document(corpus, a, b) for a, b in part]
        written = store.write_documents(docs)
        rows: list[int] = []
        chunk_ids: list[int] = []
        names: list[str] = []
        doc_ids: list[int] = []
        for (a, b), doc, (doc_id, new_ids, _) in zip(part, docs, written, strict=True):
            rows += range(a, b)
            chunk_ids += new_ids
            names += [doc.collection] * len(new_ids)
            doc_ids += [doc_id] * len(new_ids)
        index.add(chunk_ids, corpus.vectors[rows], names, doc_ids)
        for doc_id, _, _ in written:
            store.mark_indexed(doc_id)
        ids.update(zip(rows, chunk_ids, strict=True))
    return ids


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the ``k`` most cosine-similar vectors to each query (unit vectors)."""
    scores = queries @ vectors.T
    k = min(k, vectors.shape[0])
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(scores, best, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(best, order, axis=1)


def recall_at_k(found: Sequence[Sequence[int]], exact: np.ndarray) -> float:
    """The mean share of each exact top-k that the search found."""
    if not len(found):
        return 0.0
    hits = [len(set(got) & set(want.tolist())) / len(want)
            for got, want in zip(found, exact, strict=True)]
    return float(np.mean(hits))


def near_queries(vectors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Unit query vectors close to (not at) randomly chosen stored vectors."""
    rows = rng.integers(len(vectors), size=count)
    noise = rng.standard_normal((count, vectors.shape[1])) * (0.3 / np.sqrt(vectors.shape[1]))
    queries: np.ndarray = vectors[rows] + noise
    unit: np.ndarray = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    return unit.astype(np.float32)


class _Stopwatch:
    """Wraps the retriever's parts and records how long each call took (milliseconds)."""

    def __init__(self) -> None:
        self.spans: dict[str, list[float]] = {}

    def wrap(self, name: str, call: Callable[..., object]) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.spans.setdefault(name, []).append((time.perf_counter() - started) * 1e3)
        return timed


def stage_profile(retriever: HybridRetriever,
                  queries: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Median and 95th-percentile milliseconds of each stage of ``retriever.search`` over
    ``queries``; "rest" (fusion, building the hits) is what a search took beyond its stages."""
    watch = _Stopwatch()
    parts = {"embed": (retriever.embedder, "embed"), "dense": (retriever.index, "query"),
             "bm25": (retriever.store, "lexical_search"), "fetch": (retriever.store, "chunks")}
    for name, (owner, attribute) in parts.items():
        setattr(owner, attribute, watch.wrap(name, getattr(owner, attribute)))
    rest = []
    try:
        for query in queries:
            before = sum(sum(values) for values in watch.spans.values())
            started = time.perf_counter()
            retriever.search(query)
            total = (time.perf_counter() - started) * 1e3
            rest.append(total - (sum(sum(values) for values in watch.spans.values()) - before))
    finally:
        for owner, attribute in parts.values():
            delattr(owner, attribute)
    watch.spans["rest"] = rest
    return {name: (median(values), percentile(values, 95))
            for name, values in watch.spans.items()}


@dataclass
class Library:
    """One size's store, vector index and retriever; ``ids[row]`` is corpus row's chunk id."""

    size: int
    store: Store
    index: VectorStore
    retriever: HybridRetriever
    ids: np.ndarray


def build_library(folder: Path, corpus: Corpus, size: int, embedder: Embedder) -> Library:
    """The first ``size`` chunks of ``corpus`` in a new store and index under ``folder``."""
    store = Store(folder / "store.sqlite3")
    index = open_vector_store(folder / "vectors", embedder_id=embedder.model_id,
                              dimension=embedder.dimension)
    rows = grow(store, index, corpus, 0, size)
    ids = np.array([rows[row] for row in range(size)])
    return Library(size, store, index, HybridRetriever(store, index, embedder), ids)


def timed_searches(libraries: Sequence[Library], queries: Sequence[str]) -> dict[int, list[float]]:
    """Milliseconds of each hybrid search, size by size; the sizes take turns on each query
    (order flipped every other one), so drifts in machine load hit them alike."""
    def side(library: Library) -> Callable[[], float]:
        turn = iter(range(len(queries)))

        def search() -> float:
            return timed(lambda: library.retriever.search(queries[next(turn)])) * 1e3
        return search

    values = alternate({str(lib.size): side(lib) for lib in libraries}, len(queries))
    return {int(size): times for size, times in values.items()}


def lexical_agreement(library: Library, queries: Sequence[str]) -> tuple[float, float]:
    """How much of exact BM25's top 10 the store's keyword search returns (mean share), and
    exact BM25's median milliseconds, on the same file."""
    exact = Store(library.store.path, bm25_prune_from=None)
    try:
        shares, times = [], []
        for query in queries:
            got = [i for i, _ in library.store.lexical_search(query, None, 40)[:10]]
            started = time.perf_counter()
            want = [i for i, _ in exact.lexical_search(query, None, 40)[:10]]
            times.append((time.perf_counter() - started) * 1e3)
            shares.append(len(set(got) & set(want)) / len(want) if want else 1.0)
    finally:
        exact.close()
    return float(np.mean(shares)), median(times)


def _label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def measure_retrieval(work_dir: Path, embedder: Embedder, *, sizes: Sequence[int] = SIZES,
                      queries: int = 200, recall_queries: int = 200,
                      log: Callable[[str], None] = lambda _: None) -> SectionResult:
    """Build a library of each size, then time hybrid searches (sizes in turn), profile their
    stages and measure dense recall."""
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    vocabulary = make_vocabulary(library_words(library_dir()), rng)
    centres = embedder.embed([topic_text(vocabulary, t) for t in range(TOPICS)])
    corpus = make_corpus(max(sizes), vocabulary, centres)
    asked = questions(vocabulary, queries, rng)
    figures: dict[str, Figure] = {
        "retrieval_corpus_seconds": round(time.perf_counter() - started, 1),
        "retrieval_load_average_before": round(os.getloadavg()[0], 2)}
    libraries: list[Library] = []
    try:
        for size in sorted(sizes):
            started = time.perf_counter()
            libraries.append(build_library(work_dir / f"retrieval-{size}", corpus, size, embedder))
            seconds = figures[f"retrieval_build_seconds_{_label(size)}"] = round(
                time.perf_counter() - started, 1)
            log(f"retrieval: {size} chunks built in {seconds} s")
        for library in libraries:  # warm-up: load the model, the index and the pages
            for query in asked[:10]:
                library.retriever.search(query)
        times = timed_searches(libraries, asked)
        sample = asked[: max(1, len(asked) // 4)]
        for library in libraries:
            label, values = _label(library.size), times[library.size]
            figures[f"retrieval_p50_ms_{label}"] = round(median(values), 2)
            figures[f"retrieval_p95_ms_{label}"] = round(percentile(values, 95), 2)
            for stage, (p50, p95) in stage_profile(library.retriever, sample).items():
                figures[f"retrieval_stage_ms_{stage}_{label}"] = round(p50, 2)
                figures[f"retrieval_stage_p95_ms_{stage}_{label}"] = round(p95, 2)
            figures[f"dense_recall_at_10_{label}"] = round(
                dense_recall(library, corpus.vectors[:library.size], recall_queries, rng), 4)
            log(f"retrieval: {library.size} chunks p50 {figures[f'retrieval_p50_ms_{label}']}"
                f" ms, p95 {figures[f'retrieval_p95_ms_{label}']} ms, "
                f"recall {figures[f'dense_recall_at_10_{label}']}")
        largest = libraries[-1]
        agreement, exact_ms = lexical_agreement(largest, sample)
        figures[f"bm25_top10_agreement_{_label(largest.size)}"] = round(agreement, 4)
        figures[f"bm25_exact_p50_ms_{_label(largest.size)}"] = round(exact_ms, 2)
    finally:
        for library in libraries:
            library.store.close()
            library.index.close()
    figures["retrieval_load_average_after"] = round(os.getloadavg()[0], 2)
    p95_by_size = {lib.size: float(figures[f"retrieval_p95_ms_{_label(lib.size)}"] or 0)
                   for lib in libraries}
    return _result(figures, sorted(sizes), p95_by_size)


def dense_recall(library: Library, vectors: np.ndarray, count: int,
                 rng: np.random.Generator) -> float:
    """Recall@10 of the index against exact numpy search, for queries near stored vectors."""
    queries = near_queries(vectors, count, rng)
    exact = library.ids[exact_top_k(vectors, queries, RECALL_K)]
    found = [[chunk_id for chunk_id, _ in library.index.query(query, RECALL_K)]
             for query in queries]
    return recall_at_k(found, exact)


def _result(figures: dict[str, Figure], sizes: list[int], p95: dict[int, float]) -> SectionResult:
    labels = [_label(size) for size in sizes]
    largest, label = sizes[-1], labels[-1]
    result = SectionResult(figures=figures)
    measured = ", ".join(f"{lb}: p50 {figures[f'retrieval_p50_ms_{lb}']} / p95 "
                         f"{figures[f'retrieval_p95_ms_{lb}']} ms" for lb in labels)
    result.rows.append(Row("5", "hybrid query (embed + dense + BM25 + fuse)", measured,
                           f"p95 ≤ {TARGET_P95_MS:g} ms at {label}",
                           p95[largest] <= TARGET_P95_MS))
    if len(sizes) > 1:
        previous = sizes[-2]
        growth = ratio(p95[largest], p95[previous])
        figures[f"retrieval_growth_{labels[-2]}_{label}"] = growth
        result.rows.append(Row("5b", f"p95 growth {labels[-2]} → {label}", f"×{growth}",
                               f"≤ {TARGET_GROWTH:g}", growth <= TARGET_GROWTH))
    recall = figures[f"dense_recall_at_10_{label}"]
    figures["dense_recall_at_10"] = recall
    result.rows.append(Row("5c", f"dense recall@10 at {label} vs exact numpy", f"{recall}",
                           f"≥ {TARGET_RECALL:g}", float(recall or 0) >= TARGET_RECALL))
    stages = [key[len("retrieval_stage_ms_"):-len(label) - 1] for key in figures
              if key.startswith("retrieval_stage_ms_") and key.endswith(f"_{label}")]
    note = ", ".join(f"{stage} {figures[f'retrieval_stage_ms_{stage}_{label}']} "
                     f"({figures[f'retrieval_stage_p95_ms_{stage}_{label}']})"
                     for stage in stages)
    result.rows.append(Row("5d", f"per stage at {label}: p50 (p95) ms", note, "–"))
    agreement = figures.get(f"bm25_top10_agreement_{label}")
    if agreement is not None:
        result.rows.append(Row(
            "5e", f"keyword search at {label}: top-10 shared with exact BM25",
            f"{agreement}", "–",
            note=f"exact BM25 alone: p50 {figures[f'bm25_exact_p50_ms_{label}']} ms"))
    return result


def run(ctx: BenchContext) -> SectionResult:
    """The retrieval section: 1k, 10k and 100k chunks, 200 queries each (60 with --quick),
    with the embedder the app uses."""
    from assistant.bench.embedder_bench import app_embedder

    embedder = app_embedder(ctx)
    result = measure_retrieval(ctx.work_dir, embedder, queries=ctx.reps(200, 60),
                               recall_queries=ctx.reps(200, 100), log=ctx.log)
    result.figures["embedder_backend"] = embedder.backend
    return result
