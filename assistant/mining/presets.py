"""The calculator's presets, each read from a bundled library note with the passage it
comes from: the network figures of the worked examples, ASIC efficiencies and dated tariffs.

Nothing here is a number of its own: every value is parsed, with a pattern anchored on the
words around it, from a sentence (or list item) of a note, so a default is citable and moves
when the note does. A passage a note no longer has leaves its preset out, and
:attr:`Presets.missing` says which and why; :func:`inputs_with` then asks for that value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.mining.economics import CalculationError, Inputs

BUNDLED_PACKAGE = "assistant.bundled"

HASHPRICE = "hashprice.md"
COSTS = "mining-costs-and-asic-efficiency.md"
DIFFICULTY = "difficulty-and-hash-rate.md"
TARIFFS = "electricity-tariffs-for-mining.md"


@dataclass(frozen=True)
class Source:
    """Where a preset's value was read: the note's title and file, and the passage."""

    title: str
    file: str
    passage: str


@dataclass(frozen=True)
class Preset:
    """One value the calculator can start from, in its unit, with its source."""

    key: str
    label: str
    value: float
    unit: str
    source: Source


@dataclass(frozen=True)
class Presets:
    """The defaults for the calculator's inputs, the regions' tariffs and the machines'
    efficiencies; ``missing`` says which presets the notes no longer give, and why."""

    defaults: dict[str, Preset]
    tariffs: tuple[Preset, ...]
    machines: tuple[Preset, ...]
    missing: tuple[str, ...] = ()


Reader = Callable[[re.Match[str]], float]


def _number(text: str) -> float:
    """A figure as written in a note ("100,000", "3.125") as a float."""
    return float(text.replace(",", ""))


def _first(match: re.Match[str]) -> float:
    return _number(match[1])


def _cents(match: re.Match[str]) -> float:
    return round(_number(match[1]) / 100, 10)


def _per_mwh(group: int) -> Reader:
    return lambda match: round(_number(match[group]) / 1000, 10)


def _minutes(match: re.Match[str]) -> float:
    return _number(match[1]) * 60


@dataclass(frozen=True)
class _Spec:
    """How to find one preset: the note, a pattern whose match holds the figure, and how the
    figure becomes the value. ``key`` may hold ``{:g}``, filled with the value."""

    key: str
    label: str
    unit: str
    file: str
    pattern: str
    read: Reader = _first


_RANGE = r"\bASIC generations run at roughly (\d+(?:\.\d+)?)–(\d+(?:\.\d+)?) J/TH\b"
_PARAGUAY = r"\bthe group paid between about USD (\d+\.\d+) and USD (\d+\.\d+) per MWh\b"
_CENTS = r"(\d+\.\d+) US cents per kWh\b"

# The hashprice note's worked example states hash rate, subsidy, fees and price in one sentence.
DEFAULT_SPECS = (
    _Spec("hashrate_eh_s", "Network hash rate (worked example)", "EH/s", HASHPRICE,
          r"^Assumptions: network hash rate (\d[\d,]*(?:\.\d+)?) EH/s"),
    _Spec("efficiency_j_th", "Fleet efficiency (worked example)", "J/TH", HASHPRICE,
          r"^A fleet running at (\d+(?:\.\d+)?) J/TH draws\b"),
    _Spec("price_usd_kwh", "Electricity price (worked example)", "$/kWh", HASHPRICE,
          r"^At a power price of \$(\d+\.\d+)/kWh\b"),
    _Spec("subsidy_btc", "Block subsidy (since the April 2024 halving)", "BTC", HASHPRICE,
          r"^Assumptions: .*?, subsidy (\d+(?:\.\d+)?) BTC\b"),
    _Spec("fees_btc", "Fees per block (left out, as in the worked example)", "BTC", HASHPRICE,
          r"^Assumptions: .*?, fees (ignored)\b", lambda match: 0.0),
    _Spec("btc_price_usd", "Bitcoin price (worked example)", "$", HASHPRICE,
          r"^Assumptions: .*\bassumed BTC price of \$(\d[\d,]*(?:\.\d+)?)"),
    _Spec("block_time_s", "Block time (the protocol's target)", "s", DIFFICULTY,
          r"^Target: one block about every (\d+) minutes\b", _minutes),
)

MACHINE_SPECS = (
    _Spec("machine:{:g}", "Recent mainstream ASIC (efficient end)", "J/TH", COSTS, _RANGE),
    _Spec("machine:{:g}", "Recent mainstream ASIC (middle of the range)", "J/TH", COSTS, _RANGE,
          lambda match: (_number(match[1]) + _number(match[2])) / 2),
    _Spec("machine:{:g}", "Recent mainstream ASIC (least efficient end)", "J/TH", COSTS, _RANGE,
          lambda match: _number(match[2])),
    _Spec("machine:{:g}", "2016–2017 fleet", "J/TH", COSTS,
          r"\bmachines of around 2016–2017 were on the order of (\d+) J/TH\b"),
)

# The state figures: EIA's average price to industrial customers, January to July 2024.
US_STATES = ("Iowa", "Ohio", "Pennsylvania", "Indiana", "New York", "Illinois")

TARIFF_SPECS = (
    _Spec("tariff:ethiopia-base", "Ethiopia (EEP base, from Dec 2025)", "$/kWh", TARIFFS,
          r"\bthe base rate, averaged over the day, is " + _CENTS, _cents),
    _Spec("tariff:ethiopia-peak", "Ethiopia (EEP peak 18:00–22:00, from Dec 2025)", "$/kWh",
          TARIFFS, r"\bpeak, from 18:00 to 22:00, miners pay " + _CENTS, _cents),
    _Spec("tariff:ethiopia-base-year3", "Ethiopia (EEP base by year three of the Dec 2025 "
          "tariff)", "$/kWh", TARIFFS,
          r"\bbase rate is set to climb to " + _CENTS + r" by the tariff's third year", _cents),
    _Spec("tariff:ethiopia-flat", "Ethiopia (EEP flat rate, until Nov 2025)", "$/kWh", TARIFFS,
          r"\bcharged crypto miners a single flat rate of " + _CENTS, _cents),
    _Spec("tariff:paraguay-high", "Paraguay (ANDE intensive consumption, upper end, "
          "from mid-2024)", "$/kWh", TARIFFS, _PARAGUAY, _per_mwh(2)),
    _Spec("tariff:paraguay-low", "Paraguay (ANDE intensive consumption, lower end, "
          "from mid-2024)", "$/kWh", TARIFFS, _PARAGUAY, _per_mwh(1)),
    *(_Spec(f"tariff:{state.lower().replace(' ', '-')}",
            f"{state} (EIA industrial average, Jan–Jul 2024)", "$/kWh", TARIFFS,
            rf"^{state}: " + _CENTS, _cents) for state in US_STATES),
)

# The names (and adjectives) a region answers to, and the tariff that stands for it: the
# current rate where a region has several, the top of Paraguay's range (a cautious figure).
# "US" or "United States" names no tariff: the six states' averages differ by over two cents.
REGIONS: dict[str, tuple[str, ...]] = {
    "tariff:ethiopia-base": ("ethiopia", "ethiopian"),
    "tariff:paraguay-high": ("paraguay", "paraguayan"),
    "tariff:iowa": ("iowa", "iowan"),
    "tariff:ohio": ("ohio", "ohioan"),
    "tariff:pennsylvania": ("pennsylvania", "pennsylvanian"),
    "tariff:indiana": ("indiana", "indianan"),
    "tariff:new-york": ("new york",),
    "tariff:illinois": ("illinois", "illinoisan"),
}


@dataclass(frozen=True)
class _Note:
    """A library note as the presets read it: title, file name and passages."""

    title: str
    file: str
    passages: tuple[str, ...]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"])")
_LIST_MARK = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")


def note_passages(text: str) -> tuple[str, ...]:
    """A note's sentences and list items, as written (list marks and bold marks removed)."""
    passages: list[str] = []
    for line in text.splitlines():
        line = _LIST_MARK.sub("", line.replace("**", "")).strip()
        if line and not line.startswith(("#", "|")):
            passages.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return tuple(passages)


