"""The Qt-free working set of one window: the scenario, its reference and its results.

A :class:`Session` owns every piece of scenario data a window shows:

- the **current scenario**: every lever's value (in the registry's canonical
  form), its title, author and notes, the file it belongs to and whether it
  differs from what was last opened or saved (:attr:`Session.modified`);
- its **reference** (:attr:`Session.reference`), the scenario every ghost
  curve, headline delta and "what changed" list is measured against: the
  baseline (every lever at its default) until the user makes another
  scenario the reference: the current one, a file or a preset;
- the **results**: this version's model run on the current levers
  (:attr:`Session.results`), on the reference (:attr:`Session.reference_results`),
  and the **stored results** of an opened file, the sender's numbers
  (:attr:`Session.stored`), with :attr:`Session.shown`, the one set of results
  that every view and every export reads;
- a **comparison set** of up to :data:`MAX_COMPARED` scenarios, one of which
  may be the current scenario itself, following its levers;
- the **uncertainty** record and the user's **targets**, carried through
  opening and saving;
- a bounded **undo history** (:class:`History`) of lever, text, reference and uncertainty
  changes.

Listeners subscribe with :meth:`Session.subscribe` and are called only after a
real change, once per operation however many fields it touched, with a
:class:`Change` naming them (lever names, ``title``, ``author``, ``notes``, and
the names in :data:`EVENTS`).

Recomputation can be deferred: a window passes ``schedule`` (a function that
arranges for :meth:`Session.recompute` to be called soon, e.g. a zero-delay
timer) so that a burst of slider moves costs one model run. Reading
:attr:`Session.results` or :attr:`Session.shown` always gives results for the
current levers: a pending recomputation runs first.

No Qt here; the session is tested with plain callables.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from . import scenario
from ._resources import resource_path
from .model import Results, evaluate, registry
from .model.registry import ParameterError, same_value

if TYPE_CHECKING:
    from .scenario import FileFingerprint
    from .scenario.document import ScenarioDocument

#: Text fields of a scenario besides its levers.
META_FIELDS: tuple[str, ...] = ("title", "author", "notes")
#: Levers that set the time axis: the reference is evaluated on the current scenario's.
TIME_AXIS = frozenset({"start_year", "end_year"})
#: Most scenarios in the comparison set.
MAX_COMPARED = 6
#: Undo steps kept unless the application's settings say otherwise.
DEFAULT_UNDO_LIMIT = 1000

#: The keyword arguments of :meth:`Session.save_arguments` that the scenario file stores.
SAVED_ARGUMENTS: tuple[str, ...] = ("title", "author", "notes", "created", "reference",
                                     "uncertainty", "targets")

#: Names of the session's fields besides the levers and the texts, as they appear in a
#: :class:`Change`.
EVENTS: tuple[str, ...] = (
    "path",               # the file of the scenario (opened, saved, or none)
    "modified",           # whether the scenario differs from its file
    "reference",          # the reference scenario
    "reference_results",  # this version's results for the reference
    "results",            # this version's results for the current levers
    "stored",             # the results stored in the opened file
    "showing_stored",     # whether those are the ones shown
    "shown",              # the results every view and export reads
    "comparison",         # the comparison set
    "uncertainty",        # the uncertainty record
    "targets",            # the user's targets
    "bands",              # the P10-P50-P90 bands of the shown results
    "drivers",            # rows on the levers that move an output most (for reports)
    "history",            # the undo history (steps, position, texts)
)

#: Slots of plain records that a change block (:meth:`Session.change`) records for undo.
UNDOABLE_SLOTS: tuple[str, ...] = ("uncertainty", "targets")

#: Fields whose change can make the scenario differ from its file.
_SAVED_FIELDS = frozenset({*registry.PARAMETERS, *META_FIELDS, "reference", "uncertainty",
                           "targets"})


class SessionError(ValueError):
    """A request the working set cannot satisfy; the message is one sentence for people."""


# -- scenarios by value -------------------------------------------------------------------------

def canonical_levers(values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every lever in canonical form, the ones not given at their defaults.

    Parameters
    ----------
    values : Mapping[str, object], optional
        Lever values by registry name, each in its own unit.

    Returns
    -------
    dict
        Every lever's value as :func:`evexplorer.model.registry.canonical` gives it.

    Raises
    ------
    ParameterError
        For an unknown name, an invalid value, or an end year before the start year.
    """
    values = values or {}
    for name in values:
        registry.get(name)  # unknown names raise, naming close ones
    out = {name: registry.canonical(name, values.get(name, param.default))
           for name, param in registry.PARAMETERS.items()}
    registry.check_consistency(out)
    return out


def _plain(name: str, value: Any) -> Any:
    """A canonical lever value as plain data (the mix as a dict)."""
    return dict(value) if registry.PARAMETERS[name].kind == "mix" else value


