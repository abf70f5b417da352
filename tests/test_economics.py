"""The mining economics: the library's worked examples to the unit, hand-computed miner cases,
the errors a wrong input gets, and properties (monotonicity, unit conversions) over many
inputs."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import AssistantError
from assistant.mining.economics import (
    CalculationError,
    Inputs,
    all_in_cost_per_btc_usd,
    blocks_per_day,
    breakeven_price_usd_kwh,
    calculate,
    energy_cost_per_btc_usd,
    energy_per_block_kwh,
    energy_per_btc_kwh,
    expected_blocks_per_day,
    hashprice_btc_per_ph_day,
    hashprice_usd_per_ph_day,
    miner_day,
    network_power_gw,
    paid_per_block_btc,
    power_kwh_per_ph_day,
)

# The energy note's and the hashprice note's worked example: 800 EH/s, 20 J/TH, 3.125 BTC
# per block, fees ignored, BTC at $100,000.
EXAMPLE = Inputs(hashrate_eh_s=800, efficiency_j_th=20, price_usd_kwh=0.05, subsidy_btc=3.125,
                 btc_price_usd=100_000)
NETWORK = {"hashrate_eh_s": 800.0, "subsidy_btc": 3.125, "fees_btc": 0.0,
           "btc_price_usd": 100_000.0}


def test_the_worked_example_energy_per_bitcoin_and_its_cost() -> None:
    assert network_power_gw(800, 20) == pytest.approx(16.0)
    assert round(energy_per_block_kwh(800, 20)) == 2_666_667
    per_btc = energy_per_btc_kwh(800, 20, 3.125)
    assert round(per_btc) == 853_333
    assert round(energy_cost_per_btc_usd(per_btc, 0.05)) == 42_667
    assert round(energy_cost_per_btc_usd(per_btc, 0.08)) == 68_267


def test_the_worked_example_hashprice_and_its_variations() -> None:
    assert blocks_per_day() == 144
    assert hashprice_btc_per_ph_day(800, 3.125) == pytest.approx(0.0005625)
    assert hashprice_usd_per_ph_day(800, 3.125, 0, 100_000) == pytest.approx(56.25)
    assert hashprice_usd_per_ph_day(800, 3.125, 0.1, 100_000) == pytest.approx(58.05)
    assert hashprice_usd_per_ph_day(800, 6.25, 0, 100_000) == pytest.approx(112.50)
    assert round(hashprice_usd_per_ph_day(880, 3.125, 0, 100_000), 2) == 51.14


def test_calculate_gives_every_figure_of_the_worked_example() -> None:
    results = calculate(EXAMPLE)
    assert results.network_power_gw == pytest.approx(16.0)
    assert results.energy_per_block_kwh == pytest.approx(2_666_666.667)
    assert results.energy_per_btc_kwh == pytest.approx(853_333.333)
    assert results.energy_cost_per_btc_usd == pytest.approx(42_666.667)
    assert results.hashprice_usd_per_ph_day == pytest.approx(56.25)
    assert results.breakeven_price_kwh == pytest.approx(56.25 / 480)


def test_a_fleets_power_per_petahash_as_the_hashprice_note_works_it() -> None:
    # 20 J/TH is 20 kW per PH/s: 480 kWh a day, $24 at $0.05 and $38.40 at $0.08
    assert power_kwh_per_ph_day(20) == pytest.approx(480)
    assert power_kwh_per_ph_day(20) * 0.05 == pytest.approx(24)
    assert power_kwh_per_ph_day(20) * 0.08 == pytest.approx(38.40)
    assert power_kwh_per_ph_day(20, pue=1.25) == pytest.approx(600)


def test_a_200_th_machine_at_20_j_th_as_the_costs_note_works_it() -> None:
    day = miner_day(200, 20, 0.05, **NETWORK)
    assert day.energy_kwh == pytest.approx(96)  # 4 kW for 24 hours
    assert day.power_cost_usd == pytest.approx(4.80)
    assert day.earned_btc == pytest.approx(0.0001125)  # 0.2 PH/s × 0.0005625 BTC
    assert day.revenue_usd == pytest.approx(11.25)
    assert day.margin_usd == pytest.approx(6.45)
    dearer = miner_day(200, 20, 0.08, **NETWORK)
    assert dearer.power_cost_usd == pytest.approx(7.68)
    assert dearer.margin_usd == pytest.approx(3.57)


def test_a_miner_finds_its_share_of_the_days_blocks() -> None:
    # the difficulty note's operator: 8 EH/s of 800 is 1%, 1.44 of the 144 blocks a day
    assert expected_blocks_per_day(8e6, 800) == pytest.approx(1.44)
    assert expected_blocks_per_day(8e6, 1_000) == pytest.approx(1.152)  # the network grew
    assert expected_blocks_per_day(200, 800) == pytest.approx(3.6e-5)  # a home machine
    with pytest.raises(CalculationError, match="more than the whole network"):
        expected_blocks_per_day(9e8, 800)


def test_a_miners_margin_with_overhead_fees_and_an_old_machine() -> None:
    with_overhead = miner_day(200, 20, 0.05, **NETWORK, pue=1.25)
    assert with_overhead.energy_kwh == pytest.approx(120)
    assert with_overhead.power_cost_usd == pytest.approx(6.00)
    assert with_overhead.margin_usd == pytest.approx(5.25)
    with_fees = miner_day(1000, 20, 0.05, **{**NETWORK, "fees_btc": 0.1})
    assert with_fees.revenue_usd == pytest.approx(58.05)  # one PH/s earns the hashprice
    old = miner_day(1000, 100, 0.05, **NETWORK)  # a 2016-2017 machine: 2,400 kWh a day
    assert old.power_cost_usd == pytest.approx(120)
    assert old.margin_usd == pytest.approx(56.25 - 120)


def test_the_breakeven_price_is_hashprice_over_daily_energy() -> None:
    assert breakeven_price_usd_kwh(56.25, 20) == pytest.approx(0.1171875)
    assert breakeven_price_usd_kwh(56.25, 20, pue=1.25) == pytest.approx(0.09375)
    assert breakeven_price_usd_kwh(56.25, 100) == pytest.approx(0.0234375)
    assert breakeven_price_usd_kwh(0, 20) == 0
    # at the break-even price the day's margin is nothing
    price = breakeven_price_usd_kwh(hashprice_usd_per_ph_day(800, 3.125, 0, 100_000), 20)
    assert miner_day(1000, 20, price, **NETWORK).margin_usd == pytest.approx(0, abs=1e-9)


def test_all_in_cost_adds_the_machines_spread_over_their_life() -> None:
    power_only = all_in_cost_per_btc_usd(20, 0.05, 0, 3, hashrate_eh_s=800, subsidy_btc=3.125)
    assert power_only == pytest.approx(42_666.667)  # no hardware: the energy cost per bitcoin
    # $15 per TH/s over 3 years: 15 / 1,095.75 days per TH/s a day, over 5.625e-7 BTC
    all_in = all_in_cost_per_btc_usd(20, 0.05, 15, 3, hashrate_eh_s=800, subsidy_btc=3.125)
    assert all_in == pytest.approx(42_666.667 + 15 / (3 * 365.25) / 5.625e-7)
    assert round(all_in) == 67_003
    overhead = all_in_cost_per_btc_usd(20, 0.05, 0, 3, hashrate_eh_s=800, subsidy_btc=3.125,
                                       pue=1.25)
    assert overhead == pytest.approx(42_666.667 * 1.25)


ERRORS: list[tuple[str, Callable[[], object], str]] = [
    ("zero hash rate", lambda: network_power_gw(0, 20),
     "Network hash rate must be more than 0 EH/s"),
    ("negative hash rate", lambda: network_power_gw(-800, 20), "more than 0 EH/s, not -800"),
    ("hash rate in H/s", lambda: network_power_gw(8e20, 20), "beyond any real value"),
    ("zero efficiency", lambda: network_power_gw(800, 0), "Machine efficiency must be more"),
    ("efficiency in J/GH", lambda: network_power_gw(800, 20e3), "Machine efficiency of 20000"),
    ("not a number", lambda: network_power_gw("fast", 20),  # type: ignore[arg-type]
     "must be a number of EH/s"),
    ("NaN", lambda: network_power_gw(math.nan, 20), "must be a finite number"),
    ("infinite", lambda: network_power_gw(800, math.inf), "must be a finite number"),
    ("negative price", lambda: energy_cost_per_btc_usd(853_333, -0.05),
     "Electricity price must be at least 0 $/kWh"),
    ("price in cents", lambda: energy_cost_per_btc_usd(853_333, 8), "check the unit"),
    ("price in cents, 5", lambda: energy_cost_per_btc_usd(853_333, 5), "Electricity price of 5"),
    ("nothing paid", lambda: paid_per_block_btc(0, 0), "A block must pay something"),
    ("subsidy in satoshis", lambda: paid_per_block_btc(312_500_000), "Block subsidy of"),
    ("negative fees", lambda: paid_per_block_btc(3.125, -0.1), "Fees per block must be at least"),
    ("zero block time", lambda: blocks_per_day(0), "Block time must be more than 0"),
    ("negative BTC price", lambda: hashprice_usd_per_ph_day(800, 3.125, 0, -1),
     "Bitcoin price must be more than 0"),
    ("PUE below 1", lambda: power_kwh_per_ph_day(20, pue=0.9), "Overhead (PUE) must be at least 1"),
    ("PUE as a percentage", lambda: power_kwh_per_ph_day(20, pue=120),
     "Overhead (PUE) of 120 is beyond"),
    ("negative hashprice", lambda: breakeven_price_usd_kwh(-1, 20), "Hashprice must be at least"),
    ("miner above the network", lambda: miner_day(9e8, 20, 0.05, **NETWORK),
     "more than the whole network's"),
    ("zero miner hash rate", lambda: miner_day(0, 20, 0.05, **NETWORK), "Miner hash rate"),
    ("zero lifetime", lambda: all_in_cost_per_btc_usd(20, 0.05, 15, 0, hashrate_eh_s=800,
                                                      subsidy_btc=3.125), "Hardware lifetime"),
    ("negative hardware", lambda: all_in_cost_per_btc_usd(20, 0.05, -15, 3, hashrate_eh_s=800,
                                                          subsidy_btc=3.125), "Hardware cost"),
    ("calculate checks too", lambda: calculate(Inputs(0, 20, 0.05, 3.125, 100_000)),
     "Network hash rate must be more than 0"),
]


@pytest.mark.parametrize(("call", "message"), [(call, message) for _, call, message in ERRORS],
                         ids=[name for name, _, _ in ERRORS])
def test_a_bad_input_is_a_calculation_error_naming_it(call: Callable[[], object],
                                                      message: str) -> None:
    with pytest.raises(CalculationError) as raised:
        call()
    assert message in str(raised.value)
    assert isinstance(raised.value, AssistantError)  # front ends show it, never a traceback


def test_free_power_and_fee_only_blocks_are_allowed() -> None:
    assert energy_cost_per_btc_usd(853_333, 0) == 0
    assert paid_per_block_btc(0, 0.5) == 0.5  # after the last halving, fees alone


# Property tests: plausible ranges for each input; no deadline (the suite times nothing).
hashrates = st.floats(1, 100_000)
efficiencies = st.floats(1, 200)
prices = st.floats(0.001, 1.5)
subsidies = st.floats(0.01, 12.5)
fee_amounts = st.floats(0, 5)
btc_prices = st.floats(1, 1e6)
block_times = st.floats(60, 3600)
pues = st.floats(1, 3)
PROPERTIES = settings(deadline=None, database=None, max_examples=200)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@PROPERTIES
@given(hashrates, efficiencies, subsidies, fee_amounts, prices, prices)
def test_energy_cost_per_bitcoin_rises_with_the_price(h: float, e: float, s: float, f: float,
                                                       p1: float, p2: float) -> None:
    per_btc = energy_per_btc_kwh(h, e, s, f)
    low, high = sorted((p1, p2))
    assert energy_cost_per_btc_usd(per_btc, low) <= energy_cost_per_btc_usd(per_btc, high)
    assert close(energy_cost_per_btc_usd(per_btc, p1), per_btc * p1)


@PROPERTIES
@given(hashrates, efficiencies, efficiencies, subsidies)
def test_energy_per_bitcoin_rises_with_worse_efficiency(h: float, e1: float, e2: float,
                                                        s: float) -> None:
    better, worse = sorted((e1, e2))
    assert energy_per_btc_kwh(h, better, s) <= energy_per_btc_kwh(h, worse, s)


@PROPERTIES
@given(hashrates, hashrates, efficiencies, subsidies, btc_prices)
def test_more_hash_rate_costs_more_energy_and_earns_each_petahash_less(
        h1: float, h2: float, e: float, s: float, price: float) -> None:
    small, large = sorted((h1, h2))
    assert energy_per_btc_kwh(small, e, s) <= energy_per_btc_kwh(large, e, s)
    assert hashprice_usd_per_ph_day(small, s, 0, price) >= hashprice_usd_per_ph_day(
        large, s, 0, price)
    # a miner's share is inverse to the network: doubling it halves the hashprice
    assert close(hashprice_usd_per_ph_day(2 * small, s, 0, price),
                 hashprice_usd_per_ph_day(small, s, 0, price) / 2)


@PROPERTIES
@given(hashrates, efficiencies, subsidies, fee_amounts, block_times)
def test_energy_per_bitcoin_is_inverse_to_what_a_block_pays(h: float, e: float, s: float,
                                                            f: float, t: float) -> None:
    per_block = energy_per_block_kwh(h, e, t)
    assert close(energy_per_btc_kwh(h, e, s, f, t) * (s + f), per_block)
    assert energy_per_btc_kwh(h, e, 2 * s, f, t) < energy_per_btc_kwh(h, e, s, f, t)


@PROPERTIES
@given(hashrates, efficiencies, block_times)
def test_energy_per_block_is_power_times_block_time(h: float, e: float, t: float) -> None:
    # GW to kW is 1e6; seconds to hours is / 3600
    assert close(energy_per_block_kwh(h, e, t), network_power_gw(h, e) * 1e6 * t / 3600)
    # EH/s × J/TH: 1e18 H/s × 1e-12 J/H = 1e6 × W per unit, so GW = EH/s × J/TH / 1000
    assert close(network_power_gw(h, e) * 1e9, h * 1e18 * e * 1e-12)


@PROPERTIES
@given(hashrates, subsidies, fee_amounts, btc_prices, block_times)
def test_hashprice_in_dollars_is_hashprice_in_bitcoin_times_the_price(
        h: float, s: float, f: float, price: float, t: float) -> None:
    btc = hashprice_btc_per_ph_day(h, s, f, t)
    assert close(hashprice_usd_per_ph_day(h, s, f, price, t), btc * price)
    # one PH/s of h × 1,000 PH/s wins 1/(h × 1,000) of the day's blocks and what they pay
    assert close(btc, 86_400 / t * (s + f) / (h * 1000))


@PROPERTIES
@given(st.floats(0, 500), efficiencies, pues)
def test_at_the_breakeven_price_the_power_bill_equals_the_hashprice(
        hashprice: float, e: float, pue: float) -> None:
    price = breakeven_price_usd_kwh(hashprice, e, pue)
    assert close(price * 24 * e * pue, hashprice)
    assert close(price * power_kwh_per_ph_day(e, pue), hashprice)


@PROPERTIES
@given(st.floats(1, 10_000), efficiencies, prices, pues, hashrates, subsidies, fee_amounts,
       btc_prices)
def test_a_miners_day_scales_with_its_hash_rate(own: float, e: float, p: float, pue: float,
                                                h: float, s: float, f: float,
                                                price: float) -> None:
    network = {"hashrate_eh_s": h, "subsidy_btc": s, "fees_btc": f, "btc_price_usd": price}
    day = miner_day(own, e, p, **network, pue=pue)
    double = miner_day(2 * own, e, p, **network, pue=pue)
    assert close(day.margin_usd, day.revenue_usd - day.power_cost_usd)
    assert close(double.revenue_usd, 2 * day.revenue_usd)
    assert close(double.energy_kwh, 2 * day.energy_kwh)
    assert close(day.energy_kwh, own / 1000 * 24 * e * pue)  # TH/s × J/TH = W
    assert close(day.revenue_usd, hashprice_usd_per_ph_day(h, s, f, price) * own / 1000)


@PROPERTIES
@given(efficiencies, prices, prices, st.floats(0, 100), st.floats(0.5, 10), hashrates,
       subsidies)
def test_all_in_cost_rises_with_the_price_and_never_falls_below_the_energy_cost(
        e: float, p1: float, p2: float, hardware: float, years: float, h: float,
        s: float) -> None:
    low, high = sorted((p1, p2))
    network = {"hashrate_eh_s": h, "subsidy_btc": s}
    cheap = all_in_cost_per_btc_usd(e, low, hardware, years, **network)
    assert cheap <= all_in_cost_per_btc_usd(e, high, hardware, years, **network)
    energy = energy_cost_per_btc_usd(energy_per_btc_kwh(h, e, s), low)
    assert cheap >= energy * (1 - 1e-9)
    assert close(all_in_cost_per_btc_usd(e, low, 0, years, **network), energy)


@PROPERTIES
@given(hashrates, efficiencies, prices, subsidies, fee_amounts, btc_prices, pues)
def test_calculate_agrees_with_the_single_functions(h: float, e: float, p: float, s: float,
                                                   f: float, price: float, pue: float) -> None:
    results = calculate(Inputs(h, e, p, s, price, fees_btc=f, pue=pue))
    assert close(results.energy_cost_per_btc_usd, results.energy_per_btc_kwh * p)
    assert close(results.energy_per_btc_kwh * (s + f), results.energy_per_block_kwh)
    assert close(results.breakeven_price_kwh * 24 * e * pue, results.hashprice_usd_per_ph_day)
