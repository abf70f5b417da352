"""The question box: starter questions, the input, and Send, Stop and Copy answer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

STARTER_QUESTIONS = (
    "Why are miners moving to Paraguay and Ethiopia?",
    "What is hashprice?",
    "How does the difficulty adjustment work?",
    "Why might AI decentralize while Bitcoin centralizes?",
)


class ChatInput(QPlainTextEdit):
    """Multi-line question box: Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class QuestionBox(QWidget):
    """Where a question is asked; emits ``starter_chosen(question)`` for a starter button."""

    starter_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = ChatInput()
        self.input.setPlaceholderText("Ask your documents… (Enter sends, Shift+Enter: new line)")
        self.input.setAccessibleName("Question")
        self.input.setFixedHeight(84)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send question")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setEnabled(False)
        self.starters = QWidget()
        starter_list = QVBoxLayout(self.starters)
        starter_list.setContentsMargins(0, 0, 0, 0)
        starter_list.addWidget(QLabel("Try one of these, or ask your own question:"))
        self.starter_buttons: list[QPushButton] = []
        for question in STARTER_QUESTIONS:
            button = QPushButton(question)
            self.starter_buttons.append(button)
            button.setAccessibleName(f"Ask: {question}")
            button.clicked.connect(lambda _=False, q=question: self.starter_chosen.emit(q))
            starter_list.addWidget(button)
        self.copy_button = QPushButton("Copy answer")
        self.copy_button.setAccessibleName("Copy the last answer with its sources")
        self.copy_button.setEnabled(False)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.copy_button)
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addLayout(buttons)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.starters)
        column.addLayout(input_row)

    def question(self) -> str:
        """The text in the input."""
        return self.input.toPlainText()

    def asked(self, question: str) -> None:
        """``question`` is stored and shown in the chat: take it out of the input."""
        self.starters.setVisible(False)
        if self.input.toPlainText().strip() == question:
            self.input.clear()

    def set_busy(self, busy: bool) -> None:
        """While an answer is written (or waits), Stop works and Send does not."""
        self.stop_button.setEnabled(busy)
        self.send_button.setEnabled(not busy)
