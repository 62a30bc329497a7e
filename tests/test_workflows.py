"""The GitHub workflows that build the installers and run the tests on three systems.

They cannot run here, so these tests check them as files: against GitHub's workflow
schema (the copy check-jsonschema ships, offline), and by reading the YAML for what each
job must do, cross-checked with packaging/build.py, .ci/run and docs/packaging.md.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
RELEASE, CI = WORKFLOWS / "release.yml", WORKFLOWS / "ci.yml"
#: The hosted runners: Ubuntu 22.04 (its glibc 2.35 keeps the .deb installable on Debian 12
#: and Ubuntu 22.04+), Windows, and macOS 14 on Apple silicon (arm64).
RUNNERS = {"ubuntu-22.04": "linux", "windows-latest": "windows", "macos-14": "macos"}
SCHEMAS = ("vendor.github-workflows", "custom.github-workflows-require-timeout")

#: Runs check-jsonschema with an audit hook that ends the process (status 99) at the first
#: attempt to resolve a host name or open a connection.
OFFLINE_CHECK = """
import os, sys
def no_network(event, args):
    if event in ("socket.getaddrinfo", "socket.connect", "socket.gethostbyname"):
        sys.stderr.write(f"network access attempted: {event} {args[:2]}\\n")
        sys.stderr.flush()
        os._exit(99)
sys.addaudithook(no_network)
from check_jsonschema import main
sys.argv = ["check-jsonschema", *sys.argv[1:]]
main()
"""


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("check_jsonschema")
    return subprocess.run([sys.executable, "-c", OFFLINE_CHECK, *args], capture_output=True,
                          text=True, timeout=120)


def _load(path: Path) -> dict:
    """A workflow as a dict. PyYAML reads YAML 1.1, where the key ``on`` is the boolean
    True; GitHub reads it as the string "on"."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def release() -> dict:
    return _load(RELEASE)


