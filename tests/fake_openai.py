"""A small stand-in for an OpenAI-compatible model server (llama-server, vLLM …) on
loopback: ``/v1/models``, streamed ``/v1/chat/completions``, llama.cpp's ``/tokenize`` and
``/props``. It records what it was sent; tests of the real servers live elsewhere."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = ["Hashprice ", "is ", "what ", "a ", "unit ", "of ", "hash ", "rate ", "earns."]


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    models: list[dict[str, Any]]
    props: dict[str, Any] | None
    tokenize: bool
    delay: float
    requests: list[tuple[str, str, dict[str, Any]]]
    closed: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.server.requests.append(("GET", self.path, {}))
        if self.path == "/v1/models":
            self._reply(200, {"object": "list", "data": self.server.models})
        elif self.path == "/props" and self.server.props is not None:
            self._reply(200, self.server.props)
        else:
            self._reply(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(("POST", self.path, body))
        if self.path == "/tokenize" and self.server.tokenize:
            self._reply(200, {"tokens": list(range(len(body["content"].split())))})
        elif self.path == "/v1/chat/completions":
            if body["model"] not in {m["id"] for m in self.server.models}:
                self._reply(400, {"error": {"message": f"model {body['model']} not loaded"}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                for word in WORDS[: body["max_tokens"]]:
                    chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(self.server.delay)
                done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                usage = {"choices": [], "usage": {"prompt_tokens": 42,
                                                  "completion_tokens": len(WORDS)}}
                for event in (done, usage):
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.server.closed.set()
        else:
            self._reply(500, {"error": {"message": "the server broke"}})


@contextmanager
def serve() -> Iterator[FakeServer]:
    """A fake model server on a free loopback port, serving "tiny-chat" (context 4096)."""
    httpd = FakeServer(("127.0.0.1", 0), _Handler)
    httpd.models = [{"id": "tiny-chat", "object": "model", "meta": {"n_ctx_train": 4096}}]
    httpd.props, httpd.tokenize, httpd.delay = None, True, 0.0
    httpd.requests, httpd.closed = [], threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def url(server: FakeServer) -> str:
    """The server's base URL."""
    return f"http://127.0.0.1:{server.server_address[1]}"
