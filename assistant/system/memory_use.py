"""How much memory a process uses and the system has free, on every platform.

psutil is imported when a reading is taken, not at import: the engine and document reader
children import this module, and a missing or broken psutil means "unknown", never a crash.
"""

from __future__ import annotations

import sys


def resident_bytes(pid: int | None = None) -> int | None:
    """The resident memory now of this process (or of process ``pid``); ``None`` if it cannot
    be read (the process is gone, or psutil is missing)."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except (psutil.Error, OSError):
        return None


def peak_resident_bytes(pid: int | None = None, proc: str = "/proc") -> int | None:
    """The peak resident memory so far of this process (or of process ``pid``).

    On Linux it is ``VmHWM``: ``ru_maxrss`` survives ``exec``, so a child started by a big
    parent reports the parent's size at the fork. On Windows it is psutil's peak working set;
    on macOS ``ru_maxrss`` (for another process, its current size: a lower bound).
    """
    try:
        with open(f"{proc}/{'self' if pid is None else pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    try:
        memory = psutil.Process(pid).memory_info()
    except (psutil.Error, OSError):
        return None
    peak = getattr(memory, "peak_wset", None)  # Windows
    if peak is not None:
        return int(peak)
    if pid is not None:
        return int(memory.rss)
    try:
        import resource
    except ImportError:  # no peak to be had: the current size, a lower bound
        return int(memory.rss)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(maxrss if sys.platform == "darwin" else maxrss * 1024)  # bytes / kB


def available_bytes() -> int | None:
    """Memory the system can give a new program now (psutil: ``MemAvailable`` on Linux, the
    free and reclaimable pages on macOS and Windows); ``None`` if it cannot be read."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except (ImportError, OSError, RuntimeError, AttributeError, ValueError):
        return None
