"""The session every controller shares: start-up, the ready state, running jobs, shutdown.

It opens the service, then indexes the library and loads the model side by side. Slow calls
run in :mod:`ui.workers` threads; results come back as signals on the GUI thread. A write
ends with one ``changed(Changes)`` signal saying what it may have changed, and each view
refreshes itself from that (Anki's ``CollectionOp`` and ``operation_did_execute``): no
caller refreshes another's view by hand. It holds no widgets, so it is tested without one.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from assistant.app import (
    AskOptions,
    AssistantError,
    AssistantService,
    GenerationParams,
    LoadedSettings,
    Settings,
    library_dir,
    load_settings,
    read_settings,
)
from ui.workers import JobRunner

ServiceFactory = Callable[[], AssistantService]
ModelLoader = Callable[[AssistantService, Settings], Any]

SAFE_MODE_STATUS = "the model runs in safe mode on this CPU (slower; see the model's tooltip)"
EMBEDDER_STATUS = ("search runs on PyTorch, its slower fallback (see the model's tooltip and "
                   "the log)")


@dataclass(frozen=True)
class Changes:
    """What a write may have changed; each view refreshes what it shows of these."""

    documents: bool = False
    conversations: bool = False
    models: bool = False
    settings: bool = False
    watched: bool = False  # the list of watched folders


def configured_model_loader(service: AssistantService, settings: Settings) -> Any:
    """Load the model chosen in the settings: its model server if one is set and answers,
    else its GGUF file (the default one if none is, or it is gone)."""
    if settings.remote_url:
        try:
            return service.load_remote_model(settings.remote_url, settings.remote_model or None,
                                             n_ctx=settings.context_length or None)
        except AssistantError:
            pass  # the server is down: the app still answers, offline, with its own model
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
    """Open the service on ``data_dir`` with the bundled library, shared on the Chroma
    server ``$OFFGRID_CHROMA_URL`` or the settings name, if any."""
    return lambda: AssistantService(
        data_dir, library_dir=library_dir(),
        chroma_url=os.environ.get("OFFGRID_CHROMA_URL") or load_settings(data_dir).chroma_url
        or None)


class Session(QObject):
    """Owns the service and the state the controllers share; every core call starts here."""

    status = Signal(str)
    error = Signal(str)
    opened = Signal()  # the service is open: a waiting question can be stored
    failed = Signal(str)  # the library or the model could not be opened
    library_ready = Signal()
    model_ready = Signal(str)
    answerable = Signal()  # after model_ready's displays: a waiting question may start
    changed = Signal(object)  # Changes, once a write has ended
    closing = Signal()  # work is stopping: the chat stops its answer, the library its import

    def __init__(self, open_service: ServiceFactory, *,
                 load_model: ModelLoader = configured_model_loader,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_service = open_service
        self._load_model = load_model
        self.jobs = JobRunner(self)
        self.service: AssistantService | None = None
        self.model_id: str | None = None  # None while no model is loaded (or one loads)
        self.conversation_id: int | None = None  # the conversation a question continues
        self.settings = Settings()
        self.options = AskOptions()
        self.busy = False  # whether an answer is being generated (the chat sets it)
        self._closed = False
        self._latest: dict[str, int] = {}  # the newest call of each run_latest key
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

    def _open(self) -> tuple[AssistantService, LoadedSettings]:
        service = self._open_service()
        return service, read_settings(service.data_dir)

    def _service_opened(self, opened: tuple[AssistantService, LoadedSettings]) -> None:
        service, loaded = opened
        if self._closed:  # the window closed while the library was opening
            service.close()
            return
        self.service = service
        gc.freeze()  # see _check_ready
        settings = loaded.settings
        self.use_settings(settings)
        self.changed.emit(Changes(documents=True, conversations=True, settings=True))
        self.status.emit("Loading the language model…")
        self.opened.emit()
        if loaded.problems:  # the other settings are in use; say which were reset
            self.error.emit(loaded.notice())
        self.jobs.start(lambda: self._sync(service), on_success=self._synced,
                        on_error=self._fatal)
        self.jobs.start(lambda: self._load_model(service, settings),
                        on_success=lambda _engine: self.model_loaded(), on_error=self._fatal)

    @staticmethod
    def _sync(service: AssistantService) -> None:
        service.sync_library()
        service.warm_up()  # load the embedding model now, not on first ask

    def _synced(self, _: object) -> None:
        if self.service is None:  # closed meanwhile
            return
        self._library_synced = True
        self.library_ready.emit()
        self.changed.emit(Changes(documents=True))  # a first start has just indexed it
        self._check_ready()

    def model_loaded(self) -> None:
        """A model has loaded: note which, and say so once the library is ready too."""
        if self.service is None:  # closed meanwhile
            return
        self.model_id = self.service.model_info().model_id
        self._check_ready()

    def restore_model(self, model_id: str | None) -> None:
        """Another model failed to load: ``model_id`` (the one before) is still in use."""
        self.model_id = model_id
        if model_id is not None:
            self.model_ready.emit(model_id)

    @property
    def ready(self) -> bool:
        """Whether a question can be answered now (library indexed, both models loaded)."""
        return self.service is not None and self.model_id is not None and self._library_synced

    def _check_ready(self) -> None:
        """Once the library and the model are both ready: say so, then let questions start."""
        if not self.ready:
            return
        assert self.model_id is not None
        # The models leave ~500,000 long-lived objects; a full garbage collection over them
        # takes ~300 ms and holds the GIL, freezing the window. Frozen objects are skipped.
        gc.freeze()
        self.model_ready.emit(self.model_id)
        rebuilt = self.service.last_repair.rebuilt if self.service is not None else None
        notes = ([SAFE_MODE_STATUS] if self.model_notice() else []) + (
            [EMBEDDER_STATUS] if self.embedder_notice() else [])
        self.status.emit("Ready · the search index was damaged and has been rebuilt from your "
                         "library" if rebuilt else " · ".join(["Ready", *notes]))
        self.changed.emit(Changes(models=True))
        self.answerable.emit()

    def _fatal(self, message: str) -> None:
        self.failed.emit(message)
        self.error.emit(message)
        self.status.emit(message)

    def use_settings(self, settings: Settings) -> None:
        """Answer with ``settings`` from now on (the chosen collections stay)."""
        self.settings = settings
        self.options = ask_options(settings, self.options.collections)

    def model_remote(self) -> str:
        """``HOST:PORT`` of the model server answering, or "" (the model runs here)."""
        return self.service.model_remote if self.service is not None else ""

    def library_shared(self) -> str:
        """``HOST:PORT`` of the Chroma server the library is shared on, or ""."""
        return self.service.library_shared if self.service is not None else ""

    def model_notice(self) -> str:
        """What to know about how the model runs (safe mode and why), or ""."""
        return self.service.model_notice if self.service is not None else ""

    def embedder_notice(self) -> str:
        """Why search runs on the embedder's PyTorch fallback (its ONNX copy could not be
        made or loaded), or "" when it runs as it should."""
        return self.service.embedder_notice if self.service is not None else ""

    def engine_memory_mb(self) -> float:
        """Resident memory of the model engine's process (0 while none runs)."""
        return self.service.engine_memory_bytes() / (1024 * 1024) if self.service else 0.0

    # -- running calls ----------------------------------------------------------------------

    def run(self, call: Callable[[AssistantService], Any],
            then: Callable[[Any], None] | None = None, *,
            on_error: Callable[[str], None] | None = None) -> None:
        """Read: call ``call(service)`` in the background; ``then`` gets its result here."""
        service = self.service
        if service is None:
            self.error.emit("The library is still opening.")
            return
        self.jobs.start(lambda: call(service), on_success=then,
                        on_error=on_error or self.error.emit)

    def run_latest(self, key: str, call: Callable[[AssistantService], Any],
                   then: Callable[[Any], None]) -> None:
        """Like :meth:`run`, but drop the result if a newer call with the same key started.

        Refreshes run in parallel (one per keystroke in a search box); only the newest one's
        result is shown, so a slow older one cannot overwrite it.
        """
        self._latest[key] = request = self._latest.get(key, 0) + 1

        def done(result: Any) -> None:
            if self._latest[key] == request:
                then(result)

        self.run(call, done)

    def write(self, call: Callable[[AssistantService], Any], changes: Changes,
              then: Callable[[Any], None] | None = None, *,
              on_error: Callable[[str], None] | None = None,
              on_yield: Callable[[Any], None] | None = None) -> None:
        """Write: like :meth:`run`, then ``changed(changes)``, whether the call succeeded or
        failed (a failed write may have done part of its work). A call that returns an
        iterator streams its items to ``on_yield``."""
        service = self.service
        if service is None:
            self.error.emit("The library is still opening.")
            return

        def succeeded(result: Any) -> None:
            if then is not None:
                then(result)
            self._announce(changes)

        def failed(message: str) -> None:
            (on_error or self.error.emit)(message)
            self._announce(changes)

        self.jobs.start(lambda: call(service), on_yield=on_yield,
                        on_success=succeeded, on_error=failed)

    def _announce(self, changes: Changes) -> None:
        if self.service is not None:  # not once the window has closed
            self.changed.emit(changes)

    def shutdown(self) -> None:
        """Stop work, wait for the threads, close the stores."""
        self._closed = True
        self.closing.emit()
        self.jobs.wait_all()
        if self.service is not None:
            self.service.close()
            self.service = None
