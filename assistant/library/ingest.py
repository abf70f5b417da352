"""Ingest files and folders into a collection: parse, chunk, embed, store.

Each file ends with exactly one result: added, unchanged, updated, failed (with a specific
reason) or cancelled. A bad file never stops the batch; a file is written to the store in one
transaction or not at all. Chunks of several files are embedded together, for throughput, while
the next files are read and the last ones' vectors written (:mod:`~.overlap`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.engines.embedding import Embedder
from assistant.errors import AssistantError, IngestError
from assistant.library.chunking import ChunkingParams, chunk_document
from assistant.library.discovery import discover_files, file_sha256
from assistant.library.documents import Chunk, ExtractedDocument
from assistant.library.loaders import PARSER_VERSION, load_document
from assistant.library.overlap import ReadAhead, WriteBehind
from assistant.library.parse_sandbox import ParseSandbox, SandboxLimits
from assistant.library.records import NewDocument
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore
from assistant.system.foreground import ForegroundGate
from assistant.text.formatting import human_size, plural

Status = Literal["added", "unchanged", "updated", "failed", "cancelled"]
# The order a report tallies them in.
STATUS_ORDER: tuple[Status, ...] = ("added", "updated", "unchanged", "failed", "cancelled")
CANCELLED = "cancelled before indexing"  # the reason of a file a cancel left out


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
    # Chunks of several files are embedded together, up to this many (sooner while the next
    # file is still being read), and files are read at most this many chunks ahead.
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

        for given, reason in failures:
            emit(FileResult(given, "failed", reason))
        # Files are read ahead (one batch of chunks at most) while earlier ones are embedded,
        # and each batch's vectors go to the index while the next batch is embedded.
        ahead: ReadAhead[Path, FileResult | _Parsed] = ReadAhead(
            files, lambda path: self._read(path, collection, cancel),
            weight=lambda outcome: len(outcome.chunks) if isinstance(outcome, _Parsed) else 0,
            budget=self.limits.embed_batch_chunks)
        pending: list[_Parsed] = []
        unfinished: list[tuple[Path, FileResult | _Parsed | Exception]] = []
        taken = 0

        def indexed(results: list[FileResult], error: AssistantError | None) -> None:
            for result in results:
                emit(result if error is None else
                     replace(result, reason=f"stored; vector index to be repaired ({error})"))

        with WriteBehind(indexed) as indexer:
            try:
                for path, outcome in ahead:
                    if cancel is not None and cancel.is_set():
                        unfinished.append((path, outcome))
                        break
                    taken += 1
                    if isinstance(outcome, _Parsed):
                        pending.append(outcome)
                        # Embed once a batch is ready, or sooner if the next file is still
                        # being read: the cores embed while it is.
                        if (ahead.waiting or sum(len(p.chunks) for p in pending)
                                >= self.limits.embed_batch_chunks):
                            if not self._commit(pending, collection, emit, cancel, indexer):
                                break  # cancelled: these files stay pending
                            pending = []
                    else:
                        emit(_result(path, outcome))
                if pending and not (cancel is not None and cancel.is_set()):
                    if self._commit(pending, collection, emit, cancel, indexer):
                        pending = []
            finally:
                unfinished += ahead.stop()
        for path, outcome in unfinished:  # read but not indexed: what happened stands
            if isinstance(outcome, _Parsed):
                pending.append(outcome)
            else:
                emit(_result(path, outcome))
        for path in [item.path for item in pending] + files[taken + len(unfinished):]:
            emit(FileResult(str(path), "cancelled", CANCELLED))
        report.seconds = time.perf_counter() - started
        return report

    def _read(self, path: Path, collection: str,
              cancel: threading.Event | None) -> FileResult | _Parsed:
        """:meth:`_prepare`, stepping aside first while an answer is being produced."""
        if cancel is not None and cancel.is_set():
            return FileResult(str(path), "cancelled", CANCELLED)
        self._step_aside(cancel)
        return self._prepare(path, collection, cancel)

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
        before each slice; rows come back in the order of ``texts``."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        size = max(1, self.limits.embed_slice_chunks)
        for first in range(0, len(order), size):
            self._step_aside(cancel)
            rows = order[first:first + size]
            vectors[rows] = self.embedder.embed([texts[i] for i in rows])
        return vectors

    def _commit(self, pending: list[_Parsed], collection: str,
                emit: Callable[[FileResult], None], cancel: threading.Event | None,
                indexer: WriteBehind[list[FileResult]]) -> bool:
        """Embed the pending files' chunks together, then write each file atomically; its
        vectors go to the index while the next files are embedded. False if ``cancel`` was
        set meanwhile: nothing of these files is written."""
        try:
            vectors = self._embed([c.text for p in pending for c in p.chunks], cancel)
        except AssistantError as exc:
            for item in pending:
                emit(FileResult(str(item.path), "failed", str(exc)))
            return True
        finally:
            indexer.report()  # the files before these: their vectors went in meanwhile
        if cancel is not None and cancel.is_set():
            return False
        offset = 0
        results: list[FileResult] = []
        writes: list[tuple[int, list[int], list[int], np.ndarray]] = []
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
            results.append(FileResult(str(item.path), "updated" if item.existed else "added",
                                      doc_id=doc_id, chunks=count))
            writes.append((doc_id, old_ids, new_ids, new_doc.embeddings))
        if writes:  # one index write for them all: chroma's cost is mostly per call
            indexer.submit(results, partial(self._index, writes, collection))
        return True

    def _index(self, writes: list[tuple[int, list[int], list[int], np.ndarray]],
               collection: str) -> None:
        """Replace stored files' vectors (``(doc_id, old chunk ids, new chunk ids, vectors)``
        each) in the index."""
        self.index.delete([i for _, old_ids, _, _ in writes for i in old_ids])
        ids = [i for _, _, new_ids, _ in writes for i in new_ids]
        self.index.upsert(ids, np.concatenate([vectors for *_, vectors in writes]),
                          [collection] * len(ids),
                          [doc_id for doc_id, _, new_ids, _ in writes for _ in new_ids],
                          batch=self.limits.index_write_chunks)
        for doc_id, *_ in writes:
            self.store.mark_indexed(doc_id)


def _result(path: Path, outcome: FileResult | Exception) -> FileResult:
    """A file's result from what reading it gave: its result, or the error it raised."""
    if isinstance(outcome, FileResult):
        return outcome
    if isinstance(outcome, IngestError):
        return FileResult(str(path), "failed", str(outcome))
    # A defect must cost one file, not the batch.
    return FileResult(str(path), "failed",
                      f"internal error: {type(outcome).__name__}: {outcome}")

