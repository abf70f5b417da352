"""The app's child processes (the model engine, the document reader, the vector index): how
one ended, in words, and ending one for good."""

from __future__ import annotations

import signal
import subprocess


def exit_description(code: int | None) -> str:
    """Why a child process ended, in words: ``signal 11``, ``exit status 3``."""
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = ""
        return f"signal {-code}{f', {name}' if name else ''}"
    if code > 0xFFFF:  # Windows reports an exception code, e.g. 0xC0000005 for a bad access
        return f"exception 0x{code:08X}"
    return f"exit status {code}"


def end_process(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` now (if it still runs) and reap it; one that will not be reaped
    within 10 s is left to the system."""
    try:
        process.kill()
        process.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass
