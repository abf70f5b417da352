"""Where the window was: its size and position, its splitter and the tabs last shown, kept
in ``window.ini`` in the data directory and put back on the next start.

These are the window's own state, Qt's opaque blobs, not settings a user edits; they stay
out of ``settings.json`` (which is checked value by value) and follow ``--data-dir``, so a
test's window never reads or writes another's.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QTabWidget

from ui.window.layout import WindowLayout

PLACES_FILE = "window.ini"
PLACES_VERSION = 1  # raise when a key's meaning changes: older files are then ignored


class WindowPlaces:
    """Saves the window's places to ``folder/window.ini`` and restores them."""

    def __init__(self, window: WindowLayout, folder: Path) -> None:
        self.window = window
        self.file = folder / PLACES_FILE

    def _store(self) -> QSettings:
        return QSettings(str(self.file), QSettings.Format.IniFormat)

    def save(self) -> None:
        """Write the window's geometry, splitter and current tabs."""
        window = self.window
        self.file.parent.mkdir(parents=True, exist_ok=True)
        store = self._store()
        store.setValue("version", PLACES_VERSION)
        store.setValue("geometry", window.saveGeometry())
        store.setValue("state", window.saveState())
        store.setValue("splitter", window.splitter.saveState())
        for key, tabs in self._tabs().items():
            store.setValue(key, tabs.currentIndex())
        store.sync()

    def restore(self) -> bool:
        """Put back what :meth:`save` wrote; False (and nothing changed) without it."""
        if not self.file.is_file():
            return False
        store = self._store()
        if store.value("version", 0, int) != PLACES_VERSION:
            return False
        window = self.window
        for key, restore in (("geometry", window.restoreGeometry),
                             ("state", window.restoreState),
                             ("splitter", window.splitter.restoreState)):
            blob = store.value(key)
            if isinstance(blob, QByteArray):
                restore(blob)
        for key, tabs in self._tabs().items():
            index = store.value(key, -1, int)
            if 0 <= index < tabs.count():
                tabs.setCurrentIndex(index)
        return True

    def _tabs(self) -> dict[str, QTabWidget]:
        window = self.window
        return {"page": window.pages, "left": window.left, "side": window.side}
