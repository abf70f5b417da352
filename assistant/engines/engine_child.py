"""One engine process: starting it, its pipe (a JSON line each way), and how it ended.

:class:`~assistant.engines.engine_process.ProcessEngine` keeps one :class:`EngineChild` at a
time and replaces it when it dies; the words for how a process ended live here too.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from importlib import metadata as package_metadata
from pathlib import Path
from typing import IO, Any

from assistant.system.processes import end_process, exit_description

SERVER_COMMAND = (sys.executable, "-m", "assistant.engines.engine_server")
# Signals that mean native code faulted (a weight layout may be to blame), not a kill.
FAULTS = {signal.SIGSEGV, signal.SIGILL, signal.SIGABRT, signal.SIGFPE,
          getattr(signal, "SIGBUS", signal.SIGSEGV)}


def crash_message(code: int | None) -> str:
    """What the user reads when the engine process ends in the middle of a request."""
    if code is not None and code == -getattr(signal, "SIGKILL", 9):
        return (f"the model engine was stopped ({exit_description(code)}: out of memory, or "
                "ended by another program); it has been restarted")
    return f"the model engine crashed ({exit_description(code)}); it has been restarted"


def safe_mode_notice(reason: str) -> str:
    """What the status bar and the CLI say when a model runs in the safe layout."""
    return (f"safe mode: {reason}, so it loads without CPU-specific weight layouts on this "
            "CPU (slower, but it runs)")


def is_fault(code: int | None) -> bool:
    """Whether an exit status is a native fault rather than a kill or a normal exit."""
    if code is None:
        return False
    if code < 0:
        return -code in {int(s) for s in FAULTS}
    return code > 0xFFFF  # a Windows exception code


def runtime_version() -> str:
    """The llama-cpp-python release installed (read without loading it)."""
    try:
        return package_metadata.version("llama-cpp-python")
    except package_metadata.PackageNotFoundError:
        return "unknown"


LOG_LIMIT_BYTES = 1024 * 1024


def open_log(path: Path) -> IO[bytes]:
    """The engine's log, appended to; started afresh once it passes :data:`LOG_LIMIT_BYTES`."""
    try:
        fresh = path.stat().st_size > LOG_LIMIT_BYTES
    except OSError:
        fresh = False
    return path.open("wb" if fresh else "ab")


class EngineChild:
    """One engine process and the thread that turns its reply lines into a queue."""

    def __init__(self, command: list[str], start: dict[str, Any], log: IO[bytes] | None,
                 safe: bool) -> None:
        self.safe = safe
        self.ready: dict[str, Any] | None = None
        # The layout has survived an evaluation (the start-up's priming, or a whole stream).
        self.evaluated = False
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # no console on Windows
        threading.Thread(target=self._read, daemon=True).start()
        self.send(start)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                break  # not our protocol: treat it as the end of the process
            if not isinstance(message, dict):
                break
            self.replies.put(message)
        self.replies.put(None)

    def send(self, message: dict[str, Any]) -> bool:
        """Write one request line; False if the process is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def reply(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next reply, None when the process has ended; ``queue.Empty`` on timeout."""
        return self.replies.get(timeout=timeout)

    def exit_code(self) -> int | None:
        """The process's exit status, waiting a little for it to be reaped."""
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.poll()

    def kill(self) -> None:
        """End the process now."""
        end_process(self.process)

    def close(self) -> None:
        """Ask the process to free the model and leave; kill it if it does not."""
        self.send({"op": "close"})
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
