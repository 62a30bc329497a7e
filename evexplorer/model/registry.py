"""The parameter registry: the single source of truth for every lever.

Each :class:`Parameter` carries its name (the same in the scenario file, on
the command line and as the widget's object name), label, unit, default,
range, group, description and source. Defaults come from the sourced
reference data; this module adds what a lever *is*.

Values are always expressed in the lever's own unit: percentages as 0-100,
prices in USD per tonne (or per kg for NdPr), years as integers.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from . import data, mineral_table

Kind = Literal["float", "int", "choice", "mix"]

#: Lever groups in display order: id -> label.
GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "minerals": "Minerals & prices",
        "chemistry": "Chemistry mix",
        "energy": "Energy & factories",
        "demand": "Demand",
        "circularity": "Circularity",
        "vehicle": "Vehicle & use",
        "advanced": "Advanced assumptions",
    }
)

#: Choices of the price-shock lever: "none" or a mineral.
SHOCK_CHOICES: tuple[str, ...] = ("none", *data.MINERALS)

#: Tolerance on the sum of chemistry shares before they are normalised.
MIX_TOLERANCE = 0.005


class ParameterError(ValueError):
    """A lever name or value that the model cannot accept.

    The message is one sentence meant for the user; ``name`` is the lever
    concerned (or the unknown name).
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Parameter:
    """One lever of the model.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``lithium_price``.
    label : str
        Short human label.
    unit : str
        Unit of the value, e.g. ``USD/t LCE``; ``""`` for choices and the mix.
    default : object
        Default value, the world in 2025 (from the reference data).
    minimum, maximum : float or None
        Allowed range, inclusive, in ``unit``.
    group : str
        Key of :data:`GROUPS`.
    description : str
        What the lever means and how the model uses it.
    source : str
        Key of the reference data's sources table for the default.
    kind : {"float", "int", "choice", "mix"}
        Value type.
    choices : tuple of str
        Allowed values of a choice lever.
    scale : {"linear", "log"}
        How a slider should map onto the range.
    decimals : int
        Decimals to show.
    since : str
        Model version that introduced the lever; a file written by an earlier
        model does not set it, and its default applies.
    """

    name: str
    label: str
    unit: str
    group: str
    description: str
    kind: Kind = "float"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    scale: Literal["linear", "log"] = "linear"
    decimals: int = 0
    since: str = "1.0"
    default: Any = field(default=None, compare=False)
    source: str = field(default="", compare=False)

    @property
    def numeric(self) -> bool:
        """True for levers whose value is a number (and so may be sampled)."""
        return self.kind in ("float", "int")

    def range_text(self) -> str:
        """Describe the allowed values, e.g. ``3,000-150,000 USD/t LCE``."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "mix":
            return "shares of " + ", ".join(data.CHEMISTRIES) + " summing to 1"
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.format(self.minimum)} to {self.format(self.maximum)}{unit}"

    def format(self, value: Any) -> str:
        """Format a value for people (no unit)."""
        if self.kind == "mix":
            return format_mix(value)
        if self.kind == "choice":
            return str(value)
        if self.kind == "int" or (self.unit == "year"):
            return f"{round(float(value))}"
        return f"{float(value):,.{self.decimals}f}"

    def format_with_unit(self, value: Any) -> str:
        """Format a value for people with its unit, e.g. ``13,000 USD/t LCE``."""
        unit = f" {self.unit}" if self.unit and self.numeric else ""
        return f"{self.format(value)}{unit}"

    def parse(self, text: str) -> Any:
        """Parse a value typed by a user (command line, text field) and validate it."""
        text = text.strip()
        if self.kind == "mix":
            return self.validate(parse_mix(text, self.name))
        if self.kind == "choice":
            return self.validate(text)
        cleaned = text.replace(",", "").replace("_", "")
        try:
            value = float(cleaned)
        except ValueError:
            raise ParameterError(
                f"{self.name} must be a number ({self.range_text()}), not {text!r}.", self.name
            ) from None
        return self.validate(value)

    def validate(self, value: Any) -> Any:
        """Return ``value`` in canonical form, or raise :class:`ParameterError`.

        Numbers may be scalars or 1-D arrays of samples; every element must be
        finite and inside the range, and integer levers must hold whole numbers.
        """
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            close = difflib.get_close_matches(str(value), self.choices, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ParameterError(
                f"{self.name} must be {self.range_text()}, not {value!r}{hint}.", self.name
            )
        if self.kind == "mix":
            return validate_mix(value, self.name)
        return self._validate_number(value)

    def _validate_number(self, value: Any) -> Any:
        try:
            if value is None:
                raise TypeError
            array = np.asarray(value)
            # Booleans, text and complex numbers are refused even inside arrays (NumPy would
            # convert them).
            if array.dtype.kind in "bcSU":
                raise TypeError
            array = array.astype(float, copy=False)
        except (TypeError, ValueError):
            raise ParameterError(
                f"{self.name} must be a number ({self.range_text()}), not {value!r}.", self.name
            ) from None
        if array.ndim > 1 or (array.ndim == 1 and array.size == 0):
            raise ParameterError(
                f"{self.name} must be a number or a 1-D array of samples "
                f"({self.range_text()}), not an array of shape {array.shape}.",
                self.name,
            )
        bad = ~np.isfinite(array) | (array < self.minimum) | (array > self.maximum)
        if np.any(bad):
            first = array.flat[int(np.argmax(bad))]
            raise ParameterError(
                f"{self.name} must be within {self.range_text()}; got {first:g}.", self.name
            )
        if self.kind == "int":
            if np.any(array != np.round(array)):
                first = array.flat[int(np.argmax(array != np.round(array)))]
                raise ParameterError(
                    f"{self.name} must be a whole number ({self.range_text()}); got {first:g}.",
                    self.name,
                )
            if array.ndim == 0:
                return int(array)
            array = array.astype(np.int64)
        elif array.ndim == 0:
            return float(array)
        else:
            array = array.copy()  # the caller's array may change later; the samples may not
        array.flags.writeable = False
        return array


def parse_mix(text: str, name: str = "chemistry_mix") -> dict[str, float]:
    """Parse ``"LFP:0.6,NMC811:0.4"`` or a single id such as ``"LFP"``.

    Shares may be given as fractions (summing to 1) or percentages (summing to 100).
    """
    text = text.strip()
    if not text:
        raise ParameterError(f"{name} is empty; give e.g. LFP:0.6,NMC811:0.4.", name)
    if ":" not in text and "," not in text:
        return {_chemistry_id(text, name): 1.0}
    shares: dict[str, float] = {}
    for part in text.split(","):
        key, sep, share = part.partition(":")
        if not sep:
            raise ParameterError(
                f"{name} needs id:share pairs such as LFP:0.6,NMC811:0.4; got {part.strip()!r}.",
                name,
            )
        chem = _chemistry_id(key.strip(), name)
        try:
            shares[chem] = shares.get(chem, 0.0) + float(share)
        except ValueError:
            raise ParameterError(
                f"{name}: the share of {chem} must be a number, not {share.strip()!r}.", name
            ) from None
    return shares


def _chemistry_id(text: str, name: str) -> str:
    upper = text.strip().upper().replace("-", "_")
    if upper in data.CHEMISTRIES:
        return upper
    close = difflib.get_close_matches(upper, data.CHEMISTRIES, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ParameterError(
        f"{name}: unknown chemistry {text!r} (valid: {', '.join(data.CHEMISTRIES)}){hint}", name
    )


def validate_mix(value: Any, name: str = "chemistry_mix") -> dict[str, float]:
    """Return the mix as shares of every chemistry summing exactly to 1."""
    if isinstance(value, str):
        value = parse_mix(value, name)
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"{name} must map chemistry ids to shares, e.g. LFP:0.6,NMC811:0.4.", name
        )
    shares = dict.fromkeys(data.CHEMISTRIES, 0.0)
    for key, share in value.items():
        chem = _chemistry_id(str(key), name)
        if isinstance(share, bool) or not isinstance(share, numbers.Real):
            raise ParameterError(f"{name}: the share of {chem} must be a number.", name)
        share = float(share)
        if not math.isfinite(share) or share < 0:
            raise ParameterError(
                f"{name}: the share of {chem} must be zero or positive; got {share:g}.", name
            )
        shares[chem] += share
    total = sum(shares.values())
    if math.isclose(total, 100.0, abs_tol=100 * MIX_TOLERANCE) and total > 1.5:
        total_ok = True
    else:
        total_ok = math.isclose(total, 1.0, abs_tol=MIX_TOLERANCE)
    if not total_ok:
        raise ParameterError(
            f"{name}: the shares must sum to 1 (or 100 %); they sum to {total:g}.", name
        )
    return {chem: share / total for chem, share in shares.items()}


def canonical(name: str, value: Any) -> Any:
    """Validate one lever's value for a single scenario and return it in canonical form.

    Floats as ``float``, whole-number levers as ``int``, choices as ``str`` and
    the chemistry mix as a read-only mapping of every chemistry to its share.
    Shares that already sum to 1 (to rounding) are kept exactly, so that
    opening and saving a file does not move their last bits. This is the one
    canonical form used by the window's state, the session and the file layer.

    Raises
    ------
    ParameterError
        For an unknown lever, an invalid value, or samples (one scenario holds
        one value per lever).
    """
    param = get(name)
    if param.kind == "mix":
        shares = validate_mix(value, name)
        if isinstance(value, Mapping) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()):
            given = {str(k): float(v) for k, v in value.items()}
            if set(given) <= set(shares) and all(
                    math.isclose(given.get(c, 0.0), s, rel_tol=1e-12, abs_tol=1e-15)
                    for c, s in shares.items()):
                shares = {c: given.get(c, 0.0) for c in shares}
        return MappingProxyType(shares)
    value = param.validate(value)
    if np.ndim(value) != 0:
        raise ParameterError(
            f"A scenario holds one value per lever, but {name} has {np.size(value)} samples.",
            name)
    return value


def same_value(name: str, a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` are the same value of lever ``name``.

    The one definition of "equal lever values": mix shares compared chemistry by
    chemistry (a missing chemistry counts as 0) to 1e-12; numbers to 1e-12
    relative (so 2030 equals 2030.0); choices exactly.
    """
    if get(name).kind == "mix":
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            return False
        keys = set(a) | set(b)
        return all(math.isclose(float(a.get(k, 0.0)), float(b.get(k, 0.0)), rel_tol=1e-12,
                                abs_tol=1e-12) for k in keys)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def format_mix(mix: Mapping[str, float]) -> str:
    """Format a mix as ``LFP:0.6,NMC811:0.4`` (non-zero shares only, largest first)."""
    items = sorted(((c, s) for c, s in mix.items() if s > 0), key=lambda cs: -cs[1])
    return ",".join(f"{c}:{s:.4g}" for c, s in items)


