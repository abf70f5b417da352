"""Evidence, grounding and the answer pipeline, with a fake model and a hash embedder."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answers.evidence import (
    aside_items,
    asked_words,
    list_intro,
    list_siblings,
    premise_words,
    restates,
    score_sentences,
    select_evidence,
    split_sentences,
)
from assistant.answers.grounding import check_claims, split_claims, statements
from assistant.answers.pipeline import Asked, AskOptions, Finished, Retrieved, Token
from assistant.answers.question_kinds import (
    answer_type_bonus,
    asked_acronym,
    expands,
    off_subject,
    set_aside,
)
from assistant.app.service import AssistantService
from assistant.engines.engine import TokenStream
from assistant.errors import AssistantError, EngineCrashed
from assistant.library.documents import Hit
from assistant.text.keywords import content_words
from assistant.text.sentences import continues
from tests.fakes import FakeEngine, HashEmbedder
from tests.services import MakeService

PARAGUAY = ("# Paraguay\n\nParaguay sells surplus hydropower from the Itaipu dam. "
            "Miners pay about 4 cents per kWh there. The grid is mostly renewable.\n")
ETHIOPIA = ("# Ethiopia\n\nEthiopia's state utility signed power deals with miners. "
            "The Grand Renaissance Dam supplies the electricity. Tariffs are low.\n")


# The answer's lead for the Paraguay questions: the note's sentence that answers, cited.
LEAD = "Paraguay sells surplus hydropower from the Itaipu dam [1]."

# The hash embedder's similarities run lower than MiniLM's, so its abstention line is lower.
OPTIONS = AskOptions(abstain_below=0.2)


def _hit(number: int, text: str) -> Hit:
    return Hit(chunk_id=number, doc_id=number, score=1.0 / number, title=f"Doc {number}",
               path=f"/docs/{number}.md", collection="c", page=None, heading=None,
               start=100 * number, end=100 * number + len(text), text=text)


def test_split_claims_reads_citation_markers() -> None:
    claims = split_claims("Miners pay 4 cents [1]. The dam is big [1, 2]. Tariffs are low. [2]")
    assert [(c.text, c.citations) for c in claims] == [
        ("Miners pay 4 cents.", (1,)), ("The dam is big.", (1, 2)), ("Tariffs are low.", (2,))]


def test_a_sentence_that_leans_on_the_one_before_is_scored_and_quoted_with_it() -> None:
    assert continues("For that reason miners depreciate ASICs quickly.")
    assert continues("Depending on whether their share was above 50%, it is 2 or 3.")
    assert continues("Running for a year (8,760 hours), that is roughly 140 TWh.")
    assert continues("So the pools decide.")
    assert continues("The rounded endpoints and the quoted figure therefore do not match.")
    assert not continues("The rounded endpoints do not match, and therefore the figure is off.")
    assert not continues("Older machines earn less per day than their power costs.")
    assert not continues("The network draws about 16 GW at 20 J/TH.")
    text = ("# Energy\n\nThe network draws about 16 GW at 20 J/TH. Running for a year "
            "(8,760 hours), that is roughly 140 TWh. Tariffs differ by country.\n")
    hits = [_hit(1, text)]
    sentences = split_sentences(hits)
    assert [s.text[:12] for s in sentences] == ["The network ", "Running for ", "Tariffs diff"]
    # the continuation (index 1) scores nearer its strong predecessor than an ordinary one
    vectors = [[1.0, 0.0]] + [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    question = "How much electricity does the network use in a year?"
    import numpy as np
    scores = score_sentences(question, np.array(vectors[0]), sentences, np.array(vectors[1:]),
                             [1.0])
    alone = score_sentences(question, np.array(vectors[0]), sentences[1:2],
                            np.array(vectors[2:3]), [1.0])
    assert scores[1] > alone[0]
    # quoted with its predecessor, with exact offsets, and never twice
    evidence = select_evidence(hits, sentences, [0.5, 0.9, 0.1], limit=3)
    joined = evidence[0].sentence
    assert joined.text.startswith("The network draws") and joined.text.endswith("140 TWh.")
    assert text[joined.start - 100:joined.end - 100] == joined.text
    assert [e.sentence.text[:7] for e in evidence] == ["The net", "Tariffs"]
    # the predecessor chosen first comes with its continuation ("That implies …")
    evidence = select_evidence(hits, sentences, [0.9, 0.5, 0.1], limit=3)
    assert evidence[0].sentence.text.endswith("140 TWh.") and len(evidence) == 2


def test_answer_kinds_a_word_defined_and_a_figure_that_answers() -> None:
    question = "What does the word edge refer to in edge AI?"
    assert answer_type_bonus(question, 'The "edge" is the outer rim of a network.') > 0
    assert answer_type_bonus(question, "Edge AI means running models on the device.") == 0
    kwh = "How many kilowatt-hours of electricity go into each bitcoin?"
    per_btc = answer_type_bonus(kwh, "That comes to roughly 853,000 kWh per BTC.")
    assert per_btc > answer_type_bonus(kwh, "It costs about $42,700 per BTC.") > 0
    limits = "What mainly limits how fast a laptop CPU can generate tokens?"
    assert answer_type_bonus(limits, "The limiting factor is memory bandwidth.") > 0
    assert answer_type_bonus(limits, "A 4-bit model reads fewer bytes per token.") == 0
    why = "Why do miners write off their ASICs over a few years?"
    because = answer_type_bonus(why, "Their life is short because each generation does more.")
    assert because > answer_type_bonus(why, "Rising tariffs hurt older machines.") > 0
    asked = content_words("What country-level coefficient did China's dominance imply?")
    assert not restates(asked, "That implies a country-level coefficient of 1.")
    assert restates(asked, "That implies a country-level coefficient.")


def test_an_abbreviation_is_answered_by_the_sentence_that_spells_it_out() -> None:
    question = "What does the abbreviation RAG stand for?"
    assert asked_acronym(question) == "RAG" and asked_acronym("What is RAG?") == ""
    assert asked_acronym("What is CBECI short for?") == "CBECI"
    spelled = "RAG (retrieval-augmented generation) lets a model answer from documents."
    assert answer_type_bonus(question, spelled) > answer_type_bonus(
        question, "It is the retrieval part of a RAG system.") == 0
    assert expands("CBECI", "The Cambridge Bitcoin Electricity Consumption Index (CBECI) says")
    assert expands("ASIC", "An ASIC is an application-specific integrated circuit.")
    assert not expands("RAG", "Retrieval and generation are two steps.")  # not named
    assert not expands("GPU", "A GPU runs graphics; it is general and powerful.")


def test_why_questions_want_a_cause_about_what_they_name() -> None:
    why = "Why is every published hash rate figure only an estimate?"
    assert answer_type_bonus(why, "It cannot be observed directly.") > 0
    assert answer_type_bonus("Why did mining go to China?", "Miners were drawn by cheap power.")
    asked = {"Bitcoin", "China"}
    assert off_subject(asked, "The United States gained because its power was cheap.")
    assert not off_subject(asked, "Chinese miners were drawn by cheap electricity.")
    assert not off_subject(asked, "Miners shipped their machines abroad.")  # names nothing
    assert not off_subject(asked, "1. **Rising power prices.** Because tariffs rose.")
    assert not off_subject(set(), "The United States gained because its power was cheap.")
    sentences = split_sentences([_hit(1, "The United States gained because power was cheap. "
                                          "Miners were drawn to China by cheap hydropower.\n")])
    import numpy as np
    vectors = np.array([[1.0, 0.0]] * 3)
    about = score_sentences("Why did mining end up in China?", vectors[0], sentences,
                            vectors[1:], [1.0])
    assert about[1] > about[0]
    # without the name the "because" sentence wins: the rule is what moved it down
    there = score_sentences("Why did mining end up there?", vectors[0], sentences, vectors[1:],
                            [1.0])
    assert there[0] > there[1]


def test_a_list_item_is_scored_and_quoted_with_the_sentence_that_introduces_its_list() -> None:
    text = ("For the 3B model, the weight files measured on disk take about:\n\n"
            "- F16: 6.4 GB\n- Q8_0: 3.4 GB\n- Q4_K_M: 2.0 GB\n- Tiny\n\n"
            "The cache needs memory on top of the weights.\n")
    hits = [_hit(1, text)]
    sentences = split_sentences(hits)
    assert [s.text for s in sentences][1:4] == ["- F16: 6.4 GB", "- Q8_0: 3.4 GB",
                                                 "- Q4_K_M: 2.0 GB"]  # "- Tiny" says nothing
    assert list_intro(sentences, 2) == 0 and list_intro(sentences, 4) is None
    # an item of arithmetic is short: its signs are no words
    sums = split_sentences([_hit(1, "The same formula at 4 bits per weight gives:\n\n"
                                    "- 135 million parameters × 4 ÷ 8 ≈ 68 MB\n"
                                    "- 4 billion parameters × 4 ÷ 8 ≈ 2 GB\n")])
    assert list_intro(sums, 1) == 0 and list_intro(sums, 2) == 0
    import numpy as np
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    scores = score_sentences("How large is the Q8_0 file of the 3B model?", vectors[0],
                             sentences, vectors[1:], [1.0])
    alone = score_sentences("How large is the Q8_0 file of the 3B model?", vectors[0],
                            sentences[1:], vectors[2:], [1.0])
    assert scores[2] > alone[1]  # the introduction lifts its items
    best = select_evidence(hits, sentences, [0.1, 0.2, 0.9, 0.3, 0.1], limit=2)
    assert best[0].sentence.text.startswith("For the 3B model")
    assert best[0].sentence.text.endswith("Q8_0: 3.4 GB")
    assert text[best[0].sentence.start - 100:best[0].sentence.end - 100] == best[0].sentence.text
    # the introduction chosen first brings its items along
    intro = select_evidence(hits, sentences, [0.9, 0.2, 0.3, 0.3, 0.1], limit=1)
    assert intro[0].sentence.text.endswith("2.0 GB")


def test_a_sentence_that_only_states_the_questions_condition_hands_its_score_on() -> None:
    question = "What is the Nakamoto coefficient if ten pools each hold 10% of hash rate?"
    asked, condition = premise_words(question)
    assert asked == {"nakamoto", "coefficient"}
    assert {"ten", "pool", "10", "hash", "rate"} <= condition
    assert premise_words("Roughly when will the subsidy reach zero?")[1] == set()
    assert premise_words("When did China ban mining?")[1] == set()
    assert premise_words("If a block comes every 10 minutes, how much do headers take?")[1] == \
        {"block", "come", "every", "10", "minute"}
    text = ("# Example\n\nTwo pools hold 52%, so the Nakamoto coefficient of network one is 2. "
            "Network two: ten pools, each with exactly 10%. Five pools reach only half, so a "
            "sixth is needed. Pools publish their shares.\n")
    hits = [_hit(1, text)]
    sentences = split_sentences(hits)
    import numpy as np
    vectors = np.array([[1.0, 0.0]] * 4 + [[0.6, 0.8]])
    scores = score_sentences(question, vectors[0], sentences, vectors[1:], [1.0])
    best = max(range(len(sentences)), key=scores.__getitem__)
    assert sentences[best].text.startswith("Five pools reach only half")
    # without the condition the setup sentence is no premise and keeps its score
    plain = score_sentences("What is the Nakamoto coefficient of network two?", vectors[0],
                            sentences, vectors[1:], [1.0])
    assert plain[1] > scores[1] and plain[2] < scores[2]


def test_what_a_question_sets_aside() -> None:
    assert set_aside("Besides rising power prices, what else is squeezing US miners?") == \
        ("what else is squeezing US miners?", "rising power prices")
    assert set_aside("Apart from power, machines and staff, what smaller costs are there?") == \
        ("what smaller costs are there?", "power, machines and staff")
    assert set_aside("What other costs are there besides power?") == \
        ("What other costs are there?", "power")
    assert set_aside("What else drags hashprice down, aside from the halving?") == \
        ("What else drags hashprice down?", "the halving")
    # nothing set aside, or nothing left to ask
    assert set_aside("What share of hash rate is in the US?") == \
        ("What share of hash rate is in the US?", "")
    assert set_aside("Anything besides power?") == ("Anything besides power?", "")
    assert asked_words("Besides surplus hydro, what cheap power do miners seek?") == \
        {"cheap", "power", "miner", "seek"}


def test_an_item_stating_what_is_set_aside_hands_its_score_to_the_others() -> None:
    """"Besides rising power prices, …": the item on power prices matches best, but its
    fellow in the list answers (before it or after it); a sentence saying "other …" is
    favoured too."""
    text = ("# Squeeze\n\nThe reporting points to three pressures on operators:\n"
            "1. **Regulatory pressure.** Rules on emissions add cost and uncertainty.\n"
            "2. **Rising power prices.** Power is the largest running cost of miners.\n"
            "3. **Halvings.** Each halving cuts the subsidy.\n\n"
            "Revenue per unit of hash rate has not kept pace with costs.\n")
    hits = [_hit(1, text)]
    sentences = split_sentences(hits)
    assert [s.text[:12] for s in sentences] == ["The reportin", "1. **Regulat", "2. **Rising ",
                                                "3. **Halving", "Revenue per "]
    assert list_siblings(sentences, 2) == [1, 3] and list_siblings(sentences, 1) == [2, 3]
    question = "Besides rising power prices, what else is squeezing miners?"
    assert aside_items(set_aside(question)[1], sentences) == [2]
    # each part of an enumeration counts alone
    assert aside_items("halvings or regulatory pressure", sentences) == [1, 3]
    # an item states it in its title, not in passing ("Rules on emissions …")
    assert aside_items("emissions", sentences) == []
    import numpy as np
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.5, 0.87], [0.9, 0.44], [0.3, 0.95],
                        [0.2, 0.98]])
    scores = score_sentences(question, vectors[0], sentences, vectors[1:], [1.0])
    assert max(range(5), key=scores.__getitem__) in (1, 3)
    assert scores[1] > scores[2]  # the item before the one set aside answers too
    plain = score_sentences("What is squeezing miners?", vectors[0], sentences, vectors[1:],
                            [1.0])
    assert max(range(5), key=plain.__getitem__) == 2  # without the aside, the closest
    other = [_hit(1, "# Costs\n\nPower is the main cost of mining machines. Other items, such "
                     "as pool fees and insurance, are smaller.\n")]
    sentences = split_sentences(other)
    same = np.array([[1.0, 0.0], [0.8, 0.6], [0.8, 0.6]])
    aside = score_sentences("Apart from power, what costs do mining machines have?",
                            same[0], sentences, same[1:], [1.0])
    plain = score_sentences("What costs do mining machines have?", same[0], sentences,
                            same[1:], [1.0])
    assert aside[0] == pytest.approx(plain[0]) and aside[1] > plain[1]


def test_a_sentence_that_announces_a_list_states_it_with_the_next() -> None:
    hits = [_hit(1, "By 2022 the map showed a new picture:\n- The United States led with 35%.\n")]
    sentences = split_sentences(hits)
    assert statements(sentences) == [
        "By 2022 the map showed a new picture: - The United States led with 35%.",
        "- The United States led with 35%."]


def test_evidence_picks_the_answering_sentence_with_its_offsets() -> None:
    embedder = HashEmbedder(dimension=512)
    hits = [_hit(1, PARAGUAY), _hit(2, ETHIOPIA)]
    sentences = split_sentences(hits)
    assert all(not s.text.startswith("#") for s in sentences)
    question = "How much do miners pay per kWh in Paraguay?"
    vectors = embedder.embed([question] + [s.text for s in sentences])
    scores = score_sentences(question, vectors[0], sentences, vectors[1:], [1.0, 0.5])
    best = select_evidence(hits, sentences, scores, limit=2)[0]
    assert best.sentence.text == "Miners pay about 4 cents per kWh there."
    assert best.sentence.source == 1
    assert PARAGUAY[best.sentence.start - 100:best.sentence.end - 100] == best.sentence.text


def test_grounding_flags_unsupported_sentences_wrong_figures_and_wrong_citations() -> None:
    embedder = HashEmbedder(dimension=512)
    hits = [_hit(1, PARAGUAY), _hit(2, ETHIOPIA)]
    sentences = split_sentences(hits)
    answer = ("Paraguay sells surplus hydropower from the Itaipu dam [1]. "
              "Miners pay about 9 cents per kWh there [1]. "
              "Ethiopia's state utility signed power deals with miners [1]. "
              "Quantum computers will replace every mining rig by next spring.")
    claims = split_claims(answer)
    checks = check_claims(claims, embedder.embed([c.text for c in claims]),
                          [h.text for h in hits], sentences,
                          embedder.embed([s.text for s in sentences]))
    verdicts = [(c.supported_by[:1], c.reason) for c in checks]
    assert verdicts[0] == ((1,), None)
    assert verdicts[1][1] == "the figure 9 cents is not in the sources"
    assert verdicts[2][0] == (2,)
    assert verdicts[2][1].startswith("cites [1], which does not support it")
    assert verdicts[3] == ((), "not supported by the sources")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "paraguay.md").write_text(PARAGUAY, encoding="utf-8")
    (folder / "ethiopia.md").write_text(ETHIOPIA, encoding="utf-8")
    return folder


NotesService = Callable[..., AssistantService]


@pytest.fixture
def notes_service(make_service: MakeService, library: Path) -> NotesService:
    """``notes_service(engine, data_dir=None)``: a service over the notes (in a new data dir
    or, again, in ``data_dir``) that answers with the given fake engine."""

    def make(engine: FakeEngine, data_dir: Path | None = None) -> AssistantService:
        service = make_service(data_dir, embedder=HashEmbedder(dimension=512), engine=engine)
        service.ingest([library], collection="Notes")
        return service

    return make


def test_the_answer_leads_with_the_evidence_and_shows_only_verified_model_sentences(
        notes_service: NotesService) -> None:
    engine = FakeEngine([["Paraguay sells surplus hydropower", " from the Itaipu dam [1]. ",
                          "The engineers who designed the dam were: [1]. ",
                          "The answer is: miners pay about 4 cents per kWh there [2]. ",
                          "The dam stands on the moon near Jupiter. ",
                          "The dam sells power to the dam sells power to miners."]])
    with notes_service(engine) as service:
        events = list(service.ask("Where does Paraguay's hydropower come from?",
                                  options=replace(OPTIONS, k=2)))
    assert isinstance(events[0], Retrieved)
    tokens = [e.text for e in events if isinstance(e, Token)]
    # The lead first, at once: the evidence sentence that answers, cited. Then, once each was
    # finished and checked, the model's sentences that add something the sources support
    # (re-cited to the source that does), without a preamble ("The answer is:"); its first
    # merely repeated the lead, and one that breaks off says nothing.
    assert tokens == [LEAD, " Miners pay about 4 cents per kWh there [1]."]
    answer = events[-1].answer  # type: ignore[union-attr]
    assert isinstance(events[-1], Finished)
    assert answer.text == "".join(tokens)
    assert not answer.abstained
    assert [(c.claim.text, c.reason) for c in answer.unsupported] == [
        ("The engineers who designed the dam were:", "it breaks off before saying anything"),
        ("The dam stands on the moon near Jupiter.", "not supported by the sources"),
        ("The dam sells power to the dam sells power to miners.", "it repeats itself")]
    assert answer.sources[0].path.endswith("paraguay.md")
    assert "Itaipu" in engine.prompts[0][-1].content
    payload = answer.to_json()
    assert payload["unsupported"][1]["text"] == "The dam stands on the moon near Jupiter."
    assert set(payload) >= {"question", "answer", "abstained", "evidence", "sources",
                            "unsupported", "model", "timings"}
    assert set(payload["sources"][0]) >= {"n", "title", "path", "page", "heading", "start",
                                          "end", "score", "text"}
    assert set(payload["timings"]) >= {"retrieval_ms", "ttft_ms", "total_ms", "prompt_tokens",
                                       "completion_tokens", "decode_tokens_per_s"}


def test_the_answer_stays_concise_and_the_model_stops_once_it_is_full(
        notes_service: NotesService) -> None:
    said = ["Ethiopia's state utility signed power deals with miners [2]. ",
            "The Grand Renaissance Dam supplies the electricity [2]. ",
            "The grid is mostly renewable in Paraguay [1]. ",
            "Tariffs are low in Ethiopia [2]. "] * 3
    engine = FakeEngine([said])
    with notes_service(engine) as service:
        *_, finished = service.ask("Where does Paraguay's hydropower come from?",
                                   options=OPTIONS)
    answer = finished.answer  # type: ignore[union-attr]
    assert len(split_claims(answer.text)) == 3 and len(answer.text.split()) <= 70
    assert answer.stop_reason == "stop" and answer.timings.completion_tokens < len(said)


def test_nothing_relevant_means_abstain_without_generating(notes_service: NotesService) -> None:
    engine = FakeEngine([["should never be said"]])
    with notes_service(engine) as service:
        events = list(service.ask("Which painter decorated a chapel ceiling in Rome?",
                                  options=OPTIONS))
    answer = events[-1].answer  # type: ignore[union-attr]
    assert answer.abstained and "don't cover" in answer.text
    assert engine.prompts == [] and answer.sources == []
    assert not any(isinstance(e, Token) for e in events)


def test_a_passage_that_answers_a_neighbouring_question_is_not_an_answer(
        notes_service: NotesService) -> None:
    """The Paraguay note answers what miners pay there, not what they paid in a year it never
    mentions: the pipeline declines before the model is asked, and says why."""
    engine = FakeEngine([["Miners pay about 4 cents per kWh [1]."]])
    with notes_service(engine) as service:
        *_, declined = service.ask("How much did miners pay per kWh in Paraguay in 2019?",
                                   options=OPTIONS)
        *_, answered = service.ask("How much do miners pay per kWh in Paraguay?",
                                   options=OPTIONS)
    answer = declined.answer  # type: ignore[union-attr]
    assert answer.abstained and "never mention “2019”" in answer.text
    assert len(engine.prompts) <= 1 and answer.sources == []
    answer = answered.answer  # type: ignore[union-attr]
    assert not answer.abstained and "4 cents per kWh" in answer.text


def test_evidence_about_the_question_s_subject_answers_it(notes_service: NotesService) -> None:
    """The sentence that matches best is Ethiopia's dam; the question is about Paraguay, so
    the Paraguay note's sentence answers. A sentence with no amount does not answer "what
    share": the pipeline declines."""
    engine = FakeEngine([["The dam [1]."]])
    with notes_service(engine) as service:
        *_, about = service.ask("What dam supplies the electricity for Paraguay's miners?",
                                options=OPTIONS)
        *_, share = service.ask("What share of Paraguay's grid is renewable?", options=OPTIONS)
    answer = about.answer  # type: ignore[union-attr]
    assert not answer.abstained and answer.text.startswith("Paraguay sells surplus hydropower")
    assert answer.evidence[0].title == "Paraguay"
    answer = share.answer  # type: ignore[union-attr]
    assert answer.abstained and "state no amount" in answer.text


