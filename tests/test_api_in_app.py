"""The local API inside the running window (Settings → Network → Serve the local API): the
switch starts and stops it, the status bar says where it answers, a bad address or a busy
port is a clear error that leaves the window working, the token guards other addresses, the official
``openai`` client gets cited answers from it, and a window's ask and an API ask at once both
finish, one after the other (fake model and embedder; the real window, offscreen)."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from PySide6.QtCore import QTimer

from assistant.api import RunningApi
from assistant.api.discovery import API_FILE, published
from assistant.api.server import make_server
from assistant.app import AssistantError, AssistantService, Settings, load_settings
from assistant.app.settings import SETTINGS_FILE
from tests.fakes import FakeEngine, GatedEngine, HashEmbedder
from ui.controllers import Controllers
from ui.controllers.chat import WAITING
from ui.window.main_window import MainWindow

NOTE = """# Hashprice

## What is hashprice?

Hashprice is the revenue one unit of hash rate earns per day, usually quoted in dollars per
petahash per second per day. It falls when difficulty rises and climbs with the bitcoin price.
"""
REPLY = [" Hashprice", " is", " what", " a", " petahash", " earns", " per", " day."]
QUESTION = [{"role": "user", "content": "What is hashprice?"}]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=60)


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}
                                     if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def engine() -> GatedEngine:
    gated = GatedEngine([REPLY] * 6)
    gated.release.set()  # open unless a test holds it
    return gated


@pytest.fixture
def window(tmp_path: Path, engine: GatedEngine, qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "hashprice.md").write_text(NOTE, encoding="utf-8")

    def open_service() -> AssistantService:
        return AssistantService(tmp_path / "data", embedder=HashEmbedder(), library_dir=notes)

    def load_model(service: AssistantService, _settings: object) -> GatedEngine:
        service._engine = engine
        return engine

    controllers = Controllers.create(open_service, load_model=load_model)
    main = MainWindow(controllers)
    qtbot.addWidget(main)
    with qtbot.waitSignal(controllers.session.model_ready, timeout=60_000):
        controllers.session.start()
    yield main
    engine.release.set()
    main.close()
    controllers.session.shutdown()


def _set_api(window: MainWindow, qtbot, *, enabled: bool, host: str = "127.0.0.1",  # type: ignore[no-untyped-def]
             port: int = 0, signal: str = "serving") -> list:
    """Turn the switch in the Settings dialog and press OK; the API controller's signal."""
    window.user_actions.open_settings()
    dialog = window.user_actions.settings_dialog
    assert dialog is not None
    dialog.api_enabled.setChecked(enabled)
    dialog.api_host.setText(host)
    if port:
        dialog.api_port.setValue(port)
    with qtbot.waitSignal(getattr(window.controllers.api, signal), timeout=30_000) as blocker:
        dialog.accept()
    return blocker.args


