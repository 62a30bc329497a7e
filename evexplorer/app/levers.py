"""The lever panel, generated from the parameter registry.

Each lever is a thin view of the :class:`~evexplorer.session.Session`: it
takes the session in ``__init__``, redraws itself in ``_on_session`` with its
own signals blocked, and writes back through :meth:`Session.update` (one undo
step each). A slider drag changes the session live (so the charts move with
the hand) inside a gesture that becomes one undo step when the mouse is
released.

Object names: a lever's input widget (spin box, combo box or the chemistry
mix editor) is named after the parameter; its slider, reset and information
buttons are ``<name>__slider``, ``<name>__reset`` and ``<name>__info``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import GROUPS, PARAMETERS, Parameter, ParameterError, data, labels, registry
from ..session import Change, Session

#: Positions of a float lever's slider.
SLIDER_STEPS = 1000
#: Narrowest slider that can still be dragged with some precision [px].
SLIDER_MIN_WIDTH = 60


ErrorSink = Callable[[str], None]


def info_html(param: Parameter) -> str:
    """The information shown for a lever: description, range, default, source and vintage.

    The source's citation is a link to its publisher's page where the reference
    data gives one.
    """
    source = data.load().source(param.source)
    citation = html.escape(source.describe(), quote=False)
    if source.url:
        citation = f"<a href=\"{html.escape(source.url)}\">{citation}</a>"
    return (
        f"<b>{param.label}</b> <code>{param.name}</code><br>{param.description}<br><br>"
        f"<b>Range:</b> {param.range_text()}<br>"
        f"<b>Default:</b> {labels.lever_value(param.name, param.default)}<br>"
        f"<b>Source:</b> {citation}"
    )


def slider_steps(param: Parameter) -> int:
    """Positions of a float lever's slider: one per shown step if linear, at most 1000."""
    if param.scale == "log":
        return SLIDER_STEPS
    span = (float(param.maximum) - float(param.minimum)) * 10 ** param.decimals
    return int(min(SLIDER_STEPS, round(span)))


def slider_to_value(param: Parameter, position: int) -> float:
    """Map a slider position onto the lever's range (linear, log or whole numbers)."""
    if param.kind == "int":
        return int(position)
    frac = position / slider_steps(param)
    lo, hi = float(param.minimum), float(param.maximum)
    if param.scale == "log":
        value = lo * (hi / lo) ** frac
        digits = 3 - math.floor(math.log10(value))  # three significant figures
        value = round(value, digits)
    else:
        value = round(lo + (hi - lo) * frac, param.decimals)
    return min(max(value, lo), hi)


def value_to_slider(param: Parameter, value: float) -> int:
    """The slider position closest to ``value``."""
    if param.kind == "int":
        return round(value)
    lo, hi = float(param.minimum), float(param.maximum)
    if param.scale == "log":
        frac = math.log(value / lo) / math.log(hi / lo)
    else:
        frac = (value - lo) / (hi - lo)
    return round(min(max(frac, 0.0), 1.0) * slider_steps(param))