def _p(name: str, **kwargs: Any) -> Parameter:
    ref = data.load()
    return Parameter(
        name=name, default=ref.lever_defaults[name], source=ref.lever_sources[name], **kwargs
    )


_YEAR = {"kind": "int", "unit": "year"}


def _price_levers() -> list[Parameter]:
    """One price lever per mineral of the mineral table."""
    return [_p(f"{m.name}_price", label=m.price_label, unit=m.price_unit, group="minerals",
               minimum=m.price_range[0], maximum=m.price_range[1], scale="log",
               description=f"{m.price_description} The price is this lever times the scarcity "
               f"multiplier of {m.market} and any shock.")
            for m in mineral_table.TABLE]


def _build() -> tuple[Parameter, ...]:
    return (
        # Minerals & prices
        *_price_levers(),
        Parameter("price_shock_mineral", label="Price shock: mineral", unit="",
                  group="minerals", kind="choice", choices=SHOCK_CHOICES,
                  default=data.load().lever_defaults["price_shock_mineral"],
                  source=data.load().lever_sources["price_shock_mineral"],
                  description="Mineral whose price is multiplied by the shock factor for a few "
                  "years ('none' for no shock)."),
        _p("price_shock_year", label="Price shock: first year", group="minerals",
           minimum=2025, maximum=2060, **_YEAR,
           description="First year of the temporary price shock."),
        _p("price_shock_factor", label="Price shock: factor", unit="×", group="minerals",
           minimum=0.2, maximum=10, decimals=2,
           description="Multiple of the normal price during the shock (3 = the price triples, "
           "0.5 = it halves). Together with scarcity the price never exceeds 10 times its "
           "lever."),
        _p("price_shock_years", label="Price shock: duration", unit="years", group="minerals",
           kind="int", minimum=1, maximum=10,
           description="How many years the shock lasts."),
        _p("supply_growth", label="Supply growth beyond the pipeline", unit="%/yr",
           group="minerals", minimum=-5, maximum=30, decimals=1,
           description="Yearly growth of primary mine and refinery supply of every mineral "
           "after 2035, beyond the projects announced today (which set supply until then). "
           "When total demand (EV and storage batteries and other uses) nears primary plus "
           "recycled supply, prices rise (see the scarcity rule)."),
        # Chemistry
        Parameter("chemistry_mix", label="Target chemistry mix", unit="", group="chemistry",
                  kind="mix", default=data.load().lever_defaults["chemistry_mix"],
                  source=data.load().lever_sources["chemistry_mix"],
                  description="Market shares of EV battery chemistries reached by the target "
                  "year; the mix moves linearly from the 2024 market mix. Written "
                  "LFP:0.6,NMC811:0.4 or a single id for 100 %."),
        _p("chemistry_target_year", label="Target mix reached in", group="chemistry",
           minimum=2025, maximum=2060, **_YEAR,
           description="Year by which the market reaches the target chemistry mix; 2025 "
           "applies the target mix from the first year."),
        _p("price_response", since="2.0", label="Chemistry response to high prices",
           unit="% per doubling", group="chemistry", minimum=0, maximum=50, decimals=1,
           description="Share of the chemistries using a scarce mineral that moves to a "
           "chemistry avoiding it (lithium: sodium-ion; nickel and cobalt: LFP) for each "
           "doubling of that mineral's price above its lever, averaged over the three years "
           "before (at most half). 0 keeps the chemistry path as set."),
        # Energy & factories
        _p("renewable_share", label="Renewable electricity in cell plants", unit="%",
           group="energy", minimum=0, maximum=100,
           description="Share of cell-plant electricity from dedicated renewables (above the "
           "grid average). It acts on the electricity part of plant energy only, not on the "
           "natural gas used for drying."),
        Parameter("manufacturing_region", label="Battery manufacturing region", unit="",
                  group="energy", kind="choice", choices=data.REGIONS,
                  default=data.load().lever_defaults["manufacturing_region"],
                  source=data.load().lever_sources["manufacturing_region"],
                  description="Where the cells and packs are made: its grid powers the cell "
                  "plants and its costs scale the non-mineral pack cost (China 22 % below the "
                  "world average, North America 12 % and Europe 21 % above it in 2025). 'world' "
                  "is where the world makes them today, mostly China."),
        _p("cell_energy", label="Cell-plant energy", unit="kWh/kWh of cell", group="energy",
           minimum=5, maximum=80, decimals=1,
           description="Energy a cell plant uses per kWh of cells made in 2025 (electricity and "
           "natural gas). Published figures differ two- to three-fold: the main assumption "
           "behind the effect of renewable electricity."),
        _p("grid_decarbonization", label="Grid decarbonisation", unit="%/yr", group="energy",
           minimum=0, maximum=15, decimals=1,
           description="Yearly fall of the world-average grid's carbon intensity. Every "
           "region's grid falls with it at its own speed (at the default 2 %/yr: the EU 8 %/yr, "
           "China and the United States 3 %/yr); 0 stops every grid. It acts on cell plants, on "
           "the electricity of material refining and on cars over the years they are driven."),
        _p("supply_chain_decarbonization", since="2.0", label="Supply-chain decarbonisation",
           unit="%/yr", group="energy", minimum=0, maximum=10, decimals=1,
           description="Yearly fall of the heat and process emissions of mining, refining and "
           "making battery materials and car bodies (efficiency, electric heat, fuel switching). "
           "Their electricity follows the grid of the refining region instead."),
        # Demand
        _p("demand_growth", label="EV sales growth", unit="%/yr", group="demand",
           minimum=0, maximum=60, decimals=1,
           description="Growth of the EV share of car sales while far below its ceiling "
           "(logistic S-curve from the 2024 share)."),
        _p("ev_share_ceiling", label="EV share ceiling", unit="%", group="demand",
           minimum=10, maximum=100,
           description="Share of car sales that EVs approach in the long run and never exceed "
           "(below today's share, the share starts at the ceiling)."),
        _p("mode_shift", label="Mode shift away from cars", unit="%", group="demand",
           minimum=0, maximum=50,
           description="Share of car sales avoided by public transport, cycling and walking, "
           "phased in linearly to the mode-shift year."),
        _p("storage_growth", since="2.0", label="Stationary storage growth", unit="%/yr",
           group="demand", minimum=0, maximum=60, decimals=1,
           description="Growth of stationary storage battery demand while far below its "
           "long-run level (logistic S-curve from 170 GWh in 2024; the default reaches the "
           "IEA's 400 GWh in 2030). Storage batteries, mostly LFP, compete for the same "
           "minerals and add to the production that drives learning."),
        # Circularity
        _p("recycling_rate", label="Batteries recycled", unit="%", group="circularity",
           minimum=0, maximum=100,
           description="Share of retiring EV batteries collected and recycled."),
        _p("lithium_recovery", label="Lithium recovered in recycling", unit="%",
           group="circularity", minimum=0, maximum=100,
           description="Share of a recycled battery's lithium recovered as battery-grade "
           "material (nickel and cobalt 95 %, manganese, copper and aluminium 90 %)."),
        _p("battery_lifetime", label="Battery life", unit="years", group="circularity",
           minimum=5, maximum=25, decimals=1,
           description="Mean age at which EV batteries reach recycling (Weibull "
           "distribution). The default is the car's life: the battery lasts the car. Shorter "
           "means a replacement battery during the car's life (counted in its life-cycle "
           "emissions); longer means a second life, for example in storage, before "
           "recycling."),
        # Vehicle & use
        _p("battery_size", label="Battery per EV", unit="kWh", group="vehicle",
           minimum=20, maximum=150, decimals=1,
           description="Average battery capacity of an electric car sold (BEV and PHEV)."),
        _p("ev_efficiency", label="EV electricity use", unit="kWh/100 km", group="vehicle",
           minimum=10, maximum=40, decimals=1,
           description="Real-world electricity drawn at the plug, charging losses included."),
        _p("ice_fuel_use", label="Gasoline car fuel use", unit="L/100 km", group="vehicle",
           minimum=3, maximum=15, decimals=1,
           description="Real-world fuel use of the comparable gasoline car built in 2025."),
        _p("ice_efficiency_gain", since="2.0", label="Gasoline car improvement", unit="%/yr",
           group="vehicle", minimum=0, maximum=5, decimals=1,
           description="Yearly fall of the fuel use of new gasoline cars built after 2025."),
        _p("vehicle_lifetime_km", label="Vehicle life", unit="km", group="vehicle",
           minimum=80_000, maximum=350_000,
           description="Distance a car is driven over its life."),
        Parameter("use_region", label="Region where cars are driven", unit="", group="vehicle",
                  kind="choice", choices=data.REGIONS,
                  default=data.load().lever_defaults["use_region"],
                  source=data.load().lever_sources["use_region"],
                  description="Grid that charges the cars ('world': the world-average grid)."),
        # Advanced assumptions
        _p("start_year", label="First year shown", group="advanced",
           minimum=2025, maximum=2045, **_YEAR,
           description="First year of the results (the model always starts from 2025)."),
        _p("end_year", label="Last year", group="advanced", minimum=2030, maximum=2060, **_YEAR,
           description="Last year of the results."),
        _p("learning_rate", label="Learning rate", unit="% per doubling", group="advanced",
           minimum=0, maximum=40, decimals=1,
           description="Fall of the non-mineral cell and pack cost for each doubling of "
           "cumulative EV and storage battery production (experience curve); the same rate "
           "applies to a new chemistry's own production."),
        _p("scarcity_exponent", label="Scarcity price response", unit="1", group="advanced",
           minimum=0, maximum=5, decimals=2,
           description="Exponent of the scarcity rule: as total demand nears and passes "
           "primary plus recycled supply, the price is multiplied by (demand/supply) to this "
           "power, rising smoothly from 95 % of supply; with any shock, at most 10 times the "
           "lever."),
        _p("cell_energy_decline", label="Cell-plant energy decline", unit="%/yr",
           group="advanced", minimum=0, maximum=10, decimals=1,
           description="Yearly fall of cell-plant energy per kWh as plants scale and improve."),
        _p("car_market_growth", label="Car market growth", unit="%/yr", group="advanced",
           minimum=-5, maximum=5, decimals=1,
           description="Yearly growth of global car sales before any mode shift."),
        _p("mode_shift_year", label="Mode shift complete by", group="advanced",
           minimum=2026, maximum=2060, **_YEAR,
           description="Year by which the mode shift reaches its full effect."),
        _p("annual_km", label="Distance per year", unit="km/yr", group="advanced",
           minimum=5_000, maximum=30_000,
           description="Distance driven per year; with the vehicle life it sets the car's "
           "life in years and so how many years of grid decarbonisation it sees."),
        _p("ev_nonbattery_price", label="EV price without battery", unit="USD",
           group="advanced", minimum=10_000, maximum=80_000,
           description="Price of the electric car without its battery and motor magnets."),
        _p("ice_vehicle_price", label="Gasoline car price", unit="USD", group="advanced",
           minimum=10_000, maximum=80_000,
           description="Price of the comparable gasoline car."),
        _p("ndpr_per_vehicle", label="NdPr per EV", unit="kg", group="advanced",
           minimum=0, maximum=3, decimals=2,
           description="NdPr oxide in an average EV's motor magnets."),
    )


