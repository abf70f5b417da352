"""The mining-economics workbench: the library's presets, and every figure and chart series
for one set of inputs, computed by the core's economics (values in, values out).

:func:`workbench` is pure; :class:`MiningController` loads the presets through the session,
computes on each change of the inputs and writes the table as CSV. It holds no widgets.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from assistant.app import (
    RESULT_FIELDS,
    CalculationError,
    Inputs,
    MinerDay,
    Preset,
    Presets,
    Results,
    all_in_cost_per_btc_usd,
    calculate,
    energy_cost_per_btc_usd,
    energy_per_btc_kwh,
    miner_day,
)
from ui.controllers.session import Session

INPUT_FIELDS = tuple(field.name for field in fields(Inputs))
# The miner's own operation: not figures of the network, so the library has no preset for
# them; these are examples a user replaces (1 PH/s makes the daily figures per PH/s).
MINER_EXAMPLES = {"miner_hashrate_th_s": 1_000.0, "hardware_usd_per_th": 15.0,
                  "lifetime_years": 3.0}
CHART_PRICE_MAX_USD_KWH = 0.15  # the cost chart's electricity prices: 0 to 15 cents at least
PRICE_STEPS = 30
BTC_PRICE_STEPS = 40  # the margin chart: 0 to twice the bitcoin price (or past break-even)

Point = tuple[float, float]


@dataclass(frozen=True)
class CostLine:
    """Power cost per bitcoin against the electricity price for one machine efficiency."""

    label: str
    efficiency_j_th: float
    points: tuple[Point, ...]  # ($/kWh, $ per BTC)
    current: bool  # the inputs' own efficiency

    @property
    def legend(self) -> str:
        """The line's name in a chart's legend: its efficiency."""
        return f"{self.efficiency_j_th:g} J/TH" + (" (yours)" if self.current else "")


@dataclass(frozen=True)
class Workbench:
    """Every figure the workbench shows for one set of inputs."""

    inputs: Inputs
    results: Results
    day: MinerDay  # the miner's own operation at the inputs' prices
    all_in_usd: float  # per bitcoin, power (with PUE) and hardware over its lifetime
    breakeven_btc_price_usd: float  # the bitcoin price at which the miner's margin is 0
    cost_lines: tuple[CostLine, ...]
    margin_points: tuple[Point, ...]  # (bitcoin price $, the miner's margin $ per day)
    miner: Mapping[str, float]  # miner_hashrate_th_s, hardware_usd_per_th, lifetime_years

    @property
    def power_cost_per_btc_usd(self) -> float:
        """The energy cost per bitcoin with the site's overhead (PUE), as the chart draws it."""
        return self.results.energy_cost_per_btc_usd * self.inputs.pue


def default_values(presets: Presets) -> dict[str, float]:
    """The workbench's starting inputs: the presets' defaults, PUE 1, the miner examples."""
    values = {key: preset.value for key, preset in presets.defaults.items()
              if key in INPUT_FIELDS}
    values.setdefault("pue", 1.0)
    return {**values, **MINER_EXAMPLES}


def _price_grid(high: float, steps: int) -> tuple[float, ...]:
    return tuple(round(high * i / steps, 12) for i in range(steps + 1))


def _cost_line(inputs: Inputs, label: str, efficiency_j_th: float, prices: Sequence[float],
               current: bool) -> CostLine:
    kwh = energy_per_btc_kwh(inputs.hashrate_eh_s, efficiency_j_th, inputs.subsidy_btc,
                             inputs.fees_btc, inputs.block_time_s) * inputs.pue
    return CostLine(label, efficiency_j_th,
                    tuple((p, energy_cost_per_btc_usd(kwh, p)) for p in prices), current)


