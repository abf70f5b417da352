"""The "Remote model…" dialog: the address of an OpenAI-compatible model server."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

DEFAULT_URL = "http://127.0.0.1:8080"


class RemoteModelDialog(QDialog):
    """Asks for the server's URL and, optionally, which of its models to use."""

    def __init__(self, url: str = "", model: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remote model")
        self.url_edit = QLineEdit(url or DEFAULT_URL)
        self.url_edit.setAccessibleName("Model server address")
        self.model_edit = QLineEdit(model)
        self.model_edit.setPlaceholderText("the first model the server lists")
        self.model_edit.setAccessibleName("Model name on the server (optional)")
        note = QLabel("Any OpenAI-compatible server: llama.cpp's llama-server, "
                      "llama-cpp-python's server, vLLM, Ollama.\nEach question, with the "
                      "passages it needs, goes to that server; nothing else leaves this "
                      "computer.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Server address:", self.url_edit)
        form.addRow("Model:", self.model_edit)
        form.addRow(note)
        form.addRow(buttons)

    def choice(self) -> tuple[str, str]:
        """The address and model name entered (the name may be empty)."""
        return self.url_edit.text().strip(), self.model_edit.text().strip()
