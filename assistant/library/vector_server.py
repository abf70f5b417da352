"""The vector index process: ``python -m assistant.library.vector_server`` owns one chroma index.

:class:`~assistant.library.vector_process.ProcessVectorIndex` starts it and writes one JSON
line to its stdin: the index to open and a one-time key. It answers with the address of a
``multiprocessing.connection`` listener on stdout (a Unix socket; a named pipe on Windows),
takes the app's one connection (authenticated with the key: only the app that started it can
send requests, which are pickles), and closes the listener. Over that connection its first
message is ``("ready", None)`` or ``("error", message)``; then each request ``(operation,
args, kwargs)`` is answered ``("ok", result)`` or ``("error", message)``, one at a time.
chroma holds the GIL for a whole write; here that GIL is this process's own, so the app's
threads (the window's) never wait for it.

It ends when asked to close, and on its own as soon as its stdin reaches its end: the app
keeps stdin open while it lives, so this process never outlives it (killed or crashed).
Imports stay light until the index is opened.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection, Listener
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


def exit_with_the_app() -> None:
    """End this process once stdin reaches its end (the app closed it, quit or died)."""
    def watch() -> None:
        # os.read, not sys.stdin: a thread blocked inside a buffered reader at exit aborts
        # the interpreter's shutdown.
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="app-watch").start()


def serve(conn: Connection, path: str, embedder_id: str, dimension: int) -> None:
    """Open the index and answer requests until told to close or until the app's end of the
    connection closes."""
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


def main() -> None:
    """The process: read the start line, offer a listener, serve the one connection."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's to handle
    start = json.loads(sys.stdin.buffer.readline())
    exit_with_the_app()
    from assistant.system import egress

    egress.install()  # with the offline switches, before chroma loads
    with Listener(authkey=bytes.fromhex(start["key"])) as listener:
        print(json.dumps(listener.address), flush=True)
        sys.stdout = sys.stderr  # a stray print must not reach the app
        conn = listener.accept()
    with conn:
        serve(conn, start["path"], start["embedder_id"], int(start["dimension"]))


if __name__ == "__main__":
    main()
