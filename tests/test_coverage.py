"""Whether the best evidence answers the question asked, not a neighbouring one (pure)."""

from __future__ import annotations

from assistant.answers.coverage import (
    mentioned,
    missing,
    new_names,
    on_subject,
    pinned,
    references_last,
    states_quantity,
    unanswered,
)

ETHIOPIA = ("Ethiopian Electric Power sells part of its hydroelectric output to crypto miners. "
            "Until November 2025 it charged them a flat 3.14 US cents per kWh. Paraguay's "
            "utility is mentioned only in passing.")


def test_what_a_question_pins_down() -> None:
    assert pinned("What rate does Kazakhstan charge bitcoin miners in 2024?") == \
        ["Kazakhstan", "2024"]
    # model names and numbers, but not sizes, units, two capitals or a month's year
    assert pinned("How fast is Qwen2.5 7B on the Ryzen 7840U in April 2024?") == \
        ["Qwen2", "Ryzen", "Qwen2.5", "7840U", "2024"]
    assert pinned("What is the boiling point of Novec 7100 on a US grid?") == \
        ["Novec", "Novec 7100"]
    assert pinned("How much memory do a 135M-parameter model's weights need at 4 bits?") == []
    # a run of capitalised words is one name; a possessive ends it
    assert pinned("Why are Bitcoin miners leaving the United States?") == \
        ["Bitcoin", "United States"]
    assert pinned("What did MintGreen's North Vancouver project save?") == \
        ["MintGreen", "North Vancouver"]
    assert pinned("With 10% of the hash power, a 4-bit 7B model and 16GB?") == []
    # ordinals and months are no names
    assert pinned("How many BTC were issued over the 2nd subsidy era?") == []
    assert pinned("What did EEP charge before the Dec 2025 TOU tariff?") == \
        ["EEP", "TOU", "2025"]


def test_a_term_is_mentioned_in_any_form() -> None:
    assert mentioned("Itaipu", "the Itaipú dam")  # accents
    assert mentioned("Resource", "ERCOT Load Resources")  # a plural
    assert mentioned("Norwegian", "a firm in Norway")  # a demonym's country
    assert not mentioned("Texas", "six US states' averages")
    # a name of several words: its initials, or each of its words
    assert mentioned("United States", "US miners face rising tariffs")
    assert mentioned("Lantern Labs", "Lantern, a team of labs")
    assert not mentioned("Orange Pi", "a Raspberry Pi 5")
    assert not mentioned("2023", "in 2022 and 2024")
    # an abbreviation written out, hyphenated or in capitals; not any words with its initials
    assert mentioned("TOU", "a time-of-use tariff")
    assert mentioned("EEP", "Ethiopian Electric Power signed deals")
    assert not mentioned("TOU", "sent to our users") and not mentioned("EEP", "every ear pays")


def test_an_amount_in_figures_or_words() -> None:
    assert states_quantity("It charged 3.14 US cents per kWh.")
    assert states_quantity("China held about two-thirds of the hash rate.")
    assert states_quantity("Difficulty is adjusted every two weeks.")
    assert not states_quantity("It launched in 2023 and sells power under a tariff.")
    assert not states_quantity("Bitfury built two-phase immersion tanks.")  # an adjective
    assert not states_quantity("BM25 held up better than neural retrievers.")  # a name's digits
    assert not states_quantity("Paraguay is one of the places miners go.")


def test_a_passage_about_something_else_does_not_answer() -> None:
    # the best sentence's document never mentions what the question pins down
    question = "What rate does Kazakhstan charge bitcoin miners?"
    assert missing(question, ETHIOPIA) == ["Kazakhstan"]
    assert on_subject(question, [ETHIOPIA, ETHIOPIA]) == (
        [], "the closest passages are from documents that never mention “Kazakhstan”")
    assert missing("What rate did Ethiopia charge miners in 2023?", ETHIOPIA) == ["2023"]
    # it names it, even if not in the sentence itself ("it charged them")
    assert missing("What rate does Ethiopia's utility charge bitcoin miners?", ETHIOPIA) == []
    # a comparison may be answered from a document about one side
    assert missing("How does Kazakhstan's rate compare with Ethiopia's?", ETHIOPIA) == []
    # without the document's text nothing is known to be missing
    assert missing(question, None) == []


def test_evidence_about_the_subject_comes_first() -> None:
    kazakhstan = "Kazakhstan charged miners a surcharge of 1 tenge per kWh."
    question = "What rate does Kazakhstan charge bitcoin miners?"
    assert on_subject(question, [ETHIOPIA, kazakhstan, ETHIOPIA, kazakhstan]) == \
        ([1, 3, 0, 2], None)
    assert on_subject(question, [kazakhstan, ETHIOPIA]) == ([0, 1], None)
    assert on_subject(question, []) == ([], None)


