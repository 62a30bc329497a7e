"""Goal-seek: which value of one lever makes an output reach a target in a year.

The dialog asks for a numeric lever, an output, a year and the target (in the
output's unit), or offers the ready-made goal "price parity by a year" (the
EV's price premium over the gasoline car = 0 USD). Seek runs
:func:`evexplorer.analysis.goal_seek.goal_seek` — a scan of the lever's whole
range in one batch, then Brent's method — from the current scenario's other
levers, under a busy cursor (it takes well under 100 ms). The answer shows
the lever's value with its unit and the output it achieves; Apply sets the
lever as one undo step. A target that no value reaches is answered with the
range the output does cover, and nothing can be applied.

The dialog is not modal: the charts stay in view, and a lever moved meanwhile
makes the answer stale (Apply is then disabled until the next Seek).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..analysis.attribution import TIME_AXIS
from ..analysis.goal_seek import PARITY_OUTPUT, GoalSeekResult, UnreachableTarget, goal_seek
from ..analysis.readout import AnalysisError, quantity
from ..model import PARAMETERS
from ..model.registry import ParameterError
from ..session import Change, Session
from .analysis_widgets import OutputCombo, WrappedLabel, YearSpin, lever_value, output_label

#: The goals offered: an output reaches a value, or price parity by a year.
GOAL_TARGET, GOAL_PARITY = "target", "parity"
#: Largest target the field takes, either sign [unit of the output].
TARGET_LIMIT = 1e12


def seekable_levers() -> list[str]:
    """The levers goal-seek can move: numeric, not the time axis, in registry order."""
    return [n for n, p in PARAMETERS.items() if p.numeric and n not in TIME_AXIS]


def lever_text(name: str) -> str:
    """A lever for a picker: ``Lithium carbonate price (USD/t LCE)``."""
    param = PARAMETERS[name]
    unit = param.unit if param.unit and param.unit != "year" else ""
    return f"{param.label} ({unit})" if unit else param.label


class GoalSeekDialog(QDialog):
    """Find the lever value that reaches a target; apply it as one undo step.

    Parameters
    ----------
    session : Session
        The current scenario: the starting point and where Apply writes.
    year : int
        The year offered first [year].
    """

    def __init__(self, session: Session, year: int = 2030,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goal_seek_dialog")
        self.setWindowTitle("Goal seek")
        self._session = session
        #: The last answer (None if none, unreachable, or stale).
        self.result: GoalSeekResult | None = None
        self._applying = False
        self.goal = QComboBox()
        self.goal.setObjectName("goal_seek_goal")
        self.goal.setAccessibleName("Goal")
        self.goal.addItem("An output reaches a target value", GOAL_TARGET)
        self.goal.addItem("Price parity with the gasoline car by a year", GOAL_PARITY)
        self.lever = QComboBox()
        self.lever.setObjectName("goal_seek_lever")
        self.lever.setAccessibleName("Lever to move")
        for name in seekable_levers():
            self.lever.addItem(lever_text(name), name)
        self.lever.setCurrentIndex(self.lever.findData("lithium_price"))
        self.lever_now = QLabel()
        self.lever_now.setObjectName("goal_seek_lever_now")
        self.lever_now.setStyleSheet("color: #505050;")
        self.lever_now.setWordWrap(True)
        self.output = OutputCombo("goal_seek_output")
        self.output.set_output("pack_cost")
        self.year = YearSpin("goal_seek_year", year)
        self.target = QDoubleSpinBox()
        self.target.setObjectName("goal_seek_target")
        self.target.setAccessibleName("Target value")
        self.target.setRange(-TARGET_LIMIT, TARGET_LIMIT)
        self.target.setDecimals(2)
        self.target.setGroupSeparatorShown(True)
        self.target.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.target.setValue(80.0)
        self.target.setMinimumWidth(150)
        self.target.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.answer = WrappedLabel("Choose the goal, then Seek.", "goal_seek_result")
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form = QFormLayout()
        for text, widget in (("&Goal", self.goal), ("&Lever", self.lever), ("", self.lever_now),
                             ("&Output", self.output), ("&Year", self.year),
                             ("&Target", self.target)):
            if text:
                label = QLabel(text)
                label.setBuddy(widget)
                form.addRow(label, widget)
            else:
                form.addRow("", widget)
        self.seek_button = QPushButton("&Seek")
        self.seek_button.setObjectName("goal_seek_run")
        self.seek_button.setDefault(True)
        self.seek_button.clicked.connect(self.seek)
        self.apply_button = QPushButton("&Apply")
        self.apply_button.setObjectName("goal_seek_apply")
        self.apply_button.setToolTip("Set the lever to the value found (Edit ▸ Undo takes it back)")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("goal_seek_buttons")
        buttons.addButton(self.seek_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.answer, 1)
        layout.addWidget(buttons)
        self.goal.currentIndexChanged.connect(self._on_goal)
        self.lever.currentIndexChanged.connect(self._on_question)
        self.output.currentIndexChanged.connect(self._on_output)
        self.year.valueChanged.connect(self._on_question)
        self.target.valueChanged.connect(self._on_question)
        session.subscribe(self._on_session, names=tuple(PARAMETERS))
        self._on_output()
        self.resize(460, 320)

    # -- the question ---------------------------------------------------------------------------
    def is_parity(self) -> bool:
        """True for the ready-made goal "price parity by a year"."""
        return self.goal.currentData() == GOAL_PARITY

    def _on_goal(self) -> None:
        parity = self.is_parity()
        if parity:
            self.output.set_output(PARITY_OUTPUT)
            self.target.setValue(0.0)
        self.output.setEnabled(not parity)
        self.target.setEnabled(not parity)
        self._on_question()

    def _on_output(self) -> None:
        unit = self.output.unit()
        self.target.setSuffix(f" {unit}" if unit and unit != "year" else "")
        self.year.setEnabled(not self.output.is_scalar())
        self._on_question()

    def _show_lever(self) -> None:
        name = self.lever.currentData()
        param = PARAMETERS[name]
        self.lever_now.setText(f"now {lever_value(param, self._session.get(name))}; "
                               f"range {param.format(param.minimum)}–"
                               f"{lever_value(param, param.maximum)}")

    def _on_question(self, *args: object) -> None:
        """Any change of the question makes the last answer stale."""
        self._show_lever()
        self._forget("Seek to find the value.")

    def _on_session(self, change: Change) -> None:
        if self._applying:
            return
        self._show_lever()
        if self.result is not None:
            self._forget("The levers changed since the last answer: Seek again.")

    def _forget(self, text: str) -> None:
        self.result = None
        self.apply_button.setEnabled(False)
        self.answer.setText(text)

    # -- seeking and applying -------------------------------------------------------------------
    def seek(self) -> GoalSeekResult | None:
        """Find the lever value for the question asked; show it (or why there is none)."""
        self.year.follow(self._session.results)
        lever = self.lever.currentData()
        output = self.output.output()
        year = None if self.output.is_scalar() else self.year.value()
        target = 0.0 if self.is_parity() else self.target.value()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            found = goal_seek(self._session.values, lever, output, year, target)
        except UnreachableTarget as exc:
            self._forget(f"Not reachable: {exc}")
            return None
        except (AnalysisError, ParameterError) as exc:
            self._forget(str(exc))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.result = found
        self.apply_button.setEnabled(True)
        self.answer.setText(self.describe(found))
        return found

    def describe(self, found: GoalSeekResult) -> str:
        """The answer in a sentence or two, every number with its unit."""
        param = PARAMETERS[found.lever]
        what = output_label(found.output).lower() if found.output != PARITY_OUTPUT else \
            "the EV's price premium over the gasoline car"
        when = f" in {found.year}" if found.year is not None else ""
        now = lever_value(param, self._session.get(found.lever))
        achieved = quantity(found.achieved, found.output_unit)
        target = quantity(found.target, found.output_unit)
        text = (f"{param.label} {lever_value(param, found.value)} → {what} {achieved}{when} "
                f"(target {target}). The lever is now {now}.")
        if found.whole_number and not math.isclose(found.achieved, found.target):
            text += " The lever takes whole values: this is the nearest that meets the target."
        return text + " Apply sets the lever."

    def apply(self) -> bool:
        """Set the lever to the value found: one undo step."""
        found = self.result
        if found is None:
            return False
        param = PARAMETERS[found.lever]
        self._applying = True
        try:
            with self._session.change(f"Goal-seek {param.label}"):
                self._session.set(found.lever, found.value)
        finally:
            self._applying = False
        self._show_lever()
        self._forget(f"Applied: {param.label} is now {lever_value(param, found.value)} "
                     "(Edit ▸ Undo takes it back).")
        return True
