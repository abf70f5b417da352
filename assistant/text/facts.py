"""The checkable facts of a sentence: its figures, its names, its polarity, its clauses (pure).

Word overlap cannot tell "Paraguay has a power surplus" from "the United States has a power
surplus", nor "$42,700 at 5 cents" from "$42,700 at 8 cents". These functions pull out what
such swaps change, so a claim can be held to the source sentence it paraphrases.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# Multipliers a figure may carry in words.
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "t": 1e12}
_FIGURE = re.compile(
    r"(?<![\w.])(?P<currency>[$€£])?\s?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|[kKmMbBtT])(?![\w]))?"
    r"(?:\s?(?P<unit>%|percent\b|per\s?cent\b|cents?\b|¢))?",
)
_UNIT = re.compile(r"\s?([A-Za-z]+/[A-Za-z]+|[kMGTPE]?Wh?\b|[A-Za-z]{1,12}\b)")
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_NEGATION = re.compile(r"\b(not|no|never|nor|neither|cannot|no\s+longer)\b|n['’]t\b",
                       re.IGNORECASE)
# Where a sentence lists parallel facts: "$42,700 at 5 cents and $68,000 at 8 cents".
_CLAUSE_BREAK = re.compile(r";\s+|,?\s+(?:and|while|whereas|but|versus|vs\.?|against|"
                           r"compared\s+(?:with|to))\s+|,\s+", re.IGNORECASE)
_NAME = re.compile(r"[A-Z][\w'’&.-]*[\w]|[A-Z]")
_WORD = re.compile(r"[\w'’-]+")
# Capitalised only because they open a sentence or a title: "The", "In", "A".
_LEADING = frozenset(
    "a an the in on at of for from to by with as and or but this that these those it its their "
    "there here is are was were be because since even although though while when whenever if "
    "unless after before until unlike despite however thus therefore yet also both each every "
    "many most some such what which who whom whose how why where once only just so then still "
    "instead besides beyond between among against without within during over under about above "
    "below around across per all any no not nor one two three our we you they he she his her "
    "my your january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday".split())
_MONTHS = frozenset("january february march april june july august september october "
                    "november december".split())
_MEASURE = re.compile(r"(?<![A-Za-z])\d[\d,.]*\s?(?:[A-Za-z]+/[A-Za-z]+|[A-Za-z]{1,4}\b)?"
                      r"|\b[A-Za-z]+/[A-Za-z]+")
_CAPITAL_RUN = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+|and\s+|for\s+)?[A-Z][\w'’-]*)+")
_CONNECTORS = frozenset({"of", "de", "la", "del", "and", "&", "for", "the"})


@dataclass(frozen=True)
class Figure:
    """A number as stated: its value in base units (cents as dollars, scale words applied),
    whether it is a year, and the number's own digits (for rounding)."""

    value: float
    year: bool
    digits: str
    start: int
    kind: str = ""
    text: str = ""

    def matches(self, other: Figure) -> bool:
        """Whether ``other`` (from a source) states this figure, allowing the rounding of
        "about 853,000" for "852,800" and spellings such as "$0.05" for "5 cents"."""
        if self.value == other.value:
            return True
        if self.value == 0 or other.value == 0:
            return False
        significant = len(self.digits.replace(".", "").strip("0")) or 1
        return _round(other.value, significant) == _round(self.value, significant)


def _round(value: float, significant: int) -> float:
    from math import floor, log10
    magnitude = floor(log10(abs(value)))
    return round(value, significant - 1 - magnitude)


def figures(text: str) -> list[Figure]:
    """The figures ``text`` states, in order."""
    found = []
    for match in _FIGURE.finditer(text):
        number = match.group("number").replace(",", "")
        value = float(number)
        scale = match.group("scale")
        if scale:
            if scale in "mM" and not match.group("currency"):
                scale = None  # "5 m" is more likely metres than millions
            else:
                value *= _SCALE[scale.lower()]
        unit = (match.group("unit") or "").lower()
        if unit.startswith("cent") or unit == "¢":
            value /= 100
        year = bool(_YEAR.match(match.group("number"))) and not (
            match.group("currency") or scale or unit)
        found.append(Figure(value, year, number.lstrip("0") or "0", match.start(),
                            _kind(match, unit, year, text[match.end():]),
                            match.group(0).strip()))
    return found


_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "dozen": 12, "double": 2, "twice": 2, "triple": 3,
    "half": 0.5, "halves": 0.5, "quarter": 0.25, "quarters": 0.25, "three-quarters": 0.75,
    "two-thirds": 2 / 3, "one-third": 1 / 3, "a third": 1 / 3,
}
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10}
_NUMBER_WORD = re.compile(r"\b(three-quarters|two-thirds|one-third|a third|"
                          + "|".join(sorted({*_WORD_NUMBERS, *_ORDINALS}, key=len, reverse=True))
                          + r")\b", re.IGNORECASE)


