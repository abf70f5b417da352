"""Start the desktop app: ``python -m ui [--data-dir DIR]``."""

from __future__ import annotations

from collections.abc import Sequence

from ui.window.launch import open_window


def main(argv: Sequence[str] | None = None) -> int:
    """Open the window at once; the library and the model load in the background."""
    app, _controllers, _window = open_window(argv)
    return app.exec()
