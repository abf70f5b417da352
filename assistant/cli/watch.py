"""``assistant ingest PATH… --watch``: ingest, then keep the folders in step until Ctrl+C."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.app.service import AssistantService
from assistant.errors import AssistantError
from assistant.library.ingest import FileResult

POLL_SECONDS = 1.0


def run_watch(service: AssistantService, paths: Sequence[str], collection: str,
              ingest: Callable[[], int], *, stop: threading.Event | None = None,
              every: float = POLL_SECONDS) -> int:
    """Watch the folders among ``paths`` (files are ingested once), ingest everything, then
    look for changes every ``every`` seconds until ``stop`` is set or Ctrl+C is pressed."""
    folders = [Path(p).expanduser() for p in paths if Path(p).expanduser().is_dir()]
    if not folders:
        raise AssistantError("--watch needs at least one folder among the paths")
    for folder in folders:
        service.watch_folder(folder, collection)
    status = ingest()
    names = ", ".join(str(f.resolve()) for f in folders)
    print(f"Watching {names} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    stop = stop or threading.Event()
    try:
        while not stop.wait(every):
            scan = service.rescan_watched(on_progress=_print_result, cancel=stop)
            if scan.results or scan.removed:
                for path in scan.removed:
                    print(f"{'removed':<9} {path}", flush=True)
                print(f"Watched folders: {scan.summary()}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("Stopped watching.", file=sys.stderr, flush=True)
    return status


def _print_result(result: FileResult, _done: int, _total: int) -> None:
    print(result.line(), flush=True)