def word_figures(text: str) -> list[Figure]:
    """Figures written in words: "two", "a third", "three-quarters", "the fourth"."""
    found = []
    for match in _NUMBER_WORD.finditer(text):
        word = match.group(1).lower()
        if word in _ORDINALS:
            if word == "second" and re.match(r"\s+(?:of|per|s\b)", text[match.end():]):
                continue  # a unit of time, not second place
            found.append(Figure(float(_ORDINALS[word]), False, str(_ORDINALS[word]),
                                match.start(), "ordinal", match.group(0)))
        else:
            value = _WORD_NUMBERS[word]
            found.append(Figure(float(value), False, f"{value:g}", match.start(), "",
                                match.group(0)))
    return found


def _kind(match: re.Match[str], unit: str, year: bool, after: str) -> str:
    """What a figure measures, as far as its spelling tells: money, a share, a year, or the
    unit written after it ("EH/s", "kWh", "blocks")."""
    if match.group("currency") or unit.startswith("cent") or unit == "¢":
        return "$"
    if unit:
        return "%"
    if year:
        return "year"
    word = _UNIT.match(after)
    return word.group(1).lower() if word else ""


def negated(text: str) -> bool:
    """Whether ``text`` says something is not so."""
    return bool(_NEGATION.search(text))


def names(text: str, common: frozenset[str] = frozenset()) -> list[str]:
    """The proper names in ``text``: runs of capitalised words ("United States", "Galaxy
    Digital", "SHA-256"), and all-capital abbreviations ("US", "ASIC").

    A capitalised word that opens the sentence counts only if it is not a common word, i.e.
    not in ``common`` (lower-cased words seen written in lower case, from the sources).
    """
    found: list[str] = []
    text = _MEASURE.sub(lambda m: " " * len(m.group(0)), text)  # "20 J/TH", "16 GW"
    words = list(_WORD.finditer(text))
    run: list[str] = []
    for index, match in enumerate(words):
        word = match.group(0)
        opens = index == 0 or bool(re.search(r"[.!?:]\s*$", text[: match.start()]))
        capital = word[:1].isupper()
        if capital and word.lower() in _MONTHS:
            capital = False  # a date, not a name
        if capital and opens and not _acronym(word) and (
                word.lower() in common or word.lower() in _LEADING
                or re.search(r"(ing|ly|ed)$", word)):
            capital = False
        if capital:
            run.append(word)
        elif run and word.lower() in _CONNECTORS and index + 1 < len(words) \
                and words[index + 1].group(0)[:1].isupper():
            run.append(word)
        else:
            if run:
                found.append(" ".join(run))
            run = []
    if run:
        found.append(" ".join(run))
    cleaned = []
    for name in found:
        parts = name.split()
        while parts and parts[0].lower() in _LEADING:
            parts.pop(0)
        if parts:
            cleaned.append(re.sub(r"['’]s$|-$", "", " ".join(parts)))
    return list(dict.fromkeys(cleaned))


def _acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def mentions_name(text: str, name: str) -> bool:
    """Whether ``text`` names ``name``: the same words (case ignored, a possessive allowed),
    every capitalised word of a multi-word name, a plural abbreviation's singular ("ASICs"),
    or an abbreviation's spelled-out form ("US" for "United States") and back."""
    lowered = text.lower()
    if _has_words(lowered, name.lower()):
        return True
    if re.fullmatch(r"[A-Z]{2,}s", name) and _has_words(lowered, name[:-1].lower()):
        return True  # "ASICs" for "ASIC"
    parts = name.split()
    capitals = [p for p in parts if p[:1].isupper()]
    if len(capitals) > 1 and all(_has_words(lowered, p.lower()) for p in capitals):
        return True  # "Satoshi Nakamoto" for "Nakamoto, Satoshi" or "Satoshi … Nakamoto"
    if _acronym(name) and len(name) <= 6:
        letters = "".join(c for c in name if c.isalpha()).lower()
        for run in _CAPITAL_RUN.finditer(text):
            initials = "".join(w[0].lower() for w in run.group(0).split() if w[:1].isupper())
            if letters in initials:
                return True
    if " " in name:
        abbreviation = "".join(w[0] for w in parts if w[:1].isupper())
        if len(abbreviation) >= 2 and re.search(rf"\b{re.escape(abbreviation)}\b", text):
            return True
    return False


