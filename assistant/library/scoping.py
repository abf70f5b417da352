"""A search within some collections: the best of the whole index, kept when in them.

Filtering every match by its collection costs more than scoring it (chroma's metadata filter
scans every vector's metadata, ~100 ms at 100k chunks; SQLite joins every match to its
collection), so both the dense and the lexical search first take ``OVERFETCH`` times the
wanted rows from the whole index and fall back to a filtered search only when too few of
them lie in the collections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

OVERFETCH = 4

Row = TypeVar("Row")


def overfetch(limit: int) -> int:
    """How many rows of the whole index to take for ``limit`` rows within collections."""
    return limit * OVERFETCH


def kept_within(best: Sequence[Row], inside: Callable[[Row], bool],
                limit: int) -> list[Row] | None:
    """The first ``limit`` rows of ``best`` (the :func:`overfetch` best of the whole index)
    that are ``inside`` the collections; ``None`` when fewer are and the index may hold more,
    so a filtered search is needed."""
    kept = [row for row in best if inside(row)]
    if len(kept) >= limit or len(best) < overfetch(limit):
        return kept[:limit]
    return None
