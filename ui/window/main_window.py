"""Offgrid's main window: the layout, its actions and its wiring over the controllers."""

from __future__ import annotations

from ui.controllers import Controllers
from ui.window.actions import WindowActions
from ui.window.layout import WindowLayout
from ui.window.wiring import connect_window


class MainWindow(WindowLayout):
    """Offgrid's window over its :class:`Controllers`."""

    def __init__(self, controllers: Controllers) -> None:
        super().__init__()
        self.controllers = controllers
        self.user_actions = WindowActions(self, controllers)
        connect_window(self, controllers, self.user_actions)
        self.question.input.setFocus()
