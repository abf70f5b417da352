"""Heartbeats: something that should run every few ms notes when it runs late.

A late tick is a stall: the ticker's thread could not run (the GIL was held, the event loop was
busy, the CPU was taken). :class:`Beats` is the arithmetic, whatever ticks it: the window's
GUI-thread timer in the app bench's probe, or :class:`ThreadHeartbeat` here, a control outside
the app that tells a stall of the app from one of the machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple


class Stall(NamedTuple):
    """A tick that came late: the previous and this tick's times, and how late in ms."""

    began: float
    ended: float
    late_ms: float


class Beats:
    """Ticks expected every ``interval_s`` on ``clock``; stalls of more than ``keep_ms`` kept."""

    def __init__(self, interval_s: float, keep_ms: float,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.interval_s = interval_s
        self.keep_ms = keep_ms
        self.clock = clock
        self.last: float | None = None
        self.longest_ms = 0.0
        self.stalls: list[Stall] = []

    def restart(self) -> None:
        """Watch from now, from zero (the stalls kept so far stay)."""
        self.last, self.longest_ms = None, 0.0

    def tick(self) -> None:
        """A tick now: how late it came after the last one."""
        now = self.clock()
        if self.last is not None:
            late_ms = (now - self.last - self.interval_s) * 1000
            self.longest_ms = max(self.longest_ms, late_ms)
            if late_ms > self.keep_ms:
                self.stalls.append(Stall(self.last, now, late_ms))
        self.last = now

    def longest_within(self, windows: Sequence[Sequence[float]]) -> float:
        """The longest kept stall that ended inside any of the ``[began, ended]`` windows."""
        return round(max((stall.late_ms for stall in self.stalls
                          if any(began <= stall.ended <= ended for began, ended in windows)),
                         default=0.0), 1)


class ThreadHeartbeat(threading.Thread):
    """A thread that sleeps ``interval_s`` at a time and notes when it wakes late (wall clock,
    to compare with another process's times); ``halt`` ends it."""

    def __init__(self, interval_s: float = 0.005, keep_ms: float = 5.0) -> None:
        super().__init__(name="control-heartbeat", daemon=True)
        self.beats = Beats(interval_s, keep_ms, clock=time.time)
        self.halt = threading.Event()

    def run(self) -> None:
        self.beats.tick()
        while not self.halt.wait(self.beats.interval_s):
            self.beats.tick()
