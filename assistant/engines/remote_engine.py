"""A language model served by another program, over the OpenAI-compatible HTTP API.

llama.cpp's ``llama-server``, llama-cpp-python's server, vLLM and Ollama all serve
``GET /v1/models`` and ``POST /v1/chat/completions`` (streamed as server-sent events). This
engine asks one of them instead of loading a GGUF file here: the answer pipeline sees the
same :class:`~assistant.engines.engine.Engine`. Only the standard library is used, and only
the configured host and port are contacted.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import GenerationParams, GenerationStats, TokenStream
from assistant.errors import ModelError

# The context assumed when the server does not say (small enough for any chat model).
FALLBACK_CONTEXT = 2048
# A conservative token estimate when the server cannot count: English runs about four
# characters per token, so three over-counts, and each message adds a few framing tokens.
CHARS_PER_TOKEN = 3
TOKENS_PER_MESSAGE = 8
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Endpoint:
    """Where the server listens: ``http://HOST:PORT`` and the API's path (``/v1``)."""

    scheme: str
    host: str
    port: int
    api: str

    @property
    def address(self) -> str:
        """``HOST:PORT``, as the status bar and the errors say it."""
        return f"{self.host}:{self.port}"


def parse_url(url: str) -> Endpoint:
    """The server of ``url`` ("http://127.0.0.1:8080", "http://gpu-box:8000/v1"), or a
    :class:`ModelError` saying what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelError(f"not a model server URL: {url!r} (expected http://HOST:PORT)")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ModelError(f"not a model server URL: {url!r} ({error})") from None
    path = parts.path.rstrip("/")
    return Endpoint(parts.scheme, parts.hostname, port, path if path.endswith("/v1")
                    else f"{path}/v1")


def context_length(entry: dict[str, Any]) -> int | None:
    """The context length a ``/v1/models`` entry states: vLLM's ``max_model_len``,
    llama-server's ``meta.n_ctx_train``, or a ``context_length`` field."""
    found = entry.get("meta")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    for value in (entry.get("max_model_len"), entry.get("context_length"),
                  entry.get("context_window"), meta.get("n_ctx"), meta.get("n_ctx_train")):
        if isinstance(value, int) and value > 0:
            return value
    return None


