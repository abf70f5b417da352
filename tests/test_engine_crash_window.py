"""A crashing model engine never costs the window: the real MainWindow (offscreen, default
model, real embedder) has its engine process SIGKILLed and SIGSEGVed at five random moments
while it answers. Each time the window stays up, the turn keeps the text it showed and says
why it stopped, the conversation store passes ``integrity_check``, and the next question is
answered by the restarted engine. The same for ``assistant ask --json -`` in batch."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from assistant.answers.conversations import INTERRUPTED
from assistant.answers.pipeline import Answer
from assistant.app.service import AssistantService
from assistant.system.paths import library_dir
from ui.controllers import Controllers
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
NOTES = ("paraguay-and-ethiopia-hydropower-mining.md", "hashprice.md",
         "difficulty-and-hash-rate.md")
QUESTIONS = ["Why are miners moving to Paraguay?", "What is hashprice?",
             "How does the difficulty adjustment work?", "What does Ethiopia offer miners?",
             "How is hashprice measured?"]
KILLS = [signal.SIGKILL, signal.SIGSEGV, signal.SIGKILL, signal.SIGSEGV, signal.SIGSEGV]


def small_library(folder: Path) -> Path:
    folder.mkdir()
    for name in NOTES:
        shutil.copy(library_dir() / name, folder / name)
    return folder


@pytest.fixture
def window(tmp_path: Path, real_embedder,  # type: ignore[no-untyped-def]
           qapp: QApplication, qtbot) -> Iterator[MainWindow]:
    controllers = Controllers.create(lambda: AssistantService(
        tmp_path / "data", embedder=real_embedder,
        library_dir=small_library(tmp_path / "library")))
    main = MainWindow(controllers)
    main.show()
    with qtbot.waitSignal(controllers.session.model_ready, timeout=180_000):
        controllers.session.start()
    yield main
    main.close()


def integrity(data: Path) -> str:
    db = sqlite3.connect(f"file:{data / 'conversations.sqlite3'}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_the_window_survives_engine_crashes_mid_answer(
        window: MainWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    controller, session = window.controllers.chat, window.controllers.session
    service = session.service
    assert service is not None
    # Room after the lead, so that the model always writes (a lead that fills the answer's
    # budget skips the model, and an engine that is not asked cannot be caught mid-answer).
    session.options = replace(session.options, sentences=8, words=200)
    rng = random.Random(20261128)
    for round_number, how in enumerate(KILLS):
        pid = service.model_info().pid
        assert pid is not None
        pieces: list[str] = []
        # A random moment in the answer: the lead (the evidence that answers) is shown at once,
        # then the model reads the prompt and writes; the engine dies 0 to 0.8 s into that.
        delay_ms = rng.randint(0, 800)

        def count(piece: str, pieces: list[str] = pieces, pid: int = pid,
                  delay_ms: int = delay_ms, how: signal.Signals = how) -> None:
            pieces.append(piece)
            if len(pieces) == 1:
                QTimer.singleShot(delay_ms, lambda: os.kill(pid, how))

        controller.token.connect(count)
        window.question.input.setPlainText(QUESTIONS[round_number])
        with qtbot.waitSignal(controller.answered, timeout=300_000) as blocker:
            window.user_actions.send()
        controller.token.disconnect(count)
        qtbot.waitUntil(lambda: not session.busy, timeout=30_000)
        answer: Answer = blocker.args[0]
        assert window.isVisible()
        assert answer.stop_reason == INTERRUPTED, (round_number, answer.text)
        assert f"signal {int(how)}" in answer.interruption
        shown = "".join(pieces).strip()
        stored = service.conversation_answers(answer.conversation_id or 0)[-1]
        assert stored.stop_reason == INTERRUPTED and stored.interruption == answer.interruption
        assert shown[:20] in stored.text or not shown  # what the window showed is kept
        view = window.chat.toPlainText()
        assert "interrupted: the model engine" in view and f"signal {int(how)}" in view
        assert "cut short" in window.statusBar().currentMessage()
        assert integrity(tmp_path / "data") == "ok"

        # The next question is answered in full by the restarted engine.
        window.question.input.setPlainText("What is hashprice?")
        with qtbot.waitSignal(controller.answered, timeout=300_000) as blocker:
            window.user_actions.send()
        qtbot.waitUntil(lambda: not session.busy, timeout=30_000)
        again: Answer = blocker.args[0]
        assert again.stop_reason != INTERRUPTED and (again.text or again.abstained)
        assert service.model_info().pid not in (None, pid)
    assert integrity(tmp_path / "data") == "ok"


def test_batch_answers_the_rest_when_the_engine_crashes_on_one(tmp_path: Path,
                                                              real_embedder) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    with AssistantService(data, embedder=real_embedder, library_dir=library_dir()) as service:
        service.sync_library()  # indexed here, so the command starts answering at once
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(data), "ask", "--json",
         "--max-tokens", "200", "-"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("\n".join(QUESTIONS[:3]) + "\n")
    child.stdin.close()
    first = json.loads(child.stdout.readline())
    assert first["question"] == QUESTIONS[0] and "error" not in first
    # The second question is being answered once its engine is busy: kill it then.
    engines = [p for p in psutil.Process(child.pid).children(recursive=True)
               if "assistant.engines.engine_server" in " ".join(p.cmdline())]
    assert len(engines) == 1
    engine = engines[0]
    start = sum(engine.cpu_times()[:2])
    deadline = time.monotonic() + 60
    while sum(engine.cpu_times()[:2]) - start < 0.3 and time.monotonic() < deadline:
        time.sleep(0.02)
    engine.send_signal(signal.SIGSEGV)
    rest = [json.loads(line) for line in child.stdout]
    child.wait(timeout=120)
    assert child.returncode == 1  # one question failed
    assert [item["question"] for item in rest] == QUESTIONS[1:3]
    assert "signal 11" in rest[0]["error"] and "restarted" in rest[0]["error"]
    assert "error" not in rest[1] and rest[1]["answer"]
