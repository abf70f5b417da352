"""Offgrid's own log, kept on this computer: a rotating log file, the native crash file that
``faulthandler`` writes, and hooks that log every exception nobody caught.

Nothing here sends anything anywhere; the files stay in the log folder for the user to read
or to attach to a report themselves.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

from assistant.system.paths import APP_NAME, DATA_DIR_ENV, resolve_data_dir

LOG_FILE = "offgrid.log"
CRASH_FILE = "crash.log"  # native crashes (faulthandler): a Python traceback per thread
LOG_BYTES = 1_000_000  # one file's size before it rotates
LOG_BACKUPS = 3  # offgrid.log.1 … .3 are kept, the oldest dropped
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

log = logging.getLogger("offgrid")
ErrorListener = Callable[[str], None]


def log_folder(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the logs go: ``<data dir>/logs`` when the data dir is chosen (``--data-dir`` or
    ``$ASSISTANT_DATA_DIR``, as the tests do), else the per-user log folder (e.g.
    ``~/.local/state/Offgrid/log`` on Linux)."""
    if explicit or os.environ.get(DATA_DIR_ENV):
        return resolve_data_dir(explicit) / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def exception_text(kind: type[BaseException], error: BaseException,
                   trace: TracebackType | None) -> str:
    """An exception with its traceback, as Python prints it."""
    return "".join(traceback.format_exception(kind, error, trace)).rstrip()


@dataclass
class Logging:
    """The log file, the crash file and the hooks in place; :meth:`stop` puts back what was
    there before. ``listeners`` hear the text of every uncaught exception, once logged."""

    folder: Path
    log_file: Path
    crash_file: Path
    handler: logging.Handler
    echo: logging.Handler
    crash_stream: IO[str]
    previous_hooks: tuple[Callable[..., object], Callable[..., object], int]
    listeners: list[ErrorListener] = field(default_factory=list)

    def report(self, text: str, where: str) -> None:
        """Log an uncaught exception's ``text``, then tell the listeners."""
        log.error("Uncaught exception in %s:\n%s", where, text)
        self.handler.flush()
        for listener in list(self.listeners):
            try:
                listener(text)
            except Exception:  # noqa: BLE001 - a failing listener must not hide the error
                log.exception("An error listener failed")

    def stop(self) -> None:
        """Undo :func:`start_logging`: the hooks back, faulthandler off, the files closed."""
        excepthook, threading_hook, level = self.previous_hooks
        sys.excepthook = excepthook
        threading.excepthook = threading_hook
        faulthandler.disable()
        root = logging.getLogger()
        for handler in (self.handler, self.echo):
            root.removeHandler(handler)
        root.setLevel(level)
        self.handler.close()
        self.crash_stream.close()


def start_logging(folder: Path, *, level: int = logging.INFO) -> Logging:
    """Log to ``folder/offgrid.log`` (rotating), write native crashes to ``crash.log`` and
    route uncaught exceptions, of the main thread and of every other, to the log."""
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / LOG_FILE
    handler = RotatingFileHandler(log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                  encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    echo = logging.StreamHandler()  # warnings and errors still reach a terminal, if any
    echo.setLevel(logging.WARNING)
    echo.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = (sys.excepthook, threading.excepthook, root.level)
    root.addHandler(handler)
    root.addHandler(echo)
    root.setLevel(level)
    crash_file = folder / CRASH_FILE
    crash_stream = crash_file.open("a", encoding="utf-8")
    faulthandler.enable(file=crash_stream, all_threads=True)
    logs = Logging(folder, log_file, crash_file, handler, echo, crash_stream, previous)

    def main_thread_hook(kind: type[BaseException], error: BaseException,
                         trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        # Qt's threads raise here too (PySide hands a slot's exception to sys.excepthook)
        thread = threading.current_thread()
        where = "the main thread" if thread is threading.main_thread() else \
            f"thread {thread.name}"
        logs.report(exception_text(kind, error, trace), where)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a thread"
        logs.report(exception_text(args.exc_type, args.exc_value, args.exc_traceback),
                    f"thread {name}")

    sys.excepthook = main_thread_hook
    threading.excepthook = thread_hook
    log.info("Offgrid started (Python %s, pid %d); logging to %s",
             sys.version.split()[0], os.getpid(), log_file)
    return logs
