"""The "Mining economics" workbench: inputs with units (each default from the library, with
its source), a region's tariff and a machine to pick, the results and the charts.

It displays; the window computes each change of its inputs and shows the figures here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from assistant.app import RESULT_FIELDS, MinerDay, Preset, Presets, Results
from ui.panels.mining_charts import MiningCharts


@dataclass(frozen=True)
class Field:
    """One input: its key (an ``Inputs`` field or the miner's), label, unit and range."""

    key: str
    label: str  # with its mnemonic
    prefix: str
    suffix: str
    decimals: int
    maximum: float
    step: float
    minimum: float = 0.0


# Maxima beyond the economics' own bounds, so a value in the wrong unit reaches the core and
# comes back as its message ("check the unit") instead of being clamped in silence.
GROUPS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("Network", (
        Field("hashrate_eh_s", "&Network hash rate", "", " EH/s", 1, 1e7, 10),
        Field("subsidy_btc", "Block &subsidy", "", " BTC", 4, 500, 0.5),
        Field("fees_btc", "Fees per bloc&k", "", " BTC", 4, 500, 0.01),
        Field("btc_price_usd", "&Bitcoin price", "$ ", "", 0, 1e10, 1000),
    )),
    ("Power", (
        Field("efficiency_j_th", "Machine effic&iency", "", " J/TH", 2, 1e5, 0.5),
        Field("price_usd_kwh", "Electricity &price", "$ ", " /kWh", 5, 100, 0.005),
        Field("pue", "Overhea&d (PUE)", "", "", 2, 50, 0.05, minimum=1.0),
    )),
    ("Your operation", (
        Field("miner_hashrate_th_s", "&Your hash rate", "", " TH/s", 1, 1e13, 100),
        Field("hardware_usd_per_th", "Hard&ware cost", "$ ", " per TH/s", 2, 1e6, 1),
        Field("lifetime_years", "Hardware &lifetime", "", " years", 1, 500, 0.5),
    )),
)
FIELDS = {field.key: field for _group, group in GROUPS for field in group}
RESULTS = tuple(  # (key, label, format): Results fields, then the miner's day and costs
    (field.key, field.label, field.template) for field in RESULT_FIELDS) + (
    ("revenue_usd", "Your daily revenue", "${:,.2f}"),
    ("power_cost_usd", "Your daily power cost", "${:,.2f}"),
    ("margin_usd", "Your daily margin", "${:,.2f}"),
    ("breakeven_btc_price_usd", "Break-even bitcoin price", "${:,.0f}"),
    ("all_in_usd", "All-in cost per bitcoin", "${:,.0f}"),
)
EXAMPLE_NOTE = "An example value, not from the library: set your own."
ERROR_COLOR = "#c62828"


def source_text(label: str, preset: Preset | None, value: float) -> str:
    """Where an input's value comes from, as rich text: the note's title and passage."""
    name = html.escape(label.replace("&", ""))
    if preset is None:
        return f"<b>{name}</b>: {EXAMPLE_NOTE}"
    source = preset.source
    figure = f"{preset.value:g} {preset.unit}".strip()
    cited = (f"from “{html.escape(source.title)}” ({html.escape(source.file)}): "
             f"<i>“{html.escape(source.passage)}”</i>")
    if abs(value - preset.value) > 1e-9 * max(1.0, abs(preset.value)):
        return f"<b>{name}</b>: your value. The library's figure is {figure}, {cited}"
    return f"<b>{name}</b>: {html.escape(preset.label)}, {figure}, {cited}"


def picker_text(preset: Preset) -> str:
    """A machine or tariff as its picker lists it, the figure first where a narrow box
    shows it: "20 J/TH: Recent mainstream ASIC …", "Ethiopia 4.00¢ (EEP base, …)"."""
    if preset.unit == "$/kWh":
        region, _, rest = preset.label.partition(" (")
        return f"{region} {preset.value * 100:.2f}¢" + (f" ({rest}" if rest else "")
    return f"{preset.value:g} {preset.unit}: {preset.label}"


