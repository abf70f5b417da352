"""Offgrid's main window: the layout, its actions, menus and wiring over the controllers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtGui import QIcon

from assistant.app import Logging, log_folder
from ui.controllers import Controllers
from ui.resources import ICON_FILE
from ui.window.actions import WindowActions
from ui.window.layout import WindowLayout
from ui.window.menus import WindowMenus
from ui.window.places import WindowPlaces
from ui.window.reporting import ErrorReporter
from ui.window.wiring import connect_window
from ui.window.workbench import WorkbenchActions


class MainWindow(WindowLayout):
    """Offgrid's window over its :class:`Controllers`. With ``data_dir`` it remembers where
    it was (size, position, splitter, tabs); with ``logs`` an uncaught error shows a dialog."""

    def __init__(self, controllers: Controllers, *, data_dir: Path | None = None,
                 logs: Logging | None = None) -> None:
        super().__init__()
        self.controllers = controllers
        self.setWindowIcon(QIcon(str(ICON_FILE)))
        self.user_actions = WindowActions(self, controllers)
        connect_window(self, controllers, self.user_actions)
        self.menus = WindowMenus(self, controllers, self.user_actions,
                                 logs.folder if logs is not None else log_folder(data_dir))
        self.workbench_actions = WorkbenchActions(self, controllers)
        self.chat.open_workbench_requested.connect(self.show_workbench)  # a computed answer's
        self.error_reporter = ErrorReporter(self, logs) if logs is not None else None
        self.places = WindowPlaces(self, data_dir) if data_dir is not None else None
        if self.places is not None:
            self.places.restore()
            self.closing.connect(self.places.save)
        self.question.input.setFocus()

    def show_workbench(self, values: Mapping[str, float]) -> None:
        """Open the "Mining economics" tab with ``values`` (Inputs fields, the miner's)."""
        self.pages.setCurrentWidget(self.mining)
        self.mining.set_inputs(values)
        self.mining.boxes["hashrate_eh_s"].setFocus()
