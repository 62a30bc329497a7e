"""The current scenario as a Qt-free object that tells listeners what changed.

The window, the lever widgets, the charts and the undo stack all work on one
:class:`ScenarioState`. It holds every lever's value (validated through the
parameter registry), the scenario's title, author and notes, the file it
belongs to, and whether it differs from what was last saved. Listeners are
called only on a real change, once per :meth:`ScenarioState.update` however
many fields it touched, with the set of names that changed.

No Qt here: the state is tested with plain callables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..model import registry
from ..model.registry import same_value

#: Text fields of a scenario besides its levers.
META_FIELDS: tuple[str, ...] = ("title", "author", "notes")
#: Pseudo-field reported when the file path or the saved snapshot changes.
FILE_FIELD = "__file__"


@dataclass(frozen=True)
class Change:
    """What changed in one notification.

    Attributes
    ----------
    names : frozenset of str
        Lever names, ``title``/``author``/``notes``, or :data:`FILE_FIELD`.
    """

    names: frozenset[str]

    @property
    def levers(self) -> frozenset[str]:
        """The lever names among :attr:`names`."""
        return self.names & registry.PARAMETERS.keys()


Listener = Callable[[Change], None]


class ScenarioState:
    """The scenario being explored: lever values, description, file and saved status.

    Parameters
    ----------
    values : Mapping[str, object], optional
        Lever values; the rest take their defaults.
    meta : Mapping[str, str], optional
        ``title``, ``author``, ``notes``.
    path : str, optional
        File the scenario was opened from or saved to.
    """

    def __init__(self, values: Mapping[str, Any] | None = None,
                 meta: Mapping[str, str] | None = None, path: str | None = None) -> None:
        self._values = registry.resolve(values)
        self._meta = {f: "" for f in META_FIELDS}
        self._meta.update(_clean_meta(meta or {}))
        self._path = path
        self._listeners: list[tuple[Listener, frozenset[str] | None]] = []
        self._saved = self._snapshot()

    # -- reading -------------------------------------------------------------------------------
    @property
    def values(self) -> Mapping[str, Any]:
        """Every lever's value (read-only view)."""
        return MappingProxyType(self._values)

    def get(self, name: str) -> Any:
        """Value of one lever or meta field."""
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
    def modified(self) -> bool:
        """True if levers or description differ from the last save or open."""
        return not _snapshots_equal(self._snapshot(), self._saved)

    def changed_levers(self, reference: Mapping[str, Any] | None = None) -> list[str]:
        """Levers whose value differs from ``reference`` (default: the defaults), in order."""
        reference = registry.defaults() if reference is None else reference
        return [n for n in registry.PARAMETERS if not same_value(n, self._values[n], reference[n])]

    # -- listening -----------------------------------------------------------------------------
    def subscribe(self, listener: Listener, names: Iterable[str] | None = None) -> None:
        """Call ``listener(change)`` after every real change (of ``names`` only, if given)."""
        self._listeners.append((listener, None if names is None else frozenset(names)))

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners = [(f, n) for f, n in self._listeners if f is not listener]

    def _emit(self, names: set[str]) -> None:
        if not names:
            return
        change = Change(frozenset(names))
        for listener, wanted in list(self._listeners):
            if wanted is None or wanted & change.names:
                listener(change)

    # -- writing -------------------------------------------------------------------------------
    def set(self, name: str, value: Any) -> bool:
        """Set one lever or meta field; return True if it changed.

        Raises
        ------
        ParameterError
            If the name is unknown or the value invalid; nothing changes then.
        """
        return bool(self.update({name: value}))

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
                candidate[name] = registry.get(name).validate(value)
        registry.check_consistency(candidate)
        return candidate

    def update(self, values: Mapping[str, Any]) -> frozenset[str]:
        """Set several levers and meta fields at once, with one notification.

        All values are validated first; if one is invalid nothing changes.
        Returns the names that really changed.
        """
        levers = {k: v for k, v in values.items() if k not in META_FIELDS}
        meta = _clean_meta({k: v for k, v in values.items() if k in META_FIELDS})
        candidate = self.check(levers)
        changed = {n for n, v in levers.items() if not same_value(n, self._values[n], candidate[n])}
        changed |= {n for n, v in meta.items() if self._meta[n] != v}
        self._values = candidate
        self._meta.update(meta)
        self._emit(changed)
        return frozenset(changed)

    def reset(self, names: Iterable[str] | None = None) -> frozenset[str]:
        """Put levers (all if ``names`` is None) back to their defaults."""
        defaults = registry.defaults()
        names = registry.PARAMETERS if names is None else names
        return self.update({n: defaults[n] for n in names})

    def replace(self, values: Mapping[str, Any], meta: Mapping[str, str] | None = None,
                path: str | None = None) -> None:
        """Become another scenario (opened or new): it counts as saved."""
        resolved = registry.resolve(values)
        new_meta = {f: "" for f in META_FIELDS}
        new_meta.update(_clean_meta(meta or {}))
        changed = {n for n in registry.PARAMETERS
                   if not same_value(n, self._values[n], resolved[n])}
        changed |= {f for f in META_FIELDS if self._meta[f] != new_meta[f]}
        self._values, self._meta, self._path = resolved, new_meta, path
        self._saved = self._snapshot()
        self._emit(changed | {FILE_FIELD})

    def mark_saved(self, path: str) -> None:
        """Record that the scenario was saved to ``path``."""
        self._path = path
        self._saved = self._snapshot()
        self._emit({FILE_FIELD})

    def _snapshot(self) -> tuple[dict[str, Any], dict[str, str]]:
        return dict(self._values), dict(self._meta)


def _snapshots_equal(a: tuple[dict[str, Any], dict[str, str]],
                     b: tuple[dict[str, Any], dict[str, str]]) -> bool:
    return a[1] == b[1] and all(same_value(n, a[0][n], b[0][n]) for n in a[0])


def _clean_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in meta.items():
        if key not in META_FIELDS:
            raise registry.ParameterError(f"Unknown scenario field {key!r}.", key)
        out[key] = "" if value is None else str(value)
    return out
