"""The window's wiring: which panel signal reaches which controller or action, how the
controllers' signals show in the panels, and the tab order."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

from assistant.app import Answer, Retrieved, Settings
from ui.controllers import Changes, Controllers
from ui.panels.status_bar import process_memory_mb
from ui.window.actions import WindowActions
from ui.window.layout import WindowLayout

MEMORY_EVERY_MS = 2000
ANNOUNCED_CHARS = 300  # a screen reader reads this much of a finished answer, then the chat


def connect_window(window: WindowLayout, controllers: Controllers,
                   actions: WindowActions) -> None:
    """Connect the window's panels to the controllers and actions; set the tab order."""
    _connect_asking(window, controllers, actions)
    _connect_conversations(window, controllers, actions)
    _connect_library(window, controllers, actions)
    _connect_models(window, controllers, actions)
    _connect_session(window, controllers, actions)
    _set_tab_order(window)


def _connect_asking(window: WindowLayout, controllers: Controllers,
                    actions: WindowActions) -> None:
    chat, question = controllers.chat, window.question
    question.input.submitted.connect(actions.send)
    question.send_button.clicked.connect(actions.send)
    question.stop_button.clicked.connect(chat.stop)
    question.copy_button.clicked.connect(actions.copy_answer)
    question.starter_chosen.connect(actions.ask)
    chat.question_asked.connect(lambda text: _question_asked(window, text))
    chat.token.connect(window.chat.append_text)
    chat.retrieved.connect(lambda found: _retrieved(window, found))
    chat.answered.connect(lambda answer: _answered(window, answer))
    chat.busy_changed.connect(question.set_busy)
    chat.passage_ready.connect(actions.show_passage)
    chat.conversation_opened.connect(
        lambda _conversation_id, answers: _conversation_opened(window, answers))
    window.sources.source_clicked.connect(actions.open_source)
    window.chat.citation_clicked.connect(actions.open_citation)
    window.chat.flag_clicked.connect(actions.show_flags)
    window.figure.open_workbench_requested.connect(window.chat.open_workbench_requested)


def _connect_conversations(window: WindowLayout, controllers: Controllers,
                           actions: WindowActions) -> None:
    panel, session = window.conversations, controllers.session
    conversations = controllers.conversations
    panel.new_requested.connect(actions.new_conversation)
    panel.selected.connect(controllers.chat.open_conversation)
    panel.search_changed.connect(lambda text: conversations.refresh(text))
    panel.rename_requested.connect(actions.rename)
    panel.delete_requested.connect(actions.delete)
    panel.export_requested.connect(actions.export)
    conversations.conversations_changed.connect(
        lambda items: panel.set_conversations(items, session.conversation_id))


def _connect_library(window: WindowLayout, controllers: Controllers,
                     actions: WindowActions) -> None:
    panel, library = window.library, controllers.library
    panel.import_files_requested.connect(actions.import_files)
    panel.import_folder_requested.connect(actions.import_folder)
    panel.cancel_requested.connect(library.cancel_import)
    panel.reindex_requested.connect(library.reindex)
    panel.remove_requested.connect(actions.remove_document)
    panel.summarize_requested.connect(actions.summarize_document)
    panel.scope_changed.connect(controllers.chat.set_scope)
    library.library_changed.connect(panel.set_library)
    library.import_progress.connect(panel.show_progress)
    library.import_finished.connect(actions.import_finished)
    window.files_dropped.connect(actions.import_paths)
    watched, watching = panel.watched, controllers.watching
    watched.add_requested.connect(watching.add)
    watched.remove_requested.connect(watching.remove)
    watched.pause_requested.connect(watching.set_paused)
    watching.folders_changed.connect(watched.set_folders)
    watching.activity.connect(watched.set_activity)