@dataclass(frozen=True, eq=False)
class NamedScenario:
    """A scenario by value: a title, where it came from, and every lever.

    Attributes
    ----------
    title : str
        What people call it ("Baseline", "Lithium squeeze").
    parameters : Mapping[str, object]
        Every lever in canonical form (read-only).
    origin : str
        ``"baseline"``, ``"current"`` (the current scenario, or a copy of it),
        ``"preset"``, ``"file"`` or ``"scenario"``.
    path : str or None
        The file it was read from, if any.
    """

    title: str
    parameters: Mapping[str, Any]
    origin: str = "scenario"
    path: str | None = None

    @classmethod
    def of(cls, title: str, parameters: Mapping[str, Any] | None = None,
           origin: str = "scenario", path: str | None = None) -> NamedScenario:
        """Validate ``parameters`` (defaults filled in) and build the scenario.

        Raises
        ------
        ParameterError
            For an unknown lever or an invalid value.
        """
        return cls(str(title), MappingProxyType(canonical_levers(parameters)), origin, path)

    @classmethod
    def from_record(cls, record: Mapping[str, Any], origin: str = "file",
                    path: str | None = None) -> NamedScenario:
        """Build from ``{"title": str, "parameters": {...}}`` (the file's reference record)."""
        return cls.of(str(record.get("title", "")), record.get("parameters") or {}, origin, path)

    @property
    def is_baseline(self) -> bool:
        """True for the baseline itself (not merely a scenario with default levers)."""
        return self.origin == "baseline"

    def same_as(self, other: NamedScenario) -> bool:
        """True if both have the same title, origin and lever values."""
        return (self.title == other.title and self.origin == other.origin
                and same_levers(self.parameters, other.parameters))

    def as_record(self) -> dict[str, Any]:
        """``{"title": str, "parameters": {name: value}}``, plain data (the mix as a dict)."""
        return {"title": self.title,
                "parameters": {n: _plain(n, v) for n, v in self.parameters.items()}}


