"""What the app bench measures with inside the window: stalls of the GUI thread, what caused
them, and peak memory (where the time before a first token goes is the core's
:mod:`assistant.bench.timeline`)."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import psutil
from PySide6.QtCore import QObject, Qt, QTimer

from assistant.app import peak_resident_bytes
from assistant.bench.heartbeat import Beats

HEARTBEAT_MS = 5
# The document reader child: capped on its own (2 GB by default) and small between files, so
# row 8 leaves it out of the app's other children.
READER_MODULE = "assistant.library.parse_sandbox"


def peak_rss_mb(pid: int | None = None) -> float:
    """The peak resident memory so far of this process (or of process ``pid``), in MB; 0 if it
    cannot be read (the core's :func:`~assistant.system.memory_use.peak_resident_bytes`)."""
    return round((peak_resident_bytes(pid) or 0) / (1024 * 1024), 1)


def children_peak_rss_mb(skip: set[int]) -> float:
    """The peak memory of this process's child processes, summed, in MB: all but those in
    ``skip`` and the document reader (the vector index's process, say)."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if child.pid in skip or READER_MODULE in child.cmdline():
                continue
        except psutil.Error:  # it ended meanwhile
            continue
        total += peak_rss_mb(child.pid)
    return round(total, 1)


class Heartbeat(QObject):
    """A timer on the GUI thread every few ms; a late tick is a stall of the window (the
    arithmetic is the core's :class:`~assistant.bench.heartbeat.Beats`).

    Stalls longer than ``keep_ms`` are kept as ``(began, ended)`` perf-counter intervals.
    """

    def __init__(self, interval_ms: int = HEARTBEAT_MS, keep_ms: float = 25.0) -> None:
        super().__init__()
        self.beats = Beats(interval_ms / 1000, keep_ms)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.beats.tick)

    @property
    def stalls(self) -> list[tuple[float, float]]:
        """The kept stalls, as ``(began, ended)`` intervals."""
        return [(stall.began, stall.ended) for stall in self.beats.stalls]

    def start(self) -> Heartbeat:
        """Start watching, from zero."""
        self.beats.restart()
        self.timer.start()
        return self

    def stop(self) -> float:
        """Stop watching; returns the longest stall in ms."""
        self.timer.stop()
        return round(self.beats.longest_ms, 1)


class StackSampler(threading.Thread):
    """Samples every thread's stack every ``period_s``, to explain the heartbeat's stalls.

    It needs the GIL to sample: no sample inside a stall means a thread held the GIL
    (the last sample before it shows which); samples showing the GUI thread in the event
    loop mean Qt itself was busy (layout, painting) or starved of a CPU, which the GUI
    thread's scheduler counters (Linux) tell apart.
    """

    def __init__(self, period_s: float = 0.002) -> None:
        super().__init__(name="stack-sampler", daemon=True)
        self.period_s = period_s
        self.samples: list[tuple[float, dict[str, list[str]]]] = []
        self.sched: list[tuple[float, int, int]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        main = threading.main_thread().native_id
        schedstat = f"/proc/self/task/{main}/schedstat"
        while not self.halt.wait(self.period_s):
            names = {t.ident: t.name for t in threading.enumerate()}  # idents are reused
            frames = sys._current_frames()
            now = time.perf_counter()
            self.samples.append((now, {
                names.get(ident, str(ident)): _frames(frame)
                for ident, frame in frames.items() if ident != self.ident}))
            try:  # the GUI thread's time on a CPU and waiting for one, in ns (Linux)
                with open(schedstat, encoding="ascii") as handle:
                    on_cpu, waiting = (int(v) for v in handle.read().split()[:2])
                self.sched.append((now, on_cpu, waiting))
            except (OSError, ValueError):
                pass

    def explain(self, stalls: list[tuple[float, float]]) -> str:
        """For each stall, the samples just before and during it."""
        out: list[str] = []
        for began, ended in stalls:
            out.append(f"== stall {(ended - began) * 1000:.0f} ms")
            before = [x for x in self.sched if x[0] <= began]
            after = [x for x in self.sched if x[0] >= ended]
            if before and after:
                (t0, cpu0, wait0), (t1, cpu1, wait1) = before[-1], after[0]
                out.append(f"   GUI thread over {(t1 - t0) * 1000:.0f} ms: on a CPU "
                           f"{(cpu1 - cpu0) / 1e6:.0f} ms, waiting for a CPU "
                           f"{(wait1 - wait0) / 1e6:.0f} ms, the rest asleep (GIL or idle)")
            inside = [s for s in self.samples if began - 0.004 <= s[0] <= ended]
            if len([s for s in inside if s[0] > began]) == 0:
                out.append("   (no sample inside: the GIL was held)")
            for moment, stacks in inside[-6:]:
                out.append(f"  +{(moment - began) * 1000:.0f} ms")
                out.extend(f"    {name}: {' < '.join(frames)}"
                           for name, frames in stacks.items() if frames)
        return "\n".join(out) + "\n"


def _frames(frame: Any, depth: int = 5) -> list[str]:
    """The innermost frames of a stack, as ``file:line function``."""
    out: list[str] = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        if "threading.py" not in code.co_filename:
            out.append(f"{code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno} "
                       f"{code.co_name}")
        frame = frame.f_back
    return out
