"""Recovery copies of unsaved work: where they are kept, what they record, listing and clearing.

While a window has unsaved changes it keeps a *recovery copy* of its scenario
in the application-data folder, so that work survives a crash, a killed
process or a power cut. A copy is two files in :func:`recovery_dir`:

- ``unsaved-XXXXXXXXXXXX.evx``: the scenario as it was at that moment, a
  normal scenario file that opens anywhere (written atomically by
  :func:`evexplorer.scenario.save_scenario`);
- ``unsaved-XXXXXXXXXXXX.json``: its index entry, ``{"format": 1, "copy",
  "original", "saved_at", "title", "pid", "host", "started", "fingerprint"}``
  (written atomically after the copy): the file the work belongs to (null
  while untitled), when the copy was written, the scenario's title, the
  process that wrote it, and what the original file was when the work began
  (size, modification time and SHA-256, for the changed-on-disk check of a
  later save).

The window writes and removes copies; the next start offers the copies whose
process is gone; ``evexplorer recover --list`` and ``--clear`` use the same
functions. The folder is the platform's application-data folder exactly as
Qt's ``QStandardPaths.AppDataLocation`` names it for this application, or the
folder in the environment variable :data:`DATA_DIR_VARIABLE`.

No Qt and no HDF5 here (writing a copy goes through the scenario layer).
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import secrets
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._atomic import WriteError, write_atomically
from .scenario import FileFingerprint

if TYPE_CHECKING:
    from .session import Session

#: Organisation and application names of the desktop application (Qt's names for its
#: settings and folders).
ORGANIZATION = "EV Explorer"
APPLICATION = "EV Explorer"
#: Environment variable naming another application-data folder (for tests and portable use).
DATA_DIR_VARIABLE = "EVEXPLORER_DATA_DIR"
#: Sub-folder of the application-data folder that holds the recovery copies.
RECOVERY_FOLDER = "recovery"
#: Start of every recovery copy's name.
PREFIX = "unsaved-"
#: Version of the index entries written here.
INDEX_FORMAT = 1
#: Largest index entry read [bytes]; anything larger is not one of ours.
_MAX_INDEX_BYTES = 1 << 20


# -- where -------------------------------------------------------------------------------------

def app_data_dir(organization: str = ORGANIZATION, application: str = APPLICATION, *,
                 environ: Mapping[str, str] | None = None,
                 platform: str | None = None) -> Path:
    """The application-data folder, as Qt's ``QStandardPaths.AppDataLocation`` gives it.

    - Linux and other Unix systems: ``$XDG_DATA_HOME`` if it is an absolute
      path, else ``$HOME/.local/share`` (``/`` if ``HOME`` is unset), then
      ``/ORGANIZATION/APPLICATION``;
    - macOS: ``~/Library/Application Support/ORGANIZATION/APPLICATION``;
    - Windows: the user's roaming application data (``FOLDERID_RoamingAppData``,
      normally ``%APPDATA%``), then ``/ORGANIZATION/APPLICATION``.

    Parameters
    ----------
    organization, application : str
        The names the application gives Qt; an empty name is left out, as Qt does.
    environ : Mapping[str, str], optional
        Environment variables (default: this process's).
    platform : str, optional
        ``sys.platform`` value to compute the folder for (default: this one's).

    Returns
    -------
    Path
        The folder (it may not exist yet).

    References
    ----------
    Qt 6 documentation, ``QStandardPaths::StandardLocation`` (AppDataLocation);
    XDG Base Directory Specification 0.8 (``XDG_DATA_HOME``).
    """
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if system == "win32":
        base = _windows_roaming_app_data(env).replace("\\", "/")
    elif system == "darwin":
        base = f"{_macos_home(env)}/Library/Application Support"
    else:
        base = env.get("XDG_DATA_HOME", "")
        if not base.startswith("/"):  # a relative path is ignored, as the specification says
            base = f"{_unix_home(env)}/.local/share"
    for name in (organization, application):
        if name:
            base += f"/{name}"
    return Path(base)


def _unix_home(env: Mapping[str, str]) -> str:
    """``QDir::homePath()`` on Unix: ``$HOME`` cleaned, else the root."""
    home = env.get("HOME", "")
    if not home:
        return "/"
    cleaned = posixpath.normpath(home)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _macos_home(env: Mapping[str, str]) -> str:
    """The home folder as Core Foundation finds it: ``CFFIXED_USER_HOME``, the account, ``HOME``."""
    fixed = env.get("CFFIXED_USER_HOME")
    if fixed:
        return fixed.rstrip("/") or "/"
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir.rstrip("/") or "/"
    except (ImportError, KeyError, OSError):
        return _unix_home(env)


def _windows_roaming_app_data(env: Mapping[str, str]) -> str:
    """The roaming application-data folder (``SHGetKnownFolderPath``), else ``%APPDATA%``."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes
        from ctypes import wintypes

        class _Guid(ctypes.Structure):
            _fields_ = [("data1", wintypes.DWORD), ("data2", wintypes.WORD),
                        ("data3", wintypes.WORD), ("data4", ctypes.c_ubyte * 8)]

        # FOLDERID_RoamingAppData {3EB685DB-65F9-4CF6-A03A-E3EF65729F3D}
        folder_id = _Guid(0x3EB685DB, 0x65F9, 0x4CF6,
                          (ctypes.c_ubyte * 8)(0xA0, 0x3A, 0xE3, 0xEF, 0x65, 0x72, 0x9F, 0x3D))
        found = ctypes.c_wchar_p()
        shell32 = ctypes.windll.shell32
        if shell32.SHGetKnownFolderPath(ctypes.byref(folder_id), 0, None,
                                        ctypes.byref(found)) == 0:
            try:
                return str(found.value)
            finally:
                ctypes.windll.ole32.CoTaskMemFree(found)
    return env.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder where EV Explorer keeps its data: :data:`DATA_DIR_VARIABLE` if set, else
    :func:`app_data_dir`."""
    env = os.environ if environ is None else environ
    chosen = env.get(DATA_DIR_VARIABLE)
    return Path(chosen) if chosen else app_data_dir(environ=env)


def recovery_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the recovery copies (it may not exist yet)."""
    return data_dir(environ) / RECOVERY_FOLDER


# -- what ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecoveryCopy:
    """One recovery copy of unsaved work.

    Attributes
    ----------
    key : str
        The name of the copy without its suffix (``unsaved-XXXXXXXXXXXX``).
    path : str
        The copy itself, a scenario file.
    original : str or None
        The file the work belongs to; None for a scenario that was never saved.
    saved_at : str
        When the copy was written, ISO 8601 in UTC (``2025-11-23T13:06:00Z``).
    title : str
        The scenario's title ("" if it has none or the index entry is missing).
    pid : int or None
        The process that wrote it.
    host : str or None
        The computer that process ran on.
    started : int or None
        When that process started, in the system's own clock ticks (Linux), to
        tell it from a later process with the same number.
    fingerprint : FileFingerprint or None
        What ``original`` was when the work began (for the check before saving).
    """

    key: str
    path: str
    original: str | None
    saved_at: str
    title: str
    pid: int | None = None
    host: str | None = None
    started: int | None = None
    fingerprint: FileFingerprint | None = None

    @property
    def index_path(self) -> str:
        """The copy's index entry (``.json`` beside it)."""
        return str(Path(self.path).with_suffix(".json"))

    def record(self) -> dict[str, Any]:
        """``{"path", "original", "saved_at", "title"}``, as ``evexplorer recover --list --json``
        prints it."""
        return {"path": self.path, "original": self.original, "saved_at": self.saved_at,
                "title": self.title}


def new_key() -> str:
    """A fresh name for one window's recovery copy."""
    return f"{PREFIX}{secrets.token_hex(6)}"


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_copy(session: Session, key: str, folder: str | os.PathLike[str] | None = None,
               ) -> RecoveryCopy:
    """Write (or replace) the recovery copy ``key`` of the scenario in ``session``.

    The scenario file is written first, then its index entry, each atomically:
    whenever the process dies, the previous copy or the new one is complete.
    The session is not changed (it stays unsaved).

    Parameters
    ----------
    session : evexplorer.session.Session
        The working set whose scenario is copied.
    key : str
        The copy's name (:func:`new_key`), the same for every copy of one window.
    folder : str or path-like, optional
        Where to write (default :func:`recovery_dir`); created if missing.

    Returns
    -------
    RecoveryCopy

    Raises
    ------
    evexplorer.scenario.ScenarioFileError
        If the copy cannot be written (one sentence; the previous copy is kept).
    """
    from . import scenario
    from .session import SAVED_ARGUMENTS

    where = Path(folder) if folder is not None else recovery_dir()
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise scenario.ScenarioFileError(
            f"The recovery folder '{where}' cannot be created ({exc.strerror or exc}).",
            "no-folder") from None
    arguments = {k: v for k, v in session.save_arguments().items() if k in SAVED_ARGUMENTS}
    copy_path = where / f"{key}.evx"
    scenario.save_scenario(copy_path, dict(session.values), session.results, **arguments)
    copy = RecoveryCopy(key=key, path=str(copy_path), original=session.path,
                        saved_at=_utc_now(), title=str(arguments.get("title") or ""),
                        pid=os.getpid(), host=socket.gethostname(),
                        started=_process_started(os.getpid()),
                        fingerprint=session.file_fingerprint)
    entry = {"format": INDEX_FORMAT, "copy": copy_path.name, "original": copy.original,
             "saved_at": copy.saved_at, "title": copy.title, "pid": copy.pid,
             "host": copy.host, "started": copy.started,
             "fingerprint": None if copy.fingerprint is None else {
                 "size": copy.fingerprint.size, "mtime_ns": copy.fingerprint.mtime_ns,
                 "sha256": copy.fingerprint.sha256}}
    data = json.dumps(entry, ensure_ascii=False, indent=1).encode("utf-8")
    try:
        write_atomically(copy.index_path, data, verb="write")
    except WriteError as exc:
        raise scenario.ScenarioFileError(str(exc), exc.code) from None
    return copy


# -- listing and clearing ------------------------------------------------------------------------

def list_copies(folder: str | os.PathLike[str] | None = None) -> list[RecoveryCopy]:
    """Every recovery copy in ``folder`` (default :func:`recovery_dir`), newest first.

    A copy whose index entry is missing or unreadable (the process died between
    writing the two) is listed with the time of the file, no original and no
    title; an index entry without its copy is left out.
    """
    where = Path(folder) if folder is not None else recovery_dir()
    try:
        names = [e.name for e in os.scandir(where) if e.is_file(follow_symlinks=False)]
    except OSError:
        return []
    copies = []
    for name in names:
        if not (name.startswith(PREFIX) and name.endswith(".evx")):
            continue
        copy = _read_entry(where / name)
        if copy is not None:
            copies.append(copy)
    copies.sort(key=lambda c: (c.saved_at, _mtime_ns(c.path)), reverse=True)
    return copies


def _mtime_ns(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _read_entry(copy_path: Path) -> RecoveryCopy | None:
    key = copy_path.stem
    try:
        info = copy_path.stat()
    except OSError:
        return None
    fallback = RecoveryCopy(key=key, path=str(copy_path), original=None,
                            saved_at=datetime.fromtimestamp(info.st_mtime, UTC)
                            .strftime("%Y-%m-%dT%H:%M:%SZ"), title="")
    try:
        with open(copy_path.with_suffix(".json"), "rb") as fh:
            entry = json.loads(fh.read(_MAX_INDEX_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return fallback
    if not isinstance(entry, dict) or entry.get("copy") != copy_path.name:
        return fallback
    try:
        return RecoveryCopy(
            key=key, path=str(copy_path), original=_optional(entry.get("original"), str),
            saved_at=_time(entry.get("saved_at")) or fallback.saved_at,
            title=_optional(entry.get("title"), str) or "",
            pid=_optional(entry.get("pid"), int), host=_optional(entry.get("host"), str),
            started=_optional(entry.get("started"), int),
            fingerprint=_fingerprint(entry.get("fingerprint")))
    except (TypeError, ValueError):
        return fallback


def _optional(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"not a whole number: {value!r}")
    if not isinstance(value, kind):
        raise TypeError(f"not a {kind.__name__}: {value!r}")
    return value


def _time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fingerprint(value: Any) -> FileFingerprint | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("not a fingerprint")
    return FileFingerprint(size=_optional(value["size"], int),
                           mtime_ns=_optional(value["mtime_ns"], int),
                           sha256=_optional(value["sha256"], str))


def is_running(copy: RecoveryCopy) -> bool:
    """True if the process that wrote ``copy`` is still running on this computer.

    Its window then keeps the copy up to date; it is not offered for restoring.
    """
    if copy.pid is None or copy.host != socket.gethostname():
        return False
    if copy.pid == os.getpid():
        return copy.started is None or copy.started == _process_started(copy.pid)
    if not _process_alive(copy.pid):
        return False
    started = _process_started(copy.pid)
    return copy.started is None or started is None or started == copy.started


def orphaned_copies(folder: str | os.PathLike[str] | None = None) -> list[RecoveryCopy]:
    """The copies left behind by processes that are gone (what a start offers), newest first."""
    return [c for c in list_copies(folder) if not is_running(c)]


def remove_copy(copy: RecoveryCopy) -> bool:
    """Remove a recovery copy and its index entry; True if the copy was there."""
    removed = False
    for name in (copy.path, copy.index_path):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
            removed = removed or name == copy.path
    return removed


def clear_copies(folder: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """Remove the recovery copies of processes that are gone.

    Returns
    -------
    tuple of int
        The number of copies removed, and of copies kept because the EV
        Explorer that wrote them is still running (its windows keep them up to
        date and remove them when their work is saved or discarded).

    Raises
    ------
    OSError
        If a copy cannot be removed (e.g. the folder is read-only).
    """
    removed = kept = 0
    for copy in list_copies(folder):
        if is_running(copy):
            kept += 1
        elif remove_copy(copy):
            removed += 1
    where = Path(folder) if folder is not None else recovery_dir()
    with contextlib.suppress(OSError):  # index entries whose copy is gone
        for entry in os.scandir(where):
            if (entry.name.startswith(PREFIX) and entry.name.endswith(".json")
                    and not os.path.lexists(Path(entry.path).with_suffix(".evx"))):
                os.unlink(entry.path)
    return removed, kept


# -- processes -----------------------------------------------------------------------------------

def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return False
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process has that number
    except OSError:
        return False
    return True


def _process_started(pid: int) -> int | None:
    """When process ``pid`` started [clock ticks since boot] (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    try:  # the command name (2nd field) may hold spaces and parentheses: split after it
        return int(text[text.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None