class MiningPanel(QWidget):
    """The workbench; ``inputs_changed`` carries every input's value after each change."""

    inputs_changed = Signal(dict)
    export_chart_requested = Signal()
    export_table_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QDoubleSpinBox] = {}
        self.presets: Presets | None = None
        self.sources: dict[str, Preset | None] = {}  # each input's preset (None: no source)
        self._hidden: dict[str, float] = {}  # inputs with no box (the block time)
        self._pending: dict[str, float] = {}  # set before the presets arrived
        self.defaults: dict[str, float] = {}
        self._quiet = False
        self.machine = QComboBox()
        self.machine.setAccessibleName("Machine: a preset efficiency")
        self.region = QComboBox()
        self.region.setAccessibleName("Region: a preset electricity tariff")
        self._picker_keys: dict[QObject, str] = {self.machine: "efficiency_j_th",
                                                 self.region: "price_usd_kwh"}
        for combo in (self.machine, self.region):
            combo.installEventFilter(self)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        column = QVBoxLayout()
        for title, group in GROUPS:
            column.addWidget(self._group(title, group))
        self.source = QLabel("Reading the library's figures…")
        self.source.setWordWrap(True)
        self.source.setTextFormat(Qt.TextFormat.RichText)
        self.source.setAccessibleName("Source of the input")
        self.reset = QPushButton("Reset to the library's fig&ures")
        self.reset.setAccessibleName("Reset every input to the library's figures")
        self.missing = QLabel("")  # figures the library's notes no longer give
        self.missing.setWordWrap(True)
        self.missing.setVisible(False)
        column.addWidget(self.reset)
        column.addWidget(self.missing)
        column.addWidget(self.source)
        column.addStretch(1)
        self.inputs = QWidget()
        self.inputs.setLayout(column)
        self.inputs_area = QScrollArea()
        self.inputs_area.setWidget(self.inputs)
        self.inputs_area.setWidgetResizable(True)
        self.inputs_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inputs_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self._fit_inputs()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        self.message.setAccessibleName("What is wrong with the inputs")
        self.message.setVisible(False)
        self.values_shown: dict[str, QLabel] = {}
        self.results = self._results()
        self.charts = MiningCharts()
        self.export_chart = QPushButton("Save chart as ima&ge…")
        self.export_chart.setAccessibleName("Save the charts as a PNG or SVG image")
        self.export_table = QPushButton("Save &table as CSV…")
        self.export_table.setAccessibleName("Save the inputs, results and series as CSV")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_chart)
        buttons.addWidget(self.export_table)
        right = QVBoxLayout()
        right.addWidget(self.message)
        right.addWidget(self.results)
        right.addWidget(self.charts, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.inputs_area)
        layout.addLayout(right, 1)
        self.setAccessibleName("Mining economics")
        self.export_chart.clicked.connect(self.export_chart_requested)
        self.export_table.clicked.connect(self.export_table_requested)
        self.reset.clicked.connect(lambda: self.set_inputs({}))
        self.machine.activated.connect(lambda index: self._picked(self.machine, index,
                                                                  "efficiency_j_th"))
        self.region.activated.connect(lambda index: self._picked(self.region, index,
                                                                 "price_usd_kwh"))
        self.setEnabled(False)  # until the presets arrive
        chain = [self.boxes["hashrate_eh_s"], self.boxes["subsidy_btc"], self.boxes["fees_btc"],
                 self.boxes["btc_price_usd"], self.machine, self.boxes["efficiency_j_th"],
                 self.region, self.boxes["price_usd_kwh"], self.boxes["pue"],
                 self.boxes["miner_hashrate_th_s"], self.boxes["hardware_usd_per_th"],
                 self.boxes["lifetime_years"], self.reset, self.charts.tabs, self.charts.cost_view,
                 self.charts.margin_view, self.export_chart, self.export_table]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)

    def _group(self, title: str, group: tuple[Field, ...]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for field in group:
            if field.key == "efficiency_j_th":
                form.addRow("Ma&chine", self.machine)
            if field.key == "price_usd_kwh":
                form.addRow("&Region", self.region)
            spin = QDoubleSpinBox()
            spin.setRange(field.minimum, field.maximum)
            spin.setDecimals(field.decimals)
            spin.setSingleStep(field.step)
            spin.setPrefix(field.prefix)
            spin.setSuffix(field.suffix)
            spin.setGroupSeparatorShown(True)
            spin.setKeyboardTracking(False)  # a change is a value typed in full
            unit = (field.prefix.strip() + field.suffix).strip() or "ratio"
            spin.setAccessibleName(f"{field.label.replace('&', '')} in {unit}")
            spin.valueChanged.connect(lambda _value, key=field.key: self._edited(key))
            spin.installEventFilter(self)
            self.boxes[field.key] = spin
            form.addRow(field.label, spin)
        return box

    def _fit_inputs(self) -> None:
        """As wide as the inputs need (they never scroll sideways), at any font size."""
        bar = self.inputs_area.verticalScrollBar()
        self.inputs_area.setMinimumWidth(self.inputs.sizeHint().width()
                                         + bar.sizeHint().width() + 4)
        self.inputs_area.setMaximumWidth(self.inputs_area.minimumWidth() + 60)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange,
                            QEvent.Type.StyleChange):
            self._fit_inputs()
        super().changeEvent(event)

    def _results(self) -> QGroupBox:
        box = QGroupBox("Results")
        box.setAccessibleName("Results")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(2)
        half = (len(RESULTS) + 1) // 2
        for index, (key, label, _format) in enumerate(RESULTS):
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            self.values_shown[key] = value
            row, column = index % half, 2 * (index // half)
            grid.addWidget(QLabel(f"{label}:"), row, column)
            grid.addWidget(value, row, column + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    # -- inputs ------------------------------------------------------------------------------

    def show_presets(self, presets: Presets, defaults: Mapping[str, float]) -> None:
        """Offer the presets' machines and tariffs and start from ``defaults``."""
        self.presets = presets
        self.defaults = dict(defaults)
        for combo, items in ((self.machine, presets.machines),
                             (self.region, presets.tariffs)):
            combo.clear()
            combo.addItem("Your own value", None)
            for preset in items:
                combo.addItem(picker_text(preset), preset.key)
                combo.setItemData(combo.count() - 1, f"{preset.label}, from "
                                  f"“{preset.source.title}”", Qt.ItemDataRole.ToolTipRole)
        self.charts.show_tariffs(presets.tariffs)
        self.missing.setText("Not in the library's notes now, so set by you: "
                             + "; ".join(presets.missing))
        self.missing.setVisible(bool(presets.missing))
        self.setEnabled(True)
        pending, self._pending = self._pending, {}
        self.set_inputs(pending)

    def set_inputs(self, values: Mapping[str, float]) -> None:
        """Show ``values`` (Inputs fields and the miner's); the others go back to the
        library's figures. Before the presets arrive, they are kept until then."""
        unknown = set(values) - set(FIELDS) - {"block_time_s"}
        if unknown:
            raise ValueError(f"the workbench has no input {', '.join(sorted(unknown))}")
        if self.presets is None:
            self._pending = dict(values)
            return
        merged = {**self.defaults, **values}
        self._quiet = True
        try:
            for key, box in self.boxes.items():
                box.setValue(merged.get(key, box.minimum()))  # no figure: the core says so
                self.sources[key] = self.presets.defaults.get(key)
            self._hidden = {k: v for k, v in merged.items() if k not in self.boxes}
        finally:
            self._quiet = False
        self._sync_pickers()
        for key in reversed(self.boxes):  # every tooltip; the first input's source shown
            self._show_source(key)
        self.inputs_changed.emit(self.values())

    def values(self) -> dict[str, float]:
        """Every input's value, keyed by its name."""
        return {**self._hidden, **{key: box.value() for key, box in self.boxes.items()}}

    def _picked(self, combo: QComboBox, index: int, key: str) -> None:
        chosen = combo.itemData(index)
        if chosen is None or self.presets is None:
            return
        preset = next(p for p in (*self.presets.machines, *self.presets.tariffs)
                      if p.key == chosen)
        self.sources[key] = preset
        self.boxes[key].setValue(preset.value)  # emits through _edited
        self._show_source(key)

    def _edited(self, key: str) -> None:
        if self._quiet:
            return
        self._sync_pickers()
        self._show_source(key)
        self.inputs_changed.emit(self.values())

    def _sync_pickers(self) -> None:
        """Each picker shows the preset its input equals (citing it), else "Your own value"."""
        if self.presets is None:
            return
        for combo, key, offered in ((self.machine, "efficiency_j_th", self.presets.machines),
                                    (self.region, "price_usd_kwh", self.presets.tariffs)):
            decimals, value = FIELDS[key].decimals, self.boxes[key].value()
            same = [p for p in offered if round(p.value, decimals) == value]
            cited = self.sources.get(key)
            if cited is None or round(cited.value, decimals) != value:  # edited: cite anew
                cited = same[0] if same else self.presets.defaults.get(key)
                self.sources[key] = cited
            shown = cited if cited in same else (same[0] if same else None)
            combo.setCurrentIndex(combo.findData(shown.key) if shown else 0)

    def _show_source(self, key: str) -> None:
        text = source_text(FIELDS[key].label, self.sources.get(key), self.boxes[key].value())
        self.source.setText(text)
        self.boxes[key].setToolTip(text)
        self.boxes[key].setAccessibleDescription(QTextDocumentFragment.fromHtml(text)
                                                 .toPlainText())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.FocusIn:
            key = next((k for k, box in self.boxes.items() if box is watched),
                       None) or self._picker_keys.get(watched)
            if key is not None:
                self._show_source(key)
        return super().eventFilter(watched, event)

    # -- results -----------------------------------------------------------------------------

    def show_results(self, results: Results, day: MinerDay, breakeven_btc_price_usd: float,
                     all_in_usd: float) -> None:
        """Show the figures (and take away any message about the inputs)."""
        figures = {name: getattr(results, name) for name in results.__dataclass_fields__}
        figures.update(revenue_usd=day.revenue_usd, power_cost_usd=day.power_cost_usd,
                       margin_usd=day.margin_usd, all_in_usd=all_in_usd,
                       breakeven_btc_price_usd=breakeven_btc_price_usd)
        for key, label, template in RESULTS:
            text = template.format(figures[key])
            self.values_shown[key].setText(text.replace("$-", "−$"))
            self.values_shown[key].setAccessibleName(f"{label}: {text}")
        self.message.setVisible(False)
        self.results.setEnabled(True)
        self.charts.fade(False)

    def show_invalid(self, message: str) -> None:
        """Say what is wrong with the inputs, in place; the figures shown are greyed."""
        self.message.setText(f"⚠ {message}")
        self.message.setVisible(True)
        self.results.setEnabled(False)
        self.charts.fade(True)
