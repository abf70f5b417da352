"""The window as a desktop app: its menu bar, About, the error dialog, the System theme, its
places remembered across restarts, the screen reader's announcement and the desktop entry.
The real MainWindow, offscreen, over a service that is never started (no model loads)."""

from __future__ import annotations

import configparser
import threading
from collections.abc import Iterator
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, Signal, qInstallMessageHandler, qWarning
from PySide6.QtGui import QAction, QColor, QPalette, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMenu, QTabWidget

import tasks
from assistant.app import (
    Answer,
    AssistantService,
    Hit,
    Logging,
    Settings,
    Timings,
    load_settings,
    start_logging,
)
from tests import qt_fixtures
from tests.fakes import FakeEngine, HashEmbedder
from ui.controllers import Controllers
from ui.panels.chat_view import ChatView
from ui.resources import DESKTOP_NAME, ICON_FILE
from ui.window.appearance import DARK, Appearance
from ui.window.main_window import MainWindow
from ui.window.reporting import route_qt_messages
from ui.window.wiring import ANNOUNCED_CHARS, announce, answer_announcement

restored_look = qt_fixtures.restored_look  # the fixture, shared


def desktop_window(root: Path, qtbot, **options) -> MainWindow:  # type: ignore[no-untyped-def]
    """The real window over ``root/data`` (not started), shown."""
    (root / "library").mkdir(exist_ok=True)
    controllers = Controllers.create(lambda: AssistantService(
        root / "data", embedder=HashEmbedder(), library_dir=root / "library"))
    window = MainWindow(controllers, **options)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Logging]:
    """The app's log in a temp folder, its hooks in place for the test."""
    started = start_logging(tmp_path / "logs")
    yield started
    started.stop()



def menu_actions(menu: QMenu) -> list[QAction]:
    """Every action a menu reaches, through its submenus."""
    found: list[QAction] = []
    for action in menu.actions():
        if action.menu() is not None:
            found += menu_actions(action.menu())
        elif not action.isSeparator():
            found.append(action)
    return found


# -- the menu bar ---------------------------------------------------------------------------


def test_the_menu_bar_reaches_every_action_and_no_key_does_two_things(
        tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "View", "Help"]
    reached = {a.objectName(): title for title, menu in menus.items()
               for a in menu_actions(menu)}
    assert set(window.menus.actions) == set(reached)
    for name in ("new_chat", "import_files", "import_folder", "export_chat", "add_model",
                 "remote_model", "quit"):
        assert reached[name] == "File", name
    for name in ("copy_answer", "stop", "find_chat", "rename_chat", "delete_chat", "settings"):
        assert reached[name] == "Edit", name
    for name in ("theme_light", "theme_dark", "theme_system", "larger", "smaller",
                 "default_size", "assistant_tab", "mining_tab", "chats_tab", "library_tab",
                 "sources_tab", "document_tab"):
        assert reached[name] == "View", name
    for name in ("open_logs", "about", "about_qt"):
        assert reached[name] == "Help", name
    # each shortcut once in the whole window: the menus' actions are the shortcuts
    keys = [key.toString() for action in window.findChildren(QAction)
            for key in action.shortcuts()]
    keys += [shortcut.key().toString() for shortcut in window.findChildren(QShortcut)]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    # the usual keys first (a standard key may add a keyboard's own, such as its Find key)
    shortcut = {name: window.menus.actions[name].shortcut().toString()
                for name in ("new_chat", "import_files", "find_chat", "stop", "settings",
                             "quit")}
    assert shortcut == {"new_chat": "Ctrl+N", "import_files": "Ctrl+O", "find_chat": "Ctrl+F",
                        "stop": "Esc", "settings": "Ctrl+,", "quit": "Ctrl+Q"}


def mnemonic(text: str) -> str | None:
    """The Alt+letter a label marks with "&" ("&&" is a plain ampersand)."""
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else None


def test_no_alt_key_in_the_window_opens_two_things(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot)
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [tabs.tabText(i) for tabs in window.findChildren(QTabWidget)
              for i in range(tabs.count())]
    texts += [button.text() for button in window.findChildren(QAbstractButton)]
    texts += [label.text() for label in window.findChildren(QLabel) if label.buddy()]
    letters = [letter for letter in map(mnemonic, texts) if letter]
    assert {"f", "e", "v", "h", "a", "m"} <= set(letters)  # the menus and the two pages
    assert len(letters) == len(set(letters)), sorted(
        t for t in texts if mnemonic(t) and letters.count(mnemonic(t)) > 1)


def test_menu_actions_do_what_they_say(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot)
    actions = window.menus.actions
    actions["mining_tab"].trigger()
    assert window.pages.currentWidget() is window.mining
    actions["library_tab"].trigger()  # back to the assistant page, on its Library tab
    assert window.pages.currentIndex() == 0 and window.left.currentWidget() is window.library
    actions["document_tab"].trigger()
    assert window.side.currentWidget() is window.viewer
    actions["export_chat"].trigger()  # no chat chosen: it says so, and opens nothing
    assert "Choose a chat" in window.statusBar().currentMessage()
    assert actions["theme_light"].isChecked() and not actions["theme_system"].isChecked()


