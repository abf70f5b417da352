"""Counts, sizes and places in a document as people read them (pure)."""

from __future__ import annotations


def human_size(size: int) -> str:
    """A byte count as people read it: ``950 bytes``, ``12.5 KB``, ``210.0 MB``, ``2.0 TB``.

    A value that rounds to 1000.0 of one unit is written in the next (``1.0 MB``, not
    ``1000.0 KB``); terabytes carry on counting past 1000.
    """
    if size < 1000:
        return f"{size} bytes"
    units = ("KB", "MB", "GB", "TB")
    value = size / 1000.0
    for unit in units[:-1]:
        if round(value, 1) < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000.0
    return f"{value:.1f} {units[-1]}"


def plural(count: int, noun: str) -> str:
    """``1 chunk``, ``2 chunks``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def location(page: int | None, heading: str | None, title: str | None = None) -> str:
    """Where a passage sits: ``p. 3``, its heading path (without a root equal to the title),
    or both (``p. 2, Step 4: What does that energy cost?``)."""
    section = None
    if heading and heading != title:
        section = heading[len(title) + 3:] if title and heading.startswith(title + " > ") \
            else heading
    if page is not None:
        return f"p. {page}, {section}" if section else f"p. {page}"
    return section or "beginning"
