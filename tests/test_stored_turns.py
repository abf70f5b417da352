"""A conversation's turns are stored in a versioned format of their own, not the CLI's JSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.answers.answer import TURN_FORMAT, answer_from_record, answer_record
from assistant.answers.pipeline import AskOptions, Finished
from assistant.errors import StoreError
from tests.fakes import FakeEngine
from tests.services import MakeService

NOTE = ("# Paraguay\n\nParaguay sells surplus hydropower from the Itaipu dam. "
        "Miners pay about 4 cents per kWh there [1]. The grid is mostly renewable.\n")
# A turn as conversations stored it before the stored format had its own shape: the CLI's
# JSON of the first release (only the flagged checks kept, no "format").
FIRST_RELEASE = {
    "question": "What do miners pay?",
    "answer": "About 4 cents per kWh [1]. Quantum rigs are free.",
    "abstained": False,
    "evidence": [{"text": "Miners pay about 4 cents per kWh there.", "source": 1,
                  "title": "Paraguay", "path": "/notes/p.md", "page": None,
                  "heading": "Paraguay", "start": 62, "end": 101, "score": 0.8123}],
    "sources": [{"n": 1, "chunk_id": 7, "doc_id": 3, "score": 0.03, "title": "Paraguay",
                 "path": "/notes/p.md", "collection": "default", "page": None,
                 "heading": "Paraguay", "start": 0, "end": 140, "text": NOTE,
                 "similarity": 0.61, "lexical_rank": 1, "dense_rank": 2}],
    "unsupported": [{"text": "Quantum rigs are free.", "citations": [], "supported_by": [],
                     "support": 0.12, "reason": "not supported by the sources"}],
    "model": "SmolLM2-135M-Instruct.Q4_1",
    "timings": {"retrieval_ms": 12.5, "ttft_ms": 300.0, "total_ms": 900.1,
                "prompt_tokens": 410, "cached_tokens": 380, "completion_tokens": 21,
                "decode_tokens_per_s": 48.2},
    "stop_reason": "stop", "interruption": None, "conversation_id": 1,
}


def _answered(make_service: MakeService, tmp_path: Path):  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "p.md").write_text(NOTE)
    engine = FakeEngine([["Miners pay about 4 cents per kWh [1]. ", "Quantum rigs are free."]])
    service = make_service(engine=engine)
    service.ingest([notes])
    question = "What do miners pay per kWh?"
    asked = service.start_turn(question)
    (answer,) = [e.answer for e in service.ask(question, options=AskOptions(abstain_below=0.0),
                                              conversation_id=asked.conversation_id,
                                              turn_id=asked.turn_id)
                 if isinstance(e, Finished)]
    return service, answer


def test_a_turn_is_stored_in_its_own_versioned_format(make_service: MakeService,
                                                      tmp_path: Path) -> None:
    service, answer = _answered(make_service, tmp_path)
    with sqlite3.connect(service.data_dir / "conversations.sqlite3") as db:
        (details,) = db.execute("SELECT details FROM turns").fetchone()
    stored = json.loads(details)
    assert stored["format"] == TURN_FORMAT
    assert stored != answer.to_json()  # the CLI's keys can change without touching it
    (again,) = service.conversation_answers(answer.conversation_id)
    assert again.text == answer.text and again.sources == answer.sources
    assert again.evidence == answer.evidence and again.checks == answer.checks
    assert again.timings == answer.timings and again.model == answer.model


def test_the_stored_form_round_trips_every_check_not_only_the_flagged(
        make_service: MakeService, tmp_path: Path) -> None:
    _, answer = _answered(make_service, tmp_path)
    assert len(answer.checks) == 2 and len(answer.unsupported) == 1
    back = answer_from_record(json.loads(json.dumps(answer_record(answer))))
    answer.conversation_id = answer.turn_id = None
    assert back == answer


def test_a_conversation_stored_before_the_format_still_opens(make_service: MakeService) -> None:
    service = make_service()
    conversation = service.new_conversation("From the first release")
    with sqlite3.connect(service.data_dir / "conversations.sqlite3") as db:
        db.execute("INSERT INTO turns(conversation_id, question, query, sent, answer, abstained, "
                   "stop_reason, details, created) VALUES (?, ?, '', '', ?, 0, 'stop', ?, 0)",
                   (conversation.id, FIRST_RELEASE["question"], FIRST_RELEASE["answer"],
                    json.dumps(FIRST_RELEASE)))
    (answer,) = service.conversation_answers(conversation.id)
    assert answer.text == FIRST_RELEASE["answer"] and answer.model == FIRST_RELEASE["model"]
    assert [hit.chunk_id for hit in answer.sources] == [7]
    assert answer.sources[0].dense_rank == 2
    assert answer.evidence[0].sentence.text == "Miners pay about 4 cents per kWh there."
    assert [check.reason for check in answer.unsupported] == ["not supported by the sources"]
    assert answer.timings.cached_tokens == 380
    # and it reads back as the CLI printed it then, key for key (with the keys added since:
    # a computed answer's calculation, none here)
    printed = answer.to_json()
    assert printed.pop("calculation") is None
    assert {k: v for k, v in printed.items() if k != "conversation_id"} == {
        k: v for k, v in FIRST_RELEASE.items() if k != "conversation_id"}


def test_a_turn_from_a_newer_version_says_so() -> None:
    record = {**answer_record(answer_from_record(FIRST_RELEASE)), "format": TURN_FORMAT + 1}
    with pytest.raises(StoreError, match="newer version of Offgrid"):
        answer_from_record(record)
