"""The claim check's finer rules: polarity by what a negation applies to, units and ordinals
that keep figures apart, versioned names, openers that name no one, table rows, and the
sentence a claim restates deciding over looser ones."""

from __future__ import annotations

import pytest

from assistant.answers.evidence import split_sentences
from assistant.answers.grounding import Claim, check_claims
from assistant.library.documents import Hit
from assistant.text.conflicts import conflict, contradicts, opposite
from assistant.text.facts import figures, names, proper_words, word_figures
from tests.fakes import HashEmbedder

CAP = "The 21 million cap is not a separate rule bolted on; it follows from the halving schedule."
NODES = ("Full nodes reject blocks that break the rules, so miners cannot, for example, create "
         "extra coins or spend other people's funds.")
CPU = ("On a CPU, the arithmetic is usually not the bottleneck; the limiting factor is memory "
       "bandwidth, meaning how many bytes per second reach the processor.")
COST = ("Studies cited estimates that the all-in cost of a single bitcoin now exceeds "
        "$100,000, a level the market does not sustainably support.")


@pytest.mark.parametrize(("claim", "sentence", "flipped"), [
    ("The 21 million BTC cap is a separate rule bolted on, not a consequence of halvings.",
     CAP, True),
    ("The 21 million cap follows from the halving schedule rather than a separate rule.",
     CAP, False),
    ("Full nodes reject rule-breaking blocks, so miners cannot create extra coins.", NODES,
     False),
    ("Full nodes reject rule-breaking blocks, so miners can create extra coins.", NODES, True),
    ("On a CPU, memory bandwidth is not the limiting factor for generation.", CPU, True),
    # a "not" in a part the claim does not restate, or in an aside, does not count
    ("Studies cited estimates that the all-in cost of a bitcoin tops $100,000.", COST, False),
    ("Efficiency pulls new hash rate onto the network.",
     "Efficiency tends to pull new hash rate onto the network (an observation, not a "
     "forecast).", False),
    ("The rule is tied to block height rather than the calendar.",
     "The rule is tied to block height, not to the calendar.", False),
])
def test_polarity_is_judged_on_what_the_negation_applies_to(
        claim: str, sentence: str, flipped: bool) -> None:
    assert opposite(claim, sentence) is flipped


def test_units_ordinals_and_years_keep_figures_apart() -> None:
    gigawatts, terawatt_hours = figures("16 GW"), figures("16 TWh")
    assert not gigawatts[0].matches(terawatt_hours[0])
    assert figures("20 watts")[0].kind == figures("20 W")[0].kind == "w"
    assert figures("140 terawatt-hours")[0].matches(figures("140 TWh")[0])
    assert not figures("20 J/TH")[0].matches(figures("20 watts")[0])
    third = word_figures("the third halving")[0]
    assert not third.matches(figures("3.125 BTC")[0])
    assert third.matches(word_figures("the third one")[0])
    assert not figures("in 2016")[0].matches(figures("in 2020")[0])  # no rounding of years
    assert word_figures("one trillion hashes")[0].value == 1e12
    assert not word_figures("one billion")[0].matches(word_figures("one trillion")[0])


def test_a_figure_from_another_unit_or_case_is_flagged() -> None:
    sentence = "Over the year that is roughly 140 TWh, while the draw is 16 GW."
    assert "not" in (conflict("The network would use roughly 16 TWh a year.", sentence,
                               sentence) or "")
    watts = "A machine rated at 20 J/TH draws 20 watts for each TH/s it delivers."
    assert "200" in (conflict("A machine rated at 20 J/TH draws 200 watts for each TH/s.",
                              watts, f"A 200 TH/s machine. {watts}") or "")
    table = ("| Height | Date | Subsidy |\n|---|---|---|\n| 630,000 | May 2020 | 6.25 BTC |\n"
             "| 840,000 | April 2024 | 3.125 BTC |")
    assert conflict("The subsidy has been 3.125 BTC since block 840,000.", table, table) is None
    assert "goes with" in (conflict("The subsidy has been 3.125 BTC since block 630,000.",
                                    table, table) or "")
    # another count of the same thing contradicts; a figure merely absent does not decide
    forces = "Reporting in 2026 highlighted three main forces."
    reason = conflict("Reporting in 2026 highlighted four main forces.", forces, forces) or ""
    assert reason == "the source gives three here, not four" and contradicts(reason)
    reason = conflict("Reporting in 2026 named four industries.", forces, forces) or ""
    assert reason.startswith("the figure four") and not contradicts(reason)


