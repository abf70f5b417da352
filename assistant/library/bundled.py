"""The bundled research library: kept indexed in the ``Library`` collection."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.library.loaders import PARSER_VERSION, is_supported

LIBRARY_COLLECTION = "Library"
FINGERPRINT_KEY = "library_fingerprint"


def library_files(folder: Path) -> list[Path]:
    """The supported files of the bundled library, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p.resolve() for p in folder.rglob("*")
                  if p.is_file() and is_supported(p) and not p.name.startswith("."))


def library_fingerprint(folder: Path) -> str:
    """Changes whenever a library file is added, removed, edited or moved."""
    digest = hashlib.sha256(f"parser={PARSER_VERSION}\n".encode())
    for path in library_files(folder):
        digest.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
