"""When the documents don't cover a question (pure functions)."""

from __future__ import annotations

from assistant.answers.abstention import abstain_reason, names_in, unknown_names
from assistant.library.documents import Hit


def _hits(similarity: float) -> list[Hit]:
    return [Hit(chunk_id=1, doc_id=1, score=1.0, title="t", path="p", collection="c", page=None,
                heading=None, start=0, end=1, text="x", similarity=similarity)]


def test_names_skip_sentence_starts_and_possessives() -> None:
    assert names_in("How does Monero's RandomX differ? And Bitcoin’s?") == ["Monero",
                                                                           "RandomX", "Bitcoin"]
    assert names_in("what about El Salvador") == ["El", "Salvador"]
    assert names_in("Why do miners leave Texas in summer?") == ["Texas"]
    assert names_in("how much memory does a 135M model need?") == []


def test_unknown_names_are_those_no_document_mentions() -> None:
    library = {"bitcoin", "texas"}
    assert unknown_names("Is Texas cheaper than Monero mining?",
                         lambda term: term.lower() in library) == ["Monero"]
    # a demonym is known when the documents name its country ("Norw*" finds "Norway")
    countries = {"norw*", "chin*"}
    assert unknown_names("Which Norwegian and Chinese firms, and which Mandarin speakers?",
                         lambda term: term.lower() in countries) == ["Mandarin"]
    # two capitals are units and everyday abbreviations, not names a document must use
    assert unknown_names("Does a desktop PC with a 2 TB drive beat the Odroid?",
                         lambda term: False) == ["Odroid"]
    assert unknown_names("Is the OECD view different?", lambda term: False) == ["OECD"]


def test_abstain_reasons() -> None:
    known = {"Paraguay"}.__contains__
    assert abstain_reason("Who won the World Cup?", _hits(0.2), known) == \
        "nothing in the documents is close enough to answer it"
    assert abstain_reason("How does Monero mine?", _hits(0.45), known) == \
        "the documents never mention “Monero”"
    assert abstain_reason("Why do miners go to Paraguay?", _hits(0.45), known) is None
    # A strong match is answered even if a word is unknown (a typo, say).
    assert abstain_reason("How does Monero compare?", _hits(0.75), known) is None
    # A related-sounding question about something never mentioned is not answered.
    assert abstain_reason("How does Monero compare?", _hits(0.65), known) is not None
