"""Offgrid's local API: the OpenAI wire format, answered by the grounded pipeline.

``GET /v1/models``, ``POST /v1/chat/completions`` (streamed or not), ``POST /v1/embeddings``
and ``GET /v1/search?q=…&k=…``, so editors, scripts and notebooks can ask the library with
any OpenAI client. An answer's text carries its ``[n]`` markers, and an extra ``offgrid``
object carries what ``ask --json`` prints (sources, evidence, unsupported sentences).
Loopback only by default; on any other address every request needs the bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
import itertools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistant.answers.answer import Answer
from assistant.answers.pipeline import AskOptions, Finished, Token
from assistant.app.service import AssistantService
from assistant.errors import AssistantError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_SEARCH_K = 50


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


def completion(answer: Answer, model: str, ident: str, created: int) -> dict[str, Any]:
    """The non-streamed chat completion for ``answer``."""
    timings = answer.timings
    return {
        "id": ident, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                     "finish_reason": _finish(answer)}],
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


def _finish(answer: Answer) -> str:
    return "length" if answer.stop_reason == "length" else "stop"


class ApiError(Exception):
    """A request the API refuses, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OffgridApi:
    """The API's answers over one open service; one request uses the service at a time."""

    def __init__(self, service: AssistantService, token: str | None = None) -> None:
        self.service = service
        self.token = token
        self._lock = threading.Lock()

    def model_id(self) -> str:
        return self.service.model_info().model_id

    def models(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": self.model_id(), "object": "model",
                                            "created": 0, "owned_by": "offgrid"}]}

    def search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        text = " ".join(query.get("q", [])).strip()
        if not text:
            raise ApiError(400, "give the search text as ?q=…")
        try:
            k = int(query.get("k", ["5"])[0])
        except ValueError:
            raise ApiError(400, "k must be a whole number") from None
        if not 1 <= k <= MAX_SEARCH_K:
            raise ApiError(400, f"k must be between 1 and {MAX_SEARCH_K}")
        collections = query.get("collection") or None
        with self._lock:
            return [hit.to_json() for hit in self.service.search(text, k=k,
                                                                 collections=collections)]

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        given = body.get("input")
        texts = [given] if isinstance(given, str) else given
        if not isinstance(texts, list) or not texts or \
                not all(isinstance(t, str) and t for t in texts):
            raise ApiError(400, "'input' must be a text or a list of texts")
        with self._lock:
            vectors = self.service.embed(texts)
        return {"object": "list", "model": self.service.embedder_name,
                "data": [{"object": "embedding", "index": i, "embedding": v}
                         for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    def answer(self, body: dict[str, Any]) -> Iterator[object]:
        """The pipeline's events for a chat request (held under the service's lock)."""
        question, history = _exchange(body)
        cancel = threading.Event()
        with self._lock:
            try:
                yield from self.service.ask(question, options=AskOptions(history=history),
                                            cancel=cancel)
            finally:
                cancel.set()

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        for event in self.answer(body):
            if isinstance(event, Finished):
                return completion(event.answer, self.model_id(), ident, created)
        raise ApiError(500, "the answer did not finish")

    def stream(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        ident, created, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), \
            self.model_id()
        yield chunk(ident, model, created, {"role": "assistant", "content": ""})
        for event in self.answer(body):
            if isinstance(event, Token) and event.text:
                yield chunk(ident, model, created, {"content": event.text})
            elif isinstance(event, Finished):
                answer = event.answer
                if answer.abstained:
                    yield chunk(ident, model, created, {"content": answer.text})
                yield chunk(ident, model, created, {}, _finish(answer),
                            {"offgrid": answer.to_json()})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def _route(self, method: str) -> None:
        api = self.server.api
        try:
            self._authorize(api.token)
            url = urlsplit(self.path)
            path = url.path.rstrip("/")
            if method == "GET" and path == "/v1/models":
                self._send(200, api.models())
            elif method == "GET" and path == "/v1/search":
                self._send(200, api.search(parse_qs(url.query)))
            elif method == "POST" and path == "/v1/embeddings":
                self._send(200, api.embeddings(self._body()))
            elif method == "POST" and path == "/v1/chat/completions":
                body = self._body()
                if body.get("stream"):
                    self._stream(api.stream(body))
                else:
                    self._send(200, api.complete(body))
            else:
                raise ApiError(404, f"no such endpoint: {method} {url.path}")
        except ApiError as error:
            self._error(error.status, str(error))
        except AssistantError as error:
            self._error(422, str(error))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; the answer it stopped reading was cancelled

    def _authorize(self, token: str | None) -> None:
        if token is None:
            return
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ApiError(401, "a valid bearer token is required (Authorization: Bearer …)")

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ApiError(413, "the request is too large")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            raise ApiError(400, "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return body

    def _send(self, status: int, payload: object) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        kind = "authentication_error" if status == 401 else "invalid_request_error"
        self._send(status, {"error": {"message": message, "type": kind}})

    def _stream(self, events: Iterator[dict[str, Any]]) -> None:
        first = next(events)  # a refused request raises here, before the 200 goes out
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for item in itertools.chain([first], events):
                self.wfile.write(f"data: {json.dumps(item, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a client that hung up stops the answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: OffgridApi


def make_server(service: AssistantService, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                token: str | None = None) -> _Server:
    """The API's HTTP server, bound but not yet serving (``serve_forever`` runs it)."""
    if needs_token(host) and not token:
        raise AssistantError(f"serving on {host} (not loopback) requires a bearer token")
    try:
        server = _Server((host, port), _Handler)
    except OSError as error:
        raise AssistantError(f"cannot serve on {host}:{port}: {error.strerror or error}") \
            from None
    server.api = OffgridApi(service, token)
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    """The API's base URL: ``http://HOST:PORT/v1``."""
    host, port = str(server.server_address[0]), int(server.server_address[1])
    return f"http://{host}:{port}/v1"


def serve(service: AssistantService, host: str, port: int, token: str | None,
          announce: Callable[[str], None] = print) -> None:
    """Serve the API until interrupted."""
    server = make_server(service, host, port, token)
    announce(f"Offgrid API on {base_url(server)} (model {server.api.model_id()})"
             + (f"; bearer token: {token}" if token else ""))
    try:
        server.serve_forever()
    finally:
        server.server_close()
