"""The shared library's Chroma server: the one connection to it, checked when it opens.

The server holds the shared truth in two collections: ``offgrid-chunks`` (one record per
passage: its vector, its text as the chroma document, its document key, ordinal, offsets,
page and heading) and ``offgrid-documents`` (one record per document: its whole extracted
text as the chroma document, which chunk offsets point into, and its title, path, kind,
hash, size, pages, parser version, chunk count and collection). Record ids are
machine-independent: ``KEY`` for a document, ``KEY:ORDINAL`` for its chunks, where the key
comes from the document's collection and content hash (:func:`document_key`).

Values in and out are plain (:class:`SharedDocument`, :class:`~assistant.library.documents.
Chunk`, numpy vectors); chroma's exceptions become :class:`StoreError` naming the server.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from assistant.errors import StoreError
from assistant.library.documents import Chunk

CHUNKS = "offgrid-chunks"
DOCUMENTS = "offgrid-documents"
# The layout of the records above; a server holding another is refused, never rewritten.
FORMAT = 1
# The Chroma server versions this client speaks to (chromadb 1.x reports "1.0.0").
SERVER_MAJOR = 1
# Records per request (chroma's own limit is larger; smaller requests keep each one short).
BATCH = 500
# The documents collection needs a vector per record (else chroma embeds the text itself).
_NO_VECTOR = [1.0]
# chroma's HTTP client waits forever: a server whose host drops packets (rather than
# refusing) would hang a search for the system's TCP timeout. Connecting gets this long;
# a request (a large push or pull) this long.
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 120.0
OPEN_TIMEOUT_S = 20.0  # making chroma's client asks the server before any timeout is set


@dataclass(frozen=True)
class ServerAddress:
    """Where the Chroma server listens."""

    url: str
    host: str
    port: int
    ssl: bool

    @property
    def where(self) -> str:
        """``HOST:PORT``, as the status line shows it."""
        return f"{self.host}:{self.port}"


def parse_chroma_url(url: str) -> ServerAddress:
    """The server of ``url`` ("http://host:8000"), or a :class:`StoreError` saying what is
    wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"not a Chroma server URL: {url!r} (expected http://HOST:PORT)")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError as error:
        raise StoreError(f"not a Chroma server URL: {url!r} ({error})") from None
    return ServerAddress(url.strip(), parts.hostname, port, parts.scheme == "https")


def document_key(collection: str, sha256: str) -> str:
    """The shared id of a document: its content hash and its collection's (the same file in
    two collections is two documents, as it is in the local store)."""
    digest = hashlib.blake2b(collection.encode("utf-8"), digest_size=6).hexdigest()
    return f"{sha256}.{digest}"


@dataclass(frozen=True)
class SharedDocument:
    """A document as the server holds it (``text`` is empty when only listed)."""

    key: str
    collection: str
    path: str
    title: str
    kind: str
    sha256: str
    size: int
    pages: int | None
    parser_version: int
    chunks: int
    text: str = ""

    def metadata(self) -> dict[str, str | int]:
        """The record's metadata (chroma takes no ``None``: absent pages are left out)."""
        values: dict[str, str | int] = {
            "collection": self.collection, "path": self.path, "title": self.title,
            "kind": self.kind, "sha256": self.sha256, "size": self.size,
            "parser_version": self.parser_version, "chunks": self.chunks}
        if self.pages is not None:
            values["pages"] = self.pages
        return values


def _document(key: str, meta: dict[str, Any], text: str) -> SharedDocument:
    pages = meta.get("pages")
    return SharedDocument(
        key=key, collection=str(meta["collection"]), path=str(meta["path"]),
        title=str(meta["title"]), kind=str(meta["kind"]), sha256=str(meta["sha256"]),
        size=int(meta["size"]), pages=int(pages) if pages is not None else None,
        parser_version=int(meta["parser_version"]), chunks=int(meta["chunks"]), text=text)


