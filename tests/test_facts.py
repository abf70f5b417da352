"""The checkable facts of a sentence: figures, names, polarity and parallel clauses."""

from __future__ import annotations

import pytest

from assistant.text.conflicts import clauses, conflict, topic_names
from assistant.text.facts import figures, mentions_name, names, negated, word_figures

COSTS = ("At 800 EH/s and 20 J/TH the energy cost per bitcoin is about $42,700 at "
         "$0.05/kWh and $68,000 at $0.08/kWh.")
TARIFFS = "In 2023, Paraguay charged miners 3 cents per kWh, while Ethiopia charged 5 cents."
SURPLUS = "Paraguay has a large, renewable, relatively cheap supply with a domestic surplus."


def test_figures_read_money_shares_scales_and_years() -> None:
    found = figures("Fees were 6.5% of $1.2 billion in 2024; power cost 5 cents or $0.05.")
    assert [(f.value, f.kind) for f in found] == [
        (6.5, "%"), (1.2e9, "$"), (2024.0, "year"), (0.05, "$"), (0.05, "$")]
    assert found[3].matches(found[4])  # "5 cents" is "$0.05"
    about = figures("about 853,000 kWh")[0]
    assert about.matches(figures("852,800 kWh")[0])  # rounded as stated
    assert not about.matches(figures("843,000 kWh")[0])
    assert figures("2,016 blocks")[0].kind == "block"
    assert figures("4-bit")[0].kind == figures("at 4 bits")[0].kind == "bit"
    assert not figures("$100 billion")[0].matches(figures("$120 billion")[0])  # not rounding
    assert figures("50%")[0].matches(word_figures("about half")[0])


def test_names_skip_common_openers_and_units_and_read_abbreviations() -> None:
    common = frozenset({"miners", "the"})
    assert names("Miners in the United States pay more than Galaxy Digital said.",
                 common) == ["United States", "Galaxy Digital"]
    assert names("Paraguay sells power at 20 J/TH and 16 GW.", common) == ["Paraguay"]
    assert mentions_name("the US grid", "United States")
    assert mentions_name("in the United States", "US")
    assert mentions_name("as Nakamoto, Satoshi wrote", "Satoshi Nakamoto")
    assert not mentions_name("the original Stratum protocol", "Stratum V2")
    assert mentions_name("miners buy ASIC machines", "ASICs")
    assert names("In April 2024 the subsidy fell.", common) == []
    assert not mentions_name("in Paraguay", "United States")


def test_negation_and_parallel_clauses() -> None:
    assert negated("Miners no longer pay less") and negated("it isn't cheap")
    assert not negated("Miners pay less")
    assert clauses(TARIFFS) == ["In 2023, Paraguay charged miners 3 cents per kWh",
                                "Ethiopia charged 5 cents."]
    assert len(clauses("At 800 EH/s the network draws 16 GW.")) == 1


@pytest.mark.parametrize(("claim", "expected"), [
    ("At 8 cents per kWh a bitcoin costs about $68,000 in energy.", None),
    ("The energy cost per bitcoin is $42,700 at 8 cents per kWh.", "goes with"),
    ("A bitcoin costs $68,000 in energy at 5 cents a kilowatt-hour.", "goes with"),
    ("A bitcoin costs $51,000 in energy.", "the figure $51,000 is not in the sources"),
])
def test_a_figure_keeps_its_qualifier(claim: str, expected: str | None) -> None:
    reason = conflict(claim, COSTS, COSTS)
    assert reason is None if expected is None else expected in (reason or "")


def test_the_question_lends_its_qualifier() -> None:
    claim = "A bitcoin costs about $42,700 in energy."
    assert conflict(claim, COSTS, COSTS, implied=tuple(figures("at 5 cents per kWh"))) is None
    assert "goes with" in (conflict(claim, COSTS, COSTS,
                                           implied=tuple(figures("at 8 cents?"))) or "")


