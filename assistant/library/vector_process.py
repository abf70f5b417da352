"""The vector index in its own process, so that chroma's writes never stall the window.

chromadb's native bindings hold the Python GIL for a whole write (they free it for reads
only, chroma-core/chroma#3873): a write of 8 vectors held it ~15-20 ms, with spikes past
90 ms, and every thread of the app, the window's included, waited that long.
:class:`ProcessVectorIndex` has :class:`~assistant.library.vector_index.VectorIndex`'s
interface but runs the real one in a child process (``python -m
assistant.library.vector_server``, as the other children are started) and talks to it over a
``multiprocessing.connection`` (pickles, numpy arrays as float32, authenticated), one request
at a time; the app's thread waits on the connection, which frees the GIL. The app never
imports chromadb.

Not ``multiprocessing.Process`` with "spawn": its child imports the module the app was
launched as (``python -m ui.bench.probe``: all of Qt and the window, in the index process), a
script without an ``if __name__ == "__main__"`` guard fails there, and POSIX adds a resource
tracker process.

Errors keep their meaning: a :class:`~assistant.errors.StoreError` in the child (opening
included: :func:`~assistant.library.index_sync.open_index` rebuilds an index that cannot be
opened) comes back as a ``StoreError`` with the same message. If the child dies, the request
in flight fails with a ``StoreError`` and the next one starts a new child on the same
directory (the index is persistent, and derived from SQLite anyway). The child ends when
:meth:`ProcessVectorIndex.close` asks it to, and on its own when its stdin, which the app
holds open, closes (the app quit or died).

``OFFGRID_VECTOR_PROCESS=0`` in the environment opens the in-process ``VectorIndex`` instead
(see :func:`~assistant.library.vector_store.open_vector_store`).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StoreError
from assistant.library.vector_server import CLOSE
from assistant.system.processes import end_process, exit_description

SERVER_COMMAND = (sys.executable, "-m", "assistant.library.vector_server")
# How long a child may take to let go of its files when closed, before it is killed.
CLOSE_TIMEOUT_S = 30.0


class _Child:
    """One running index process, the app's end of its connection, and its stdin (held open:
    the child ends when it closes)."""

    def __init__(self, process: subprocess.Popen[bytes], conn: Connection | None) -> None:
        self.process = process
        self.conn = conn  # None: it ended before the app could connect

    def ask(self, message: tuple[Any, ...]) -> tuple[str, Any] | None:
        """Send one message and wait for its reply; None if the process is gone."""
        if self.conn is None:
            return None
        try:
            self.conn.send(message)
            return self.receive()
        except (OSError, ValueError):  # BrokenPipeError: it died before reading
            return None

    def receive(self, timeout: float | None = None) -> tuple[str, Any] | None:
        """The next reply; None if the process is gone (or sent nothing within ``timeout``)."""
        if self.conn is None:
            return None
        try:
            if timeout is not None and not self.conn.poll(timeout):
                return None
            reply = self.conn.recv()
        except (EOFError, OSError):
            return None
        return reply if isinstance(reply, tuple) and len(reply) == 2 else None

    def exit_code(self) -> int | None:
        """How the process ended, waiting a little for it (killed if it has not ended)."""
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.stop()
            return self.process.poll()

    def stop(self) -> None:
        """Kill the process now (if it still runs) and close its pipes."""
        end_process(self.process)
        if self.conn is not None:
            self.conn.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


def _connect(process: subprocess.Popen[bytes], key: bytes) -> Connection | None:
    """The connection to a child just started: the address it offers on stdout; None if it
    ended first."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        return None
    try:
        return Client(json.loads(line), authkey=key)
    except (OSError, ValueError, EOFError):  # it died between offering and accepting
        return None


