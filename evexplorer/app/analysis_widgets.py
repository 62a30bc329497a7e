"""What the analysis views share: output and year pickers, value texts, drawing while shown.

The attribution waterfall, goal-seek and the targets form ask the same two
questions, "which output?" and "in which year?"; :class:`OutputCombo` and
:class:`YearSpin` answer them the same way everywhere, with the output's label
and unit from the model's registry of outputs and the years the scenario
shows. :class:`LazyView` is the base of the tabs that redraw from the session
only while they are shown, so that a hidden tab costs nothing during a drag.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QWidget

from ..model import SCALARS, SERIES, Results
from ..model.registry import PARAMETERS, Parameter
from ..session import Change
from .panels import display_value

TOOLTIP = Qt.ItemDataRole.ToolTipRole


def output_unit(name: str) -> str:
    """Unit of a series or scalar ("" if unknown)."""
    found = SERIES.get(name) or SCALARS.get(name)
    return found.unit if found is not None else ""


def output_label(name: str) -> str:
    """Short label of a series or scalar (its name if unknown)."""
    found = SERIES.get(name) or SCALARS.get(name)
    return found.label if found is not None else name


def output_text(name: str) -> str:
    """A series or scalar for a picker: ``Pack cost (USD/kWh)``; a year without unit."""
    unit = output_unit(name)
    return f"{output_label(name)} ({unit})" if unit and unit != "year" else output_label(name)


def lever_value(param: Parameter, value: object) -> str:
    """A lever's value for people, with its unit; a calendar year without one ("2031")."""
    if param.unit == "year":
        return param.format(value)
    return display_value(param, value)


class OutputCombo(QComboBox):
    """Every series (then, unless ``series_only``, every scalar), each with its unit.

    Parameters
    ----------
    object_name : str
        Qt object name of the combo.
    series_only : bool
        Offer series only (a target applies to a series in a year).
    """

    def __init__(self, object_name: str, series_only: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Output")
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)
        for name in SERIES:
            self.addItem(output_text(name), name)
            self.setItemData(self.count() - 1, SERIES[name].description, TOOLTIP)
        if not series_only:
            self.insertSeparator(self.count())
            for name in SCALARS:
                self.addItem(f"{output_text(name)}, over the years shown", name)
                self.setItemData(self.count() - 1, SCALARS[name].description, TOOLTIP)

    def output(self) -> str:
        """Name of the chosen output."""
        return str(self.currentData())

    def set_output(self, name: str) -> None:
        """Choose ``name`` (a series or scalar name)."""
        index = self.findData(name)
        if index < 0:
            raise KeyError(name)
        self.setCurrentIndex(index)

    def unit(self) -> str:
        """Unit of the chosen output."""
        return output_unit(self.output())

    def is_scalar(self) -> bool:
        """True if the chosen output is a scalar (read over every year shown, no year)."""
        return self.output() in SCALARS


class YearSpin(QSpinBox):
    """A calendar year within the years a scenario shows (no thousands separator)."""

    def __init__(self, object_name: str, year: int = 2030,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Year")
        low, high = PARAMETERS["start_year"].minimum, PARAMETERS["end_year"].maximum
        self.setRange(int(low), int(high))
        self.setValue(year)

    def follow(self, results: Results) -> None:
        """Limit the year to the years of ``results`` without emitting a change of range."""
        first, last = int(results.years[0]), int(results.years[-1])
        if (self.minimum(), self.maximum()) != (first, last):
            with QSignalBlocker(self):
                self.setRange(first, last)


class WrappedLabel(QLabel):
    """A word-wrapped label that claims the height its text needs at its width.

    Layouts size a wrapped label for a guessed width; in a narrow, crowded panel
    that can cut off its last lines. This label asks for the height of its
    text at the width it really has whenever either changes.
    """

    def __init__(self, text: str = "", object_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        if object_name:
            self.setObjectName(object_name)

    def setText(self, text: str) -> None:
        if text != self.text():
            super().setText(text)
            self._claim()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._claim()

    def _claim(self) -> None:
        height = self.heightForWidth(self.width()) if self.text() else 0
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)


class LazyView(QWidget):
    """A view that draws from the session only while it is shown.

    A change while hidden marks it stale; showing it draws then. Subclasses
    implement :meth:`draw` and subscribe :meth:`_on_session` to what they show.

    Parameters
    ----------
    throttle_ms : int
        With a positive value, changes are drawn at most once per this many
        milliseconds [ms]: the first change of a burst starts a timer and the
        view draws the latest state when it fires, so a slider drag at screen
        rate costs a few draws a second instead of one per frame.
    """

    def __init__(self, parent: QWidget | None = None, throttle_ms: int = 0) -> None:
        super().__init__(parent)
        self._stale = True
        #: Number of draws so far.
        self.draw_count = 0
        self._throttle: QTimer | None = None
        if throttle_ms > 0:
            self._throttle = QTimer(self)
            self._throttle.setSingleShot(True)
            self._throttle.setInterval(throttle_ms)
            self._throttle.timeout.connect(self.refresh)

    @property
    def pending(self) -> bool:
        """True while what is drawn is older than the session (a redraw is due)."""
        return self._stale

    def _on_session(self, change: Change) -> None:
        if self._throttle is None:
            self.refresh()
            return
        self._stale = True
        if not self._throttle.isActive():  # not restarted: a long drag still updates
            self._throttle.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Draw now if shown; else when next shown."""
        if self._throttle is not None:
            self._throttle.stop()
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self.draw_count += 1
        self.draw()

    def draw(self) -> None:
        """Draw from the session (the view is shown)."""
        raise NotImplementedError
