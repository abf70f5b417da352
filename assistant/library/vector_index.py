"""The dense vector index: a chroma ``PersistentClient`` collection, derived from SQLite.

Only our own embeddings are ever passed in (chroma's default embedding function would
download a model), telemetry is off, and distances are cosine.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StoreError
from assistant.library.scoping import kept_within, overfetch

COLLECTION = "chunks"
# HNSW search breadth: chroma's default (100) finds ~97% of the true 10 nearest among 100k
# chunks; 256 finds over 99% for well under a millisecond more.
EF_SEARCH = 256

# chroma logs a warning whenever n_results exceeds the filtered set; that is expected here.
logging.getLogger("chromadb").setLevel(logging.ERROR)
_log = logging.getLogger(__name__)


_TRACE_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


class _NoTraceExporter:
    """Stands in for OpenTelemetry's OTLP exporter, which Offgrid never starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise StoreError("Offgrid sends no traces: the OTLP exporter is not loaded")


def skip_trace_exporter() -> None:
    """Keep chroma from loading gRPC (12 MB resident, 140 modules) for the OTLP span
    exporter it imports at start-up and builds only when OpenTelemetry tracing is switched
    on, which Offgrid never does (nothing may leave the machine). Before chromadb is
    imported, the exporter's module is one whose exporter refuses to start."""
    if _TRACE_EXPORTER in sys.modules or "chromadb" in sys.modules:
        return  # loaded already: nothing to save
    module = types.ModuleType(_TRACE_EXPORTER)
    module.OTLPSpanExporter = _NoTraceExporter  # type: ignore[attr-defined]
    sys.modules[_TRACE_EXPORTER] = module


def _forget_system(path: Path) -> None:
    """Drop chroma's cached system for ``path`` after it failed to start: chroma caches it
    before starting it, and would hand the broken one to the next client (the rebuild's)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    except (ImportError, AttributeError):  # another chroma version: nothing cached to drop
        pass


class VectorIndex:
    """Chunk vectors keyed by chunk id, each tagged with its collection name."""

    def __init__(self, path: Path, *, embedder_id: str, dimension: int) -> None:
        skip_trace_exporter()
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
            _forget_system(path)
            raise StoreError(f"cannot open the vector index in {path}: {exc}") from exc
        self._max_batch = int(getattr(self._client, "get_max_batch_size", lambda: 5000)())

    def _open_collection(self) -> Any:
        metadata = {"embedder": self.embedder_id, "dimension": self.dimension}
        collection = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
            metadata=metadata,
        )
        stored = collection.metadata or {}
        if stored.get("embedder") != self.embedder_id or stored.get("dimension") != self.dimension:
            # Vectors from another embedding model are meaningless here: start afresh (SQLite
            # still holds the documents; reconciliation refills the index from it).
            self._client.delete_collection(COLLECTION)
            return self._open_collection()
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search", 0) < EF_SEARCH:
            # An index made by an older version: search breadth can change in place (before
            # the first search loads the index); the graph itself stays as it was built.
            try:
                collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
                collection = self._client.get_collection(COLLECTION, embedding_function=None)
            except Exception as exc:  # e.g. busy: searches still work, less wide; retried
                _log.warning("cannot widen the vector search yet: %s", exc)
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
               doc_ids: Sequence[int], *, batch: int | None = None) -> None:
        """Add or replace vectors, ``batch`` per call to chroma (default: its largest).

        chroma holds the GIL for a whole write (it frees it for reads only), so work beside
        a window in this process passes small batches (one call for a 1,000-chunk PDF froze
        the window ~160 ms; 16 at a time, ~36 ms), and the GIL is handed over between two
        calls. The app runs this index in its own process
        (:mod:`~assistant.library.vector_process`), where the largest batches are best.
        """
        self._write("upsert", ids, vectors, collections, doc_ids, batch)

    def add(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
            doc_ids: Sequence[int]) -> None:
        """Add vectors whose ids are not in the index yet (faster than :meth:`upsert`; an id
        already there keeps its old vector)."""
        self._write("add", ids, vectors, collections, doc_ids, None)

    def _write(self, method: str, ids: Sequence[int], vectors: np.ndarray,
               collections: Sequence[str], doc_ids: Sequence[int], batch: int | None) -> None:
        if not len(ids):
            return
        step = max(1, min(batch or self._max_batch, self._max_batch))
        with self._guard("add vectors"):
            write = getattr(self._collection, method)
            for first in range(0, len(ids), step):
                last = first + step
                write(
                    ids=[str(i) for i in ids[first:last]],
                    embeddings=np.asarray(vectors[first:last], dtype=np.float32),
                    metadatas=[
                        {"collection": name, "doc_id": int(doc)}
                        for name, doc in zip(collections[first:last], doc_ids[first:last],
                                             strict=True)
                    ],
                )
                if last < len(ids):
                    time.sleep(0)  # let a thread waiting for the GIL (a window's) have it

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
        if k <= 0 or (collections is not None and not collections):
            return []
        with self._guard("search"):
            if collections is None:
                return self._nearest(vector, k)
            # The nearest of the whole index that lie in the collections are the nearest in
            # them, if there are k of them (or the index holds no more).
            wanted = set(collections)
            nearest = self._nearest_tagged(vector, overfetch(k))
            kept = kept_within(nearest, lambda row: row[2] in wanted, k)
            if kept is not None:
                return [(chunk_id, similarity) for chunk_id, similarity, _ in kept]
            where = ({"collection": collections[0]} if len(collections) == 1
                     else {"collection": {"$in": list(collections)}})
            return self._nearest(vector, k, where)

    def _nearest(self, vector: np.ndarray, k: int,
                 where: dict[str, Any] | None = None) -> list[tuple[int, float]]:
        result = self._search(vector, k, where, ["distances"])
        return [(int(i), 1.0 - float(d))
                for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def _nearest_tagged(self, vector: np.ndarray, k: int) -> list[tuple[int, float, str]]:
        """Nearest chunks with their collection names."""
        result = self._search(vector, k, None, ["distances", "metadatas"])
        return [(int(i), 1.0 - float(d), str((meta or {}).get("collection")))
                for i, d, meta in zip(result["ids"][0], result["distances"][0],
                                      result["metadatas"][0], strict=True)]

    def _search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None,
                include: list[str]) -> Any:
        return self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,  # chroma returns fewer when the index holds fewer
            where=where,
            include=include,
        )

    def close(self) -> None:
        """Let go of the files (chroma keeps one system per directory until the last close)."""
        with self._lock:
            close = getattr(self._client, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as exc:  # closing a damaged index must not stop a repair
                    _log.warning("closing the vector index: %s", exc)

    def reset(self) -> None:
        """Drop every vector (the index is rebuilt from SQLite afterwards)."""
        with self._guard("reset"):
            self._client.delete_collection(COLLECTION)
            self._collection = self._open_collection()
