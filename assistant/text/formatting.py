"""Counts, sizes and places in a document as people read them (pure)."""

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


def plural(count: int, noun: str) -> str:
    """``1 chunk``, ``2 chunks``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def location(page: int | None, heading: str | None, title: str | None = None) -> str:
    """Where a passage sits: ``p. 3`` or its heading path (without a root equal to the title)."""
    if page is not None:
        return f"p. {page}"
    if not heading or heading == title:
        return "beginning"
    if title and heading.startswith(title + " > "):
        return heading[len(title) + 3:]
    return heading
