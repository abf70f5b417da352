"""The "Mining economics" tab of the real MainWindow, offscreen: inputs from the library's
presets, results and chart series computed by the economics, tariffs marked, exports, and
an invalid input answered in place."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCharts import QLineSeries, QScatterSeries
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from assistant.app import (
    CalculationError,
    Inputs,
    calculate,
    energy_cost_per_btc_usd,
    energy_per_btc_kwh,
    load_presets,
    miner_day,
)
from tests.fakes import HashEmbedder
from tests.test_ui_window import make_window, started
from ui.controllers.mining import default_values, workbench
from ui.panels.mining_charts import clipped, label_rows, nice_step, short_label
from ui.panels.mining_panel import MiningPanel
from ui.window.appearance import apply_appearance
from ui.window.main_window import MainWindow

PRESETS = load_presets()
DEFAULTS = {key: preset.value for key, preset in PRESETS.defaults.items()}


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
           qapp: QApplication) -> Iterator[MainWindow]:
    """One window for the module, once the workbench has its presets."""
    root = tmp_path_factory.mktemp("bench")
    (root / "library").mkdir()
    main = make_window(root, HashEmbedder())
    yield started(main, main.controllers.mining.presets_ready, qapp, "the presets", 60_000)
    main.close()


@pytest.fixture
def window(opened: MainWindow) -> MainWindow:
    """The module's window on the workbench tab, every input at the library's figure."""
    opened.show_workbench({})
    return opened


def series(chart_view_chart, name: str) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """The points of the chart's series called ``name``."""
    found = [s for s in chart_view_chart.series() if s.name() == name]
    assert found, f"no series {name!r} in {[s.name() for s in chart_view_chart.series()]}"
    return [(p.x(), p.y()) for p in found[0].points()]


