"""The dense vector index: a chroma ``PersistentClient`` collection, derived from SQLite.

Only our own embeddings are ever passed in (chroma's default embedding function would
download a model), telemetry is off, and distances are cosine.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StoreError

COLLECTION = "chunks"

# chroma logs a warning whenever n_results exceeds the filtered set; that is expected here.
logging.getLogger("chromadb").setLevel(logging.ERROR)


class VectorIndex:
    """Chunk vectors keyed by chunk id, each tagged with its collection name."""

    def __init__(self, path: Path, *, embedder_id: str, dimension: int) -> None:
        import chromadb
        from chromadb.config import Settings

        self.path = path
        self.embedder_id = embedder_id
        self.dimension = dimension
        self._lock = threading.RLock()
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(
                path=str(path),
                settings=Settings(anonymized_telemetry=False, allow_reset=True),
            )
            self._collection = self._open_collection()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the vector index in {path}: {exc}") from exc
        self._max_batch = int(getattr(self._client, "get_max_batch_size", lambda: 5000)())

    def _open_collection(self) -> Any:
        metadata = {"embedder": self.embedder_id, "dimension": self.dimension}
        collection = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata=metadata,
        )
        stored = collection.metadata or {}
        if stored.get("embedder") != self.embedder_id or stored.get("dimension") != self.dimension:
            # Vectors from another embedding model are meaningless here: start afresh (SQLite
            # still holds the documents; reconciliation refills the index from it).
            self._client.delete_collection(COLLECTION)
            return self._open_collection()
        return collection

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Hold the lock and turn chroma's exceptions into :class:`StoreError`."""
        with self._lock:
            try:
                yield
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(f"vector index: cannot {action}: {exc}") from exc

    def count(self) -> int:
        """How many vectors the index holds."""
        with self._guard("count vectors"):
            return int(self._collection.count())

    def ids(self) -> set[int]:
        """Every chunk id in the index."""
        with self._guard("list vectors"):
            result = self._collection.get(include=[])
        return {int(i) for i in result["ids"]}

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
               doc_ids: Sequence[int]) -> None:
        """Add or replace vectors."""
        if not len(ids):
            return
        with self._guard("add vectors"):
            for first in range(0, len(ids), self._max_batch):
                last = first + self._max_batch
                self._collection.upsert(
                    ids=[str(i) for i in ids[first:last]],
                    embeddings=np.asarray(vectors[first:last], dtype=np.float32),
                    metadatas=[
                        {"collection": name, "doc_id": int(doc)}
                        for name, doc in zip(collections[first:last], doc_ids[first:last],
                                             strict=True)
                    ],
                )

    def delete(self, ids: Sequence[int]) -> None:
        """Remove vectors (ids that are not there are ignored)."""
        if not ids:
            return
        with self._guard("delete vectors"):
            for first in range(0, len(ids), self._max_batch):
                self._collection.delete(ids=[str(i) for i in ids[first:first + self._max_batch]])

    def query(self, vector: np.ndarray, k: int,
              collections: Sequence[str] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks: ``(chunk_id, cosine similarity)``, most similar first."""
        with self._guard("search"):
            total = self._collection.count()
            if total == 0 or k <= 0:
                return []
            where: dict[str, Any] | None = None
            if collections is not None:
                if not collections:
                    return []
                where = ({"collection": collections[0]} if len(collections) == 1
                         else {"collection": {"$in": list(collections)}})
            result = self._collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=min(k, total),
                where=where,
                include=["distances"],
            )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(int(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def reset(self) -> None:
        """Drop every vector (the index is rebuilt from SQLite afterwards)."""
        with self._guard("reset"):
            self._client.delete_collection(COLLECTION)
            self._collection = self._open_collection()
