"""Editing a scenario's uncertainty: per lever, its correlations, and the marks on the levers.

The scenario's uncertainty is the session's ``uncertainty`` record (None means
the defaults of ``resources/uncertainty.json``). Every edit here builds a new
:class:`~evexplorer.analysis.uncertainty.UncertaintySpec` from the current one,
checks it, and stores its record with ``session.set_uncertainty`` as one undo
step; invalid input is refused with one sentence and changes nothing. A spec
equal to the defaults is stored as None, so that undoing every edit leaves a
scenario whose uncertainty is "the defaults" again.

- :class:`LeverUncertaintyEditor`: the uncertainty section of a lever's
  information panel: certain or uncertain, the distribution, the low and high
  values in the lever's unit (stored as factors of the value or offsets from
  it, as the lever's default spread is, so that they follow the lever), the
  lever's correlations with other uncertain levers, and a reset to its
  default.
- :class:`UncertaintyMarks`: a "±" beside every uncertain lever in the lever
  list, whose tooltip says how it is uncertain, updated live.
- :func:`reset_uncertainty`: every lever's uncertainty back to the defaults.

Object names inside an editor for lever ``NAME``: ``NAME__uncertain``
(check box), ``NAME__distribution``, ``NAME__uncertainty_low``,
``NAME__uncertainty_high``, ``NAME__uncertainty_reset``,
``NAME__correlations`` (table), ``NAME__correlate_with``, ``NAME__correlate_rho``,
``NAME__correlate_set``; the mark in the lever list is ``NAME__uncertain_mark``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import PARAMETERS, Parameter
from ..model.registry import ParameterError
from ..session import Change, Session
from . import theme

if TYPE_CHECKING:
    from ..analysis.uncertainty import LeverUncertainty, UncertaintySpec
    from .levers import LeverPanel

#: Distributions offered, with what their low and high values mean.
DISTRIBUTION_LABELS: Mapping[str, str] = {
    "uniform": "Uniform",
    "triangular": "Triangular (mode at the value)",
    "lognormal": "Lognormal",
    "loguniform": "Log-uniform",
}
#: A lever made uncertain that has no default spread gets ± this share of its range [1].
NEW_SPREAD_SHARE = 0.05


# -- editing specs (no Qt) ----------------------------------------------------------------------

def current_spec(session: Session) -> UncertaintySpec:
    """The scenario's uncertainty (its record, else the defaults).

    Raises
    ------
    evexplorer.model.registry.ParameterError
        If the record cannot be used.
    """
    from ..analysis.uncertainty import spec_or_default

    return spec_or_default(session.uncertainty)


def store(session: Session, spec: UncertaintySpec, text: str) -> None:
    """Store ``spec`` as the scenario's uncertainty: one undo step (None if it is the defaults)."""
    from ..analysis.uncertainty import default_spec

    session.set_uncertainty(None if spec == default_spec() else spec.to_record(), text=text)


def reset_uncertainty(session: Session) -> None:
    """Every lever's uncertainty and every correlation back to the defaults (one undo step)."""
    session.set_uncertainty(None, text="Reset uncertainty to defaults")


def lever_bounds(name: str, uncertainty: LeverUncertainty, value: float) -> tuple[float, float]:
    """The low and high values of a lever's spread at ``value``, within its range [lever unit]."""
    param = PARAMETERS[name]
    low, high = uncertainty.bounds(value)
    lo, hi = float(param.minimum), float(param.maximum)
    return min(max(low, lo), hi), min(max(high, lo), hi)


