"""The local log: where it goes, what reaches it (uncaught exceptions of every thread, native
crashes), and that stopping it puts back what was there."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from platformdirs import user_log_dir

from assistant.app import log_folder, start_logging
from assistant.system.logs import CRASH_FILE, LOG_FILE


def test_logs_go_beside_a_chosen_data_dir_else_to_the_users_log_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert log_folder(tmp_path / "data") == (tmp_path / "data" / "logs").resolve()
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "env"))
    assert log_folder() == (tmp_path / "env" / "logs").resolve()
    monkeypatch.delenv("ASSISTANT_DATA_DIR")
    assert log_folder() == Path(user_log_dir("Offgrid", appauthor=False))


def test_an_exception_in_a_worker_thread_reaches_the_log_and_the_listeners(
        tmp_path: Path) -> None:
    heard: list[str] = []
    logs = start_logging(tmp_path / "logs")
    logs.listeners.append(heard.append)
    try:
        def work() -> None:
            raise RuntimeError("the index fell over")

        worker = threading.Thread(target=work, name="indexer")
        worker.start()
        worker.join()
    finally:
        logs.stop()
    text = (tmp_path / "logs" / LOG_FILE).read_text(encoding="utf-8")
    assert "Uncaught exception in thread indexer" in text
    assert "RuntimeError: the index fell over" in text and "in work" in text
    assert len(heard) == 1 and heard[0].endswith("RuntimeError: the index fell over")


def test_an_uncaught_exception_of_the_main_thread_is_logged(tmp_path: Path) -> None:
    logs = start_logging(tmp_path / "logs")
    try:
        try:
            {}["missing"]  # noqa: B018
        except KeyError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        logs.stop()
    text = logs.log_file.read_text(encoding="utf-8")
    assert "Uncaught exception in the main thread" in text and "KeyError: 'missing'" in text


def test_a_failing_listener_does_not_hide_the_error(tmp_path: Path) -> None:
    logs = start_logging(tmp_path / "logs")

    def broken(_text: str) -> None:
        raise ValueError("listener broke")

    heard: list[str] = []
    logs.listeners.extend([broken, heard.append])
    try:
        logs.report("Traceback: the real error", "the main thread")
    finally:
        logs.stop()
    text = logs.log_file.read_text(encoding="utf-8")
    assert "the real error" in text and "An error listener failed" in text
    assert heard == ["Traceback: the real error"]


def test_an_exception_raised_on_a_thread_outside_threading_names_that_thread(
        tmp_path: Path) -> None:
    logs = start_logging(tmp_path / "logs")
    try:
        def hand_over() -> None:  # as PySide does with a slot's exception on a QThread
            try:
                raise LookupError("no such passage")
            except LookupError as error:
                sys.excepthook(type(error), error, error.__traceback__)

        worker = threading.Thread(target=hand_over, name="reader")
        worker.start()
        worker.join()
    finally:
        logs.stop()
    assert "Uncaught exception in thread reader" in logs.log_file.read_text(encoding="utf-8")


def test_the_log_rotates_and_keeps_three_older_files(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.system.logs.LOG_BYTES", 2_000)
    logs = start_logging(tmp_path / "logs")
    try:
        for line in range(200):
            logging.getLogger("offgrid.test").warning("line %d of a long session", line)
    finally:
        logs.stop()
    names = sorted(path.name for path in (tmp_path / "logs").glob("offgrid.log*"))
    assert names == ["offgrid.log", "offgrid.log.1", "offgrid.log.2", "offgrid.log.3"]
    assert "line 199 of a long session" in logs.log_file.read_text(encoding="utf-8")
    assert all(path.stat().st_size <= 2_200 for path in (tmp_path / "logs").glob("offgrid*"))


def test_stopping_puts_the_previous_hooks_back(tmp_path: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    logs = start_logging(tmp_path / "logs")
    assert (sys.excepthook, threading.excepthook) != before
    logs.stop()
    assert (sys.excepthook, threading.excepthook) == before
    assert logs.crash_stream.closed


def test_a_native_crash_is_written_to_the_crash_file(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    crash = subprocess.run(
        [sys.executable, "-c",
         "import ctypes, sys\n"
         "from assistant.system.logs import start_logging\n"
         "start_logging(__import__('pathlib').Path(sys.argv[1]))\n"
         "ctypes.string_at(0)\n", str(folder)],
        capture_output=True, text=True, timeout=60, check=False)
    assert crash.returncode != 0
    written = (folder / CRASH_FILE).read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in written and "<module>" in written
