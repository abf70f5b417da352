"""Small readings for the status bar."""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def process_memory_mb() -> float:
    """This process's resident memory in MB (Linux: current; elsewhere: the peak)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
