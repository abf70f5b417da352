"""The "Mining economics" tab's wiring: its inputs to the mining controller, the figures back
to the panel and its charts, and saving the chart (PNG or SVG) and the table (CSV)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from assistant.app import AssistantError
from ui.controllers import Controllers
from ui.controllers.mining import Workbench, default_values
from ui.window.layout import WindowLayout

CHART_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


class WorkbenchActions(QObject):
    """Connects the workbench tab to the mining controller; saves what it shows."""

    def __init__(self, window: WindowLayout, controllers: Controllers) -> None:
        super().__init__(window)
        self.window = window
        self.mining = controllers.mining
        panel = window.mining
        panel.inputs_changed.connect(self.mining.calculate)
        panel.export_chart_requested.connect(self.export_chart)
        panel.export_table_requested.connect(self.export_table)
        self.mining.presets_ready.connect(
            lambda presets: panel.show_presets(presets, default_values(presets)))
        self.mining.calculated.connect(self.show)
        self.mining.invalid.connect(panel.show_invalid)

    def show(self, bench: Workbench) -> None:
        """Show a computed workbench: the results and both charts."""
        panel = self.window.mining
        panel.show_results(bench.results, bench.day, bench.breakeven_btc_price_usd,
                           bench.all_in_usd)
        panel.charts.show_costs([(line.legend, line.points, line.current)
                                 for line in bench.cost_lines],
                                (bench.inputs.price_usd_kwh, bench.power_cost_per_btc_usd),
                                bench.results.breakeven_price_kwh, bench.inputs.btc_price_usd)
        panel.charts.show_margin(bench.margin_points,
                                 (bench.inputs.btc_price_usd, bench.day.margin_usd),
                                 bench.breakeven_btc_price_usd)

    def export_chart(self) -> None:
        """Choose where to save the charts (PNG or SVG, by the file's suffix)."""
        path, chosen = QFileDialog.getSaveFileName(self.window, "Save chart",
                                                   "mining-economics.png", CHART_FILTERS)
        if path:
            suffix = ".svg" if "svg" in chosen.lower() else ".png"
            self.save_chart(Path(path) if Path(path).suffix else Path(path + suffix))

    def save_chart(self, path: Path) -> None:
        """Save the charts to ``path``: SVG for a ``.svg`` file, else PNG."""
        charts = self.window.mining.charts
        try:
            (charts.save_svg if path.suffix.lower() == ".svg" else charts.save_png)(path)
        except OSError as error:
            self._said(f"The chart was not saved: {error}")
        else:
            self._said(f"Chart saved to {path}")

    def export_table(self) -> None:
        """Choose where to save the table as CSV."""
        path, _ = QFileDialog.getSaveFileName(self.window, "Save table",
                                              "mining-economics.csv", "CSV table (*.csv)")
        if path:
            self.save_table(Path(path))

    def save_table(self, path: Path) -> None:
        """Save the inputs, results and chart series to ``path`` as CSV."""
        try:
            self.mining.export_csv(path)
        except (AssistantError, OSError) as error:
            self._said(f"The table was not saved: {error}")
        else:
            self._said(f"Table saved to {path}")

    def _said(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)
