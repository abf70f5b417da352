"""The dev questions (``tests/qa/questions.jsonl``), the fact check and retrieval hit@5, as
``scripts/eval_qa.py`` reports them and the bench compares embedders on hit@5."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.app.service import AssistantService
from assistant.library.documents import Hit
from assistant.system.paths import PROJECT_ROOT

DEV_QUESTIONS = PROJECT_ROOT / "tests" / "qa" / "questions.jsonl"
HIT_K = 5


def load_questions(path: Path = DEV_QUESTIONS) -> list[dict[str, Any]]:
    """The questions of ``path``, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def source_found(hits: Sequence[Hit], item: dict[str, Any]) -> bool:
    """Whether the question's expected document (its ``source`` file name) is among ``hits``."""
    return any(Path(hit.path).name == item.get("source") for hit in hits)


def has_fact(facts: list[str], text: str) -> bool:
    """Whether any spelling of the fact occurs in ``text`` (case and spacing ignored)."""
    haystack = " ".join(text.lower().split())
    return any(" ".join(fact.lower().split()) in haystack for fact in facts)


def hit_at_5(service: AssistantService, questions: Sequence[dict[str, Any]]) -> float:
    """Percent of the in-scope ``questions`` whose expected document is among the first five
    passages ``service`` finds (0.0 for none)."""
    inside = [item for item in questions if item["kind"] == "in_scope"]
    found = sum(source_found(service.search(item["question"], k=HIT_K), item) for item in inside)
    return 100 * found / len(inside) if inside else 0.0
