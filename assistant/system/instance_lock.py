"""One owner per data directory: a second app or command on it is refused, not let in to
write beside the first.

The lock is on ``offgrid.lock`` in the data directory: an exclusive ``flock`` on POSIX, and on
Windows an ``msvcrt.locking`` lock on one byte far past the file's text (Windows forbids other
processes to read a locked range, and the refused one reads who holds the lock). The operating
system drops either when the process ends, however it ends, so a crash never leaves it stuck.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import IO, Any

from assistant.errors import StoreError

LOCK_FILE = "offgrid.lock"
WINDOWS = sys.platform == "win32"
# The byte locked on Windows: beyond the "process N" text, which is never that long.
WINDOWS_LOCK_OFFSET = 1 << 20


class DataDirInUse(StoreError):
    """Another Offgrid process holds the data directory (``pid``, where it says)."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


def _msvcrt() -> Any:
    """Windows' ``msvcrt`` (its type stub exists only when checking for Windows, so it is
    imported by name; the tests put a stand-in in ``sys.modules``)."""
    return importlib.import_module("msvcrt")


def _lock_exclusive(fd: int) -> None:
    """Take the lock on the open file ``fd`` without waiting; :class:`OSError` if held."""
    if WINDOWS:
        msvcrt = _msvcrt()
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)  # msvcrt locks from the position
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    """Let go of the lock on ``fd`` before it is closed (POSIX: closing is enough)."""
    if WINDOWS:
        msvcrt = _msvcrt()
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass  # closing the file frees it too, only less promptly


class InstanceLock:
    """Holds the data directory for this process until :meth:`release`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`DataDirInUse` naming the process that has it."""
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock_exclusive(handle.fileno())
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            pid = owner.removeprefix("process ")
            raise DataDirInUse(
                f"Offgrid is already running on {self.path.parent} ({owner}); close it "
                "first, or use another data directory (--data-dir)",
                int(pid) if pid.isdigit() else None) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the data directory go (also done by the system when the process ends)."""
        if self._handle is not None:
            _unlock(self._handle.fileno())
            self._handle.close()  # closing the descriptor drops the flock
            self._handle = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._handle is not None