def test_about_names_the_version_and_every_licence(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot)
    box = window.menus.show_about()
    assert box.isVisible() and box.windowTitle() == "About Offgrid"
    text = box.text()
    assert f"Offgrid {version('offgrid')}" in text
    for name, licence in (("Offgrid", "Apache-2.0"), ("SmolLM2-135M-Instruct", "Apache-2.0"),
                          ("all-MiniLM-L6-v2", "Apache-2.0"), ("PySide6", "LGPLv3")):
        row = text[text.index(name):]
        assert row[:row.index("</tr>")].endswith(f"<td>{licence}</td>"), name
    assert not box.iconPixmap().isNull()  # the app's icon
    box.close()


def test_the_window_has_the_apps_icon(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot)
    assert ICON_FILE.is_file() and not window.windowIcon().isNull()
    assert window.windowIcon().pixmap(32, 32).toImage().pixelColor(16, 4).alpha() > 0


def test_open_log_folder_opens_the_folder_by_its_file_url(tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          logs: Logging) -> None:
    opened: list[str] = []
    monkeypatch.setattr("ui.window.menus.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toString()) or True)
    window = desktop_window(tmp_path, qtbot, logs=logs)
    window.menus.actions["open_logs"].trigger()
    assert opened == [f"file://{logs.folder}"]


# -- errors ---------------------------------------------------------------------------------


class Emitter(QObject):
    fired = Signal()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_shows_one_dialog_with_the_log_and_copyable_details(
        tmp_path: Path, qtbot, logs: Logging) -> None:  # type: ignore[no-untyped-def]
    window = desktop_window(tmp_path, qtbot, logs=logs)
    emitter = Emitter()

    def broken_slot() -> None:
        raise ZeroDivisionError("the slot divided by nothing")

    emitter.fired.connect(broken_slot)
    emitter.fired.emit()
    qtbot.waitUntil(lambda: window.error_reporter.dialog is not None
                    and window.error_reporter.dialog.isVisible(), timeout=5_000)
    dialog = window.error_reporter.dialog
    assert str(logs.log_file) in dialog.summary.text()
    assert "ZeroDivisionError: the slot divided by nothing" in logs.log_file.read_text()
    emitter.fired.emit()  # a second error joins the dialog shown: no storm of dialogs
    qtbot.waitUntil(lambda: dialog.count == 2, timeout=5_000)
    assert window.error_reporter.dialog is dialog and "2 things went wrong" in \
        dialog.summary.text()
    QApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert copied.count("ZeroDivisionError: the slot divided by nothing") == 2
    assert "broken_slot" in copied
    dialog.close()


def test_an_error_in_a_worker_thread_is_logged_and_shown(tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
                                                         logs: Logging) -> None:
    window = desktop_window(tmp_path, qtbot, logs=logs)

    def work() -> None:
        raise OSError("the disk went away")

    worker = threading.Thread(target=work, name="importer")
    worker.start()
    worker.join()
    assert "Uncaught exception in thread importer" in logs.log_file.read_text()
    qtbot.waitUntil(lambda: window.error_reporter.dialog is not None, timeout=5_000)
    assert "OSError: the disk went away" in window.error_reporter.dialog.details.toPlainText()
    window.error_reporter.dialog.close()


def test_qts_own_warnings_go_to_the_log(logs: Logging) -> None:
    previous = route_qt_messages()
    try:
        qWarning("a warning from Qt itself")
    finally:
        qInstallMessageHandler(previous)
    logs.handler.flush()
    assert "WARNING offgrid.qt [MainThread] a warning from Qt itself" in \
        logs.log_file.read_text(encoding="utf-8")


# -- the System theme -----------------------------------------------------------------------


def test_the_system_theme_follows_the_desktop_when_it_turns_dark_or_light(
        qapp: QApplication, restored_look: None) -> None:
    appearance = Appearance()
    dark = QColor(DARK[QPalette.ColorRole.Window])
    appearance.show("system", 11)
    appearance.scheme_changed(Qt.ColorScheme.Dark)
    assert qapp.palette().color(QPalette.ColorRole.Window) == dark
    appearance.scheme_changed(Qt.ColorScheme.Light)
    assert qapp.palette().color(QPalette.ColorRole.Window) != dark
    appearance.show("light", 11)  # a chosen theme stays, whatever the desktop does
    appearance.scheme_changed(Qt.ColorScheme.Dark)
    assert qapp.palette().color(QPalette.ColorRole.Window) != dark


def test_the_view_menu_saves_the_theme_and_text_size_and_applies_them(
        tmp_path: Path, qtbot, restored_look: None) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "library").mkdir()
    engine = FakeEngine([["unused"]])

    def load_model(service: AssistantService, _settings: object) -> FakeEngine:
        service._engine = engine
        return engine

    controllers = Controllers.create(lambda: AssistantService(
        tmp_path / "data", embedder=HashEmbedder(), library_dir=tmp_path / "library"),
        load_model=load_model)
    window = MainWindow(controllers)
    qtbot.addWidget(window)
    with qtbot.waitSignal(controllers.session.model_ready, timeout=30_000):
        controllers.session.start()
    actions, saved = window.menus.actions, tmp_path / "data" / "settings.json"
    with qtbot.waitSignal(controllers.session.changed, timeout=10_000):
        actions["theme_dark"].trigger()
    with qtbot.waitSignal(controllers.session.changed, timeout=10_000):
        actions["larger"].trigger()
    assert load_settings(tmp_path / "data") == replace(Settings(), theme="dark", font_size=12)
    assert saved.is_file() and actions["theme_dark"].isChecked()
    assert QApplication.palette().color(QPalette.ColorRole.Window) == \
        QColor(DARK[QPalette.ColorRole.Window])
    assert QApplication.font().pointSize() == 12
    with qtbot.waitSignal(controllers.session.changed, timeout=10_000):
        actions["theme_system"].trigger()
    assert load_settings(tmp_path / "data").theme == "system"
    assert actions["theme_system"].isChecked() and not actions["theme_dark"].isChecked()
    window.close()


