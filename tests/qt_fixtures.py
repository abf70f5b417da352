"""Fixtures shared by window tests (imported where used, so the core's tests never load Qt)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication


@pytest.fixture
def restored_look(qapp: QApplication) -> Iterator[None]:
    """The application's style, palette and font as they were before the test."""
    style, palette, font = qapp.style().name(), QPalette(qapp.palette()), QFont(qapp.font())
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setFont(font)
