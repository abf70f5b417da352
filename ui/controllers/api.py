"""The local API served beside the window (Settings → Network → Serve the local API):
started, stopped and moved as the settings say, on its own threads, over the window's service.

The API is a front end like the window, so it enters the core through the app door itself;
the window only hosts it. This is the one module of the window that may import
``assistant.api`` (an import-linter contract says so), and only what that package offers.
Starting and stopping run in workers (stopping waits for requests under way to end), so the
window never waits for them; one answer runs at a time, whoever asks (the service's gate).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from assistant.api import RunningApi, needs_token
from assistant.api import new_token as make_token
from assistant.app import AskOptions, AssistantService, Settings
from ui.controllers.session import Changes, Session, ask_options

# (host, port, token or None): what the API serves as; None while it should not run.
Wanted = tuple[str, int, str | None] | None


def wanted_api(settings: Settings) -> Wanted:
    """Where the settings say the API serves (with the token only off loopback), or None."""
    if not settings.api_enabled:
        return None
    host = settings.api_host.strip()
    return host, settings.api_port, (settings.api_token or None) if needs_token(host) else None


class ApiController(QObject):
    """Keeps the local API as the settings want it; ``serving`` says where it answers."""

    serving = Signal(str)  # "HOST:PORT" while the API serves, "" once it has stopped
    failed = Signal(str)  # it could not start (port in use, bad address, no token)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self._target: Wanted = None
        self._current: Wanted = None
        self._running: RunningApi | None = None
        self._moving = False  # a start or stop is under way in a worker
        self._lock = threading.Lock()  # guards _closing and _live across the worker
        self._closing = False
        self._live: RunningApi | None = None  # the one started last (for shutdown)
        session.changed.connect(self._changed)
        session.closing.connect(self.shutdown)

    @staticmethod
    def new_token() -> str:
        """A new bearer token (for the settings to show and keep)."""
        return make_token()

    @property
    def address(self) -> str:
        """``HOST:PORT`` while the API serves, else ""."""
        return self._running.address if self._running is not None else ""

    @property
    def url(self) -> str:
        """The base URL a client on this computer uses, else ""."""
        return self._running.url if self._running is not None else ""

    def _changed(self, changes: Changes) -> None:
        if changes.settings and self.session.service is not None:
            self.apply(self.session.settings)

    def apply(self, settings: Settings) -> None:
        """Serve as ``settings`` say: start, stop or move the API (in the background)."""
        if self._running is not None:
            self._running.set_defaults(ask_options(settings, None))
        self._target = wanted_api(settings)
        self._step()

    def _step(self) -> None:
        """Start one move towards the target, unless one is under way or none is needed."""
        service = self.session.service
        if self._moving or self._closing or service is None or self._target == self._current:
            return
        self._moving = True
        running, target = self._running, self._target
        defaults = ask_options(self.session.settings, None)
        self.session.jobs.start(lambda: self._move(service, running, target, defaults),
                                on_success=lambda api: self._moved(target, api),
                                on_error=lambda message: self._not_started(target, message))

    def _move(self, service: AssistantService, running: RunningApi | None, target: Wanted,
              defaults: AskOptions) -> RunningApi | None:
        """(In a worker.) Stop the API that serves, then start the wanted one."""
        if running is not None:
            running.stop()
        if target is None:
            return None
        with self._lock:
            if self._closing:
                return None
            host, port, token = target
            self._live = RunningApi(service, host, port, token, defaults=defaults)
            return self._live

    def _moved(self, target: Wanted, api: RunningApi | None) -> None:
        self._moving = False
        self._running, self._current = api, target if api is not None else None
        self.serving.emit(self.address)
        self._step()  # the settings may have changed again meanwhile

    def _not_started(self, target: Wanted, message: str) -> None:
        self._moving = False
        self._running = self._current = None
        self.serving.emit("")
        if self._target == target:  # not tried again until the settings change
            self._target = None
        self.failed.emit(f"The local API did not start: {message}")
        self._step()

    def shutdown(self) -> None:
        """Stop the API as the window closes (requests under way are stopped first)."""
        with self._lock:
            self._closing = True
            live = self._live
        if live is not None:
            live.stop()
        self._running = None
