"""Which questions the calculator answers (a figure asked, with a value of the question's
own) and which go to the normal pipeline, and the figures it computes from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.mining.figures import calculate_figure, input_text, number
from assistant.mining.presets import Presets, load_presets
from assistant.mining.questions import (
    BREAKEVEN_PRICE,
    ENERGY_COST_PER_BTC,
    ENERGY_PER_BLOCK,
    ENERGY_PER_BTC,
    EXPECTED_BLOCKS,
    HASHPRICE,
    MINER_MARGIN,
    NETWORK_POWER,
    figure_question,
)

QA = Path(__file__).parent / "qa"


@pytest.fixture(scope="module")
def presets() -> Presets:
    return load_presets()


ROUTED = [
    ("What is the energy cost per bitcoin at 8 cents per kWh?", ENERGY_COST_PER_BTC,
     {"price_usd_kwh": 0.08}),
    ("What is the energy cost per bitcoin at $0.05/kWh", ENERGY_COST_PER_BTC,
     {"price_usd_kwh": 0.05}),
    ("How much does the electricity for one bitcoin cost at 4 c/kWh?", ENERGY_COST_PER_BTC,
     {"price_usd_kwh": 0.04}),
    ("what does it cost in power to mine a BTC at 5¢", ENERGY_COST_PER_BTC,
     {"price_usd_kwh": 0.05}),
    ("With $50/MWh power and 17.5 J/TH machines, what's the electricity bill per coin?",
     ENERGY_COST_PER_BTC, {"price_usd_kwh": 0.05, "efficiency_j_th": 17.5}),
    ("If network hash rate reached 1,000 EH/s, what would each coin cost in electricity at "
     "$0.05/kWh?", ENERGY_COST_PER_BTC, {"hashrate_eh_s": 1000.0, "price_usd_kwh": 0.05}),
    ("Counting a hypothetical 0.125 BTC fee per block, how much energy per bitcoin earned?",
     ENERGY_PER_BTC, {"fees_btc": 0.125}),
    ("How many kWh per BTC at 15 J/TH?", ENERGY_PER_BTC, {"efficiency_j_th": 15.0}),
    # a power price stated: the electricity per coin "comes to" a cost …
    ("With 0.2 BTC of fees a block, what does the electricity for each coin mined come to at "
     "$0.06/kWh?", ENERGY_COST_PER_BTC, {"fees_btc": 0.2, "price_usd_kwh": 0.06}),
    # … unless an amount of energy is asked outright
    ("How much electricity per bitcoin at 30 J/TH, if power is 7 cents per kWh?",
     ENERGY_PER_BTC, {"efficiency_j_th": 30.0}),
    ("How much energy does each block take at 15 J/TH?", ENERGY_PER_BLOCK,
     {"efficiency_j_th": 15.0}),
    ("How much power would an 800 EH/s network at 20 J/TH draw?", NETWORK_POWER,
     {"hashrate_eh_s": 800.0, "efficiency_j_th": 20.0}),
    ("What's the bitcoin network's electricity consumption at 0.9 ZH/s?", NETWORK_POWER,
     {"hashrate_eh_s": 900.0}),
    ("what is hashprice at 900 EH/s", HASHPRICE, {"hashrate_eh_s": 900.0}),
    ("What hashprice does the worked example give at a $100,000 bitcoin price?", HASHPRICE,
     {"btc_price_usd": 100_000.0}),
    ("Hash price with BTC at $80k and fees of 0.2 BTC per block?", HASHPRICE,
     {"btc_price_usd": 80_000.0, "fees_btc": 0.2}),
    ("break-even power price for a 20 J/TH miner", BREAKEVEN_PRICE, {"efficiency_j_th": 20.0}),
    ("At what electricity price does a 17.5 W/TH machine stop earning money with a PUE of 1.1?",
     BREAKEVEN_PRICE, {"efficiency_j_th": 17.5, "pue": 1.1}),
    ("Is mining profitable in Ethiopia with 17.5 J/TH machines?", MINER_MARGIN,
     {"efficiency_j_th": 17.5}),
    ("What margin does a 200 TH/s, 17.5 J/TH rig make at 6 cents per kWh?", MINER_MARGIN,
     {"miner_hashrate_th_s": 200.0, "efficiency_j_th": 17.5, "price_usd_kwh": 0.06}),
    ("What is the energy cost per bitcoin in Paraguay?", ENERGY_COST_PER_BTC, {}),
    ("On an 800 EH/s network, how many blocks a day should an operator with 8 EH/s expect to "
     "find?", EXPECTED_BLOCKS, {"hashrate_eh_s": 800.0, "miner_hashrate_th_s": 8e6}),
    ("How many blocks per week does a 500 PH/s pool find?", EXPECTED_BLOCKS,
     {"miner_hashrate_th_s": 5e5}),
]

NOT_ROUTED = [
    "What is the electricity cost per bitcoin?",  # no value: what the library says
    "How do you work out a mining machine's break-even electricity price?",
    "Why is the energy cost per bitcoin about $68,000 at 8 cents per kWh?",
    "Who computed the energy cost per bitcoin at 5 cents per kWh?",
    "Which note gives the hashprice at 800 EH/s?",
    "How much energy cost per bitcoin does going from 5 to 8 cents per kWh add?",
    "What is the energy cost per bitcoin at 5¢ and at 8¢?",  # two prices: a comparison
    "What is the all-in cost per bitcoin at 5 cents per kWh?",  # not energy only
    "How much power does a 200 TH/s miner rated at 20 J/TH draw?",  # one machine's power
    "What electricity rate per kWh does Paraguay's state utility charge bitcoin miners?",
    "What share of global hash rate did China hold in 2019?",
    "Summarize the note on hashprice",
    "What does a Bitmain Antminer S21 cost to buy today?",
    "How much does it cost US miners to produce one bitcoin, all expenses included?",
    "What is the energy cost per bitcoin in the United States?",  # no single tariff
    "How many blocks a day does the network produce?",  # no miner's share: the protocol's
]


@pytest.mark.parametrize(("question", "quantity", "stated"), ROUTED)
def test_a_figure_asked_with_a_value_is_computed(presets: Presets, question: str,
                                                 quantity: str, stated: dict) -> None:
    figure = figure_question(question, presets)
    assert figure is not None
    assert (figure.quantity, figure.stated) == (quantity, pytest.approx(stated))


@pytest.mark.parametrize("question", NOT_ROUTED)
def test_other_questions_go_to_the_pipeline(presets: Presets, question: str) -> None:
    assert figure_question(question, presets) is None


def test_a_region_named_gives_its_tariff_for_the_price(presets: Presets) -> None:
    figure = figure_question("Is mining profitable in Ethiopia with 17.5 J/TH machines?",
                             presets)
    assert figure is not None and figure.tariff is not None
    assert figure.tariff.key.startswith("tariff:ethiopia")
    stated = figure_question("Is mining profitable in Ethiopia at 9 cents per kWh?", presets)
    assert stated is not None and stated.tariff is None  # the price stated wins


def test_the_dev_questions_that_ask_what_a_note_says_are_not_computed(
        presets: Presets) -> None:
    """Of the bundled question sets, a question is computed only when it asks for a figure
    and states a value; "what did the example give" with no value stays with the library."""
    questions = [json.loads(line)["question"] for path in sorted(QA.glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    routed = [q for q in questions if figure_question(q, presets) is not None]
    assert "What would the example hashprice have been before the April 2024 halving?" \
        in questions
    for question in questions:
        if question in ("What would the example hashprice have been before the April 2024 "
                        "halving?", "How much energy per bitcoin would the 2028 halving imply "
                        "if nothing else changed?",
                        "How do you work out a mining machine's break-even electricity price?",
                        "In what unit is hashprice usually quoted by the mining industry?",
                        "What's the difference between quoting hashprice in bitcoin and "
                        "quoting it in dollars?"):
            assert question not in routed
    assert "What is the electricity cost per bitcoin at eight cents per kWh?" in routed
    assert 8 <= len(routed) <= 20  # the calculations with stated values, and no more


@pytest.mark.parametrize(("question", "shown"), [
    ("What is the energy cost per bitcoin at 8 cents per kWh?", "$68,267"),
    ("What is the energy cost per bitcoin at $0.05/kWh?", "$42,667"),
    ("What would each bitcoin cost in power with 15 J/TH machines at five cents?", "$32,000"),
    ("With 20 J/TH machines and power at three cents per kWh, what is the electricity cost "
     "of one bitcoin?", "$25,600"),
    ("After the subsidy drops to 1.5625 BTC, what would each coin cost in electricity at "
     "$0.05/kWh?", "$85,333"),
    ("How much energy per bitcoin at 20 J/TH?", "853,333 kWh"),
    ("How much power would an 800 EH/s network at 20 J/TH draw?", "16 GW"),
    ("What hashprice does the worked example give at a $100,000 bitcoin price?", "$56.25"),
    ("what is hashprice at 900 EH/s", "$50.00"),
    ("break-even power price for a 20 J/TH miner", "$0.1172/kWh"),
    ("On an 800 EH/s network, how many blocks a day should an operator with 8 EH/s expect?",
     "1.44 blocks/day"),
])
def test_the_figures_match_the_librarys_worked_examples(presets: Presets, question: str,
                                                        shown: str) -> None:
    figure = figure_question(question, presets)
    assert figure is not None
    calculation = calculate_figure(figure, presets)
    unit = {"$/BTC": "$", "kWh/BTC": "kWh", "$/PH/s/day": "$"}.get(calculation.unit,
                                                                    calculation.unit)
    assert number(calculation.value, unit) == shown


def test_a_calculation_names_its_inputs_and_where_each_came_from(presets: Presets) -> None:
    figure = figure_question("What is the energy cost per bitcoin at 8 cents per kWh?", presets)
    assert figure is not None
    calculation = calculate_figure(figure, presets)
    assert calculation.formula == ("800 EH/s × 20 J/TH × 600 s ÷ (3.6 × 3.125 BTC) × "
                                   "$0.08/kWh")
    price = calculation.input("price_usd_kwh")
    assert price.stated and price.preset is None
    hashrate = calculation.input("hashrate_eh_s")
    assert not hashrate.stated and hashrate.preset is not None
    assert "800 EH/s" in hashrate.preset.source.passage
    assert calculation.workbench_inputs() == {
        "hashrate_eh_s": 800.0, "efficiency_j_th": 20.0, "block_time_s": 600.0,
        "subsidy_btc": 3.125, "fees_btc": 0.0, "price_usd_kwh": 0.08}
    # the chart's curve runs over electricity prices and passes through the answer's point
    xs = [x for x, _ in calculation.curve]
    assert xs[0] == 0 and xs[-1] >= 0.15
    assert any(x == pytest.approx(0.08) and y == pytest.approx(calculation.value)
               for x, y in calculation.curve)


def test_a_calculation_survives_its_json(presets: Presets) -> None:
    figure = figure_question("Is mining profitable in Ethiopia with 17.5 J/TH machines?",
                             presets)
    assert figure is not None
    calculation = calculate_figure(figure, presets)
    assert calculation.value > 0  # Ethiopia's tariff is well under the break-even price
    again = type(calculation).from_json(json.loads(json.dumps(calculation.to_json())))
    assert again == calculation


def test_inputs_are_shown_unrounded() -> None:
    assert input_text("subsidy_btc", 1.5625) == "1.5625 BTC"
    assert input_text("price_usd_kwh", 0.05976) == "$0.05976/kWh"
    assert input_text("btc_price_usd", 100_000) == "$100,000"