def test_swapped_names_and_flipped_polarity_conflict() -> None:
    assert conflict("Paraguay has a large renewable supply with a surplus.", SURPLUS,
                    SURPLUS) is None
    assert "United States" in (conflict("The United States has a large, renewable, cheap "
                                        "supply with a surplus.", SURPLUS, SURPLUS) or "")
    assert conflict("Paraguay does not have a large renewable supply.", SURPLUS,
                    SURPLUS) == "the source says the opposite"
    assert "Ethiopia" in (conflict("Ethiopia charged 3 cents per kWh.", TARIFFS, TARIFFS) or "")
    assert conflict("Ethiopia charged 5 cents per kWh in 2023.", TARIFFS, TARIFFS) is None


def test_a_name_may_come_from_the_sentence_before_when_the_sentence_refers_back() -> None:
    window = "Paraguay built the Itaipu dam. The country has a large surplus of power."
    sentence = "The country has a large surplus of power."
    assert conflict("Paraguay has a large surplus of power.", sentence, window) is None
    assert conflict("Ethiopia has a large surplus of power.", sentence, window) is not None


def test_a_figure_is_said_of_the_name_the_source_gives_it_to() -> None:
    source = ("The mining map estimated that China held roughly three-quarters of hash rate "
              "in 2019, and that after the ban the United States became the largest.")
    assert conflict("The mining map estimated that China held roughly three-quarters of hash "
                    "rate in 2019.", source, source) is None
    assert "said of “China”" in (conflict("The mining map estimated that the United States "
                                          "held roughly three-quarters of hash rate in 2019.",
                                          source, source) or "")


def test_a_figure_from_the_next_sentence_cannot_replace_this_ones() -> None:
    sentence = "At 800 EH/s and 20 J/TH, the network would draw about 16 GW."
    window = sentence + " Over a year that is roughly 140 TWh, or about 140 GW-years."
    assert conflict("At 800 EH/s and 20 J/TH the network draws about 16 GW.", sentence,
                    window) is None
    assert "gives 16 here" in (conflict("At 800 EH/s and 20 J/TH the network draws about 140 GW.",
                                sentence, window) or "")


def test_what_every_source_is_about_may_be_named_unless_someone_else_is() -> None:
    passages = ["Bitcoin mining began on CPUs.", "Bitcoin pools grew.", "Bitcoin uses power."]
    claim = "In Bitcoin's early years anyone could mine on a home CPU."
    topics = topic_names(claim, passages)
    assert topics == {"Bitcoin"}
    sentence = "Anyone could mine on a home computer's CPU, and soon after on GPUs."
    assert conflict(claim, sentence, sentence, topics=topics) is None
    assert conflict(claim, sentence, sentence) is not None  # not a topic: must be named
    swapped = "Anyone in Paraguay could mine on a home computer's CPU."
    assert conflict(claim, swapped, swapped, topics=topics) is not None


def test_a_sentence_that_refers_back_takes_its_figures_with_their_names() -> None:
    before = ("After the ban, the index ranked the United States first with 35–38%, followed "
              "by Kazakhstan and Russia.")
    sentence = "That implies a country-level coefficient of 1."
    window = f"{before} {sentence}"
    true = ("After the ban, the index ranked the United States first with 35–38%, followed by "
            "Kazakhstan and Russia.")
    swapped = ("After the ban, the index ranked Russia first with 35–38%, followed by "
               "Kazakhstan and the United States.")
    assert conflict(true, sentence, window) is None
    assert "said of “United States”" in (conflict(swapped, sentence, window) or "")
    # a year alone does not place the figures in a sentence that names its own subject
    china = "China's 2021 ban pushed most of that capacity abroad."
    claim = "After China's 2021 ban the index ranked Russia first with 35–38%."
    topics = frozenset({"China", "Russia"})
    assert "figure 35 is not in this passage" in (
        conflict(claim, china, f"{before} {china}", topics=topics) or "")


def test_a_sentence_without_names_may_leave_the_topic_implicit() -> None:
    passages = ["Bitcoin nodes check blocks.", "Bitcoin pools grew.", "Bitcoin uses power."]
    claim = "These days people take part in Bitcoin mainly by running full nodes."
    topics = topic_names(claim, passages)
    sentence = "These days people contribute mainly by running full nodes."
    assert conflict(claim, sentence, sentence, topics=topics) is None
    assert conflict(claim, sentence, sentence) is not None
