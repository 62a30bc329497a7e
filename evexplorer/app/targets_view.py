"""Targets: does the scenario meet the EU's recycled-content rules and the user's own targets?

The built-in targets (:func:`evexplorer.analysis.targets.builtin_targets`, the
minimum recycled cobalt, lithium and nickel in new EV batteries of Regulation
(EU) 2023/1542) and the user's own (``pack cost ≤ 80 USD/kWh in 2030``, kept
in :attr:`Session.targets` and saved in the scenario file) are checked against
the results on screen whenever they change (at most ten times a second while a
slider moves: each redraw lays out every row's text again). Each has a badge whose shape, word
and colour agree — a filled circle with a tick "met", a triangle with a bar
"not met", a hollow circle with a dash "not evaluated" — so that it reads in
grey, and the series' value with its unit, or the reason it was not evaluated
(a year outside the years shown, a series the model does not compute).

A small form adds a target (output, ≤ or ≥, value in the output's unit, year);
each of the user's targets has its own Remove button. Each addition or removal
is one undo step and marks the scenario modified.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..analysis.readout import quantity
from ..analysis.targets import (
    Target,
    TargetCheck,
    TargetError,
    builtin_targets,
    user_target,
)
from ..model import SERIES
from ..scenario.extras import canonical_targets
from ..session import Change, Session
from . import theme
from .analysis_widgets import LazyView, OutputCombo, WrappedLabel, YearSpin, output_label

#: Badge of each status: (word, colour).
STATUS = {True: ("met", theme.BETTER), False: ("not met", theme.WORSE),
          None: ("not evaluated", "#6E6E6E")}
_SYMBOL = {"<=": "≤", ">=": "≥"}
NBSP = "\u00a0"
#: Least time between two redraws while the levers move [ms]: ten a second.
THROTTLE_MS = 100
#: Size of a badge icon [px].
BADGE_SIZE = 16
#: Heading of the built-in targets.
BUILTIN_HEADING = "Recycled content, EU Battery Regulation 2023/1542, Art. 8"
USER_HEADING = "Your targets"


def badge_icon(met: bool | None, size: int = BADGE_SIZE) -> QIcon:
    """The badge of a status: its shape alone tells met, not met and not evaluated apart."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(STATUS[met][1])
    s = float(size)
    white = QPen(QColor("white"), s / 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    if met is True:  # filled circle with a tick
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(1, 1, s - 2, s - 2))
        painter.setPen(white)
        painter.drawPolyline(QPolygonF([QPointF(s * .28, s * .52), QPointF(s * .44, s * .68),
                                        QPointF(s * .72, s * .34)]))
    elif met is False:  # triangle with an exclamation bar
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(QPolygonF([QPointF(s / 2, 1), QPointF(s - 1, s - 1),
                                       QPointF(1, s - 1)]))
        painter.setPen(white)
        painter.drawLine(QPointF(s / 2, s * .38), QPointF(s / 2, s * .64))
        painter.drawPoint(QPointF(s / 2, s * .8))
    else:  # hollow circle with a dash
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(color, s / 9))
        painter.drawEllipse(QRectF(2, 2, s - 4, s - 4))
        painter.drawLine(QPointF(s * .32, s / 2), QPointF(s * .68, s / 2))
    painter.end()
    return QIcon(pixmap)


def target_line(target: Target) -> str:
    """A target in a few words: ``Pack cost ≤ 80 USD/kWh in 2030``."""
    label = (output_label(target.output) if target.output in SERIES else
             target.output.replace("_", " ").capitalize())
    unit = f" {target.unit}" if target.unit else ""
    return (f"{label} {_SYMBOL[target.comparison]} {target.required:,.12g}{unit} "
            f"in {target.year}")


def status_line(check: TargetCheck) -> str:
    """The badge's words and the value: ``met: 18.2 %``, ``not met: 96.1 USD/kWh``."""
    word = STATUS[check.met][0]
    if check.met is None:
        return f"{word}: {check.reason}"
    return f"{word}: {quantity(check.value, check.target.unit)}"


def _unbroken(line: str) -> str:
    """A target's words whose requirement ("≥ 16 % in 2031") never breaks apart."""
    for symbol in ("≤", "≥"):
        if symbol in line:
            head, _, tail = line.partition(symbol)
            return f"{head}{symbol}{tail.replace(' ', NBSP)}"
    return line


