"""Reading a received file's bytes, with the checks that need no HDF5 (standard library only)."""

from __future__ import annotations

import errno
import os
import stat

from . import format as fmt
from .errors import ScenarioFileError

_O_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0))


def read_scenario_bytes(path: str | os.PathLike[str], *, header_only: bool = False) -> bytes:
    """Return the bytes of a would-be scenario file, refusing what cannot be one.

    The file is opened, read and closed here; it is never kept open.

    Parameters
    ----------
    path : str or path-like
        The file.
    header_only : bool
        Read only the first bytes (for a quick check before the full parse).

    Raises
    ------
    ScenarioFileError
        If the file is missing, unreadable, not a regular file, empty, larger
        than :data:`~.format.MAX_FILE_BYTES` or not an HDF5 file.
    """
    name = os.fspath(path)
    shown = os.path.basename(name) or name
    try:
        fd = os.open(name, _O_FLAGS)
    except OSError as exc:
        raise _open_error(exc, shown) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioFileError(f"The path '{shown}' is a folder, not a scenario file.",
                                    "not-a-file")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioFileError(
                f"The path '{shown}' is not a regular file, so it holds no scenario.", "not-a-file")
        check_size(info.st_size)
        wanted = len(fmt.HDF5_SIGNATURE) if header_only else fmt.MAX_FILE_BYTES + 1
        chunks = []
        got = 0
        while got < wanted:
            chunk = os.read(fd, min(wanted - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise ScenarioFileError(f"The file '{shown}' could not be read ({exc.strerror or exc}).",
                                "io") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if not header_only:
        check_size(len(data))
    check_signature(data)
    return data


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


def _open_error(exc: OSError, shown: str) -> ScenarioFileError:
    if exc.errno == errno.ENOENT:
        return ScenarioFileError(f"The file '{shown}' does not exist.", "not-found")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ScenarioFileError(f"EV Explorer is not allowed to read '{shown}'.", "permission")
    if exc.errno == errno.EISDIR:
        return ScenarioFileError(f"The path '{shown}' is a folder, not a scenario file.",
                                 "not-a-file")
    return ScenarioFileError(f"The file '{shown}' could not be opened ({exc.strerror or exc}).",
                             "io")
