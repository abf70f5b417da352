"""Hybrid retrieval: dense (chroma) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.engines.embedding import Embedder
from assistant.library.documents import Hit
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore
from assistant.text.sentences import continues, is_heading, sentence_spans

RRF_K = 60
# How far back to look for the sentence a passage starting mid-thought leans on.
LEAD_IN_CHARS = 600


def fuse_rankings(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: ``sum(1 / (k + rank))`` over the lists, best first.

    Scores are divided by the best possible score (first in every list), so they fall in
    (0, 1]. Ties keep the order in which ids were first seen.
    """
    if not rankings:
        return []
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1)
    order = sorted(scores.items(), key=lambda pair: -pair[1])
    return [(item, score / best) for item, score in order]


@dataclass(frozen=True)
class RetrievalParams:
    """How many candidates each ranking contributes before fusion."""

    candidates: int = 40
    rrf_k: int = RRF_K


class HybridRetriever:
    """Searches the store (BM25) and the vector index (dense) and fuses the two."""

    def __init__(self, store: Store, index: VectorStore, embedder: Embedder,
                 params: RetrievalParams | None = None) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.params = params or RetrievalParams()

    def search(self, query: str, *, k: int = 5,
               collections: Sequence[str] | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``, optionally within some collections."""
        if not query.strip() or k <= 0:
            return []
        wanted = max(k, self.params.candidates)
        vector = self.embedder.embed([query])[0]
        dense = self.index.query(vector, wanted, collections)
        lexical = self.store.lexical_search(query, collections, wanted)
        dense_ids = [chunk_id for chunk_id, _ in dense]
        lexical_ids = [chunk_id for chunk_id, _ in lexical]
        fused = fuse_rankings([dense_ids, lexical_ids], self.params.rrf_k)
        records = self.store.chunks([chunk_id for chunk_id, _ in fused[: k * 2]])
        similarity = dict(dense)
        dense_rank = {chunk_id: rank for rank, chunk_id in enumerate(dense_ids, start=1)}
        lexical_rank = {chunk_id: rank for rank, chunk_id in enumerate(lexical_ids, start=1)}
        hits: list[Hit] = []
        for chunk_id, score in fused:
            record = records.get(chunk_id)
            if record is None:  # a vector whose chunk is gone; reconciliation removes it
                continue
            hits.append(Hit(
                chunk_id=record.id, doc_id=record.doc_id, score=round(score, 4),
                title=record.title, path=record.path, collection=record.collection,
                page=record.page, heading=record.heading, start=record.start, end=record.end,
                text=record.text,
                similarity=(round(similarity[chunk_id], 4) if chunk_id in similarity else None),
                lexical_rank=lexical_rank.get(chunk_id), dense_rank=dense_rank.get(chunk_id),
            ))
            if len(hits) == k:
                break
        return [self._with_lead_in(hit) for hit in hits]

    def _with_lead_in(self, hit: Hit) -> Hit:
        """``hit`` with the sentence before it when it starts by leaning on that sentence."""
        spans = sentence_spans(hit.text)
        if not spans or not continues(hit.text[slice(*spans[0])]):
            return hit
        window = max(0, hit.start - LEAD_IN_CHARS)  # only the text just before is read
        before = self.store.document_text(hit.doc_id, window, hit.start) or ""
        start = lead_in(before, whole=window == 0)
        if start is None:
            return hit
        return replace(hit, start=window + start, text=before[start:] + hit.text)


def lead_in(before: str, *, whole: bool = True) -> int | None:
    """Where the last sentence of ``before`` (the text up to a passage) starts, if it ends a
    sentence on the passage's line (the same paragraph); else ``None``. Unless ``before`` is
    ``whole`` (it starts where the document does), its first sentence may begin further
    back, so it is never the one given."""
    spans = sentence_spans(before)
    if not spans or (len(spans) < 2 and not whole):
        return None
    first, last = spans[-1]
    if "\n" in before[last:] or not before[first:last].rstrip("\"')]").endswith(
            (".", "!", "?")) or is_heading(before[first:last]):
        return None
    return first
