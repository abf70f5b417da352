"""The real MainWindow, offscreen, with the real service, embedder and default model."""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from assistant.answers import composing
from assistant.answers.pipeline import Answer
from assistant.app.service import AssistantService
from assistant.engines.registry import default_model
from assistant.system.paths import library_dir
from tests import fake_openai
from tests.documents_factory import make_pdf
from ui.bench.instruments import Heartbeat
from ui.controllers import Controllers
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.integration
NOTES = ("paraguay-and-ethiopia-hydropower-mining.md", "hashprice.md",
         "energy-cost-per-bitcoin.pdf")


def make_window(root: Path, embedder: object) -> MainWindow:
    """The real window, shown, over ``root/data`` and the notes in ``root/library``."""
    controllers = Controllers.create(lambda: AssistantService(
        root / "data", embedder=embedder, library_dir=root / "library"))
    main = MainWindow(controllers)
    main.show()
    return main


def open_window(root: Path, embedder: object, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    """:func:`make_window`, started, once its models have loaded."""
    main = make_window(root, embedder)
    with qtbot.waitSignal(main.controllers.session.model_ready, timeout=180_000):
        main.controllers.session.start()
    return main


def started(main: MainWindow, signal, qapp: QApplication, what: str,  # type: ignore[no-untyped-def]
            timeout_ms: int) -> MainWindow:
    """``main`` started, once ``signal`` has fired; for module-scoped windows, which
    cannot use the function-scoped qtbot."""
    ready: list[object] = []
    signal.connect(ready.append)
    main.controllers.session.start()
    deadline = timeout_ms
    while not ready and deadline > 0:
        qapp.processEvents()
        QApplication.instance().thread().msleep(20)  # type: ignore[union-attr]
        deadline -= 20
    assert ready, f"{what} did not load"
    return main


def small_library(root: Path) -> Path:
    library = root / "library"
    library.mkdir()
    for name in NOTES:
        shutil.copy(library_dir() / name, library / name)
    return root


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory, real_embedder,  # type: ignore[no-untyped-def]
           qapp: QApplication) -> Iterator[MainWindow]:
    """One window for the module (the model loads once); tests use it through ``window``."""
    main = make_window(small_library(tmp_path_factory.mktemp("ui")), real_embedder)
    yield started(main, main.controllers.session.model_ready, qapp, "the model", 180_000)
    main.close()


