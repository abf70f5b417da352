"""``assistant serve``'s API, driven by the official ``openai`` client: chat completions
streamed and not (cited text, and the ``offgrid`` object with sources and evidence), models,
embeddings, search, clear errors, and the bearer token off loopback."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from assistant.api.server import base_url, make_server
from assistant.api.wire import history_of, needs_token
from assistant.app.service import AssistantService
from assistant.errors import AssistantError
from tests.fakes import FakeEngine
from tests.services import MakeService

NOTE = """# Hashprice

## What is hashprice?

Hashprice is the revenue one unit of hash rate earns per day, usually quoted in dollars per
petahash per second per day. It falls when difficulty rises and climbs with the bitcoin price.
"""
REPLY = [" Hashprice", " is", " what", " a", " petahash", " earns", " per", " day."]


@pytest.fixture
def service(make_service: MakeService, tmp_path: Path) -> AssistantService:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "hashprice.md").write_text(NOTE, encoding="utf-8")
    svc = make_service(engine=FakeEngine([REPLY] * 8))
    svc.ingest([tmp_path / "notes"])
    return svc


def _serving(service: AssistantService, token: str | None = None) -> Iterator[str]:
    server = make_server(service, "127.0.0.1", 0, token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api(service: AssistantService) -> Iterator[str]:
    yield from _serving(service)


def _client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=30)


QUESTION = [{"role": "user", "content": "What is hashprice?"}]


def test_a_chat_completion_is_a_cited_grounded_answer(api: str) -> None:
    reply = _client(api).chat.completions.create(model="offgrid", messages=QUESTION)
    text = reply.choices[0].message.content or ""
    assert "[1]" in text and "hash rate" in text.lower()
    assert reply.choices[0].finish_reason == "stop" and reply.model == "fake-engine"
    extra = reply.model_extra["offgrid"]  # type: ignore[index]
    assert extra["answer"] == text and extra["sources"][0]["title"] == "Hashprice"
    assert extra["evidence"] and isinstance(extra["unsupported"], list)


def test_a_streamed_completion_adds_up_to_the_same_answer(api: str) -> None:
    chunks = list(_client(api).chat.completions.create(model="offgrid", messages=QUESTION,
                                                        stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["offgrid"]["answer"] == text  # type: ignore[index]
    assert "[1]" in text and chunks[0].choices[0].delta.role == "assistant"


def test_models_embeddings_and_search(api: str, service: AssistantService) -> None:
    client = _client(api)
    assert [m.id for m in client.models.list()] == ["fake-engine"]
    vectors = client.embeddings.create(model="offgrid", input=["hashprice", "difficulty"])
    assert [len(v.embedding) for v in vectors.data] == [len(service.embed(["x"])[0])] * 2
    with urllib.request.urlopen(f"{api}/search?q=hashprice+difficulty&k=1") as reply:
        hits = json.load(reply)
    assert len(hits) == 1 and hits[0]["title"] == "Hashprice" and "text" in hits[0]


def test_bad_requests_get_clear_errors(api: str) -> None:
    client = _client(api)
    with pytest.raises(openai.BadRequestError, match="no user message"):
        client.chat.completions.create(model="offgrid",
                                       messages=[{"role": "system", "content": "Hi"}])
    with pytest.raises(openai.BadRequestError, match="'input' must be"):
        client.embeddings.create(model="offgrid", input=[])
    with pytest.raises(openai.NotFoundError, match="no such endpoint"):
        client.completions.create(model="offgrid", prompt="Hi")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{api}/search?k=3")
    assert caught.value.code == 400


def test_off_loopback_every_request_needs_the_token(service: AssistantService) -> None:
    assert not needs_token("127.0.0.1") and not needs_token("localhost")
    assert needs_token("0.0.0.0") and needs_token("192.168.1.5") and needs_token("")
    with pytest.raises(AssistantError, match="requires a bearer token"):
        make_server(service, "0.0.0.0", 0)
    for url in _serving(service, token="s3cret"):
        with pytest.raises(openai.AuthenticationError, match="bearer token"):
            _client(url, "wrong").models.list()
        assert [m.id for m in _client(url, "s3cret").models.list()] == ["fake-engine"]


def test_the_messages_before_the_question_are_its_conversation(make_service: MakeService,
                                                                tmp_path: Path) -> None:
    engine = FakeEngine([REPLY] * 4)
    svc = make_service(engine=engine)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "hashprice.md").write_text(NOTE, encoding="utf-8")
    svc.ingest([tmp_path / "notes"])
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "What is hashprice?"},
                {"role": "assistant", "content": "The revenue a petahash earns per day [1]."},
                {"role": "user", "content": "Unanswered question?"},
                {"role": "user", "content": "And when does it fall?"}]
    assert history_of({"messages": messages}) == (
        ("What is hashprice?", "The revenue a petahash earns per day [1]."),)
    for url in _serving(svc):
        reply = _client(url).chat.completions.create(model="offgrid",
                                                     messages=messages)  # type: ignore[arg-type]
    earlier = " ".join(m.content for m in engine.prompts[-1][:-1])
    assert "What is hashprice?" in earlier and "a petahash earns per day" in earlier
    assert "Unanswered" not in earlier
    assert "difficulty rises" in (reply.choices[0].message.content or "") + json.dumps(
        reply.model_extra["offgrid"]["evidence"])  # type: ignore[index]
