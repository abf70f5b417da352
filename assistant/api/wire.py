"""The API's wire format: what a chat request asks and how an answer goes back, as pure
functions over JSON values (the OpenAI chat completion, with an ``offgrid`` object added)."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import replace
from typing import Any

from assistant.answers.answer import Answer
from assistant.answers.pipeline import AskOptions

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_SEARCH_K = 50
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # every interface


class ApiError(Exception):
    """A request the API refuses, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def needs_token(host: str) -> bool:
    """Whether serving on ``host`` must require a bearer token (anything but loopback)."""
    if host == "localhost":
        return False
    if not host:
        return True  # every interface
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def new_token() -> str:
    """A bearer token for an API reachable from other machines."""
    return secrets.token_urlsafe(24)


def connect_host(host: str) -> str:
    """The address a client on this machine reaches a server bound to ``host`` at: loopback
    for a server on every interface, else the address itself."""
    if host in WILDCARD_HOSTS:
        return "::1" if host == "::" else "127.0.0.1"
    return host


def question_of(body: dict[str, Any]) -> str:
    """The question a chat request asks: its last user message (text parts joined)."""
    return _exchange(body)[0]


def history_of(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The earlier exchanges of a chat request: each user message before the question with
    the assistant message that follows it (system messages and unanswered ones left out)."""
    return _exchange(body)[1]


def _exchange(body: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "'messages' must be a non-empty list")
    said = [(m.get("role"), _text(m.get("content"))) for m in messages if isinstance(m, dict)]
    asked = [n for n, (role, text) in enumerate(said) if role == "user" and text]
    if not asked:
        raise ApiError(400, "no user message with text to answer")
    pairs = []
    for n in asked[:-1]:
        if said[n + 1][0] == "assistant" and said[n + 1][1]:
            pairs.append((said[n][1], said[n + 1][1]))
    return said[asked[-1]][1], tuple(pairs)


def _text(content: object) -> str:
    if isinstance(content, list):  # [{"type": "text", "text": …}, …]
        content = " ".join(str(part.get("text", "")) for part in content
                           if isinstance(part, dict))
    return content.strip() if isinstance(content, str) else ""


def options_of(body: dict[str, Any], defaults: AskOptions | None = None) -> AskOptions:
    """The answer options a chat request sets over ``defaults``: its history, OpenAI's
    ``max_tokens`` (or ``max_completion_tokens``) and ``temperature``, and Offgrid's own
    ``collections`` (the ones to answer from) and ``k`` (passages to retrieve)."""
    options = replace(defaults or AskOptions(), history=history_of(body))
    params = options.params
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        if not _whole(max_tokens) or max_tokens < 1:
            raise ApiError(400, "max_tokens must be a whole number of at least 1")
        params = replace(params, max_tokens=max_tokens)
    temperature = body.get("temperature")
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, int | float) \
                or not 0 <= temperature <= 2:
            raise ApiError(400, "temperature must be a number between 0 and 2")
        params = replace(params, temperature=float(temperature))
    collections = body.get("collections")
    if collections is not None:
        if not isinstance(collections, list) or not collections or \
                not all(isinstance(name, str) and name for name in collections):
            raise ApiError(400, "'collections' must be a non-empty list of collection names")
        options = replace(options, collections=tuple(collections))
    k = body.get("k")
    if k is not None:
        if not _whole(k) or not 1 <= k <= MAX_SEARCH_K:
            raise ApiError(400, f"k must be a whole number between 1 and {MAX_SEARCH_K}")
        options = replace(options, k=k)
    return replace(options, params=params)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def completion(answer: Answer, model: str, ident: str, created: int) -> dict[str, Any]:
    """The non-streamed chat completion for ``answer``."""
    timings = answer.timings
    return {
        "id": ident, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                     "finish_reason": finish_reason(answer)}],
        "usage": {"prompt_tokens": timings.prompt_tokens,
                  "completion_tokens": timings.completion_tokens,
                  "total_tokens": timings.prompt_tokens + timings.completion_tokens},
        "offgrid": answer.to_json(),
    }


def chunk(ident: str, model: str, created: int, delta: dict[str, Any],
          finish: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One event of a streamed chat completion."""
    event = {"id": ident, "object": "chat.completion.chunk", "created": created,
             "model": model, "choices": [{"index": 0, "delta": delta,
                                          "finish_reason": finish}]}
    return {**event, **(extra or {})}


def last_chunk(answer: Answer, ident: str, model: str, created: int) -> dict[str, Any]:
    """A streamed completion's last event: the finish reason and the ``offgrid`` object, and
    an abstention's text (the only text such an answer has, never streamed before)."""
    delta = {"content": answer.text} if answer.abstained else {}
    return chunk(ident, model, created, delta, finish_reason(answer),
                 {"offgrid": answer.to_json()})


def finish_reason(answer: Answer) -> str:
    """OpenAI's finish reason for ``answer``."""
    return "length" if answer.stop_reason == "length" else "stop"
