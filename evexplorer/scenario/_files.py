"""Reading a received file's bytes, with the checks that need no HDF5, and fingerprints of
files on disk (standard library only)."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass

from . import format as fmt
from .errors import ScenarioFileError

_O_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0))
#: Reads of a file that keeps changing before giving up.
_READ_ATTEMPTS = 3


@dataclass(frozen=True)
class FileFingerprint:
    """A file as it was when it was opened or saved, to tell later whether it changed on disk.

    Attributes
    ----------
    size : int
        Length of the file [bytes].
    mtime_ns : int
        Its modification time [ns since the epoch].
    sha256 : str
        Lowercase hexadecimal SHA-256 of its bytes.
    """

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, data: bytes, info: os.stat_result) -> FileFingerprint:
        """The fingerprint of ``data`` as the file described by ``info`` holds it."""
        return cls(len(data), info.st_mtime_ns, hashlib.sha256(data).hexdigest())


def read_scenario_file(path: str | os.PathLike[str]) -> tuple[bytes, FileFingerprint]:
    """Return the bytes of a would-be scenario file and their fingerprint.

    The file is opened, read and closed here; it is never kept open. A file that
    changes while it is read (its size or time differ before and after) is read
    again.

    Parameters
    ----------
    path : str or path-like
        The file.

    Raises
    ------
    ScenarioFileError
        If the file is missing, unreadable, not a regular file, empty, larger
        than :data:`~.format.MAX_FILE_BYTES`, not an HDF5 file, or kept changing.
    """
    for _attempt in range(_READ_ATTEMPTS):
        data, before, after = _read(os.fspath(path), fmt.MAX_FILE_BYTES + 1)
        if ((before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
                and len(data) == after.st_size):
            check_size(len(data))
            check_signature(data)
            return data, FileFingerprint.of(data, after)
    raise ScenarioFileError(
        f"The file '{os.fspath(path)}' kept changing while it was being read; try again once "
        "the program writing it has finished.", "changing")


def read_scenario_bytes(path: str | os.PathLike[str]) -> bytes:
    """Return the bytes of a would-be scenario file, refusing what cannot be one.

    Raises
    ------
    ScenarioFileError
        As :func:`read_scenario_file`.
    """
    return read_scenario_file(path)[0]


def _read(name: str, wanted: int) -> tuple[bytes, os.stat_result, os.stat_result]:
    try:
        fd = os.open(name, _O_FLAGS)
    except OSError as exc:
        raise _open_error(exc, name) from None
    try:
        before = os.fstat(fd)
        if stat.S_ISDIR(before.st_mode):
            raise ScenarioFileError(f"The folder '{name}' is not a scenario file.", "not-a-file")
        if not stat.S_ISREG(before.st_mode):
            raise ScenarioFileError(
                f"The path '{name}' is not a regular file, so it holds no scenario.", "not-a-file")
        check_size(before.st_size)
        chunks = []
        got = 0
        while got < wanted:
            chunk = os.read(fd, min(wanted - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        after = os.fstat(fd)
    except OSError as exc:
        raise ScenarioFileError(f"The file '{name}' could not be read ({exc.strerror or exc}).",
                                "io") from None
    finally:
        os.close(fd)
    return b"".join(chunks), before, after


def check_unchanged(path: str | os.PathLike[str], expected: FileFingerprint) -> None:
    """Refuse if the file at ``path`` is no longer the one fingerprinted as ``expected``.

    The file counts as changed if it is gone, or if its bytes differ (a file
    that was only touched, with the same bytes, has not changed). Only a file
    of the expected size is read.

    Parameters
    ----------
    path : str or path-like
        The file.
    expected : FileFingerprint
        What it was when it was opened or last saved.

    Raises
    ------
    ScenarioFileError
        With ``code == "changed-on-disk"`` and one sentence, if it changed or can
        no longer be read.
    """
    name = os.fspath(path)
    shown = os.path.basename(name) or name
    try:
        info = os.stat(name)
        if info.st_size != expected.size:
            changed = True
        else:
            with open(name, "rb") as fh:
                changed = hashlib.sha256(fh.read(expected.size + 1)).hexdigest() != expected.sha256
    except FileNotFoundError:
        raise ScenarioFileError(
            f"The file '{shown}' was deleted or moved by another program since it was opened; "
            "nothing was saved.", "changed-on-disk") from None
    except OSError as exc:
        raise ScenarioFileError(
            f"The file '{shown}' can no longer be read ({exc.strerror or exc}), so EV Explorer "
            "cannot tell whether another program changed it; nothing was saved.",
            "changed-on-disk") from None
    if changed:
        raise ScenarioFileError(
            f"The file '{shown}' was changed by another program since it was opened; nothing "
            "was saved.", "changed-on-disk")


def check_size(size: int) -> None:
    """Refuse an empty file or one larger than any scenario."""
    if size == 0:
        raise ScenarioFileError("This file is empty (0 bytes), so it holds no scenario.", "empty")
    if size > fmt.MAX_FILE_BYTES:
        raise ScenarioFileError(
            f"This file is {fmt.size_text(size)}, far larger than any scenario "
            f"(at most {fmt.size_text(fmt.MAX_FILE_BYTES)}), so it was not opened.",
            "file-too-large")


def check_signature(data: bytes) -> None:
    """Refuse bytes that do not start like an HDF5 file."""
    if not data.startswith(fmt.HDF5_SIGNATURE):
        raise ScenarioFileError(
            "This file is not an EV Explorer scenario (it is not an HDF5 file).", "not-hdf5")


def _open_error(exc: OSError, name: str) -> ScenarioFileError:
    if exc.errno == errno.ENOENT:
        return ScenarioFileError(f"The file '{name}' does not exist.", "not-found")
    if exc.errno == errno.ENOTDIR:
        return ScenarioFileError(f"The file '{name}' does not exist (a part of its path is a "
                                 "file, not a folder).", "not-found")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ScenarioFileError(f"EV Explorer is not allowed to read '{name}'.", "permission")
    if exc.errno == errno.EISDIR:
        return ScenarioFileError(f"The folder '{name}' is not a scenario file.", "not-a-file")
    return ScenarioFileError(f"The file '{name}' could not be opened ({exc.strerror or exc}).",
                             "io")