def _chunk_metadata(key: str, chunk: Chunk) -> dict[str, str | int]:
    values: dict[str, str | int] = {"doc": key, "ordinal": chunk.ordinal,
                                    "start": chunk.start, "end": chunk.end}
    if chunk.page is not None:
        values["page"] = chunk.page
    if chunk.heading is not None:
        values["heading"] = chunk.heading
    return values


def _chunk(meta: dict[str, Any], text: str) -> Chunk:
    page, heading = meta.get("page"), meta.get("heading")
    return Chunk(ordinal=int(meta["ordinal"]), text=text, start=int(meta["start"]),
                 end=int(meta["end"]), page=int(page) if page is not None else None,
                 heading=str(heading) if heading is not None else None)


def server_version_problem(version: str) -> str | None:
    """Why a server reporting ``version`` cannot be used, or None."""
    major = version.split(".", 1)[0]
    if not major.isdigit():
        return f"it reports an unreadable version {version!r}"
    if int(major) != SERVER_MAJOR:
        return (f"it runs Chroma {version}; this Offgrid speaks to Chroma "
                f"{SERVER_MAJOR}.x servers")
    return None


def _within(seconds: float, make: Callable[[], Any]) -> Any:
    """``make()``, or :class:`TimeoutError` if it has not returned within ``seconds`` (it is
    left to finish on its own thread)."""
    done: dict[str, Any] = {}

    def run() -> None:
        try:
            done["value"] = make()
        except BaseException as exc:  # handed to the caller below
            done["error"] = exc

    worker = threading.Thread(target=run, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {seconds:.0f} s")
    if "error" in done:
        raise done["error"]
    return done["value"]


def _bound(client: Any) -> None:
    """Give chroma's HTTP session a connect and a request timeout (where this chroma
    version keeps one; another version's client is left as it is)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)


class ChromaServer:
    """The shared library's two collections on a Chroma server, checked on open: the
    server answers, speaks our version, and holds vectors of our embedder and dimension."""

    def __init__(self, url: str, *, embedder_id: str, dimension: int) -> None:
        self.address = parse_chroma_url(url)
        self.embedder_id = embedder_id
        self.dimension = dimension
        self._client = self._connect()
        try:
            self._chunks, self._documents = self._open_collections()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        address = self.address
        try:
            # Reachable at all, within the connect timeout (chroma's client asks the server
            # already while it is made, with no timeout).
            socket.create_connection((address.host, address.port),
                                     timeout=CONNECT_TIMEOUT_S).close()
            client = _within(OPEN_TIMEOUT_S, lambda: chromadb.HttpClient(
                host=address.host, port=address.port, ssl=address.ssl,
                settings=Settings(anonymized_telemetry=False)))
            _bound(client)
            version = str(client.get_version())
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {address.url}: {exc}") from exc
        problem = server_version_problem(version)
        if problem is not None:
            raise StoreError(f"cannot use the Chroma server at {address.url}: {problem}")
        return client

    def _open_collections(self) -> tuple[Any, Any]:
        chunks = self._collection(CHUNKS, {"format": FORMAT, "embedder": self.embedder_id,
                                           "dimension": self.dimension}, "cosine")
        stored = chunks.metadata or {}
        if stored.get("format") != FORMAT:
            raise StoreError(
                f"the shared library at {self.address.url} was written in another format "
                f"({stored.get('format')!r}; this Offgrid reads format {FORMAT}): use the same "
                "Offgrid version on every machine, or another server")
        if stored.get("embedder") != self.embedder_id or stored.get("dimension") != self.dimension:
            raise StoreError(
                f"the shared library at {self.address.url} holds vectors of the embedding "
                f"model {stored.get('embedder')!r} (dimension {stored.get('dimension')}), but "
                f"this Offgrid embeds with {self.embedder_id!r} (dimension {self.dimension}): "
                "use the same embedding model on every machine, or another server. Nothing "
                "was changed on the server")
        documents = self._collection(DOCUMENTS, {"format": FORMAT}, "l2")
        return chunks, documents

    def _collection(self, name: str, metadata: dict[str, str | int], space: str) -> Any:
        """The collection ``name``, created with ``metadata`` if the server has none yet
        (an existing one keeps its own metadata, to be checked)."""
        with self._guard(f"open the collection {name}"):
            try:
                return self._client.get_collection(name, embedding_function=None)
            except Exception:
                pass
            try:
                return self._client.create_collection(
                    name, embedding_function=None, metadata=metadata,
                    configuration={"hnsw": {"space": space}})
            except Exception:  # another machine created it meanwhile
                return self._client.get_collection(name, embedding_function=None)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"the Chroma server at {self.address.url}: cannot {action}: "
                             f"{exc}") from exc

    @property
    def identity(self) -> str:
        """Which shared library this is (its collections' ids): a new server, or one whose
        collections were made again, is another library."""
        return f"{self._documents.id}/{self._chunks.id}"

    def document_keys(self) -> set[str]:
        """The keys of every document the server holds (a cheap call: ids only)."""
        with self._guard("list the shared documents"):
            return set(self._documents.get(include=[])["ids"])

    def documents(self, keys: Sequence[str]) -> list[SharedDocument]:
        """Some documents with their texts (those the server holds)."""
        found: list[SharedDocument] = []
        with self._guard("read shared documents"):
            for first in range(0, len(keys), BATCH):
                got = self._documents.get(ids=list(keys[first:first + BATCH]),
                                          include=["metadatas", "documents"])
                found += [_document(key, meta or {}, text or "") for key, meta, text in
                          zip(got["ids"], got["metadatas"], got["documents"], strict=True)]
        return found

    def chunks(self, document: SharedDocument) -> tuple[list[Chunk], np.ndarray] | None:
        """A document's chunks by ordinal, with their vectors; None while the server does not
        hold them all (another machine is still writing or removing it)."""
        ids = [f"{document.key}:{ordinal}" for ordinal in range(document.chunks)]
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        with self._guard("read shared passages"):
            for first in range(0, len(ids), BATCH):
                got = self._chunks.get(ids=ids[first:first + BATCH],
                                       include=["metadatas", "documents", "embeddings"])
                chunks += [_chunk(meta or {}, text or "")
                           for meta, text in zip(got["metadatas"], got["documents"], strict=True)]
                if len(got["ids"]):
                    vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        if len(chunks) != document.chunks:
            return None
        order = sorted(range(len(chunks)), key=lambda i: chunks[i].ordinal)
        stacked = (np.concatenate(vectors) if vectors
                   else np.zeros((0, self.dimension), dtype=np.float32))
        return [chunks[i] for i in order], stacked[order]

    def put(self, document: SharedDocument, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write a document: its chunks first, then its record, so that a reader who sees the
        record finds every chunk."""
        if len(chunks) != document.chunks or len(vectors) != len(chunks):
            raise ValueError("one vector is needed per chunk, and the count must match")
        data = np.asarray(vectors, dtype=np.float32)
        with self._guard("share a document"):
            for first in range(0, len(chunks), BATCH):
                part = chunks[first:first + BATCH]
                self._chunks.upsert(
                    ids=[f"{document.key}:{c.ordinal}" for c in part],
                    embeddings=data[first:first + BATCH],
                    documents=[c.text for c in part],
                    metadatas=[_chunk_metadata(document.key, c) for c in part])
            self._documents.upsert(ids=[document.key], embeddings=[_NO_VECTOR],
                                   documents=[document.text], metadatas=[document.metadata()])

    def delete(self, key: str) -> None:
        """Remove a document: its record first (readers stop seeing it), then its chunks."""
        with self._guard("remove a shared document"):
            self._documents.delete(ids=[key])
            self._chunks.delete(where={"doc": key})

    def close(self) -> None:
        """Let go of the connection."""
        close = getattr(self._client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # a connection that is already gone
                pass
