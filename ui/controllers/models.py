"""The language models and the settings: list, add and switch models; apply new settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from assistant.app import AssistantError, AssistantService, ModelEntry, Settings, save_settings
from ui.controllers.session import Changes, Session


class ModelsController(QObject):
    """Model and settings calls through the session; the model list reloads on changes."""

    models_changed = Signal(list)
    model_loading = Signal(str)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        session.changed.connect(self._changed)

    def _changed(self, changes: Changes) -> None:
        if changes.models:
            self.refresh()

    def refresh(self) -> None:
        """Reload the list of chat models."""
        self.session.run_latest("models", lambda s: s.models(), self.models_changed.emit)

    def use_model(self, path: Path) -> None:
        """Load another GGUF model; if it fails, the current one stays in use."""
        chosen = replace(self.session.settings, model_path=str(path), remote_url="",
                         remote_model="")
        self._switch(chosen, path.name, f"Loading {path.name}…",
                     lambda service: service.load_model(
                         path, n_ctx=chosen.context_length or None,
                         n_threads=chosen.threads or None, system_prompt=chosen.system_prompt))

    def use_remote(self, url: str, model: str = "") -> None:
        """Answer with ``model`` (default: the first listed) from the model server at ``url``;
        if it cannot be reached, the current model stays in use."""
        chosen = replace(self.session.settings, remote_url=url, remote_model=model)
        try:
            chosen.checked()
        except AssistantError as exc:
            self.session.error.emit(str(exc))
            return
        self._switch(chosen, url, f"Connecting to {url}…",
                     lambda service: service.load_remote_model(
                         url, model or None, n_ctx=chosen.context_length or None))

    def _switch(self, chosen: Settings, name: str, status: str,
                load_engine: Callable[[AssistantService], object]) -> None:
        """Load a model with ``load_engine`` and remember ``chosen``; if it fails, the model
        before stays in use."""
        session = self.session
        if session.busy:
            session.error.emit("An answer is still being written; stop it first.")
            return
        previous = session.model_id
        session.model_id = None  # no questions while loading
        self.model_loading.emit(name)
        session.status.emit(status)

        def load(service: AssistantService) -> object:
            engine = load_engine(service)
            save_settings(service.data_dir, chosen)  # remembered for the next start
            return engine

        def loaded(_engine: object) -> None:
            session.settings = chosen
            session.model_loaded()

        def failed(message: str) -> None:
            session.restore_model(previous)
            session.error.emit(message)

        session.write(load, Changes(settings=True), loaded, on_error=failed)

    def add_model(self, path: Path) -> None:
        """Register a GGUF file (checked first), then switch to it."""
        def added(entry: ModelEntry) -> None:
            self.use_model(entry.path)

        self.session.write(lambda s: s.add_model(path), Changes(models=True), added)

    def apply_settings(self, settings: Settings) -> None:
        """Check and save new settings; reload the model if its context or threads changed."""
        session = self.session
        previous = session.settings
        try:
            settings.checked()
        except AssistantError as exc:
            session.error.emit(str(exc))
            return

        def saved(_: object) -> None:
            session.use_settings(settings)
            if (settings.context_length, settings.threads) != \
                    (previous.context_length, previous.threads) and session.service is not None:
                path = session.service.model_info().model_path if session.model_id else None
                if path is not None:
                    self.use_model(path)

        session.write(lambda s: save_settings(s.data_dir, settings), Changes(settings=True),
                      saved)
