"""``evexplorer compute ... [--vary ...] [--correlate ...] --save FILE`` stores the uncertainty.

Run as the user runs it (``python -m evexplorer``); the saved file is read back with the
scenario reader and its uncertainty compared with what the options describe.
"""

from __future__ import annotations

import pytest
from cli_helpers import ok, one_line_error, run
from test_session_uncertainty import IMPOSSIBLE

from evexplorer import scenario
from evexplorer.analysis.uncertainty import UncertaintySpec, default_spec, lever_from_range
from evexplorer.model import evaluate

VARY = ("--vary", "lithium_price=8000:40000:loguniform", "--vary", "demand_growth=15:35",
        "--correlate", "lithium_price,demand_growth=0.3")


def saved(path) -> UncertaintySpec | None:
    record = scenario.open_scenario(path, isolated=False).uncertainty
    return None if record is None else UncertaintySpec.from_record(record)


def refused(status: int, *args: str) -> str:
    """The one line of a refused command (see :func:`cli_helpers.one_line_error`)."""
    return one_line_error(run(*args), status)


def test_vary_and_correlate_are_stored_around_the_saved_values(tmp_path):
    target = tmp_path / "varied.evx"
    out = ok("compute", "--set", "lithium_price=20000", *VARY, "--save", str(target))
    assert f"Saved {target}" in out.stderr
    spec = saved(target)
    # exactly the two levers given, each as a spread around the saved value (20,000 USD/t
    # and the default 25 %/yr), with the one correlation
    assert spec.uncertain == ("lithium_price", "demand_growth")
    assert spec.levers["lithium_price"] == lever_from_range("lithium_price", 20_000, 8_000,
                                                            40_000, "loguniform")
    lithium = spec.levers["lithium_price"]
    assert (lithium.spread, lithium.low, lithium.high) == ("relative", 0.4, 2.0)
    growth = spec.levers["demand_growth"]
    assert (growth.distribution, growth.spread, growth.low, growth.high) == \
        ("uniform", "absolute", -10.0, 10.0)
    assert spec.rho("lithium_price", "demand_growth") == pytest.approx(0.3)
    assert spec.seed == default_spec().seed


def test_saving_from_a_file_keeps_its_uncertainty_unless_told_otherwise(tmp_path):
    source = tmp_path / "source.evx"
    ok("compute", *VARY, "--save", str(source))
    stored = saved(source)
    copy = tmp_path / "copy.evx"
    ok("compute", str(source), "--set", "recycling_rate=60", "--save", str(copy))
    assert saved(copy) == stored  # the file's uncertainty travels on, record for record
    document = scenario.open_scenario(copy, isolated=False)
    assert document.parameters["recycling_rate"] == 60
    # --vary replaces the file's settings (its correlation included)
    replaced = tmp_path / "replaced.evx"
    ok("compute", str(source), "--vary", "recycling_rate=20:50", "--save", str(replaced))
    assert saved(replaced).uncertain == ("recycling_rate",)
    assert saved(replaced).correlations == ()
    # --correlate alone edits the file's settings: 0 removes the correlation
    uncorrelated = tmp_path / "uncorrelated.evx"
    ok("compute", str(source), "--correlate", "lithium_price,demand_growth=0",
       "--save", str(uncorrelated))
    assert saved(uncorrelated).levers == stored.levers
    assert saved(uncorrelated).correlations == ()


def test_correlate_alone_without_a_file_edits_the_defaults(tmp_path):
    target = tmp_path / "defaults.evx"
    ok("compute", "--correlate", "lithium_price,demand_growth=-0.2", "--save", str(target))
    spec = saved(target)
    assert spec.levers == default_spec().levers
    assert spec.rho("lithium_price", "demand_growth") == pytest.approx(-0.2)
    assert spec.rho("nickel_price", "cobalt_price") == default_spec().rho("nickel_price",
                                                                         "cobalt_price")


def test_without_vary_or_a_file_nothing_is_stored_and_readers_use_the_defaults(tmp_path):
    target = tmp_path / "plain.evx"
    ok("compute", "--set", "lithium_price=20000", "--save", str(target))
    assert saved(target) is None


def test_the_file_keeps_its_reference_and_targets_too(tmp_path):
    source = tmp_path / "source.evx"
    reference = {"title": "Squeeze", "parameters": {"lithium_price": 40_000}}
    targets = [{"id": "mine", "description": "Packs under 80 USD/kWh", "source": "",
                "output": "pack_cost", "year": 2030, "comparison": "<=", "required": 80.0}]
    scenario.save_scenario(source, {}, evaluate(), reference=reference, targets=targets)
    copy = tmp_path / "copy.evx"
    ok("compute", str(source), "--vary", "recycling_rate=20:50", "--save", str(copy))
    document = scenario.open_scenario(copy, isolated=False)
    assert document.reference["title"] == "Squeeze"
    assert document.reference["parameters"]["lithium_price"] == 40_000
    assert [dict(t) for t in document.targets] == targets


@pytest.mark.parametrize(("args", "words"), [
    (("--vary", "lithium_price=8000:40000"), "--save FILE"),
    (("--vary", "lithium_prize=8000:40000", "--save", "{out}"), "lithium_price"),
    (("--vary", "lithium_price=40000:8000", "--save", "{out}"), "below"),
    (("--vary", "recycling_rate=20:150", "--save", "{out}"), "recycling_rate"),
    (("--vary", "demand_growth=15:35", "--correlate", "demand_growth,lithium_price=0.5",
      "--save", "{out}"), "lithium_price is not uncertain"),
    (("--vary", "demand_growth=15:35", "--vary", "lithium_price=8000:40000",
      "--correlate", "demand_growth,lithium_price=1.5", "--save", "{out}"), "-1 to 1"),
])
def test_bad_uncertainty_options_are_one_line_and_write_nothing(tmp_path, args, words):
    out = tmp_path / "never.evx"
    line = refused(2, "compute", *(a.format(out=out) for a in args))
    assert words in line
    assert not out.exists()


def test_a_file_whose_stored_uncertainty_cannot_be_used_is_a_file_error(tmp_path):
    source = tmp_path / "odd.evx"
    # readable, but its correlations cannot all hold
    scenario.save_scenario(source, {}, evaluate(), uncertainty=IMPOSSIBLE)
    line = refused(1, "compute", str(source), "--correlate",
                          "demand_growth,supply_growth=0.5", "--save", str(tmp_path / "x.evx"))
    assert "stored uncertainty cannot be used" in line
    # without the options the file's record is kept as it is
    copy = tmp_path / "copy.evx"
    ok("compute", str(source), "--save", str(copy))
    assert scenario.open_scenario(copy, isolated=False).uncertainty["correlations"][2]["rho"] \
        == -0.9