@pytest.fixture
def window(opened: MainWindow, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    """The module's window with a new, empty chat: no test relies on what another left."""
    qtbot.waitUntil(lambda: not opened.controllers.session.busy, timeout=30_000)
    opened.user_actions.new_conversation()
    return opened


def model_status(window: MainWindow) -> str:
    """The status bar's model text for the default model: "(safe mode)" follows it on a CPU
    whose fast weight layout crashes (Xeons with AMX), and on no other."""
    safe = window.controllers.session.model_notice()
    return "Model: SmolLM2-135M-Instruct.Q4_1" + (" (safe mode)" if safe else "")


def test_the_window_is_offgrid_and_ready(window: MainWindow) -> None:
    assert "Offgrid" in window.windowTitle()
    assert window.status_bar.model_label.text() == model_status(window)
    assert window.question.starters.isVisible()
    assert not window.model_bar.progress_action.isVisible()


def test_ask_streams_tokens_and_shows_sources(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tokens: list[str] = []
    window.controllers.chat.token.connect(tokens.append)
    early_cards: list[tuple[str, int]] = []  # the cards when the sources arrive, and tokens
    window.controllers.chat.retrieved.connect(
        lambda _: early_cards.append((window.sources.toPlainText(), len(tokens))))
    window.question.input.setPlainText("Why are miners moving to Paraguay?")
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as blocker:
        qtbot.keyClick(window.question.input, Qt.Key.Key_Return)
    answer: Answer = blocker.args[0]
    # The lead first (the evidence that answers, cited), then any verified model sentences.
    assert tokens and tokens[0].startswith(answer.evidence[0].sentence.text[:30])
    assert "".join(tokens) == answer.text and window.question.input.toPlainText() == ""
    assert "[1] Paraguay and Ethiopia" in early_cards[0][0] and early_cards[0][1] == 0
    assert not answer.abstained and answer.sources
    shown = window.chat.toPlainText()
    assert "Why are miners moving to Paraguay?" in shown
    words = re.findall(r"[A-Za-z]{4,}", answer.text)[:5]  # the rendered Markdown's words
    assert words and all(word in shown for word in words)
    cards = window.sources.toPlainText()
    assert "[1] Paraguay and Ethiopia" in cards
    assert answer.evidence[0].sentence.text[:40] in " ".join(cards.split())
    assert not window.question.starters.isVisible()
    window.question.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied.startswith("**Why are miners moving to Paraguay?**") and "**Sources:**" in copied


def test_a_figure_question_shows_its_chart_and_opens_the_workbench(window: MainWindow,
                                                                  qtbot) -> None:  # type: ignore[no-untyped-def]
    window.question.input.setPlainText("What is the energy cost per bitcoin at 8 cents per kWh?")
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as blocker:
        qtbot.keyClick(window.question.input, Qt.Key.Key_Return)
    answer: Answer = blocker.args[0]
    assert answer.calculation is not None
    assert "About $68,267 per bitcoin" in window.chat.toPlainText()
    assert window.status_bar.speed_label.text().startswith("Computed by the calculator · ")
    assert window.figure.isVisible() and len(window.figure.chart.series()) == 2
    with qtbot.waitSignal(window.chat.open_workbench_requested) as opened:
        qtbot.mouseClick(window.figure.workbench_button, Qt.MouseButton.LeftButton)
    assert opened.args[0]["price_usd_kwh"] == 0.08 and opened.args[0]["hashrate_eh_s"] == 800
    assert window.pages.currentWidget() is window.mining  # the button opened the workbench
    assert window.mining.values()["price_usd_kwh"] == 0.08
    window.pages.setCurrentIndex(0)
    # New chat waits for the answer's job to end (it ends just after the answer is shown).
    qtbot.waitUntil(lambda: not window.controllers.session.busy, timeout=60_000)
    window.user_actions.new_conversation()
    assert not window.figure.isVisible()


def test_a_source_card_opens_the_text_at_its_passage(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000):
        window.user_actions.ask("Why are miners moving to Paraguay?")
    answer = window.sources.answer
    assert answer is not None and answer.sources
    hit = answer.sources[0]
    with qtbot.waitSignal(window.controllers.chat.passage_ready, timeout=10_000):
        window.sources.anchorClicked.emit(QUrl("source:1"))
    assert window.side.currentWidget() is window.viewer
    assert window.viewer.stack.currentWidget() is window.viewer.text_view
    start, end = window.viewer.selection or (0, 0)
    assert len(window.viewer.text_view.extraSelections()) == 1
    assert window.viewer.formatted  # a Markdown note, shown formatted
    shown = window.viewer.text_view.toPlainText()
    # The passage's words, in order (no characters past U+FFFF in these notes).
    assert re.findall(r"\w+", shown[start:end]) == re.findall(r"\w+", hit.text)
    assert hit.title in window.viewer.title.text()


def test_a_pdf_source_opens_at_its_page(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as blocker:
        window.user_actions.ask("What would the energy cost per bitcoin be at 8 cents per kWh?")
    answer: Answer = blocker.args[0]
    numbers = [n for n, hit in enumerate(answer.sources, start=1)
               if hit.path.endswith(".pdf") and hit.page and hit.page > 1]
    assert numbers, "the PDF should be among the sources"
    hit = answer.sources[numbers[0] - 1]
    with qtbot.waitSignal(window.controllers.chat.passage_ready, timeout=10_000):
        window.chat.anchorClicked.emit(QUrl(f"cite:{len(window.chat.turns) - 1}/{numbers[0]}"))
    assert window.viewer.stack.currentWidget() is window.viewer.pdf_view
    assert window.viewer.pdf_view.pageNavigator().currentPage() == hit.page - 1


def test_stop_mid_answer_keeps_what_was_written(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, session = window.controllers.chat, window.controllers.session
    session.options = type(session.options)(
        params=type(session.options.params)(max_tokens=300, temperature=0.8))
    stopped = []

    def stop_once(_: str) -> None:
        if not stopped:
            stopped.append(True)
            qtbot.mouseClick(window.question.stop_button, Qt.MouseButton.LeftButton)

    controller.token.connect(stop_once)
    with qtbot.waitSignal(controller.answered, timeout=120_000) as blocker:
        window.user_actions.ask("Explain in detail how hashprice is calculated.")
    controller.token.disconnect(stop_once)
    answer: Answer = blocker.args[0]
    assert answer.stop_reason == "cancelled" and answer.timings.completion_tokens < 100
    qtbot.waitUntil(lambda: window.question.send_button.isEnabled())
    assert not window.question.stop_button.isEnabled() and "(stopped)" in window.chat.toPlainText()


def test_conversations_are_listed_searched_and_exported(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    panel, session = window.conversations, window.controllers.session
    conversations = window.controllers.conversations
    question = "Which countries are miners moving to for cheap hydropower?"
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000):
        window.user_actions.ask(question)
    conversation_id = session.conversation_id
    assert conversation_id is not None
    panel.search.setText(question)  # what this test asked, and no other
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert question in panel.list.item(0).text()
    assert panel.list.item(0).data(Qt.ItemDataRole.UserRole) == conversation_id
    panel.search.setText("no such words anywhere")
    qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=10_000)
    panel.search.clear()
    assert session.service is not None
    stored = [c.id for c in session.service.list_conversations()]
    qtbot.waitUntil(lambda: [panel.list.item(n).data(Qt.ItemDataRole.UserRole)
                             for n in range(panel.list.count())] == stored, timeout=10_000)
    assert conversation_id in stored
    conversations.rename(conversation_id, "Hydropower destinations")
    qtbot.waitUntil(lambda: any(
        panel.list.item(n).text().startswith("Hydropower destinations")
        and panel.list.item(n).data(Qt.ItemDataRole.UserRole) == conversation_id
        for n in range(panel.list.count())), timeout=10_000)
    target = tmp_path / "export.md"
    with qtbot.waitSignal(session.status, timeout=10_000):
        conversations.export(conversation_id, target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Hydropower destinations")
    assert f"## {question}" in text and "**Sources:**" in text


FIELD_NOTE = """# The Okavango field station

## Power

The Okavango field station runs on a 42 kilowatt solar microgrid with a lithium iron phosphate
battery bank, so researchers can keep their laptops and sensors running through the night.

## Data

Every night the station's laptops index the day's camera-trap photos offline.
"""


def test_import_shows_the_file_indexed_and_answers_cite_it(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    note = tmp_path / "okavango.md"
    note.write_text(FIELD_NOTE, encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with qtbot.waitSignal(window.controllers.library.import_finished, timeout=60_000) as blocker:
        window.user_actions.import_paths([note, broken])
    report = blocker.args[0]
    statuses = {Path(r.path).name: r for r in report.results}
    assert statuses["okavango.md"].status == "added"
    assert statuses["broken.pdf"].status == "failed"
    qtbot.waitUntil(lambda: "okavango" in _tree_text(window).lower(), timeout=10_000)
    tree = _tree_text(window)
    chunks = statuses["okavango.md"].chunks
    assert f"The Okavango field station | indexed · {chunks} chunk" in tree and chunks >= 1
    assert f"broken.pdf | {statuses['broken.pdf'].reason}" in tree
    assert "Last import: not added | 1 file" in tree
    assert window.left.currentWidget() is window.library
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as answered:
        window.user_actions.ask("What powers the Okavango field station?")
    answer: Answer = answered.args[0]
    assert not answer.abstained
    assert any(hit.path == str(note.resolve()) for hit in answer.sources)


def test_the_gui_thread_never_stalls_while_importing_and_answering(
        window: MainWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pages = [f"Page {n}. Turbine {n} at the reservoir logs {n * 3} megawatt hours every day, "
             "and the operators compare it with the river gauge before noon." for n in range(40)]
    pdf = make_pdf(tmp_path / "turbines.pdf", pages)
    beat = Heartbeat(interval_ms=20)  # the longest gap between ticks: interval + stall
    beat.start()
    with qtbot.waitSignal(window.controllers.library.import_finished, timeout=120_000):
        window.user_actions.import_paths([pdf])
    import_gap = beat.stop() + 20
    beat.start()
    # The default 320 tokens: on a loaded 2-core machine that alone can take two minutes.
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=300_000):
        window.user_actions.ask("How much does turbine 12 log every day?")
    answer_gap = beat.stop() + 20
    print(f"longest GUI-thread gap: import {import_gap:.0f} ms, answer {answer_gap:.0f} ms")
    assert import_gap < 250 and answer_gap < 250


def test_dropping_files_on_the_window_imports_them(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    note = tmp_path / "dropped.md"
    note.write_text("# Dropped note\n\nA note about the Kalahari weather station's batteries.\n",
                    encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    position = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(position, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.controllers.library.import_finished, timeout=60_000) as blocker:
        window.dropEvent(drop)
    assert [r.status for r in blocker.args[0].results] == ["added"]
    qtbot.waitUntil(lambda: "Dropped note | indexed" in _tree_text(window), timeout=10_000)


def _tree_text(window: MainWindow) -> str:
    lines = []
    tree = window.library.tree
    for index in range(tree.topLevelItemCount()):
        node = tree.topLevelItem(index)
        lines.append(f"{node.text(0)} | {node.text(1)}")
        for child in range(node.childCount()):
            leaf = node.child(child)
            lines.append(f"{leaf.text(0)} | {leaf.text(1)}")
    return "\n".join(lines)


def test_a_bad_model_is_a_clear_error_and_the_current_model_stays(
        window: MainWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    controller, session = window.controllers.models, window.controllers.session
    fake = tmp_path / "notes.gguf"
    fake.write_text("not a model", encoding="utf-8")
    with qtbot.waitSignal(session.error, timeout=30_000) as blocker:
        controller.add_model(fake)
    assert "not a GGUF model file: notes.gguf" in blocker.args[0]
    error_box = window.user_actions.error_box
    assert error_box is not None and "notes.gguf" in error_box.text()
    error_box.close()
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(default_model().path.read_bytes()[:3_000_000])
    with qtbot.waitSignal(session.error, timeout=30_000) as blocker:
        controller.use_model(truncated)
    assert "truncated.gguf: its tensor data is cut short" in blocker.args[0]
    window.user_actions.error_box.close()
    assert session.model_id == "SmolLM2-135M-Instruct.Q4_1"
    assert window.status_bar.model_label.text() == model_status(window)
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as answered:
        window.user_actions.ask("What is hashprice?")
    assert answered.args[0].model == "SmolLM2-135M-Instruct.Q4_1"


def test_add_model_registers_and_switches_to_it(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    controller, session = window.controllers.models, window.controllers.session
    before = window.model_bar.combo.count()
    copy = tmp_path / "my-model.gguf"
    copy.symlink_to(default_model().path)
    with qtbot.waitSignal(session.model_ready, timeout=60_000) as blocker:
        controller.add_model(copy)
    assert blocker.args[0] == "my-model"
    qtbot.waitUntil(lambda: window.model_bar.combo.count() == before + 1, timeout=10_000)
    assert Path(window.model_bar.combo.currentData()).name == "my-model.gguf"
    with qtbot.waitSignal(session.model_ready, timeout=60_000):
        window.model_bar.combo.activated.emit(0)
    assert session.model_id == "SmolLM2-135M-Instruct.Q4_1"


def test_settings_are_applied_saved_and_reload_the_model(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = window.controllers.session
    window.user_actions.open_settings()
    dialog = window.user_actions.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.temperature.setValue(0.3)
    dialog.max_tokens.setValue(64)
    dialog.context.setValue(4096)
    dialog.theme.setCurrentIndex(1)
    dialog.font_size.setValue(13)
    dialog.system_prompt.setPlainText("Answer from the numbered sources only. Cite them as [1].")
    with qtbot.waitSignal(controller.model_ready, timeout=60_000):
        dialog.accept()
    assert controller.service is not None and controller.service.model_info().n_ctx == 4096
    params = controller.options.params
    assert params.max_tokens == 64 and params.temperature == 0.3
    assert controller.options.system_prompt.startswith("Answer from the numbered sources only")
    assert QApplication.instance().font().pointSize() == 13  # type: ignore[union-attr]
    saved = json.loads((controller.service.data_dir / "settings.json").read_text())
    assert saved["theme"] == "dark" and saved["context_length"] == 4096
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as answered:
        window.user_actions.ask("What is hashprice?")
    assert answered.args[0].timings.completion_tokens <= 64


def test_closing_leaves_no_thread_running(tmp_path: Path, real_embedder, qtbot) -> None:  # type: ignore[no-untyped-def]
    main = open_window(small_library(tmp_path), real_embedder, qtbot)
    session = main.controllers.session
    main.close()
    assert session.jobs.running == 0 and session.service is None


def test_conversations_survive_a_restart(tmp_path: Path, real_embedder,  # type: ignore[no-untyped-def]
                                         qtbot) -> None:
    root = small_library(tmp_path)
    first = open_window(root, real_embedder, qtbot)
    qtbot.addWidget(first)
    controllers = first.controllers
    session, chat = controllers.session, controllers.chat
    session.options = type(session.options)(params=type(session.options.params)(max_tokens=48))
    for question in ("Why are miners moving to Paraguay?",
                     "Explain in detail how hashprice is calculated."):
        with qtbot.waitSignal(chat.answered, timeout=120_000):
            first.user_actions.ask(question)
        qtbot.waitUntil(lambda: not session.busy, timeout=30_000)
    looks = replace(session.settings, theme="dark", font_size=13)
    with qtbot.waitSignal(session.changed, timeout=10_000,
                          check_params_cb=lambda changes: changes.settings):
        controllers.models.apply_settings(looks)
    first.close()
    assert session.jobs.running == 0

    again = make_window(root, real_embedder)
    qtbot.addWidget(again)
    controllers = again.controllers
    with qtbot.waitSignal(controllers.conversations.conversations_changed, timeout=60_000):
        controllers.session.start()
    assert again.conversations.list.count() == 1
    with qtbot.waitSignal(controllers.chat.conversation_opened, timeout=10_000):
        again.conversations.list.itemClicked.emit(again.conversations.list.item(0))
    shown = again.chat.toPlainText()
    assert "Why are miners moving to Paraguay?" in shown
    assert "Explain in detail how hashprice is calculated." in shown
    assert again.sources.answer is not None
    settings = controllers.session.settings
    assert settings.theme == "dark" and settings.font_size == 13
    again.close()
    assert controllers.session.jobs.running == 0


def test_a_remote_model_answers_and_the_status_bar_says_so(
        window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    controller, session = window.controllers.models, window.controllers.session
    bar, status = window.model_bar, window.status_bar
    assert status.network_label.text() == "● Offline"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    with qtbot.waitSignal(session.error, timeout=30_000) as blocker:
        controller.use_remote(f"http://127.0.0.1:{down}")
    assert f"127.0.0.1:{down} is not reachable" in blocker.args[0]
    window.user_actions.error_box.close()
    assert session.model_id == "SmolLM2-135M-Instruct.Q4_1"
    assert status.network_label.text() == "● Offline"
    with fake_openai.serve() as server:
        with qtbot.waitSignal(session.model_ready, timeout=30_000):
            controller.use_remote(fake_openai.url(server))
        assert status.network_label.text() == "● Remote model: 127.0.0.1"
        assert bar.combo.currentText() == "tiny-chat (remote)"
        assert session.settings.remote_url == fake_openai.url(server)
        # a lead of one evidence item leaves the model room to add a sentence (two items
        # often fill the answer's three sentences, and then no model is asked)
        monkeypatch.setattr(composing, "SECOND_SHARE", 1.01)
        with qtbot.waitSignal(window.controllers.chat.answered, timeout=120_000) as answered:
            window.user_actions.ask("What does Ethiopia's utility gain from miners?")
        assert answered.args[0].model == "tiny-chat"
        assert any(path == "/v1/chat/completions" for _, path, _ in server.requests)
    qtbot.waitUntil(lambda: bar.combo.count() > 1, timeout=10_000)
    assert bar.combo.currentText() == "tiny-chat (remote)"  # still, after the list reloads
    local = next(i for i in range(bar.combo.count())
                 if bar.combo.itemData(i) and Path(bar.combo.itemData(i)) == default_model().path)
    qtbot.waitUntil(lambda: not session.busy, timeout=10_000)
    with qtbot.waitSignal(session.model_ready, timeout=60_000):
        bar.combo.activated.emit(local)
    assert status.network_label.text() == "● Offline"
    assert session.settings.remote_url == "" and bar.combo.findText("tiny-chat (remote)") < 0