def new_uncertainty(name: str, value: float) -> LeverUncertainty:
    """The spread a lever gets when made uncertain: its default, else a narrow uniform one.

    The narrow spread is ± :data:`NEW_SPREAD_SHARE` of the lever's range (at least one
    whole unit for whole-number levers), as offsets from its value.
    """
    from ..analysis.uncertainty import LeverUncertainty, load_defaults

    default = load_defaults().spec.levers.get(name)
    if default is not None:
        return default
    param = PARAMETERS[name]
    half = NEW_SPREAD_SHARE * (float(param.maximum) - float(param.minimum))
    if param.kind == "int":
        half = max(1.0, round(half))
    return LeverUncertainty("uniform", "absolute", -half, half)


def with_lever_reset(spec: UncertaintySpec, name: str) -> UncertaintySpec:
    """``spec`` with lever ``name``'s spread and correlations as in the defaults.

    Its default correlations come back where the other lever is uncertain; its
    other correlations go.
    """
    from ..analysis.uncertainty import Correlation, UncertaintySpec, load_defaults

    defaults = load_defaults().spec
    spec = spec.with_lever(name, defaults.levers.get(name))
    if name not in spec.levers:
        return spec
    kept = [c for c in spec.correlations if name not in (c.a, c.b)]
    kept += [Correlation(c.a, c.b, c.rho) for c in defaults.correlations
             if name in (c.a, c.b) and {c.a, c.b} <= set(spec.levers)]
    return UncertaintySpec(spec.seed, spec.levers, tuple(kept))


def describe_lever(name: str, uncertainty: LeverUncertainty | None, value: float,
                   spec: UncertaintySpec | None = None) -> str:
    """One or two sentences for people: how a lever is uncertain at its value.

    Examples
    --------
    >>> from evexplorer.analysis.uncertainty import LeverUncertainty
    >>> describe_lever("demand_growth", LeverUncertainty("uniform", "absolute", -7, 7), 25.0)
    'Uniform between 18.0 and 32.0 %/yr (−7.0 to +7.0 %/yr around the value).'
    """
    param = PARAMETERS[name]
    if uncertainty is None:
        return f"Certain: held at {param.format_with_unit(value)} in every sample."
    low, high = lever_bounds(name, uncertainty, value)
    shape = DISTRIBUTION_LABELS[uncertainty.distribution].split(" (")[0]
    ends = "5th and 95th percentiles" if uncertainty.distribution == "lognormal" else ""
    if uncertainty.spread == "relative":
        follows = f"{uncertainty.low:g} to {uncertainty.high:g} × the value"
    else:
        follows = (f"{_signed(uncertainty.low, param)} to {_signed(uncertainty.high, param)}"
                   f" {param.unit} around the value").replace("  ", " ")
    text = (f"{shape}, {ends} {param.format(low)} and {param.format_with_unit(high)}"
            if ends else f"{shape} between {param.format(low)} and "
            f"{param.format_with_unit(high)}")
    text += f" ({follows})."
    if spec is not None:
        pairs = [c for c in spec.correlations if name in (c.a, c.b)]
        if pairs:
            text += " Rank-correlated with " + ", ".join(
                f"{PARAMETERS[c.b if c.a == name else c.a].label} ({c.rho:g})"
                for c in pairs) + "."
    return text


def _signed(value: float, param: Parameter) -> str:
    decimals = max(param.decimals, 1) if param.kind != "int" else 0
    return f"{value:+,.{decimals}f}".replace("-", "\u2212")


# -- the editor of one lever ---------------------------------------------------------------------

