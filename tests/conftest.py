"""Shared fixtures: tests never touch the user's real data directory or the network, and
each builds its services with one factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.system import egress
from assistant.system.egress import EgressGuard
from tests.fakes import HashEmbedder
from tests.services import MakeService, ServiceFactory


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every default location at a temp dir, so the real data dir is never used."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))

    def _refuse() -> Path:
        raise AssertionError("a test tried to use the user's real data directory")

    monkeypatch.setattr("assistant.system.paths.default_data_dir", _refuse)
    return home / "data"


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    """A fast deterministic embedder."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder, loaded once for the session."""
    from assistant.engines.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session", autouse=True)
def _offline() -> Iterator[EgressGuard]:
    """Every test runs with the app's egress guard: a connection off the machine raises."""
    guard = egress.install()
    yield guard
    guard.uninstall()


@pytest.fixture
def no_network(_offline: EgressGuard) -> list[str]:
    """The network accesses the guard refuses during this test (none expected)."""
    _offline.attempts.clear()
    return _offline.attempts


# -- the service factory --------------------------------------------------------------------


@pytest.fixture
def make_service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeService]:
    """``make_service(**variants)``: an :class:`AssistantService` in a temp data dir with a
    hash embedder, no bundled library and no model unless asked (see
    :class:`tests.services.ServiceFactory` for the variants: ``embedder="real"``,
    ``engine="fake"|"real"``, ``library_dir="bundled"``, ``limits=``, ``data_dir=``).
    Every service it made and the test left open is closed afterwards."""
    factory = ServiceFactory(tmp_path, lambda: request.getfixturevalue("real_embedder"))
    yield factory
    factory.close()
