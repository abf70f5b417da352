"""How the CLI finds the local API of the Offgrid running on a data directory: a small file
there (``api.json``: the API's address, its token and the process serving it), readable by
the user alone, written when the API starts and removed when it stops.

The instance lock says whether a process holds the data directory; this file says where
that process answers. A file left by a process that died is told apart by its process id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.system.files import PRIVATE, write_atomic

API_FILE = "api.json"


@dataclass(frozen=True)
class Published:
    """Where a running API answers: its base URL (``http://HOST:PORT/v1``), the bearer token
    its requests carry (None if it asks for none) and the process that serves it."""

    url: str
    token: str | None
    pid: int


def publish(data_dir: Path, url: str, token: str | None) -> None:
    """Say that this process serves the API at ``url`` on ``data_dir``."""
    payload = {"url": url, "token": token, "pid": os.getpid()}
    write_atomic(Path(data_dir) / API_FILE, json.dumps(payload), mode=PRIVATE)


def withdraw(data_dir: Path) -> None:
    """Take back what :func:`publish` said (only this process's own file)."""
    found = published(data_dir)
    if found is not None and found.pid == os.getpid():
        (Path(data_dir) / API_FILE).unlink(missing_ok=True)


def published(data_dir: Path, pid: int | None = None) -> Published | None:
    """The API published on ``data_dir`` (by process ``pid``, if given), or None."""
    try:
        raw = json.loads((Path(data_dir) / API_FILE).read_text(encoding="utf-8"))
        found = Published(str(raw["url"]), raw.get("token") or None, int(raw["pid"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if pid is not None and found.pid != pid:
        return None  # left by a process that has since died
    return found
