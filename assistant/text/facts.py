"""The checkable facts of a sentence: its figures, its names, its polarity (pure).

Word overlap cannot tell "Paraguay has a power surplus" from "the United States has a power
surplus", nor "$42,700 at 5 cents" from "$42,700 at 8 cents". These functions pull out what
such swaps change, so a claim can be held to the source sentence it paraphrases.
"""

from __future__ import annotations

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
_UNIT = re.compile(r"(?:\s|-)?([A-Za-z]+/[A-Za-z]+|[kMGTPE]?Wh?\b|[A-Za-z]{1,12}\b)")
# A rounded figure stays within this share of the stated one ("about 853,000" for 853,333;
# not "$100 billion" for $120 billion).
ROUNDING = 0.1
_SPELLED_UNITS = {"watt": "w", "kilowatt": "kw", "megawatt": "mw", "gigawatt": "gw",
                  "terawatt": "tw", "joule": "j", "kwh": "kwh", "bitcoin": "btc",
                  "gigabyte": "gb", "megabyte": "mb", "terabyte": "tb"}
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
NEGATION = re.compile(r"\b(not|no|never|nor|neither|cannot|no\s+longer|without|unable|"
                      r"rather\s+than|instead\s+of|unlike|as\s+opposed\s+to)\b|n['’]t\b",
                      re.IGNORECASE)
# A parenthetical aside ("(a general observation, not a forecast)") says nothing of the
# sentence's own polarity.
ASIDE = re.compile(r"\((?:[^()]|\([^()]*\))*\)")
# Unit symbols a figure can carry; two figures in different ones are different figures
# ("16 GW" is not "16 TWh"), whatever their numbers.
UNITS = frozenset(
    "$ % wh kwh mwh gwh twh pwh w kw mw gw tw h/s kh/s mh/s gh/s th/s ph/s eh/s zh/s j/th "
    "w/th btc sat kb mb gb tb bit byte ordinal".split())
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
# What may come before a word that opens a sentence, a line, a list item or a heading.
_OPENING = re.compile(r"(?:^|[.!?:]|\n)[\s\-*+•#>|_]*(?:\d+[.)][\s*_]*)?$")
# A software name written in lower case with a dot: "llama.cpp", "node.js".
_IDENTIFIER = re.compile(r"(?<![\w.])[a-z][a-z0-9_-]{2,}\.(?:cpp|js|py|rs|go|ts|net|io)\b")
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
        if self.kind != other.kind and self.kind in UNITS and other.kind in UNITS:
            return False  # "16 GW" for "16 TWh"; "third" for "3.125 BTC"
        if self.value == other.value:
            return True
        if "ordinal" in (self.kind, other.kind) or self.year or other.year:
            return False  # "the third" is not "about 3.1"; 2016 is not "about 2020"
        for share, fraction in ((self, other), (other, self)):
            if share.kind == "%" and not fraction.kind and 0 < fraction.value < 1:
                return abs(share.value - 100 * fraction.value) < 0.5  # "half" for "50%"
        if self.value == 0 or other.value == 0:
            return False
        significant = len(self.digits.replace(".", "").strip("0")) or 1
        near = abs(self.value - other.value) <= ROUNDING * max(abs(self.value), abs(other.value))
        return near and (round_significant(other.value, significant)
                         == round_significant(self.value, significant))


def round_significant(value: float, significant: int) -> float:
    """``value`` rounded to ``significant`` significant figures."""
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

_SCALED_WORD = re.compile(r"\b(one|an?|two|three|four|five|six|seven|eight|nine|ten)\s+"
                          r"(thousand|million|billion|trillion)\b", re.IGNORECASE)


def word_figures(text: str) -> list[Figure]:
    """Figures written in words: "two", "a third", "three-quarters", "the fourth"."""
    found = []
    scaled = list(_SCALED_WORD.finditer(text))
    for match in scaled:  # "one trillion", "a billion", "two million"
        count = _WORD_NUMBERS.get(match.group(1).lower(), 1)
        value = count * _SCALE[match.group(2).lower()]
        found.append(Figure(float(value), False, f"{count:g}", match.start(), "",
                            match.group(0)))
    for match in _NUMBER_WORD.finditer(text):
        if any(m.start() <= match.start() < m.end() for m in scaled):
            continue
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
    if not word:
        return ""
    kind = word.group(1).lower()
    spelled = _SPELLED_UNITS.get(kind[:-1] if kind.endswith("s") else kind)
    if spelled:  # "20 watts" is "20 W"; "140 terawatt-hours" is "140 TWh"
        hours = re.match(r"[- ]hours?\b", after[word.end():])
        return spelled + ("h" if hours and spelled[-1] == "w" else "")
    # "4 bits" and "4-bit" measure the same; "5 years" is a span, not a year
    singular = kind[:-1] if len(kind) > 3 and kind.endswith("s") and "/" not in kind else kind
    return "years" if singular == "year" else singular


def negated(text: str) -> bool:
    """Whether ``text`` says something is not so."""
    return bool(NEGATION.search(ASIDE.sub(" ", text)))


def names(text: str, common: frozenset[str] = frozenset(),
          proper: frozenset[str] | None = None) -> list[str]:
    """The proper names in ``text``: runs of capitalised words ("United States", "Galaxy
    Digital", "SHA-256"), all-capital abbreviations ("US", "ASIC") and dotted identifiers
    ("llama.cpp").

    A capitalised word that opens the sentence, a line or a list item counts only if it is
    not a common word, i.e. not in ``common`` (lower-cased words seen written in lower case,
    from the sources); given ``proper`` (words seen capitalised inside sentences), only if
    it is one of those ("Readers should …", "- **External pressure.**" name no one).
    """
    found: list[str] = []
    text = _MEASURE.sub(lambda m: " " * len(m.group(0)), text)  # "20 J/TH", "16 GW"
    words = list(_WORD.finditer(text))
    run: list[str] = []
    for index, match in enumerate(words):
        word = match.group(0)
        opens = index == 0 or bool(_OPENING.search(text[: match.start()]))
        capital = word[:1].isupper()
        if capital and word.lower() in _MONTHS:
            capital = False  # a date, not a name
        if capital and opens and not acronym(word) and (
                word.lower() in common or word.lower() in _LEADING
                or re.search(r"(ing|ly|ed)$", word)
                or (proper is not None and word.lower() not in proper)):
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
    cleaned += _IDENTIFIER.findall(text)
    return list(dict.fromkeys(cleaned))


def proper_words(texts: list[str]) -> frozenset[str]:
    """The words the texts capitalise inside a sentence (lower-cased): names, not openers."""
    found = set()
    for text in texts:
        for match in _WORD.finditer(text):
            if match.group(0)[:1].isupper() and match.start() and \
                    not _OPENING.search(text[: match.start()]):
                found.add(match.group(0).lower())
    return frozenset(found)


def acronym(word: str) -> bool:
    """An all-capital abbreviation: "US", "ASIC", "SHA-256"."""
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
    if acronym(name) and len(name) <= 6:
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
