"""``assistant ask`` and ``search`` while a running Offgrid holds the data directory: through
its local API, printing what they print on their own (the same JSON as the service gives);
without the API, an error saying how to turn it on; other commands still refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api import RunningApi
from assistant.api.discovery import API_FILE
from assistant.app import AssistantService, Finished
from assistant.cli.main import main
from assistant.cli.render import format_hit
from tests.fakes import FakeEngine, HashEmbedder

NOTE = """# Hashprice

## What is hashprice?

Hashprice is the revenue one unit of hash rate earns per day, usually quoted in dollars per
petahash per second per day. It falls when difficulty rises and climbs with the bitcoin price.
"""
REPLY = [" Hashprice", " is", " what", " a", " petahash", " earns", " per", " day."]
QUESTION = "What is hashprice?"
TURN_ON = "Settings → Network → Serve the local API"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AssistantService]:
    """A running "app": the data directory held, the library holding one note."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "hashprice.md").write_text(NOTE, encoding="utf-8")
    service = AssistantService(tmp_path / "data", embedder=HashEmbedder(),
                               engine=FakeEngine([REPLY] * 8))
    service.ingest([tmp_path / "notes"])
    yield service
    service.close()


@pytest.fixture
def api(app: AssistantService) -> Iterator[RunningApi]:
    running = RunningApi(app, "127.0.0.1", 0)
    yield running
    running.stop()


def _run(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> tuple[int, str, str]:
    status = main(["--data-dir", str(data), *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _without_timings(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if key != "timings"}


def test_search_goes_through_the_running_app(app: AssistantService, api: RunningApi,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    local = app.search("hashprice difficulty", k=3)
    status, out, err = _run(capsys, app.data_dir, "search", "--json", "--k", "3",
                            "hashprice", "difficulty")
    assert status == 0 and json.loads(out) == [hit.to_json() for hit in local]
    assert err.count("\n") == 1 and f"its local API at {api.address}" in err
    status, out, _ = _run(capsys, app.data_dir, "search", "--k", "3", "hashprice",
                          "difficulty")
    assert status == 0
    assert out == "".join(format_hit(n, hit) + "\n\n" for n, hit in enumerate(local, 1))


def test_ask_goes_through_the_running_app_with_the_same_json(
        app: AssistantService, api: RunningApi, capsys: pytest.CaptureFixture[str]) -> None:
    events = list(app.ask(QUESTION))
    local = next(e.answer for e in events if isinstance(e, Finished)).to_json()
    status, out, err = _run(capsys, app.data_dir, "ask", "--json", QUESTION)
    assert status == 0, err
    through = json.loads(out)
    assert _without_timings(through) == _without_timings(local)
    assert set(through["timings"]) == set(local["timings"])
    assert "[1]" in through["answer"] and "through the Offgrid app" in err
    status, out, _ = _run(capsys, app.data_dir, "ask", QUESTION)  # streamed to the terminal
    assert status == 0 and out.startswith(local["answer"]) and "\nSources:\n[1] Hashprice" in out
    status, _, err = _run(capsys, app.data_dir, "ask", "--model", "other.gguf", QUESTION)
    assert status == 1 and "answers with its own model, so --model cannot be used" in err


def test_ask_from_another_process_goes_through_the_app(app: AssistantService,
                                                       api: RunningApi) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(app.data_dir), "ask", "--json",
         QUESTION], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert cli.returncode == 0, cli.stderr
    assert "[1]" in json.loads(cli.stdout)["answer"]
    assert cli.stderr.strip().splitlines() == [
        f"Note: through the Offgrid app running on this data directory (its local API at "
        f"{api.address})"]


def test_without_the_api_the_error_says_how_to_turn_it_on(
        app: AssistantService, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["ask", QUESTION], ["search", "hashprice"]):
        status, out, err = _run(capsys, app.data_dir, *command)
        assert status == 1 and not out
        assert "already running" in err and TURN_ON in err
    status, _, err = _run(capsys, app.data_dir, "docs", "list")  # other commands: as before
    assert status == 1 and "already running" in err and TURN_ON not in err


def test_an_api_file_left_by_a_dead_process_is_not_used(
        app: AssistantService, capsys: pytest.CaptureFixture[str]) -> None:
    (app.data_dir / API_FILE).write_text(json.dumps(
        {"url": "http://127.0.0.1:9/v1", "token": None, "pid": os.getpid() + 100000}))
    status, _, err = _run(capsys, app.data_dir, "search", "hashprice")
    assert status == 1 and TURN_ON in err


def test_ask_waits_its_turn_while_the_app_writes_another_answer(
        app: AssistantService, api: RunningApi, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    monkeypatch.setattr("assistant.api.server.RETRY_AFTER_S", 1)
    api._server.api.wait_s = 0.2  # the API gives up at once; the CLI asks again
    held, release = threading.Event(), threading.Event()

    def another_answer() -> None:
        with app._gate.active():
            held.set()
            release.wait(30)

    writer = threading.Thread(target=another_answer)
    writer.start()
    assert held.wait(10)
    timer = threading.Timer(1.5, release.set)
    timer.start()
    started = time.monotonic()
    try:
        status, out, err = _run(capsys, app.data_dir, "ask", "--json", QUESTION)
    finally:
        release.set()
        writer.join(10)
        timer.cancel()
    assert status == 0, err
    assert "[1]" in json.loads(out)["answer"] and time.monotonic() - started >= 1.4
    assert err.count("\n") == 1  # only the note
