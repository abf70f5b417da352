"""What the library needs of a vector index, and which one the app opens.

:class:`VectorStore` is the protocol both indexes satisfy: the in-process
:class:`~assistant.library.vector_index.VectorIndex` (chroma in this process) and
:class:`~assistant.library.vector_process.ProcessVectorIndex` (chroma in a child process, so
that its writes, which hold the GIL, never stall the window). :func:`open_vector_store` opens
the process-backed one unless ``OFFGRID_VECTOR_PROCESS=0`` is set (an escape hatch: the
in-process index, as before).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

PROCESS_SWITCH = "OFFGRID_VECTOR_PROCESS"


class VectorStore(Protocol):
    """Chunk vectors keyed by chunk id, each tagged with its collection name."""

    path: Path
    embedder_id: str
    dimension: int

    def count(self) -> int:
        """How many vectors the index holds."""
        ...

    def ids(self) -> set[int]:
        """Every chunk id in the index."""
        ...

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
               doc_ids: Sequence[int], *, batch: int | None = None) -> None:
        """Add or replace vectors (``batch``: at most this many per write, if it matters)."""
        ...

    def add(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
            doc_ids: Sequence[int]) -> None:
        """Add vectors whose ids are not in the index yet."""
        ...

    def delete(self, ids: Sequence[int]) -> None:
        """Remove vectors (ids that are not there are ignored)."""
        ...

    def query(self, vector: np.ndarray, k: int,
              collections: Sequence[str] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks: ``(chunk_id, cosine similarity)``, most similar first."""
        ...

    def close(self) -> None:
        """Let go of the index."""
        ...

    def reset(self) -> None:
        """Drop every vector."""
        ...


def in_process() -> bool:
    """Whether the environment asks for the in-process index (``OFFGRID_VECTOR_PROCESS=0``)."""
    return os.environ.get(PROCESS_SWITCH, "").strip() == "0"


def open_vector_store(path: Path, *, embedder_id: str, dimension: int) -> VectorStore:
    """Open the app's vector index at ``path``: in a child process unless
    ``OFFGRID_VECTOR_PROCESS=0``; :class:`~assistant.errors.StoreError` if it cannot be opened."""
    if in_process():
        from assistant.library.vector_index import VectorIndex

        return VectorIndex(path, embedder_id=embedder_id, dimension=dimension)
    from assistant.library.vector_process import ProcessVectorIndex

    return ProcessVectorIndex(path, embedder_id=embedder_id, dimension=dimension)
