"""One factory for the thing under test: an :class:`AssistantService` as most tests want it.

Datasette's ``make_app_client(**variants)`` is the model: defaults that suit a unit test
(a temp data dir, the :class:`HashEmbedder`, no bundled library, no model) and keyword
variants for the rest. Tests use it through the ``make_service`` fixture (tests/conftest.py);
a module-scoped fixture may build its own :class:`ServiceFactory` and close it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.app.service import AssistantService
from assistant.library.ingest import IngestLimits
from tests.fakes import FakeEngine, HashEmbedder


class ServiceFactory:
    """Builds services under ``root`` and closes every one still open in :meth:`close`.

    ``embedder``: ``"hash"`` (a fresh :class:`HashEmbedder`), ``"real"`` (the session's real
    embedder, from ``real_embedder``) or an embedder object. ``library_dir``: ``None`` (no
    bundled library), ``"bundled"`` (the app's library folder) or a folder. ``engine``:
    ``None`` (no model), ``"fake"`` (a :class:`FakeEngine`), ``"real"`` (the default model
    loaded with ``load_model(n_ctx=n_ctx)``, in its engine process) or an engine object.
    ``data_dir``: a folder to open (or open again); by default a new one under ``root``.
    ``chroma_url``: share the library on that Chroma server.
    """

    def __init__(self, root: Path, real_embedder: Callable[[], Any] | None = None) -> None:
        self.root = Path(root)
        self._real_embedder = real_embedder
        self.made: list[AssistantService] = []

    def __call__(self, data_dir: Path | str | None = None, *, embedder: Any = "hash",
                 library_dir: Path | str | None = None, limits: IngestLimits | None = None,
                 engine: Any = None, n_ctx: int | None = None,
                 chroma_url: str | None = None) -> AssistantService:
        if data_dir is None:
            data_dir = self.root / ("data" if not self.made else f"data-{len(self.made) + 1}")
        named = engine if isinstance(engine, str) else None
        if named not in (None, "fake", "real"):
            raise ValueError(f"no engine variant {engine!r}")
        service = AssistantService(
            Path(data_dir), embedder=self._embedder(embedder),
            library_dir=self._library(library_dir), limits=limits,
            engine=FakeEngine() if named == "fake" else (None if named else engine),
            chroma_url=chroma_url)
        self.made.append(service)
        if named == "real":
            service.load_model(n_ctx=n_ctx)
        return service

    def _embedder(self, embedder: Any) -> Any:
        if not isinstance(embedder, str):
            return embedder
        if embedder == "hash":
            return HashEmbedder()
        if embedder == "real" and self._real_embedder is not None:
            return self._real_embedder()
        raise ValueError(f"no embedder variant {embedder!r}")

    @staticmethod
    def _library(library_dir: Path | str | None) -> Path | None:
        if isinstance(library_dir, str) and library_dir == "bundled":
            from assistant.system.paths import library_dir as bundled

            return bundled()
        return None if library_dir is None else Path(library_dir)

    def close(self) -> None:
        """Close every service made here that the test left open (with its engine)."""
        for service in reversed(self.made):
            if service._lock.held:
                service.close()
        self.made.clear()


MakeService = Callable[..., AssistantService]  # the type of the ``make_service`` fixture