def test_an_amount_asked_needs_an_amount() -> None:
    sentence = "Ethiopian Electric Power sells part of its output to crypto miners."
    for question in ("What electricity rate per kWh does Ethiopia's utility charge miners?",
                     "How many megawatts do miners draw in Ethiopia?",
                     "What share of the output goes to Ethiopia's miners?",
                     "What recall at 5 does the Ethiopian model reach?"):
        assert unanswered(question, sentence) == \
            "the closest passages state no amount that answers it", question
    assert unanswered("How many megawatts do miners draw?", "They draw 600 MW.") is None
    # "why" asks for a cause, and a count of listed things is answered by the list
    assert unanswered("Why is Ethiopia's rate so low, and how much lower is it?", sentence) \
        is None
    assert unanswered("How many ways of selling power does the note describe?", sentence) \
        is None


def test_a_name_asked_needs_a_name() -> None:
    question = "Which mining pool mined the most blocks in 2024?"
    assert unanswered(question, "A handful of pools win most blocks; the top two win half.") \
        == "the closest passages name nothing that answers it"
    assert unanswered(question, "In 2024 Foundry USA won the most, ahead of AntPool.") is None
    assert new_names("Which pool leads?", "The largest, Foundry USA, leads the pools.") == \
        ["Foundry", "USA"]
    # "which of a pool's jobs" asks for a job, not a name
    assert unanswered("Which of a pool's two jobs would stay with it?", "Paying miners.") \
        is None


def test_what_is_not_a_name() -> None:
    # a Title Case or capitals question has no names to tell apart
    assert pinned("How Much Does Ethiopia Charge Miners?") == []
    assert pinned("WHAT DOES ETHIOPIA CHARGE MINERS?") == []
    # contractions, suffixes, units and a sentence's opening word
    assert pinned("Is it true, as I've read, that ERCOT pays miners?") == ["ERCOT"]
    assert pinned("Which Texas-based firm runs the Rockdale site?") == ["Texas", "Rockdale"]
    assert pinned("What does power cost per MWh in USD?") == []
    assert pinned("Once China's miners had moved out, what was left?") == ["China"]
    # a name that opens the question stays whole ("States" alone would miss "US")
    assert pinned("United States miners face what costs?") == ["United States"]


def test_a_model_name_in_other_spellings() -> None:
    assert mentioned("Qwen 2.5", "Qwen2.5 7B ran at 4 tokens/s")
    assert mentioned("Qwen2.5", "the Qwen 2.5 model")
    assert mentioned("Llama-3-8B", "Llama 3 8B")
    assert mentioned("4CP", "four coincident peak, or 4CP.")
    assert mentioned("GGUFs", "a GGUF file")
    assert not mentioned("2024", "in 20245")


def test_noun_phrases_that_ask_for_no_amount() -> None:
    sentence = "The regulator sets it, and ERCOT sends signals."
    for question in ("What sets the tariff in Ethiopia?",
                     "What price signals does ERCOT send to miners?",
                     "What rate limits apply to the API?",
                     "What does the fee market look like?"):
        assert unanswered(question, sentence) is None, question


def test_an_answer_may_open_with_the_name() -> None:
    document = "Miners go to Paraguay. Typical edge devices include phones."
    question = "Which country sells the cheapest hydropower?"
    assert unanswered(question, "Paraguay sells the cheapest hydropower.", document) is None
    # an opening word the document writes capitalised only where sentences start is no name
    assert unanswered("Which smartphone chip is fastest?",
                      "Typical edge devices include smartphones.", document) == \
        "the closest passages name nothing that answers it"


def test_a_comparison_needs_one_side() -> None:
    assert missing("How does Kazakhstan's rate compare with Ethiopia's?", ETHIOPIA) == []
    assert missing("How does Kazakhstan's rate compare with Uzbekistan's?", ETHIOPIA) == \
        ["Kazakhstan", "Uzbekistan"]
    # "like" asks what something is like: no comparison
    assert missing("What is Kazakhstan's tariff like?", ETHIOPIA) == ["Kazakhstan"]


def test_a_source_list_comes_after_the_text() -> None:
    headings = ["Hydropower > Sources", "Hydropower > Why Paraguay?", None, "References"]
    assert references_last("Which country shares the Itaipu dam?", headings) == [1, 2, 0, 3]
    # unless the question asks about the sources themselves
    assert references_last("Which paper does the note cite for this?", headings) == [0, 1, 2, 3]
    assert references_last("Who is credited in the references?", headings) == [0, 1, 2, 3]
