"""Chat durability: what the window showed is already stored when the process is killed.

The real app (tests/chat_kill.py: window, controller, default model, real embedder) is asked
one question after another in the same conversation and SIGKILLed at random moments while it
answers. After each kill the conversation store passes ``PRAGMA integrity_check`` and holds
every question the window showed, with at least the answer text it showed. Opened again,
the conversation shows those answers, marked as interrupted.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import MakeService

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How does hashprice relate to miner revenue?", "Why do miners move to Paraguay?",
             "What is the Nakamoto coefficient?", "What is edge AI?",
             "How does the difficulty adjustment work?", "What happens at a halving?"]
pytestmark = pytest.mark.integration


def library(folder: Path) -> Path:
    from assistant.system.paths import library_dir

    folder.mkdir()
    for name in ("hashprice.md", "paraguay-and-ethiopia-hydropower-mining.md",
                 "measuring-decentralization.md", "edge-ai-market-and-drivers.md",
                 "difficulty-and-hash-rate.md"):
        source = library_dir() / name
        if source.exists():
            (folder / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert any(folder.iterdir())
    return folder


def run_and_kill(data: Path, lib: Path, question: str, renders: int) -> list[list[str]]:
    """Ask in the real app, SIGKILL it after ``renders`` repaints showing answer text (or when
    the answer is done); what the window last showed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "tests.chat_kill", str(data), str(lib),
                              question], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    shown: list[list[str]] = []
    answering = 0
    try:
        for line in child.stdout:
            if line.startswith("SHOWN "):
                shown = json.loads(line[6:])
                answering += bool(shown and shown[-1][1])
                if answering >= renders:
                    break
            elif line.startswith("DONE"):
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    return shown


def stored_turns(data: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(f"file:{data / 'conversations.sqlite3'}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 1
        return [(q, a, r) for q, a, r in db.execute(
            "SELECT question, answer, stop_reason FROM turns ORDER BY id")]
    finally:
        db.close()


def test_killing_the_app_mid_answer_loses_nothing_it_showed(tmp_path: Path,
                                                            make_service: MakeService) -> None:
    data, lib = tmp_path / "data", library(tmp_path / "library")
    rng = random.Random(11)
    shown_answers: list[str] = []
    for number, question in enumerate(QUESTIONS):
        renders = 0 if number == 0 else rng.randint(1, 12)  # the first: killed as it is shown
        shown = run_and_kill(data, lib, question, renders)
        assert shown and shown[-1][0] == question, "the question was never shown"
        shown_answers.append(shown[-1][1])
        turns = stored_turns(data)
        assert [q for q, _, _ in turns] == QUESTIONS[: number + 1]
        for (_, stored, _), seen in zip(turns, shown_answers, strict=True):
            assert stored.startswith(seen), (seen, stored)
    assert sum(bool(a) for a in shown_answers) >= 4  # most kills landed mid-answer

    with make_service(data, embedder="real") as service:  # opened again: interrupted, text kept
        conversation = service.list_conversations()[0]
        answers = service.conversation_answers(conversation.id)
        assert [a.question for a in answers] == QUESTIONS
        for answer, seen in zip(answers, shown_answers, strict=True):
            assert answer.text.startswith(seen)
            assert answer.stop_reason in ("interrupted", "stop", "length", "repetition")
        assert answers[0].stop_reason == "interrupted" and answers[0].text == ""
