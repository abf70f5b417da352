"""Values that travel along the pipeline: extracted documents, chunks and search hits."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    """A stretch ``text[start:end]`` of a document with one location (a page or a heading)."""

    start: int
    end: int
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class ExtractedDocument:
    """The plain text a loader pulled out of a file, and where each part of it came from."""

    text: str
    title: str
    kind: str
    sections: tuple[Section, ...]
    pages: int | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage to index: exactly ``document.text[start:end]``, with its location."""

    ordinal: int
    text: str
    start: int
    end: int
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk, the document it belongs to, and how well it matched."""

    chunk_id: int
    doc_id: int
    score: float
    title: str
    path: str
    collection: str
    page: int | None
    heading: str | None
    start: int
    end: int
    text: str
    similarity: float | None = None
    lexical_rank: int | None = None
    dense_rank: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The hit as the CLI's JSON contract prints it."""
        return asdict(self)


@dataclass(frozen=True)
class DocumentInfo:
    """A document as the library lists it."""

    id: int
    title: str
    path: str
    collection: str
    kind: str
    chunks: int
    pages: int | None
    size: int
    sha256: str
    added_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        """The document as ``docs list --json`` prints it."""
        return asdict(self)


class TextBuilder:
    """Concatenates text blocks while recording the offsets and location of each block."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.sections: list[Section] = []

    def add(self, block: str, *, page: int | None = None, heading: str | None = None,
            separator: str = "\n\n") -> None:
        """Append a block (skipped when blank), separated from the previous one."""
        block = block.strip()
        if not block:
            return
        if self._parts:
            self._parts.append(separator)
            self._length += len(separator)
        start = self._length
        self._parts.append(block)
        self._length += len(block)
        last = self.sections[-1] if self.sections else None
        if last is not None and last.page == page and last.heading == heading:
            self.sections[-1] = Section(last.start, self._length, page, heading)
        else:
            self.sections.append(Section(start, self._length, page, heading))

    def text(self) -> str:
        """The text built so far."""
        return "".join(self._parts)
