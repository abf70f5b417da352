"""The local API served in the background, beside another front end (the window): its own
threads over the same open service, published in the data directory for the CLI to find."""

from __future__ import annotations

import threading

from assistant.answers.pipeline import AskOptions
from assistant.api.discovery import publish, withdraw
from assistant.api.server import DEFAULT_HOST, DEFAULT_PORT, make_server, reachable_url
from assistant.app.service import AssistantService
from assistant.errors import AssistantError

STOP_WAIT_S = 10.0  # how long stopping waits for the requests under way (each is cancelled)


class RunningApi:
    """The API serving on its own threads until :meth:`stop`."""

    def __init__(self, service: AssistantService, host: str = DEFAULT_HOST,
                 port: int = DEFAULT_PORT, token: str | None = None, *,
                 defaults: AskOptions | None = None) -> None:
        """Bind and start serving, or raise :class:`AssistantError` saying why not (no token
        off loopback, a bad address, the port in use); nothing is left running then."""
        self._server = make_server(service, host, port, token, defaults=defaults)
        self._data_dir = service.data_dir
        self.host, self.port = str(self._server.server_address[0]), \
            int(self._server.server_address[1])
        self.url = reachable_url(self._server)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="offgrid-api", daemon=True)
        self._thread.start()
        try:
            publish(self._data_dir, self.url, token)
        except OSError as error:
            self.stop()
            raise AssistantError(f"cannot note the API's address in {self._data_dir}: "
                                 f"{error.strerror or error}") from None

    @property
    def address(self) -> str:
        """``HOST:PORT`` it listens on."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether it still serves."""
        return self._thread.is_alive()

    def set_defaults(self, defaults: AskOptions) -> None:
        """Answer requests with these options (the window's settings) unless they say."""
        self._server.api.defaults = defaults

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """Stop serving: no longer published, no new requests, the answers under way
        stopped and waited for (at most ``wait_s``). Safe to call twice."""
        withdraw(self._data_dir)
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.api.close(wait_s)
        self._server.server_close()
        self._thread.join(wait_s)
