"""Work that overlaps embedding: reading the next files ahead, writing vectors behind.

Ingestion reads a file (in the document reader's process), embeds its chunks on every core and
writes their vectors to the index (in the index's process). Done one after the other, a core
sits idle while a file is read or vectors are written. Here the next files are read, and the
last files' vectors written, while the chunks between them are embedded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from assistant.errors import AssistantError

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
Key = TypeVar("Key")


class ReadAhead(Generic[Item, Outcome]):
    """``prepare(item)`` for each item in order, in one thread, up to ``budget`` ahead
    (the ready outcomes' total ``weight``, e.g. chunks), so memory stays bounded.

    Iterating yields ``(item, outcome)`` pairs in order, where ``outcome`` is what ``prepare``
    returned or the exception it raised. :meth:`stop` ends the thread after the item it is
    preparing and returns the pairs prepared but not yet taken.
    """

    def __init__(self, items: Sequence[Item], prepare: Callable[[Item], Outcome], *,
                 weight: Callable[[Outcome | Exception], int], budget: int) -> None:
        self._items = list(items)
        self._prepare = prepare
        self._weight = weight
        self._budget = max(1, budget)
        self._ready: deque[tuple[Item, Outcome | Exception, int]] = deque()
        self._held = 0  # the weight of the ready pairs
        self._done = False
        self._stopping = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="offgrid-read-ahead",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for item in self._items:
                with self._changed:
                    self._changed.wait_for(lambda: self._stopping or self._held < self._budget)
                    if self._stopping:
                        return
                outcome: Outcome | Exception
                try:
                    outcome = self._prepare(item)
                except Exception as exc:  # handed to the caller, in its place
                    outcome = exc
                weight = max(0, self._weight(outcome))
                with self._changed:
                    self._ready.append((item, outcome, weight))
                    self._held += weight
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def __iter__(self) -> Iterator[tuple[Item, Outcome | Exception]]:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._ready) or self._done)
                if not self._ready:
                    return
                item, outcome, weight = self._ready.popleft()
                self._held -= weight
                self._changed.notify_all()
            yield item, outcome

    @property
    def waiting(self) -> bool:
        """Whether taking the next pair would wait for it (none is ready, more may come)."""
        with self._changed:
            return not self._ready and not self._done

    def stop(self) -> list[tuple[Item, Outcome | Exception]]:
        """End the thread (after the item under way) and return what it prepared but the
        caller has not taken, in order."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()
        with self._changed:
            left = [(item, outcome) for item, outcome, _ in self._ready]
            self._ready.clear()
            self._held = 0
        return left


class WriteBehind(Generic[Key]):
    """Runs writes one at a time, in order, in a background thread; :meth:`report` waits for
    those submitted so far and calls ``done(key, error)`` for each, in order, in the caller's
    thread (``error``: the :class:`AssistantError` the write raised, or None)."""

    def __init__(self, done: Callable[[Key, AssistantError | None], None]) -> None:
        self._done = done
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="offgrid-write-behind")
        self._waiting: list[tuple[Key, Future[None]]] = []

    def __enter__(self) -> WriteBehind[Key]:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.report()
        finally:
            self._writer.shutdown(wait=True)

    def submit(self, key: Key, write: Callable[[], None]) -> None:
        """Start ``write`` after the writes before it."""
        self._waiting.append((key, self._writer.submit(write)))

    def report(self) -> None:
        """Wait for every write submitted so far and report each; any other exception than
        an :class:`AssistantError` is a defect and is raised."""
        waiting, self._waiting = self._waiting, []
        for key, future in waiting:
            try:
                future.result()
            except AssistantError as exc:
                self._done(key, exc)
            else:
                self._done(key, None)
