"""Keep the derived vector index in step with SQLite, repairing or rebuilding it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.embedding import Embedder
from assistant.store import Store
from assistant.vector_index import VectorIndex


@dataclass(frozen=True)
class SyncReport:
    """What a reconciliation changed in the vector index."""

    added: int = 0
    removed: int = 0


def copy_vectors(store: Store, index: VectorIndex, chunk_ids: Sequence[int] | None = None) -> int:
    """Upsert stored embeddings (all, or some chunks) into the index; return how many."""
    copied = 0
    for ids, vectors, collections, doc_ids in store.iter_vectors(chunk_ids):
        index.upsert(ids, vectors, collections, doc_ids)
        copied += len(ids)
    return copied


def reconcile(store: Store, index: VectorIndex) -> SyncReport:
    """Repair the index after an interruption: add missing vectors, drop orphaned ones."""
    added = removed = 0
    pending = store.unindexed_documents()
    if pending:
        added += copy_vectors(store, index, store.chunk_ids_of(pending))
        for doc_id in pending:
            store.mark_indexed(doc_id)
    if index.count() != store.chunk_count():
        in_index, in_store = index.ids(), store.all_chunk_ids()
        orphans = sorted(in_index - in_store)
        missing = sorted(in_store - in_index)
        index.delete(orphans)
        removed += len(orphans)
        added += copy_vectors(store, index, missing)
    return SyncReport(added=added, removed=removed)


EMBEDDER_KEY = "embedder"


def reembed_if_model_changed(store: Store, index: VectorIndex, embedder: Embedder) -> int:
    """Re-embed every stored chunk when the embedding model differs from the one that made
    the stored vectors (old vectors are meaningless to a new model); returns how many."""
    current = f"{embedder.model_id}:{embedder.dimension}"
    previous = store.get_meta(EMBEDDER_KEY)
    if previous == current:
        return 0
    count = 0
    if previous is not None:
        for batch in store.iter_chunk_texts():
            ids = [chunk_id for chunk_id, _ in batch]
            store.set_embeddings(ids, embedder.embed([text for _, text in batch]))
            count += len(ids)
        rebuild(store, index)
    store.set_meta(EMBEDDER_KEY, current)
    return count


def rebuild(store: Store, index: VectorIndex) -> int:
    """Drop the vector index and rebuild it from the embeddings stored in SQLite."""
    index.reset()
    copied = copy_vectors(store, index)
    for doc_id in store.unindexed_documents():
        store.mark_indexed(doc_id)
    return copied
