"""Ingest files and folders into a collection: parse, chunk, embed, store.

Each file ends with exactly one result: added, unchanged, updated, failed (with a specific
reason) or cancelled. A bad file never stops the batch; a file is written to the store in one
transaction or not at all. Chunks of several files are embedded together, for throughput.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.engines.embedding import Embedder
from assistant.errors import AssistantError, IngestError
from assistant.library.chunking import ChunkingParams, chunk_document
from assistant.library.documents import Chunk, ExtractedDocument
from assistant.library.loaders import PARSER_VERSION, is_supported, load_document
from assistant.library.parse_sandbox import ParseSandbox, SandboxLimits
from assistant.library.records import NewDocument
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore
from assistant.system.foreground import ForegroundGate
from assistant.text.formatting import human_size, plural

Status = Literal["added", "unchanged", "updated", "failed", "cancelled"]
# The order a report tallies them in.
STATUS_ORDER: tuple[Status, ...] = ("added", "updated", "unchanged", "failed", "cancelled")


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file."""

    path: str
    status: Status
    reason: str = ""
    doc_id: int | None = None
    chunks: int = 0

    def line(self) -> str:
        """One human-readable line, as the CLI prints it."""
        detail = f": {self.reason}" if self.reason else ""
        if self.status in ("added", "updated") and self.chunks and not self.reason:
            detail = f" ({plural(self.chunks, 'chunk')})"
        return f"{self.status:<9} {self.path}{detail}"


