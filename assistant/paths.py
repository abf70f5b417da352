"""Where Offgrid keeps things: the user's data directory and the project's resources."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Offgrid"
DATA_DIR_ENV = "ASSISTANT_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ``~/.local/share/Offgrid`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` if given, else ``$ASSISTANT_DATA_DIR``, else the per-user default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_data_dir()


def library_dir() -> Path:
    """The bundled research library shipped in ``resources/library``."""
    return PROJECT_ROOT / "resources" / "library"


def models_dir() -> Path:
    """``models/``: the model registry and the user's own GGUF files."""
    return PROJECT_ROOT / "models"
