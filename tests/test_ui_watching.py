"""Watched folders in the real window (offscreen, hash embedder, fake engine): a dropped file
becomes searchable with no action, a burst of 500 files indexes each once while the window
keeps running, and the Library tab's list adds, pauses and removes folders."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from assistant.app.service import AssistantService
from tests.fakes import FakeEngine, HashEmbedder
from ui.controllers import Controllers
from ui.window.main_window import MainWindow

WAIT_MS = 120_000  # generous: the machine is shared; these normally take a second or two


@pytest.fixture
def window(tmp_path: Path, qtbot):  # type: ignore[no-untyped-def]
    """The real window over ``tmp_path/data`` with a short debounce, once its library is ready."""
    engine = FakeEngine()

    def load_model(service: AssistantService, settings: object) -> FakeEngine:
        service._engine = engine
        return engine

    controllers = Controllers.create(
        lambda: AssistantService(tmp_path / "data", embedder=HashEmbedder(dimension=256)),
        load_model=load_model)
    controllers.watching.debounce.setInterval(200)
    main = MainWindow(controllers)
    qtbot.addWidget(main)
    main.show()
    with qtbot.waitSignal(controllers.session.model_ready, timeout=WAIT_MS):
        controllers.session.start()
    yield main
    main.close()


def watch(main: MainWindow, folder: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    watching = main.controllers.watching
    with qtbot.waitSignal(watching.scanned, timeout=WAIT_MS):
        watching.add(folder)
    qtbot.waitUntil(lambda: str(folder) in watching.watcher.directories(), timeout=WAIT_MS)


def searchable(main: MainWindow, words: str, name: str) -> bool:
    service = main.controllers.session.service
    assert service is not None
    return any(Path(hit.path).name == name for hit in service.search(words, k=3))


def test_a_file_dropped_into_a_watched_folder_becomes_searchable(window, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    watch(window, folder, qtbot)
    (folder / "sub" / "turbine.md").write_text("# Turbine\n\nThe Kaplan turbine at Yacyreta "
                                               "turns slowly.\n", encoding="utf-8")
    qtbot.waitUntil(lambda: searchable(window, "Kaplan turbine Yacyreta", "turbine.md"),
                    timeout=WAIT_MS)
    (folder / "sub" / "turbine.md").unlink()
    service = window.controllers.session.service
    qtbot.waitUntil(lambda: not service.documents("My documents"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.library.watched.activity.text() == "Watching 1 folder",
                    timeout=WAIT_MS)


def test_an_edit_in_place_is_reindexed(window, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    folder.mkdir()
    note = folder / "note.md"
    note.write_text("# Note\n\nThe spillway is closed.\n", encoding="utf-8")
    watch(window, folder, qtbot)
    qtbot.waitUntil(lambda: str(note) in window.controllers.watching.watcher.files(),
                    timeout=WAIT_MS)
    with note.open("a", encoding="utf-8") as handle:
        handle.write("\nThe sluice gate of Acaray opens at dawn.\n")
    qtbot.waitUntil(lambda: searchable(window, "sluice gate Acaray dawn", "note.md"),
                    timeout=WAIT_MS)


def test_a_burst_of_500_files_indexes_each_once_and_the_window_keeps_running(  # type: ignore[no-untyped-def]
        window, tmp_path, qtbot) -> None:
    folder = tmp_path / "burst"
    folder.mkdir()
    watching = window.controllers.watching
    watch(window, folder, qtbot)
    statuses: Counter[tuple[str, str]] = Counter()
    watching.scanned.connect(
        lambda scan: statuses.update((Path(r.path).name, r.status) for r in scan.results))
    beats_while_scanning = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: watching.scanning and beats_while_scanning.append(1))
    heartbeat.start()
    events: list[str] = []
    watching.watcher.directoryChanged.connect(events.append)
    scans_before = watching.scans
    names = [f"note-{n:03}.md" for n in range(500)]

    def write_burst() -> None:  # spread out, so the window sees many separate events
        for n, name in enumerate(names):
            (folder / name).write_text(f"# Note {n}\n\nGauge reading number {n} of the "
                                       f"burst.\n", encoding="utf-8")
            threading.Event().wait(0.002)

    writer = threading.Thread(target=write_burst)
    writer.start()
    service = window.controllers.session.service
    qtbot.waitUntil(lambda: not writer.is_alive(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(service.documents("My documents")) == 500 and
                    not watching.scanning and not watching.debounce.isActive(),
                    timeout=WAIT_MS * 3)
    heartbeat.stop()
    writer.join()
    assert {name: statuses[(name, "added")] for name in names} == {name: 1 for name in names}
    assert not any(status == "updated" for _, status in statuses)
    # The events coalesced into a few rescans, not hundreds, and the GUI thread kept ticking.
    assert len(events) >= 20
    assert 1 <= watching.scans - scans_before <= 5
    assert len(beats_while_scanning) >= 3


def test_the_library_tab_adds_pauses_and_removes_watched_folders(  # type: ignore[no-untyped-def]
        window, tmp_path, qtbot, monkeypatch) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nThe penstock of Itaipu.\n", encoding="utf-8")
    panel = window.library.watched
    watching = window.controllers.watching
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    with qtbot.waitSignal(watching.scanned, timeout=WAIT_MS):
        panel.add.click()
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1, timeout=WAIT_MS)
    item = panel.list.topLevelItem(0)
    assert (item.text(0), item.text(1)) == ("papers", "→ My documents")
    qtbot.waitUntil(lambda: searchable(window, "penstock Itaipu", "a.md"), timeout=WAIT_MS)

    panel.list.setCurrentItem(item)
    assert panel.pause.text() == "Pause"
    panel.pause.click()
    qtbot.waitUntil(lambda: panel.list.topLevelItem(0).text(1) == "Paused", timeout=WAIT_MS)
    assert panel.pause.text() == "Resume" and panel.activity.text() == "Watching paused"
    qtbot.waitUntil(lambda: not watching.watcher.directories(), timeout=WAIT_MS)
    (folder / "b.md").write_text("# B\n\nThe tailrace of Acaray.\n", encoding="utf-8")
    with qtbot.waitSignal(watching.scanned, timeout=WAIT_MS):
        watching.rescan()
    assert not searchable(window, "tailrace Acaray", "b.md")  # paused: left alone

    panel.pause.click()  # resume: what changed meanwhile is indexed
    qtbot.waitUntil(lambda: searchable(window, "tailrace Acaray", "b.md"), timeout=WAIT_MS)

    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    panel.remove.click()
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 0, timeout=WAIT_MS)
    assert window.controllers.session.service.watched_folders() == []
    assert len(window.controllers.session.service.documents("My documents")) == 2  # kept


def test_a_folder_imported_through_the_window_is_watched(  # type: ignore[no-untyped-def]
        window, tmp_path, qtbot) -> None:
    folder = tmp_path / "imported"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nThe reservoir of Itaipu.\n", encoding="utf-8")
    library = window.controllers.library
    with qtbot.waitSignal(library.import_finished, timeout=WAIT_MS):
        assert library.import_paths([folder])
    panel = window.library.watched
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert panel.list.topLevelItem(0).toolTip(0) == str(folder.resolve())
