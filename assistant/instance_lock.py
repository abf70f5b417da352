"""One owner per data directory: a second app or command on it is refused, not let in to
write beside the first.

The lock is an exclusive ``flock`` on ``offgrid.lock`` in the data directory. The operating
system drops it when the process ends, however it ends, so a crash never leaves it stuck.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from assistant.errors import StoreError

LOCK_FILE = "offgrid.lock"


class DataDirInUse(StoreError):
    """Another Offgrid process holds the data directory."""


class InstanceLock:
    """Holds the data directory for this process until :meth:`release`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`DataDirInUse` naming the process that has it."""
        import fcntl

        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise DataDirInUse(
                f"Offgrid is already running on {self.path.parent} ({owner}); close it "
                "first, or use another data directory (--data-dir)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the data directory go (also done by the system when the process ends)."""
        if self._handle is not None:
            self._handle.close()  # closing the descriptor drops the flock
            self._handle = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._handle is not None
