"""Which figure a question asks the calculator for, and the values it states (pure).

The rule: a question is computed when it asks *for* one of the calculator's figures (the
energy cost or energy per bitcoin, the energy per block, the network's power, hashprice, the
break-even electricity price, whether mining pays, or how many blocks a miner finds a day)
*with a value of its own*: a quantity
the figure depends on ("at 8 cents per kWh", "with 17.5 J/TH machines", "at 900 EH/s") or a
region whose tariff the library gives ("in Ethiopia"). Everything else goes to the normal
pipeline: a figure asked with no value ("What is the electricity cost per bitcoin?" — what
the library says), a question that only mentions one ("Why …", "Who …", "Which …", "How do
you work out …"), a comparison ("from 5 to 8 cents", two prices), and figures the calculator
does not make (an all-in cost, one machine's power draw).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.mining.presets import Preset, Presets, find_tariff
from assistant.mining.quantities import (
    BTC_PRICE,
    EFFICIENCY,
    FEES,
    HASHRATE,
    MINER_HASHRATE,
    PRICE,
    PUE,
    SUBSIDY,
    Quantity,
    parse_quantities,
)

ENERGY_COST_PER_BTC = "energy_cost_per_btc"
ENERGY_PER_BTC = "energy_per_btc"
ENERGY_PER_BLOCK = "energy_per_block"
NETWORK_POWER = "network_power"
HASHPRICE = "hashprice"
BREAKEVEN_PRICE = "breakeven_price"
MINER_MARGIN = "miner_margin"
EXPECTED_BLOCKS = "expected_blocks"

# The stated values each figure depends on (one of them, or a tariff where the price is one,
# makes the question a computation).
DEPENDS_ON: dict[str, frozenset[str]] = {
    ENERGY_COST_PER_BTC: frozenset({HASHRATE, EFFICIENCY, PRICE, SUBSIDY, FEES}),
    ENERGY_PER_BTC: frozenset({HASHRATE, EFFICIENCY, SUBSIDY, FEES}),
    ENERGY_PER_BLOCK: frozenset({HASHRATE, EFFICIENCY}),
    NETWORK_POWER: frozenset({HASHRATE, EFFICIENCY}),
    HASHPRICE: frozenset({HASHRATE, SUBSIDY, FEES, BTC_PRICE}),
    BREAKEVEN_PRICE: frozenset({HASHRATE, EFFICIENCY, SUBSIDY, FEES, BTC_PRICE, PUE}),
    MINER_MARGIN: frozenset({HASHRATE, EFFICIENCY, PRICE, SUBSIDY, FEES, BTC_PRICE, PUE,
                             MINER_HASHRATE}),
    EXPECTED_BLOCKS: frozenset({HASHRATE, MINER_HASHRATE}),
}


@dataclass(frozen=True)
class FigureQuestion:
    """A figure to compute, the values the question states (by calculator input) and the
    tariff of a region it names, for the electricity price it does not state."""

    quantity: str
    stated: dict[str, float]
    tariff: Preset | None = None


_I = re.IGNORECASE
_COIN = r"(?:bitcoins?|btc|coins?)"
_ENERGY = re.compile(r"\b(?:energy|electricity|electric|power|kwh|kilowatt[- ]hours?)\b", _I)
_COST = re.compile(r"\b(?:costs?|costing|price[ds]?|expenses?|spend|spent|pay|paid|bill|"
                   r"dollars?|usd)\b|\$", _I)
_PER_COIN = re.compile(rf"(?:\b(?:per|each|every|one|a|an|1|for (?:a|one|each|every)|to "
                       rf"(?:mine|produce|make|earn|create) (?:a|an|one|each|1)?)\s*{_COIN}\b|"
                       rf"/\s?{_COIN}\b|\b{_COIN} (?:mined|produced|earned)\b)", _I)
_PER_BLOCK = re.compile(r"\b(?:per|each|every|one|a|1|for (?:a|one|each)) block\b", _I)
_NETWORK = re.compile(r"\b(?:network|bitcoin|mining|global|whole|total|worldwide)\b", _I)
_DRAW = re.compile(r"\b(?:draws?|drawn|drawing|consumes?|consumed|consumption|use|uses|used|"
                   r"usage|demand|load|gw|gigawatts?|twh|terawatt[- ]hours?)\b", _I)
_BLOCKS = re.compile(r"\bhow many blocks\b|\bblocks? (?:a|per|each|every) (?:day|week)\b|"
                     r"\bexpected (?:number of )?blocks\b", _I)
# An amount of energy asked outright ("how many kWh", "how much energy"): a power price
# stated beside it does not make it a cost.
_ENERGY_AMOUNT = re.compile(r"\bhow (?:many|much) (?:kwh|kilowatt|megawatt|mwh|energy|"
                            r"electricity|power)\b|\bin (?:kwh|kilowatt[- ]hours?)\b", _I)
_HASHPRICE = re.compile(r"\bhash[\s-]?price\b", _I)
_BREAKEVEN = re.compile(
    r"\bbreak[\s-]?even\b|\bat what (?:electricity|power|energy) (?:price|rate|tariff|cost)\b|"
    r"\b(?:maximum|max|highest) (?:electricity|power|energy) (?:price|rate|tariff)\b|"
    r"\b(?:stops?|ceases?) being profitable\b|\bno longer (?:profitable|pays)\b", _I)
_BREAKEVEN_BTC = re.compile(rf"\bbreak[\s-]?even (?:{_COIN} )?(?:{_COIN}|hash) ?price\b", _I)
_MARGIN = re.compile(
    r"\bprofit(?:able|ability|s)?\b|\bmargins?\b|\bmake money\b|\blos(?:e|es|ing) money\b|"
    r"\bin the (?:red|black)\b|\bpays? off\b|\bworth (?:it|mining)\b|\bunderwater\b", _I)
_NOT_ASKING = re.compile(
    r"^(?:(?:in|on|at|for|by|and|so|but|then)\s+)?(?:why|who|whom|whose|when|where|which)\b|"
    r"^how (?:can|could|come|does|do|did|is|are|was|were|should)\b|"
    r"\b(?:explain|define|definition|meaning|mean|means)\b", _I)
_COMPARISON = re.compile(
    r"\bfrom\s+\$?[\d.,]+\s*(?:¢|cents?|j/th|eh/s)?\s+to\b|\bdifference\b|\bcompared?\b|"
    r"\bversus\b|\bvs\.?\s|\bhow much (?:more|less|higher|lower|cheaper)\b", _I)
_ALL_IN = re.compile(r"\ball[\s-]in\b|\ball (?:the )?(?:expenses|costs)\b|\beverything "
                     r"included\b|\bincluding (?:the )?(?:hardware|machines|capex|capital)\b",
                     _I)


def _masked(question: str, found: list[Quantity]) -> str:
    """The question with its stated quantities blanked, so their units are not read as
    words ("8 cents per kWh" says nothing about which figure is asked)."""
    text = question
    for quantity in sorted(found, key=lambda q: -q.start):
        text = text[:quantity.start] + " value " + text[quantity.end:]
    return " ".join(text.split())


def asked_figure(words: str, *, miner: bool) -> str | None:
    """The figure a question (its quantities blanked) asks for, or None; ``miner``: it
    states one miner's hash rate, so a power or energy it asks is that miner's."""
    if miner and _BLOCKS.search(words):  # "how many blocks a day should 8 EH/s find?"
        return EXPECTED_BLOCKS
    if _BREAKEVEN.search(words) and not _BREAKEVEN_BTC.search(words):
        return BREAKEVEN_PRICE
    if _MARGIN.search(words):
        return MINER_MARGIN
    if _HASHPRICE.search(words):
        return HASHPRICE
    energy = _ENERGY.search(words) is not None
    if energy and _PER_COIN.search(words):
        return ENERGY_COST_PER_BTC if _COST.search(words) else ENERGY_PER_BTC
    if miner or not energy or _COST.search(words):
        return None
    if _PER_BLOCK.search(words):
        return ENERGY_PER_BLOCK
    if _DRAW.search(words) and _NETWORK.search(words):
        return NETWORK_POWER
    return None


def figure_question(question: str, presets: Presets) -> FigureQuestion | None:
    """The figure ``question`` asks the calculator for, with the values it states, or None
    when it is not a computation (see the module's rule)."""
    text = " ".join(question.split())
    if _NOT_ASKING.search(text) or _COMPARISON.search(text) or _ALL_IN.search(text):
        return None
    found = parse_quantities(text)
    stated: dict[str, float] = {}
    for value in found:
        if stated.get(value.kind, value.value) != value.value:
            return None  # two prices, two efficiencies: a comparison
        stated[value.kind] = value.value
    words = _masked(text, found)
    quantity = asked_figure(words, miner=MINER_HASHRATE in stated)
    if quantity is None:
        return None
    if quantity == ENERGY_PER_BTC and PRICE in stated and not _ENERGY_AMOUNT.search(words):
        quantity = ENERGY_COST_PER_BTC  # "what does the electricity … come to at $0.05/kWh?"
    relevant = {kind: value for kind, value in stated.items() if kind in DEPENDS_ON[quantity]}
    tariff = None
    if PRICE in DEPENDS_ON[quantity] and PRICE not in relevant:
        tariff = find_tariff(presets, words)
    if not relevant and tariff is None:
        return None  # a figure asked with no value: what the library says about it
    return FigureQuestion(quantity, relevant, tariff)
