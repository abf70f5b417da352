"""The window's link to the core: opens the service, loads the model, asks and stops.

Everything slow runs in :class:`~ui.workers.Job` threads; results come back as signals on the
GUI thread. The controller holds no widgets, so it is tested without a window.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from assistant.app import (
    Asked,
    AskOptions,
    AssistantError,
    AssistantService,
    Finished,
    GenerationParams,
    Hit,
    ModelEntry,
    Retrieved,
    Settings,
    Token,
    library_dir,
    load_settings,
    save_settings,
)
from ui.controllers.library import LibraryController
from ui.workers import JobRunner

ServiceFactory = Callable[[], AssistantService]
ModelLoader = Callable[[AssistantService, Settings], Any]


SAFE_MODE_STATUS = "the model runs in safe mode on this CPU (slower; see the model's tooltip)"


def configured_model_loader(service: AssistantService, settings: Settings) -> Any:
    """Load the model chosen in the settings (the default one if none is, or it is gone)."""
    chosen = Path(settings.model_path) if settings.model_path else None
    return service.load_model(chosen if chosen is not None and chosen.exists() else None,
                              n_ctx=settings.context_length or None,
                              n_threads=settings.threads or None,
                              system_prompt=settings.system_prompt)


def ask_options(settings: Settings, collections: tuple[str, ...] | None) -> AskOptions:
    """The answer options the settings and the chosen collections give."""
    return AskOptions(collections=collections, system_prompt=settings.system_prompt,
                      params=GenerationParams(max_tokens=settings.max_tokens,
                                              temperature=settings.temperature,
                                              top_k=settings.top_k))


def default_service_factory(data_dir: Path) -> ServiceFactory:
    """Open the service on ``data_dir`` with the bundled library."""
    return lambda: AssistantService(data_dir, library_dir=library_dir())


class AppController(QObject):
    """Owns the service for the window; every call into the core starts here."""

    status = Signal(str)
    library_ready = Signal()
    model_ready = Signal(str)
    error = Signal(str)
    question_asked = Signal(str)
    retrieved = Signal(object)
    token = Signal(str)
    answered = Signal(object)
    busy_changed = Signal(bool)
    passage_ready = Signal(object, str)
    conversations_changed = Signal(list)
    settings_changed = Signal(object)
    models_changed = Signal(list)
    model_loading = Signal(str)
    conversation_opened = Signal(int, list)

    def __init__(self, open_service: ServiceFactory, *,
                 load_model: ModelLoader = configured_model_loader,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_service = open_service
        self._load_model = load_model
        self.jobs = JobRunner(self)
        self.library = LibraryController(self)
        self.service: AssistantService | None = None
        self.model_id: str | None = None
        self.conversation_id: int | None = None
        self.settings = Settings()
        self.options = AskOptions()
        self._cancel: threading.Event | None = None
        self._closed = False
        self._search = ""
        self._latest: dict[str, int] = {}  # the newest call of each run_latest key
        self._pending: str | None = None  # a question waiting to be answered
        self._pending_turn: int | None = None  # ... once stored, its turn
        self._library_synced = False

    # -- start-up ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the library; then index it and load the model side by side, in the background.

        The embedding model's import (~6 s of torch and sentence-transformers) is the long
        pole, so the chat model (~1 s, mostly outside the GIL) loads beside it, not after it.
        Both start only once the library is open: chromadb, torch and sentence-transformers
        share packages (pydantic), and importing those from two threads at once can fail.
        """
        self.status.emit("Opening the library…")
        self.jobs.start(self._open, on_success=self._service_opened, on_error=self._fatal)

    def _open(self) -> tuple[AssistantService, Settings]:
        service = self._open_service()
        return service, load_settings(service.data_dir)

    def _service_opened(self, opened: tuple[AssistantService, Settings]) -> None:
        service, settings = opened
        if self._closed:  # the window closed while the library was opening
            service.close()
            return
        self.service = service
        gc.freeze()  # see _check_ready
        self._settings_applied(settings)
        self.refresh_conversations()
        self.library.refresh()
        self.status.emit("Loading the language model…")
        if self._pending is not None:  # asked while the library was opening
            self._store_question()
        self.jobs.start(lambda: self._sync(service), on_success=self._synced,
                        on_error=self._fatal)
        self.jobs.start(lambda: self._load_model(service, settings),
                        on_success=self._model_loaded, on_error=self._fatal)

    @staticmethod
    def _sync(service: AssistantService) -> None:
        service.sync_library()
        service.warm_up()  # load the embedding model now, not on first ask

    def _synced(self, _: object) -> None:
        if self.service is None:  # closed meanwhile
            return
        self._library_synced = True
        self.library_ready.emit()
        self.library.refresh()  # a first start has just indexed the bundled library
        self._check_ready()

    def _model_loaded(self, _engine: object) -> None:
        if self.service is None:  # closed meanwhile
            return
        self.model_id = self.service.model_info().model_id
        self._check_ready()

    @property
    def ready(self) -> bool:
        """Whether a question can be answered now (library indexed, both models loaded)."""
        return self.service is not None and self.model_id is not None and self._library_synced

    def _check_ready(self) -> None:
        """Once the library and the model are both ready: say so, and answer a waiting question."""
        if not self.ready:
            return
        assert self.model_id is not None
        # The models leave ~500,000 long-lived objects; a full garbage collection over them
        # takes ~300 ms and holds the GIL, freezing the window. Frozen objects are skipped.
        gc.freeze()
        self.model_ready.emit(self.model_id)
        rebuilt = self.service.last_repair.rebuilt if self.service is not None else None
        self.status.emit("Ready · the search index was damaged and has been rebuilt from your "
                         "library" if rebuilt else
                         f"Ready · {SAFE_MODE_STATUS}" if self.model_notice() else "Ready")
        self.refresh_models()
        if self._pending is not None and self._pending_turn is not None:
            self._answer_pending()  # (one still being stored is answered once it is)

    def model_notice(self) -> str:
        """What to know about how the model runs (safe mode and why), or ""."""
        return self.service.model_notice if self.service is not None else ""

    def engine_memory_mb(self) -> float:
        """Resident memory of the model engine's process (0 while none runs)."""
        return self.service.engine_memory_bytes() / (1024 * 1024) if self.service else 0.0

    # -- models -----------------------------------------------------------------------------

    def refresh_models(self) -> None:
        """Reload the list of chat models."""
        self.run_latest("models", lambda s: s.models(), self.models_changed.emit)

    def use_model(self, path: Path) -> None:
        """Load another GGUF model; if it fails, the current one stays in use."""
        if self.busy:
            self.error.emit("An answer is still being written; stop it first.")
            return
        previous = self.model_id
        self.model_id = None  # no questions while loading
        self.model_loading.emit(path.name)
        self.status.emit(f"Loading {path.name}…")
        chosen = replace(self.settings, model_path=str(path))

        def load(service: AssistantService) -> object:
            engine = service.load_model(path, n_ctx=chosen.context_length or None,
                                        n_threads=chosen.threads or None,
                                        system_prompt=chosen.system_prompt)
            save_settings(service.data_dir, chosen)  # remembered for the next start
            return engine

        def loaded(engine: object) -> None:
            self.settings = chosen
            self._model_loaded(engine)

        def failed(message: str) -> None:
            self.model_id = previous
            if previous is not None:
                self.model_ready.emit(previous)
            self.error.emit(message)

        self.run(load, loaded, on_error=failed)

    # -- settings ---------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """Check and save new settings; reload the model if its context or threads changed."""
        previous = self.settings
        try:
            settings.checked()
        except AssistantError as exc:
            self.error.emit(str(exc))
            return

        def saved(_: object) -> None:
            self._settings_applied(settings)
            if (settings.context_length, settings.threads) != \
                    (previous.context_length, previous.threads) and self.service is not None:
                path = self.service.model_info().model_path if self.model_id else None
                if path is not None:
                    self.use_model(path)

        self.run(lambda s: save_settings(s.data_dir, settings), saved)

    def _settings_applied(self, settings: Settings) -> None:
        self.settings = settings
        self.options = ask_options(settings, self.options.collections)
        self.settings_changed.emit(settings)

    def add_model(self, path: Path) -> None:
        """Register a GGUF file (checked first), then switch to it."""
        def added(entry: ModelEntry) -> None:
            self.refresh_models()
            self.use_model(entry.path)

        self.run(lambda s: s.add_model(path), added)

    def _fatal(self, message: str) -> None:
        if self._pending is not None:  # the waiting question cannot be answered now
            self._pending = None
            self.busy_changed.emit(False)
        self.error.emit(message)
        self.status.emit(message)

    # -- asking -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether an answer is being generated."""
        return self._cancel is not None

    def ask(self, question: str) -> bool:
        """Start answering ``question``; False (with an error signal) if that cannot start.

        The question is stored before it is shown (``question_asked``), so a crash never
        loses what the window showed. Asked while the library or the models are still
        loading, it is stored once the library is open and answered once they are ready.
        """
        question = question.strip()
        if not question:
            return False
        if self.busy or self._pending is not None:
            self.error.emit("An answer is still being written; stop it first.")
            return False
        if self.options.collections == ():
            self.error.emit("Tick at least one collection in the Library to search.")
            return False
        self._pending, self._pending_turn = question, None
        self.busy_changed.emit(True)
        if not self.ready:
            self.status.emit("Your question will be answered as soon as the model is ready…")
        else:
            self.status.emit("")  # what was said about the last answer no longer holds
        if self.service is not None:
            self._store_question()
        return True

    def _store_question(self) -> None:
        """Store the waiting question as a new turn (in a worker), then show it."""
        service, question, conversation_id = self.service, self._pending, self.conversation_id
        assert service is not None and question is not None
        self.jobs.start(lambda: service.start_turn(question, conversation_id),
                        on_success=self._question_stored, on_error=self._ask_failed)

    def _question_stored(self, asked: Asked) -> None:
        if self._pending is None:  # dropped before it was shown: it leaves no trace
            self.run(lambda s: s.abandon_turn(asked.turn_id, shown=False))
            return
        self.conversation_id, self._pending_turn = asked.conversation_id, asked.turn_id
        self.question_asked.emit(self._pending)
        self.refresh_conversations()
        if self.ready:
            self._answer_pending()

    def _answer_pending(self) -> None:
        """Answer the stored, waiting question."""
        service, question, turn_id = self.service, self._pending, self._pending_turn
        assert service is not None and question is not None and turn_id is not None
        self._pending = self._pending_turn = None
        cancel = threading.Event()
        self._cancel = cancel
        conversation_id, options = self.conversation_id, self.options
        self.jobs.start(
            lambda: service.ask(question, options=options, conversation_id=conversation_id,
                                turn_id=turn_id, cancel=cancel),
            on_yield=self._event, on_success=lambda _: self._done(),
            on_error=self._ask_failed)

    def _event(self, event: object) -> None:
        if isinstance(event, Token):
            self.token.emit(event.text)
        elif isinstance(event, Retrieved):
            self.retrieved.emit(event)
        elif isinstance(event, Finished):
            self.answered.emit(event.answer)
            if event.answer.interruption:
                self.status.emit(f"The answer was cut short: {event.answer.interruption}"
                                 + (f" · {SAFE_MODE_STATUS}" if self.model_notice() else ""))

    def _done(self) -> None:
        self._cancel = None
        self.busy_changed.emit(False)
        self.refresh_conversations()

    def _ask_failed(self, message: str) -> None:
        self._pending = self._pending_turn = None
        self._done()
        self.error.emit(message)
        if self.conversation_id is not None:  # show the turn as stored: why it stopped
            self.open_conversation(self.conversation_id)

    def stop(self) -> None:
        """Stop the answer being written (it keeps what was said), or drop a waiting one."""
        if self._cancel is not None:
            self._cancel.set()
        elif self._pending is not None:
            turn_id, self._pending, self._pending_turn = self._pending_turn, None, None
            if turn_id is not None:  # shown, so kept: as a question left unanswered
                self.run(lambda s: s.abandon_turn(turn_id))
            self.busy_changed.emit(False)
            self.status.emit("The waiting question was dropped.")

    def open_passage(self, hit: Hit) -> None:
        """Fetch the text of a source's document (PDFs open from their file)."""
        if hit.path.lower().endswith(".pdf") and hit.page is not None:
            self.passage_ready.emit(hit, "")
            return
        service = self.service
        if service is None:
            return
        self.jobs.start(lambda: service.document_text(hit.doc_id),
                        on_success=lambda text: self._passage_text(hit, text),
                        on_error=self.error.emit)

    def _passage_text(self, hit: Hit, text: str | None) -> None:
        if text is None:
            self.error.emit(f"{hit.title} is no longer in the library.")
            return
        self.passage_ready.emit(hit, text)

    def new_conversation(self) -> None:
        """The next question starts a new conversation."""
        self.conversation_id = None

    # -- library ----------------------------------------------------------------------------

    def set_scope(self, collections: tuple[str, ...] | None) -> None:
        """Which collections the chat searches (None: all)."""
        self.options = replace(self.options, collections=collections)

    # -- conversations ----------------------------------------------------------------------

    def run(self, call: Callable[[AssistantService], Any],
            then: Callable[[Any], None] | None = None, *,
            on_error: Callable[[str], None] | None = None) -> None:
        """Call ``call(service)`` in the background; ``then`` gets its result on this thread."""
        service = self.service
        if service is None:
            self.error.emit("The library is still opening.")
            return
        self.jobs.start(lambda: call(service), on_success=then,
                        on_error=on_error or self.error.emit)

    def refresh_conversations(self, search: str | None = None) -> None:
        """Reload the conversation list (filtered by the last search text).

        Refreshes run in parallel (one per keystroke in the search box); only the newest
        one's result is shown, so a slow older one cannot overwrite it.
        """
        if search is not None:
            self._search = search
        text = self._search
        self.run_latest("conversations", lambda s: s.list_conversations(text),
                         self.conversations_changed.emit)

    def run_latest(self, key: str, call: Callable[[AssistantService], Any],
                    then: Callable[[Any], None]) -> None:
        """Like :meth:`run`, but drop the result if a newer call with the same key started."""
        self._latest[key] = request = self._latest.get(key, 0) + 1

        def done(result: Any) -> None:
            if self._latest[key] == request:
                then(result)

        self.run(call, done)

    def open_conversation(self, conversation_id: int) -> None:
        """Continue a stored conversation: its answers come back by ``conversation_opened``."""
        if self.busy:
            self.error.emit("An answer is still being written; stop it first.")
            return
        self.run(lambda s: s.conversation_answers(conversation_id),
                  lambda answers: self._opened(conversation_id, answers))

    def _opened(self, conversation_id: int, answers: list) -> None:
        self.conversation_id = conversation_id
        self.conversation_opened.emit(conversation_id, answers)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename, then refresh the list."""
        self.run(lambda s: s.rename_conversation(conversation_id, title),
                  lambda _: self.refresh_conversations())

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete, then refresh the list (the chat empties if it was the open one)."""
        if conversation_id == self.conversation_id:
            self.conversation_id = None
        self.run(lambda s: s.delete_conversation(conversation_id),
                  lambda _: self.refresh_conversations())

    def export_conversation(self, conversation_id: int, path: Path) -> None:
        """Write a conversation to ``path`` as Markdown."""
        def export(service: AssistantService) -> Path:
            path.write_text(service.export_conversation(conversation_id), encoding="utf-8")
            return path

        self.run(export, lambda written: self.status.emit(f"Exported to {written}"))

    def shutdown(self) -> None:
        """Stop work, wait for the threads, close the stores."""
        self._closed = True
        self.stop()
        self.library.cancel_import()
        self.jobs.wait_all()
        if self.service is not None:
            self.service.close()
            self.service = None