def test_a_conversation_is_stored_and_a_follow_up_is_resolved(
        notes_service: NotesService, make_service: MakeService) -> None:
    engine = FakeEngine([["Itaipu", " hydropower [1]."], ["The Grand Renaissance Dam [1]."]])
    with notes_service(engine) as service:
        conversation = service.new_conversation("Hydropower")
        list(service.ask("Where does Paraguay's hydropower for miners come from?",
                         conversation_id=conversation.id, options=OPTIONS))
        events = list(service.ask("and what about Ethiopia?", conversation_id=conversation.id,
                                  options=OPTIONS))
        asked, first = events[0], events[1]
        assert isinstance(asked, Asked) and asked.conversation_id == conversation.id
        assert isinstance(first, Retrieved)
        assert first.query.startswith("Where does Paraguay's hydropower")
        assert any(hit.path.endswith("ethiopia.md") for hit in first.sources)
        second = events[-1].answer  # type: ignore[union-attr]
        # The second prompt carries the first turn exactly as it was sent, and the first
        # answer as it was shown (its lead; "Itaipu hydropower." states too little to show).
        assert engine.prompts[1][1].content == engine.prompts[0][1].content
        assert engine.prompts[1][2].content == LEAD
    with make_service(service.data_dir, embedder=HashEmbedder(dimension=512)) as reopened:
        turns = reopened.conversation_turns(conversation.id)
        assert [t.answer for t in turns] == [LEAD, second.text]
        assert "Ethiopia" in second.text or "Grand Renaissance" in second.text
        assert turns[1].details["sources"]


