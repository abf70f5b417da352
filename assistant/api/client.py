"""Asking the Offgrid that holds a data directory, through its local API: what the CLI does
when the app is running. Answers and hits come back as the values a service gives (an
:class:`Answer` rebuilt from the ``offgrid`` object), so they print the same."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from assistant.answers.answer import Answer, answer_from_record
from assistant.answers.pipeline import AskOptions, Finished, Token
from assistant.api.discovery import Published
from assistant.errors import AnswerBusy, AssistantError
from assistant.library.documents import Hit
from assistant.system.egress import allow as allow_egress
from assistant.system.egress import is_local

TIMEOUT_S = 600.0  # one answer on a slow CPU, after the one the app may be writing


class RunningApp:
    """The local API of the Offgrid running on a data directory, as the CLI asks it."""

    def __init__(self, found: Published, timeout: float = TIMEOUT_S) -> None:
        url = urlsplit(found.url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.base = url.path.rstrip("/")
        self.token = found.token
        self.timeout = timeout
        if not is_local(self.host):  # the app listens on one of this machine's addresses
            allow_egress(self.host, self.port)

    @property
    def address(self) -> str:
        """``HOST:PORT`` of the API."""
        return f"{self.host}:{self.port}"

    def search(self, query: str, *, k: int = 5,
               collections: Sequence[str] | None = None) -> list[Hit]:
        """The app's hits for ``query``, as ``search`` gives them."""
        params: list[tuple[str, str | int]] = [("q", query), ("k", k)]
        params += [("collection", name) for name in collections or ()]
        with self._request("GET", f"/search?{urlencode(params)}") as reply:
            return [Hit(**item) for item in json.load(reply)]

    def ask(self, question: str, *, options: AskOptions | None = None) -> Iterator[object]:
        """The app's answer to ``question``, as events: :class:`Token` as the text comes,
        then :class:`Finished`."""
        options = options or AskOptions()
        body: dict[str, Any] = {
            "model": "offgrid", "stream": True, "k": options.k,
            "messages": [{"role": "user", "content": question}],
            "max_tokens": options.params.max_tokens, "temperature": options.params.temperature}
        if options.collections is not None:
            body["collections"] = list(options.collections)
        with self._request("POST", "/chat/completions", body) as reply:
            for event in server_sent_events(reply):
                if "offgrid" in event:  # the last: the answer as ``ask --json`` gives it
                    yield Finished(answer_of(event["offgrid"]))
                    return
                for choice in event.get("choices", []):
                    text = choice.get("delta", {}).get("content")
                    if text:
                        yield Token(text)
        raise AssistantError("the running app's answer ended before it was finished")

    def _request(self, method: str, path: str,
                 body: dict[str, Any] | None = None) -> http.client.HTTPResponse:
        """The reply to one request; while the app is busy writing another answer (a 503
        with ``Retry-After``), asked again after the time it says, until :attr:`timeout`."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self._request_once(method, path, body)
            except Busy as busy:
                if time.monotonic() + busy.retry_after > deadline:
                    raise AnswerBusy(str(busy)) from None
                time.sleep(busy.retry_after)

    def _request_once(self, method: str, path: str,
                      body: dict[str, Any] | None) -> http.client.HTTPResponse:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, self.base + path,
                               json.dumps(body) if body is not None else None, headers)
            reply = connection.getresponse()
        except OSError as error:
            connection.close()
            raise AssistantError(f"the running Offgrid app's local API at {self.address} "
                                 f"does not answer ({error.strerror or error})") from None
        if reply.status != 200:
            message = error_message(reply.read(), reply.status)
            retry_after = reply.getheader("Retry-After")
            connection.close()
            if reply.status == 503 and retry_after and retry_after.isdigit():
                raise Busy(message, int(retry_after))
            raise AssistantError(message)
        return reply


class Busy(Exception):
    """The app is writing another answer: ask again in ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def server_sent_events(reply: Any) -> Iterator[dict[str, Any]]:
    """The JSON events of a ``text/event-stream`` reply, up to ``[DONE]``."""
    for raw in reply:
        line = raw.decode("utf-8").strip()
        if not line.startswith("data:"):
            continue
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            return
        yield json.loads(data)


def answer_of(payload: dict[str, Any]) -> Answer:
    """The answer an ``offgrid`` object (``ask --json``'s form) holds."""
    return answer_from_record(payload)  # the JSON form is that reader's format 0


def error_message(body: bytes, status: int) -> str:
    """What an error reply says, else its status."""
    try:
        return str(json.loads(body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"the running Offgrid app's local API answered HTTP {status}"
