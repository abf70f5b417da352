"""Where Offgrid keeps things: the user's data directory and what the package ships."""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.errors import AssistantError

APP_NAME = "Offgrid"
DATA_DIR_ENV = "ASSISTANT_DATA_DIR"
# assistant/system/paths.py → the checkout (or the site-packages folder of a wheel).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_PACKAGE = "assistant.bundled"


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


def _bundled(name: str) -> Traversable:
    """A file or folder of ``assistant.bundled``, the data shipped inside the package."""
    return files(BUNDLED_PACKAGE) / name


def library_dir() -> Path:
    """The bundled research library (``assistant/bundled/library``) as a real folder.

    The library is ingested and fingerprinted by path, and its paths are stored as the
    sources of its passages, so it must be a stable folder on disk: an installed package is.
    A zip import is not (``as_file`` would extract to a new temporary folder on every run),
    so it gets a clear error instead of a library that is re-indexed on every start.
    """
    folder = _bundled("library")
    if not isinstance(folder, Path):
        raise AssistantError(f"the bundled library is inside an archive ({folder}); install "
                             "Offgrid as a normal, unzipped package")
    return folder


def registry_file() -> Traversable:
    """The bundled model registry (``assistant/bundled/registry.json``)."""
    return _bundled("registry.json")


def models_dir() -> Path | None:
    """A source checkout's ``models/`` folder for the user's own GGUF files.

    None when Offgrid runs from an installed wheel, which has no checkout; there the user
    registers files with ``assistant models add``.
    """
    if not (PROJECT_ROOT / "pyproject.toml").is_file():
        return None
    return PROJECT_ROOT / "models"