def workbench(values: Mapping[str, float], machines: Sequence[Preset] = (),
              tariffs: Sequence[Preset] = ()) -> Workbench:
    """Every figure for ``values`` (Inputs fields and the miner's), or a
    :class:`CalculationError` naming the input that cannot be meant."""
    missing = [name for name in (*INPUT_FIELDS, *MINER_EXAMPLES) if name not in values
               and name not in ("fees_btc", "pue", "block_time_s")]
    if missing:
        raise CalculationError(f"The workbench needs a value for {', '.join(missing)}")
    inputs = Inputs(**{name: float(values[name]) for name in INPUT_FIELDS if name in values})
    results = calculate(inputs)
    network = {"hashrate_eh_s": inputs.hashrate_eh_s, "subsidy_btc": inputs.subsidy_btc,
               "fees_btc": inputs.fees_btc, "pue": inputs.pue,
               "block_time_s": inputs.block_time_s}
    miner = {name: float(values[name]) for name in MINER_EXAMPLES}
    day = miner_day(miner["miner_hashrate_th_s"], inputs.efficiency_j_th, inputs.price_usd_kwh,
                    btc_price_usd=inputs.btc_price_usd, **network)
    all_in = all_in_cost_per_btc_usd(inputs.efficiency_j_th, inputs.price_usd_kwh,
                                     miner["hardware_usd_per_th"], miner["lifetime_years"],
                                     **network)
    high = max(CHART_PRICE_MAX_USD_KWH, inputs.price_usd_kwh * 1.1,
               results.breakeven_price_kwh * 1.1, *(t.value * 1.1 for t in tariffs))
    prices = _price_grid(high, PRICE_STEPS)
    lines = [_cost_line(inputs, f"{m.label} ({m.value:g} J/TH)", m.value, prices, False)
             for m in machines if m.value != inputs.efficiency_j_th]
    lines.append(_cost_line(inputs, f"Your inputs ({inputs.efficiency_j_th:g} J/TH)",
                            inputs.efficiency_j_th, prices, True))
    breakeven_btc = day.power_cost_usd / day.earned_btc
    # revenue is earned BTC × price, as in miner_day, so each point is its margin exactly
    margins = tuple((price, day.earned_btc * price - day.power_cost_usd) for price in
                    _price_grid(max(2 * inputs.btc_price_usd, 1.2 * breakeven_btc),
                                BTC_PRICE_STEPS))
    return Workbench(inputs, results, day, all_in, breakeven_btc,
                     tuple(sorted(lines, key=lambda line: line.efficiency_j_th)), margins,
                     miner)


RESULT_ROWS = tuple(  # (Results field, what a user reads, unit)
    (field.key, field.label, field.unit) for field in RESULT_FIELDS)
DAY_ROWS = (
    ("revenue_usd", "Your daily revenue", "$/day"),
    ("power_cost_usd", "Your daily power cost", "$/day"),
    ("margin_usd", "Your daily margin", "$/day"),
)
INPUT_UNITS = {"hashrate_eh_s": "EH/s", "efficiency_j_th": "J/TH", "price_usd_kwh": "$/kWh",
               "subsidy_btc": "BTC", "fees_btc": "BTC", "btc_price_usd": "$", "pue": "",
               "block_time_s": "s", "miner_hashrate_th_s": "TH/s",
               "hardware_usd_per_th": "$ per TH/s", "lifetime_years": "years"}
CSV_HEADER = ("table", "name", "x", "x_unit", "value", "unit")


def _number(value: float) -> str:
    return f"{value:.12g}"  # every figure's digits, without float noise (0.1171875)


def workbench_rows(bench: Workbench) -> list[tuple[str, str, str, str, str, str]]:
    """The workbench as one long table: inputs, results, then each chart's series."""
    rows = [("input", name, "", "", _number(getattr(bench.inputs, name)), INPUT_UNITS[name])
            for name in INPUT_FIELDS]
    rows += [("input", name, "", "", _number(value), INPUT_UNITS[name])
             for name, value in bench.miner.items()]
    rows += [("result", label, "", "", _number(getattr(bench.results, name)), unit)
             for name, label, unit in RESULT_ROWS]
    rows += [("result", label, "", "", _number(getattr(bench.day, name)), unit)
             for name, label, unit in DAY_ROWS]
    rows.append(("result", "All-in cost per bitcoin", "", "", _number(bench.all_in_usd), "$"))
    rows.append(("result", "Break-even bitcoin price", "", "",
                 _number(bench.breakeven_btc_price_usd), "$"))
    rows += [("power cost per bitcoin", line.label, _number(x), "$/kWh", _number(y), "$")
             for line in bench.cost_lines for x, y in line.points]
    rows += [("daily margin", "Your operation", _number(x), "$ per BTC", _number(y), "$/day")
             for x, y in bench.margin_points]
    return rows


class MiningController(QObject):
    """Loads the presets once the library is open and computes the workbench on demand."""

    presets_ready = Signal(object)  # Presets
    calculated = Signal(object)  # Workbench
    invalid = Signal(str)  # what is wrong with the inputs

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self.presets: Presets | None = None
        self.current: Workbench | None = None  # the last inputs that could be computed
        session.opened.connect(self.load_presets)

    def load_presets(self) -> None:
        """Read the presets from the library's notes, in the background."""
        self.session.run(lambda service: service.mining_presets(), self._loaded)

    def _loaded(self, presets: Presets) -> None:
        self.presets = presets
        self.presets_ready.emit(presets)

    def calculate(self, values: Mapping[str, float]) -> None:
        """Compute the workbench for ``values``: ``calculated``, or ``invalid`` and why."""
        presets = self.presets
        try:
            bench = workbench(values, presets.machines if presets else (),
                              presets.tariffs if presets else ())
        except CalculationError as error:
            self.current = None
            self.invalid.emit(str(error))
            return
        self.current = bench
        self.calculated.emit(bench)

    def export_csv(self, path: Path) -> None:
        """Write the current inputs, results and series to ``path`` as CSV."""
        if self.current is None:
            raise CalculationError("There is nothing to export: the inputs cannot be computed")
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            writer.writerows(workbench_rows(self.current))
