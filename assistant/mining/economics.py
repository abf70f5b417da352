"""Bitcoin mining economics as pure functions, each unit in its name.

Network side: power drawn by the whole network, energy per block and per bitcoin, what that
energy costs, and hashprice. Miner side: one operation's daily revenue, power cost and margin,
its break-even electricity price and its all-in cost per bitcoin with hardware. Values in,
values out; a value that cannot be meant (a negative price, a zero hash rate, a hash rate given
in the wrong unit) is a :class:`CalculationError` that says which input and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.errors import AssistantError

SECONDS_PER_DAY = 86_400
BLOCK_TIME_S = 600.0  # the protocol's target block interval
J_PER_KWH = 3.6e6
TH_PER_EH = 1e6
PH_PER_EH = 1e3

# Bounds that catch a value given in the wrong unit (hash per second for EH/s, watts per
# TH/s written as kW, a price in cents for dollars), not a judgement of what is realistic.
MAX_HASHRATE_EH_S = 1e6  # a million EH/s: over a thousand times today's network
MAX_EFFICIENCY_J_TH = 1e4  # 10,000 J/TH: CPUs are worse, but nobody mines with them
MAX_PRICE_USD_KWH = 2.0  # $2 per kWh: far above what miners pay; "5" meaning cents lands here
MAX_BTC_PER_BLOCK = 50.0  # the first subsidy; fees per block have never come near
MAX_PUE = 5.0


class CalculationError(AssistantError):
    """An input to a mining calculation is missing, out of range or in the wrong unit."""


def _check(name: str, value: float, unit: str, *, low: float = 0.0, high: float = math.inf,
           zero_ok: bool = False) -> float:
    """``value`` as a float, or a :class:`CalculationError` saying what is wrong with it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CalculationError(f"{name} must be a number of {unit}, not {value!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise CalculationError(f"{name} must be a finite number of {unit}, not {value!r}")
    if number < low or (number == low and not zero_ok):
        relation = f"at least {low:g}" if zero_ok else f"more than {low:g}"
        raise CalculationError(f"{name} must be {relation} {unit}".rstrip() + f", not {number:g}")
    if number > high:
        given = f"{number:g} {unit}".rstrip()
        raise CalculationError(
            f"{name} of {given} is beyond any real value (at most {high:g}); check the unit")
    return number


def hashrate(value: float) -> float:
    """A network hash rate in EH/s, checked."""
    return _check("Network hash rate", value, "EH/s", high=MAX_HASHRATE_EH_S)


def efficiency(value: float) -> float:
    """A machine efficiency in J/TH, checked."""
    return _check("Machine efficiency", value, "J/TH", high=MAX_EFFICIENCY_J_TH)


def price_kwh(value: float) -> float:
    """An electricity price in US dollars per kWh, checked (free power is allowed)."""
    return _check("Electricity price", value, "$/kWh", high=MAX_PRICE_USD_KWH, zero_ok=True)


def network_power_gw(hashrate_eh_s: float, efficiency_j_th: float) -> float:
    """The whole network's power draw in GW: EH/s × J/TH / 1,000."""
    return hashrate(hashrate_eh_s) * efficiency(efficiency_j_th) / 1_000


def energy_per_block_kwh(hashrate_eh_s: float, efficiency_j_th: float,
                         block_time_s: float = BLOCK_TIME_S) -> float:
    """The energy the network spends on one block, in kWh: power × block time."""
    seconds = _check("Block time", block_time_s, "seconds", high=1e6)
    return network_power_gw(hashrate_eh_s, efficiency_j_th) * 1e9 * seconds / J_PER_KWH


def paid_per_block_btc(subsidy_btc: float, fees_btc: float = 0.0) -> float:
    """What a block pays its miner in BTC: the subsidy plus the average fees."""
    subsidy = _check("Block subsidy", subsidy_btc, "BTC", high=MAX_BTC_PER_BLOCK, zero_ok=True)
    fees = _check("Fees per block", fees_btc, "BTC", high=MAX_BTC_PER_BLOCK, zero_ok=True)
    if subsidy + fees <= 0:
        raise CalculationError("A block must pay something: the subsidy and fees are both 0 BTC")
    return subsidy + fees


def energy_per_btc_kwh(hashrate_eh_s: float, efficiency_j_th: float, subsidy_btc: float,
                       fees_btc: float = 0.0, block_time_s: float = BLOCK_TIME_S) -> float:
    """The energy spent per bitcoin paid to miners, in kWh: energy per block / BTC per block."""
    return (energy_per_block_kwh(hashrate_eh_s, efficiency_j_th, block_time_s)
            / paid_per_block_btc(subsidy_btc, fees_btc))


def energy_cost_per_btc_usd(energy_per_btc: float, price_usd_kwh: float) -> float:
    """What the energy for one bitcoin costs in US dollars: kWh per BTC × $/kWh."""
    kwh = _check("Energy per bitcoin", energy_per_btc, "kWh")
    return kwh * price_kwh(price_usd_kwh)


def blocks_per_day(block_time_s: float = BLOCK_TIME_S) -> float:
    """How many blocks a day brings at the given block time (144 at 600 s)."""
    return SECONDS_PER_DAY / _check("Block time", block_time_s, "seconds", high=1e6)


def hashprice_btc_per_ph_day(hashrate_eh_s: float, subsidy_btc: float, fees_btc: float = 0.0,
                             block_time_s: float = BLOCK_TIME_S) -> float:
    """What one PH/s earns in a day, in BTC: its share of the network × BTC paid per day."""
    share = 1.0 / (hashrate(hashrate_eh_s) * PH_PER_EH)
    return share * blocks_per_day(block_time_s) * paid_per_block_btc(subsidy_btc, fees_btc)


def hashprice_usd_per_ph_day(hashrate_eh_s: float, subsidy_btc: float, fees_btc: float,
                             btc_price_usd: float, block_time_s: float = BLOCK_TIME_S) -> float:
    """Hashprice: what one PH/s earns in a day, in US dollars."""
    price = _check("Bitcoin price", btc_price_usd, "US dollars", high=1e9)
    return hashprice_btc_per_ph_day(hashrate_eh_s, subsidy_btc, fees_btc, block_time_s) * price


def miner_share(miner_hashrate_th_s: float, hashrate_eh_s: float) -> float:
    """A miner's share of the network's hash rate (0 to 1), from TH/s and EH/s."""
    own = _check("Miner hash rate", miner_hashrate_th_s, "TH/s", high=MAX_HASHRATE_EH_S * 1e6)
    network_th = hashrate(hashrate_eh_s) * TH_PER_EH
    if own > network_th:
        raise CalculationError(
            f"Miner hash rate of {own:g} TH/s is more than the whole network's "
            f"{network_th:g} TH/s; check the units")
    return own / network_th


def expected_blocks_per_day(miner_hashrate_th_s: float, hashrate_eh_s: float,
                            block_time_s: float = BLOCK_TIME_S) -> float:
    """How many blocks a miner finds in a day on average: its share of the network's hash
    rate × the blocks a day brings (the count itself varies at random around it)."""
    return miner_share(miner_hashrate_th_s, hashrate_eh_s) * blocks_per_day(block_time_s)


def power_kwh_per_ph_day(efficiency_j_th: float, pue: float = 1.0) -> float:
    """The electricity one PH/s draws in a day, in kWh, with the site's overhead (PUE)."""
    overhead = _check("Overhead (PUE)", pue, "", low=1.0, high=MAX_PUE, zero_ok=True)
    # J/TH is W per TH/s, so kW per PH/s; over 24 hours, kWh
    return efficiency(efficiency_j_th) * 24 * overhead


def breakeven_price_usd_kwh(hashprice_usd_ph_day: float, efficiency_j_th: float,
                            pue: float = 1.0) -> float:
    """The electricity price at which a machine's power bill eats all it earns, in $/kWh."""
    revenue = _check("Hashprice", hashprice_usd_ph_day, "$/PH/s/day", zero_ok=True)
    return revenue / power_kwh_per_ph_day(efficiency_j_th, pue)


@dataclass(frozen=True)
class MinerDay:
    """One operation's day: energy drawn, BTC earned, revenue, power cost and margin."""

    energy_kwh: float
    earned_btc: float
    revenue_usd: float
    power_cost_usd: float
    margin_usd: float


def miner_day(miner_hashrate_th_s: float, efficiency_j_th: float, price_usd_kwh: float, *,
              hashrate_eh_s: float, subsidy_btc: float, fees_btc: float, btc_price_usd: float,
              pue: float = 1.0, block_time_s: float = BLOCK_TIME_S) -> MinerDay:
    """A miner's daily revenue, power cost and margin from its own hash rate (TH/s),
    efficiency, overhead (PUE) and tariff, against the network's hash rate and pay."""
    miner_share(miner_hashrate_th_s, hashrate_eh_s)  # checks both, and that one fits the other
    ph = float(miner_hashrate_th_s) / 1_000
    earned = hashprice_btc_per_ph_day(hashrate_eh_s, subsidy_btc, fees_btc, block_time_s) * ph
    revenue = earned * _check("Bitcoin price", btc_price_usd, "US dollars", high=1e9)
    energy = power_kwh_per_ph_day(efficiency_j_th, pue) * ph
    cost = energy * price_kwh(price_usd_kwh)
    return MinerDay(energy, earned, revenue, cost, revenue - cost)


def all_in_cost_per_btc_usd(efficiency_j_th: float, price_usd_kwh: float,
                            hardware_usd_per_th: float, lifetime_years: float, *,
                            hashrate_eh_s: float, subsidy_btc: float, fees_btc: float = 0.0,
                            pue: float = 1.0, block_time_s: float = BLOCK_TIME_S) -> float:
    """What one bitcoin costs a miner with its power (overhead included) and its machines'
    price spread evenly over their working life, in US dollars."""
    hardware = _check("Hardware cost", hardware_usd_per_th, "$ per TH/s", high=1e5, zero_ok=True)
    years = _check("Hardware lifetime", lifetime_years, "years", high=50)
    btc_per_th_day = hashprice_btc_per_ph_day(hashrate_eh_s, subsidy_btc, fees_btc,
                                              block_time_s) / 1_000
    power_per_th_day = power_kwh_per_ph_day(efficiency_j_th, pue) / 1_000 * price_kwh(
        price_usd_kwh)
    hardware_per_th_day = hardware / (years * 365.25)
    return (power_per_th_day + hardware_per_th_day) / btc_per_th_day


@dataclass(frozen=True)
class Inputs:
    """What the network-side results are computed from, each in the unit its name says."""

    hashrate_eh_s: float
    efficiency_j_th: float
    price_usd_kwh: float
    subsidy_btc: float
    btc_price_usd: float
    fees_btc: float = 0.0
    pue: float = 1.0
    block_time_s: float = BLOCK_TIME_S


@dataclass(frozen=True)
class Results:
    """The network-side figures for one set of inputs (the CLI's JSON keys)."""

    network_power_gw: float
    energy_per_block_kwh: float
    energy_per_btc_kwh: float
    energy_cost_per_btc_usd: float
    hashprice_usd_per_ph_day: float
    breakeven_price_kwh: float


@dataclass(frozen=True)
class ResultField:
    """How every front end (the CLI, the workbench, its CSV) names and shows one result."""

    key: str  # the Results field
    label: str
    unit: str
    template: str  # the value as a reader sees it, unit included


RESULT_FIELDS: tuple[ResultField, ...] = (
    ResultField("network_power_gw", "Network power", "GW", "{:,.2f} GW"),
    ResultField("energy_per_block_kwh", "Energy per block", "kWh", "{:,.0f} kWh"),
    ResultField("energy_per_btc_kwh", "Energy per bitcoin", "kWh", "{:,.0f} kWh"),
    ResultField("energy_cost_per_btc_usd", "Energy cost per bitcoin", "$", "${:,.0f}"),
    ResultField("hashprice_usd_per_ph_day", "Hashprice", "$/PH/s/day",
                "${:,.2f} per PH/s per day"),
    ResultField("breakeven_price_kwh", "Break-even electricity price", "$/kWh",
                "${:,.4f} per kWh"),
)


def calculate(inputs: Inputs) -> Results:
    """Every network-side figure for ``inputs``; the break-even price is for a machine of
    the inputs' efficiency and overhead."""
    per_btc = energy_per_btc_kwh(inputs.hashrate_eh_s, inputs.efficiency_j_th,
                                 inputs.subsidy_btc, inputs.fees_btc, inputs.block_time_s)
    hashprice = hashprice_usd_per_ph_day(inputs.hashrate_eh_s, inputs.subsidy_btc,
                                         inputs.fees_btc, inputs.btc_price_usd,
                                         inputs.block_time_s)
    return Results(
        network_power_gw=network_power_gw(inputs.hashrate_eh_s, inputs.efficiency_j_th),
        energy_per_block_kwh=energy_per_block_kwh(inputs.hashrate_eh_s, inputs.efficiency_j_th,
                                                  inputs.block_time_s),
        energy_per_btc_kwh=per_btc,
        energy_cost_per_btc_usd=energy_cost_per_btc_usd(per_btc, inputs.price_usd_kwh),
        hashprice_usd_per_ph_day=hashprice,
        breakeven_price_kwh=breakeven_price_usd_kwh(hashprice, inputs.efficiency_j_th,
                                                    inputs.pue),
    )