def test_cancel_stops_the_answer_and_keeps_what_was_said(notes_service: NotesService) -> None:
    engine = FakeEngine([["Paraguay", " sells", " hydropower", " from", " Itaipu."]])
    cancel = threading.Event()
    with notes_service(engine) as service:
        texts = []
        for event in service.ask("Where does Paraguay's hydropower come from?",
                                 options=OPTIONS, cancel=cancel):
            if isinstance(event, Token):
                texts.append(event.text)
                cancel.set()
            if isinstance(event, Finished):
                answer = event.answer
    assert texts == [LEAD]  # the lead; the model stopped before its first piece
    assert answer.stop_reason == "cancelled" and answer.text == texts[0]
    assert answer.timings.completion_tokens == 0


def test_bad_requests_are_clear_errors(notes_service: NotesService,
                                      make_service: MakeService) -> None:
    with notes_service(FakeEngine()) as service:
        with pytest.raises(AssistantError, match="empty"):
            service.ask("  ")
        with pytest.raises(AssistantError, match="no collection named 'Nope'"):
            service.ask("x", options=AskOptions(collections=("Nope",)))
        with pytest.raises(AssistantError, match="no conversation 99"):
            service.ask("x", conversation_id=99)
    with make_service(embedder=HashEmbedder(dimension=512)) as bare:
        with pytest.raises(AssistantError, match="no language model"):
            bare.ask("x")