# -- the window's places --------------------------------------------------------------------


def test_size_position_splitter_and_tabs_come_back_on_the_next_start(
        tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    first = desktop_window(tmp_path, qtbot, data_dir=data)
    least = first.minimumSizeHint()  # it depends on the font the application has
    first.resize(least.width(), least.height() + 40)
    first.move(0, 70)
    height = first.height()
    first.splitter.setSizes([200, 500, 300])
    sizes = first.splitter.sizes()
    first.pages.setCurrentWidget(first.mining)
    first.left.setCurrentWidget(first.library)
    first.side.setCurrentWidget(first.viewer)
    first.close()
    assert (data / "window.ini").is_file()

    second = desktop_window(tmp_path, qtbot, data_dir=data)
    # Qt fits a restored window to the screen (offscreen: 800 px wide, less than the
    # window's least width), so the height and the top are what show it came back
    assert (second.height(), second.y()) == (height, 70) and height != 780  # the default
    assert second.pages.currentWidget() is second.mining
    assert second.left.currentWidget() is second.library
    assert second.side.currentWidget() is second.viewer
    second.pages.setCurrentIndex(0)  # the splitter is laid out once it shows
    qtbot.waitUntil(lambda: second.splitter.sizes() == sizes, timeout=5_000)


def test_a_window_without_a_saved_place_opens_at_its_defaults(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "window.ini").write_text("[General]\nversion=99\npage=1\n")
    window = desktop_window(tmp_path, qtbot, data_dir=tmp_path / "data")
    assert window.pages.currentIndex() == 0 and window.size().width() == 1200


# -- the desktop entry ----------------------------------------------------------------------


def test_install_desktop_writes_the_entry_and_icon_under_xdg_data_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "xdg data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    assert tasks.main(["install-desktop"]) == 0
    entry = home / "applications" / f"{DESKTOP_NAME}.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{DESKTOP_NAME}.svg"
    assert icon.read_bytes() == ICON_FILE.read_bytes()
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read(entry, encoding="utf-8")
    section = parsed["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Offgrid"
    assert section["Icon"] == DESKTOP_NAME
    assert section["Exec"] == f"{tasks.venv_python()} -m ui"
    assert section["Path"] == str(tasks.ROOT)
    assert "@" not in entry.read_text()


# -- the screen reader ----------------------------------------------------------------------


def test_a_finished_answer_is_announced_with_its_start_and_its_sources(qtbot) -> None:  # type: ignore[no-untyped-def]
    hit = Hit(chunk_id=1, doc_id=1, score=0.9, title="Notes", path="/n.md", collection="Notes",
              page=None, heading=None, start=0, end=5, text="Power")
    answer = Answer("q?", "Hydropower is  cheap\nin Paraguay [1]. " + "More. " * 100, False,
                    [hit], [], [], "fake", Timings())
    said = answer_announcement(answer)
    assert said.startswith("Answer ready, 1 source. Hydropower is cheap in Paraguay [1].")
    assert said.endswith("…") and len(said) < ANNOUNCED_CHARS + 40
    nothing = replace(answer, abstained=True, sources=[], text="Not in the library.")
    assert answer_announcement(nothing) == "No answer from the library. Not in the library."
    chat = ChatView()
    qtbot.addWidget(chat)
    announce(chat, said)  # Qt 6.8's announcement event is there to send

