"""Offgrid's local API: the OpenAI wire format, answered by the grounded pipeline.

``GET /v1/models``, ``POST /v1/chat/completions`` (streamed or not), ``POST /v1/embeddings``
and ``GET /v1/search?q=…&k=…``, so editors, scripts and notebooks can ask the library with
any OpenAI client. An answer's text carries its ``[n]`` markers, and an extra ``offgrid``
object carries what ``ask --json`` prints (sources, evidence, unsupported sentences).
Loopback only by default; on any other address every request needs the bearer token.
One answer is written at a time, the window's included: a request waits for the one being
written, and past :data:`API_WAIT_S` gets 503 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import itertools
import json
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assistant.answers.pipeline import AnswerEvent, AskOptions, Finished, Token
from assistant.api.discovery import publish, withdraw
from assistant.api.wire import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    MAX_SEARCH_K,
    ApiError,
    chunk,
    completion,
    connect_host,
    last_chunk,
    needs_token,
    options_of,
    question_of,
)
from assistant.app.answering import Waiting
from assistant.app.service import AssistantService
from assistant.errors import AnswerBusy, AssistantError

MAX_BODY_BYTES = 4 * 1024 * 1024
API_WAIT_S = 60.0  # how long a request waits for the answer being written before a 503
RETRY_AFTER_S = 5
IDLE_CONNECTION_S = 60  # a kept-alive connection with no request for this long is closed


class OffgridApi:
    """The API's answers over one open service, which others (the window) may use too."""

    def __init__(self, service: AssistantService, token: str | None = None, *,
                 defaults: AskOptions | None = None, wait_s: float = API_WAIT_S) -> None:
        self.service = service
        self.token = token
        self.defaults = defaults
        self.wait_s = wait_s
        self.closed = False
        self._requests = 0
        self._cancels: set[threading.Event] = set()
        self._idle = threading.Condition()

    @contextmanager
    def request(self) -> Iterator[None]:
        """Serve one request, unless the API was closed."""
        with self._idle:
            if self.closed:
                raise ApiError(503, "the local API has been turned off")
            self._requests += 1
        try:
            yield
        finally:
            with self._idle:
                self._requests -= 1
                self._idle.notify_all()

    def close(self, wait_s: float = 10.0) -> bool:
        """Refuse new requests, stop the answers being written, and wait (at most
        ``wait_s``) for the requests under way to end; whether they all did."""
        with self._idle:
            self.closed = True
            for cancel in self._cancels:
                cancel.set()
            return self._idle.wait_for(lambda: self._requests == 0, timeout=wait_s)

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
        return [hit.to_json() for hit in self.service.search(text, k=k,
                                                             collections=collections)]

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        given = body.get("input")
        texts = [given] if isinstance(given, str) else given
        if not isinstance(texts, list) or not texts or \
                not all(isinstance(t, str) and t for t in texts):
            raise ApiError(400, "'input' must be a text or a list of texts")
        vectors = self.service.embed(texts)
        return {"object": "list", "model": self.service.embedder_name,
                "data": [{"object": "embedding", "index": i, "embedding": v}
                         for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    def answer(self, body: dict[str, Any]) -> Generator[AnswerEvent, None, None]:
        """The pipeline's events for a chat request, once its turn has come (the answer the
        window or another request is writing has ended); stopped if the API closes."""
        question = question_of(body)
        options = options_of(body, self.defaults)
        cancel = threading.Event()
        with self._idle:
            self._cancels.add(cancel)
        try:
            for event in self.service.ask(question, options=options, cancel=cancel,
                                          wait_s=self.wait_s):
                if not isinstance(event, Waiting):
                    yield event
        finally:
            cancel.set()
            with self._idle:
                self._cancels.discard(cancel)

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        for event in self.answer(body):
            if isinstance(event, Finished):
                return completion(event.answer, self.model_id(), ident, created)
        raise ApiError(500, "the answer did not finish")

    def stream(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        events = self.answer(body)
        first = next(events, None)  # its turn has come: a refusal (busy) raises before any
        ident, created, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), \
            self.model_id()
        yield chunk(ident, model, created, {"role": "assistant", "content": ""})
        try:
            for event in itertools.chain([first] if first is not None else [], events):
                if isinstance(event, Token) and event.text:
                    yield chunk(ident, model, created, {"content": event.text})
                elif isinstance(event, Finished):
                    yield last_chunk(event.answer, ident, model, created)
        finally:
            events.close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_S

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
            with api.request():
                self._dispatch(api, method)
        except ApiError as error:
            self.close_connection = self.close_connection or error.status == 503
            self._error(error.status, str(error))
        except AnswerBusy as error:
            self._error(503, str(error), retry_after=RETRY_AFTER_S)
        except AssistantError as error:
            self._error(422, str(error))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; the answer it stopped reading was cancelled

    def _dispatch(self, api: OffgridApi, method: str) -> None:
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

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, retry_after: int | None = None) -> None:
        kind = {401: "authentication_error", 503: "server_busy"}.get(status,
                                                                    "invalid_request_error")
        self._send(status, {"error": {"message": message, "type": kind}},
                   {"Retry-After": str(retry_after)} if retry_after is not None else None)

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

    def server_bind(self) -> None:
        """Bind, without HTTPServer's reverse DNS lookup of the host (a lookup the egress
        guard would refuse, for an answer nobody reads)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(service: AssistantService, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                token: str | None = None, *, defaults: AskOptions | None = None) -> _Server:
    """The API's HTTP server, bound but not yet serving (``serve_forever`` runs it); an
    :class:`AssistantError` saying why if it cannot be (no token off loopback, a bad
    address, the port in use). ``defaults``: the answer options requests start from."""
    if needs_token(host) and not token:
        raise AssistantError(f"serving on {host} (not loopback) requires a bearer token")
    kind = _Server6 if ":" in host else _Server
    try:
        server = kind((host, port), _Handler)
    except OSError as error:
        raise AssistantError(f"cannot serve on {host}:{port}: {error.strerror or error}") \
            from None
    server.api = OffgridApi(service, token, defaults=defaults)
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    """The API's base URL: ``http://HOST:PORT/v1``."""
    host, port = str(server.server_address[0]), int(server.server_address[1])
    return f"http://{_bracketed(host)}:{port}/v1"


def reachable_url(server: ThreadingHTTPServer) -> str:
    """The base URL a client on this machine uses (loopback for every interface)."""
    host, port = connect_host(str(server.server_address[0])), int(server.server_address[1])
    return f"http://{_bracketed(host)}:{port}/v1"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(service: AssistantService, host: str, port: int, token: str | None,
          announce: Callable[[str], None] = print) -> None:
    """Serve the API until interrupted, published in the data directory meanwhile (so
    ``assistant ask`` and ``search`` on it go through the API)."""
    server = make_server(service, host, port, token)
    announce(f"Offgrid API on {base_url(server)} (model {server.api.model_id()})"
             + (f"; bearer token: {token}" if token else ""))
    publish(service.data_dir, reachable_url(server), token)
    try:
        server.serve_forever()
    finally:
        withdraw(service.data_dir)
        server.server_close()