def test_a_looping_small_model_is_stopped_and_trimmed(notes_service: NotesService) -> None:
    loop = ["Paraguay sells surplus hydropower [1]."] + [f" [{n}]" for n in range(2, 40)]
    engine = FakeEngine([loop, ["Itaipu is big. "] * 30])
    with notes_service(engine) as service:
        *_, finished = service.ask("Where does Paraguay's hydropower come from?",
                                   options=OPTIONS)
        assert finished.answer.stop_reason == "repetition"  # type: ignore[union-attr]
        assert finished.answer.text == LEAD  # type: ignore[union-attr]
        assert finished.answer.timings.completion_tokens == 5  # type: ignore[union-attr]
        *_, finished = service.ask("Where does Paraguay's hydropower come from?",
                                   options=OPTIONS)
        assert finished.answer.stop_reason == "repetition"  # type: ignore[union-attr]
        assert finished.answer.timings.completion_tokens < 12  # type: ignore[union-attr]


def test_conversations_list_search_rename_export_delete(notes_service: NotesService) -> None:
    invented = "The dam stands on the moon near Jupiter."
    engine = FakeEngine([["Paraguay sells surplus hydropower", " from the Itaipu dam [1]. ",
                          f"{invented[:-1]} [2]."], ["The Grand Renaissance Dam [1]."]])
    with notes_service(engine) as service:
        first = service.new_conversation("Paraguay power")
        list(service.ask("Where does Paraguay's hydropower come from?", options=OPTIONS,
                         conversation_id=first.id))
        second = service.new_conversation("Ethiopia")
        list(service.ask("Which dam supplies Ethiopia's miners?", options=OPTIONS,
                         conversation_id=second.id))
        assert [c.id for c in service.list_conversations()] == [second.id, first.id]
        assert [c.id for c in service.list_conversations("itaipu")] == [first.id]
        service.rename_conversation(first.id, "Hydropower in Paraguay")
        with pytest.raises(AssistantError, match="needs a title"):
            service.rename_conversation(first.id, "  ")
        (restored,) = service.conversation_answers(first.id)
        assert restored.text.startswith("Paraguay sells surplus hydropower")
        assert restored.sources[0].path.endswith("paraguay.md")
        assert restored.unsupported and restored.unsupported[0].claim.text == invented
        markdown = service.export_conversation(first.id)
        assert markdown.startswith("# Hydropower in Paraguay\n")
        assert "## Where does Paraguay's hydropower come from?" in markdown
        aside = "**The model also wrote (not supported by the sources):**"
        assert f"{aside}\n\n- {invented}" in markdown
        assert "paraguay.md" in markdown and "**Evidence:**" in markdown
        service.delete_conversation(first.id)
        assert [c.id for c in service.list_conversations()] == [second.id]
        with pytest.raises(AssistantError, match="no conversation"):
            service.delete_conversation(first.id)