class LeverUncertaintyEditor(QWidget):
    """The uncertainty of one lever, its correlations and a reset, bound to the session.

    Parameters
    ----------
    name : str
        A numeric lever that may be uncertain.
    session : Session
        Whose uncertainty record is edited.
    """

    #: Emitted when the editor's content changed size (a message, a correlation).
    changed = Signal()

    def __init__(self, name: str, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.param = PARAMETERS[name]
        self._session = session
        self.setObjectName(f"{name}__uncertainty")
        label = self.param.label

        self.uncertain = QCheckBox("&Uncertain")
        self.uncertain.setObjectName(f"{name}__uncertain")
        self.uncertain.setToolTip(f"Sample {label} in the bands, tornado and Sobol indices "
                                  "(else it is held at its value)")
        self.distribution = QComboBox()
        self.distribution.setObjectName(f"{name}__distribution")
        self.distribution.setAccessibleName(f"Distribution of {label}")
        for key, text in DISTRIBUTION_LABELS.items():
            self.distribution.addItem(text, key)
        self.low = self._bound_box("low")
        self.high = self._bound_box("high")
        self.low_label = QLabel("&Low")
        self.low_label.setBuddy(self.low)
        self.high_label = QLabel("&High")
        self.high_label.setBuddy(self.high)
        self.reset = QPushButton("&Reset to default")
        self.reset.setObjectName(f"{name}__uncertainty_reset")
        self.reset.setToolTip(f"{label}'s default uncertainty and correlations")
        self.description = QLabel()
        self.description.setObjectName(f"{name}__uncertainty_text")
        self.description.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName(f"{name}__uncertainty_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.WORSE};")
        self.error.hide()

        self.correlations = QTableWidget(0, 3)
        self.correlations.setObjectName(f"{name}__correlations")
        self.correlations.setAccessibleName(f"Rank correlations of {label}")
        self.correlations.setHorizontalHeaderLabels(["Correlated with", "ρ", ""])
        self.correlations.verticalHeader().hide()
        self.correlations.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.correlations.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.no_correlations = QLabel("None: sampled independently of the other levers.")
        self.no_correlations.setObjectName(f"{name}__no_correlations")
        self.partner = QComboBox()
        self.partner.setObjectName(f"{name}__correlate_with")
        self.partner.setAccessibleName(f"Lever to correlate {label} with")
        self.rho = QDoubleSpinBox()
        self.rho.setObjectName(f"{name}__correlate_rho")
        self.rho.setAccessibleName("Rank correlation")
        self.rho.setRange(-1.0, 1.0)
        self.rho.setSingleStep(0.05)
        self.rho.setDecimals(2)
        self.rho.setValue(0.5)
        self.set_rho = QPushButton("&Set")
        self.set_rho.setObjectName(f"{name}__correlate_set")
        self.set_rho.setToolTip("Set the rank (Spearman) correlation of the two levers; "
                                "0 removes it")

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.uncertain)
        form.addRow("&Distribution", self.distribution)
        form.addRow(self.low_label, self.low)
        form.addRow(self.high_label, self.high)
        pair = QHBoxLayout()
        pair.addWidget(self.partner, 1)
        pair.addWidget(QLabel("ρ"))
        pair.addWidget(self.rho)
        pair.addWidget(self.set_rho)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Uncertainty</b>")
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.description)
        layout.addWidget(self.reset, 0, Qt.AlignmentFlag.AlignLeft)
        self.correlation_title = QLabel("<b>Correlations</b> (rank, applied to bands)")
        layout.addWidget(self.correlation_title)
        layout.addWidget(self.correlations)
        layout.addWidget(self.no_correlations)
        layout.addLayout(pair)
        layout.addWidget(self.error)

        self.uncertain.toggled.connect(self._on_uncertain)
        self.distribution.activated.connect(lambda index: self._on_bounds())
        self.low.valueChanged.connect(lambda value: self._on_bounds())
        self.high.valueChanged.connect(lambda value: self._on_bounds())
        self.reset.clicked.connect(self._on_reset)
        self.set_rho.clicked.connect(self._on_correlate)
        # The panel is short-lived: stop listening when it goes.
        listener = self._on_session
        session.subscribe(listener, names=(name, "uncertainty"))
        self.destroyed.connect(lambda *args: session.unsubscribe(listener))
        self._on_session(Change(frozenset({"uncertainty"})))

    def _bound_box(self, which: str) -> QDoubleSpinBox:
        param = self.param
        box = QDoubleSpinBox()
        box.setObjectName(f"{self.name}__uncertainty_{which}")
        box.setAccessibleName(f"{which.capitalize()} value of {param.label}"
                              + (f" ({param.unit})" if param.unit else ""))
        box.setDecimals(param.decimals if param.kind != "int" else 0)
        box.setRange(float(param.minimum), float(param.maximum))
        box.setGroupSeparatorShown(param.unit != "year")
        if param.unit and param.unit != "year":
            box.setSuffix(f" {param.unit}")
        box.setKeyboardTracking(False)
        box.setAlignment(Qt.AlignmentFlag.AlignRight)
        return box

    # -- from the session ----------------------------------------------------------------------
    def _value(self) -> float:
        return float(self._session.get(self.name))

    def _on_session(self, change: Change) -> None:
        try:
            spec = current_spec(self._session)
        except ParameterError as exc:
            self.description.setText(f"The scenario's uncertainty cannot be used: {exc}")
            self.setEnabled(False)
            return
        self.setEnabled(True)
        entry = spec.levers.get(self.name)
        value = self._value()
        widgets = (self.uncertain, self.distribution, self.low, self.high)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.uncertain.setChecked(entry is not None)
        for widget in widgets[1:]:
            widget.setEnabled(entry is not None)
        if entry is not None:
            self.distribution.setCurrentIndex(self.distribution.findData(entry.distribution))
            low, high = lever_bounds(self.name, entry, value)
            self.low.setValue(low)
            self.high.setValue(high)
            percentiles = entry.distribution == "lognormal"
            self.low_label.setText("&Low (5th percentile)" if percentiles else "&Low")
            self.high_label.setText("&High (95th percentile)" if percentiles else "&High")
        del blockers
        self.description.setText(html.escape(describe_lever(self.name, entry, value)))
        self._show_correlations(spec)

    def _show_correlations(self, spec: UncertaintySpec) -> None:
        pairs = [c for c in spec.correlations if self.name in (c.a, c.b)]
        self.correlations.setRowCount(len(pairs))
        for row, c in enumerate(pairs):
            other = c.b if c.a == self.name else c.a
            item = QTableWidgetItem(PARAMETERS[other].label)
            item.setData(Qt.ItemDataRole.UserRole, other)
            self.correlations.setItem(row, 0, item)
            rho = QTableWidgetItem(f"{c.rho:+.2f}".replace("-", "\u2212"))
            rho.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.correlations.setItem(row, 1, rho)
            remove = QToolButton()
            remove.setObjectName(f"{self.name}__correlation_remove_{other}")
            remove.setText("✕")
            remove.setAutoRaise(True)
            remove.setToolTip(f"Remove the correlation with {PARAMETERS[other].label}")
            remove.setAccessibleName(f"Remove the correlation with {PARAMETERS[other].label}")
            # Later, not inside the click: the change rebuilds this table and its buttons.
            remove.clicked.connect(lambda checked=False, o=other: QTimer.singleShot(
                0, self, lambda: self.correlate(o, 0.0)))
            self.correlations.setCellWidget(row, 2, remove)
        # As tall as its rows (three at most, then it scrolls); a sentence when it has none.
        self.correlations.setVisible(bool(pairs))
        self.no_correlations.setVisible(not pairs)
        rows = self.correlations.verticalHeader().defaultSectionSize() * min(len(pairs), 3)
        self.correlations.setFixedHeight(self.correlations.horizontalHeader().height() + rows
                                         + 2 * self.correlations.frameWidth())
        uncertain = self.name in spec.levers
        partners = [n for n in spec.levers if n != self.name]
        with QSignalBlocker(self.partner):
            chosen = self.partner.currentData()
            self.partner.clear()
            for other in partners:
                self.partner.addItem(PARAMETERS[other].label, other)
            index = self.partner.findData(chosen)
            self.partner.setCurrentIndex(max(index, 0))
        for widget in (self.correlations, self.partner, self.rho, self.set_rho,
                       self.correlation_title):
            widget.setEnabled(uncertain and bool(partners))
        self.changed.emit()

    # -- to the session ------------------------------------------------------------------------
    def _apply(self, edit: Callable[[UncertaintySpec], UncertaintySpec], text: str) -> bool:
        """Store ``edit(current spec)`` as one undo step; refuse invalid input in one sentence."""
        try:
            spec = edit(current_spec(self._session))
        except ParameterError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.changed.emit()
            self._on_session(Change(frozenset({"uncertainty"})))  # show what is stored
            return False
        if self.error.isVisibleTo(self):
            self.error.hide()
            self.changed.emit()
        store(self._session, spec, text)
        return True

    def set_uncertain(self, uncertain: bool) -> bool:
        """Make the lever uncertain (with its default spread, else a narrow one) or certain."""
        value = self._value()
        if uncertain:
            return self._apply(lambda s: s.with_lever(self.name,
                                                      new_uncertainty(self.name, value)),
                               f"Make {self.param.label} uncertain")
        return self._apply(lambda s: s.with_lever(self.name, None),
                           f"Make {self.param.label} certain")

    def set_spread(self, distribution: str, low: float, high: float) -> bool:
        """Set the distribution and its low and high values in the lever's unit."""
        from ..analysis.uncertainty import lever_from_range

        value = self._value()
        return self._apply(lambda s: s.with_lever(self.name, lever_from_range(
            self.name, value, low, high, distribution)),
            f"Change uncertainty of {self.param.label}")

    def correlate(self, other: str, rho: float) -> bool:
        """Set the rank correlation with lever ``other`` (0 removes it)."""
        return self._apply(lambda s: s.with_correlation(self.name, other, rho),
                           f"Correlate {self.param.label} with {PARAMETERS[other].label}")

    def reset_to_default(self) -> bool:
        """The lever's default spread and correlations."""
        return self._apply(lambda s: with_lever_reset(s, self.name),
                           f"Reset uncertainty of {self.param.label}")

    def _on_uncertain(self, checked: bool) -> None:
        self.set_uncertain(checked)

    def _on_bounds(self) -> None:
        self.set_spread(self.distribution.currentData(), self.low.value(), self.high.value())

    def _on_reset(self) -> None:
        self.reset_to_default()

    def _on_correlate(self) -> None:
        other = self.partner.currentData()
        if other:
            self.correlate(other, self.rho.value())


