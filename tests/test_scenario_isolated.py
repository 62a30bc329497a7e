"""The isolated reader: whatever libhdf5 does with a file, the caller lives and hears why."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from test_scenario_support import MALFORMED, save_default

from evexplorer.scenario import ScenarioFileError, open_scenario
from evexplorer.scenario.isolated import read_tree_isolated

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="signals and rlimits are POSIX")


def readers() -> list:
    """The file-reader children still alive (the window's compute child may run beside them)."""
    return [p for p in multiprocessing.active_children() if p.name == "evexplorer-file-reader"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return save_default(tmp_path_factory.mktemp("iso") / "good.evx", cobalt_price=50_000,
                        use_region="norway")


def _child_outcome(path: Path, parser: str, **kwargs) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as info:
        read_tree_isolated(path, parser=f"test_scenario_support:{parser}", **kwargs)
    assert not readers()  # the child is gone, killed if need be
    return info.value


def test_a_good_file_reads_the_same_in_the_child_and_in_process(good):
    isolated = open_scenario(good)
    local = open_scenario(good, isolated=False)
    assert dict(isolated.parameters) == dict(local.parameters)
    assert isolated.parameters["use_region"] == "norway"
    for field in ("title", "author", "notes", "created", "modified", "app_version",
                  "model_version", "format_version", "warnings", "checksum_ok", "path"):
        assert getattr(isolated, field) == getattr(local, field), field
    np.testing.assert_array_equal(isolated.results.years, local.results.years)
    for name, series in local.results.series.items():
        np.testing.assert_array_equal(isolated.results.series[name], series)
    assert dict(isolated.results.scalars) == dict(local.results.scalars)
    assert not readers()


@posix_only
def test_a_crash_in_the_child_is_reported_and_the_caller_lives(good, capfd):
    error = _child_outcome(good, "crash_parser")
    assert error.code == "crash"
    assert "SIGSEGV" in str(error) and "crashed" in str(error)
    error = _child_outcome(good, "abort_parser")
    assert error.code == "crash" and "SIGABRT" in str(error)
    assert "Assertion" not in capfd.readouterr().err  # the child's last words stay quiet


@posix_only
def test_a_hang_is_stopped_at_the_time_limit(good):
    error = _child_outcome(good, "hang_parser", timeout=3.0)
    assert error.code == "timeout"
    assert str(error).startswith("Reading this file took longer than 3 s, so it was stopped")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_memory_exhaustion_is_stopped_at_the_memory_limit(good):
    error = _child_outcome(good, "hungry_parser", memory_limit=256 << 20)
    assert error.code == "memory"
    assert "more than 256.0 MiB of memory" in str(error)


def test_a_child_that_exits_without_a_reply_is_reported(good):
    error = _child_outcome(good, "exit_parser")
    assert error.code == "reader-failed" and "exit status 3" in str(error)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and RLIMIT_AS")
def test_the_child_is_single_threaded_plugin_free_memory_limited_and_light(good):
    tree = read_tree_isolated(good, parser="test_scenario_support:state_parser",
                              memory_limit=512 << 20)
    state = {name: value.item() for name, value in tree.root.items()}
    assert state["openblas"] == "1"
    assert state["preload"] == "::"
    assert state["plugin_paths"] == 0
    assert 512 << 20 < state["rlimit_as"] < (512 << 20) + (4 << 30)
    assert state["heavy_modules"] == ""  # no SciPy, Qt or model in the child


def test_a_start_failure_is_reported(good, monkeypatch):
    def refuse(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.get_context("spawn").Process, "start", refuse)
    with pytest.raises(ScenarioFileError, match="could not start its safe file reader") as info:
        open_scenario(good)
    assert info.value.code == "reader-failed"


# -- damaged copies of a good file -------------------------------------------------------------


def _open_all(paths: list[Path]) -> list[object]:
    """Open each file in its own child, two at a time; return documents or errors."""
    def attempt(path: Path) -> object:
        try:
            return open_scenario(path, timeout=20.0)
        except ScenarioFileError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(attempt, paths))


def _assert_clear(error: ScenarioFileError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message
    assert message[0].isupper() and message.endswith((".", "?"))


def test_truncated_files_are_refused(good, tmp_path):
    data = good.read_bytes()
    cuts = [8, 100, 512, 2048, len(data) // 2, len(data) - 1000, len(data) - 1]
    paths = []
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.evx"
        path.write_bytes(data[:cut])
        paths.append(path)
    outcomes = _open_all(paths)
    for cut, outcome in zip(cuts, outcomes, strict=True):
        assert isinstance(outcome, ScenarioFileError), cut
        _assert_clear(outcome)
    assert sum(o.code == "truncated" for o in outcomes) >= len(cuts) - 1
    assert "cut short" in str(outcomes[-2])


def test_byte_flips_are_refused_or_detected(good, tmp_path):
    """Every flipped file is refused, or opens with the original values, or fails its checksum."""
    data = good.read_bytes()
    original = open_scenario(good, isolated=False)
    rng = np.random.default_rng(20251123)
    positions = sorted({*rng.integers(8, len(data), 24).tolist(), 9, 100, 200, 800, 1400})
    paths = []
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        path = tmp_path / f"flip-{position}.evx"
        path.write_bytes(bytes(flipped))
        paths.append(path)
    outcomes = _open_all(paths)
    refused = 0
    for position, outcome in zip(positions, outcomes, strict=True):
        if isinstance(outcome, ScenarioFileError):
            _assert_clear(outcome)
            refused += 1
            continue
        same = dict(outcome.parameters) == dict(original.parameters) and all(
            np.array_equal(outcome.results.series[n], s, equal_nan=True)
            for n, s in original.results.series.items())
        assert same or not outcome.checksum_ok, position
    assert refused >= 1


# -- the corpus of malformed HDF5 files ------------------------------------------------------------

_CORPUS = sorted(MALFORMED.glob("*.h5")) if MALFORMED.is_dir() else []


@pytest.fixture(scope="module")
def corpus_outcomes() -> dict[str, object]:
    """Open the whole corpus once, two children at a time (each file in its own child)."""
    return dict(zip((p.name for p in _CORPUS), _open_all(_CORPUS), strict=True))


@pytest.mark.skipif(not _CORPUS, reason=f"malformed-file corpus not found at {MALFORMED}")
@pytest.mark.parametrize("name", [p.name for p in _CORPUS])
def test_every_malformed_file_ends_in_a_clear_refusal(corpus_outcomes, name):
    outcome = corpus_outcomes[name]
    assert isinstance(outcome, ScenarioFileError), f"{name} opened as a scenario"
    _assert_clear(outcome)
    assert os.getpid() > 0  # and we are here to say so


@pytest.mark.skipif(not _CORPUS, reason=f"malformed-file corpus not found at {MALFORMED}")
def test_the_parent_lives_after_the_whole_corpus(corpus_outcomes, good):
    assert len(corpus_outcomes) == len(_CORPUS) >= 100
    assert open_scenario(good).parameters["cobalt_price"] == 50_000
