"""The shared library's pure parts: the sync plan, the server's address, version and keys."""

from __future__ import annotations

import pytest

from assistant.errors import StoreError
from assistant.library.shared_server import (
    document_key,
    parse_chroma_url,
    server_version_problem,
)
from assistant.library.shared_sync import SyncPlan, plan_sync


def test_the_plan_pulls_pushes_and_removes_by_what_was_shared_before() -> None:
    here = {"both", "new-here", "removed-there"}
    there = {"both", "new-there", "removed-here"}
    shared = {"both", "removed-there", "removed-here"}
    assert plan_sync(here, there, shared) == SyncPlan(
        pull=("new-there",), push=("new-here",), remove_here=("removed-there",),
        remove_there=("removed-here",))


def test_a_first_sync_with_a_server_merges_both_sides_and_removes_nothing() -> None:
    plan = plan_sync({"a", "b"}, {"b", "c"}, set())
    assert plan == SyncPlan(pull=("c",), push=("a",))
    assert plan_sync({"a"}, {"a"}, {"a"}).empty
    assert not plan.empty


def test_a_server_url_gives_host_and_port_or_a_clear_error() -> None:
    address = parse_chroma_url(" http://lab-box:8001 ")
    assert (address.host, address.port, address.ssl, address.where) == (
        "lab-box", 8001, False, "lab-box:8001")
    assert parse_chroma_url("http://lab-box").port == 8000  # chroma's own default
    assert parse_chroma_url("https://lab-box").port == 443
    for bad in ("lab-box:8000", "ftp://lab-box", "http://", "http://lab-box:port"):
        with pytest.raises(StoreError, match="not a Chroma server URL"):
            parse_chroma_url(bad)


def test_only_chroma_1_servers_are_spoken_to() -> None:
    assert server_version_problem("1.0.0") is None
    assert server_version_problem("1.3.7") is None
    assert "runs Chroma 0.6.3" in (server_version_problem("0.6.3") or "")
    assert "runs Chroma 2.0.0" in (server_version_problem("2.0.0") or "")
    assert "unreadable version" in (server_version_problem("nightly") or "")


def test_a_document_key_is_its_content_in_its_collection() -> None:
    sha = "ab" * 32
    assert document_key("Papers", sha) == document_key("Papers", sha)
    assert document_key("Papers", sha) != document_key("Notes", sha)
    assert document_key("Papers", sha).startswith(sha)


def test_a_server_that_accepts_but_never_answers_is_a_clear_error_in_seconds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import time

    from assistant.library import shared_server

    monkeypatch.setattr(shared_server, "OPEN_TIMEOUT_S", 1.0)
    with socket.socket() as silent:  # a host that takes the connection and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(StoreError, match=f"cannot reach the Chroma server at {url}: no "
                                             "answer within 1 s"):
            shared_server.ChromaServer(url, embedder_id="e", dimension=3)
        assert time.monotonic() - started < 10
