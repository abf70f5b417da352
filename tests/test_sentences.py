"""Sentence ends: an abbreviation's or an initial's full stop does not end a sentence unless
the next word is one that starts sentences; a digit after an abbreviation continues it."""

from __future__ import annotations

import pytest

from assistant.text.sentences import sentence_spans


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # abbreviations that always lead into more of the sentence
    ("The U.S. Department of Energy says so. Next.",
     ["The U.S. Department of Energy says so.", "Next."]),
    ("See Fig. 3 for this. Next one.", ["See Fig. 3 for this.", "Next one."]),
    ("Miners, e.g. Marathon, grew. Costs, i.e. Power, rose.",
     ["Miners, e.g. Marathon, grew.", "Costs, i.e. Power, rose."]),
    ("Ask Dr. Smith or Prof. Jones. Next.", ["Ask Dr. Smith or Prof. Jones.", "Next."]),
    ("It costs approx. 5 dollars. Approx. 40% is power.",
     ["It costs approx. 5 dollars.", "Approx. 40% is power."]),
    ("Compare Figs. 2 and 3 in Vol. 4. Next.", ["Compare Figs. 2 and 3 in Vol. 4.", "Next."]),
    # initials run on into a name
    ("Written by J. Smith in 2020. Next.", ["Written by J. Smith in 2020.", "Next."]),
    ("Written by J. R. R. Tolkien. Next.", ["Written by J. R. R. Tolkien.", "Next."]),
    ("Mr. Jones met St. Paul. Ms. Back agreed.",
     ["Mr. Jones met St. Paul.", "Ms. Back agreed."]),
    # abbreviations that may end a sentence: a digit continues it, a capital word starts one
    ("It was No. 5 in the list on Jan. 12. Next.",
     ["It was No. 5 in the list on Jan. 12.", "Next."]),
    ("Smith et al. (2020) show it. Rigs, fans, etc. are costly.",
     ["Smith et al. (2020) show it.", "Rigs, fans, etc. are costly."]),
    ("Rigs, fans, etc. All are costly.", ["Rigs, fans, etc.", "All are costly."]),
    ("See p. 12 of the report by Acme Inc. Its figures differ.",
     ["See p. 12 of the report by Acme Inc.", "Its figures differ."]),
    # initials end a sentence before a word that opens one
    ("Mining grew in the U.S. The share rose.", ["Mining grew in the U.S.", "The share rose."]),
    ("It rose at 5 p.m. The next day it fell.", ["It rose at 5 p.m.", "The next day it fell."]),
    ("Plan B. Then what? Plan B. I think so.", ["Plan B.", "Then what?", "Plan B.", "I think so."]),
    # a letter after a number is a unit, and may end a sentence
    ("One kWh is 3.6 x 10^6 J. Power is energy per second.",
     ["One kWh is 3.6 x 10^6 J.", "Power is energy per second."]),
    ("It took 5 ms. Prices fell. The fence is 100 ft. Heights vary.",
     ["It took 5 ms.", "Prices fell.", "The fence is 100 ft.", "Heights vary."]),
    ("So kWh per BTC = H x e / R. Check it with values.",
     ["So kWh per BTC = H x e / R.", "Check it with values."]),
    # ordinary sentence ends are untouched, digits included
    ("The hash rate rose. 2024 was a record.", ["The hash rate rose.", "2024 was a record."]),
    # a paragraph break always ends a unit, even after an abbreviation
    ("As shown in Fig.\n\nNew paragraph.", ["As shown in Fig.", "New paragraph."]),
])
def test_sentence_ends_around_abbreviations(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_a_year_opening_a_wrapped_line_is_not_a_numbered_item() -> None:
    text = ("Caprock planned a pilot in West Texas for\n2025. Its lead sized it.\n"
            "The steps:\n12. Measure the load.")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Caprock planned a pilot in West Texas for\n2025.", "Its lead sized it.", "The steps:",
        "12. Measure the load."]


def test_a_unit_naming_its_passages_heading_is_a_heading() -> None:
    from assistant.text.sentences import is_heading
    heading = "Energy Cost per Bitcoin > Step 4: What does that energy cost?"
    assert is_heading("Step 4: What does that\nenergy cost?", heading)
    assert is_heading("Energy Cost per Bitcoin", heading)
    assert not is_heading("Energy per BTC = energy per block / BTC issued.", heading)
    assert not is_heading("Step 4", None) and not is_heading("", "")
