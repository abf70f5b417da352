"""Which files an import takes: folders expanded, links checked, unsupported types counted;
and a file's content hash."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from assistant.library.loaders import is_supported


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def discover_files(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]], int]:
    """Expand folders (recursively, hidden entries skipped) into files to ingest.

    Returns the files (resolved, without duplicates), ``(path, reason)`` for paths that cannot
    be used, and how many files inside folders were skipped for their unsupported type.
    Files named explicitly are always tried, so an unsupported one gets a clear failure.
    """
    files: list[Path] = []
    failures: list[tuple[str, str]] = []
    skipped = 0
    seen: set[Path] = set()

    def accept(path: Path) -> None:
        if path not in seen:
            seen.add(path)
            files.append(path)

    for given in paths:
        path = Path(given).expanduser()
        try:
            exists = path.exists()
        except OSError:  # e.g. a symlink loop
            exists = False
        if not exists:
            reason = "broken link or symlink loop" if path.is_symlink() else "not found"
            failures.append((str(path.absolute()), reason))
            continue
        if not path.is_dir():
            accept(path.resolve())
            continue
        root = path.resolve()
        for folder, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
            for name in sorted(filenames):
                if _is_hidden(name):
                    continue
                candidate = Path(folder) / name
                if not is_supported(candidate):
                    skipped += 1
                    continue
                if candidate.is_symlink():
                    try:
                        target = candidate.resolve(strict=True)
                    except (RuntimeError, OSError) as exc:  # a loop, or a dangling link
                        looped = isinstance(exc, RuntimeError) or getattr(
                            exc, "errno", None) == errno.ELOOP
                        failures.append((str(candidate),
                                         "symlink loop" if looped else "broken link"))
                        continue
                    if not target.exists():
                        failures.append((str(candidate), "broken link"))
                        continue
                    if not target.is_relative_to(root):
                        failures.append((str(candidate),
                                         "link points outside the imported folder"))
                        continue
                accept(candidate.resolve())
    return files, failures, skipped


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
