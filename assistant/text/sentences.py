"""Sentence and paragraph units of a text, as exact offsets (pure)."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"\n[ \t]*\n\s*"                        # paragraph break
    # a list item or heading on the next line; "2025." opening a wrapped line is a year
    r"|\n(?=[ \t]*(?:[-*+•]|\d{1,3}[.)]|#{1,6})\s)"
    r"|(?P<stop>(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9]))"  # end of sentence
    r"|(?<=\n===|\n---)[=-]*[ \t]*\n\s*"  # the line under an underlined heading
)
_LIST_NUMBER = re.compile(r"\s*\d{1,3}[.)]")  # a numbered item's marker, alone
_UNDERLINED = re.compile(r"\n[ \t]*(?:={3,}|-{3,})[ \t]*$")
# Abbreviations whose full stop never ends a sentence: something always follows them
# ("approx. 853,000", "e.g. Kazakhstan", "Fig. 2", "Dr. Back", "cf. Table 2").
_LEADING = frozenset((
    "approx", "e.g", "i.e", "cf", "vs", "viz", "ca", "resp", "fig", "figs", "eq", "eqs", "dr",
    "mr", "mrs", "prof", "vol", "vols", "pp", "ch", "ref", "refs", "tab", "incl",
    "esp", "gen", "gov", "rep", "sen", "rev", "hon", "capt", "lt", "sgt", "mme", "mlle",
))
# Abbreviations that may end a sentence ("… fans, etc. All are costly"): a capitalised word
# after them starts the next one, a digit or a lowercase word does not ("No. 5", "Jan. 12").
_MAY_END = frozenset((
    "etc", "al", "inc", "ltd", "co", "corp", "jr", "sr", "bros", "no", "nos", "p", "ed", "eds",
    "ibid", "op", "cit", "sec", "min", "max", "avg", "est", "dept", "univ", "assn", "intl",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
))
# Names and initials ("J. Smith", "the U.S. Senate", "St. Paul", "Ms. Back") run on into a
# capitalised word, unless that word is one that opens sentences ("… in the U.S. The share
# rose"); after a number or a symbol they are units or variables ("10^6 J.", "795 ms.",
# "= H x e / R.") and may end one.
_NAME_LIKE = frozenset(("st", "mt", "ft", "ms"))
_OPENERS = frozenset((
    "a", "after", "all", "also", "although", "an", "and", "another", "any", "as", "at",
    "because", "before", "both", "but", "by", "each", "even", "every", "for", "from", "he",
    "her", "here", "his", "how", "however", "i", "if", "in", "it", "its", "many", "more", "most",
    "my", "no", "not", "now", "of", "on", "one", "only", "or", "our", "she", "since", "so",
    "some", "such", "that", "the", "their", "then", "there", "these", "they", "this", "those",
    "thus", "to", "under", "unlike", "we", "what", "when", "where", "whether", "which", "while",
    "who", "why", "with", "yet", "you", "your",
))
_WORD_BEFORE = re.compile(r"(?:^|(?<=[\s(\[\"'/]))([A-Za-z]+(?:\.[A-Za-z]+)*)\.$")
_WORD_AFTER = re.compile(r"[\"'(\[]?(\w+)")
# "10^6 J.", "/ R.": a unit after a number or a variable after a symbol, not an initial
_QUANTITY_BEFORE = re.compile(r"(?<!\S)(?:\d\S*|[^\w\s]+)\s+$")
_INITIALS = re.compile(r"[A-Z]|[A-Za-z](?:\.[A-Za-z])+")  # "J", "U.S", "a.m"
_LOOKBACK = 24
# A sentence that leans on the one before it: "For that reason …", "So …", "Depending on
# whether their …", "Running for a year, that is 140 TWh.", "The two therefore differ …"
_CONTINUES = re.compile(
    r"^[\W_]*(?:(?:for|because of) (?:that|this|these|those)(?: reasons?)?|as a result|"
    r"put differently|in other words|that|this|these|those|it|its|they|their|such|so|thus|"
    r"hence|therefore)\b"
    r"|^[\W_]*(?:\w+\s+){1,3}(?:their|its|they|these|those)\b"
    r"|^[^.;:]{0,60},\s*that is\b"
    r"|^[^.;:,]{0,60}\b(?:therefore|thus|hence|consequently)\b",
    re.IGNORECASE)


def is_heading(text: str, heading: str | None = None) -> bool:
    """Whether a unit of ``sentence_spans`` is a heading: ``# Title``, an underlined title,
    or a title of its passage's heading path ``heading`` ("Title > Part > Sub") set as a line
    of its own, as a PDF's is."""
    if text.lstrip().startswith("#") or _UNDERLINED.search(text):
        return True
    plain = " ".join(text.split())
    return any(plain == part.strip() for part in (heading or "").split(" > ") if part)


def continues(text: str) -> bool:
    """Whether a sentence leans on the one before it ("So …", "For that reason …",
    "Depending on whether their …", "Running for a year, that is 140 TWh.")."""
    return bool(_CONTINUES.search(text))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences and paragraph units in ``text[start:end]``, trimmed of space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group("stop") is not None and (
                _runs_on(text, cursor, match.start(), match.end(), end)
                or _LIST_NUMBER.fullmatch(text, cursor, match.start())):
            continue  # "approx. 853,000"; "12. Measure the load." is one item
        spans.extend(trimmed(text, cursor, match.start()))
        cursor = match.end()
    spans.extend(trimmed(text, cursor, end))
    return spans


def _runs_on(text: str, cursor: int, stop: int, after: int, end: int) -> bool:
    """Whether the full stop just before ``stop`` ends an abbreviation or an initial and the
    sentence runs on past it, judged by the word before it and the word at ``after``."""
    if text[stop - 1:stop] != ".":
        return False
    before = _WORD_BEFORE.search(text, max(cursor, stop - _LOOKBACK), stop)
    following = _WORD_AFTER.match(text, after, end)
    if before is None or following is None:
        return False
    word, next_word = before.group(1), following.group(1)
    key = word.lower()
    if key in _LEADING:
        return True
    name_like = key in _NAME_LIKE or bool(_INITIALS.fullmatch(word))
    if name_like and "." not in word and _QUANTITY_BEFORE.search(
            text, max(cursor, before.start() - _LOOKBACK), before.start()):
        return False  # a unit or a variable ("795 ms.", "= H / R.")
    if not next_word[0].isupper():  # a digit: "No. 5", "Jan. 12", "the U.S. 2024 figures"
        return key in _MAY_END or name_like
    return name_like and next_word.lower() not in _OPENERS


def trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` moved inward past white space, or nothing if only space is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []
