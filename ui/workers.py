"""Run core calls off the GUI thread and hand their results back through signals.

A :class:`Job` runs one callable on its own ``QThread``. If the callable returns an iterator
(the service's ``ask`` does), every item is emitted as ``yielded``; then ``succeeded`` carries
the return value, or ``failed`` the error's message. Slots connected from the GUI thread run
on the GUI thread (queued connections), so they may touch widgets; the callable must not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from assistant.app import AssistantError


class Job(QThread):
    """One background call; see the module docstring for its signals."""

    yielded = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, call: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call

    def run(self) -> None:  # runs on the job's thread
        try:
            result = self._call()
            if isinstance(result, Iterator):
                for item in result:
                    self.yielded.emit(item)
                result = None
        except AssistantError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must reach the user as a message, not kill the app
            self.failed.emit(f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)


class JobRunner(QObject):
    """Starts jobs, keeps them alive while they run, and waits for them on shutdown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: set[Job] = set()

    def start(self, call: Callable[[], Any], *,
              on_yield: Callable[[Any], None] | None = None,
              on_success: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None) -> Job:
        """Run ``call`` in the background; the callbacks run on the GUI thread."""
        job = Job(call)
        if on_yield is not None:
            job.yielded.connect(on_yield)
        if on_success is not None:
            job.succeeded.connect(on_success)
        if on_error is not None:
            job.failed.connect(on_error)
        job.finished.connect(lambda: self._forget(job))
        self._jobs.add(job)
        job.start()
        return job

    def _forget(self, job: Job) -> None:
        self._jobs.discard(job)
        job.deleteLater()

    @property
    def running(self) -> int:
        """How many jobs are still running."""
        return sum(1 for job in self._jobs if job.isRunning())

    def wait_all(self, timeout_ms: int = 30_000) -> bool:
        """Block until every job has finished (used when the window closes)."""
        return all(job.wait(timeout_ms) for job in list(self._jobs))
