"""Help → About Offgrid: the version, and the licences of Offgrid, its models and Qt."""

from __future__ import annotations

from html import escape
from importlib.metadata import PackageNotFoundError, version

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

# What ships inside Offgrid, with its licence: (what, its role, licence).
LICENCES = (
    ("Offgrid", "this application", "Apache-2.0"),
    ("SmolLM2-135M-Instruct", "the bundled language model", "Apache-2.0"),
    ("all-MiniLM-L6-v2", "the bundled embedding model", "Apache-2.0"),
    ("Qt and PySide6", "the window toolkit", "LGPLv3"),
)


def offgrid_version() -> str:
    """The installed Offgrid's version, or "unknown" when it runs uninstalled."""
    try:
        return version("offgrid")
    except PackageNotFoundError:
        return "unknown"


def about_html(app_version: str, qt_version: str) -> str:
    """The About box's text: the version, what Offgrid does, and each licence."""
    rows = "".join(f"<tr><td><b>{escape(name)}</b></td><td>{escape(role)}</td>"
                   f"<td>{escape(licence)}</td></tr>" for name, role, licence in LICENCES)
    return (f"<h3>Offgrid {escape(app_version)}</h3>"
            "<p>An offline research assistant: a local language model answers from your own "
            "documents, and nothing leaves this computer.</p>"
            f"<table cellspacing='6'>{rows}</table>"
            f"<p>Built with Qt {escape(qt_version)}. Help → About Qt has Qt's own notice.</p>")


def about_dialog(parent: QWidget, app_version: str, qt_version: str) -> QMessageBox:
    """The About box (not yet shown), with the app's icon."""
    box = QMessageBox(parent)
    box.setWindowTitle("About Offgrid")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html(app_version, qt_version))
    text = box.findChild(QLabel, "qt_msgbox_label")  # wide enough for the licence table
    if text is not None:
        text.setMinimumWidth(text.fontMetrics().averageCharWidth() * 64)
    icon = parent.windowIcon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box
