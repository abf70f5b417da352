"""Every quantity a question states, read into the calculator's units (a pure function).

A number is a quantity only with a unit that says what it measures: "8 cents per kWh",
"5¢", "$50/MWh" (an electricity price, in $/kWh); "17.5 J/TH" (a machine efficiency);
"800 EH/s", "0.8 ZH/s" (the network's hash rate, in EH/s) or "200 TH/s" (one miner's, in
TH/s); "BTC at $100,000" (the bitcoin price); "3.125 BTC subsidy", "fees of 0.1 BTC"; "PUE
1.1". A bare number — a year, a block height, a time of day, a percentage, a dollar figure
with no price word ("$68,000") — is not a quantity.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PRICE = "price_usd_kwh"
EFFICIENCY = "efficiency_j_th"
HASHRATE = "hashrate_eh_s"
MINER_HASHRATE = "miner_hashrate_th_s"
BTC_PRICE = "btc_price_usd"
SUBSIDY = "subsidy_btc"
FEES = "fees_btc"
PUE = "pue"

UNITS = {PRICE: "$/kWh", EFFICIENCY: "J/TH", HASHRATE: "EH/s", MINER_HASHRATE: "TH/s",
         BTC_PRICE: "$", SUBSIDY: "BTC", FEES: "BTC", PUE: ""}

# A hash rate at least this large is the network's; below it, one miner's (or one farm's).
NETWORK_FROM_EH_S = 100.0

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6}

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_NUM = (rf"(?<![\w.,:/\-–])(?P<num>{_DIGITS}|\b(?:{'|'.join(_WORDS)})\b)"
        r"(?:\s?(?P<scale>k|thousand|mn|m|million)\b)?(?![.,]?\d|:|%)")
_DOLLAR = rf"(?:\$|US\$|USD\s?)\s?{_NUM}"
_PER = r"\s?(?:/|per|a|an|each)\s?"
_KWH = r"(?:kwh|kw\s?h|kilowatt[\s-]?hours?)"
_MWH = r"(?:mwh|mw\s?h|megawatt[\s-]?hours?)"
_BITCOIN = r"(?:bitcoins?|btc|coins?)"


@dataclass(frozen=True)
class Quantity:
    """A stated value: which calculator input it is, its value in that input's unit, and
    where in the text it was read."""

    kind: str
    value: float
    text: str
    start: int
    end: int

    @property
    def unit(self) -> str:
        """The calculator's unit for this kind of value."""
        return UNITS[self.kind]


def _number(match: re.Match[str]) -> float:
    raw = match.group("num").lower()
    value = float(_WORDS[raw]) if raw in _WORDS else float(raw.replace(",", ""))
    scale = match.group("scale")
    return value * _SCALES[scale.lower()] if scale else value


def _hashrate(value: float, unit: str) -> tuple[str, float]:
    unit = unit.lower()
    th = value * (1e9 if unit.startswith("z") else 1e6 if unit.startswith("e")
                  else 1e3 if unit.startswith("p") else 1.0)
    if th / 1e6 >= NETWORK_FROM_EH_S:
        return HASHRATE, th / 1e6
    return MINER_HASHRATE, th


Reading = Callable[[re.Match[str]], "tuple[str, float] | None"]