def _connect_models(window: WindowLayout, controllers: Controllers,
                    actions: WindowActions) -> None:
    bar, models, session = window.model_bar, controllers.models, controllers.session

    def ready(model_id: str) -> None:
        window.status_bar.show_model(model_id, session.model_notice(), session.embedder_notice())
        window.status_bar.show_network(session.model_remote(), session.library_shared())
        bar.ready(model_id, remote=bool(session.model_remote()))

    def loading(name: str) -> None:
        window.status_bar.show_loading(name)
        bar.loading()

    session.model_ready.connect(ready)
    models.model_loading.connect(loading)
    models.models_changed.connect(bar.set_models)
    bar.chosen.connect(models.use_model)
    bar.add_button.clicked.connect(actions.add_model)
    bar.remote_button.clicked.connect(actions.use_remote_model)
    bar.settings_button.clicked.connect(actions.open_settings)


def _connect_session(window: WindowLayout, controllers: Controllers,
                     actions: WindowActions) -> None:
    session = controllers.session
    session.status.connect(window.statusBar().showMessage)
    session.error.connect(actions.show_error)
    appearance = window.appearance

    def changed(changes: Changes) -> None:
        settings: Settings = session.settings
        if changes.settings:
            appearance.show(settings.theme, settings.font_size)

    session.changed.connect(changed)
    api = controllers.api
    api.serving.connect(lambda address: window.status_bar.show_api(address, api.url))
    api.failed.connect(actions.show_error)
    timer = QTimer(window)
    timer.timeout.connect(lambda: window.status_bar.show_memory(process_memory_mb(),
                                                                session.engine_memory_mb()))
    timer.start(MEMORY_EVERY_MS)
    window.status_bar.show_memory(process_memory_mb(), session.engine_memory_mb())
    window.closing.connect(session.shutdown)


def _question_asked(window: WindowLayout, question: str) -> None:
    """The question is stored: show it in the chat, and take it out of the input box."""
    window.question.asked(question)
    window.chat.add_question(question)
    window.figure.show_answer(None)


def _retrieved(window: WindowLayout, found: Retrieved) -> None:
    """Show the sources and evidence as soon as they are found, before the answer."""
    if found.abstained or not window.chat.turns:
        return
    window.sources.show_retrieved(found)
    window.side.setCurrentWidget(window.sources)


def _answered(window: WindowLayout, answer: Answer) -> None:
    window.chat.finish(answer)
    window.figure.show_answer(answer)
    window.sources.show_answer(answer)
    window.question.copy_button.setEnabled(True)
    announce(window.chat, answer_announcement(answer))
    if not answer.abstained:
        t = answer.timings
        made = "Computed by the calculator" if answer.calculation else "Quoted from the sources"
        window.status_bar.show_speed(t.completion_tokens, t.decode_tokens_per_s, t.ttft_ms,
                                     t.total_ms, unwritten=made)


def answer_announcement(answer: Answer) -> str:
    """What a screen reader says when an answer has finished: its start, and its sources."""
    text = " ".join(answer.text.split())
    if len(text) > ANNOUNCED_CHARS:
        text = text[:ANNOUNCED_CHARS].rsplit(" ", 1)[0] + "…"
    if answer.abstained:
        return f"No answer from the library. {text}"
    sources = len(answer.sources)
    return f"Answer ready, {sources} source{'s' if sources != 1 else ''}. {text}"


def announce(widget: QWidget, message: str) -> None:
    """Have screen readers say ``message`` (Qt 6.8's announcement event, politely)."""
    QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(widget, message))


def _conversation_opened(window: WindowLayout, answers: list[Answer]) -> None:
    window.chat.show_answers(answers)
    window.figure.show_answer(answers[-1] if answers else None)
    window.question.starters.setVisible(not answers)
    if answers:
        window.sources.show_answer(answers[-1])


def _set_tab_order(window: WindowLayout) -> None:
    """Reading order: conversations, the chat, the question and its buttons, the sources."""
    panel, question, bar = window.conversations, window.question, window.model_bar
    chain = [panel.search, panel.list, panel.new_button, panel.rename_button,
             panel.delete_button, panel.export_button, window.chat,
             window.figure.workbench_button, *question.starter_buttons,
             question.input, question.send_button, question.stop_button,
             question.copy_button, window.side, window.sources, bar.combo, bar.add_button,
             bar.remote_button, bar.settings_button]
    for first, second in zip(chain, chain[1:], strict=False):
        window.setTabOrder(first, second)
