"""The Settings dialog: generation, model and appearance."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from assistant.app import SYSTEM_PROMPT, THEMES, Settings


class SettingsDialog(QDialog):
    """Edit a copy of the settings; :meth:`settings` gives the result."""

    def __init__(self, current: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._current = current
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
        self.context.setSpecialValueText("the model's own (up to 8192)")
        self.context.setValue(current.context_length)
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("automatic")
        self.threads.setValue(current.threads)
        self.system_prompt = QPlainTextEdit(current.system_prompt)
        self.system_prompt.setFixedHeight(90)
        reset = QPushButton("Reset to the default")
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
                ("", reset), ("Th&eme", self.theme), ("&Font size", self.font_size))
        for label, widget in rows:
            widget.setAccessibleName(label.replace("&", "") or "Reset system prompt")
            form.addRow(label, widget)
        note = QLabel("Context length and threads apply when the model is next loaded; "
                      "Offgrid reloads it when you press OK.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        """The edited settings (not yet checked or saved)."""
        return Settings(
            temperature=round(self.temperature.value(), 2), max_tokens=self.max_tokens.value(),
            top_k=self.top_k.value(), context_length=self.context.value(),
            threads=self.threads.value(), system_prompt=self.system_prompt.toPlainText().strip(),
            theme=THEMES[self.theme.currentIndex()], font_size=self.font_size.value(),
            model_path=self._current.model_path)
