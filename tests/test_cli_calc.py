"""``assistant calc``: results and cited inputs on the terminal and in JSON, wrong inputs an
error, and nothing opened but the bundled notes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
RESULT_KEYS = {"network_power_gw", "energy_per_block_kwh", "energy_per_btc_kwh",
               "energy_cost_per_btc_usd", "hashprice_usd_per_ph_day", "breakeven_price_kwh",
               "inputs"}


def calc_json(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, Any]:
    assert main(["calc", "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_the_defaults_are_the_worked_example_with_their_sources(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = calc_json(capsys)
    assert set(out) == RESULT_KEYS
    assert out["network_power_gw"] == pytest.approx(16)
    assert round(out["energy_per_block_kwh"]) == 2_666_667
    assert round(out["energy_per_btc_kwh"]) == 853_333
    assert round(out["energy_cost_per_btc_usd"]) == 42_667
    assert out["hashprice_usd_per_ph_day"] == pytest.approx(56.25)
    assert out["breakeven_price_kwh"] == pytest.approx(0.1171875)
    inputs = out["inputs"]
    assert set(inputs) == {"hashrate_eh_s", "efficiency_j_th", "price_usd_kwh", "subsidy_btc",
                           "fees_btc", "btc_price_usd", "pue", "block_time_s"}
    hashrate = inputs["hashrate_eh_s"]
    assert (hashrate["value"], hashrate["unit"], hashrate["stated"]) == (800, "EH/s", False)
    assert hashrate["source"]["file"] == "hashprice.md"
    assert hashrate["source"]["title"] == "Hashprice: What a Unit of Hash Rate Earns per Day"
    assert "network hash rate 800 EH/s" in hashrate["source"]["passage"]
    assert inputs["block_time_s"]["source"]["file"] == "difficulty-and-hash-rate.md"
    assert inputs["pue"] == {"value": 1, "unit": "ratio", "label": "Overhead (PUE)",
                             "stated": False, "source": None}


def test_stated_inputs_replace_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    out = calc_json(capsys, "--price-kwh", "0.08")
    assert round(out["energy_cost_per_btc_usd"]) == 68_267
    assert out["inputs"]["price_usd_kwh"] == {"value": 0.08, "unit": "$/kWh",
                                              "label": "Electricity price", "stated": True,
                                              "source": None}
    out = calc_json(capsys, "--hashrate-eh", "800", "--subsidy-btc", "3.125", "--fees-btc", "0.1",
                    "--btc-price", "100000", "--efficiency-j-th", "20", "--pue", "1.25")
    assert out["hashprice_usd_per_ph_day"] == pytest.approx(58.05)
    assert out["breakeven_price_kwh"] == pytest.approx(58.05 / 600)
    assert round(out["energy_per_btc_kwh"]) == round(2_666_666.667 / 3.225)
    stated = {name for name, given in out["inputs"].items() if given["stated"]}
    assert stated == {"hashrate_eh_s", "subsidy_btc", "fees_btc", "btc_price_usd",
                      "efficiency_j_th", "pue"}


def test_the_terminal_table_with_units_and_citations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "--price-kwh", "0.08", "--efficiency-j-th", "17.5"]) == 0
    out = capsys.readouterr().out
    assert "Energy per bitcoin            746,667 kWh" in out  # 800 EH/s × 17.5 J/TH
    assert "Energy cost per bitcoin       $59,733" in out
    assert "Hashprice                     $56.25 per PH/s per day" in out
    lines = out.splitlines()
    price = next(line for line in lines if line.lstrip().startswith("Electricity price"))
    assert "$0.08/kWh" in price and price.endswith("(stated)")
    hashrate = next(n for n, line in enumerate(lines)
                    if line.lstrip().startswith("Network hash rate"))
    assert "800 EH/s" in lines[hashrate]
    cited = " ".join(line.strip() for line in lines[hashrate + 1:hashrate + 4])
    assert "Hashprice: What a Unit of Hash Rate Earns per Day (hashprice.md)" in cited
    assert "“Assumptions: network hash rate 800 EH/s" in cited


@pytest.mark.parametrize(("options", "message"), [
    (["--price-kwh", "8"], "Electricity price of 8 $/kWh is beyond any real value"),
    (["--hashrate-eh", "8e20"], "Network hash rate of 8e+20 EH/s is beyond any real value"),
    (["--hashrate-eh", "0"], "Network hash rate must be more than 0 EH/s"),
    (["--efficiency-j-th", "-20"], "Machine efficiency must be more than 0 J/TH"),
    (["--btc-price", "-1"], "Bitcoin price must be more than 0"),
    (["--subsidy-btc", "0"], "A block must pay something"),
    (["--pue", "0.5"], "Overhead (PUE) must be at least 1"),
    (["--price-kwh", "nan"], "Electricity price must be a finite number"),
], ids=["price in cents", "hash rate in H/s", "zero hash rate", "negative efficiency",
        "negative price", "nothing paid", "PUE below 1", "NaN"])
def test_a_wrong_input_is_an_error_on_stderr(options: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", *options]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {message}") and "Traceback" not in captured.err


def test_calc_opens_no_data_directory(tmp_path: Path, _isolated_data_dir: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "calc", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["energy_per_btc_kwh"] > 0
    assert main(["calc"]) == 0 and "853,333 kWh" in capsys.readouterr().out
    assert not data.exists() and not _isolated_data_dir.exists()


def test_the_installed_command_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "calc", "--json", "--price-kwh", "0.05"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert round(json.loads(result.stdout)["energy_cost_per_btc_usd"]) == 42_667
    assert not (tmp_path / "data").exists()