@pytest.fixture(scope="module")
def ci() -> dict:
    return _load(CI)


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("evx_packaging_build_wf",
                                                  ROOT / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _steps(job: dict) -> list[dict]:
    return job["steps"]


def _index(steps: list[dict], predicate) -> int:
    found = [i for i, s in enumerate(steps) if predicate(s)]
    assert len(found) == 1, f"expected one matching step, found {len(found)}"
    return found[0]


def _runs(fragment: str):
    return lambda step: fragment in step.get("run", "")


def _uses(action: str):
    return lambda step: step.get("uses", "").split("@")[0] == action


# ---------------------------------------------------------------------------------------------
# the schema


@pytest.mark.parametrize("schema", SCHEMAS)
def test_workflows_are_valid_against_the_github_workflow_schema_offline(schema):
    result = _check_jsonschema("--builtin-schema", schema, str(RELEASE), str(CI))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_offline_guard_stops_a_schema_fetched_from_the_network():
    # The guard around the schema check is real: a remote schema never gets through.
    result = _check_jsonschema("--schemafile", "https://json.schemastore.org/github-workflow.json",
                               str(CI))
    assert result.returncode == 99, result.stdout + result.stderr
    assert "network access attempted" in result.stderr


@pytest.mark.parametrize(("old", "new", "complaint"), [
    ("runs-on: ${{ matrix.os }}", "runs_on: ${{ matrix.os }}", "'runs-on' is a required property"),
    ("timeout-minutes: 30", "timeout-minutes: half an hour", "timeout-minutes"),
    ("  pull_request:\n", "  pull-request:\n", "pull-request"),
    ("      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@v4\n        wiht: {}\n",
     "wiht"),
])
def test_schema_check_rejects_a_broken_workflow(tmp_path, old, new, complaint):
    text = CI.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "ci.yml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = _check_jsonschema("--verbose", "--builtin-schema", SCHEMAS[0], str(broken))
    assert result.returncode == 1
    assert complaint in result.stdout


# ---------------------------------------------------------------------------------------------
# release.yml


def test_release_runs_on_a_version_tag_and_by_hand(release):
    on = release["on"]
    assert on["push"]["tags"] == ["v[0-9]*"]
    # GitHub's tag filters are globs: a version tag matches, another tag does not
    assert fnmatch.fnmatch("v0.2.0", on["push"]["tags"][0])
    assert not fnmatch.fnmatch("vnext", on["push"]["tags"][0])
    assert set(on["workflow_dispatch"]["inputs"]) == {"tag"}
    assert release["permissions"] == {"contents": "read"}


def test_release_version_job_refuses_a_tag_that_is_not_the_version(release, build):
    job = release["jobs"]["version"]
    (step,) = [s for s in _steps(job) if "--app-version" in s.get("run", "")]
    assert 'if [ -n "$TAG" ] && [ "$TAG" != "v$version" ]' in step["run"]
    assert "exit 1" in step["run"]
    out = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--app-version"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == build.app_version() and re.fullmatch(r"\d+\.\d+\.\d+\S*", out)


def test_release_builds_on_the_three_systems(release):
    job = release["jobs"]["build"]
    assert job["runs-on"] == "${{ matrix.os }}"
    entries = job["strategy"]["matrix"]["include"]
    assert {e["os"] for e in entries} == set(RUNNERS)
    assert job["strategy"]["fail-fast"] is False
    assert job["needs"] == "version"


def test_release_matrix_paths_are_those_build_py_produces(release, build, monkeypatch):
    """The frozen program and the installer of each runner are where build.py puts them."""
    version = build.app_version()
    for entry in release["jobs"]["build"]["strategy"]["matrix"]["include"]:
        monkeypatch.setattr(build, "SYSTEM", RUNNERS[entry["os"]])
        frozen = build.DIST / build.target().self_test_program
        assert entry["frozen"] == frozen.relative_to(ROOT).as_posix()
        installer = build.installer_path(version, arch="arm64")  # macos-14 is Apple silicon
        assert fnmatch.fnmatch(installer.relative_to(ROOT).as_posix(), entry["installer"])
        other = build.installer_path("9.9.9", arch="x86_64").relative_to(ROOT).as_posix()
        assert fnmatch.fnmatch(other, entry["installer"]) == (entry["os"] != "macos-14")


def test_release_build_steps_in_order(release):
    steps = _steps(release["jobs"]["build"])
    checkout = _index(steps, _uses("actions/checkout"))
    python = _index(steps, _uses("actions/setup-python"))
    assert str(steps[python]["with"]["python-version"]) == "3.11"
    assert "packaging/requirements-build.txt" in steps[python]["with"]["cache-dependency-path"]
    apt = _index(steps, _runs("--system-packages"))
    inno = _index(steps, lambda s: "choco install innosetup" in s.get("run", ""))
    bundle = _index(steps, lambda s: s.get("run", "").strip() == "python packaging/build.py")
    self_test = _index(steps, _runs('"${{ matrix.frozen }}" --self-test'))
    checksum = _index(steps, _runs("python packaging/build.py --checksum"))
    upload = _index(steps, _uses("actions/upload-artifact"))
    assert checkout < python < apt < bundle < self_test < checksum < upload
    for every_system in (checkout, python, bundle, self_test, checksum, upload):
        assert "if" not in steps[every_system], steps[every_system]
    assert inno < bundle
    assert steps[apt]["if"] == "runner.os == 'Linux'"
    assert steps[inno]["if"] == "runner.os == 'Windows'"
    # the workflow runs everything offscreen
    assert release["env"]["QT_QPA_PLATFORM"] == "offscreen"
    paths = steps[upload]["with"]["path"].splitlines()
    assert paths == ["${{ matrix.installer }}", "${{ matrix.installer }}.sha256"]
    assert steps[upload]["with"]["if-no-files-found"] == "error"


@pytest.mark.parametrize(("system", "must_run"), [
    ("Linux", ["sudo apt-get install -y ./dist/evexplorer_*_amd64.deb", "evexplorer --self-test"]),
    ("Windows", ["/VERYSILENT", "/CURRENTUSER", "evexplorer-cli.exe\") --self-test",
                 "EVExplorer.Scenario"]),
    ("macOS", ["hdiutil attach", "EV Explorer.app/Contents/MacOS/EVExplorer\" --self-test",
               "hdiutil detach"]),
])
def test_release_installs_each_installer_and_self_tests_it(release, system, must_run):
    steps = _steps(release["jobs"]["build"])
    bundle = _index(steps, lambda s: s.get("run", "").strip() == "python packaging/build.py")
    checksum = _index(steps, _runs("--checksum"))
    installs = [i for i, s in enumerate(steps) if s.get("if") == f"runner.os == '{system}'"
                and all(text in s.get("run", "") for text in must_run)]
    assert len(installs) == 1
    assert bundle < installs[0] < checksum


def _secrets(text: str) -> set[str]:
    return set(re.findall(r"secrets\.([A-Z0-9_]+)", text))


def test_release_signing_runs_only_when_its_secrets_exist(release):
    job = release["jobs"]["build"]
    steps = _steps(job)
    env = job["env"]
    secrets = {name for name, value in env.items() if value == f"${{{{ secrets.{name} }}}}"}
    assert secrets == _secrets(RELEASE.read_text(encoding="utf-8"))
    assert {"WINDOWS_CERTIFICATE", "MACOS_CERTIFICATE", "MACOS_NOTARY_APPLE_ID"} <= secrets
    optional = [s for s in steps if "(optional)" in s.get("name", "")]
    assert len(optional) == 3
    for step in optional:
        conditions = set(re.findall(r"env\.([A-Z0-9_]+) != ''", step["if"]))
        assert conditions and conditions <= secrets, step["name"]
        used = set(re.findall(r"\$\{?(?:env:)?([A-Z][A-Z0-9_]+)", step["run"])) & secrets
        assert used, step["name"]
        # a step that uses a secret is guarded by its certificate's secret
        assert any(c.endswith("_CERTIFICATE") for c in conditions), step["name"]
    # no other step touches a secret
    for step in steps:
        if step not in optional:
            text = str(step.get("run", "")) + str(step.get("with", ""))
            assert not (set(re.findall(r"\b([A-Z][A-Z0-9_]+)\b", text)) & secrets), step.get("name")
    names = [s.get("name", "") for s in steps]
    bundle = _index(steps, lambda s: s.get("run", "").strip() == "python packaging/build.py")
    sign_windows = names.index("Windows code-signing certificate (optional)")
    sign_macos = names.index("macOS signing identity (optional)")
    notarize = names.index("Notarize and staple the disk image (optional)")
    checksum = _index(steps, _runs("--checksum"))
    # certificates before the build (it signs); notarization after it, before the checksum
    assert sign_windows < bundle and sign_macos < bundle < notarize < checksum
    assert "EVX_SIGNTOOL=" in steps[sign_windows]["run"]
    assert "EVX_CODESIGN_IDENTITY=" in steps[sign_macos]["run"]
    assert "stapler staple" in steps[notarize]["run"]


def test_the_signing_variables_are_those_build_py_and_the_spec_read(release, build):
    text = RELEASE.read_text(encoding="utf-8")
    assert f"{build.SIGNTOOL_VARIABLE}=" in text and f"{build.IDENTITY_VARIABLE}=" in text
    spec = (ROOT / "packaging" / "evexplorer.spec").read_text(encoding="utf-8")
    assert f'os.environ.get("{build.IDENTITY_VARIABLE}")' in spec


def test_every_secret_is_documented(release):
    docs = (ROOT / "docs" / "packaging.md").read_text(encoding="utf-8")
    for secret in _secrets(RELEASE.read_text(encoding="utf-8")):
        assert f"`{secret}`" in docs, secret


def test_release_job_checks_the_sums_and_attaches_all_three(release):
    job = release["jobs"]["release"]
    assert set(job["needs"]) == {"version", "build"}
    assert job["if"] == "needs.version.outputs.tag != ''"
    assert job["permissions"] == {"contents": "write"}
    steps = _steps(job)
    download = _index(steps, _uses("actions/download-artifact"))
    assert steps[download]["with"]["merge-multiple"] is True
    check = _index(steps, _runs("sha256sum --check"))
    assert 'test "$(ls *.deb *.exe *.dmg | wc -l)" -eq 3' in steps[check]["run"]
    assert "cat *.sha256 > SHA256SUMS" in steps[check]["run"]
    publish = _index(steps, _runs("gh release"))
    assert download < check < publish
    assert "assets=(*.deb *.exe *.dmg *.sha256 SHA256SUMS)" in steps[publish]["run"]
    assert steps[publish]["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_every_job_has_a_timeout(release, ci):
    for workflow in (release, ci):
        for name, job in workflow["jobs"].items():
            assert 0 < job["timeout-minutes"] <= 60, name


# ---------------------------------------------------------------------------------------------
# ci.yml


def test_ci_runs_the_readme_test_command_on_three_systems_for_pull_requests(ci):
    assert "pull_request" in ci["on"]
    job = ci["jobs"]["test"]
    assert set(job["strategy"]["matrix"]["os"]) == set(RUNNERS)
    assert job["env"]["QT_QPA_PLATFORM"] == "offscreen"
    (test,) = [s for s in _steps(job) if "dev.py test" in s.get("run", "")]
    # the same command as .ci/run's (whose python3 is the runner's python from setup-python)
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^python3 dev\.py test$", ci_run, flags=re.M)
    assert test["run"].strip() == "python dev.py test"
    (python,) = [s for s in _steps(job) if _uses("actions/setup-python")(s)]
    assert str(python["with"]["python-version"]) == "3.11"


def _ci_apt_packages(ci) -> set[str]:
    (step,) = [s for s in _steps(ci["jobs"]["test"]) if s.get("if") == "runner.os == 'Linux'"]
    command = step["run"].split("--no-install-recommends", 1)[1]
    return set(command.replace("\\", " ").split())


def test_ci_linux_libraries_are_among_those_the_deb_declares(ci, build):
    tools = {"hdf5-tools", "desktop-file-utils", "shared-mime-info"}
    packages = _ci_apt_packages(ci)
    assert tools <= packages
    declared = set(build.control_depends((ROOT / "packaging" / "linux" / "control.in").read_text()))
    assert packages - tools <= declared


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("objdump") is None
                    or shutil.which("dpkg-query") is None,
                    reason="reads ELF files with objdump and finds their packages with dpkg")
def test_ci_linux_libraries_cover_what_qt_offscreen_links_against(ci, build):
    """Every system library that Qt's offscreen plugin and the Qt libraries the application
    uses link against comes from a package the CI job installs (or from the base system)."""
    qt = Path(pytest.importorskip("PySide6").__file__).parent / "Qt"
    files = [qt / "plugins" / "platforms" / "libqoffscreen.so",
             *(qt / "lib" / f"libQt6{m}.so.6" for m in
               ("Core", "Gui", "Widgets", "OpenGL", "OpenGLWidgets", "Svg", "DBus"))]
    where = build._ldconfig_paths()
    base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1"}
    needed = {}
    for path in files:
        for soname in build.elf_needs(path)[0]:
            if not soname.startswith(("libQt6", "libicu")) and soname in where:
                needed[soname] = build._owner(where[soname])
    assert "libEGL.so.1" in needed and "libxkbcommon.so.0" in needed
    missing = {s: p for s, p in needed.items()
               if p is None or p.split(":")[0] not in _ci_apt_packages(ci) | base}
    assert missing == {}


def _bash_scripts() -> list[tuple[str, str]]:
    """(workflow: step name, script) of every step that GitHub runs with bash."""
    scripts = []
    for path in (RELEASE, CI):
        for job in _load(path)["jobs"].values():
            default = job.get("defaults", {}).get("run", {}).get("shell")
            if default is None and job["runs-on"].startswith(("ubuntu-", "macos-")):
                default = "bash"  # GitHub's default shell there
            for step in job["steps"]:
                if "run" not in step:
                    continue
                shell = step.get("shell", default)
                linux_only = step.get("if") in ("runner.os == 'Linux'", "runner.os == 'macOS'")
                if shell == "bash" or (shell is None and linux_only):
                    scripts.append((f"{path.name}: {step.get('name', step['run'][:30])}",
                                    step["run"]))
    return scripts


@pytest.mark.skipif(shutil.which("bash") is None or os.name == "nt",
                    reason="needs bash (on Windows, bash may be WSL's launcher)")
def test_bash_steps_parse():
    scripts = _bash_scripts()
    assert len(scripts) >= 10
    for name, script in scripts:
        # GitHub replaces ${{ ... }} before the shell sees the script
        text = re.sub(r"\$\{\{.*?\}\}", "X", script)
        result = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
        assert result.returncode == 0, f"{name}: {result.stderr}"
    broken = subprocess.run(["bash", "-n"], input="if [ -n x ]; then\n echo\n", text=True,
                            capture_output=True)
    assert broken.returncode != 0  # bash -n does reject a broken script