#: Every lever, in display order within its group.
PARAMETERS: Mapping[str, Parameter] = MappingProxyType({p.name: p for p in _build()})


def get(name: str) -> Parameter:
    """Return the lever called ``name``, or raise :class:`ParameterError` naming close ones."""
    try:
        return PARAMETERS[name]
    except KeyError:
        raise ParameterError(unknown_name_message(name, PARAMETERS), name) from None


def _version(text: str | None) -> tuple[int, ...] | None:
    """``"2.0"`` as (2, 0); None for anything that is not dotted whole numbers."""
    parts = (text or "").split(".")
    if not all(part.isdigit() and len(part) <= 6 for part in parts):
        return None
    return tuple(int(part) for part in parts)


def introduced_after(model_version: str | None) -> frozenset[str]:
    """Levers a file written by ``model_version`` cannot set: they came in a later model.

    Parameters
    ----------
    model_version : str or None
        The model version a file records, e.g. ``"1.0"``.

    Returns
    -------
    frozenset of str
        Names of the levers introduced after that version; empty when the version
        is unknown or not a dotted version number.

    Examples
    --------
    >>> sorted(introduced_after("1.0"))[:2]
    ['ice_efficiency_gain', 'price_response']
    >>> introduced_after("2.0"), introduced_after("nonsense")
    (frozenset(), frozenset())
    """
    version = _version(model_version)
    if version is None:
        return frozenset()
    return frozenset(name for name, p in PARAMETERS.items()
                     if (_version(p.since) or ()) > version)


