"""Uncaught errors and Qt's own messages, into the local log; an unexpected error also shows
the :class:`ErrorDialog`, one at a time, on the GUI thread whichever thread raised it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QWidget

from assistant.app import Logging
from ui.panels.error_dialog import ErrorDialog

qt_log = logging.getLogger("offgrid.qt")
QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's message handler: each of Qt's warnings goes to the log, with where Qt said it."""
    where = f" ({context.category})" if context.category and context.category != "default" \
        else ""
    qt_log.log(QT_LEVELS.get(kind, logging.WARNING), "%s%s", message, where)


def route_qt_messages() -> Callable[[QtMsgType, QMessageLogContext, str], object] | None:
    """Send Qt's messages to the log from now on; the handler they went to before."""
    return qInstallMessageHandler(log_qt_message)


class ErrorReporter(QObject):
    """Hears every uncaught exception the log records and shows it in the error dialog."""

    reported = Signal(str)  # an error's text; emitted from any thread, shown on the GUI's

    def __init__(self, window: QWidget, logs: Logging) -> None:
        super().__init__(window)
        self.window = window
        self.logs = logs
        self.dialog: ErrorDialog | None = None
        self.reported.connect(self.show_error)
        listener = self.reported.emit
        logs.listeners.append(listener)
        # once the window is gone, its dialog is no one's to show
        self.destroyed.connect(lambda: listener in logs.listeners and
                               logs.listeners.remove(listener))

    def show_error(self, text: str) -> None:
        """Show ``text`` in the dialog open, else in a new one."""
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = ErrorDialog(self.logs.log_file, self.window)
            self.dialog.add_error(text)
            self.dialog.open()
        else:
            self.dialog.add_error(text)