def test_an_answer_cut_short_is_kept_and_the_conversation_goes_on(
        notes_service: NotesService) -> None:
    engine = FakeEngine([["Itaipu", " hydropower", " [1]."], ["The Grand Renaissance Dam [1]."]])
    with notes_service(engine) as service:
        conversation = service.new_conversation("Hydropower")
        events = service.ask("Where does Paraguay's hydropower for miners come from?",
                             conversation_id=conversation.id, options=OPTIONS)
        for event in events:  # the process "dies" once the lead is shown
            if isinstance(event, Token):
                break
        events.close()  # (a killed process would not even get here: see test_chat_durability)
        turn = service.conversation_turns(conversation.id)[0]
        assert turn.answer == LEAD and turn.details["sources"]
        # A question stored during start-up and never answered (no prompt, no query yet).
        unanswered = service.start_turn("and the dams?", conversation.id)
        service.abandon_turn(unanswered.turn_id)
    with notes_service(engine, service.data_dir) as reopened:  # a restart
        answers = reopened.conversation_answers(conversation.id)
        assert [(a.text, a.stop_reason) for a in answers] == [
            (LEAD, "interrupted"), ("", "interrupted")]
        assert answers[0].sources  # its citations still lead somewhere
        events = list(reopened.ask("and what about Ethiopia?", conversation_id=conversation.id,
                                   options=OPTIONS))
        retrieved = next(e for e in events if isinstance(e, Retrieved))
        assert retrieved.query.startswith("Where does Paraguay's hydropower")
        assert engine.prompts[-1][2].content == LEAD  # shown text is history
        assert len(reopened.conversation_turns(conversation.id)) == 3


