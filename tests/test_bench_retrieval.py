"""Row 5 of the bench (retrieval at scale) and the speed-ups it drove: the synthetic corpus,
recall, keyword search that scores fewer rows in a large index, bulk writes, and the
vector index's search breadth and collection filter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.bench import retrieval_bench as rb
from assistant.bench import synthetic_corpus as sc
from assistant.library.documents import Chunk
from assistant.library.records import NewDocument
from assistant.library.store import Store
from assistant.library.vector_index import EF_SEARCH, VectorIndex
from assistant.text.keywords import any_of, query_words, two_of
from tests.fakes import HashEmbedder

# -- pure pieces ----------------------------------------------------------------------------


def test_keyword_expressions() -> None:
    assert query_words("What is the hashprice of a Bitcoin, the hashprice?") == [
        "hashprice", "bitcoin"]
    assert any_of(["a", "b"]) == '"a" OR "b"'
    assert any_of([]) is None
    assert two_of(["a", "b", "c"]) == '("a" AND "b") OR ("a" AND "c") OR ("b" AND "c")'
    assert two_of(["a"]) is None


def test_document_spans_cut_at_document_boundaries_and_sizes() -> None:
    assert sc.document_spans(0, 45, 20) == [(0, 20), (20, 40), (40, 45)]
    assert sc.document_spans(30, 60, 20) == [(30, 40), (40, 60)]
    assert sc.document_spans(5, 5, 20) == []


def test_exact_top_k_and_recall() -> None:
    vectors = np.eye(4, dtype=np.float32)
    queries = np.array([[0.9, 0.1, 0.0, 0.0], [0.0, 0.0, 0.2, 0.8]], dtype=np.float32)
    top = rb.exact_top_k(vectors, queries, 2)
    assert top.tolist() == [[0, 1], [3, 2]]
    assert rb.recall_at_k([[0, 1], [3, 0]], top) == pytest.approx(0.75)
    assert rb.recall_at_k([], top[:0]) == 0.0


def test_synthetic_corpus_is_deterministic_and_clustered() -> None:
    def corpus() -> sc.Corpus:
        rng = np.random.default_rng(1)
        vocabulary = sc.make_vocabulary(["alpha", "beta", "gamma", "delta"] * 1, rng, tail=500)
        centres = HashEmbedder(32).embed([sc.topic_text(vocabulary, t) for t in range(sc.TOPICS)])
        return sc.make_corpus(60, vocabulary, centres, seed=3)

    first, second = corpus(), corpus()
    assert first.texts == second.texts and np.array_equal(first.vectors, second.vectors)
    assert len(first.texts) == 60 and first.vectors.shape == (60, 32)
    assert np.allclose(np.linalg.norm(first.vectors, axis=1), 1.0, atol=1e-5)
    same_document = float(first.vectors[0] @ first.vectors[1])
    other_topic = next(i for i in range(20, 60)
                       if first.topic_of_chunk[i] != first.topic_of_chunk[0])
    assert same_document > float(first.vectors[0] @ first.vectors[other_topic])


# -- the store ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> sc.Corpus:
    rng = np.random.default_rng(sc.SEED)
    vocabulary = sc.make_vocabulary(sc.library_words(rb.library_dir()), rng, tail=300)
    centres = HashEmbedder(16).embed([sc.topic_text(vocabulary, t) for t in range(sc.TOPICS)])
    return sc.make_corpus(600, vocabulary, centres)


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory, corpus: sc.Corpus) -> Path:
    path = tmp_path_factory.mktemp("bm25") / "store.sqlite3"
    store = Store(path)
    store.write_documents([sc.new_document(corpus, a, b) for a, b in sc.document_spans(0, 600)])
    store.close()
    return path


def _questions(count: int) -> list[str]:
    rng = np.random.default_rng(11)
    vocabulary = sc.make_vocabulary(sc.library_words(rb.library_dir()), np.random.default_rng(
        sc.SEED), tail=300)
    return sc.questions(vocabulary, count, rng)


def test_pruned_keyword_search_scores_exactly_and_agrees_with_exact_bm25(
        filled_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.library.lexical.COMMON_SHARE", 0.6)  # few words are common here
    pruned, exact = Store(filled_store, bm25_prune_from=1), Store(filled_store,
                                                                  bm25_prune_from=None)
    shared = []
    for question in _questions(30):
        got, want = pruned.lexical_search(question, None, 5), exact.lexical_search(
            question, None, 5)
        assert len(got) == len(want)
        scores = dict(want)
        for chunk_id, score in got:  # a row both return has the same (full question) score
            if chunk_id in scores:
                assert score == pytest.approx(scores[chunk_id])
        shared.append(len({i for i, _ in got} & set(scores)) / len(want))
    assert np.mean(shared) >= 0.9
    # one word, or too few rows with two words: every match is scored
    assert pruned.lexical_search("bitcoin", None, 10) == exact.lexical_search("bitcoin", None, 10)
    rare = "What is coalition zzzunknown?"
    assert pruned.lexical_search(rare, None, 10) == exact.lexical_search(rare, None, 10)


def test_keyword_search_within_collections(filled_store: Path) -> None:
    store = Store(filled_store)
    inside = {r[0] for r in store._db.execute(
        "SELECT k.id FROM chunks k JOIN documents d ON d.id = k.doc_id "
        "JOIN collections c ON c.id = d.collection_id WHERE c.name = 'Notes'")}
    for question in _questions(10):
        everything = store.lexical_search(question, None, 1000)
        expected = [pair for pair in everything if pair[0] in inside][:5]
        assert store.lexical_search(question, ["Notes"], 5) == expected
    assert store.lexical_search("bitcoin", [], 5) == []
    assert store.lexical_search("bitcoin", ["no such collection"], 5) == []


def _doc(path: str, texts: list[str], collection: str = "c") -> NewDocument:
    chunks = [Chunk(i, t, 0, len(t)) for i, t in enumerate(texts)]
    return NewDocument(collection, path, path, "text", "x", 1, None, 1, " ".join(texts), chunks,
                       np.ones((len(texts), 4), dtype=np.float32))


def test_mentions_agrees_with_keyword_search(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.write_documents([_doc("a", ["Lichens grow on rocks."], "Notes"),
                           _doc("b", ["Mining pools share rewards."], "Papers")])
    for text, collections, expected in [
            ("lichens", None, True), ("Do pools exist?", ["Papers"], True),
            ("lichens", ["Papers"], False), ("lichens", ["Papers", "Notes"], True),
            ("zzqx", None, False), ("the of", None, False), ("lichens", [], False)]:
        assert store.mentions(text, collections) is expected, (text, collections)
        assert bool(store.lexical_search(text, collections, 1)) is expected


def test_write_documents_returns_ids_and_replaces(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    written = store.write_documents([_doc("a", ["one", "two"]), _doc("b", ["three"])])
    assert [len(new) for _, new, _ in written] == [2, 1]
    assert sorted(store.all_chunk_ids()) == sorted(written[0][1] + written[1][1])
    _, new, old = store.write_document(_doc("a", ["four"]))
    assert old == written[0][1] and store.chunks(new)[new[0]].text == "four"
    assert store.chunk_count() == 2


# -- the vector index -----------------------------------------------------------------------


def test_an_old_index_gets_the_wider_search_and_keeps_its_vectors(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(tmp_path), settings=Settings(
        anonymized_telemetry=False, allow_reset=True))
    old = client.get_or_create_collection(
        "chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedder": "e", "dimension": 4})
    old.add(ids=["7"], embeddings=np.eye(4, dtype=np.float32)[:1],
            metadatas=[{"collection": "c", "doc_id": 1}])
    assert old.configuration["hnsw"]["ef_search"] < EF_SEARCH
    del client, old
    chromadb.api.client.SharedSystemClient.clear_system_cache()  # as if in an earlier run

    index = VectorIndex(tmp_path, embedder_id="e", dimension=4)
    assert index._collection.configuration["hnsw"]["ef_search"] == EF_SEARCH
    assert index.query(np.eye(4, dtype=np.float32)[0], 3) == [(7, pytest.approx(1.0))]


def test_an_old_index_opens_even_if_it_cannot_be_widened(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from chromadb.api.models.Collection import Collection

    VectorIndex(tmp_path, embedder_id="e", dimension=4)
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()
    monkeypatch.setattr("assistant.library.vector_index.EF_SEARCH", EF_SEARCH + 1)

    def busy(self, **_: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(Collection, "modify", busy)
    index = VectorIndex(tmp_path, embedder_id="e", dimension=4)
    index.add([1], np.eye(4, dtype=np.float32)[:1], ["c"], [1])
    assert index.query(np.eye(4, dtype=np.float32)[0], 3) == [(1, pytest.approx(1.0))]
    assert index._collection.configuration["hnsw"]["ef_search"] == EF_SEARCH


def test_vector_search_within_collections(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((300, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    names = ["big"] * 290 + ["small"] * 10
    index = VectorIndex(tmp_path, embedder_id="e", dimension=8)
    index.add(list(range(1, 301)), vectors, names, [1] * 300)
    query = vectors[0]
    order = np.argsort(-(vectors @ query)) + 1
    assert [i for i, _ in index.query(query, 5, ["big"])] == [i for i in order if i <= 290][:5]
    # "small" is rare among the nearest: found by chroma's own filter
    assert [i for i, _ in index.query(query, 5, ["small"])] == [i for i in order if i > 290][:5]
    assert index.query(query, 5, []) == [] and index.query(query, 0) == []
    assert len(index.query(query, 1000)) == 300  # more than it holds: all of them


# -- the bench section ----------------------------------------------------------------------


@pytest.mark.integration
def test_bench_section_runs_on_small_corpora(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    result = rb.measure_retrieval(tmp_path, real_embedder, sizes=(200, 600), queries=12,
                                  recall_queries=20)
    figures = result.figures
    for label in ("200", "600"):
        assert 0 < figures[f"retrieval_p50_ms_{label}"] <= figures[f"retrieval_p95_ms_{label}"]
        assert figures[f"retrieval_stage_ms_embed_{label}"] > 0
        assert figures[f"dense_recall_at_10_{label}"] >= 0.9
    assert figures["retrieval_growth_200_600"] == pytest.approx(
        figures["retrieval_p95_ms_600"] / figures["retrieval_p95_ms_200"], abs=1e-3)
    assert figures["dense_recall_at_10"] == figures["dense_recall_at_10_600"]
    assert figures["bm25_top10_agreement_600"] == 1.0  # small: keyword search is exact
    assert [row.number for row in result.rows] == ["5", "5b", "5c", "5d", "5e"]
    assert result.rows[2].met is True
