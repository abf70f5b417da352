"""Keep this data directory's store a mirror of the shared library on a Chroma server.

The server holds the truth (:mod:`~assistant.library.shared_server`). Each machine keeps
its own SQLite store and vector index as a mirror: documents, chunks with their offsets,
pages and headings, the server's vectors and the BM25 index, so keyword search, citations,
highlighting and the dense search run here exactly as in a library of one's own.

A sync compares three sets of document keys: those here, those on the server, and those
both held at the last sync (kept in the store's meta table, for that server). A key on the
server only is pulled, unless it was shared before (then it was removed here, and is
removed there); a key here only is pushed, unless it was shared before (then another
machine removed it, and it is removed here). The bundled library stays local: every
install carries its own.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

import numpy as np

from assistant.library.bundled import LIBRARY_COLLECTION
from assistant.library.documents import Chunk, DocumentInfo
from assistant.library.records import NewDocument
from assistant.library.shared_server import ChromaServer, SharedDocument, document_key
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore

_log = logging.getLogger(__name__)
SERVER_KEY = "shared_server"  # which shared library the keys below were shared with
SHARED_KEY = "shared_keys"  # the document keys here and on the server at the last sync
# Vectors go to the local index this many per call (as ingestion writes them).
INDEX_WRITE_CHUNKS = 16


@dataclass(frozen=True)
class SyncPlan:
    """What a sync does, by document key."""

    pull: tuple[str, ...] = ()
    push: tuple[str, ...] = ()
    remove_here: tuple[str, ...] = ()
    remove_there: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing differs."""
        return not (self.pull or self.push or self.remove_here or self.remove_there)


def plan_sync(here: set[str], there: set[str], shared: set[str]) -> SyncPlan:
    """What to do so that this store and the server hold the same documents, given the
    keys ``here``, ``there`` (on the server) and ``shared`` at the last sync."""
    return SyncPlan(
        pull=tuple(sorted(there - here - shared)),
        push=tuple(sorted(here - there - shared)),
        remove_here=tuple(sorted((here - there) & shared)),
        remove_there=tuple(sorted((there - here) & shared)),
    )


@dataclass(frozen=True)
class SharedSyncReport:
    """What a sync changed: documents pulled, pushed, removed here and on the server, and
    those left for a later sync (still being written by another machine)."""

    pulled: int = 0
    pushed: int = 0
    removed_here: int = 0
    removed_there: int = 0
    waiting: int = 0