def _read_note(folder: Traversable, name: str) -> _Note | None:
    """The note ``name`` in ``folder``, or None if it is not there."""
    path = folder / name
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")),
                 name)
    return _Note(title, name, note_passages(text))


def _preset(spec: _Spec, note: _Note | None) -> Preset | str:
    """The preset ``spec`` describes, or why ``note`` does not give it."""
    if note is None:
        return f"{spec.label}: the library note {spec.file} is missing"
    pattern = re.compile(spec.pattern)
    for passage in note.passages:
        match = pattern.search(passage)
        if match:
            value = spec.read(match)
            return Preset(spec.key.format(value), spec.label, value, spec.unit,
                          Source(note.title, note.file, passage))
    return f"{spec.label}: the library note {spec.file} no longer states it"


def load_presets(library_dir: Path | None = None) -> Presets:
    """The presets read from the library notes in ``library_dir`` (default: the bundled
    library); a preset whose passage a note lacks is left out and named in ``missing``."""
    folder: Traversable = library_dir if library_dir is not None else (
        files(BUNDLED_PACKAGE) / "library")
    notes: dict[str, _Note | None] = {}
    missing: list[str] = []

    def read(specs: tuple[_Spec, ...]) -> list[Preset]:
        found = []
        for spec in specs:
            if spec.file not in notes:
                notes[spec.file] = _read_note(folder, spec.file)
            preset = _preset(spec, notes[spec.file])
            if isinstance(preset, str):
                missing.append(preset)
            else:
                found.append(preset)
        return found

    defaults = {preset.key: preset for preset in read(DEFAULT_SPECS)}
    tariffs, machines = read(TARIFF_SPECS), read(MACHINE_SPECS)
    return Presets(defaults, tuple(tariffs), tuple(machines), tuple(missing))


