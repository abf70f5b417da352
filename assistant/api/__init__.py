"""Offgrid's local API: the OpenAI wire format over the library, for editors, scripts and the
CLI.

- :mod:`~assistant.api.server`: ``make_server``, ``serve`` (``assistant serve``),
  ``OffgridApi`` (the answers behind each endpoint).
- :mod:`~assistant.api.running`: ``RunningApi``, the API served in the background beside
  another front end (the window), over the same service.
- :mod:`~assistant.api.wire`: the request and reply formats, ``needs_token``, ``new_token``.
- :mod:`~assistant.api.discovery`: ``api.json`` in the data directory, where the CLI finds a
  running app's API; :mod:`~assistant.api.client`: ``RunningApp``, the CLI's side of it.

The window imports this package only (an import-linter contract): what it offers it is here.
"""

from assistant.api.running import RunningApi
from assistant.api.wire import DEFAULT_HOST, DEFAULT_PORT, needs_token, new_token

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "RunningApi", "needs_token", "new_token"]
