"""The shared-library part of the app's door: where the library is shared, and keeping this
data directory's mirror of it in step (before a search, after an ingest or a removal)."""

from __future__ import annotations

import logging
from typing import TypeVar

from assistant.engines.embedding import Embedder
from assistant.errors import StoreError
from assistant.library.shared_server import ChromaServer, parse_chroma_url
from assistant.library.shared_sync import SharedLibrary, SharedSyncReport
from assistant.system.egress import allow as allow_egress

_log = logging.getLogger(__name__)
Result = TypeVar("Result")


def connect_server(chroma_url: str, embedder: Embedder) -> ChromaServer:
    """The Chroma server at ``chroma_url``, checked (it answers, speaks our version, holds
    vectors of ``embedder``'s model); the egress guard lets exactly its host and port through."""
    address = parse_chroma_url(chroma_url)
    allow_egress(address.host, address.port)
    return ChromaServer(chroma_url, embedder_id=embedder.model_id,
                        dimension=embedder.dimension)


class SharedDoor:
    """What :class:`~assistant.app.service.AssistantService` offers on a library shared on a
    Chroma server (``_shared``, which the service opens; None for a library of its own)."""

    _shared: SharedLibrary | None
    # Why the last exchange with the server failed ("" once one succeeds again): the mirror
    # still answers, as of the last sync.
    shared_problem: str = ""

    @property
    def library_shared(self) -> str:
        """``HOST:PORT`` of the Chroma server the library is shared on, or "" (this
        computer only)."""
        return self._shared.where if self._shared is not None else ""

    def _close_shared(self) -> None:
        if self._shared is not None:
            self._shared.close()

    def _changed_here(self, result: Result) -> Result:
        """``result`` of a change made here, once the shared library has it too (if the
        server answers; else a later sync sends it)."""
        self._keep_in_step(changed_here=True)
        return result

    def _keep_in_step(self, *, changed_here: bool = False) -> SharedSyncReport | None:
        """Sync with the server if either side changed (``changed_here``: this side did);
        what the sync did, if one ran. A server that does not answer leaves the mirror as it
        is (it still answers, as of the last sync) and :attr:`shared_problem` says why."""
        if self._shared is None:
            return None
        try:
            report = self._shared.sync() if changed_here else self._shared.refresh()
        except StoreError as exc:
            self.shared_problem = str(exc)
            _log.warning("the shared library is not in step: %s", exc)
            return None
        self.shared_problem = ""
        return report
