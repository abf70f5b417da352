"""The menu bar (File, Edit, View, Help): every action of the window, each one QAction with
its shortcut, so a key does one thing and the menus show which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QTabWidget

from assistant.app import THEMES
from ui.controllers import Changes, Controllers
from ui.panels.about_dialog import about_dialog, offgrid_version
from ui.window.actions import WindowActions
from ui.window.layout import WindowLayout

FONT_SIZES = (6, 40)  # the settings' bounds
DEFAULT_FONT_SIZE = 11

Keys = QKeySequence.StandardKey | str | tuple[QKeySequence.StandardKey | str, ...]


def key_sequences(keys: Keys) -> list[QKeySequence]:
    """The distinct, non-empty key sequences of ``keys``: a standard key brings the
    platform's bindings (none for some keys on some desktops, hence the spelled-out ones)."""
    found: list[QKeySequence] = []
    for key in keys if isinstance(keys, tuple) else (keys,):
        for sequence in (QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                         else [QKeySequence(key)]):
            if not sequence.isEmpty() and sequence not in found:
                found.append(sequence)
    return found


class WindowMenus:
    """The window's QActions, by name, and the menu bar that carries them."""

    def __init__(self, window: WindowLayout, controllers: Controllers,
                 actions: WindowActions, log_folder: Path) -> None:
        self.window = window
        self.controllers = controllers
        self.log_folder = log_folder
        self.about_box: QMessageBox | None = None
        self.actions: dict[str, QAction] = {}
        chat, panel = controllers.chat, window.conversations
        bar = window.menuBar()

        file = bar.addMenu("&File")
        self._add(file, "new_chat", "&New chat", actions.new_conversation,
                  QKeySequence.StandardKey.New)
        self._add(file, "import_files", "&Import files…", actions.import_files,
                  QKeySequence.StandardKey.Open)
        self._add(file, "import_folder", "Import &folder…", actions.import_folder,
                  "Ctrl+Shift+O")
        self._add(file, "export_chat", "&Export chat as Markdown…",
                  lambda: self._with_chat(actions.export), "Ctrl+E")
        file.addSeparator()
        self._add(file, "add_model", "Add a &model file…", actions.add_model)
        self._add(file, "remote_model", "Use a model &server…", actions.use_remote_model)
        file.addSeparator()
        self._add(file, "quit", "&Quit", window.close,
                  (QKeySequence.StandardKey.Quit, "Ctrl+Q"))

        edit = bar.addMenu("&Edit")
        self._add(edit, "copy_answer", "&Copy answer with sources", actions.copy_answer,
                  "Ctrl+Shift+C")
        self._add(edit, "stop", "&Stop answering", chat.stop, "Esc")
        self._add(edit, "find_chat", "&Find a chat", panel.search.setFocus,
                  QKeySequence.StandardKey.Find)
        self._add(edit, "rename_chat", "&Rename chat…", lambda: self._with_chat(actions.rename),
                  "F2")
        self._add(edit, "delete_chat", "&Delete chat…", lambda: self._with_chat(actions.delete))
        edit.addSeparator()
        self._add(edit, "settings", "Se&ttings…", actions.open_settings,
                  (QKeySequence.StandardKey.Preferences, "Ctrl+,"))

        view = bar.addMenu("&View")
        themes = view.addMenu("&Theme")
        group = QActionGroup(themes)
        for theme in THEMES:
            action = self._add(themes, f"theme_{theme}", f"&{theme.capitalize()}",
                               lambda theme=theme: self._change(theme=theme))
            action.setCheckable(True)
            group.addAction(action)
        self._add(view, "larger", "&Larger text", lambda: self._resize_text(+1),
                  (QKeySequence.StandardKey.ZoomIn, "Ctrl+="))
        self._add(view, "smaller", "S&maller text", lambda: self._resize_text(-1),
                  QKeySequence.StandardKey.ZoomOut)
        self._add(view, "default_size", "&Default text size",
                  lambda: self._change(font_size=DEFAULT_FONT_SIZE), "Ctrl+0")
        view.addSeparator()
        pages, left, side = window.pages, window.left, window.side
        for name, text, tabs, page, keys in (
                ("assistant_tab", "&Assistant", pages, 0, "Ctrl+1"),
                ("mining_tab", "Mining &economics", pages, 1, "Ctrl+2"),
                ("chats_tab", "&Chats", left, 0, "Ctrl+Shift+H"),
                ("library_tab", "Li&brary", left, 1, "Ctrl+Shift+L"),
                ("sources_tab", "&Sources", side, 0, "Ctrl+Shift+S"),
                ("document_tab", "D&ocument", side, 1, "Ctrl+Shift+D")):
            self._add(view, name, text, lambda tabs=tabs, page=page: self._show_tab(tabs, page),
                      keys)

        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "open_logs", "Open &log folder", self.open_log_folder)
        help_menu.addSeparator()
        self._add(help_menu, "about", "&About Offgrid", self.show_about)
        about_qt = self._add(help_menu, "about_qt", "About &Qt",
                             lambda: QMessageBox.aboutQt(window, "About Qt"))
        about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)

        controllers.session.changed.connect(self._settings_changed)
        self._check_theme()

    def _add(self, menu: QMenu, name: str, text: str, slot: Callable[[], object],
             keys: Keys | None = None) -> QAction:
        """A QAction in ``menu`` and on the window (its shortcut works with the menus shut)."""
        action = QAction(text, self.window)
        action.setObjectName(name)
        if keys is not None:
            action.setShortcuts(key_sequences(keys))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.window.addAction(action)
        self.actions[name] = action
        return action

    def _with_chat(self, act: Callable[[int], None]) -> None:
        """Act on the chat selected in the list, or say to choose one."""
        chosen = self.window.conversations.current_id()
        if chosen is None:
            self.window.statusBar().showMessage("Choose a chat in the Chats list first", 5000)
            return
        act(chosen)

    def _show_tab(self, tabs: QTabWidget, page: int) -> None:
        window = self.window
        if tabs is not window.pages:
            window.pages.setCurrentIndex(0)  # the chats and sources are on the first page
        tabs.setCurrentIndex(page)
        tabs.currentWidget().setFocus()

    def _change(self, **values: object) -> None:
        """Save and apply new looks (the settings dialog's way)."""
        settings = self.controllers.session.settings
        changed = replace(settings, **values)
        if changed != settings:
            self.controllers.models.apply_settings(changed)
        self._check_theme()

    def _resize_text(self, step: int) -> None:
        size = self.controllers.session.settings.font_size + step
        if FONT_SIZES[0] <= size <= FONT_SIZES[1]:
            self._change(font_size=size)

    def _settings_changed(self, changes: Changes) -> None:
        if changes.settings:
            self._check_theme()

    def _check_theme(self) -> None:
        theme = self.controllers.session.settings.theme
        for name in THEMES:
            self.actions[f"theme_{name}"].setChecked(name == theme)

    def open_log_folder(self) -> bool:
        """Show the log folder in the file manager."""
        self.log_folder.mkdir(parents=True, exist_ok=True)
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder)))
        if not opened:
            self.window.statusBar().showMessage(f"The log folder is {self.log_folder}", 10_000)
        return opened

    def show_about(self) -> QMessageBox:
        """Help → About Offgrid."""
        self.about_box = about_dialog(self.window, offgrid_version(), qVersion())
        self.about_box.open()
        return self.about_box
