"""The dialog an unexpected error shows: what happened, where the log is, and a button that
copies the details (the traceback) for a report the user writes themselves."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ErrorDialog(QDialog):
    """One dialog for the errors of a moment: a later error adds its details to the one
    shown instead of opening another."""

    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Offgrid — unexpected error")
        self.log_file = log_file
        self.count = 0
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setMinimumSize(560, 200)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add_error(self, text: str) -> None:
        """Add an error's details; the summary says how many there were."""
        self.count += 1
        separator = "\n\n" + "-" * 40 + "\n\n" if self.count > 1 else ""
        self.details.appendPlainText(separator + text)
        what = "Something went wrong" if self.count == 1 else \
            f"{self.count} things went wrong"
        self.summary.setText(
            f"{what} inside Offgrid. Your documents and chats are safe; if the window "
            f"misbehaves, restart it.\n\nThe details are in the log: {self.log_file}\n"
            "Nothing has been sent anywhere.")

    def copy_details(self) -> None:
        """Put the details on the clipboard."""
        QApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")
