"""The calculator's presets: read from the bundled notes with the passage each comes from,
changed when a note changes, missing (and said so) when a note loses its passage."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import assistant.app
from assistant.app.mining_door import MiningDoor
from assistant.mining.economics import CalculationError, Inputs
from assistant.mining.presets import (
    TARIFFS,
    Presets,
    find_tariff,
    inputs_with,
    load_presets,
    note_passages,
)
from assistant.system.paths import library_dir
from tests.services import MakeService

INPUT_FIELDS = {field.name for field in dataclasses.fields(Inputs)}


@pytest.fixture(scope="module")
def presets() -> Presets:
    return load_presets()


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    target = tmp_path / "library"
    shutil.copytree(library_dir(), target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in the note ``name``."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_defaults_are_the_worked_examples_figures(presets: Presets) -> None:
    assert presets.missing == ()
    assert set(presets.defaults) == INPUT_FIELDS - {"pue"}
    values = {key: preset.value for key, preset in presets.defaults.items()}
    assert values == {"hashrate_eh_s": 800, "efficiency_j_th": 20, "price_usd_kwh": 0.05,
                      "subsidy_btc": 3.125, "fees_btc": 0, "btc_price_usd": 100_000,
                      "block_time_s": 600}
    units = {key: preset.unit for key, preset in presets.defaults.items()}
    assert units == {"hashrate_eh_s": "EH/s", "efficiency_j_th": "J/TH",
                     "price_usd_kwh": "$/kWh", "subsidy_btc": "BTC", "fees_btc": "BTC",
                     "btc_price_usd": "$", "block_time_s": "s"}
    assert presets.defaults["hashrate_eh_s"].source.file == "hashprice.md"
    assert presets.defaults["hashrate_eh_s"].source.title == (
        "Hashprice: What a Unit of Hash Rate Earns per Day")
    assert presets.defaults["price_usd_kwh"].source.passage.startswith(
        "At a power price of $0.05/kWh")


def test_every_preset_cites_a_passage_its_note_holds(presets: Presets) -> None:
    everything = [*presets.defaults.values(), *presets.tariffs, *presets.machines]
    assert len(everything) == 7 + 12 + 4
    for preset in everything:
        note = (library_dir() / preset.source.file).read_text(encoding="utf-8")
        assert preset.source.passage in note.replace("**", ""), preset.key
        assert note.startswith(f"# {preset.source.title}\n"), preset.key
        assert preset.label and preset.unit


def test_the_tariffs_in_dollars_per_kwh_and_dated(presets: Presets) -> None:
    tariffs = {tariff.key: tariff.value for tariff in presets.tariffs}
    assert tariffs == pytest.approx({
        "tariff:ethiopia-base": 0.04, "tariff:ethiopia-peak": 0.06,
        "tariff:ethiopia-base-year3": 0.065, "tariff:ethiopia-flat": 0.0314,
        "tariff:paraguay-high": 0.05976, "tariff:paraguay-low": 0.03708,
        "tariff:iowa": 0.0679, "tariff:ohio": 0.0713, "tariff:pennsylvania": 0.0779,
        "tariff:indiana": 0.0805, "tariff:new-york": 0.0826, "tariff:illinois": 0.0895,
    })
    for tariff in presets.tariffs:
        assert tariff.unit == "$/kWh" and tariff.source.file == TARIFFS
        assert any(year in tariff.label for year in ("2024", "2025")), tariff.label
    iowa = next(t for t in presets.tariffs if t.key == "tariff:iowa")
    assert iowa.source.passage == "Iowa: 6.79 US cents per kWh"
    assert "Jan–Jul 2024" in iowa.label


def test_the_machines_from_the_costs_note(presets: Presets) -> None:
    assert [(m.key, m.value) for m in presets.machines] == [
        ("machine:15", 15), ("machine:20", 20), ("machine:25", 25), ("machine:100", 100)]
    assert {m.unit for m in presets.machines} == {"J/TH"}
    assert {m.source.file for m in presets.machines} == {"mining-costs-and-asic-efficiency.md"}
    assert "2016–2017" in presets.machines[-1].source.passage


def test_a_changed_note_changes_the_preset_and_its_passage(library_copy: Path) -> None:
    edit(library_copy, "hashprice.md", "network hash rate 800 EH/s", "network hash rate 950 EH/s")
    edit(library_copy, TARIFFS, "is 4.00 US cents per kWh", "is 4.25 US cents per kWh")
    edit(library_copy, "mining-costs-and-asic-efficiency.md", "roughly 15–25 J/TH",
         "roughly 12–22 J/TH")
    presets = load_presets(library_copy)
    hashrate = presets.defaults["hashrate_eh_s"]
    assert hashrate.value == 950 and "950 EH/s" in hashrate.source.passage
    base = next(t for t in presets.tariffs if t.key == "tariff:ethiopia-base")
    assert base.value == pytest.approx(0.0425) and "4.25" in base.source.passage
    assert [m.value for m in presets.machines] == [12, 17, 22, 100]
    assert presets.missing == ()
    assert load_presets().defaults["hashrate_eh_s"].value == 800  # the bundled notes unmoved


def test_a_lost_passage_is_missing_never_misread(library_copy: Path) -> None:
    # reworded: the figure is still there, but not in the words the preset is anchored on
    edit(library_copy, "hashprice.md", "A fleet running at 20 J/TH draws",
         "Machines averaging 20 J/TH draw")
    edit(library_copy, "difficulty-and-hash-rate.md",
         "- Target: one block about every 10 minutes", "- One block about every 10 minutes")
    presets = load_presets(library_copy)
    assert "efficiency_j_th" not in presets.defaults
    assert "block_time_s" not in presets.defaults
    assert "Fleet efficiency (worked example): the library note hashprice.md no longer " \
           "states it" in presets.missing
    assert len(presets.missing) == 2
    with pytest.raises(CalculationError, match="hashprice.md no longer states it.*state the"):
        inputs_with(presets, block_time_s=600)
    inputs, used = inputs_with(presets, efficiency_j_th=18, block_time_s=600)
    assert inputs.efficiency_j_th == 18 and used["efficiency_j_th"] is None


def test_a_missing_note_leaves_its_presets_out(library_copy: Path) -> None:
    (library_copy / TARIFFS).unlink()
    presets = load_presets(library_copy)
    assert presets.tariffs == ()
    assert len(presets.missing) == 12
    assert all(f"the library note {TARIFFS} is missing" in reason for reason in presets.missing)
    assert find_tariff(presets, "Ethiopia") is None
    assert len(presets.defaults) == 7  # the other notes still give theirs


def test_inputs_with_stated_values_and_the_defaults(presets: Presets) -> None:
    inputs, used = inputs_with(presets, price_usd_kwh=0.08, pue=1.2, fees_btc=None)
    assert inputs == Inputs(hashrate_eh_s=800, efficiency_j_th=20, price_usd_kwh=0.08,
                            subsidy_btc=3.125, btc_price_usd=100_000, fees_btc=0, pue=1.2,
                            block_time_s=600)
    assert set(used) == INPUT_FIELDS
    assert used["price_usd_kwh"] is None and used["pue"] is None
    assert used["fees_btc"] is presets.defaults["fees_btc"]  # None: not stated
    assert used["hashrate_eh_s"] is presets.defaults["hashrate_eh_s"]
    default_inputs, default_used = inputs_with(presets)
    assert default_inputs.pue == 1 and default_used["pue"] is None
    with pytest.raises(TypeError, match="hashrate"):
        inputs_with(presets, hashrate=800)


@pytest.mark.parametrize(("region", "key"), [
    ("Ethiopia", "tariff:ethiopia-base"),
    ("ethiopian", "tariff:ethiopia-base"),
    ("ETHIOPIA", "tariff:ethiopia-base"),
    ("Is mining profitable in Ethiopia?", "tariff:ethiopia-base"),
    ("Paraguay", "tariff:paraguay-high"),
    ("Paraguayan", "tariff:paraguay-high"),
    ("Iowa", "tariff:iowa"),
    ("ohio", "tariff:ohio"),
    ("Pennsylvania", "tariff:pennsylvania"),
    ("Indiana", "tariff:indiana"),
    ("New York", "tariff:new-york"),
    ("new-york", "tariff:new-york"),
    ("Illinois", "tariff:illinois"),
    ("US", None),
    ("the United States", None),
    ("Texas", None),
    ("York", None),
    ("Indianapolis", None),
    ("Ethiopia or Paraguay", None),
    ("", None),
])
def test_find_tariff(presets: Presets, region: str, key: str | None) -> None:
    found = find_tariff(presets, region)
    assert (found.key if found else None) == key


def test_note_passages_are_sentences_and_list_items() -> None:
    text = ("# Title\n\nOne sentence here. Another (with a clause) follows.\n\n"
            "- **Bold lead.** An item: 3.14 US cents per kWh\n| a | table |\n1. Numbered item\n")
    assert note_passages(text) == ("One sentence here.", "Another (with a clause) follows.",
                                   "Bold lead.", "An item: 3.14 US cents per kWh",
                                   "Numbered item")


def test_the_app_door_gives_the_bundled_presets_once(make_service: MakeService) -> None:
    with make_service() as service:  # no library folder: the calculator still has its notes
        first = service.mining_presets()
        assert first is service.mining_presets()
        assert first == load_presets() and first.missing == ()
    assert isinstance(service, MiningDoor)


def test_the_app_reexports_the_calculator() -> None:
    names = ("Inputs", "Results", "calculate", "MinerDay", "miner_day", "breakeven_price_usd_kwh",
             "energy_cost_per_btc_usd", "energy_per_btc_kwh", "hashprice_usd_per_ph_day",
             "all_in_cost_per_btc_usd", "CalculationError", "Preset", "Presets", "Source",
             "load_presets", "inputs_with", "find_tariff")
    for name in names:
        assert name in assistant.app.__all__ and hasattr(assistant.app, name), name
