"""The quantities a question states, read into the calculator's units: a table of cases,
including numbers that must not be read as quantities."""

from __future__ import annotations

import pytest

from assistant.mining.quantities import (
    BTC_PRICE,
    EFFICIENCY,
    FEES,
    HASHRATE,
    MINER_HASHRATE,
    PRICE,
    PUE,
    SUBSIDY,
    parse_quantities,
)

READ = [
    # electricity prices, in $/kWh
    ("What is the energy cost per bitcoin at 8 cents per kWh?", [(PRICE, 0.08)]),
    ("at 8 cents/kWh", [(PRICE, 0.08)]),
    ("at 8¢/kWh", [(PRICE, 0.08)]),
    ("what does it cost in power to mine a BTC at 5¢", [(PRICE, 0.05)]),
    ("power at $0.05/kWh", [(PRICE, 0.05)]),
    ("power at $0.065 per kWh", [(PRICE, 0.065)]),
    ("a tariff of $50/MWh", [(PRICE, 0.05)]),
    ("a tariff of 50 USD per MWh", [(PRICE, 0.05)]),
    ("$45 per megawatt-hour", [(PRICE, 0.045)]),
    ("4 c/kWh", [(PRICE, 0.04)]),
    ("3.5 cents a kilowatt hour", [(PRICE, 0.035)]),
    ("at eight cents per kWh", [(PRICE, 0.08)]),
    ("power at three cents", [(PRICE, 0.03)]),
    ("at $0.05?", [(PRICE, 0.05)]),
    ("0.06 dollars per kWh", [(PRICE, 0.06)]),
    # machine efficiency, in J/TH
    ("17.5 J/TH machines", [(EFFICIENCY, 17.5)]),
    ("20 joules per terahash", [(EFFICIENCY, 20.0)]),
    ("17.5 W/TH", [(EFFICIENCY, 17.5)]),
    ("a 15 J/TH/s rig", [(EFFICIENCY, 15.0)]),
    # network hash rate, in EH/s
    ("at 800 EH/s", [(HASHRATE, 800.0)]),
    ("an 800 exahash network", [(HASHRATE, 800.0)]),
    ("0.8 ZH/s", [(HASHRATE, 800.0)]),
    ("800,000 PH/s", [(HASHRATE, 800.0)]),
    ("hash rate reached 1,000 EH/s", [(HASHRATE, 1000.0)]),
    ("900 exahashes per second", [(HASHRATE, 900.0)]),
    # one miner's hash rate, in TH/s
    ("a 200 TH/s machine", [(MINER_HASHRATE, 200.0)]),
    ("1 PH/s of machines", [(MINER_HASHRATE, 1000.0)]),
    ("an operator with 8 EH/s", [(MINER_HASHRATE, 8e6)]),
    # bitcoin price, in $
    ("BTC at $100,000", [(BTC_PRICE, 100_000.0)]),
    ("a $100k bitcoin", [(BTC_PRICE, 100_000.0)]),
    ("a bitcoin price of $95,000", [(BTC_PRICE, 95_000.0)]),
    ("a $100,000 bitcoin price", [(BTC_PRICE, 100_000.0)]),
    ("if the price of bitcoin is $90,000", [(BTC_PRICE, 90_000.0)]),
    ("with bitcoin trading at $85.5k", [(BTC_PRICE, 85_500.0)]),
    ("BTC = $120 thousand", [(BTC_PRICE, 120_000.0)]),
    # subsidy and fees, in BTC per block
    ("a 3.125 BTC subsidy", [(SUBSIDY, 3.125)]),
    ("after the subsidy drops to 1.5625 BTC", [(SUBSIDY, 1.5625)]),
    ("fees of 0.1 BTC per block", [(FEES, 0.1)]),
    ("the block reward dropped from 50 to 25 BTC", [(SUBSIDY, 25.0)]),  # 50 has no unit
    ("a hypothetical 0.125 BTC fee per block", [(FEES, 0.125)]),
    ("a 3.125 BTC reward plus fees of 0.2 BTC", [(SUBSIDY, 3.125), (FEES, 0.2)]),
    # overhead
    ("PUE 1.1", [(PUE, 1.1)]),
    ("with a PUE of 1.25", [(PUE, 1.25)]),
    ("a 1.05 PUE site", [(PUE, 1.05)]),
    # several in one question, in reading order
    ("What is hashprice at 900 EH/s with BTC at $100,000?",
     [(HASHRATE, 900.0), (BTC_PRICE, 100_000.0)]),
    ("What would a day of power cost for a 200 TH/s machine at 20 J/TH if electricity is 8 "
     "cents per kWh?", [(MINER_HASHRATE, 200.0), (EFFICIENCY, 20.0), (PRICE, 0.08)]),
    ("break-even power price for a 20 J/TH miner", [(EFFICIENCY, 20.0)]),
]

NOT_READ = [
    "What share of global hash rate did China hold in 2019?",
    "the reward fell at block 840,000",
    "demand response from 18:00–22:00",
    "difficulty rose 10%",
    "It costs $68,000 per bitcoin",
    "a $68,000 cost",
    "What does a Bitmain Antminer S21 cost to buy today?",
    "the 5th halving",
    "how much is one bitcoin worth",
    "a $10 million fleet",
    "4 bits and 7B parameters",
    "the 2028 halving",
    "April 2024",
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_each_stated_quantity_is_read_in_the_calculators_unit(
        text: str, expected: list[tuple[str, float]]) -> None:
    found = [(q.kind, q.value) for q in parse_quantities(text)]
    assert [kind for kind, _ in found] == [kind for kind, _ in expected]
    for (_, value), (_, wanted) in zip(found, expected, strict=True):
        assert value == pytest.approx(wanted)


@pytest.mark.parametrize("text", NOT_READ)
def test_a_number_without_a_unit_is_not_a_quantity(text: str) -> None:
    assert parse_quantities(text) == []


def test_a_quantity_keeps_the_text_it_was_read_from_and_its_unit() -> None:
    question = "What is the energy cost per bitcoin at 8 cents per kWh?"
    (price,) = parse_quantities(question)
    assert question[price.start:price.end] == price.text == "8 cents per kWh"
    assert price.unit == "$/kWh"
