"""The remote engine against an OpenAI-compatible server on loopback: listing, context,
token counts, streaming, Stop closing the stream, and clear errors when the server is down,
refuses or does not have the model. The server here is a small stand-in speaking the
protocol; tests/test_remote_servers.py runs the real ones."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import GenerationParams
from assistant.engines.remote_engine import (
    FALLBACK_CONTEXT,
    RemoteEngine,
    estimate_tokens,
    parse_url,
)
from assistant.errors import ModelError
from tests.fake_openai import WORDS, FakeServer, serve, url


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with serve() as httpd:
        yield httpd


def _url(httpd: FakeServer) -> str:
    return url(httpd)


MESSAGES = [ChatMessage("system", "Answer from the sources."),
            ChatMessage("user", "What is hashprice?")]


def test_urls_name_the_server_and_its_api() -> None:
    assert parse_url("http://gpu-box:8000").address == "gpu-box:8000"
    assert parse_url("http://gpu-box:8000/v1/").api == "/v1"
    assert parse_url("https://lab.example/llm").api == "/llm/v1"
    assert parse_url("https://lab.example").port == 443
    for bad in ("gpu-box:8000", "ftp://x", "http://", "http://host:99999"):
        with pytest.raises(ModelError, match="not a model server URL"):
            parse_url(bad)


def test_it_streams_the_servers_answer_with_its_counts(server: FakeServer) -> None:
    engine = RemoteEngine(_url(server))
    assert (engine.model_id, engine.n_ctx) == ("tiny-chat", 4096)
    assert engine.remote == f"127.0.0.1:{server.server_address[1]}"
    stream = engine.stream(MESSAGES, GenerationParams(max_tokens=64))
    assert stream.text() == "".join(WORDS)
    assert (stream.stats.prompt_tokens, stream.stats.completion_tokens) == (42, len(WORDS))
    assert stream.stats.stop_reason == "stop" and stream.stats.ttft_ms > 0
    sent = next(body for method, path, body in server.requests
                if path == "/v1/chat/completions")
    assert sent["stream"] is True and sent["messages"][1] == {"role": "user",
                                                              "content": "What is hashprice?"}
    assert engine.count_tokens(MESSAGES) == 7 + 2 * 8  # the server's tokens, plus framing


def test_without_a_tokenizer_or_stated_context_it_estimates_conservatively(
        server: FakeServer) -> None:
    server.models = [{"id": "plain", "object": "model"}]
    server.tokenize = False
    engine = RemoteEngine(_url(server))
    assert engine.n_ctx == FALLBACK_CONTEXT
    assert engine.count_tokens(MESSAGES) == estimate_tokens(MESSAGES)
    assert estimate_tokens(MESSAGES) > len(" ".join(m.content for m in MESSAGES)) / 4
    server.props = {"default_generation_settings": {"n_ctx": 8192}}
    assert RemoteEngine(_url(server)).n_ctx == 8192
    assert RemoteEngine(_url(server), n_ctx=1024).n_ctx == 1024


def test_stop_closes_the_stream_and_the_server_sees_it(server: FakeServer) -> None:
    server.delay = 0.05
    stream = RemoteEngine(_url(server)).stream(MESSAGES, GenerationParams(max_tokens=64))
    pieces = iter(stream)
    assert next(pieces) == WORDS[0]
    stream.stop("stopped by the user")
    assert stream.stats.stop_reason == "stopped by the user"
    assert server.closed.wait(5)  # the server's next write found the connection closed


def test_cancel_ends_the_stream(server: FakeServer) -> None:
    server.delay = 0.02
    cancel = threading.Event()
    stream = RemoteEngine(_url(server)).stream(MESSAGES, GenerationParams(max_tokens=64),
                                               cancel)
    got = []
    for piece in stream:
        got.append(piece)
        cancel.set()
    assert got == WORDS[:1] and stream.stats.stop_reason == "cancelled"


def test_errors_say_which_server_and_why(server: FakeServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(ModelError, match=rf"127.0.0.1:{closed_port} is not reachable"):
        RemoteEngine(f"http://127.0.0.1:{closed_port}", timeout=2)
    with pytest.raises(ModelError, match="has no model 'big-one' \\(it has: tiny-chat\\)"):
        RemoteEngine(_url(server), "big-one")
    engine = RemoteEngine(_url(server))
    engine.model_id = "unloaded"
    with pytest.raises(ModelError, match="refused POST /v1/chat/completions: HTTP 400 "
                                         "\\(model unloaded not loaded\\)"):
        engine.stream(MESSAGES, GenerationParams()).text()
    server.models = []
    with pytest.raises(ModelError, match="lists no models"):
        RemoteEngine(_url(server))