class TargetRow(QFrame):
    """One target: its badge, what it asks, and whether the scenario meets it.

    Parameters
    ----------
    ident : str
        The target's id.
    on_remove : callable, optional
        Given for the user's targets: called with the id by the row's Remove button.
    """

    def __init__(self, ident: str, on_remove: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("target_row")
        self.ident = ident
        #: The status shown: True met, False not met, None not evaluated.
        self.met: bool | None = None
        #: What the target asks, in a few words.
        self.line = ""
        self.badge = QLabel()
        self.badge.setObjectName("target_badge")
        self.badge.setFixedSize(BADGE_SIZE + 2, BADGE_SIZE + 2)
        self.text = QLabel()
        self.text.setObjectName("target_text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.remove_button: QToolButton | None = None
        if on_remove is not None:
            button = QToolButton()
            button.setObjectName("target_remove")
            button.setText("✕")
            button.setAutoRaise(True)
            button.clicked.connect(lambda: on_remove(self.ident))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.remove_button = button

    def show_check(self, line: str, status: str, met: bool | None, tip: str) -> None:
        """Show a target's words, its status line and its badge."""
        word, color = STATUS[met]
        rest = status[len(word):]
        if met is not None:  # a value and its unit ("1.2 %") stay together
            rest = rest.replace(" ", NBSP).replace(f":{NBSP}", ": ", 1)
        text = (f"{html.escape(_unbroken(line))}<br><b style='color:{color}'>"
                f"{html.escape(word)}</b>{html.escape(rest)}")
        if text == self.text.text() and met == self.met and tip == self.toolTip():
            return
        if met != self.met or self.badge.pixmap().isNull():
            self.badge.setPixmap(badge_icon(met).pixmap(BADGE_SIZE, BADGE_SIZE))
            self.badge.setAccessibleName(word)
        self.met = met
        self.line = line
        self.text.setText(text)
        self.setToolTip(tip)
        self.setAccessibleName(f"{line}: {status}")
        if self.remove_button is not None:
            self.remove_button.setToolTip(f"Remove “{line}”")
            self.remove_button.setAccessibleName(f"Remove target {line}")

    def status_text(self) -> str:
        """The row's words as plain text (what a screen reader says)."""
        return self.accessibleName()


class TargetsView(LazyView):
    """The built-in and the user's targets with live badges, and a form to add one.

    Parameters
    ----------
    session : Session
        Its shown results are checked; its ``targets`` slot holds the user's targets.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent, throttle_ms=THROTTLE_MS)
        self.setObjectName("targets_view")
        self._session = session
        #: The checks on screen, built-in targets first, in list order.
        self.checks: list[TargetCheck] = []
        #: Rows by target id: the built-in ones, then the user's.
        self.rows: dict[str, TargetRow] = {}
        content = QWidget()
        content.setObjectName("targets_list")
        self._list = QVBoxLayout(content)
        self._list.setContentsMargins(2, 2, 2, 2)
        self._list.setSpacing(0)
        builtin_heading = QLabel(f"<b>{BUILTIN_HEADING}</b>")
        builtin_heading.setWordWrap(True)
        source = QLabel("Official Journal L 191, 28.7.2023. Hover a target for the full "
                        "citation.")
        source.setObjectName("targets_source")
        source.setWordWrap(True)
        source.setStyleSheet("color: #505050; font-size: 8.5pt;")
        self._list.addWidget(builtin_heading)
        self._list.addWidget(source)
        self._builtin = [TargetRow(t.id) for t in builtin_targets()]
        for row in self._builtin:
            self.rows[row.ident] = row
            self._list.addWidget(row)
        self.user_heading = QLabel(f"<b>{USER_HEADING}</b>")
        self._list.addSpacing(6)
        self._list.addWidget(self.user_heading)
        self._user_box = QVBoxLayout()
        self._user_box.setSpacing(0)
        self._list.addLayout(self._user_box)
        self._user: list[TargetRow] = []
        self._list.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("targets_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)

        self.output = OutputCombo("target_output", series_only=True)
        self.output.set_output("pack_cost")
        self.comparison = QComboBox()
        self.comparison.setObjectName("target_comparison")
        self.comparison.setAccessibleName("At most or at least")
        self.comparison.addItem("≤ at most", "<=")
        self.comparison.addItem("≥ at least", ">=")
        self.value = QDoubleSpinBox()
        self.value.setObjectName("target_value")
        self.value.setAccessibleName("Required value")
        self.value.setRange(-1e12, 1e12)
        self.value.setDecimals(2)
        self.value.setGroupSeparatorShown(True)
        self.value.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.value.setValue(80.0)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.value.setKeyboardTracking(False)
        # As wide as a figure and its unit need, not as the widest number the range allows:
        # the form fits the narrow analysis panel.
        self.value.setMinimumWidth(self.value.fontMetrics().horizontalAdvance("00,000.00 USD")
                                   + 24)
        self.year = YearSpin("target_year", 2030)
        self.year.setAccessibleName("Year of the target")
        self.add_button = QPushButton("Add target")
        self.add_button.setObjectName("target_add")
        self.add_button.clicked.connect(self.add_from_form)
        self.message = WrappedLabel(object_name="targets_message")
        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(self.output, 0, 0, 1, 2)
        form.addWidget(self.comparison, 1, 0)
        form.addWidget(self.value, 1, 1)
        form.addWidget(self.year, 2, 0)
        form.addWidget(self.add_button, 2, 1)
        heading = QLabel("Add a target of your own:")
        heading.setBuddy(self.output)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 2)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        for a, b in ((self.output, self.comparison), (self.comparison, self.value),
                     (self.value, self.year), (self.year, self.add_button)):
            self.setTabOrder(a, b)
        self.output.currentIndexChanged.connect(self._on_output)
        self._on_output()
        session.subscribe(self._on_session, names=("shown", "targets"))
        self.refresh()

    # -- the user's targets -----------------------------------------------------------------
    def _on_output(self) -> None:
        unit = self.output.unit()
        self.value.setSuffix(f" {unit}" if unit else "")

    def user_targets(self) -> list[tuple[dict, Target | None, str]]:
        """The session's targets: each record, its target (None if unreadable) and why not."""
        out = []
        for record in self._session.targets:
            try:
                out.append((dict(record), Target.from_record(record), ""))
            except TargetError as exc:
                out.append((dict(record), None, str(exc)))
        return out

    def add_from_form(self) -> bool:
        """Add the target the form describes (one undo step)."""
        try:
            target = user_target(self.output.output(), self.comparison.currentData(),
                                 self.value.value(), self.year.value())
        except TargetError as exc:
            self._say(str(exc))
            return False
        return self.add(target)

    def add(self, target: Target) -> bool:
        """Add one of the user's targets; a duplicate or a full list is refused in a sentence."""
        records = [dict(r) for r in self._session.targets]
        if any(r.get("id") == target.id for r in records):
            self._say(f"“{target_line(target)}” is already listed.")
            return False
        records.append(target.to_record())
        try:
            canonical_targets(records)
        except ValueError as exc:
            self._say(f"The target cannot be added: {exc}")
            return False
        with self._session.change(f"Add target {target_line(target)}"):
            self._session.set_targets(records)
        self._say(f"Added “{target_line(target)}”; it is saved with the scenario.")
        return True

    def remove(self, ident: str) -> bool:
        """Remove the user's target ``ident`` (one undo step)."""
        records = [dict(r) for r in self._session.targets]
        kept = [r for r in records if r.get("id") != ident]
        if len(kept) == len(records):
            return False
        row = self.rows.get(ident)
        line = row.line if row is not None and row.line else ident
        with self._session.change(f"Remove target {line}"):
            self._session.set_targets(kept)
        self._say(f"Removed “{line}” (Edit ▸ Undo brings it back).")
        return True

    # -- drawing ----------------------------------------------------------------------------
    def _on_session(self, change: Change) -> None:
        if "targets" in change:  # a target added, removed or undone: at once
            self.refresh()
        else:  # new results: throttled while the levers move
            super()._on_session(change)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def draw(self) -> None:
        """Check every target against the shown results and redraw."""
        results = self._session.shown
        self.year.setToolTip(f"The scenario shows {int(results.years[0])}–"
                             f"{int(results.years[-1])}; a target outside those years is not "
                             "evaluated.")
        builtin = [t.check(results) for t in builtin_targets()]
        for row, check in zip(self._builtin, builtin, strict=True):
            row.show_check(target_line(check.target), status_line(check), check.met,
                           f"{check.target.description}.\n\nSource: {check.target.source}")
        user = self.user_targets()
        self._user_rows([str(record.get("id", "")) for record, _, _ in user])
        checks = []
        for row, (_, target, problem) in zip(self._user, user, strict=True):
            if target is None:
                row.show_check(row.ident, f"{STATUS[None][0]}: {problem}", None, problem)
                continue
            check = target.check(results)
            checks.append(check)
            row.show_check(target_line(target), status_line(check), check.met,
                           "Your target, saved with the scenario.")
        self.user_heading.setText(f"<b>{USER_HEADING}</b>" if user else
                                  f"<b>{USER_HEADING}</b>: none yet")
        self.checks = [*builtin, *checks]

    def _user_rows(self, ids: list[str]) -> None:
        if [row.ident for row in self._user] == ids:
            return
        for row in self._user:
            self.rows.pop(row.ident, None)
            self._user_box.removeWidget(row)
            row.deleteLater()
        self._user = []
        for ident in ids:
            row = TargetRow(ident, self.remove)
            self._user.append(row)
            self.rows[ident] = row
            self._user_box.addWidget(row)