def test_a_sentence_that_refers_back_is_held_to_the_sentences_around_it() -> None:
    before = "At an assumed 800 EH/s and 20 J/TH, the network would draw 16 GW."
    sentence = "Running continuously for a year, that is roughly 140 TWh."
    window = f"{before} {sentence} At 15 J/TH the energy per coin falls by a quarter."
    assert conflict("At 800 EH/s and 20 J/TH the network would draw 16 GW.", sentence,
                    window) is None
    assert "gives 20 here" in (conflict("At 800 EH/s and 15 J/TH the network would draw 16 GW.",
                                  sentence, window) or "")


def test_a_versioned_name_is_not_the_name_without_its_version() -> None:
    newer = "Stratum V2, a newer protocol, lets individual miners build their own templates."
    claim = "The original Stratum protocol lets individual miners build their own templates."
    assert "Stratum V2" in (conflict(claim, newer, newer) or "")
    assert conflict("Stratum V2 lets individual miners build their own templates.", newer,
                    newer) is None
    assert conflict("Bitcoin reached block 840,000 in 2024.",
                    "Bitcoin 840,000 was reached in 2024.", "") is None


def test_openers_of_sentences_and_list_items_name_no_one() -> None:
    passages = ["In the US, Paraguay and Bitcoin are named inside sentences.",
                "- **External pressure.** A regulator only needs to lean on a few pools."]
    proper = proper_words(passages)
    assert names("- **External pressure.** A regulator leans on pools.", proper=proper) == []
    assert names("Readers should treat the figure as a forecast.", proper=proper) == []
    assert names("Paraguay sells power, as llama.cpp runs models.", proper=proper) == [
        "Paraguay", "llama.cpp"]
    claim = "A regulator only has to lean on a few pools to affect most Bitcoin blocks."
    item = passages[1]
    passage = f"Bitcoin blocks come from pools. {item}"
    assert conflict(claim, item, item, proper=proper, passage=passage) is None
    assert conflict(claim, item, item, proper=proper) is not None  # Bitcoin is named nowhere


def test_only_a_contradiction_of_the_closest_sentence_decides() -> None:
    assert contradicts("the source gives 20 watts here, not 200 watts")
    assert contradicts("the source says this of “China”, not “Russia”")
    assert not contradicts("the figure 300% is not in this passage")


def _hit(number: int, text: str) -> Hit:
    return Hit(chunk_id=number, doc_id=number, score=1.0, title=f"Doc {number}",
               path=f"/docs/{number}.md", collection="c", page=None, heading=None,
               start=0, end=len(text), text=text)


def test_the_sentence_a_claim_restates_outweighs_a_looser_one_that_agrees() -> None:
    embedder = HashEmbedder(dimension=512)
    memory = ("A 7-billion-parameter model needs about 14 GB at 16-bit but roughly 4 GB at "
              "4-bit. Quantization stores a model's weights with fewer bits to shrink its "
              "memory needs.")
    hits = [_hit(1, memory)]
    sentences = split_sentences(hits)
    claims = [Claim("A 7-billion-parameter model needs about 14 GB of memory at 4-bit.", ()),
              Claim("A 7-billion-parameter model needs about 14 GB at 16-bit.", ())]
    checks = check_claims(claims, embedder.embed([c.text for c in claims]), [memory],
                          sentences, embedder.embed([s.text for s in sentences]),
                          threshold=0.3)
    assert checks[0].supported_by == () and "goes with" in (checks[0].reason or "")
    assert checks[1].supported_by == (1,)