def test_a_question_dropped_before_it_was_shown_leaves_no_trace(
        notes_service: NotesService) -> None:
    with notes_service(FakeEngine()) as service:
        asked = service.start_turn("What is hashprice?")
        assert service.conversation_turns(asked.conversation_id)
        service.abandon_turn(asked.turn_id, shown=False)
        assert service.list_conversations() == []


class CrashingEngine(FakeEngine):
    """A fake whose engine process "dies" after ``pieces`` pieces of its next answer, or while
    counting tokens, as :class:`ProcessEngine` reports it."""

    def __init__(self, replies: list[list[str]], *, pieces: int | None = None,
                 in_count: bool = False) -> None:
        super().__init__(replies)
        self.pieces, self.in_count = pieces, in_count

    def count_tokens(self, messages: list) -> int:
        if self.in_count:
            self.in_count = False
            raise EngineCrashed("the model engine crashed (signal 11, SIGSEGV); it has been "
                                "restarted")
        return super().count_tokens(messages)

    def stream(self, messages: list, params, cancel=None):  # type: ignore[no-untyped-def]
        stream = super().stream(messages, params, cancel)
        if self.pieces is None:
            return stream
        limit, self.pieces = self.pieces, None
        inner = iter(stream)

        def dying():  # type: ignore[no-untyped-def]
            for _ in range(limit):
                yield next(inner)
            raise EngineCrashed("the model engine crashed (signal 11, SIGSEGV); it has been "
                                "restarted")

        return TokenStream(dying(), stream.stats)


