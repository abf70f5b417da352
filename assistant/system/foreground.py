"""Chat first, one answer at a time: background work (ingestion) steps aside while an answer
is being produced, and a second answer waits for the first.

On a laptop's few cores, llama.cpp's threads and the embedder's threads slow each other
down several times over, and the model serves one request at a time. Answering holds
:meth:`ForegroundGate.active` (the window's answers and the local API's alike); a second
answer waits for the first to end, within limits, and background work calls
:meth:`ForegroundGate.wait_idle` between its steps and resumes when no answer is running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.errors import AnswerBusy

WAIT_STEP_S = 0.1  # how often a waiting answer looks at its cancel event


class ForegroundGate:
    """One foreground task (an answer) at a time; background work waits for none to run."""

    def __init__(self) -> None:
        self._active = 0
        self._changed = threading.Condition()
        self.waited_s = 0.0

    @property
    def busy(self) -> bool:
        """Whether a foreground task is running now."""
        with self._changed:
            return self._active > 0

    def try_enter(self) -> bool:
        """Start a foreground task if none runs; False (and nothing held) if one does."""
        with self._changed:
            if self._active:
                return False
            self._active = 1
            return True

    def enter(self, *, wait_s: float | None = None,
              cancel: threading.Event | None = None) -> None:
        """Start a foreground task once the running one ends: wait at most ``wait_s``
        seconds (None: as long as it takes), and no longer once ``cancel`` is set; else
        raise :class:`AnswerBusy`. Pair with :meth:`leave`."""
        started = time.monotonic()
        with self._changed:
            while self._active:
                if cancel is not None and cancel.is_set():
                    raise AnswerBusy("stopped before it began: another answer was being "
                                     "written")
                waited = time.monotonic() - started
                if wait_s is not None and waited >= wait_s:
                    raise AnswerBusy(f"another answer is being written (waited "
                                     f"{waited:.0f} s); ask again when it has finished")
                step = WAIT_STEP_S if wait_s is None else min(WAIT_STEP_S, wait_s - waited)
                self._changed.wait(timeout=step)
            self._active = 1

    def leave(self) -> None:
        """End the foreground task :meth:`enter` or :meth:`try_enter` started."""
        with self._changed:
            self._active = 0
            self._changed.notify_all()

    @contextmanager
    def active(self, *, wait_s: float | None = None,
               cancel: threading.Event | None = None) -> Iterator[None]:
        """Run a foreground task for the ``with`` block, after any running one (see
        :meth:`enter` for the wait)."""
        self.enter(wait_s=wait_s, cancel=cancel)
        try:
            yield
        finally:
            self.leave()

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
