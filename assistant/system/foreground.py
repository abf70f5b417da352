"""Chat first: background work (ingestion) steps aside while an answer is being produced.

On a laptop's few cores, llama.cpp's threads and the embedder's threads slow each other
down several times over. Answering holds :meth:`ForegroundGate.active`; background work calls
:meth:`ForegroundGate.wait_idle` between its steps and resumes when no answer is running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ForegroundGate:
    """Counts foreground tasks; background work waits for none to be running."""

    def __init__(self) -> None:
        self._active = 0
        self._changed = threading.Condition()
        self.waited_s = 0.0

    @property
    def busy(self) -> bool:
        """Whether a foreground task is running now."""
        with self._changed:
            return self._active > 0

    @contextmanager
    def active(self) -> Iterator[None]:
        """Mark a foreground task (an answer) as running for the ``with`` block."""
        with self._changed:
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def wait_idle(self, cancel: threading.Event | None = None,
                  limit_s: float = 300.0) -> float:
        """Block while a foreground task runs (at most ``limit_s``, and no longer once
        ``cancel`` is set); returns the seconds waited."""
        started = time.perf_counter()
        with self._changed:
            while self._active > 0:
                if cancel is not None and cancel.is_set():
                    break
                if time.perf_counter() - started >= limit_s:
                    break
                self._changed.wait(timeout=0.1)
        waited = time.perf_counter() - started
        self.waited_s += waited
        return waited
