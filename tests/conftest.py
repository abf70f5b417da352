"""Shared fixtures: tests never touch the user's real data directory or the network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import HashEmbedder


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every default location at a temp dir, so the real data dir is never used."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))

    def _refuse() -> Path:
        raise AssertionError("a test tried to use the user's real data directory")

    monkeypatch.setattr("assistant.paths.default_data_dir", _refuse)
    return home / "data"


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    """A fast deterministic embedder."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder, loaded once for the session."""
    from assistant.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.load()
    return embedder


def _is_loopback(host: object) -> bool:
    text = str(host)
    return text in ("localhost", "::1", "") or text.startswith("127.")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make every non-loopback connection and DNS lookup raise; yields the attempts."""
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(address: object) -> None:
        if not isinstance(address, tuple):
            return  # a Unix socket path is local
        if not _is_loopback(address[0]):
            attempts.append(str(address))
            raise OSError(f"network access blocked in tests: {address}")

    def connect(self: socket.socket, address: object) -> None:
        guard(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        guard(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if host is not None and not _is_loopback(host):
            attempts.append(f"dns:{host}")
            raise OSError(f"DNS lookup blocked in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