@dataclass
class IngestReport:
    """Every file's result, plus how many files in folders were skipped as unsupported."""

    results: list[FileResult] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        """How many files ended with ``status``."""
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> bool:
        """Whether any file failed."""
        return any(result.status == "failed" for result in self.results)

    def summary(self) -> str:
        """A one-line tally."""
        parts = [f"{self.count(s)} {s}" for s in STATUS_ORDER if self.count(s)]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (unsupported type)")
        return ", ".join(parts) or "nothing to ingest"


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on what one file may cost."""

    max_file_bytes: int = 200 * 1024 * 1024
    # Chunks of several files are embedded in one call: the embedder sorts a call's texts by
    # length, so larger groups pad less (256 measured ~10% faster than 64 on the library).
    embed_batch_chunks: int = 256
    # ...but handed to the embedder a slice at a time (shortest first), so that an answer
    # asked meanwhile waits at most one slice for the cores.
    embed_slice_chunks: int = 16
    # Vectors go to an in-process index (OFFGRID_VECTOR_PROCESS=0) this many per call, so a
    # big file never holds the GIL long: chroma holds it for a whole write (measured: 16
    # vectors ~25 ms, 8 ~17 ms, 1 ~9 ms). The index process ignores it: the GIL its writes
    # hold is its own, so it writes a file's vectors in chroma's largest batches.
    index_write_chunks: int = 8
    # Files are read in a child process with these limits (None: read in this process).
    sandbox: SandboxLimits | None = field(default_factory=SandboxLimits)


ProgressCallback = Callable[[FileResult, int, int], None]


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def discover_files(paths: Sequence[Path]) -> tuple[list[Path], list[FileResult], int]:
    """Expand folders (recursively, hidden entries skipped) into files to ingest.

    Returns the files (resolved, without duplicates), failures for paths that cannot be
    used, and how many files inside folders were skipped for their unsupported type.
    Files named explicitly are always tried, so an unsupported one gets a clear failure.
    """
    files: list[Path] = []
    failures: list[FileResult] = []
    skipped = 0
    seen: set[Path] = set()

    def accept(path: Path) -> None:
        if path not in seen:
            seen.add(path)
            files.append(path)

    for given in paths:
        path = Path(given).expanduser()
        try:
            exists = path.exists()
        except OSError:  # e.g. a symlink loop
            exists = False
        if not exists:
            reason = "broken link or symlink loop" if path.is_symlink() else "not found"
            failures.append(FileResult(str(path.absolute()), "failed", reason))
            continue
        if not path.is_dir():
            accept(path.resolve())
            continue
        root = path.resolve()
        for folder, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
            for name in sorted(filenames):
                if _is_hidden(name):
                    continue
                candidate = Path(folder) / name
                if not is_supported(candidate):
                    skipped += 1
                    continue
                if candidate.is_symlink():
                    try:
                        target = candidate.resolve(strict=True)
                    except (RuntimeError, OSError) as exc:  # a loop, or a dangling link
                        looped = isinstance(exc, RuntimeError) or getattr(
                            exc, "errno", None) == errno.ELOOP
                        failures.append(FileResult(str(candidate), "failed",
                                                   "symlink loop" if looped else "broken link"))
                        continue
                    if not target.exists():
                        failures.append(FileResult(str(candidate), "failed", "broken link"))
                        continue
                    if not target.is_relative_to(root):
                        failures.append(FileResult(
                            str(candidate), "failed", "link points outside the imported folder"))
                        continue
                accept(candidate.resolve())
    return files, failures, skipped


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Parsed:
    """A file parsed and chunked, waiting for its embeddings."""

    path: Path
    sha256: str
    size: int
    document: ExtractedDocument
    chunks: list[Chunk]
    existed: bool


class Ingestor:
    """Runs ingestion against one store, vector index and embedder."""

    def __init__(self, store: Store, index: VectorStore, embedder: Embedder,
                 *, limits: IngestLimits | None = None,
                 chunking: ChunkingParams | None = None,
                 gate: ForegroundGate | None = None) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.limits = limits or IngestLimits()
        self.chunking = chunking or ChunkingParams()
        self.gate = gate
        self.sandbox = (ParseSandbox(self.limits.sandbox, gate)
                        if self.limits.sandbox is not None else None)

    def close(self) -> None:
        """Stop the document reader's child process."""
        if self.sandbox is not None:
            self.sandbox.close()

    def _step_aside(self, cancel: threading.Event | None) -> None:
        """Wait while an answer is being produced (between pages, files and slices)."""
        if self.gate is not None:
            self.gate.wait_idle(cancel)

    def ingest(self, paths: Sequence[Path], *, collection: str,
               on_progress: ProgressCallback | None = None,
               cancel: threading.Event | None = None) -> IngestReport:
        """Ingest files and folders into ``collection``; never raises for a bad file."""
        started = time.perf_counter()
        files, failures, skipped = discover_files(paths)
        report = IngestReport(skipped=skipped)
        total = len(files) + len(failures)

        def emit(result: FileResult) -> None:
            report.results.append(result)
            if on_progress is not None:
                on_progress(result, len(report.results), total)

        for failure in failures:
            emit(failure)
        pending: list[_Parsed] = []
        for position, path in enumerate(files):
            if cancel is not None and cancel.is_set():
                for item in pending:
                    emit(FileResult(str(item.path), "cancelled", "cancelled before indexing"))
                pending.clear()
                for rest in files[position:]:
                    emit(FileResult(str(rest), "cancelled", "cancelled before indexing"))
                break
            self._step_aside(cancel)
            try:
                outcome = self._prepare(path, collection, cancel)
            except IngestError as exc:
                emit(FileResult(str(path), "failed", str(exc)))
                continue
            except Exception as exc:  # a defect must cost one file, not the batch
                reason = f"internal error: {type(exc).__name__}: {exc}"
                emit(FileResult(str(path), "failed", reason))
                continue
            if isinstance(outcome, FileResult):
                emit(outcome)
                continue
            pending.append(outcome)
            if sum(len(p.chunks) for p in pending) >= self.limits.embed_batch_chunks:
                self._commit(pending, collection, emit, cancel)
                pending = []
        if pending:
            self._commit(pending, collection, emit, cancel)
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(self, path: Path, collection: str,
                 cancel: threading.Event | None) -> FileResult | _Parsed:
        """Decide what a file needs; parse and chunk it when it is new or changed."""
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise IngestError("not a regular file")
            if size > self.limits.max_file_bytes:
                raise IngestError(f"too large ({human_size(size)}; the limit is "
                                  f"{human_size(self.limits.max_file_bytes)})")
            if size == 0:
                raise IngestError("no extractable text (the file is empty)")
            sha256 = file_sha256(path)
        except PermissionError as exc:
            raise IngestError("unreadable: permission denied") from exc
        except OSError as exc:
            raise IngestError(f"unreadable: {exc.strerror or exc}") from exc
        key = str(path)
        existing = self.store.find_document(collection, key)
        if (existing is not None and existing.sha256 == sha256
                and existing.parser_version == PARSER_VERSION):
            return FileResult(key, "unchanged", doc_id=existing.id)
        if existing is None:
            for twin in self.store.find_by_hash(collection, sha256):
                if twin.parser_version == PARSER_VERSION and not Path(twin.path).exists():
                    self.store.move_document(twin.id, key)
                    return FileResult(key, "updated", f"moved from {twin.path}", doc_id=twin.id)
        if self.sandbox is not None:
            document = self.sandbox.load(path)  # paused by the gate while an answer runs
        else:
            document = load_document(path, pause=lambda: self._step_aside(cancel))
        chunks = chunk_document(document, self.chunking)
        if not chunks:
            raise IngestError("no extractable text")
        return _Parsed(path, sha256, size, document, chunks, existed=existing is not None)

    def _embed(self, texts: list[str], cancel: threading.Event | None) -> np.ndarray:
        """Embed ``texts`` a slice at a time, shortest first (less padding), stepping aside
        between slices; rows come back in the order of ``texts``."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        size = max(1, self.limits.embed_slice_chunks)
        for first in range(0, len(order), size):
            if first:
                self._step_aside(cancel)
            rows = order[first:first + size]
            vectors[rows] = self.embedder.embed([texts[i] for i in rows])
        return vectors

    def _commit(self, pending: list[_Parsed], collection: str,
                emit: Callable[[FileResult], None], cancel: threading.Event | None) -> None:
        """Embed the pending files' chunks together, then write each file atomically."""
        try:
            vectors = self._embed([c.text for p in pending for c in p.chunks], cancel)
        except AssistantError as exc:
            for item in pending:
                emit(FileResult(str(item.path), "failed", str(exc)))
            return
        offset = 0
        for item in pending:
            count = len(item.chunks)
            doc = item.document
            new_doc = NewDocument(
                collection=collection, path=str(item.path), title=doc.title, kind=doc.kind,
                sha256=item.sha256, size=item.size, pages=doc.pages,
                parser_version=PARSER_VERSION, text=doc.text, chunks=item.chunks,
                embeddings=vectors[offset:offset + count],
            )
            offset += count
            try:
                doc_id, new_ids, old_ids = self.store.write_document(new_doc)
            except Exception as exc:  # e.g. disk full: the transaction was rolled back
                emit(FileResult(str(item.path), "failed", f"could not be stored: {exc}"))
                continue
            status: Status = "updated" if item.existed else "added"
            reason = ""
            try:
                self.index.delete(old_ids)
                self.index.upsert(new_ids, new_doc.embeddings, [collection] * count,
                                  [doc_id] * count, batch=self.limits.index_write_chunks)
                self.store.mark_indexed(doc_id)
            except AssistantError as exc:
                reason = f"stored; vector index to be repaired ({exc})"
            emit(FileResult(str(item.path), status, reason, doc_id=doc_id, chunks=count))
