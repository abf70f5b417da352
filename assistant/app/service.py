"""The one door from any front end (CLI, desktop app) into the core."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answers.answer import Answer
from assistant.answers.conversations import ConversationStore
from assistant.answers.pipeline import (
    AnswerEvent,
    AnswerPipeline,
    Asked,
    AskOptions,
)
from assistant.answers.whole import LibraryView, NoSuchDocument, summary_answer
from assistant.app.answering import Waiting, one_at_a_time
from assistant.app.conversations_door import ConversationsDoor
from assistant.app.follow_up_cache import FollowUpCache
from assistant.app.mining_door import MiningDoor
from assistant.app.models_door import ModelsDoor
from assistant.app.shared_door import SharedDoor, connect_server
from assistant.app.watch_door import WatchDoor
from assistant.engines.embedding import Embedder
from assistant.engines.engine import Engine
from assistant.engines.onnx_embedding import OnnxEmbedder
from assistant.errors import AnswerBusy, AssistantError
from assistant.library import index_probe
from assistant.library.bundled import (
    FINGERPRINT_KEY,
    LIBRARY_COLLECTION,
    library_files,
    library_fingerprint,
)
from assistant.library.documents import DocumentInfo, Hit
from assistant.library.index_sync import (
    SyncReport,
    open_index,
    rebuild,
    reconcile,
    reembed_if_model_changed,
)
from assistant.library.ingest import IngestLimits, Ingestor, IngestReport, ProgressCallback
from assistant.library.records import ChunkRecord
from assistant.library.retrieval import HybridRetriever
from assistant.library.shared_sync import SharedLibrary
from assistant.library.store import Store
from assistant.system.foreground import ForegroundGate
from assistant.system.instance_lock import InstanceLock

DEFAULT_COLLECTION = "My documents"
STORE_FILE = "offgrid.sqlite3"
VECTOR_DIR = "vectors"
CONVERSATIONS_FILE = "conversations.sqlite3"
# Closing waits this long for the follow-up priming under way (about a second's work).
PRIMING_WAIT_S = 30.0


@dataclass(frozen=True)
class CollectionInfo:
    """A collection and how much it holds."""

    name: str
    documents: int
    chunks: int


class AssistantService(ConversationsDoor, MiningDoor, ModelsDoor, SharedDoor, WatchDoor):
    """Ingest, search and manage the document library in one data directory.

    Dependencies are passed in; ``library_dir=None`` leaves the bundled library out, and
    ``engine=None`` defers loading a language model until :meth:`load_model`. With
    ``chroma_url`` the library is shared on that Chroma server, this directory a mirror.
    """

    def __init__(self, data_dir: Path, *, embedder: Embedder | None = None,
                 library_dir: Path | None = None, limits: IngestLimits | None = None,
                 engine: Engine | None = None, chroma_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # One owner: two processes writing one store would corrupt it.
        self._lock = InstanceLock(self.data_dir)
        self._lock.acquire()
        try:
            self._open(embedder, library_dir, limits, engine, chroma_url)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, embedder: Embedder | None, library_dir: Path | None,
              limits: IngestLimits | None, engine: Engine | None, chroma_url: str | None) -> None:
        # Without one passed in: the bundled MiniLM on onnxruntime, exported once beside the
        # chat model's converted copy (PyTorch only for that export, or as the fallback).
        self._embedder: Embedder = embedder or OnnxEmbedder(self.weights_cache)
        self.library_dir = library_dir
        server = connect_server(chroma_url, self._embedder) if chroma_url else None
        self._store = Store(self.data_dir / STORE_FILE)
        # A damaged or missing vector index is rebuilt from SQLite here.
        self._index, opened = open_index(self._store, self.data_dir / VECTOR_DIR, self._embedder)
        # Answers run in the foreground: ingestion steps aside while one is produced.
        self._gate = ForegroundGate()
        # Imports and watched-folder rescans take turns: two at once could index a file twice.
        self._ingesting = threading.Lock()
        self._ingestor = Ingestor(self._store, self._index, self._embedder, limits=limits,
                                 gate=self._gate)
        self._retriever = HybridRetriever(self._store, self._index, self._embedder)
        self.reembedded = reembed_if_model_changed(self._store, self._index, self._embedder)
        repair = reconcile(self._store, self._index)
        self.last_repair = SyncReport(opened.added + repair.added, repair.removed, opened.rebuilt)
        # (The server was checked before anything here was opened: a refusal changes nothing.)
        self._shared = None if server is None else SharedLibrary(self._store, self._index, server)
        self.shared_at_open = self._keep_in_step(changed_here=True)
        self._conversations = ConversationStore(self.data_dir / CONVERSATIONS_FILE)
        self._follow_ups = FollowUpCache(self._conversations)
        self._engine = engine

    def __enter__(self) -> AssistantService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the stores and the model."""
        self._ingestor.close()
        self._close_shared()
        self._store.close()
        self._index.close()
        index_probe.seal(self._index.path)  # as we leave it: the next start need not probe it
        self._conversations.close()
        self._follow_ups.wait(PRIMING_WAIT_S)  # the engine is not closed under its priming
        close = getattr(self._engine, "close", None)
        if close is not None:
            close()
        self._engine = None
        self._lock.release()

    # -- library ----------------------------------------------------------------------------

    def library_needs_sync(self) -> bool:
        """Whether the bundled library changed since it was last indexed here."""
        if self.library_dir is None:
            return False
        return self._store.get_meta(FINGERPRINT_KEY) != library_fingerprint(self.library_dir)

    def sync_library(self, on_progress: ProgressCallback | None = None) -> IngestReport | None:
        """Index the bundled library into ``Library`` if it changed; drop removed files."""
        if self.library_dir is None:
            return None
        fingerprint = library_fingerprint(self.library_dir)
        if self._store.get_meta(FINGERPRINT_KEY) == fingerprint:
            return None
        files = library_files(self.library_dir)
        report = self._ingestor.ingest(files, collection=LIBRARY_COLLECTION,
                                      on_progress=on_progress)
        present = {str(path) for path in files}
        for document in self._store.list_documents(LIBRARY_COLLECTION):
            if document.path not in present:
                self._remove(document)
        if not report.failed:
            self._store.set_meta(FINGERPRINT_KEY, fingerprint)
        return report

    # -- documents --------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], *, collection: str = DEFAULT_COLLECTION,
               on_progress: ProgressCallback | None = None,
               cancel: threading.Event | None = None) -> IngestReport:
        """Add files and folders to a collection; one result per file."""
        if not collection.strip():
            raise AssistantError("a collection needs a name")
        with self._ingesting:
            report = self._ingestor.ingest(paths, collection=collection.strip(),
                                           on_progress=on_progress, cancel=cancel)
        return self._changed_here(report)

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        """The documents of one collection, or of all."""
        self._keep_in_step()
        return self._store.list_documents(collection)

    def remove(self, path_or_id: str, *, collection: str | None = None) -> list[DocumentInfo]:
        """Remove documents by id or by path; returns what was removed."""
        matches: list[DocumentInfo] = []
        if path_or_id.isdigit():
            found = self._store.document(int(path_or_id))
            matches = [found] if found else []
        if not matches:
            resolved = str(Path(path_or_id).expanduser().resolve())
            matches = self._store.documents_at_path(resolved) or \
                self._store.documents_at_path(path_or_id)
        if collection is not None:
            matches = [m for m in matches if m.collection == collection]
        if not matches:
            where = f" in collection '{collection}'" if collection else ""
            raise AssistantError(f"no document '{path_or_id}'{where}")
        for document in matches:
            self._remove(document)
        return self._changed_here(matches)

    def _remove(self, document: DocumentInfo) -> None:
        chunk_ids = self._store.remove_document(document.id)
        self._index.delete(chunk_ids)

    def document_text(self, doc_id: int) -> str | None:
        """A document's extracted text (what hits' offsets point into)."""
        return self._store.document_text(doc_id)

    def collections(self) -> list[CollectionInfo]:
        """Every collection with its counts."""
        self._keep_in_step()
        return [CollectionInfo(*row) for row in self._store.collections()]

    # -- search -----------------------------------------------------------------------------

    def search(self, query: str, *, k: int = 5,
               collections: Sequence[str] | None = None) -> list[Hit]:
        """Hybrid search over the library, best first; unknown collection names are an error."""
        self._keep_in_step()
        self._check_collections(collections)
        return self._retriever.search(query, k=k, collections=collections)

    def _check_collections(self, collections: Sequence[str] | None) -> None:
        if collections is not None:
            known = self._store.collection_names()
            unknown = [name for name in collections if name not in known]
            if unknown:
                raise AssistantError(f"no collection named '{unknown[0]}' (collections: "
                                     f"{', '.join(sorted(known)) or 'none yet'})")

    def rebuild_index(self) -> int:
        """Rebuild the vector index from SQLite; returns how many vectors it holds."""
        return rebuild(self._store, self._index)

    # -- answers ----------------------------------------------------------------------------

    def start_turn(self, question: str, conversation_id: int | None = None) -> Asked:
        """Store a question before it is shown (in a new conversation titled after it if
        ``conversation_id`` is None); answer it later with ``ask(..., turn_id=)``."""
        question = question.strip()
        if not question:
            raise AssistantError("the question is empty")
        if conversation_id is None:
            conversation_id = self._conversations.create(question).id
        elif self._conversations.get(conversation_id) is None:
            raise AssistantError(f"no conversation {conversation_id}")
        return Asked(conversation_id, self._conversations.begin_turn(conversation_id, question))

    def abandon_turn(self, turn_id: int, *, shown: bool = True) -> None:
        """A stored question that will not be answered: kept, marked as interrupted, if the
        user saw it; otherwise deleted (with its conversation, if that is left empty)."""
        if shown:
            self._conversations.mark_interrupted(turn_id)
        else:
            self._conversations.discard_turn(turn_id)

    def ask(self, question: str, *, options: AskOptions | None = None,
            conversation_id: int | None = None, turn_id: int | None = None,
            cancel: threading.Event | None = None,
            wait_s: float | None = None) -> Iterator[AnswerEvent | Waiting]:
        """Answer a question from the library, as events (stored, sources, text pieces,
        answer). In a conversation every event is stored before it is produced; ``turn_id``
        continues a turn :meth:`start_turn` began.

        One answer runs at a time (the window's, the local API's): while another is being
        written this one yields :class:`Waiting`, then waits for it, at most ``wait_s``
        seconds (None: as long as it takes) and no longer once ``cancel`` is set; else
        :class:`AnswerBusy` (a begun turn is kept, marked as interrupted)."""
        question = question.strip()
        if not question:
            raise AssistantError("the question is empty")
        options = options or AskOptions()
        self._keep_in_step()
        self._check_collections(options.collections)
        if conversation_id is not None and self._conversations.get(conversation_id) is None:
            raise AssistantError(f"no conversation {conversation_id}")
        self._loaded()  # no model is an error now, not once the answer's turn has come

        def start() -> Iterator[AnswerEvent]:  # with the engine in use when the turn comes
            pipeline = AnswerPipeline(
                lambda query, k, collections: self._retriever.search(query, k=k,
                                                                    collections=collections),
                self._embedder, self._loaded(), self._conversations,
                mentions=self._store.mentions, library=self._library_view(),
                presets=self.mining_presets())
            events = pipeline.run(question, options=options, conversation_id=conversation_id,
                                  turn_id=turn_id, cancel=cancel)
            return self._follow_ups.after_answer(events, pipeline.engine, conversation_id,
                                                 options.system_prompt)

        return self._in_turn(one_at_a_time(self._gate, start, wait_s=wait_s, cancel=cancel),
                             turn_id)

    def wait_until_primed(self, timeout_s: float = 60.0) -> None:
        """Return once the model has evaluated the conversation of the last answer for its
        follow-up (it does so in the background after each answer in a conversation), or
        after ``timeout_s``: what a reader's pause gives the app before the next question."""
        self._follow_ups.wait(timeout_s)

    def _in_turn(self, events: Iterator[AnswerEvent | Waiting],
                 turn_id: int | None) -> Iterator[AnswerEvent | Waiting]:
        """``events``; a begun turn whose answer never started is marked as interrupted."""
        try:
            yield from events
        except AnswerBusy as exc:
            if turn_id is not None:
                self._conversations.mark_interrupted(turn_id, reason=str(exc))
            raise

    def _library_view(self) -> LibraryView:
        def documents(collections: Sequence[str] | None) -> list[DocumentInfo]:
            listed = self._store.list_documents()
            return [d for d in listed if collections is None or d.collection in collections]

        def chunks_of(doc_id: int) -> list[ChunkRecord]:
            found = self._store.chunks(self._store.chunk_ids_of([doc_id]))
            return sorted(found.values(), key=lambda c: c.ordinal)

        return LibraryView(documents, chunks_of, self._store.chunks_mentioning)

    def summarize(self, path_or_id: str, *, collection: str | None = None) -> Answer:
        """An extractive, cited summary of one document: by id, path, file name or title."""
        if collection is not None:
            self._check_collections([collection])
        at_path = [] if path_or_id.isdigit() else \
            self._store.documents_at_path(str(Path(path_or_id).expanduser().resolve()))
        try:
            return summary_answer(path_or_id, at_path, self._library_view(), collection)
        except NoSuchDocument as exc:
            raise AssistantError(str(exc)) from None
