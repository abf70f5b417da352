"""Offgrid's main window: the layout, its actions and its wiring over the controllers."""

from __future__ import annotations

from collections.abc import Mapping

from ui.controllers import Controllers
from ui.window.actions import WindowActions
from ui.window.layout import WindowLayout
from ui.window.wiring import connect_window
from ui.window.workbench import WorkbenchActions


class MainWindow(WindowLayout):
    """Offgrid's window over its :class:`Controllers`."""

    def __init__(self, controllers: Controllers) -> None:
        super().__init__()
        self.controllers = controllers
        self.user_actions = WindowActions(self, controllers)
        connect_window(self, controllers, self.user_actions)
        self.workbench_actions = WorkbenchActions(self, controllers)
        self.chat.open_workbench_requested.connect(self.show_workbench)  # a computed answer's
        self.question.input.setFocus()

    def show_workbench(self, values: Mapping[str, float]) -> None:
        """Open the "Mining economics" tab with ``values`` (Inputs fields, the miner's)."""
        self.pages.setCurrentWidget(self.mining)
        self.mining.set_inputs(values)
        self.mining.boxes["hashrate_eh_s"].setFocus()
