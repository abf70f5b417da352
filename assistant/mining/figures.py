"""A figure question computed: the value, its formula with the inputs used, where each input
came from, and a small curve of the figure against the input it moves with most (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from assistant.mining import economics as eco
from assistant.mining.presets import Preset, Presets, Source, inputs_with
from assistant.mining.quantities import MINER_HASHRATE, PRICE, UNITS
from assistant.mining.questions import (
    BREAKEVEN_PRICE,
    ENERGY_COST_PER_BTC,
    ENERGY_PER_BLOCK,
    ENERGY_PER_BTC,
    EXPECTED_BLOCKS,
    HASHPRICE,
    MINER_MARGIN,
    NETWORK_POWER,
    FigureQuestion,
)

HOURS_PER_YEAR = 8_760
CHART_POINTS = 31
DEFAULT_MINER_TH_S = 1_000.0  # a margin is per PH/s unless the question names a miner

LABELS = {
    "hashrate_eh_s": "network hash rate", "efficiency_j_th": "machine efficiency",
    "price_usd_kwh": "electricity price", "subsidy_btc": "block subsidy",
    "fees_btc": "fees per block", "btc_price_usd": "bitcoin price", "pue": "overhead (PUE)",
    "block_time_s": "block time", MINER_HASHRATE: "miner's hash rate",
}
_UNITS = {**UNITS, "subsidy_btc": "BTC", "block_time_s": "s"}

# The inputs each figure is computed from, in the order its formula reads them.
USES: dict[str, tuple[str, ...]] = {
    ENERGY_COST_PER_BTC: ("hashrate_eh_s", "efficiency_j_th", "block_time_s", "subsidy_btc",
                          "fees_btc", "price_usd_kwh"),
    ENERGY_PER_BTC: ("hashrate_eh_s", "efficiency_j_th", "block_time_s", "subsidy_btc",
                     "fees_btc"),
    ENERGY_PER_BLOCK: ("hashrate_eh_s", "efficiency_j_th", "block_time_s"),
    NETWORK_POWER: ("hashrate_eh_s", "efficiency_j_th"),
    HASHPRICE: ("block_time_s", "subsidy_btc", "fees_btc", "hashrate_eh_s", "btc_price_usd"),
    BREAKEVEN_PRICE: ("block_time_s", "subsidy_btc", "fees_btc", "hashrate_eh_s",
                      "btc_price_usd", "efficiency_j_th", "pue"),
    MINER_MARGIN: (MINER_HASHRATE, "block_time_s", "subsidy_btc", "fees_btc", "hashrate_eh_s",
                   "btc_price_usd", "efficiency_j_th", "pue", "price_usd_kwh"),
    EXPECTED_BLOCKS: (MINER_HASHRATE, "hashrate_eh_s", "block_time_s"),
}

# The figure's name and unit, and the input its chart moves (with the range it spans).
FIGURES: dict[str, tuple[str, str, str, float]] = {
    ENERGY_COST_PER_BTC: ("energy cost per bitcoin", "$/BTC", "price_usd_kwh", 0.15),
    ENERGY_PER_BTC: ("energy per bitcoin", "kWh/BTC", "efficiency_j_th", 40.0),
    ENERGY_PER_BLOCK: ("energy per block", "kWh", "efficiency_j_th", 40.0),
    NETWORK_POWER: ("network power", "GW", "efficiency_j_th", 40.0),
    HASHPRICE: ("hashprice", "$/PH/s/day", "btc_price_usd", 200_000.0),
    BREAKEVEN_PRICE: ("break-even electricity price", "$/kWh", "efficiency_j_th", 40.0),
    MINER_MARGIN: ("daily margin", "$/day", "price_usd_kwh", 0.15),
    EXPECTED_BLOCKS: ("expected blocks per day", "blocks/day", "hashrate_eh_s", 1_600.0),
}


@dataclass(frozen=True)
class CalculationInput:
    """One input of a calculation: its value and unit, and the preset it came from (None:
    the question stated it, or it is the calculator's own, such as no overhead)."""

    name: str
    value: float
    unit: str
    preset: Preset | None
    stated: bool
    citation: int | None = None  # the answer's source that holds the preset's passage

    @property
    def label(self) -> str:
        """What a user reads for this input ("electricity price")."""
        return LABELS.get(self.name, self.name)

    def to_json(self) -> dict[str, Any]:
        """The input as JSON: value, unit, and where it came from."""
        preset = self.preset
        source = None if preset is None else {
            "key": preset.key, "label": preset.label, "value": preset.value,
            "unit": preset.unit, "title": preset.source.title, "file": preset.source.file,
            "passage": preset.source.passage}
        return {"name": self.name, "label": self.label, "value": self.value,
                "unit": self.unit, "stated": self.stated, "citation": self.citation,
                "source": source}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CalculationInput:
        """The input :meth:`to_json` wrote."""
        source = data.get("source")
        preset = None if source is None else Preset(
            source["key"], source["label"], source["value"], source["unit"],
            Source(source["title"], source["file"], source["passage"]))
        return cls(data["name"], data["value"], data["unit"], preset, data["stated"],
                   data.get("citation"))


@dataclass(frozen=True)
class Calculation:
    """A computed figure: value and unit, formula, inputs, and a curve of (x, figure) points
    against one input (``x_input``), on which the answer's own point lies."""

    quantity: str
    value: float
    unit: str
    formula: str
    inputs: tuple[CalculationInput, ...]
    x_input: str
    curve: tuple[tuple[float, float], ...]
    extra: dict[str, float]

    @property
    def label(self) -> str:
        """The figure's name ("energy cost per bitcoin")."""
        return FIGURES[self.quantity][0]

    @property
    def value_text(self) -> str:
        """The figure as the answer writes it: "$68,267", "16 GW", "$0.1172/kWh"."""
        return number(self.value, self.unit)

    def input(self, name: str) -> CalculationInput:
        """The input called ``name``."""
        return next(item for item in self.inputs if item.name == name)

    def to_json(self) -> dict[str, Any]:
        """The calculation as JSON (``ask --json``'s ``calculation``, and stored)."""
        return {"quantity": self.quantity, "label": self.label, "value": self.value,
                "unit": self.unit, "formula": self.formula,
                "inputs": [item.to_json() for item in self.inputs],
                "chart": {"x": self.x_input, "x_label": LABELS[self.x_input],
                          "x_unit": _UNITS.get(self.x_input, ""),
                          "points": [list(point) for point in self.curve]},
                "extra": dict(self.extra)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calculation:
        """The calculation :meth:`to_json` wrote."""
        chart = data["chart"]
        return cls(data["quantity"], data["value"], data["unit"], data["formula"],
                   tuple(CalculationInput.from_json(item) for item in data["inputs"]),
                   chart["x"], tuple((float(x), float(y)) for x, y in chart["points"]),
                   dict(data.get("extra", {})))

    def values(self) -> dict[str, float]:
        """Each input's value by name."""
        return {item.name: item.value for item in self.inputs}

    def workbench_inputs(self) -> dict[str, float]:
        """The calculator inputs used (Inputs field → value), for the workbench."""
        return {item.name: item.value for item in self.inputs if item.name in LABELS
                and item.name != MINER_HASHRATE}


def _values(figure: FigureQuestion, presets: Presets) -> tuple[eco.Inputs, dict[str, Any],
                                                                float]:
    stated = {k: v for k, v in figure.stated.items() if k != MINER_HASHRATE}
    if figure.tariff is not None and PRICE not in stated:
        stated[PRICE] = figure.tariff.value
    inputs, used = inputs_with(presets, **stated)
    if figure.tariff is not None and PRICE not in figure.stated:
        used[PRICE] = figure.tariff
    return inputs, used, figure.stated.get(MINER_HASHRATE, DEFAULT_MINER_TH_S)


def _compute(quantity: str, inputs: eco.Inputs, miner_th_s: float) -> float:
    """The figure ``quantity`` for ``inputs`` (and one miner's hash rate, for a margin)."""
    i = inputs
    if quantity == NETWORK_POWER:
        return eco.network_power_gw(i.hashrate_eh_s, i.efficiency_j_th)
    if quantity == EXPECTED_BLOCKS:
        return eco.expected_blocks_per_day(miner_th_s, i.hashrate_eh_s, i.block_time_s)
    if quantity == ENERGY_PER_BLOCK:
        return eco.energy_per_block_kwh(i.hashrate_eh_s, i.efficiency_j_th, i.block_time_s)
    per_btc = eco.energy_per_btc_kwh(i.hashrate_eh_s, i.efficiency_j_th, i.subsidy_btc,
                                     i.fees_btc, i.block_time_s) \
        if quantity in (ENERGY_PER_BTC, ENERGY_COST_PER_BTC) else 0.0
    if quantity == ENERGY_PER_BTC:
        return per_btc
    if quantity == ENERGY_COST_PER_BTC:
        return eco.energy_cost_per_btc_usd(per_btc, i.price_usd_kwh)
    hashprice = eco.hashprice_usd_per_ph_day(i.hashrate_eh_s, i.subsidy_btc, i.fees_btc,
                                             i.btc_price_usd, i.block_time_s)
    if quantity == HASHPRICE:
        return hashprice
    if quantity == BREAKEVEN_PRICE:
        return eco.breakeven_price_usd_kwh(hashprice, i.efficiency_j_th, i.pue)
    day = eco.miner_day(miner_th_s, i.efficiency_j_th, i.price_usd_kwh,
                        hashrate_eh_s=i.hashrate_eh_s, subsidy_btc=i.subsidy_btc,
                        fees_btc=i.fees_btc, btc_price_usd=i.btc_price_usd, pue=i.pue,
                        block_time_s=i.block_time_s)
    return day.margin_usd


def number(value: float, unit: str = "") -> str:
    """A figure as a person writes it: "$68,267", "853,333 kWh", "$0.08/kWh", "16 GW"."""
    size = abs(value)
    digits = 0 if size >= 100 else 2 if size >= 1 else 4 if size >= 0.001 else 7
    text = f"{size:,.{digits}f}"
    if "." in text and unit not in ("$", "$/BTC", "$/day", "$/PH/s/day"):
        text = text.rstrip("0").rstrip(".")
    sign = "−" if value < 0 else ""
    if unit.startswith("$"):
        rest = unit[1:]
        return f"{sign}${text}{rest if rest.startswith('/') and rest != '/BTC' else ''}"
    return f"{sign}{text} {unit}".strip()


def input_text(name: str, value: float) -> str:
    """An input as given, unrounded: "3.125 BTC", "$0.05976/kWh", "800 EH/s"."""
    text = f"{abs(value):,.6f}".rstrip("0").rstrip(".")
    unit = _UNITS.get(name, "")
    sign = "−" if value < 0 else ""
    if unit.startswith("$"):
        return f"{sign}${text}{unit[1:]}"
    return f"{sign}{text} {unit}".strip()


def formula(quantity: str, values: Mapping[str, float],
            mark: Callable[[str], str] = lambda name: "") -> str:
    """The arithmetic behind the figure with the inputs' values (by input name, as
    :data:`USES` lists them); ``mark(name)`` follows each input (a citation, or "")."""
    def v(name: str) -> str:
        return input_text(name, values[name]) + mark(name)

    fees, pue = values.get("fees_btc", 0.0), values.get("pue", 1.0)

    def paid() -> str:
        return v("subsidy_btc") if fees == 0 else f"({v('subsidy_btc')} + {v('fees_btc')})"

    def per_block() -> str:
        return f"{v('hashrate_eh_s')} × {v('efficiency_j_th')} × {v('block_time_s')}"

    def hashprice() -> str:
        return (f"(86,400 s ÷ {v('block_time_s')}) × {paid()} ÷ ({v('hashrate_eh_s')} × "
                f"1,000 PH/EH) × {v('btc_price_usd')}")

    overhead = f" × {v('pue')}" if pue != 1 else ""
    if quantity == EXPECTED_BLOCKS:
        return (f"{v(MINER_HASHRATE)} ÷ ({v('hashrate_eh_s')} × 1,000,000 TH/EH) × "
                f"(86,400 s ÷ {v('block_time_s')})")
    if quantity == NETWORK_POWER:
        return f"{v('hashrate_eh_s')} × {v('efficiency_j_th')} ÷ 1,000"
    if quantity == ENERGY_PER_BLOCK:
        return f"{per_block()} ÷ 3.6"
    if quantity == ENERGY_PER_BTC:
        return f"{per_block()} ÷ (3.6 × {paid()})"
    if quantity == ENERGY_COST_PER_BTC:
        return f"{per_block()} ÷ (3.6 × {paid()}) × {v('price_usd_kwh')}"
    if quantity == HASHPRICE:
        return hashprice()
    if quantity == BREAKEVEN_PRICE:
        return (f"hashprice ÷ ({v('efficiency_j_th')} × 24 h{overhead}), where hashprice = "
                f"{hashprice()}")
    return (f"{v(MINER_HASHRATE)} ÷ 1,000 × (hashprice − {v('efficiency_j_th')} × 24 h"
            f"{overhead} × {v('price_usd_kwh')}), where hashprice = {hashprice()}")


def _curve(quantity: str, inputs: eco.Inputs, miner_th_s: float) -> tuple[
        tuple[float, float], ...]:
    name, top = FIGURES[quantity][2], FIGURES[quantity][3]
    top = max(top, getattr(inputs, name) * 1.5)
    low = 0.0 if name == PRICE else top / 8
    points = []
    for step in range(CHART_POINTS):
        x = low + (top - low) * step / (CHART_POINTS - 1)
        try:
            points.append((x, _compute(quantity, replace(inputs, **{name: x}), miner_th_s)))
        except eco.CalculationError:
            continue  # a point outside what can be meant (a zero efficiency)
    return tuple(points)


def calculate_figure(figure: FigureQuestion, presets: Presets) -> Calculation:
    """Compute ``figure`` from its stated values and the presets for the rest; a
    :class:`~assistant.mining.economics.CalculationError` if a value cannot be meant."""
    inputs, used, miner_th_s = _values(figure, presets)
    value = _compute(figure.quantity, inputs, miner_th_s)
    items = []
    for name in USES[figure.quantity]:
        if name == "pue" and inputs.pue == 1 and "pue" not in figure.stated:
            continue  # no overhead: nothing to show
        amount = miner_th_s if name == MINER_HASHRATE else getattr(inputs, name)
        items.append(CalculationInput(name, amount, _UNITS.get(name, ""),
                                      used.get(name) if name != MINER_HASHRATE else None,
                                      name in figure.stated))
    extra: dict[str, float] = {}
    if figure.quantity == NETWORK_POWER:
        extra["twh_per_year"] = value * HOURS_PER_YEAR / 1_000
    if figure.quantity == HASHPRICE:
        extra["btc_per_ph_day"] = eco.hashprice_btc_per_ph_day(
            inputs.hashrate_eh_s, inputs.subsidy_btc, inputs.fees_btc, inputs.block_time_s)
    if figure.quantity == MINER_MARGIN:
        day = eco.miner_day(miner_th_s, inputs.efficiency_j_th, inputs.price_usd_kwh,
                            hashrate_eh_s=inputs.hashrate_eh_s, subsidy_btc=inputs.subsidy_btc,
                            fees_btc=inputs.fees_btc, btc_price_usd=inputs.btc_price_usd,
                            pue=inputs.pue, block_time_s=inputs.block_time_s)
        extra.update(revenue_usd=day.revenue_usd, power_cost_usd=day.power_cost_usd,
                     breakeven_price_kwh=eco.breakeven_price_usd_kwh(
                         eco.hashprice_usd_per_ph_day(inputs.hashrate_eh_s, inputs.subsidy_btc,
                                                      inputs.fees_btc, inputs.btc_price_usd,
                                                      inputs.block_time_s),
                         inputs.efficiency_j_th, inputs.pue))
    return Calculation(figure.quantity, value, FIGURES[figure.quantity][1],
                       formula(figure.quantity, {item.name: item.value for item in items}),
                       tuple(items),
                       FIGURES[figure.quantity][2], _curve(figure.quantity, inputs, miner_th_s),
                       extra)