class ProcessVectorIndex:
    """:class:`~assistant.library.vector_index.VectorIndex` served by a child process."""

    def __init__(self, path: Path, *, embedder_id: str, dimension: int) -> None:
        self.path = path
        self.embedder_id = embedder_id
        self.dimension = dimension
        self._lock = threading.Lock()
        self._closed = False
        self._child: _Child | None = None
        with self._lock:
            self._child = self._start()

    def _start(self) -> _Child:
        """Start a child and wait until it has opened the index (:class:`StoreError` if it
        cannot: the child's own message)."""
        key = secrets.token_bytes(32)
        start = {"key": key.hex(), "path": str(self.path), "embedder_id": self.embedder_id,
                 "dimension": self.dimension}
        try:
            process = subprocess.Popen(
                SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # no console window
        except OSError as exc:
            raise StoreError(f"the vector index process could not be started: {exc}") from exc
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(start).encode() + b"\n")
            process.stdin.flush()  # and kept open: the child ends when it closes
        except (OSError, ValueError) as exc:  # it could not be told what to open: ended
            _Child(process, None).stop()
            raise StoreError(f"the vector index process could not be started: {exc}") from exc
        child = _Child(process, _connect(process, key))
        reply = child.receive()
        if reply is not None and reply[0] == "ready":
            return child
        if reply is None:
            message = (f"the vector index process stopped while opening {self.path} "
                       f"({exit_description(child.exit_code())})")
        else:
            message = str(reply[1])
        child.stop()
        raise StoreError(message)

    def _request(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """Run one operation in the child, starting one if the last one died."""
        with self._lock:
            if self._closed:
                raise StoreError("the vector index is closed")
            child = self._child or self._start()
            self._child = child
            reply = child.ask((operation, args, kwargs))
            if reply is None:
                self._child = None
                code = child.exit_code()
                child.stop()
                raise StoreError(f"the vector index process stopped ({exit_description(code)});"
                                 " it is started again for the next request")
        kind, value = reply
        if kind != "ok":
            raise StoreError(str(value))
        return value

    @property
    def pid(self) -> int | None:
        """The index process's id (None between a death and the next request)."""
        child = self._child
        return child.process.pid if child is not None else None

    def count(self) -> int:
        """How many vectors the index holds."""
        return int(self._request("count"))

    def ids(self) -> set[int]:
        """Every chunk id in the index."""
        return set(self._request("ids"))

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
               doc_ids: Sequence[int], *, batch: int | None = None) -> None:
        """Add or replace vectors. ``batch`` is ignored: the child writes in chroma's largest
        batches, since the GIL such a write holds is the child's own."""
        if len(ids):
            self._request("upsert", *_wire(ids, vectors, collections, doc_ids))

    def add(self, ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
            doc_ids: Sequence[int]) -> None:
        """Add vectors whose ids are not in the index yet (an id already there keeps its
        old vector)."""
        if len(ids):
            self._request("add", *_wire(ids, vectors, collections, doc_ids))

    def delete(self, ids: Sequence[int]) -> None:
        """Remove vectors (ids that are not there are ignored)."""
        if len(ids):
            self._request("delete", [int(i) for i in ids])

    def query(self, vector: np.ndarray, k: int,
              collections: Sequence[str] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks: ``(chunk_id, cosine similarity)``, most similar first."""
        if k <= 0 or (collections is not None and not collections):
            return []
        wanted = None if collections is None else [str(c) for c in collections]
        found = self._request("query", np.asarray(vector, dtype=np.float32), int(k), wanted)
        return [(int(chunk_id), float(similarity)) for chunk_id, similarity in found]

    def reset(self) -> None:
        """Drop every vector (the index is rebuilt from SQLite afterwards)."""
        self._request("reset")

    def close(self) -> None:
        """Stop the child once it has let go of the files; closing again does nothing."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
            if child is None:
                return
            if child.conn is not None:
                try:
                    child.conn.send((CLOSE, (), {}))
                    child.receive(CLOSE_TIMEOUT_S)
                except (OSError, ValueError):
                    pass  # it is gone already
            try:
                child.process.wait(timeout=CLOSE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
            child.stop()


def _wire(ids: Sequence[int], vectors: np.ndarray, collections: Sequence[str],
          doc_ids: Sequence[int]) -> tuple[list[int], np.ndarray, list[str], list[int]]:
    """A write's arguments as plain lists and one float32 array (cheap to pickle)."""
    return ([int(i) for i in ids], np.ascontiguousarray(vectors, dtype=np.float32),
            [str(c) for c in collections], [int(d) for d in doc_ids])
