"""Keep the derived vector index in step with SQLite, repairing or rebuilding it."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.engines.embedding import Embedder
from assistant.errors import StoreError
from assistant.library import index_probe
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore, open_vector_store

_log = logging.getLogger(__name__)
EMBEDDER_KEY = "embedder"
# Stored vectors looked up at start-up: each must find itself, or the index is rebuilt.
HEALTH_SAMPLE = 8
SELF_SIMILARITY = 0.99
MISSING = "the vector index is missing"


@dataclass(frozen=True)
class SyncReport:
    """What a reconciliation changed in the vector index (``rebuilt``: why it was rebuilt)."""

    added: int = 0
    removed: int = 0
    rebuilt: str | None = None


def index_problem(store: Store, index: VectorStore) -> str | None:
    """Why the index cannot be trusted, or None. A few stored vectors of indexed documents,
    spread over the library, must each be their own nearest neighbour in the index."""
    unindexed = set(store.chunk_ids_of(store.unindexed_documents()))
    ids = sorted(store.all_chunk_ids() - unindexed)
    if not ids:
        return None
    if index.count() == 0:
        return MISSING
    step = max(1, len(ids) // HEALTH_SAMPLE)
    for chunk_ids, vectors, _, _ in store.iter_vectors(ids[::step][:HEALTH_SAMPLE]):
        for chunk_id, vector in zip(chunk_ids, vectors, strict=True):
            nearest = index.query(vector, 1)
            if not nearest or nearest[0][1] < SELF_SIMILARITY:
                return f"passage {chunk_id} is no longer found by its own vector"
    return None


def open_index(store: Store, path: Path, embedder: Embedder) -> tuple[VectorStore, SyncReport]:
    """Open the vector index, checked; one that cannot be opened or read, or that no longer
    finds what it holds, is moved aside and rebuilt from the vectors SQLite keeps.

    Not checked when the stored vectors come from another embedding model: those are all
    embedded again and the index rebuilt (:func:`reembed_if_model_changed`).
    """
    embedder_id, dimension = embedder.model_id, embedder.dimension
    index: VectorStore | None = None
    problem = None
    if path.is_dir() and not index_probe.is_sealed(path):
        problem = index_probe.probe(path)  # not as we left it: read it where a crash is safe
    index_probe.unseal(path)
    if problem is None:
        try:
            index = open_vector_store(path, embedder_id=embedder_id, dimension=dimension)
            same_model = store.get_meta(EMBEDDER_KEY) in (None, embedder_key(embedder))
            problem = index_problem(store, index) if same_model else None
        except StoreError as exc:
            problem = str(exc)
    if problem is None and index is not None:
        return index, SyncReport()
    if index is not None:
        index.close()
    _log.info("rebuilding the vector index: %s", problem)
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for older in path.parent.glob(f"{path.name}.damaged-*"):
        shutil.rmtree(older, ignore_errors=True)  # keep only the latest damaged index
    if problem == MISSING:
        shutil.rmtree(path, ignore_errors=True)  # an empty index: nothing worth keeping
    elif path.exists():
        path.rename(aside)
    index = open_vector_store(path, embedder_id=embedder_id, dimension=dimension)
    copied = rebuild(store, index)
    kept = f"; the old one is kept as {aside.name}" if aside.exists() else ""
    return index, SyncReport(added=copied, rebuilt=f"{problem}{kept}")


def copy_vectors(store: Store, index: VectorStore, chunk_ids: Sequence[int] | None = None) -> int:
    """Upsert stored embeddings (all, or some chunks) into the index; return how many."""
    copied = 0
    for ids, vectors, collections, doc_ids in store.iter_vectors(chunk_ids):
        index.upsert(ids, vectors, collections, doc_ids)
        copied += len(ids)
    return copied


def reconcile(store: Store, index: VectorStore) -> SyncReport:
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


def embedder_key(embedder: Embedder) -> str:
    """What the store records of the model that made its vectors."""
    return f"{embedder.model_id}:{embedder.dimension}"


def reembed_if_model_changed(store: Store, index: VectorStore, embedder: Embedder) -> int:
    """Re-embed every stored chunk when the embedding model differs from the one that made
    the stored vectors (old vectors are meaningless to a new model); returns how many."""
    current = embedder_key(embedder)
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


def rebuild(store: Store, index: VectorStore) -> int:
    """Drop the vector index and rebuild it from the embeddings stored in SQLite."""
    index.reset()
    copied = copy_vectors(store, index)
    for doc_id in store.unindexed_documents():
        store.mark_indexed(doc_id)
    return copied