def _has_words(haystack: str, needle: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def clauses(text: str) -> list[str]:
    """``text`` cut where it lists parallel facts, each part stating a figure: "$42,700 at
    5 cents and $68,000 at 8 cents" is two clauses; "In 2023, Paraguay charged 3 cents"
    stays one (a lone year or a part without a figure joins its neighbour)."""
    parts: list[str] = []
    cursor = 0
    for match in _CLAUSE_BREAK.finditer(text):
        parts.append(text[cursor:match.start()])
        cursor = match.end()
    parts.append(text[cursor:])
    merged: list[str] = []
    for part in parts:
        if merged and not (_states_figure(merged[-1]) and _states_figure(part)):
            merged[-1] = merged[-1] + ", " + part
        else:
            merged.append(part)
    return merged


def _states_figure(text: str) -> bool:
    return any(not figure.year for figure in figures(text))


def conflict(claim: str, sentence: str, window: str, common: frozenset[str] = frozenset(),
             implied: tuple[Figure, ...] = ()) -> str | None:
    """Why ``sentence`` does not state ``claim``'s facts, or None if nothing conflicts.

    ``window`` is the sentence with its neighbours: a name or figure may come from there
    when the sentence itself refers back ("The country …"). ``implied`` are figures the
    claim answers to (a question's "at 8 cents"): where the sentence states them, the
    claim's figures must go with them.
    """
    own = names(sentence, common)
    claim_names = names(claim, common)
    refers_back = not own  # "The country has …": its name is in the sentence before
    for name in claim_names:
        if not (mentions_name(sentence, name) or (refers_back and mentions_name(window, name))):
            return f"the sources do not say this of “{name}”"
    own_figures = figures(sentence) + word_figures(sentence)
    nearby = own_figures + figures(window) + word_figures(window)
    claimed = figures(claim) + word_figures(claim)
    for figure in claimed:
        if not any(figure.matches(other) for other in nearby):
            return f"the figure {figure.text} is not in the sources"
    anchored = [f for f in claimed if any(f.matches(o) for o in own_figures)]
    if claimed and not anchored and not refers_back:
        # Figures may continue into the next sentence, but one must be in this one.
        return f"the figure {claimed[0].text} is not in this passage"
    claimed += [f for f in implied if not any(f.matches(c) for c in claimed)]
    reason = _mispaired(claimed, sentence) or _split_by_clause(claim_names, claimed, sentence)
    if reason:
        return reason
    if negated(claim) != negated(sentence):
        return "the source says the opposite" if negated(claim) else \
            "the source says this is not so"
    return None


def _mispaired(claimed: list[Figure], sentence: str) -> str | None:
    """Figures the claim puts together that the source gives for different cases: "$42,700
    at 8 cents" where the source says "$42,700 at 5 cents and $68,000 at 8 cents" (the clause
    holding $42,700 gives its own price, and 8 cents sits in another clause)."""
    parts = clauses(sentence)
    if len(parts) < 2:
        return None
    stated = [figures(part) for part in parts]
    years = {f.value for found in stated for f in found if f.year}
    where = []
    for figure in claimed:
        if figure.year and len(years) < 2:
            continue  # one year dates the whole sentence
        holding = [i for i, found in enumerate(stated) if any(figure.matches(f) for f in found)]
        if holding:
            where.append((figure, holding))
    for (a, in_a), (b, in_b) in itertools.combinations(where, 2):
        if set(in_a) & set(in_b):
            continue
        for first, places, second in ((a, in_a, b), (b, in_b, a)):
            rivals = [f for i in places for f in stated[i] if f.kind == second.kind
                      and second.kind and not any(c.matches(f) for c in claimed)]
            if rivals:
                return (f"in the source {first.text} goes with {rivals[0].text}, "
                        f"not {second.text}")
    return None


def _split_by_clause(claim_names: list[str], claimed: list[Figure], sentence: str) -> str | None:
    """A name given a figure the source states for something else: "Ethiopia charged 3 cents"
    where the source says "Paraguay charged 3 cents, while Ethiopia charged 5 cents"."""
    parts = clauses(sentence)
    if len(parts) < 2:
        return None
    for name in claim_names:
        holding = [p for p in parts if mentions_name(p, name)]
        if not holding or len(holding) == len(parts):
            continue
        for figure in claimed:
            if figure.year:
                continue
            with_figure = [p for p in parts if any(figure.matches(f) for f in figures(p))]
            rivals = [f for p in holding for f in figures(p)
                      if f.kind == figure.kind and not figure.matches(f)]
            if with_figure and rivals and not any(p in holding for p in with_figure):
                return f"in the source {figure.text} is not said of “{name}”"
    return None