def test_the_tab_starts_from_the_library_figures_with_their_sources(window: MainWindow,
                                                                   qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = window.mining
    assert window.pages.currentWidget() is panel
    assert window.pages.tabText(window.pages.indexOf(panel)) == "&Mining economics"
    for key in ("hashrate_eh_s", "efficiency_j_th", "price_usd_kwh", "btc_price_usd"):
        assert panel.boxes[key].value() == pytest.approx(DEFAULTS[key])
    expected = calculate(Inputs(**{k: v for k, v in DEFAULTS.items()}))
    assert panel.values_shown["energy_per_btc_kwh"].text() == \
        f"{expected.energy_per_btc_kwh:,.0f} kWh"
    hashrate = PRESETS.defaults["hashrate_eh_s"].source
    assert hashrate.title in panel.source.text() and hashrate.file in panel.source.text()
    for key, preset in PRESETS.defaults.items():  # each box names its source before focus
        if key in panel.boxes:
            assert preset.source.title in panel.boxes[key].toolTip()
            assert preset.source.passage[:40] in panel.boxes[key].accessibleDescription()
    assert "not from the library" in panel.boxes["miner_hashrate_th_s"].toolTip()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    panel.boxes["efficiency_j_th"].setFocus()  # the source shown follows the focus
    qtbot.waitUntil(lambda: PRESETS.defaults["efficiency_j_th"].source.passage[:30]
                    in panel.source.text(), timeout=5_000)


def test_changing_an_input_updates_the_results_and_the_chart_series(window: MainWindow) -> None:
    panel, charts = window.mining, window.mining.charts
    panel.boxes["price_usd_kwh"].setValue(0.08)
    inputs = Inputs(**{**DEFAULTS, "price_usd_kwh": 0.08})
    kwh = energy_per_btc_kwh(inputs.hashrate_eh_s, 20.0, inputs.subsidy_btc, inputs.fees_btc)
    assert panel.values_shown["energy_cost_per_btc_usd"].text() == \
        f"${energy_cost_per_btc_usd(kwh, 0.08):,.0f}"
    panel.boxes["efficiency_j_th"].setValue(17.5)
    mine = series(charts.cost_chart, "17.5 J/TH (yours)")
    kwh = energy_per_btc_kwh(inputs.hashrate_eh_s, 17.5, inputs.subsidy_btc, inputs.fees_btc)
    assert len(mine) > 10 and mine[0] == (0.0, 0.0)
    assert all(y == pytest.approx(energy_cost_per_btc_usd(kwh, x)) for x, y in mine)
    assert series(charts.cost_chart, "Your price") == [
        (0.08, pytest.approx(energy_cost_per_btc_usd(kwh, 0.08)))]
    for machine in PRESETS.machines:  # each preset machine has its own line
        assert series(charts.cost_chart, f"{machine.value:g} J/TH")
    day = miner_day(1_000, 17.5, 0.08, hashrate_eh_s=inputs.hashrate_eh_s,
                    subsidy_btc=inputs.subsidy_btc, fees_btc=inputs.fees_btc,
                    btc_price_usd=inputs.btc_price_usd)
    assert panel.values_shown["margin_usd"].text() == f"${day.margin_usd:,.2f}"
    margins = series(charts.margin_chart, "Daily margin")
    at_price = [y for x, y in margins if x == pytest.approx(inputs.btc_price_usd)]
    assert at_price == [pytest.approx(day.margin_usd)]
    breakeven = series(charts.cost_chart, "Break-even")
    assert breakeven == [(pytest.approx(calculate(
        Inputs(**{**DEFAULTS, "price_usd_kwh": 0.08, "efficiency_j_th": 17.5})
    ).breakeven_price_kwh), inputs.btc_price_usd)]


def test_the_regions_tariffs_are_marked_and_a_region_sets_the_price(window: MainWindow) -> None:
    panel, chart = window.mining, window.mining.charts.cost_chart
    marks = {s.name(): s for s in chart.series() if isinstance(s, QScatterSeries)}
    for tariff in PRESETS.tariffs:
        assert marks[tariff.label].pointLabelsFormat() == short_label(tariff)
        assert marks[tariff.label].points()[0].x() == pytest.approx(tariff.value)
        vertical = [s for s in chart.series() if isinstance(s, QLineSeries)
                    and not isinstance(s, QScatterSeries) and s.property("tariff") == tariff.key]
        assert [p.x() for p in vertical[0].points()] == [tariff.value, tariff.value]
    ethiopia = next(t for t in PRESETS.tariffs if t.key == "tariff:ethiopia-base")
    panel.region.setCurrentIndex(panel.region.findData(ethiopia.key))
    panel.region.activated.emit(panel.region.currentIndex())
    assert panel.boxes["price_usd_kwh"].value() == pytest.approx(ethiopia.value)
    assert ethiopia.source.title in panel.source.text()
    assert panel.values_shown["energy_cost_per_btc_usd"].text() == "${:,.0f}".format(
        calculate(Inputs(**{**DEFAULTS, "price_usd_kwh": ethiopia.value})
                  ).energy_cost_per_btc_usd)


def test_close_tariff_labels_go_on_different_rows() -> None:
    assert label_rows([100, 110, 120, 300], [60, 60, 60, 60]) == [0, 1, 2, 0]
    assert label_rows([0, 10, 20], [50, 50, 50], rows=2) == [0, 1, 0]


def test_an_invalid_input_is_said_in_place_and_greys_the_results(window: MainWindow) -> None:
    panel = window.mining
    shown = panel.values_shown["energy_per_btc_kwh"].text()
    panel.boxes["hashrate_eh_s"].setValue(0)
    assert panel.message.isVisible()
    assert "Network hash rate must be more than 0 EH/s" in panel.message.text()
    assert not panel.results.isEnabled() and panel.charts.cost_chart.opacity() < 1
    assert panel.values_shown["energy_per_btc_kwh"].text() == shown  # kept, greyed
    assert window.user_actions.error_box is None  # no dialog
    panel.boxes["hashrate_eh_s"].setValue(800)
    panel.boxes["miner_hashrate_th_s"].setValue(1e12)  # more than the whole network
    assert "more than the whole network" in panel.message.text()
    panel.boxes["miner_hashrate_th_s"].setValue(1_000)
    assert not panel.message.isVisible() and panel.results.isEnabled()
    assert panel.charts.cost_chart.opacity() == 1


def test_the_chart_and_table_export_with_their_content(window: MainWindow,
                                                       tmp_path: Path) -> None:
    actions = window.workbench_actions
    actions.save_chart(tmp_path / "chart.png")
    image = QImage(str(tmp_path / "chart.png"))
    assert not image.isNull() and image.width() > 200 and image.height() > 200
    actions.save_chart(tmp_path / "chart.svg")
    drawing = (tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert drawing.startswith("<?xml") and "<svg" in drawing
    assert short_label(PRESETS.tariffs[0]) in drawing  # the markers' labels are text in it
    actions.save_table(tmp_path / "table.csv")
    with (tmp_path / "table.csv").open(encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    price = next(r for r in rows if r["table"] == "input" and r["name"] == "price_usd_kwh")
    assert float(price["value"]) == DEFAULTS["price_usd_kwh"]
    energy = next(r for r in rows if r["name"] == "Energy per bitcoin")
    assert float(energy["value"]) == pytest.approx(
        calculate(Inputs(**DEFAULTS)).energy_per_btc_kwh)
    assert sum(r["table"] == "power cost per bitcoin" for r in rows) > 40
    assert "Table saved to" in window.statusBar().currentMessage()


def test_the_window_opens_the_workbench_with_given_inputs(opened: MainWindow) -> None:
    opened.pages.setCurrentIndex(0)
    opened.show_workbench({"price_usd_kwh": 0.08, "efficiency_j_th": 17.5})
    panel = opened.mining
    assert opened.pages.currentWidget() is panel
    assert panel.values()["price_usd_kwh"] == 0.08 and panel.values()["efficiency_j_th"] == 17.5
    assert panel.values()["hashrate_eh_s"] == DEFAULTS["hashrate_eh_s"]  # the rest: defaults
    assert panel.region.currentIndex() == 0  # 8 cents is no region's tariff
    with pytest.raises(ValueError, match="no input"):
        panel.set_inputs({"price_cents": 8})


def test_the_workbench_is_reached_and_walked_with_the_keyboard(opened: MainWindow,
                                                                qtbot) -> None:  # type: ignore[no-untyped-def]
    opened.pages.setCurrentIndex(0)
    opened.activateWindow()
    qtbot.waitUntil(opened.isActiveWindow, timeout=5_000)
    qtbot.keyClick(opened, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Mining economics
    assert opened.pages.currentWidget() is opened.mining
    panel = opened.mining
    qtbot.keyClick(panel, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # Electricity &price
    assert QApplication.focusWidget() is panel.boxes["price_usd_kwh"]
    reached = [QApplication.focusWidget()]
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert reached == [panel.boxes["price_usd_kwh"], panel.boxes["pue"],
                       panel.boxes["miner_hashrate_th_s"], panel.boxes["hardware_usd_per_th"],
                       panel.boxes["lifetime_years"], panel.reset]


def test_every_control_is_named_and_the_charts_follow_the_theme(window: MainWindow) -> None:
    panel = window.mining
    named = [*panel.boxes.values(), panel.machine, panel.region, panel.reset,
             panel.export_chart, panel.export_table, panel.charts.cost_view,
             panel.charts.margin_view]
    assert all(widget.accessibleName() for widget in named)
    assert len({widget.accessibleName() for widget in named}) == len(named)
    line = next(s for s in panel.charts.cost_chart.series() if s.name().endswith("(yours)"))
    assert line.pen().color().lightness() < 128  # dark on the light theme
    try:
        apply_appearance("dark", 11)
        QApplication.processEvents()
        line = next(s for s in panel.charts.cost_chart.series()
                    if s.name().endswith("(yours)"))
        assert line.pen().color().lightness() > 128
        assert panel.charts.cost_chart.backgroundBrush().color().lightness() < 128
    finally:
        apply_appearance("light", 11)


# -- the pure parts: the workbench's figures and the charts' geometry -------------------------


def test_the_break_even_price_is_where_your_cost_line_meets_the_bitcoin_price() -> None:
    values = {**default_values(PRESETS), "pue": 1.2, "efficiency_j_th": 17.5}
    bench = workbench(values, PRESETS.machines, PRESETS.tariffs)
    mine = next(line for line in bench.cost_lines if line.current)
    slope = mine.points[-1][1] / mine.points[-1][0]
    assert slope * bench.results.breakeven_price_kwh == pytest.approx(values["btc_price_usd"])
    assert bench.power_cost_per_btc_usd == pytest.approx(slope * values["price_usd_kwh"])
    assert bench.day.earned_btc * bench.breakeven_btc_price_usd == \
        pytest.approx(bench.day.power_cost_usd)
    assert [line.efficiency_j_th for line in bench.cost_lines] == sorted(
        {17.5, *(m.value for m in PRESETS.machines)})
    with pytest.raises(CalculationError, match="needs a value for btc_price_usd"):
        workbench({k: v for k, v in values.items() if k != "btc_price_usd"})


def test_a_line_stops_where_it_leaves_the_chart() -> None:
    assert clipped([(0, 0), (1, 10), (2, 20), (3, 30)], 15) == [(0, 0), (1, 10), (1.5, 15)]
    assert clipped([(0, 0), (1, 5)], 15) == [(0, 0), (1, 5)]
    assert [nice_step(span) for span in (0.15, 140_000, 7)] == [0.02, 20_000, 1]


def test_a_figure_the_notes_no_longer_give_is_said_and_asked_for(qtbot) -> None:  # type: ignore[no-untyped-def]
    reason = "Network hash rate (worked example): the library note hashprice.md no longer states it"
    presets = replace(PRESETS, defaults={k: v for k, v in PRESETS.defaults.items()
                                         if k != "hashrate_eh_s"}, missing=(reason,))
    panel = MiningPanel()
    qtbot.addWidget(panel)
    asked: list[dict[str, float]] = []
    panel.inputs_changed.connect(asked.append)
    panel.show_presets(presets, default_values(presets))
    assert panel.isEnabled() and reason in panel.missing.text()
    assert asked[-1]["hashrate_eh_s"] == 0
    with pytest.raises(CalculationError, match="Network hash rate must be more than 0"):
        workbench(asked[-1], presets.machines, presets.tariffs)
