"""Whole-document and whole-library questions, through the service and the CLI: summaries,
surveys, comparisons and mention lists, each extractive and cited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answers.pipeline import AskOptions, Finished, Retrieved, Token
from assistant.app.service import AssistantService
from assistant.errors import AssistantError
from tests.fakes import FakeEngine, HashEmbedder
from tests.services import MakeService

HYDRO = """# Hydropower and mining

## Paraguay

Paraguay sells surplus hydropower from the Itaipu dam to miners. Tariffs there are low
because the dam produces far more power than the country uses. Miners pay about 4 cents
per kWh in Paraguay.

## Ethiopia

Ethiopia's state utility signed power deals with miners in 2022. The Grand Renaissance Dam
supplies the electricity for those deals. Critics say the power should go to households.

## Risks

Droughts lower reservoirs and cut the power miners can buy. Governments can raise tariffs
or cancel deals when politics change.
"""
POOLS = """# Mining pools

Mining pools combine the hash rate of many miners and share the rewards. Two pools found
about half of all blocks in 2024. Pools choose which transactions go into a block, which
worries people who care about decentralization.
"""
OPTIONS = AskOptions(abstain_below=0.05)


@pytest.fixture
def service(tmp_path: Path, make_service: MakeService) -> Iterator[AssistantService]:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "hydropower-and-mining.md").write_text(HYDRO, encoding="utf-8")
    (folder / "mining-pools.md").write_text(POOLS, encoding="utf-8")
    with make_service(tmp_path / "data", embedder=HashEmbedder(dimension=512),
                      engine=FakeEngine()) as made:
        made.ingest([folder], collection="Notes")
        yield made


def _ask(service: AssistantService, question: str) -> tuple[list[object], Finished]:
    events = list(service.ask(question, options=OPTIONS))
    finished = events[-1]
    assert isinstance(finished, Finished)
    return events, finished


def _quoted(service: AssistantService, finished: Finished) -> None:
    """Every evidence sentence is the document's text at its offsets, under its number."""
    for item in finished.answer.evidence:
        hit = finished.answer.sources[item.sentence.source - 1]
        text = service.document_text(hit.doc_id) or ""
        assert text[item.sentence.start:item.sentence.end] == item.sentence.text
        assert f"[{item.sentence.source}]" in finished.answer.text


def test_a_summary_quotes_each_main_section_in_order_without_the_model(
        service: AssistantService) -> None:
    events, finished = _ask(service, "Summarize the hydropower and mining note")
    answer = finished.answer
    lines = answer.text.splitlines()
    assert lines[0] == "“Hydropower and mining” in 3 sections:"
    assert [line.split(":")[0] for line in lines[1:]] == ["• Paraguay", "• Ethiopia", "• Risks"]
    assert isinstance(events[0], Retrieved) and [e.text for e in events
                                                 if isinstance(e, Token)] == [answer.text]
    assert service._engine.prompts == []  # type: ignore[union-attr]  # no model was asked
    assert not answer.unsupported and not answer.abstained
    _quoted(service, finished)


def test_mentions_list_every_document_that_names_the_term(service: AssistantService) -> None:
    _, finished = _ask(service, "Which documents mention decentralization?")
    assert finished.answer.text.startswith("1 document mentions “decentralization”:")
    assert [Path(h.path).name for h in finished.answer.sources] == ["mining-pools.md"]
    _quoted(service, finished)
    _, finished = _ask(service, "Which documents mention miners?")
    assert finished.answer.text.startswith("2 documents mention “miners”:")
    _, finished = _ask(service, "Which documents mention volcanoes?")
    assert finished.answer.text == "No document in the library mentions “volcanoes”."
    # A description no document holds word for word is looked for by meaning.
    _, finished = _ask(service, "Which documents explain how dams sell spare power to miners?")
    assert finished.answer.text.startswith("What the library says about how dams sell")
    assert "hydropower-and-mining.md" in {Path(h.path).name for h in finished.answer.sources}


def test_surveys_and_comparisons_group_what_each_source_says(service: AssistantService) -> None:
    _, finished = _ask(service, "What does the library say about tariffs?")
    assert finished.answer.text.startswith("What the library says about tariffs, in ")
    assert all(line.startswith("• ") for line in finished.answer.text.splitlines()[1:])
    _quoted(service, finished)
    _, finished = _ask(service, "Compare Paraguay and Ethiopia")
    lines = finished.answer.text.splitlines()
    assert lines[0] == "Paraguay and Ethiopia, side by side:"
    assert lines[1].startswith("• Paraguay: ") and "Paraguay" in lines[1]
    assert lines[2].startswith("• Ethiopia: ") and "Ethiopia" in lines[2]
    _quoted(service, finished)


def test_summarize_from_the_facade_by_id_path_or_title(service: AssistantService,
                                                       tmp_path: Path) -> None:
    (doc,) = [d for d in service.documents() if d.title == "Mining pools"]
    by_id = service.summarize(str(doc.id))
    by_path = service.summarize(str(tmp_path / "notes" / "mining-pools.md"))
    by_title = service.summarize("mining pools")
    assert by_id.text == by_path.text == by_title.text
    assert by_id.text.startswith("“Mining pools” in ")
    with pytest.raises(AssistantError, match="no document in the library matches “geysers”"):
        service.summarize("geysers")


PLAIN_NOTE = """Heat from mining
================

Mining machines turn nearly all of their electricity into heat. Some operators sell that
heat instead of venting it.

Greenhouses?
------------

A greenhouse grower in the north warms tomato beds with the exhaust of two hundred machines.

---

Costs
-----
Capturing the heat adds ducts and pumps, which raise the cost of a site by a few percent.
"""


def test_a_plain_text_note_with_underlined_headings_is_summarized_by_section(
        tmp_path: Path, make_service: MakeService) -> None:
    (tmp_path / "heat.txt").write_text(PLAIN_NOTE, encoding="utf-8")
    with make_service(tmp_path / "data", embedder=HashEmbedder(dimension=512),
                      engine=FakeEngine()) as made:
        made.ingest([tmp_path / "heat.txt"], collection="Notes")
        answer = made.summarize("heat.txt")
    lines = answer.text.splitlines()
    assert lines[0] == "“Heat from mining” in 3 sections:"
    # a title that ends in "?" takes a dash, not a colon; no heading is quoted as a sentence
    assert [line.split(" [")[0][:30] for line in lines[1:]] == [
        "• Introduction: Mining machine", "• Greenhouses? — A greenhouse ",
        "• Costs: Capturing the heat ad"]
    assert "===" not in answer.text and "---" not in answer.text


def test_the_part_before_a_numbered_introduction_is_the_opening() -> None:
    from assistant.answers.overview import parts_of
    from assistant.library.records import ChunkRecord

    def parts(*headings: str) -> list[str]:
        chunks = [ChunkRecord(n, 1, n, 0, 1, None, h, "text", "Paper", "/p.pdf", "default")
                  for n, h in enumerate(headings)]
        return [part.title for part in parts_of(chunks)]

    assert parts("Paper", "Paper > 1. Introduction", "Paper > 2. Method") == [
        "Opening", "1. Introduction", "2. Method"]
    assert parts("Paper", "Paper > Background") == ["Introduction", "Background"]
    assert parts("Paper > Introduction", "Paper > Appendix: an introduction to X") == [
        "Introduction", "Appendix: an introduction to X"]  # a heading of its own is kept
