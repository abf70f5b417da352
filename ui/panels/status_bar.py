"""Small readings for the status bar."""

from __future__ import annotations

import psutil


def process_memory_mb() -> float:
    """This process's resident memory now, in MB (psutil: the same on every platform)."""
    return psutil.Process().memory_info().rss / (1024 * 1024)