def test_an_engine_crash_keeps_the_text_shown_and_says_why(notes_service: NotesService) -> None:
    engine = CrashingEngine([["Itaipu", " hydropower", " [1] feeds"], ["Tariffs are low [2]."]],
                            pieces=2)
    with notes_service(engine) as service:
        conversation = service.new_conversation("Hydropower")
        events = list(service.ask("Where does Paraguay's hydropower for miners come from?",
                                  conversation_id=conversation.id, options=OPTIONS))
        answer = events[-1].answer  # type: ignore[union-attr]
        assert isinstance(events[-1], Finished)
        assert (answer.text, answer.stop_reason) == (LEAD, "interrupted")
        assert "signal 11" in answer.interruption
        assert answer.to_json()["interruption"] == answer.interruption
        # The next question is answered; the crashed turn stays in the conversation as shown.
        after = list(service.ask("and Ethiopia's tariffs?", conversation_id=conversation.id,
                                 options=OPTIONS))[-1].answer  # type: ignore[union-attr]
        assert after.text and not after.interruption
    with notes_service(engine, service.data_dir) as reopened:
        stored = reopened.conversation_answers(conversation.id)
        assert [(a.text, a.stop_reason, bool(a.interruption)) for a in stored] == [
            (LEAD, "interrupted", True), (after.text, "stop", False)]


