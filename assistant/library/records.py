"""What the document store takes and gives back: a document to write, what is known of one
already stored, and a stored chunk with its document's title, path and collection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.library.documents import Chunk

if TYPE_CHECKING:  # the document reader child imports this package without numpy
    import numpy as np


@dataclass(frozen=True)
class StoredDocument:
    """What ingestion needs to know about a document already in the store."""

    id: int
    path: str
    sha256: str
    parser_version: int


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk together with its document's title, path and collection."""

    id: int
    doc_id: int
    ordinal: int
    start: int
    end: int
    page: int | None
    heading: str | None
    text: str
    title: str
    path: str
    collection: str


@dataclass(frozen=True)
class NewDocument:
    """Everything to write for one document; ``embeddings`` has one row per chunk."""

    collection: str
    path: str
    title: str
    kind: str
    sha256: str
    size: int
    pages: int | None
    parser_version: int
    text: str
    chunks: Sequence[Chunk]
    embeddings: np.ndarray