def unknown_name_message(name: str, valid: Iterable[str], what: str = "lever") -> str:
    """One sentence naming an unknown name and the closest valid ones."""
    valid = list(valid)
    close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
    if close:
        return f"Unknown {what} {name!r}; did you mean {', '.join(close)}?"
    return f"Unknown {what} {name!r}; run 'evexplorer params' for the list."


def defaults() -> dict[str, Any]:
    """Return a fresh dict of every lever at its default."""
    return {
        name: dict(p.default) if p.kind == "mix" else p.default for name, p in PARAMETERS.items()
    }


def resolve(params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validate ``params`` and fill in defaults for every lever not given.

    Raises
    ------
    ParameterError
        For an unknown name, a value of the wrong type or outside its range,
        samples of different lengths, or an end year before the start year.
    """
    values = defaults()
    for name, value in (params or {}).items():
        values[name] = get(name).validate(value)
    check_consistency(values)
    return values


def check_consistency(values: Mapping[str, Any]) -> None:
    """Check rules that involve more than one lever."""
    for name in ("start_year", "end_year"):
        if np.ndim(values[name]) != 0:
            raise ParameterError(
                f"{name} sets the time axis and must be a single year, not samples.", name
            )
    if values["end_year"] <= values["start_year"]:
        raise ParameterError(
            f"end_year ({values['end_year']}) must come after start_year "
            f"({values['start_year']}).",
            "end_year",
        )
    sizes = {name: np.size(v) for name, v in values.items() if np.ndim(v) == 1}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{n}: {s}" for n, s in sizes.items())
        raise ParameterError(
            f"Sampled levers must all have the same number of samples ({detail}).",
            next(iter(sizes)),
        )
