"""Reading ahead and writing behind: order, bounds, errors and stopping."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.errors import AssistantError, StoreError
from assistant.library.overlap import ReadAhead, WriteBehind


def test_read_ahead_gives_outcomes_in_order_with_errors_in_place() -> None:
    def prepare(n: int) -> int:
        if n == 2:
            raise ValueError("bad item")
        return n * 10

    ahead = ReadAhead(range(5), prepare, weight=lambda _: 1, budget=2)
    got = list(ahead)
    assert ahead.stop() == []
    assert [item for item, _ in got] == [0, 1, 2, 3, 4]
    assert [o for _, o in got if not isinstance(o, Exception)] == [0, 10, 30, 40]
    assert isinstance(got[2][1], ValueError) and str(got[2][1]) == "bad item"


def test_read_ahead_stays_within_its_budget_and_prepares_in_another_thread() -> None:
    prepared: list[int] = []
    threads: set[str] = set()

    def prepare(n: int) -> int:
        threads.add(threading.current_thread().name)
        prepared.append(n)
        return n

    ahead = ReadAhead(range(20), prepare, weight=lambda n: 2, budget=6)  # 3 items of 2
    for item, _ in ahead:
        if item == 0:
            time.sleep(0.3)  # the consumer is busy: the thread must stop 3 items ahead
            assert prepared == [0, 1, 2, 3]
        if item == 5:
            break
    left = ahead.stop()
    assert [item for item, _ in left] == list(range(6, max(prepared) + 1))
    assert len(left) <= 3
    assert threads == {"offgrid-read-ahead"}


def test_read_ahead_stop_prepares_nothing_more() -> None:
    started = threading.Event()
    release = threading.Event()
    prepared: list[int] = []

    def prepare(n: int) -> int:
        if n == 1:
            started.set()
            release.wait(5)
        prepared.append(n)
        return n

    ahead = ReadAhead(range(10), prepare, weight=lambda _: 0, budget=1)
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    left = ahead.stop()  # waits for the item under way, then ends
    assert prepared == [0, 1]
    assert [item for item, _ in left] == [0, 1]


def test_write_behind_writes_in_order_in_one_thread_and_reports_errors() -> None:
    written: list[tuple[int, str]] = []
    reported: list[tuple[int, str | None]] = []

    def write(n: int) -> None:
        time.sleep(0.01 * (3 - n))  # later writes are quicker: order must hold anyway
        written.append((n, threading.current_thread().name))
        if n == 1:
            raise StoreError("index unavailable")

    with WriteBehind[int](lambda key, error: reported.append(
            (key, str(error) if error else None))) as behind:
        for n in range(3):
            behind.submit(n, lambda n=n: write(n))
        assert reported == []  # reported only when asked, or at the end
    assert [n for n, _ in written] == [0, 1, 2]
    assert {name for _, name in written} != {threading.current_thread().name}
    assert reported == [(0, None), (1, "index unavailable"), (2, None)]


def test_write_behind_raises_a_defect() -> None:
    behind = WriteBehind[int](lambda key, error: None)
    behind.submit(0, lambda: (_ for _ in ()).throw(KeyError("defect")))
    with pytest.raises(KeyError):
        behind.report()
    behind.submit(1, lambda: None)
    behind.report()  # it goes on after a defect was raised
    assert issubclass(StoreError, AssistantError)
