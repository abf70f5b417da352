"""A question asking for a figure with values is answered by the calculator, through the
service: the figure, the formula with each default cited to the passage it came from, the
library's evidence; in the CLI's JSON and in the stored conversation, with nothing generated."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answers.answer import Answer, answer_from_record, answer_record
from assistant.answers.pipeline import AskOptions, Finished, Retrieved, Token
from assistant.app.service import AssistantService
from assistant.cli.ask import answer_questions
from tests.fakes import FakeEngine, HashEmbedder
from tests.services import MakeService

QUESTION = "What is the energy cost per bitcoin at 8 cents per kWh?"
OPTIONS = AskOptions(abstain_below=0.05)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantService]:
    """The bundled library, a hash embedder and a fake model (that must not be asked)."""
    from tests.services import ServiceFactory

    factory = ServiceFactory(tmp_path_factory.mktemp("figures"))
    made = factory(embedder=HashEmbedder(dimension=256), library_dir="bundled",
                   engine=FakeEngine())
    made.sync_library()
    yield made
    factory.close()


def _ask(service: AssistantService, question: str, **kwargs: object) -> tuple[list, Answer]:
    events = list(service.ask(question, options=OPTIONS, **kwargs))  # type: ignore[arg-type]
    finished = events[-1]
    assert isinstance(finished, Finished)
    return events, finished.answer


def test_the_figure_comes_first_with_its_formula_and_cited_defaults(
        service: AssistantService) -> None:
    events, answer = _ask(service, QUESTION)
    assert [type(e) for e in events] == [Retrieved, Token, Finished]
    lines = answer.text.splitlines()
    assert lines[0] == "About $68,267 per bitcoin, energy only (fees ignored)."
    assert lines[1].startswith("= 800 EH/s [")
    assert "$0.08/kWh (stated)" in lines[1]
    calculation = answer.calculation
    assert calculation is not None and calculation.value == pytest.approx(68_266.67, abs=0.01)
    for item in calculation.inputs:  # every default cites the source holding its passage
        if item.stated:
            assert item.preset is None and item.citation is None
            continue
        assert item.preset is not None and item.citation is not None
        assert f"[{item.citation}]" in answer.text
        source = answer.sources[item.citation - 1]
        assert " ".join(item.preset.source.passage.split()) in " ".join(
            source.text.replace("**", "").split())
    assert "From the library:" in answer.text  # then the library's evidence, as usual
    assert len(answer.evidence) > len({i.citation for i in calculation.inputs if i.citation})
    assert answer.timings.completion_tokens == 0  # nothing generated


def test_a_library_figure_states_a_computed_one_when_it_is_rounded_like_it() -> None:
    from assistant.answers.figures import states_value
    assert states_value(68_266.67, "$/BTC", "at $0.08 per kWh it is about $68,000")
    assert states_value(853_333.3, "kWh/BTC", "approx. 853,000 kWh per BTC")
    assert not states_value(68_266.67, "$/BTC", "at $0.08/kWh it costs $38.40 per PH/s a day")
    assert not states_value(68_266.67, "$/BTC", "about 70,000 TH/s")  # another unit
    assert not states_value(2024.0, "$/BTC", "the April 2024 halving")  # a year
    assert not states_value(3.0, "blocks", "the 3rd halving")  # an ordinal
    assert not states_value(0.0, "BTC", "0 BTC")


def test_written_forms_round_as_writers_do() -> None:
    from assistant.answers.figures import written_forms
    assert written_forms(820_512.8) == ["820,500", "821,000", "820,000"]
    assert written_forms(68_266.67) == ["68,270", "68,300", "68,000"]
    assert written_forms(38.4) == ["38"]
    assert written_forms(0.0) == []


@pytest.mark.parametrize(("question", "stated"), [
    ("How much energy per bitcoin with fees of 0.125 BTC per block?", "820,500"),
    ("At 5 cents a kilowatt-hour, what does the electricity for one bitcoin cost?", "42,700"),
])
def test_the_library_line_beside_a_figure_is_one_stating_it_where_the_library_does(
        service: AssistantService, question: str, stated: str) -> None:
    _, answer = _ask(service, question)
    assert answer.calculation is not None
    line = answer.text.split("From the library:", 1)[1]
    assert stated in line
    cited = int(line.rsplit("[", 1)[1].split("]")[0])
    assert stated in answer.sources[cited - 1].text


def test_the_library_is_searched_for_the_figure_only_in_sentences_on_the_question(
        service: AssistantService) -> None:
    from assistant.answers.figures import _stating
    from assistant.library.records import ChunkRecord

    question = "At 5 cents a kilowatt-hour, what does the electricity for one bitcoin cost?"
    calculation = _ask(service, question)[1].calculation
    assert calculation is not None
    asked: list[str] = []

    def chunk(id_: int, text: str) -> ChunkRecord:
        return ChunkRecord(id_, id_, 0, 100, 100 + len(text), None, "Costs", text, "Note",
                           "/note.md", "default")

    off_topic = chunk(7, "The median household income was about $42,700 in 2022.")
    on_topic = chunk(8, "At five cents per kilowatt-hour a bitcoin's electricity costs about "
                        "$42,700.")

    def mentioning(form: str, collections: object) -> list[ChunkRecord]:
        asked.append(form)
        return [off_topic, on_topic] if form == "42,700" else []

    sources: list = []
    [found] = _stating(calculation, question, sources, mentioning, None)
    assert found.sentence.text == on_topic.text and found.sentence.source == 1
    assert found.sentence.start == 100 and [s.chunk_id for s in sources] == [8]
    assert asked == ["42,670", "42,700"]  # "43,000" has too few digits to look for
    assert _stating(calculation, question, [], lambda form, c: [off_topic], None) == []


def test_ask_json_carries_the_calculation(service: AssistantService,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(question=QUESTION.split(), json=True)
    assert answer_questions(service, OPTIONS, args) == 0
    result = json.loads(capsys.readouterr().out)
    calculation = result["calculation"]
    assert calculation["quantity"] == "energy_cost_per_btc"
    assert round(calculation["value"]) == 68_267 and calculation["unit"] == "$/BTC"
    assert calculation["formula"].startswith("800 EH/s × 20 J/TH × 600 s")
    inputs = {item["name"]: item for item in calculation["inputs"]}
    assert inputs["price_usd_kwh"]["stated"] and inputs["price_usd_kwh"]["source"] is None
    hashrate = inputs["hashrate_eh_s"]
    assert hashrate["value"] == 800 and hashrate["source"]["file"] == "hashprice.md"
    cited = result["sources"][hashrate["citation"] - 1]
    assert "800 EH/s" in cited["text"]


def test_a_question_without_a_figure_is_answered_as_before(service: AssistantService) -> None:
    _, answer = _ask(service, "What is hashprice?")
    assert answer.calculation is None
    assert answer.to_json()["calculation"] is None


def test_a_computed_answer_is_stored_and_reopened_with_its_calculation(
        service: AssistantService) -> None:
    asked = service.start_turn("Is mining profitable in Ethiopia with 17.5 J/TH machines?")
    _, answer = _ask(service, "Is mining profitable in Ethiopia with 17.5 J/TH machines?",
                     conversation_id=asked.conversation_id, turn_id=asked.turn_id)
    assert answer.text.startswith("Yes: about $")
    assert "Ethiopia" in answer.text  # the region's tariff, named and cited
    (stored,) = service.conversation_answers(asked.conversation_id)
    assert stored.calculation == answer.calculation
    assert stored.text == answer.text


def test_records_from_before_calculations_still_open(service: AssistantService) -> None:
    _, answer = _ask(service, QUESTION)
    record = answer_record(answer)
    del record["calculation"]  # as format 1 was stored before computed answers
    assert answer_from_record(record).calculation is None
    assert answer_from_record(answer_record(answer)).calculation == answer.calculation
    # ask --json's form (what the running app's local API sends the CLI) keeps it too
    assert answer_from_record(json.loads(json.dumps(answer.to_json()))).calculation == \
        answer.calculation


def test_a_default_the_search_cannot_find_is_named_in_words(make_service: MakeService,
                                                            tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "tariffs.md").write_text("# Power\n\nMiners in Paraguay pay low tariffs for "
                                      "hydropower from the Itaipu dam.\n", encoding="utf-8")
    with make_service(engine=FakeEngine()) as small:
        small.ingest([notes])
        answer = next(e.answer for e in small.ask(QUESTION, options=OPTIONS)
                      if isinstance(e, Finished))
    assert answer.text.startswith("About $68,267 per bitcoin")
    assert "800 EH/s (the note “Hashprice" in answer.text
    assert answer.calculation is not None
    assert all(item.citation is None for item in answer.calculation.inputs)


def test_a_value_that_cannot_be_meant_is_a_clear_error(service: AssistantService) -> None:
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError, match="Electricity price"):
        _ask(service, "What is the energy cost per bitcoin at 800 cents per kWh?")