def same_levers(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True if every lever has the same value in ``a`` and ``b`` (see ``registry.same_value``)."""
    return all(same_value(n, a[n], b[n]) for n in registry.PARAMETERS)


#: The baseline: every lever at its default.
BASELINE = NamedScenario.of("Baseline", None, "baseline")


def read_scenario(path: str | Path, *, isolated: bool = True,
                  origin: str = "file") -> NamedScenario:
    """A scenario file as a :class:`NamedScenario` (its levers, titled by its title or name).

    Parameters
    ----------
    path : str or Path
        A ``.evx`` file.
    isolated : bool
        Parse it in a child process (for received files; presets are trusted).
    origin : str
        Recorded as :attr:`NamedScenario.origin`.

    Raises
    ------
    evexplorer.scenario.ScenarioFileError
        If the file cannot be read; the message is one sentence.
    """
    doc = scenario.open_scenario(path, isolated=isolated)
    return NamedScenario.of(doc.title or Path(path).stem, doc.parameters, origin, str(path))


def presets() -> list[NamedScenario]:
    """The shipped presets, sorted by file name; a damaged one is left out."""
    found = []
    for path in sorted(resource_path("presets").glob("*.evx")):
        try:
            found.append(read_scenario(path, isolated=False, origin="preset"))
        except scenario.ScenarioFileError:
            continue  # a damaged installation: leave the preset out
    return found


# -- stored results -----------------------------------------------------------------------------

#: What the window says about a file whose checksum does not match (one sentence).
DAMAGED_NOTE = ("This file's checksum does not match its contents (it was damaged or changed "
                "after saving), so the numbers shown are computed afresh from its levers by "
                "this version rather than read from the file; check the levers.")


def merge_stored(doc: ScenarioDocument, computed: Results) -> tuple[Results | None, str | None]:
    """The results to show for an opened file whose stored numbers differ from this model.

    Every series and scalar the file holds is the stored (sender's) number;
    the ones it lacks (series added by a later model version) are this
    version's, from ``computed``.

    Parameters
    ----------
    doc : ScenarioDocument
        The opened file.
    computed : Results
        This version's results for ``doc.parameters``.

    Returns
    -------
    results : Results or None
        None if the file stores no results, if every stored series equals the
        computed one (showing ``computed`` then shows the same numbers), or if
        the file's checksum does not match (its stored numbers cannot be
        trusted: this version's are shown).
    note : str or None
        One or two sentences for people: how the stored numbers differ, and
        which series the file lacks; for a damaged file, :data:`DAMAGED_NOTE`.
    """
    stored = doc.results
    if doc.checksum_status == "mismatch":
        return None, DAMAGED_NOTE
    if stored is None:
        return None, None
    difference = scenario.compare_with_model(doc, computed)
    if difference is None:
        return None, None
    same_years = (stored.years.shape == computed.years.shape
                  and bool(np.all(stored.years == computed.years)))
    series: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    lacking = []
    for name in computed.series:
        if name in stored.series:
            series[name] = stored.series[name]
            units[name] = stored.units.get(name, computed.units[name])
            continue
        lacking.append(name)
        units[name] = computed.units[name]
        if same_years:
            series[name] = computed.series[name]
        else:  # another time axis: this version's numbers cannot stand beside them
            blank = np.full(stored.years.shape, np.nan)
            blank.flags.writeable = False
            series[name] = blank
    scalars = {}
    for name, value in computed.scalars.items():
        if name in stored.scalars:
            scalars[name] = stored.scalars[name]
            units[name] = stored.units.get(name, computed.units.get(name, ""))
        else:
            scalars[name] = value if same_years else None
            units[name] = computed.units.get(name, "")
    results = Results(years=stored.years, series=MappingProxyType(series),
                      units=MappingProxyType(units), scalars=MappingProxyType(scalars),
                      parameters=MappingProxyType(dict(doc.parameters)),
                      model_version=doc.model_version or "?")
    note = difference
    if lacking:
        shown = ", ".join(lacking[:3]) + (", …" if len(lacking) > 3 else "")
        made_by = f"model {doc.model_version}" if doc.model_version else "an earlier model"
        whose = ("this version's numbers" if same_years
                 else "left blank, as its years differ from this version's")
        note += (f" The file, made with {made_by}, lacks {len(lacking)} "
                 f"series that this version computes ({shown}): those are {whose}.")
    return results, note


# -- notifications ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """What changed in one notification.

    Attributes
    ----------
    names : frozenset of str
        Lever names, ``title``/``author``/``notes``, and names from :data:`EVENTS`.
    """

    names: frozenset[str]

    @property
    def levers(self) -> frozenset[str]:
        """The lever names among :attr:`names`."""
        return self.names & registry.PARAMETERS.keys()

    def __contains__(self, name: str) -> bool:
        return name in self.names


Listener = Callable[[Change], None]


# -- undo ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    """One undoable change: the fields it touched, before and after.

    Attributes
    ----------
    text : str
        What the Edit menu shows after "Undo" ("Change lithium price").
    before, after : tuple of (str, object)
        Field names (levers, texts, ``reference``, ``uncertainty``) with their values.
    merge : str or None
        Consecutive steps with the same key become one (typing in one text field).
    """

    text: str
    before: tuple[tuple[str, Any], ...]
    after: tuple[tuple[str, Any], ...]
    merge: str | None = None


class History:
    """A bounded list of undoable steps and the position in it.

    Parameters
    ----------
    limit : int or None
        Most steps kept [1]; the oldest go first. None keeps every step.
    """

    def __init__(self, limit: int | None = DEFAULT_UNDO_LIMIT) -> None:
        self._steps: list[Step] = []
        self._index = 0  # steps[:index] are done, steps[index:] undone
        self._limit: int | None = None
        self.limit = limit

    @property
    def limit(self) -> int | None:
        """Most steps kept (None: every step)."""
        return self._limit

    @limit.setter
    def limit(self, limit: int | None) -> None:
        if limit is not None and (isinstance(limit, bool) or int(limit) != limit or limit < 0):
            raise ValueError(f"the undo limit must be a whole number ≥ 0, not {limit!r}")
        self._limit = None if limit is None else int(limit)
        self._trim()

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def index(self) -> int:
        """Number of steps done (the rest can be redone)."""
        return self._index

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._steps)

    @property
    def undo_text(self) -> str:
        """Text of the step :meth:`undo` would undo ("" if none)."""
        return self._steps[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        """Text of the step :meth:`redo` would redo ("" if none)."""
        return self._steps[self._index].text if self.can_redo else ""

    def push(self, step: Step) -> None:
        """Record a step that was just done; the steps that could be redone are dropped."""
        del self._steps[self._index:]
        top = self._steps[-1] if self._steps else None
        if step.merge is not None and top is not None and top.merge == step.merge:
            self._steps[-1] = Step(step.text, top.before, step.after, step.merge)
        else:
            self._steps.append(step)
        self._index = len(self._steps)
        self._trim()

    def undo(self) -> Step | None:
        """Step back; return the step to undo, or None at the start."""
        if not self.can_undo:
            return None
        self._index -= 1
        return self._steps[self._index]

    def redo(self) -> Step | None:
        """Step forward; return the step to redo, or None at the end."""
        if not self.can_redo:
            return None
        self._index += 1
        return self._steps[self._index - 1]

    def clear(self) -> None:
        """Forget every step."""
        self._steps.clear()
        self._index = 0

    def _trim(self) -> None:
        if self._limit is None or len(self._steps) <= self._limit:
            return
        extra = len(self._steps) - self._limit
        del self._steps[:extra]
        self._index = max(0, self._index - extra)


# -- the session --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Compared:
    """One scenario of the comparison set.

    Attributes
    ----------
    key : int
        Identifies the entry while it is in the set (for :meth:`Session.remove_comparison`).
    scenario : NamedScenario
        Title, origin and levers; origin ``"current"`` follows the current scenario.
    results : Results
        This version's results for its levers (the shown results for the
        current scenario's entry).
    """

    key: int
    scenario: NamedScenario
    results: Results

    @property
    def follows_current(self) -> bool:
        """True for the entry that follows the current scenario's levers."""
        return self.scenario.origin == "current"


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Session:
    """The working set of one window (see the module's description).

    Parameters
    ----------
    undo_limit : int or None
        Most undo steps kept [1] (None: every step).
    schedule : callable, optional
        Called with no argument when the levers changed (and once at the
        start), to arrange for :meth:`recompute` to run soon; without it the
        model runs at once.
    """

    def __init__(self, *, undo_limit: int | None = DEFAULT_UNDO_LIMIT,
                 schedule: Callable[[], None] | None = None) -> None:
        self._values: dict[str, Any] = dict(BASELINE.parameters)
        self._meta: dict[str, str] = dict.fromkeys(META_FIELDS, "")
        self._path: str | None = None
        self._created: str | None = None
        self._fingerprint: FileFingerprint | None = None
        self._reference = BASELINE
        self._uncertainty: Mapping[str, Any] | None = None
        self._targets: tuple[Mapping[str, Any], ...] = ()
        self._bands: Any = None
        self._drivers: tuple[Mapping[str, Any], ...] = ()
        self._listeners: list[tuple[Listener, frozenset[str] | None]] = []
        self._pending: set[str] = set()
        self._depth = 0
        self._schedule = schedule
        self._gesture: tuple[str, dict[str, Any]] | None = None
        self.history = History(undo_limit)
        self._results: Results | None = None
        self._reference_results: Results | None = None
        self._stale = True
        self._reference_stale = True
        self._stored: Results | None = None
        self._stored_note: str | None = None
        self._showing_stored = False
        self._compared: list[Compared] = []
        self._next_key = 1
        self._saved: dict[str, Any] = {}
        self._unsaved: set[str] = set()
        self._modified = False
        self._mark_saved()
        self._pending.clear()
        if schedule is not None:
            schedule()
        else:
            self.recompute()

    # -- reading: the scenario ------------------------------------------------------------------
    @property
    def values(self) -> Mapping[str, Any]:
        """Every lever's value, canonical (read-only view)."""
        return MappingProxyType(self._values)

    def get(self, name: str) -> Any:
        """Value of one lever, or of ``title``, ``author`` or ``notes``."""
        return self._meta[name] if name in self._meta else self._values[name]

    @property
    def meta(self) -> Mapping[str, str]:
        """Title, author and notes (read-only view)."""
        return MappingProxyType(self._meta)

    @property
    def path(self) -> str | None:
        """File of the scenario, or None while untitled."""
        return self._path

    @property
    def created(self) -> str | None:
        """Creation time of the scenario's file (ISO 8601, UTC), None until saved."""
        return self._created

    @property
    def file_fingerprint(self) -> FileFingerprint | None:
        """The scenario's file as it was opened or last saved (size, time, SHA-256), or None.

        :meth:`save` passes it to :func:`evexplorer.scenario.save_scenario` as
        ``expected``, so that a file another program or window changed since is
        not overwritten without asking.
        """
        return self._fingerprint

    @property
    def modified(self) -> bool:
        """True if the levers, texts, reference, uncertainty or targets differ from the file."""
        return self._modified

    def changed_levers(self, against: Mapping[str, Any] | None = None) -> list[str]:
        """Levers whose value differs from ``against`` (default: the reference), in order."""
        against = self._reference.parameters if against is None else against
        return [n for n in registry.PARAMETERS if not same_value(n, self._values[n], against[n])]

    def current_scenario(self) -> NamedScenario:
        """A copy of the current scenario, titled by its title."""
        return NamedScenario(self._meta["title"] or "Current scenario",
                             MappingProxyType(dict(self._values)), "current", self._path)

    # -- reading: reference, results, comparison, slots ----------------------------------------
    @property
    def up_to_date(self) -> bool:
        """True if the results are those of the current levers and reference (no run pending)."""
        return not (self._stale or self._reference_stale)

    @property
    def reference(self) -> NamedScenario:
        """The scenario the current one is measured against (:data:`BASELINE` by default)."""
        return self._reference

    @property
    def reference_results(self) -> Results:
        """This version's results for the reference, on the current scenario's time axis."""
        self._refresh()
        assert self._reference_results is not None
        return self._reference_results

    @property
    def results(self) -> Results:
        """This version's results for the current levers."""
        self._refresh()
        assert self._results is not None
        return self._results

    @property
    def stored(self) -> Results | None:
        """The opened file's stored numbers (series it lacks taken from this version), or None.

        Only set when they differ from this version's results for the file's levers.
        """
        return self._stored

    @property
    def stored_note(self) -> str | None:
        """How the stored numbers differ from this version's, in a sentence or two; for a
        damaged file (:attr:`stored` is then None) why its numbers are not shown."""
        return self._stored_note

    @property
    def showing_stored(self) -> bool:
        """True while :attr:`shown` is :attr:`stored` (until a lever moves)."""
        return self._showing_stored

    @property
    def shown(self) -> Results:
        """The results on screen: what every view draws and every export writes."""
        if self._showing_stored and self._stored is not None:
            return self._stored
        return self.results

    @property
    def comparison(self) -> tuple[Compared, ...]:
        """The comparison set, in the order the scenarios were added."""
        self._refresh()
        return tuple(self._compared)

    @property
    def uncertainty(self) -> Mapping[str, Any] | None:
        """The uncertainty record (``{"seed", "levers", "correlations"}``), None for defaults."""
        return self._uncertainty

    @property
    def targets(self) -> tuple[Mapping[str, Any], ...]:
        """The user's targets, as plain records."""
        return self._targets

    # -- listening ------------------------------------------------------------------------------
    def subscribe(self, listener: Listener, names: Iterable[str] | None = None) -> None:
        """Call ``listener(change)`` after every real change (of ``names`` only, if given)."""
        self._listeners.append((listener, None if names is None else frozenset(names)))

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners = [(f, n) for f, n in self._listeners if f is not listener]

    @contextlib.contextmanager
    def _batch(self) -> Iterator[None]:
        """Collect the names changed inside; notify once when the outermost batch ends."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._pending:
                names, self._pending = self._pending, set()
                self._notify(names)

    def _notify(self, names: set[str]) -> None:
        touched = names & _SAVED_FIELDS
        if touched:
            for name in touched:
                if self._same_as_saved(name):
                    self._unsaved.discard(name)
                else:
                    self._unsaved.add(name)
            modified = bool(self._unsaved)
            if modified != self._modified:
                self._modified = modified
                names.add("modified")
        change = Change(frozenset(names))
        for listener, wanted in list(self._listeners):
            if wanted is None or not wanted.isdisjoint(change.names):
                listener(change)

    # -- writing: levers and texts --------------------------------------------------------------
    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a change without applying it; return every lever's value after it.

        Raises
        ------
        ParameterError
            If a name is unknown or a value invalid, alone or with the others.
        """
        candidate = dict(self._values)
        for name, value in values.items():
            if name not in META_FIELDS:
                candidate[name] = registry.canonical(name, value)
        if not TIME_AXIS.isdisjoint(values):  # canonical values are single: only the axis
            registry.check_consistency(candidate)  # can make them inconsistent
        return candidate

    def update(self, values: Mapping[str, Any], *, text: str | None = None) -> frozenset[str]:
        """Set levers and texts at once: one notification and one undo step.

        All values are validated first; if one is invalid nothing changes.

        Parameters
        ----------
        values : Mapping[str, object]
            Lever values (each in its own unit) and ``title``/``author``/``notes``.
        text : str, optional
            The undo step's description; by default "Change <lever label>".

        Returns
        -------
        frozenset of str
            The names that really changed.

        Raises
        ------
        ParameterError
            For an unknown name or an invalid value.
        """
        before = self._fields(values)
        with self._batch():
            changed = self._assign(values)
            if changed:
                self._record(text or _step_text(changed), before, changed)
        return changed

    def set(self, name: str, value: Any, *, text: str | None = None) -> bool:
        """Set one lever or text field; return True if it changed (one undo step)."""
        return bool(self.update({name: value}, text=text))

    def reset(self, names: Iterable[str] | None = None) -> frozenset[str]:
        """Put levers (all if ``names`` is None) back to their defaults, as one undo step."""
        names = list(registry.PARAMETERS if names is None else names)
        text = ("Reset all levers" if len(names) == len(registry.PARAMETERS) else
                f"Reset {registry.get(names[0]).label}" if len(names) == 1 else
                f"Reset {len(names)} levers")
        return self.update({n: BASELINE.parameters[n] for n in names}, text=text)

    def begin_change(self, text: str) -> None:
        """Start a gesture (a slider drag): changes until :meth:`end_change` are one undo step.

        The gesture covers the levers, the texts and the slots of :data:`UNDOABLE_SLOTS`
        (``with session.change("Add target"): session.set_targets(...)`` is one step).
        """
        if self._gesture is None:
            self._gesture = (text, self._fields(self._values.keys() | set(META_FIELDS)
                                                | set(UNDOABLE_SLOTS)))

    def end_change(self) -> frozenset[str]:
        """End the gesture; record what it changed as one undo step; return those names."""
        if self._gesture is None:
            return frozenset()
        text, before = self._gesture
        self._gesture = None
        now = self._fields(before)
        changed = frozenset(n for n in before if not _same_field(n, before[n], now[n]))
        if changed:
            self._record(text, before, changed)
        return changed

    @contextlib.contextmanager
    def change(self, text: str) -> Iterator[None]:
        """``with session.change("Apply goal"):`` — one undo step and one notification."""
        self.begin_change(text)
        with self._batch():
            try:
                yield
            finally:
                self.end_change()

    def _fields(self, names: Iterable[str]) -> dict[str, Any]:
        """Current values of levers, texts, ``reference`` and the undoable slots by name."""
        out = {}
        for name in names:
            if name == "reference":
                out[name] = self._reference
            elif name in UNDOABLE_SLOTS:
                out[name] = getattr(self, f"_{name}")
            elif name in self._meta:
                out[name] = self._meta[name]
            else:
                out[name] = self._values.get(name)
        return out

    def _assign(self, values: Mapping[str, Any]) -> frozenset[str]:
        """Validate and apply levers and texts; notify; no undo step."""
        levers = {k: v for k, v in values.items() if k not in META_FIELDS}
        meta = _clean_meta({k: v for k, v in values.items() if k in META_FIELDS})
        candidate = self.check(levers) if levers else self._values
        changed = {n for n in levers if not same_value(n, self._values[n], candidate[n])}
        changed_meta = {n for n, v in meta.items() if self._meta[n] != v}
        if not changed and not changed_meta:
            return frozenset()
        with self._batch():
            self._values = candidate
            self._meta.update(meta)
            self._pending |= changed | changed_meta
            if changed:
                self._levers_moved(changed)
        return frozenset(changed | changed_meta)

    def _levers_moved(self, changed: set[str]) -> None:
        self._stale = True
        if changed & TIME_AXIS:
            self._reference_stale = True
        if self._showing_stored:
            self._showing_stored = False
            self._pending |= {"showing_stored", "shown"}
        if self._schedule is not None:
            self._schedule()
        else:
            self.recompute()

    def _record(self, text: str, before: Mapping[str, Any], changed: Iterable[str]) -> None:
        if self._gesture is not None:
            return  # the gesture records one step when it ends
        names = sorted(changed)
        merge = f"text:{names[0]}" if len(names) == 1 and names[0] in META_FIELDS else None
        self.history.push(Step(text, tuple((n, before[n]) for n in names),
                               tuple((n, v) for n, v in self._fields(names).items()), merge))
        with self._batch():
            self._pending.add("history")

    # -- undo -----------------------------------------------------------------------------------
    def undo(self) -> bool:
        """Undo the last step; return False if there is none."""
        self.end_change()
        step = self.history.undo()
        if step is None:
            return False
        self._replay(step.before)
        return True

    def redo(self) -> bool:
        """Redo the step last undone; return False if there is none."""
        self.end_change()
        step = self.history.redo()
        if step is None:
            return False
        self._replay(step.after)
        return True

    def _replay(self, fields: tuple[tuple[str, Any], ...]) -> None:
        with self._batch():
            values = dict(fields)
            reference = values.pop("reference", None)
            if reference is not None:
                self._assign_reference(reference)
            if "uncertainty" in values:
                self._assign_uncertainty(values.pop("uncertainty"))
            if "targets" in values:
                self.set_targets(values.pop("targets"))
            self._assign(values)
            self._pending.add("history")

    def set_undo_limit(self, limit: int | None) -> None:
        """Keep at most ``limit`` undo steps [1] (None: every step); older ones go now."""
        self.history.limit = limit
        with self._batch():
            self._pending.add("history")

    # -- reference ------------------------------------------------------------------------------
    def set_reference(self, reference: NamedScenario, *, text: str | None = None) -> bool:
        """Make ``reference`` the scenario everything is measured against (one undo step).

        Returns False if it already is the reference.
        """
        self.end_change()
        if reference.same_as(self._reference):
            return False
        before = {"reference": self._reference}
        label = "baseline" if reference.is_baseline else f"“{reference.title}”"
        with self._batch():
            self._assign_reference(reference)
            self._record(text or f"Set reference to {label}", before, ("reference",))
        return True

    def reset_reference(self) -> bool:
        """Make the baseline the reference again (one undo step); False if it already is."""
        return self.set_reference(BASELINE, text="Reset reference to baseline")

    def _assign_reference(self, reference: NamedScenario) -> None:
        if reference is self._reference:
            return
        with self._batch():
            self._reference = reference
            self._reference_stale = True
            self._pending.add("reference")
            self._refresh()

    # -- the uncertainty and targets slots ------------------------------------------------------
    def set_uncertainty(self, record: Mapping[str, Any] | None, *,
                        text: str | None = None) -> None:
        """Set the uncertainty record (None: the defaults); one undo step.

        Inside a gesture (:meth:`change`, :meth:`begin_change`) the gesture's
        step takes it in. ``text`` describes the step ("Change uncertainty").
        """
        before = {"uncertainty": self._uncertainty}
        with self._batch():
            if self._assign_uncertainty(record):
                self._record(text or "Change uncertainty", before, ("uncertainty",))

    def _assign_uncertainty(self, record: Mapping[str, Any] | None) -> bool:
        """Replace the uncertainty record without an undo step; False if it is the same."""
        record = None if record is None else MappingProxyType(copy.deepcopy(dict(record)))
        if same_data(record, self._uncertainty):
            return False
        with self._batch():
            self._uncertainty = record
            self._pending.add("uncertainty")
        return True

    def set_targets(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Set the user's targets (plain records).

        Inside ``with session.change(text):`` the change is one undo step.
        """
        targets = tuple(MappingProxyType(copy.deepcopy(dict(r))) for r in records)
        if same_data(targets, self._targets):
            return
        with self._batch():
            self._targets = targets
            self._pending.add("targets")

    # -- uncertainty bands -----------------------------------------------------------------------
    @property
    def bands(self) -> Any:
        """Percentile bands of the shown scenario's series under its uncertainty, or None.

        An :class:`evexplorer.analysis.bands.Bands` (``series[name]`` of shape
        (3, n_years): P10, P50, P90 in the series' unit) computed by whoever runs
        the samples (the window does it in the background while levers move).
        It may lag the levers by a moment; views check that its years match
        :attr:`shown`'s before drawing. Not part of the scenario: never saved,
        never undone, and setting it does not mark the scenario modified.
        """
        return self._bands

    def set_bands(self, bands: Any) -> None:
        """Replace the bands (None: no bands); notifies ``bands``."""
        if bands is self._bands:
            return
        with self._batch():
            self._bands = bands
            self._pending.add("bands")

    @property
    def drivers(self) -> tuple[Mapping[str, Any], ...]:
        """Rows describing the levers that move an output most, as plain records, or ().

        Set by whoever ranks the levers (the window's Drivers tab) for reports and
        exports to show as given; emptied while they are being computed again. Like
        :attr:`bands`: never saved, never undone, not a change of the scenario.
        """
        return self._drivers

    def set_drivers(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Replace the driver rows (plain records); notifies ``drivers``."""
        rows = tuple(MappingProxyType(dict(r)) for r in records)
        if same_data(rows, self._drivers):
            return
        with self._batch():
            self._drivers = rows
            self._pending.add("drivers")

    # -- comparison set -------------------------------------------------------------------------
    def add_comparison(self, entry: NamedScenario | None = None) -> Compared:
        """Add a scenario to the comparison set; None adds the current scenario, live.

        Raises
        ------
        SessionError
            If the set already holds :data:`MAX_COMPARED` scenarios, or the
            current scenario is added twice.
        """
        if len(self._compared) >= MAX_COMPARED:
            raise SessionError(f"At most {MAX_COMPARED} scenarios can be compared; remove one "
                               "first.")
        if entry is None or entry.origin == "current":
            if any(c.follows_current for c in self._compared):
                raise SessionError("The current scenario is already compared.")
            compared = Compared(self._next_key, self.current_scenario(), self.shown)
        else:
            compared = Compared(self._next_key, entry, evaluate(entry.parameters))
        self._next_key += 1
        with self._batch():
            self._compared.append(compared)
            self._pending.add("comparison")
        return compared

    def remove_comparison(self, key: int) -> None:
        """Remove the entry with ``key`` from the comparison set.

        Raises
        ------
        SessionError
            If no entry has that key.
        """
        kept = [c for c in self._compared if c.key != key]
        if len(kept) == len(self._compared):
            raise SessionError(f"No compared scenario has the key {key}.")
        with self._batch():
            self._compared = kept
            self._pending.add("comparison")

    # -- results --------------------------------------------------------------------------------
    def recompute(self) -> bool:
        """Run the model for whatever changed since the last run; False if nothing had."""
        if not (self._stale or self._reference_stale):
            return False
        with self._batch():
            self._refresh()
        return True

    def _refresh(self) -> None:
        if not (self._stale or self._reference_stale):
            return
        with self._batch():
            if self._stale:
                self._results = evaluate(self._values)
                self._stale = False
                self._pending |= {"results", "shown"}
                self._follow_current()
            if self._reference_stale:
                axis = {n: self._values[n] for n in TIME_AXIS}
                self._reference_results = evaluate({**self._reference.parameters, **axis})
                self._reference_stale = False
                self._pending.add("reference_results")

    def _shown(self) -> Results | None:
        if self._showing_stored and self._stored is not None:
            return self._stored
        return self._results

    def _follow_current(self) -> None:
        for i, compared in enumerate(self._compared):
            if compared.follows_current:
                self._compared[i] = Compared(compared.key, self.current_scenario(),
                                             self._shown())
                self._pending.add("comparison")

    def show_stored(self, show: bool = True) -> None:
        """Show the opened file's stored numbers (``True``) or this version's (``False``).

        Raises
        ------
        SessionError
            To show stored numbers that the levers no longer match, or that there are not.
        """
        if show == self._showing_stored:
            return
        if show and (self._stored is None
                     or not same_levers(self._stored.parameters, self._values)):
            raise SessionError("There are no stored results for these lever settings.")
        with self._batch():
            self._showing_stored = show
            self._pending |= {"showing_stored", "shown"}
            self._follow_current()

    # -- files ----------------------------------------------------------------------------------
    def new(self) -> None:
        """Start again from the baseline: untitled, baseline reference, empty undo history."""
        with self._batch():
            self._become(dict(BASELINE.parameters), {}, path=None, created=None,
                         reference=BASELINE, uncertainty=None, targets=())

    def open(self, path: str | Path, *, isolated: bool = True,
             as_new: bool = False) -> ScenarioDocument:
        """Open a scenario file; a file that cannot be read changes nothing.

        The file's levers, texts, reference (else the baseline), uncertainty and
        targets replace the current ones; its stored results are shown if they
        differ from this version's (see :func:`merge_stored`).

        Parameters
        ----------
        path : str or Path
            The file.
        isolated : bool
            Parse it in a child process (for received files; presets are trusted).
        as_new : bool
            Open it as a new, untitled scenario (a preset): saving asks for a file.

        Returns
        -------
        ScenarioDocument
            The opened file; its ``warnings`` are sentences for the user (one of
            them if the file's reference cannot be used: the baseline is then
            the reference).

        Raises
        ------
        evexplorer.scenario.ScenarioFileError
            If the file cannot be read; the message is one sentence.
        """
        doc = scenario.open_scenario(path, isolated=isolated)
        reference = BASELINE
        record = doc.reference
        if record:
            try:
                reference = NamedScenario.from_record(record, path=str(path))
            except (ParameterError, AttributeError, TypeError) as exc:
                doc = dataclasses.replace(doc, warnings=(
                    *doc.warnings, f"The file's reference scenario cannot be used ({exc}); "
                    "the baseline is the reference."))
        with self._batch():
            self._become(doc.parameters, {"title": doc.title, "author": doc.author,
                                          "notes": doc.notes},
                         path=None if as_new else str(path),
                         created=None if as_new else doc.created, reference=reference,
                         uncertainty=doc.uncertainty,
                         targets=doc.targets or ())
            self._stored, self._stored_note = merge_stored(doc, self.results)
            if self._stored is not None:
                self._showing_stored = True
                self._pending |= {"stored", "showing_stored", "shown"}
                self._follow_current()
            elif self._stored_note:  # a damaged file: a note, and this version's numbers
                self._pending.add("stored")
            self._fingerprint = None if as_new else doc.fingerprint
        return doc

    def open_recovered(self, path: str | Path, *, original: str | None = None,
                       fingerprint: FileFingerprint | None = None) -> ScenarioDocument:
        """Open a recovery copy as unsaved work that belongs to its original file.

        The copy's levers, texts, reference, uncertainty and targets replace the
        current ones, as :meth:`open` does; then the scenario belongs to
        ``original`` (None: untitled) and counts as modified, so that Save writes
        to ``original``, checked against ``fingerprint``, what the original was
        when the work began.

        Parameters
        ----------
        path : str or Path
            The recovery copy (a scenario file).
        original : str, optional
            The file the work belongs to.
        fingerprint : FileFingerprint, optional
            The original file as it was opened or last saved.

        Returns
        -------
        ScenarioDocument
            The opened copy.

        Raises
        ------
        evexplorer.scenario.ScenarioFileError
            If the copy cannot be read; nothing changes then.
        """
        with self._batch():  # one notification: the restored work is never "saved"
            doc = self.open(path, as_new=True)
            self._path, self._created = original, doc.created
            self._fingerprint = fingerprint if original is not None else None
            self._pending.add("path")
            self._unsaved.add("recovered")  # unsaved until saved, whatever changes next
            if not self._modified:
                self._modified = True
                self._pending.add("modified")
        return doc

    def _become(self, values: Mapping[str, Any], meta: Mapping[str, str], *, path: str | None,
                created: str | None, reference: NamedScenario,
                uncertainty: Mapping[str, Any] | None,
                targets: Sequence[Mapping[str, Any]]) -> None:
        """Replace the whole scenario; it then counts as saved."""
        self.end_change()
        resolved = canonical_levers(values)
        new_meta = dict.fromkeys(META_FIELDS, "")
        new_meta.update(_clean_meta(meta))
        changed = {n for n in registry.PARAMETERS
                   if not same_value(n, self._values[n], resolved[n])}
        changed |= {f for f in META_FIELDS if self._meta[f] != new_meta[f]}
        self._values, self._meta = resolved, new_meta
        self._path, self._created = path, created
        self._fingerprint = None
        self._pending |= changed | {"path"}
        if self._stored is not None or self._showing_stored or self._stored_note:
            self._stored, self._stored_note, self._showing_stored = None, None, False
            self._pending |= {"stored", "showing_stored", "shown"}
        self._stale = True
        self._reference_stale = True
        self._assign_reference(reference)
        self._assign_uncertainty(uncertainty)
        self.set_targets(targets)
        self.history.clear()
        self._pending.add("history")
        self._refresh()
        self._mark_saved()

    def save_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`evexplorer.scenario.save_scenario` for this scenario.

        The texts, the creation time (kept from the opened file, else now), and the
        sections the file keeps beside the levers: ``reference`` (None for the
        baseline, else ``{"title", "parameters"}``), ``uncertainty`` and ``targets``.
        """
        return {
            "title": self._meta["title"], "author": self._meta["author"],
            "notes": self._meta["notes"], "created": self._created or _utc_now(),
            "reference": None if self._reference.is_baseline else self._reference.as_record(),
            "uncertainty": None if self._uncertainty is None else dict(self._uncertainty),
            "targets": [dict(t) for t in self._targets] or None,
        }

    def save(self, path: str | Path, *, overwrite: bool = False) -> None:
        """Save the scenario and this version's results for it to ``path``, atomically.

        Saving to the scenario's own file first checks that the file is still the
        one that was opened or last saved (:attr:`file_fingerprint`).

        Parameters
        ----------
        path : str or Path
            The file.
        overwrite : bool
            Replace the scenario's own file even if another program or window
            changed it since it was opened (the user said so).

        Raises
        ------
        evexplorer.scenario.ScenarioFileError
            If the file cannot be written, or (``code == "changed-on-disk"``) if it
            is the scenario's own file and changed on disk since; nothing changes then.
        """
        arguments = self.save_arguments()
        written = {k: v for k, v in arguments.items() if k in SAVED_ARGUMENTS}
        expected = None if overwrite or not self._is_own_file(path) else self._fingerprint
        fingerprint = scenario.save_scenario(path, self._values, self.results, **written,
                                             expected=expected)
        with self._batch():
            self._fingerprint = fingerprint
            self._path, self._created = str(path), arguments["created"]
            self._mark_saved()
            self._pending.add("path")
            if self._stored is not None or self._stored_note:  # the file is sound now
                self._stored, self._stored_note, self._showing_stored = None, None, False
                self._pending |= {"stored", "showing_stored", "shown"}
                self._follow_current()

    def _is_own_file(self, path: str | Path) -> bool:
        """True if ``path`` names the scenario's own file."""
        if self._path is None:
            return False
        try:
            return Path(path).resolve() == Path(self._path).resolve()
        except OSError:
            return str(path) == self._path

    # -- saved state ----------------------------------------------------------------------------
    def _mark_saved(self) -> None:
        """The scenario as it is now is its file's: :attr:`modified` becomes False."""
        self._saved = {**self._values, **self._meta, "reference": self._reference,
                       "uncertainty": self._uncertainty, "targets": self._targets}
        self._unsaved.clear()
        if self._modified:
            self._modified = False
            self._pending.add("modified")

    def _same_as_saved(self, name: str) -> bool:
        saved = self._saved[name]
        if name in registry.PARAMETERS:
            return same_value(name, saved, self._values[name])
        if name in self._meta:
            return saved == self._meta[name]
        if name == "reference":
            return saved.same_as(self._reference)
        return same_data(saved, getattr(self, f"_{name}"))



def same_data(a: Any, b: Any) -> bool:
    """True if two plain records are equal: mappings, sequences and arrays compared item by item."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # objects whose comparison is not a truth value
        return False


def _step_text(changed: Iterable[str]) -> str:
    names = sorted(changed)
    levers = [n for n in names if n in registry.PARAMETERS]
    if len(names) == 1:
        name = names[0]
        return f"Change {registry.PARAMETERS[name].label}" if levers else f"Edit {name}"
    return f"Change {len(levers)} levers" if len(levers) == len(names) else "Change scenario"


def _same_field(name: str, a: Any, b: Any) -> bool:
    if name in registry.PARAMETERS:
        return same_value(name, a, b)
    if name == "reference":
        return a.same_as(b)
    if name in UNDOABLE_SLOTS:
        return same_data(a, b)
    return a == b


def _clean_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in meta.items():
        if key not in META_FIELDS:
            raise ParameterError(f"Unknown scenario field {key!r}.", key)
        out[key] = "" if value is None else str(value)
    return out