# -- marks in the lever list --------------------------------------------------------------------

class UncertaintyMarks:
    """Marks every uncertain lever in the lever list, live.

    Parameters
    ----------
    session : Session
        Whose uncertainty is shown.
    levers : LeverPanel
        Whose lever views carry the marks (``LeverView.set_uncertainty_mark``).
    """

    def __init__(self, session: Session, levers: LeverPanel) -> None:
        self._session = session
        self._levers = levers
        self._spec: UncertaintySpec | None = None
        session.subscribe(self._on_session, names=(*PARAMETERS, "uncertainty"))
        self._on_session(Change(frozenset({"uncertainty"})))

    def _on_session(self, change: Change) -> None:
        if "uncertainty" in change.names or self._spec is None:
            try:
                self._spec = current_spec(self._session)
            except ParameterError:
                self._spec = None
                for view in self._levers.levers.values():
                    view.set_uncertainty_mark(None)
                return
            names = [n for n, p in PARAMETERS.items() if p.numeric]
        else:  # the bounds in the tooltips follow the levers that moved
            names = [n for n in change.levers if PARAMETERS[n].numeric]
        spec = self._spec
        for name in names:
            entry = spec.levers.get(name)
            text = None if entry is None else (
                "Uncertain: " + describe_lever(name, entry, float(self._session.get(name)),
                                               spec) + " Click i to change it.")
            self._levers.levers[name].set_uncertainty_mark(text)