class SharedLibrary:
    """This store and vector index as a mirror of the library on ``server``."""

    def __init__(self, store: Store, index: VectorStore, server: ChromaServer) -> None:
        self.store = store
        self.index = index
        self.server = server
        # One sync at a time: searches run in parallel, and two pulling the same document
        # would each write it.
        self._lock = threading.RLock()

    @property
    def where(self) -> str:
        """``HOST:PORT`` of the server."""
        return self.server.address.where

    # -- the keys ---------------------------------------------------------------------------

    def _here(self) -> dict[str, DocumentInfo]:
        """The shared documents here (every collection but the bundled library) by key."""
        found: dict[str, DocumentInfo] = {}
        for document in self.store.list_documents():
            if document.collection != LIBRARY_COLLECTION:
                found.setdefault(document_key(document.collection, document.sha256), document)
        return found

    def _shared(self) -> set[str]:
        if self.store.get_meta(SERVER_KEY) != self.server.identity:
            return set()  # another server, or the collections were made again: start afresh
        return set(json.loads(self.store.get_meta(SHARED_KEY) or "[]"))

    def _remember(self, keys: set[str]) -> None:
        self.store.set_meta(SERVER_KEY, self.server.identity)
        self.store.set_meta(SHARED_KEY, json.dumps(sorted(keys)))

    # -- syncing ----------------------------------------------------------------------------

    def in_step(self) -> bool:
        """Whether this mirror holds what the server holds (one cheap call to the server)."""
        here, there = set(self._here()), self.server.document_keys()
        return here == there == self._shared()

    def refresh(self) -> SharedSyncReport | None:
        """Sync if the server and this mirror differ (what is done before a search)."""
        with self._lock:
            return None if self.in_step() else self.sync()

    def sync(self) -> SharedSyncReport:
        """Make this store and the server hold the same documents."""
        with self._lock:
            return self._sync()

    def _sync(self) -> SharedSyncReport:
        here = self._here()
        there = self.server.document_keys()
        plan = plan_sync(set(here), there, self._shared())
        pushed = waiting = 0
        for key in plan.push:
            self._push(here[key])
            pushed += 1
        for key in plan.remove_there:
            self.server.delete(key)
        for key in plan.remove_here:
            for document in self.store.list_documents():
                if (document.collection != LIBRARY_COLLECTION
                        and document_key(document.collection, document.sha256) == key):
                    self.index.delete(self.store.remove_document(document.id))
        for shared in self.server.documents(plan.pull):
            if not self._pull(shared):
                waiting += 1
        after = set(self._here())
        self._remember(after & (there | set(plan.push)) - set(plan.remove_there))
        report = SharedSyncReport(len(plan.pull) - waiting, pushed, len(plan.remove_here),
                                  len(plan.remove_there), waiting)
        if not plan.empty:
            _log.info("shared library at %s: %s", self.where, report)
        return report

    def _pull(self, shared: SharedDocument) -> bool:
        """Write a document from the server here, with its vectors; False if the server
        does not hold all its chunks yet."""
        found = self.server.chunks(shared)
        if found is None:
            return False
        chunks, vectors = found
        doc_id, new_ids, old_ids = self.store.write_document(NewDocument(
            collection=shared.collection, path=self._free_path(shared), title=shared.title,
            kind=shared.kind, sha256=shared.sha256, size=shared.size, pages=shared.pages,
            parser_version=shared.parser_version, text=shared.text, chunks=chunks,
            embeddings=vectors))
        self.index.delete(old_ids)
        self.index.upsert(new_ids, vectors, [shared.collection] * len(new_ids),
                          [doc_id] * len(new_ids), batch=INDEX_WRITE_CHUNKS)
        self.store.mark_indexed(doc_id)
        return True

    def _free_path(self, shared: SharedDocument) -> str:
        """Where to keep a pulled document here: its path, unless this collection holds
        other content there (two machines each ingested their own file of that name); then
        the path marked with the content's hash, so that both are kept."""
        held = self.store.find_document(shared.collection, shared.path)
        if held is None or held.sha256 == shared.sha256:
            return shared.path
        return f"{shared.path} [{shared.sha256[:8]}]"

    def _push(self, document: DocumentInfo) -> None:
        """Write a document of this store to the server."""
        chunk_ids = self.store.chunk_ids_of([document.id])
        records = sorted(self.store.chunks(chunk_ids).values(), key=lambda c: c.ordinal)
        vectors = {i: v for ids, batch, _, _ in self.store.iter_vectors(chunk_ids)
                   for i, v in zip(ids, batch, strict=True)}
        stored = self.store.find_document(document.collection, document.path)
        text = self.store.document_text(document.id) or ""
        shared = SharedDocument(
            key=document_key(document.collection, document.sha256),
            collection=document.collection, path=document.path, title=document.title,
            kind=document.kind, sha256=document.sha256, size=document.size,
            pages=document.pages,
            parser_version=stored.parser_version if stored is not None else 0,
            chunks=len(records), text=text)
        chunks = [Chunk(r.ordinal, r.text, r.start, r.end, r.page, r.heading) for r in records]
        matrix = (np.stack([vectors[r.id] for r in records]) if records
                  else np.zeros((0, self.server.dimension), dtype=np.float32))
        self.server.put(shared, chunks, matrix)

    def close(self) -> None:
        """Let go of the server."""
        self.server.close()
