"""One answer at a time, whoever asks: the window, the local API or the CLI share one service
and one model, so a second answer waits for the first (and says so) instead of running beside
it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.answers.pipeline import AnswerEvent, Finished
from assistant.system.foreground import ForegroundGate


@dataclass(frozen=True)
class Waiting:
    """Another answer is being written; this one starts when it ends (an event of
    ``AssistantService.ask``, before any of the pipeline's)."""


def one_at_a_time(gate: ForegroundGate, start: Callable[[], Iterator[AnswerEvent]], *,
                  wait_s: float | None = None, cancel: threading.Event | None = None
                  ) -> Iterator[AnswerEvent | Waiting]:
    """The events of ``start()``, begun once no other answer runs and holding the gate until
    the answer is finished: :class:`Waiting` first if another answer runs, then at most
    ``wait_s`` seconds (None: as long as it takes) of waiting, no longer once ``cancel`` is
    set, else :class:`~assistant.errors.AnswerBusy`. The gate is let go before
    :class:`Finished` is passed on, so whoever waits next starts at once."""
    if not gate.try_enter():
        yield Waiting()
        gate.enter(wait_s=wait_s, cancel=cancel)
    finished: Finished | None = None
    try:
        events = start()
        try:
            for event in events:
                if isinstance(event, Finished):
                    finished = event
                    break
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a caller that stopped listening stops the answer
    finally:
        gate.leave()
    if finished is not None:
        yield finished
