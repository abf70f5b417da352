"""Byte counts as people read them."""

from __future__ import annotations


def human_size(size: int) -> str:
    """A byte count as people read it: ``950 bytes``, ``12.5 KB``, ``210.0 MB``."""
    if size < 1000:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size_f = size / 1000.0
        if size_f < 1000 or unit == "GB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    return f"{size} bytes"
