"""What the window ships besides code: the app icon (``offgrid.svg``) and the desktop entry
template (``offgrid.desktop``) that ``python3 tasks.py install-desktop`` fills in."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
ICON_FILE = RESOURCES / "offgrid.svg"
DESKTOP_FILE = RESOURCES / "offgrid.desktop"
DESKTOP_NAME = "offgrid"  # the desktop entry's name, without ".desktop"