def test_the_settings_switch_starts_and_stops_the_api(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    data = tmp_path / "data"
    api, label = window.controllers.api, window.status_bar.api_label
    assert not load_settings(data).api_enabled and label.isHidden()  # off by default
    port = free_port()
    assert _set_api(window, qtbot, enabled=True, port=port) == [f"127.0.0.1:{port}"]
    url = f"http://127.0.0.1:{port}/v1"
    assert label.text() == f"API: 127.0.0.1:{port}" and not label.isHidden()
    assert _get(f"{url}/models") == 200  # loopback: no token asked
    saved = load_settings(data)
    assert saved.api_enabled and saved.api_port == port and len(saved.api_token) >= 16
    found = published(data, os.getpid())
    assert found is not None and found.url == url
    for name in (API_FILE, SETTINGS_FILE):  # the token is in both: the user's eyes only
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
    assert _set_api(window, qtbot, enabled=False) == [""]
    assert label.isHidden() and api.address == ""
    assert not (data / API_FILE).exists() and not load_settings(data).api_enabled
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/models", timeout=5)


def test_a_busy_port_or_a_tokenless_address_is_a_clear_error(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (message,) = _set_api(window, qtbot, enabled=True, port=port, signal="failed")
    assert message.startswith("The local API did not start: cannot serve on 127.0.0.1:")
    assert "in use" in message
    assert window.status_bar.api_label.isHidden() and window.controllers.api.address == ""
    # the window still answers
    with qtbot.waitSignal(window.controllers.chat.answered, timeout=30_000) as answered:
        window.controllers.chat.ask("What is hashprice?")
    assert "[1]" in answered.args[0].text
    # Another address without a token is refused (the settings as saved by hand)
    blank = Settings(api_enabled=True, api_host="0.0.0.0", api_port=port)
    with qtbot.waitSignal(window.controllers.api.failed, timeout=30_000) as refused:
        window.controllers.api.apply(blank)
    assert "requires a bearer token" in refused.args[0]


def test_off_loopback_the_token_is_asked_of_every_request(make_service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    service = make_service(engine=FakeEngine([REPLY]))
    with pytest.raises(AssistantError, match="requires a bearer token"):
        RunningApi(service, "0.0.0.0", free_port(), None)
    assert not (service.data_dir / API_FILE).exists()
    running = RunningApi(service, "0.0.0.0", free_port(), "a-token-of-twenty-chars")
    try:
        assert running.url.startswith("http://127.0.0.1:")  # how this machine reaches it
        assert _get(f"{running.url}/models") == 401
        assert _get(f"{running.url}/models", "wrong-token-wrong-token") == 401
        assert _get(f"{running.url}/models", "a-token-of-twenty-chars") == 200
        found = published(service.data_dir)
        assert found is not None and found.token == "a-token-of-twenty-chars"
    finally:
        running.stop()
    assert not (service.data_dir / API_FILE).exists()


def test_the_openai_client_gets_a_cited_answer_from_the_window(window: MainWindow,  # type: ignore[no-untyped-def]
                                                               qtbot) -> None:
    _set_api(window, qtbot, enabled=True, port=free_port())
    client = _client(window.controllers.api.url)
    reply = client.chat.completions.create(model="offgrid", messages=QUESTION)  # type: ignore[arg-type]
    text = reply.choices[0].message.content or ""
    assert "[1]" in text and "hash rate" in text.lower()
    extra = reply.model_extra["offgrid"]  # type: ignore[index]
    assert extra["answer"] == text and extra["sources"][0]["title"] == "Hashprice"
    chunks = list(client.chat.completions.create(model="offgrid", messages=QUESTION,  # type: ignore[arg-type]
                                                 stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == chunks[-1].model_extra["offgrid"]["answer"]  # type: ignore[index]


def test_a_window_ask_and_an_api_ask_at_once_both_finish(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                        engine: GatedEngine) -> None:
    _set_api(window, qtbot, enabled=True, port=free_port())
    url, chat = window.controllers.api.url, window.controllers.chat
    engine.release.clear()
    engine.streaming.clear()
    replies: list[str] = []
    asking = threading.Thread(target=lambda: replies.append(
        _client(url).chat.completions.create(model="offgrid", messages=QUESTION)  # type: ignore[arg-type]
        .choices[0].message.content or ""))
    asking.start()
    try:
        assert engine.streaming.wait(30)  # the API's answer holds the model
        with qtbot.waitSignal(window.controllers.session.status, timeout=30_000,
                              check_params_cb=lambda text: text == WAITING):
            assert chat.ask("What is hashprice, in dollars?")
        # the window stays responsive while its answer waits its turn
        ticks: list[int] = []
        timer = QTimer(window)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(10)
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5_000)
        timer.stop()
        assert engine.active == 1 and chat.busy
        with qtbot.waitSignal(chat.answered, timeout=30_000) as answered:
            engine.release.set()
    finally:
        engine.release.set()
        asking.join(30)
    assert replies and "[1]" in replies[0]
    assert "[1]" in answered.args[0].text and answered.args[0].question.endswith("dollars?")
    assert len(engine.prompts) == 2  # both were written by the model
    assert engine.most_at_once == 1  # never two generations at once


def test_an_api_ask_that_cannot_wait_gets_503_with_retry_after(make_service) -> None:  # type: ignore[no-untyped-def]
    service = make_service(engine=FakeEngine([REPLY]))
    server = make_server(service, "127.0.0.1", 0)
    server.api.wait_s = 0.3
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    body = json.dumps({"model": "offgrid", "messages": QUESTION}).encode()
    try:
        with service._gate.active():  # another answer is being written
            request = urllib.request.Request(f"http://{host}:{port}/v1/chat/completions", body,
                                             {"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "5"
        assert "another answer is being written" in json.load(refused.value)["error"]["message"]
    finally:
        server.shutdown()
        server.server_close()


def test_stop_while_waiting_for_the_api_ends_the_wait_without_an_error(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, engine: GatedEngine) -> None:
    _set_api(window, qtbot, enabled=True, port=free_port())
    url, chat, session = window.controllers.api.url, window.controllers.chat, \
        window.controllers.session
    engine.release.clear()
    engine.streaming.clear()
    asking = threading.Thread(target=lambda: _client(url).chat.completions.create(
        model="offgrid", messages=QUESTION))  # type: ignore[arg-type]
    asking.start()
    errors: list[str] = []
    session.error.connect(errors.append)
    try:
        assert engine.streaming.wait(30)
        with qtbot.waitSignal(session.status, timeout=30_000,
                              check_params_cb=lambda text: text == WAITING):
            assert chat.ask("What is hashprice, in dollars?")
        with qtbot.waitSignal(chat.busy_changed, timeout=30_000,
                              check_params_cb=lambda busy: not busy):
            chat.stop()
    finally:
        engine.release.set()
        asking.join(30)
    assert not errors and engine.most_at_once == 1
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(
        "The answer stopped before it began"), timeout=10_000)
    assert session.service is not None and session.conversation_id is not None
    (turn,) = session.service.conversation_turns(session.conversation_id)
    assert turn.stop_reason == "interrupted" and turn.question.endswith("dollars?")