def test_an_engine_crash_before_any_text_is_an_error_and_the_turn_says_why(
        notes_service: NotesService) -> None:
    engine = CrashingEngine([["Tariffs are low [2]."]], in_count=True)
    with notes_service(engine) as service:
        conversation = service.new_conversation("Hydropower")
        with pytest.raises(EngineCrashed):
            list(service.ask("What does Ethiopia charge miners?",
                             conversation_id=conversation.id, options=OPTIONS))
        stored = service.conversation_answers(conversation.id)[0]
        assert stored.stop_reason == "interrupted" and "signal 11" in stored.interruption
        assert list(service.ask("What does Ethiopia charge miners?",
                                options=OPTIONS))[-1].answer.text  # type: ignore[union-attr]


class PrimingEngine(FakeEngine):
    """A :class:`FakeEngine` that records what it is asked to prime (or fails to)."""

    def __init__(self, replies: list[list[str]], fail: bool = False) -> None:
        super().__init__(replies)
        self.primed: list[list] = []
        self.fail = fail

    def prime_conversation(self, messages: list) -> int:
        if self.fail:
            raise EngineCrashed("the model engine crashed (signal 11)")
        self.primed.append(list(messages))
        return self.count_tokens(messages)


def test_after_an_answer_in_a_conversation_the_next_prompt_opening_is_primed(
        notes_service: NotesService) -> None:
    engine = PrimingEngine([["Itaipu [1]."], ["Itaipu", " hydropower [1]."],
                            ["The Grand Renaissance Dam [1]."]])
    with notes_service(engine) as service:
        list(service.ask("Where does Paraguay's hydropower come from?", options=OPTIONS))
        service.wait_until_primed()
        assert engine.primed == []  # no conversation: no follow-up to prepare for
        conversation = service.new_conversation("Hydropower")
        list(service.ask("Where does Paraguay's hydropower for miners come from?",
                         conversation_id=conversation.id, options=OPTIONS))
        service.wait_until_primed()
        list(service.ask("and what about Ethiopia?", conversation_id=conversation.id,
                         options=OPTIONS))
    # What was primed is exactly the start of the follow-up's prompt: the system message, the
    # first turn as sent, and the answer as shown (not the model's raw words).
    assert len(engine.primed) == 2
    follow_up = engine.prompts[-1]
    assert [(m.role, m.content) for m in engine.primed[0]] == \
        [(m.role, m.content) for m in follow_up[:3]]
    assert engine.primed[0][2].content == LEAD
    assert [m.role for m in engine.primed[1]] == ["system", "user", "assistant", "user",
                                                  "assistant"]


def test_a_failed_priming_loses_nothing(notes_service: NotesService) -> None:
    engine = PrimingEngine([["Itaipu", " hydropower [1]."], ["The Grand Renaissance Dam [1]."]],
                           fail=True)
    with notes_service(engine) as service:
        conversation = service.new_conversation("Hydropower")
        first = list(service.ask("Where does Paraguay's hydropower for miners come from?",
                                 conversation_id=conversation.id, options=OPTIONS))
        service.wait_until_primed()
        second = list(service.ask("and what about Ethiopia?", conversation_id=conversation.id,
                                  options=OPTIONS))
        assert isinstance(first[-1], Finished) and isinstance(second[-1], Finished)
        assert len(service.conversation_turns(conversation.id)) == 2