def _rules() -> list[tuple[re.Pattern[str], Reading]]:
    """(pattern, how its match becomes (kind, value)), in priority order: where two readings
    overlap, the earlier wins ("$50/MWh" is a price of power before it is a dollar figure)."""
    flags = re.IGNORECASE
    return [
        (re.compile(rf"{_NUM}\s?(?:cents?|¢|c)(?:{_PER}{_KWH})", flags),
         lambda m: (PRICE, _number(m) / 100)),
        (re.compile(rf"{_DOLLAR}(?:{_PER}{_KWH})", flags), lambda m: (PRICE, _number(m))),
        (re.compile(rf"{_NUM}\s?(?:usd|dollars?|us\s?dollars?)(?:{_PER}{_KWH})", flags),
         lambda m: (PRICE, _number(m))),
        (re.compile(rf"{_DOLLAR}(?:{_PER}{_MWH})", flags), lambda m: (PRICE, _number(m) / 1e3)),
        (re.compile(rf"{_NUM}\s?(?:usd|dollars?|us\s?dollars?)(?:{_PER}{_MWH})", flags),
         lambda m: (PRICE, _number(m) / 1e3)),
        (re.compile(rf"{_NUM}\s?(?:cents?|¢)(?!\s?(?:/\s?\w|(?:per|a|an|each)\s+\w))", flags),
         lambda m: (PRICE, _number(m) / 100)),
        (re.compile(rf"{_NUM}\s?(?:j|joules?|w|watts?)\s?(?:/|per)\s?(?:th|terahash(?:es)?)"
                    r"(?:/s|\s?per second)?\b", flags),
         lambda m: (EFFICIENCY, _number(m))),
        (re.compile(rf"{_NUM}\s?(?P<unit>(?-i:[ZEPT]H)|zettahash(?:es)?|exahash(?:es)?|"
                    r"petahash(?:es)?|terahash(?:es)?)(?:/s|\s?per second|/sec)?\b"
                    r"(?!\s?(?:/|per)\s?(?:day|d)\b)", flags),
         lambda m: _hashrate(_number(m), m.group("unit"))),
        (re.compile(rf"\b(?:{_BITCOIN}|bitcoin price|btc price|price of (?:a |one )?"
                    rf"{_BITCOIN})\s?(?:is |was |were |of |at |=\s?|trades at |trading at |"
                    rf"sells for |selling for |worth |reaches |hits |falls to |drops to |"
                    rf"rises to |goes to |price of )?(?:about |around )?{_DOLLAR}", flags),
         lambda m: (BTC_PRICE, _number(m))),
        (re.compile(rf"{_DOLLAR}\s?(?:{_BITCOIN}|per (?:bitcoin|btc) price)\b"
                    rf"(?:\s?price)?(?!\s?(?:{_PER})?(?:kwh|mwh))", flags),
         lambda m: (BTC_PRICE, _number(m))),
        (re.compile(rf"\bpue\s?(?:of |=\s?|is |at )?{_NUM}", flags),
         lambda m: (PUE, _number(m))),
        (re.compile(rf"{_NUM}\s?pue\b", flags), lambda m: (PUE, _number(m))),
        (re.compile(rf"{_NUM}\s?(?:btc|bitcoins?)\b", flags), _subsidy_or_fees),
        (re.compile(rf"{_DOLLAR}(?!\s?(?:/|per)\s?(?:{_BITCOIN}|th|ph|day|year|month))",
                    flags),
         _cheap_dollars),
    ]


_FEE_WORD = re.compile(r"\bfees?\b", re.IGNORECASE)
_SUBSIDY_WORD = re.compile(r"\b(?:subsidy|subsidies|reward|halving|halved|issuance)\b",
                           re.IGNORECASE)
_CLAUSE = 45  # how far (in characters) a word may be from "N BTC" and still name it


def _subsidy_or_fees(match: re.Match[str]) -> tuple[str, float] | None:
    """"N BTC" is the subsidy or the fees per block by the nearer naming word; neither, and
    it is not read."""
    text, start, end = match.string, match.start(), match.end()
    best: tuple[int, str] | None = None
    for pattern, kind in ((_FEE_WORD, FEES), (_SUBSIDY_WORD, SUBSIDY)):
        for word in pattern.finditer(text, max(0, start - _CLAUSE), min(len(text), end + _CLAUSE)):
            distance = start - word.end() if word.end() <= start else word.start() - end
            if best is None or distance < best[0]:
                best = (distance, kind)
    return (best[1], _number(match)) if best else None


def _cheap_dollars(match: re.Match[str]) -> tuple[str, float] | None:
    """A bare dollar figure under a dollar is a price of power ("at $0.05"); larger ones
    ("$68,000") are not read: nothing says what they price."""
    value = _number(match)
    return (PRICE, value) if 0 < value < 1 else None


_RULES = _rules()


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity stated in ``text``, in the calculator's units, in reading order."""
    taken: list[tuple[int, int]] = []
    found: list[Quantity] = []
    for pattern, read in _RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            reading = read(match)
            if reading is None:
                continue
            kind, value = reading
            taken.append((start, end))
            found.append(Quantity(kind, value, match.group(0).strip(), start, end))
    return sorted(found, key=lambda q: q.start)