class LeverView(QWidget):
    """Common part of a lever: label, reset and information buttons, the one setter."""

    def __init__(self, param: Parameter, session: Session, report: ErrorSink,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self._session = session
        self._report = report
        self.setObjectName(f"{param.name}__row")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(4, 3, 4, 3)
        self._layout.setHorizontalSpacing(6)
        self._layout.setVerticalSpacing(2)
        self.label = QLabel(param.label)
        self.label.setToolTip(info_html(param))
        self.label.setWordWrap(True)
        self.reset_button = QToolButton()
        self.reset_button.setObjectName(f"{param.name}__reset")
        self.reset_button.setText("\u21ba")
        self.reset_button.setToolTip(f"Reset {param.label} to its default")
        self.reset_button.setAccessibleName(f"Reset {param.label}")
        self.reset_button.setAutoRaise(True)
        self.reset_button.clicked.connect(self.reset)
        self.info_button = QToolButton()
        self.info_button.setObjectName(f"{param.name}__info")
        self.info_button.setText("i")
        self.info_button.setToolTip("Description, range, source and vintage; uncertainty")
        self.info_button.setAccessibleName(f"About {param.label}")
        self.info_button.setAutoRaise(True)
        self.info_button.clicked.connect(self.show_info)
        self.info_popup: QWidget | None = None
        # "±" beside the label while the lever is uncertain (set by the uncertainty marks).
        self.uncertainty_mark = QLabel("\u00b1")
        self.uncertainty_mark.setObjectName(f"{param.name}__uncertain_mark")
        self.uncertainty_mark.setStyleSheet("color: #0072B2; font-weight: bold;")
        self.uncertainty_mark.hide()
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(4)
        header.addWidget(self.label, 1)
        header.addWidget(self.uncertainty_mark, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.info_button, 0, Qt.AlignmentFlag.AlignTop)
        # Row 0: label, mark and buttons in one row across the lever, so that the mark
        # appearing takes room from the label, never widens the lever.
        # Row 1: the lever's input across the lever (for a number: slider and value field).
        self._layout.addLayout(header, 0, 0, 1, 4)
        self._layout.setColumnStretch(0, 1)
        session.subscribe(self._on_session, names=(param.name,))

    @property
    def input_widget(self) -> QWidget:
        """The widget named after the parameter."""
        raise NotImplementedError

    def show_info(self) -> None:
        """Show the lever's description, range, default, source and uncertainty next to it."""
        from .lever_info import LeverInfoPopup

        self.info_popup = LeverInfoPopup(self.param, self._session, info_html(self.param), self)
        self.info_popup.show_at(self.info_button)

    def set_uncertainty_mark(self, text: str | None) -> None:
        """Mark the lever as uncertain with ``text`` as the mark's tooltip; None: certain."""
        self.uncertainty_mark.setVisible(text is not None)
        if text is not None and text != self.uncertainty_mark.toolTip():
            self.uncertainty_mark.setToolTip(text)

    def reset(self) -> None:
        """Put the lever back to its default (one undo step)."""
        self.commit(registry.defaults()[self.param.name])

    def commit(self, new: Any) -> None:
        """Make ``new`` the lever's value (one undo step, or part of the current gesture).

        An invalid value is reported in one sentence and the lever shows its
        value again.
        """
        name = self.param.name
        try:
            self._session.update({name: new}, text=f"Change {self.param.label}")
        except ParameterError as exc:
            self._report(str(exc))
            self._on_session(Change(frozenset({name})))

    def _on_session(self, change: Change) -> None:
        value = self._session.get(self.param.name)
        changed = not registry.same_value(self.param.name, value, self.param.default)
        font = self.label.font()
        font.setBold(changed)
        self.label.setFont(font)
        self.reset_button.setEnabled(changed)
        self._show(value)

    def _show(self, value: Any) -> None:
        raise NotImplementedError


class NumberLever(LeverView):
    """A numeric lever: a slider and an exact-value spin box with its unit."""

    def __init__(self, param: Parameter, session: Session, report: ErrorSink,
                 parent: QWidget | None = None) -> None:
        super().__init__(param, session, report, parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"{param.name}__slider")
        self.slider.setAccessibleName(f"{param.label} slider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if param.kind == "int":
            self.slider.setRange(int(param.minimum), int(param.maximum))
            self.slider.setPageStep(5)
            self.spin: QAbstractSpinBox = QSpinBox()
            self.spin.setRange(int(param.minimum), int(param.maximum))
            self.spin.setGroupSeparatorShown(param.unit != "year")
        else:
            steps = slider_steps(param)
            self.slider.setRange(0, steps)
            self.slider.setSingleStep(max(1, steps // 200))
            self.slider.setPageStep(max(1, steps // 20))
            spin = QDoubleSpinBox()
            spin.setDecimals(param.decimals)
            spin.setRange(float(param.minimum), float(param.maximum))
            spin.setGroupSeparatorShown(True)
            if param.scale == "log":
                spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            else:
                spin.setSingleStep(_nice_step(param))
            self.spin = spin
        self.spin.setObjectName(param.name)
        if param.unit and param.unit != "year":
            self.spin.setSuffix(f" {param.unit}")
        self.spin.setKeyboardTracking(False)
        self.spin.setAccelerated(True)
        self.spin.setAccessibleName(f"{param.label}" + (f" ({param.unit})" if param.unit else ""))
        self.spin.setToolTip(info_html(param))
        self.spin.setMinimumWidth(130)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.label.setBuddy(self.spin)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.slider.setMinimumWidth(SLIDER_MIN_WIDTH)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        self._layout.addLayout(row, 1, 0, 1, 4)
        self.slider.sliderPressed.connect(self._on_pressed)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_released)
        self.spin.valueChanged.connect(self._on_spin)
        self._on_session(Change(frozenset({param.name})))

    @property
    def input_widget(self) -> QAbstractSpinBox:
        return self.spin

    def _on_pressed(self) -> None:
        # Live while the hand moves: the session changes, the undo step comes on release.
        self._session.begin_change(f"Change {self.param.label}")

    def _on_slider(self, position: int) -> None:
        self.commit(slider_to_value(self.param, position))

    def _on_released(self) -> None:
        self._session.end_change()

    def _on_spin(self, value: float) -> None:
        self.commit(int(value) if self.param.kind == "int" else float(value))

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        if not self.slider.isSliderDown():
            with QSignalBlocker(self.slider):
                self.slider.setValue(value_to_slider(self.param, value))


def _nice_step(param: Parameter) -> float:
    span = float(param.maximum) - float(param.minimum)
    step = 10 ** math.floor(math.log10(span / 100))
    return max(step, 10 ** -param.decimals)


class ChoiceLever(LeverView):
    """A lever with a fixed set of choices: a combo box."""

    def __init__(self, param: Parameter, session: Session, report: ErrorSink,
                 parent: QWidget | None = None) -> None:
        super().__init__(param, session, report, parent)
        self.combo = QComboBox()
        self.combo.setObjectName(param.name)
        self.combo.setAccessibleName(param.label)
        self.combo.setToolTip(info_html(param))
        for choice, label in labels.choice_labels(param.name).items():
            self.combo.addItem(label, choice)
        self.label.setBuddy(self.combo)
        self._layout.addWidget(self.combo, 1, 0, 1, 4)
        self.combo.currentIndexChanged.connect(
            lambda i: self.commit(self.combo.itemData(i)))
        self._on_session(Change(frozenset({param.name})))

    @property
    def input_widget(self) -> QComboBox:
        return self.combo

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(value))


class MixEditor(QFrame):
    """Chemistry shares in percent that always sum to 100 %.

    Changing one share rescales the others in proportion so that the total
    stays 100 %; if all the others are zero, the remainder is spread in the
    proportions of today's market mix.
    """

    edited = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chemistry_mix")
        self.setAccessibleName("Target chemistry mix")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setVerticalSpacing(1)
        ref = data.load()
        self._today = dict(zip(data.CHEMISTRIES, ref.mix_2024, strict=True))
        self.spins: dict[str, QDoubleSpinBox] = {}
        for row, chem in enumerate(data.CHEMISTRIES):
            label = QLabel(labels.chemistry_label(chem))
            label.setToolTip(ref.raw["chemistries"][chem]["label"])
            spin = QDoubleSpinBox()
            spin.setObjectName(f"chemistry_mix.{chem}")
            spin.setAccessibleName(f"{ref.raw['chemistries'][chem]['label']} share (%)")
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSingleStep(5.0)
            spin.setSuffix(" %")
            spin.setKeyboardTracking(False)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.valueChanged.connect(lambda v, c=chem: self._on_spin(c, v))
            label.setBuddy(spin)
            layout.addWidget(label, row, 0)
            layout.addWidget(spin, row, 1)
            self.spins[chem] = spin
        self.total = QLabel("Total 100 %")
        self.total.setObjectName("chemistry_mix__total")
        layout.addWidget(self.total, len(data.CHEMISTRIES), 1, Qt.AlignmentFlag.AlignRight)
        self._mix: dict[str, float] = dict(self._today)

    def mix(self) -> dict[str, float]:
        """Shares as fractions."""
        return dict(self._mix)

    def set_mix(self, mix: Mapping[str, float]) -> None:
        """Show ``mix`` (fractions) without emitting :attr:`edited`."""
        self._mix = {c: float(mix.get(c, 0.0)) for c in data.CHEMISTRIES}
        for chem, spin in self.spins.items():
            with QSignalBlocker(spin):
                spin.setValue(100.0 * self._mix[chem])
        self.total.setText(f"Total {100 * sum(self._mix.values()):.0f} %")

    def _on_spin(self, chem: str, percent: float) -> None:
        self.edited.emit(rebalance(self._mix, chem, percent / 100.0, self._today))


def rebalance(mix: Mapping[str, float], chem: str, share: float,
              fallback: Mapping[str, float]) -> dict[str, float]:
    """Set one chemistry's share and scale the others so that the shares sum to 1.

    Parameters
    ----------
    mix : Mapping[str, float]
        Current shares [1].
    chem : str
        Chemistry whose share is set.
    share : float
        Its new share [1], in [0, 1].
    fallback : Mapping[str, float]
        Proportions for the others when they are all zero [1].
    """
    share = min(max(share, 0.0), 1.0)
    others = {c: s for c, s in mix.items() if c != chem}
    weights = others if sum(others.values()) > 1e-12 else {
        c: fallback.get(c, 0.0) for c in others}
    if sum(weights.values()) <= 1e-12:
        weights = dict.fromkeys(others, 1.0)
    total = sum(weights.values())
    out = {c: (1.0 - share) * w / total for c, w in weights.items()}
    out[chem] = share
    return {c: out[c] for c in mix}


class MixLever(LeverView):
    """The chemistry mix lever."""

    def __init__(self, param: Parameter, session: Session, report: ErrorSink,
                 parent: QWidget | None = None) -> None:
        super().__init__(param, session, report, parent)
        self.editor = MixEditor()
        self.label.setBuddy(self.editor.spins[data.CHEMISTRIES[0]])
        self._layout.addWidget(self.editor, 1, 0, 1, 4)
        self.editor.edited.connect(self.commit)
        self._on_session(Change(frozenset({param.name})))

    @property
    def input_widget(self) -> MixEditor:
        return self.editor

    def _show(self, value: Any) -> None:
        self.editor.set_mix(value)


def make_lever(param: Parameter, session: Session, report: ErrorSink) -> LeverView:
    """The view for a lever, chosen by its kind."""
    kinds = {"float": NumberLever, "int": NumberLever, "choice": ChoiceLever, "mix": MixLever}
    return kinds[param.kind](param, session, report)


class GroupSection(QWidget):
    """A titled, collapsible group of levers."""

    def __init__(self, group: str, title: str, expanded: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.header = QToolButton()
        self.header.setObjectName(f"group__{group}")
        self.header.setText(title.replace("&", "&&"))
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setStyleSheet("QToolButton { font-weight: bold; border: none; "
                                  "padding: 4px 2px; text-align: left; }")
        self.header.setAccessibleName(f"{title} group")
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(8, 0, 0, 4)
        self.body_layout.setSpacing(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.body.setVisible(expanded)
        self.header.toggled.connect(self.set_expanded)

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the group's levers."""
        with QSignalBlocker(self.header):
            self.header.setChecked(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()


class LeverPanel(QWidget):
    """Every lever, grouped and searchable, generated from the registry."""

    def __init__(self, session: Session, report: ErrorSink,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lever_panel")
        self.search = QLineEdit()
        self.search.setObjectName("lever_search")
        self.search.setPlaceholderText("Search levers…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search levers")
        self.search.textChanged.connect(self.filter)
        reset_all = QPushButton("Reset all")
        reset_all.setObjectName("reset_all")
        reset_all.setToolTip("Put every lever back to the baseline (one undo step)")
        reset_all.clicked.connect(self.reset_all)
        self._session = session
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(reset_all)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(2, 2, 2, 2)
        content_layout.setSpacing(2)
        self.sections: dict[str, GroupSection] = {}
        self.levers: dict[str, LeverView] = {}
        for group, title in GROUPS.items():
            section = GroupSection(group, title, expanded=group != "advanced")
            self.sections[group] = section
            content_layout.addWidget(section)
        for param in PARAMETERS.values():
            view = make_lever(param, session, report)
            self.levers[param.name] = view
            self.sections[param.group].body_layout.addWidget(view)
        content_layout.addStretch(1)
        # Said when a search matches nothing, instead of an empty panel.
        self.no_match = QLabel()
        self.no_match.setObjectName("lever_search_empty")
        self.no_match.setWordWrap(True)
        self.no_match.setTextFormat(Qt.TextFormat.PlainText)
        self.no_match.setStyleSheet("color: #505050; padding: 8px 4px;")
        self.no_match.hide()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(content)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumWidth(content.minimumSizeHint().width()
                                    + self.scroll.verticalScrollBar().sizeHint().width() + 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.no_match)
        layout.addWidget(self.scroll, 1)
        clear = QAction(self.search)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self.search.clear)
        self.search.addAction(clear)

    def filter(self, text: str) -> None:
        """Show only levers whose label, name or description contains ``text``.

        When none does, a sentence says so (and Escape clears the search).
        """
        needle = text.strip().lower()
        found = 0
        for section in self.sections.values():
            visible = 0
            for view in self.levers.values():
                if view.param.group != section.group:
                    continue
                p = view.param
                match = not needle or any(needle in s.lower() for s in
                                          (p.label, p.name, p.description))
                view.setVisible(match)
                visible += match
            section.setVisible(visible > 0)
            found += visible
            if needle and visible:
                section.set_expanded(True)
        self.no_match.setText(f"No lever matches \u201c{text.strip()}\u201d. Press Esc to "
                              "clear the search." if not found else "")
        self.no_match.setVisible(not found)

    def focus_lever(self, name: str) -> None:
        """Reveal a lever (expand its group, scroll to it) and give its input the focus."""
        view = self.levers[name]
        if self.search.text():
            self.search.clear()
        self.sections[view.param.group].set_expanded(True)
        view.show()
        self.scroll.ensureWidgetVisible(view, 0, 40)
        target = view.input_widget
        if isinstance(target, MixEditor):
            target = target.spins[data.CHEMISTRIES[0]]
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset_all(self) -> None:
        """Put every lever back to its default as one undo step."""
        self._session.reset()
