"""The Settings dialog: generation, model, appearance and the local API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.app import SYSTEM_PROMPT, THEMES, Settings

MIN_WIDTH = 480


class SettingsDialog(QDialog):
    """Edit a copy of the settings; :meth:`settings` gives the result."""

    def __init__(self, current: Settings, new_token: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        """``new_token`` makes a bearer token for the local API (one is made at once if the
        settings have none yet, and kept if OK is pressed)."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._current = current
        self._new_token = new_token
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(current.temperature)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(16, 8192)
        self.max_tokens.setValue(current.max_tokens)
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 1000)
        self.top_k.setValue(current.top_k)
        self.context = QSpinBox()
        self.context.setRange(0, 131072)
        self.context.setSingleStep(1024)
        self.context.setSpecialValueText("the model's own (up to 4096)")
        self.context.setValue(current.context_length)
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("automatic")
        self.threads.setValue(current.threads)
        self.system_prompt = QPlainTextEdit(current.system_prompt)
        self.system_prompt.setFixedHeight(90)
        self.reset_prompt = reset = QPushButton("Reset to the default")
        reset.clicked.connect(lambda: self.system_prompt.setPlainText(SYSTEM_PROMPT))
        self.theme = QComboBox()
        self.theme.addItems([name.capitalize() for name in THEMES])
        self.theme.setCurrentIndex(THEMES.index(current.theme))
        self.font_size = QSpinBox()
        self.font_size.setRange(6, 40)
        self.font_size.setValue(current.font_size)
        form = QFormLayout()
        rows = (("&Temperature", self.temperature), ("&Max answer tokens", self.max_tokens),
                ("Top-&k", self.top_k), ("&Context length", self.context),
                ("T&hreads", self.threads), ("&System prompt", self.system_prompt),
                ("", reset))
        looks = QFormLayout()
        for label, widget in (*rows, ("Th&eme", self.theme), ("&Font size", self.font_size)):
            widget.setAccessibleName(label.replace("&", "") or "Reset system prompt")
            (looks if widget in (self.theme, self.font_size) else form).addRow(label, widget)
        note = QLabel("Context length and threads apply when the model is next loaded; "
                      "Offgrid reloads it when you press OK.")
        note.setWordWrap(True)
        form.addRow(note)
        self.tabs = QTabWidget()
        for title, page_layout in (("&Answers", form), ("A&ppearance", looks),
                                   ("&Network", self._network(current))):
            page = QWidget()
            page.setLayout(page_layout)
            self.tabs.addTab(page, title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        # Never shorter than its rows at its narrowest: Qt sizes a dialog by its minimum
        # height, not the height its wrapped notes need at that width, and squeezed the
        # prompt box under the rows below it.
        self.setMinimumWidth(MIN_WIDTH)
        self.setMinimumHeight(layout.totalHeightForWidth(MIN_WIDTH))

    def _network(self, current: Settings) -> QVBoxLayout:
        """The Network tab: the local API, and the Chroma server a library is shared on."""
        self.chroma_url = QLineEdit(current.chroma_url)
        self.chroma_url.setPlaceholderText("http://HOST:8000 (empty: this computer only)")
        self.chroma_url.setAccessibleName("Chroma server URL")
        about = QLabel("Several computers can share one library on a Chroma server: what one "
                       "adds, the others find (see the README, Scale out). Offgrid opens the "
                       "library there the next time it starts.")
        about.setWordWrap(True)
        shared = QFormLayout()
        shared.addRow("Chroma &server", self.chroma_url)
        shared.addRow(about)
        group = QGroupBox("Shared library")
        group.setLayout(shared)
        column = QVBoxLayout()
        column.addWidget(self._api_group(current))
        column.addWidget(group)
        column.addStretch(1)
        return column

    def _api_group(self, current: Settings) -> QGroupBox:
        """The local API: the switch, where it listens, and its token."""
        self.api_enabled = QCheckBox("Serve the &local API")
        self.api_enabled.setChecked(current.api_enabled)
        self.api_host = QLineEdit(current.api_host)
        self.api_port = QSpinBox()
        self.api_port.setRange(1, 65535)
        self.api_port.setValue(current.api_port)
        self.api_token = QLineEdit(current.api_token or self._new_token())
        self.api_token.setReadOnly(True)
        self.copy_token = QPushButton("Copy")
        self.copy_token.clicked.connect(
            lambda: QApplication.clipboard().setText(self.api_token.text()))
        self.regenerate_token = QPushButton("Regenerate")
        self.regenerate_token.clicked.connect(
            lambda: self.api_token.setText(self._new_token()))
        token_row = QHBoxLayout()
        for widget in (self.api_token, self.copy_token, self.regenerate_token):
            token_row.addWidget(widget)
        for widget, name in ((self.api_enabled, "Serve the local API"),
                             (self.api_host, "API host"), (self.api_port, "API port"),
                             (self.api_token, "API bearer token"),
                             (self.copy_token, "Copy the API token"),
                             (self.regenerate_token, "Regenerate the API token")):
            widget.setAccessibleName(name)
        about = QLabel("Editors, scripts and <code>assistant ask</code> can ask your library "
                       "at http://HOST:PORT/v1 (the OpenAI format) while Offgrid runs. On "
                       "127.0.0.1 only this computer reaches it; on any other address every "
                       "request must carry the token (Authorization: Bearer …).")
        about.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.api_enabled)
        form.addRow("H&ost", self.api_host)
        form.addRow("&Port", self.api_port)
        form.addRow("Bearer token", token_row)
        form.addRow(about)
        group = QGroupBox("Local API")
        group.setLayout(form)
        return group

    def settings(self) -> Settings:
        """The edited settings (not yet checked or saved)."""
        return replace(
            self._current,
            temperature=round(self.temperature.value(), 2), max_tokens=self.max_tokens.value(),
            top_k=self.top_k.value(), context_length=self.context.value(),
            threads=self.threads.value(), system_prompt=self.system_prompt.toPlainText().strip(),
            theme=THEMES[self.theme.currentIndex()], font_size=self.font_size.value(),
            api_enabled=self.api_enabled.isChecked(), api_host=self.api_host.text().strip(),
            api_port=self.api_port.value(), api_token=self.api_token.text(),
            chroma_url=self.chroma_url.text().strip())
