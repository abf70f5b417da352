"""Files written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600  # the owner may read and write; nobody else may read (a token inside)


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file beside it, flushed
    to disk and renamed over: a crash leaves the old file or the new one, never half of one.
    With ``mode`` (:data:`PRIVATE` for a secret) the file has exactly those permissions from
    its creation on; else the usual ones (the umask's). :class:`OSError` if it cannot be
    written; no temporary file is left behind."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.unlink(missing_ok=True)  # a leftover would keep its own permissions
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
        with open(os.open(partial, flags, 0o666 if mode is None else mode), "wb") as handle:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)  # exactly these, whatever the umask
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