INPUT_FIELDS = tuple(field.name for field in fields(Inputs))


def inputs_with(presets: Presets, **stated: float | None) -> tuple[
        Inputs, dict[str, Preset | None]]:
    """Inputs from the stated values (keyword: an :class:`Inputs` field; None: not stated)
    and the presets' defaults for the rest, with the preset used for each field (None where
    the value was stated, and for ``pue`` unless stated: 1, no overhead, is not a preset)."""
    unknown = sorted(set(stated) - set(INPUT_FIELDS))
    if unknown:
        raise TypeError(f"not an input of the calculator: {', '.join(unknown)}")
    values: dict[str, float] = {}
    used: dict[str, Preset | None] = {}
    for name in INPUT_FIELDS:
        value = stated.get(name)
        preset = None if value is not None else presets.defaults.get(name)
        if value is None and preset is None and name != "pue":
            raise CalculationError(f"{_why_missing(presets, name)}, so there is no default: "
                                   f"state the value")
        if value is not None:
            values[name] = value
        elif preset is not None:
            values[name] = preset.value
        used[name] = preset
    return Inputs(**values), used


def _why_missing(presets: Presets, name: str) -> str:
    """Why the default for the input ``name`` is missing, as :attr:`Presets.missing` says."""
    label = next(spec.label for spec in DEFAULT_SPECS if spec.key == name)
    return next((reason for reason in presets.missing if reason.startswith(f"{label}:")),
                f"{label}: not among the presets")


def find_tariff(presets: Presets, region: str) -> Preset | None:
    """The tariff standing for the region named in ``region`` ("Ethiopia", "ethiopian",
    "Iowa", "New York"), or None if it names none, several, or one the notes no longer give."""
    words = " ".join(re.findall(r"[a-z]+", region.lower()))
    named = [key for key, names in REGIONS.items()
             if any(re.search(rf"\b{name}\b", words) for name in names)]
    if len(named) != 1:
        return None
    return next((tariff for tariff in presets.tariffs if tariff.key == named[0]), None)
