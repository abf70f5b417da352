"""The vector index process: owns one chroma index and answers the app over a pipe.

:class:`~assistant.library.vector_process.ProcessVectorIndex` starts :func:`serve` in a child
process ("spawn"). Its first message out is ``("ready", None)`` or ``("error", message)``;
then each request ``(operation, args, kwargs)`` is answered ``("ok", result)`` or
``("error", message)``, one at a time. chroma holds the GIL for a whole write; here that GIL
is this process's own, so the app's threads (the window's) never wait for it.

Imports stay light until :func:`serve` runs: the child imports this module first, and chroma
only once it is told which index to open.
"""

from __future__ import annotations

import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from assistant.errors import StoreError

# What the app may ask of the index (its public methods, nothing else).
OPERATIONS = frozenset({"count", "ids", "upsert", "add", "delete", "query", "reset"})
CLOSE = "close"


def answer(conn: Connection, reply: tuple[str, Any]) -> bool:
    """Send one reply; False if the app is gone (this process then ends)."""
    try:
        conn.send(reply)
    except (OSError, ValueError):  # BrokenPipeError: the app closed its end or died
        return False
    return True


def run(index: Any, operation: str, args: tuple[Any, ...],
        kwargs: dict[str, Any]) -> tuple[str, Any]:
    """One request against ``index``: ``("ok", result)`` or ``("error", message)``."""
    if operation not in OPERATIONS:
        return "error", f"vector index: no operation {operation!r}"
    if operation in ("upsert", "add"):
        kwargs = {key: value for key, value in kwargs.items() if key != "batch"}
        # The GIL a write holds is this process's: chroma's largest batches are the fastest.
    try:
        return "ok", getattr(index, operation)(*args, **kwargs)
    except StoreError as exc:
        return "error", str(exc)
    except Exception as exc:  # a bug or a bad request: reported, the process carries on
        return "error", f"vector index: cannot {operation}: {type(exc).__name__}: {exc}"


def serve(conn: Connection, path: str, embedder_id: str, dimension: int) -> None:
    """The child's main: open the index, then answer requests until told to close or until
    the app's end of the pipe closes (the app quit or died: this process never outlives it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's to handle
    from assistant.system import egress

    egress.install()  # with the offline switches, before chroma loads
    from assistant.library.vector_index import VectorIndex

    try:
        index = VectorIndex(Path(path), embedder_id=embedder_id, dimension=dimension)
    except StoreError as exc:
        answer(conn, ("error", str(exc)))
        return
    except Exception as exc:
        answer(conn, ("error", f"cannot open the vector index in {path}: {exc}"))
        return
    closing = False
    try:
        if not answer(conn, ("ready", None)):
            return
        while True:
            try:
                operation, args, kwargs = conn.recv()
            except (EOFError, OSError):
                return  # the app is gone
            if operation == CLOSE:
                closing = True
                return
            if not answer(conn, run(index, operation, args, kwargs)):
                return
    finally:
        index.close()  # the files are let go before the app hears that we closed
        if closing:
            answer(conn, ("ok", None))
