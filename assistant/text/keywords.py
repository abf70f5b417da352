"""Keyword queries for the BM25 index (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations

# Words too common to help a keyword search; dropping them keeps BM25 queries fast.
_STOPWORDS = frozenset(
    "a an and are as at be by can could did do does for from had has have how i if in into "
    "is it its of on or should so than that the their them then there these they this to "
    "was we were what when where which who whom why will with would you your about".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_QUERY_WORD = re.compile(r"\w+\*?", re.UNICODE)


def query_words(text: str) -> list[str]:
    """The question's distinct lower-cased content words, in order (all its words if every
    one is a stopword), and the symbols of units it spells out ("kilowatt-hours" adds kwh);
    "norw*" stays a prefix."""
    words = [w.lower() for w in _QUERY_WORD.findall(text)]
    kept = [w for w in words if w not in _STOPWORDS] or words
    return list(dict.fromkeys(kept + unit_symbols(words)))


def unit_symbols(words: Sequence[str]) -> list[str]:
    """The symbols of the units of energy, power, hashing and data that ``words`` spell out,
    the longest reading only ("kilowatt hours" is kwh, not also kw)."""
    stems = {_stem(word) for word in words}
    found = [symbol for symbol, spelled in _SPELLED.items()
             if symbol in _MEASURE_SYMBOLS and set(spelled) <= stems]
    return [symbol for symbol in found
            if not any(other != symbol and set(_SPELLED[symbol]) < set(_SPELLED[other])
                       for other in found)]


def any_of(words: Sequence[str]) -> str | None:
    """An FTS5 MATCH expression for rows holding any of ``words`` (None for no words)."""
    return " OR ".join(_term(word) for word in words) or None


def _term(word: str) -> str:
    """A word as an FTS5 string, or a prefix query for "norw*"."""
    return f'"{word[:-1]}"*' if word.endswith("*") and len(word) > 1 else f'"{word}"'


def two_of(words: Sequence[str]) -> str | None:
    """An FTS5 MATCH expression for rows holding at least two of ``words`` (None if fewer
    than two words)."""
    pairs = [f"({_term(a)} AND {_term(b)})" for a, b in combinations(words, 2)]
    return " OR ".join(pairs) or None


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression that ORs the question's content words (None if it has none)."""
    return any_of(query_words(text))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """The lower-cased, lightly stemmed words of ``text`` that carry meaning."""
    words = (w.lower() for w in _WORD.findall(text))
    return {_stem(w) for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())}


# Unit symbols and their spelled-out words, so "kilowatt-hours" meets "kWh" and "bitcoin"
# meets "BTC" when sentences are compared with a question.
_SPELLED = {
    "kwh": ("kilowatt", "hour"), "mwh": ("megawatt", "hour"), "gwh": ("gigawatt", "hour"),
    "twh": ("terawatt", "hour"), "kw": ("kilowatt",), "mw": ("megawatt",),
    "gw": ("gigawatt",), "tw": ("terawatt",), "btc": ("bitcoin",), "sat": ("satoshi",),
    "th": ("terahash",), "ph": ("petahash",), "eh": ("exahash",), "j": ("joule",),
    "gb": ("gigabyte",), "mb": ("megabyte",), "usd": ("dollar",), "pct": ("percent",),
}


# The symbols a keyword search also looks for when a question spells them out; "BTC" for
# "bitcoin" is left out (the library writes both, and searching both ranked worse).
_MEASURE_SYMBOLS = frozenset(("kwh", "mwh", "gwh", "twh", "kw", "mw", "gw", "tw", "th", "ph",
                              "eh", "gb", "mb"))


# A number with its magnitude's initial ("135M", "7B", "20k"): the number and the word.
# In capitals, or in lower case joined by a hyphen ("Qwen2.5-7b"); "a 5m cable" is metres.
_COMPACT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([KMBT])\b|(?<=-)(\d+(?:\.\d+)?)([kmbt])\b")
_MAGNITUDES = {"k": "thousand", "m": "million", "b": "billion", "t": "trillion"}


def compact_numbers(text: str) -> set[str]:
    """The numbers written with a magnitude's initial in ``text``, spelled out ("a 135M
    model" → {"135", "million"}), so that they meet "135 million"."""
    found: set[str] = set()
    for match in _COMPACT.finditer(text):
        number, letter = match.group(1) or match.group(3), match.group(2) or match.group(4)
        found.update(_WORD.findall(number))  # "1.5B": 1 and 5, as "1.5 billion" gives
        found.add(_MAGNITUDES[letter.lower()])
    return found


def spelled_words(text: str) -> set[str]:
    """``content_words`` with unit symbols also spelled out ("kWh" adds kilowatt and hour)
    and compact numbers too ("7B" adds 7 and billion)."""
    words = {w.lower() for w in _WORD.findall(text)}
    found = content_words(text) | compact_numbers(text)
    for word in words:
        found.update(_SPELLED.get(word, ()))
    return found
