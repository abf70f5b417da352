"""``assistant calc``: the mining calculator on the terminal, each default cited from the
bundled library's notes. Arithmetic only: no data directory, no model, no index."""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from typing import Any

from assistant.mining.economics import RESULT_FIELDS, Inputs, Results, calculate
from assistant.mining.presets import Preset, inputs_with, load_presets

# Each input: its option (block time has none: the protocol's), what a reader calls it, its unit.
FIELDS: dict[str, tuple[str, str, str]] = {
    "hashrate_eh_s": ("--hashrate-eh", "Network hash rate", "EH/s"),
    "efficiency_j_th": ("--efficiency-j-th", "Machine efficiency", "J/TH"),
    "price_usd_kwh": ("--price-kwh", "Electricity price", "$/kWh"),
    "subsidy_btc": ("--subsidy-btc", "Block subsidy", "BTC"),
    "fees_btc": ("--fees-btc", "Fees per block", "BTC"),
    "btc_price_usd": ("--btc-price", "Bitcoin price", "$"),
    "pue": ("--pue", "Overhead (PUE)", "ratio"),
    "block_time_s": ("", "Block time", "s"),
}


def add_calc_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``assistant calc``."""
    calc = commands.add_parser(
        "calc", help="mining economics from figures you give and the library's cited defaults",
        description="Network power, energy and its cost per block and per bitcoin, hashprice "
                    "and the break-even electricity price. An input not given is read from "
                    "the bundled library's notes, and the note and passage are shown.")
    helps = {
        "hashrate_eh_s": "network hash rate in EH/s",
        "efficiency_j_th": "machine efficiency in J/TH (the network's and the break-even's)",
        "price_usd_kwh": "electricity price in US dollars per kWh (8 cents: 0.08)",
        "subsidy_btc": "block subsidy in BTC",
        "fees_btc": "average fees per block in BTC",
        "btc_price_usd": "bitcoin price in US dollars",
        "pue": "site overhead (power usage effectiveness, 1 = none) for the break-even price",
    }
    for name, text in helps.items():
        calc.add_argument(FIELDS[name][0], dest=name, type=float, metavar="N", help=text)
    calc.add_argument("--json", action="store_true", help="print one JSON object")


def run_calc(args: argparse.Namespace) -> int:
    """Compute and print the results and the inputs used; a bad input is a
    :class:`~assistant.mining.economics.CalculationError`."""
    stated = {name: getattr(args, name, None) for name in FIELDS}
    inputs, used = inputs_with(load_presets(), **stated)
    given = {name for name, value in stated.items() if value is not None}
    results = calculate(inputs)
    if args.json:
        print(json.dumps(calc_json(inputs, results, used, given), ensure_ascii=False, indent=2))
    else:
        print(format_calc(inputs, results, used, given))
    return 0


def calc_json(inputs: Inputs, results: Results, used: dict[str, Preset | None],
              stated: set[str]) -> dict[str, Any]:
    """The command's JSON: every result, then each input's value, unit, whether it was
    stated, and its source (None when stated, or for an overhead of 1 that no note gives)."""
    out: dict[str, Any] = {field.key: getattr(results, field.key) for field in RESULT_FIELDS}
    out["inputs"] = {}
    for name, (_, label, unit) in FIELDS.items():
        preset = used.get(name)
        source = None if preset is None else {
            "title": preset.source.title, "file": preset.source.file,
            "passage": preset.source.passage}
        out["inputs"][name] = {"value": getattr(inputs, name), "unit": unit, "label": label,
                               "stated": name in stated, "source": source}
    return out


def shown(value: float, unit: str) -> str:
    """A value with its unit as a reader writes it: "$100,000", "$0.05/kWh", "800 EH/s"."""
    number = f"{value:,g}"
    if unit == "$":
        return f"${number}"
    if unit.startswith("$/"):
        return f"${number}{unit[1:]}"
    return number if unit == "ratio" else f"{number} {unit}"


def format_calc(inputs: Inputs, results: Results, used: dict[str, Preset | None],
                stated: set[str], width: int | None = None) -> str:
    """The results as a table, then each input used with "(stated)" or its note and passage."""
    width = width or min(100, shutil.get_terminal_size((100, 20)).columns)
    label_width = max(len(field.label) for field in RESULT_FIELDS)
    lines = ["Results"]
    for field in RESULT_FIELDS:
        value = field.template.format(getattr(results, field.key))
        lines.append(f"  {field.label:<{label_width}}  {value}")
    lines.append(f"  (break-even: for a {shown(inputs.efficiency_j_th, 'J/TH')} machine at "
                 f"PUE {inputs.pue:g}; fees {shown(inputs.fees_btc, 'BTC')} per block)")
    lines += ["", "Inputs"]
    field_width = max(len(label) for _, label, _ in FIELDS.values())
    quoted: set[str] = set()
    for name, (_, label, unit) in FIELDS.items():
        preset = None if name in stated else used.get(name)
        where = ("(stated)" if name in stated else "(no overhead assumed)" if preset is None
                 else preset.label)
        lines.append(f"  {label:<{field_width}}  {shown(getattr(inputs, name), unit):<12} {where}")
        if preset is not None:
            source = preset.source
            cited = f"{source.title} ({source.file}): “{source.passage}”"
            if source.passage in quoted:
                cited = f"{source.title} ({source.file}), the passage above"
            quoted.add(source.passage)
            lines.append(textwrap.fill(cited, width=width, initial_indent="      ",
                                       subsequent_indent="      "))
    return "\n".join(lines)