def estimate_tokens(messages: list[ChatMessage]) -> int:
    """An over-estimate of the tokens ``messages`` take, when the server cannot count."""
    return sum(math.ceil(len(m.content) / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE
               for m in messages)


class RemoteEngine:
    """Answers from an OpenAI-compatible server at ``url``, with ``model`` (default: the
    first model the server lists). ``n_ctx`` overrides the context length the server
    states; without either, :data:`FALLBACK_CONTEXT` is assumed."""

    def __init__(self, url: str, model: str | None = None, *, n_ctx: int | None = None,
                 timeout: float = TIMEOUT_S) -> None:
        self.endpoint = parse_url(url)
        self.timeout = timeout
        listed = self._get("/models").get("data")
        entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        if model is None and not entries:
            raise ModelError(f"the model server at {self.endpoint.address} lists no models")
        chosen = next((e for e in entries if e.get("id") == model), None)
        if model is not None and chosen is None and entries:
            names = ", ".join(str(e.get("id")) for e in entries)
            raise ModelError(f"the model server at {self.endpoint.address} has no model "
                             f"{model!r} (it has: {names})")
        entry = chosen or (entries[0] if entries else {})
        self.model_id = str(model or entry.get("id"))
        self.n_ctx = n_ctx or context_length(entry) or self._served_context() or \
            FALLBACK_CONTEXT
        self.remote = self.endpoint.address  # where answers are made: said in the status bar
        self._tokenize: str | None = ""  # "" = not tried yet; None = the server cannot

    # -- the Engine protocol -----------------------------------------------------------

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Prompt tokens for ``messages``: counted by the server where it offers a
        tokenizer (llama.cpp's ``/tokenize``), else over-estimated."""
        text = "\n".join(m.content for m in messages)
        paths = ("/tokenize", "/extras/tokenize") if self._tokenize == "" else (
            (self._tokenize,) if self._tokenize else ())
        for path in paths:
            try:
                reply = self._request_json("POST", self._root(path),
                                           {"content": text, "input": text})
            except ModelError:
                continue
            tokens = reply.get("tokens")
            if isinstance(tokens, list):
                self._tokenize = path
                return len(tokens) + TOKENS_PER_MESSAGE * len(messages)
        self._tokenize = None
        return estimate_tokens(messages)

    def stream(self, messages: list[ChatMessage], params: GenerationParams,
               cancel: threading.Event | None = None) -> TokenStream:
        """Start the server's reply to ``messages``; closing the stream closes the
        connection, which stops the server generating."""
        stats = GenerationStats()
        body = {"model": self.model_id, "stream": True,
                "messages": [{"role": m.role, "content": m.content} for m in messages],
                "max_tokens": params.max_tokens, "temperature": params.temperature,
                "top_p": params.top_p, "stream_options": {"include_usage": True}}
        return TokenStream(self._pieces(body, messages, stats, cancel), stats)

    def close(self) -> None:
        """Nothing runs here: the server keeps its model."""

    # -- HTTP ----------------------------------------------------------------------------

    def _pieces(self, body: dict[str, Any], messages: list[ChatMessage],
                stats: GenerationStats, cancel: threading.Event | None) -> Iterator[str]:
        started = time.perf_counter()
        connection, response = self._open("POST", f"{self.endpoint.api}/chat/completions",
                                          body)
        usage: dict[str, Any] = {}
        pieces = 0
        try:
            for event in _events(response):
                if cancel is not None and cancel.is_set():
                    stats.stop_reason = "cancelled"
                    return
                if isinstance(event.get("usage"), dict):
                    usage = event["usage"]
                for choice in event.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content") or ""
                    if choice.get("finish_reason"):
                        stats.stop_reason = str(choice["finish_reason"])
                    if text:
                        if not pieces:
                            stats.ttft_ms = (time.perf_counter() - started) * 1000
                        pieces += 1
                        yield text
        finally:
            connection.close()
            stats.total_ms = (time.perf_counter() - started) * 1000
            stats.prompt_tokens = int(usage.get("prompt_tokens") or estimate_tokens(messages))
            stats.completion_tokens = int(usage.get("completion_tokens") or pieces)

    def _get(self, path: str) -> dict[str, Any]:
        return self._request_json("GET", f"{self.endpoint.api}{path}", None)

    def _root(self, path: str) -> str:
        """``path`` beside the API rather than under it: llama.cpp's ``/tokenize``."""
        return f"{self.endpoint.api[: -len('/v1')]}{path}"

    def _request_json(self, method: str, path: str, body: dict[str, Any] | None
                      ) -> dict[str, Any]:
        connection, response = self._open(method, path, body)
        try:
            return _json(response.read(), self.endpoint.address)
        finally:
            connection.close()

    def _served_context(self) -> int | None:
        """The context llama-server was started with (its ``/props``), if it says."""
        try:
            props = self._request_json("GET", self._root("/props"), None)
        except ModelError:
            return None
        settings = props.get("default_generation_settings")
        value = settings.get("n_ctx") if isinstance(settings, dict) else None
        return value if isinstance(value, int) and value > 0 else None

    def _open(self, method: str, path: str, body: dict[str, Any] | None
              ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        kind = (http.client.HTTPSConnection if self.endpoint.scheme == "https"
                else http.client.HTTPConnection)
        connection = kind(self.endpoint.host, self.endpoint.port, timeout=self.timeout)
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json, text/event-stream"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise ModelError(f"the model server at {self.endpoint.address} is not reachable "
                             f"({error})") from None
        if response.status >= 400:
            detail = _error_detail(response.read())
            connection.close()
            raise ModelError(f"the model server at {self.endpoint.address} refused "
                             f"{method} {path}: HTTP {response.status}{detail}")
        return connection, response


def _events(response: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
    """The JSON events of a server-sent event stream, until ``data: [DONE]``."""
    for raw in response:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict):
            if isinstance(event.get("error"), (dict, str)):
                raise ModelError(f"the model server stopped with an error: {event['error']}")
            yield event


def _json(raw: bytes, address: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ModelError(f"the model server at {address} did not answer in JSON") from None
    return value if isinstance(value, dict) else {"data": value}


def _error_detail(raw: bytes) -> str:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        text = raw.decode("utf-8", "replace").strip()
        return f" ({text[:200]})" if text else ""
    error = value.get("error") if isinstance(value, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f" ({message})" if message else ""
