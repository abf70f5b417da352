"""Memory readings: this process, another one (the engine, the document reader), its peak."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from assistant.system import memory_use
from assistant.system.memory_use import peak_resident_bytes, resident_bytes

MB = 1024 * 1024


def test_resident_memory_follows_this_process_and_its_peak_stays() -> None:
    before = resident_bytes()
    assert before is not None
    block = b"x" * (200 * MB)
    grown = (resident_bytes() or 0) - before
    assert len(block) and 180 * MB < grown < 260 * MB
    del block
    assert (peak_resident_bytes() or 0) >= before + 180 * MB  # the peak stays after a free


def test_another_process_is_read_and_a_gone_one_is_unknown() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; print('up', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"up\n"  # running
        assert 1 * MB < (resident_bytes(child.pid) or 0) < 200 * MB
        assert (peak_resident_bytes(child.pid) or 0) >= 1 * MB
    finally:
        child.communicate(b"")
    assert resident_bytes(child.pid) is None
    assert peak_resident_bytes(child.pid) is None


def test_without_proc_the_peak_is_windows_peak_working_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    memory = SimpleNamespace(rss=100 * MB, peak_wset=750 * MB)
    with monkeypatch.context() as patch:  # undone before any fixture needs psutil again
        patch.setattr(psutil, "Process",
                      lambda pid=None: SimpleNamespace(memory_info=lambda: memory))
        peak, now = peak_resident_bytes(proc=str(tmp_path)), resident_bytes()
    assert (peak, now) == (750 * MB, 100 * MB)


def test_without_psutil_readings_are_unknown(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "psutil", None)
        readings = (resident_bytes(), peak_resident_bytes(proc=str(tmp_path)),
                    memory_use.available_bytes())
    assert readings == (None, None, None)
