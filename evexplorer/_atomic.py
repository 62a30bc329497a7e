"""Writing a file all or nothing: a temporary file in the same folder, fsync, then rename.

Standard library only, so that every layer can use it: the scenario writer, the
exports and the command line. A failure at any point leaves the previous file
as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from typing import IO, Any


class WriteError(Exception):
    """A file that could not be written; ``str(exc)`` is one sentence for the user.

    Parameters
    ----------
    message : str
        The sentence shown to the user.
    code : str
        Machine-readable reason, e.g. ``"disk-full"`` or ``"read-only"``.
    """

    def __init__(self, message: str, code: str = "io") -> None:
        super().__init__(message)
        self.code = code


def write_atomically(path: str | os.PathLike[str], data: bytes, *, verb: str = "write") -> None:
    """Replace ``path`` by a file holding ``data``, all or nothing.

    Parameters
    ----------
    path : str or path-like
        The target file.
    data : bytes
        Its whole new content.
    verb : str
        What the user was doing, for the message: ``"save"``, ``"write"``, ``"export"``.

    Raises
    ------
    WriteError
        If anything fails; the previous file is then unchanged and no temporary
        file is left behind.
    """
    with atomic_stream(path, verb=verb) as stream:
        _write_all(stream.fileno(), data)


@contextlib.contextmanager
def atomic_stream(path: str | os.PathLike[str], *, verb: str = "write", text: bool = False,
                  encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[Any]]:
    """A file object whose content replaces ``path`` only if the ``with`` block succeeds.

    What is written goes to a new temporary file in the same folder; when the
    block ends without an exception the file is flushed, fsynced and moved over
    ``path`` with :func:`os.replace` (atomic on the same file system). A symbolic
    link is followed to its target. A new file gets the usual permissions; a
    replaced one keeps its own. Large outputs can be streamed through it with
    bounded memory.

    Parameters
    ----------
    path : str or path-like
        The target file.
    verb : str
        What the user was doing, for the message: ``"save"``, ``"write"``, ``"export"``.
    text : bool
        Open the stream in text mode (with ``encoding`` and ``newline``) instead of binary.
    encoding, newline : str
        As for :func:`open`, in text mode.

    Raises
    ------
    WriteError
        If the file cannot be created, written or moved into place (an
        :class:`OSError` raised inside the block counts too); the previous file
        is then unchanged and no temporary file is left behind. Any other
        exception raised inside the block propagates unchanged, with the same
        guarantee.
    """
    target = os.path.realpath(os.fspath(path))
    folder, base = os.path.split(target)
    shown = os.path.basename(os.fspath(path)) or base
    existed = os.path.lexists(target)
    if os.path.isdir(target):
        raise WriteError(f"Cannot {verb} '{shown}': it is a folder.", "not-a-file")
    temp = None
    try:
        fd, temp = _create_temporary(folder, base)
        mode = "w" if text else "wb"
        kwargs = {"encoding": encoding, "newline": newline} if text else {}
        with os.fdopen(fd, mode, **kwargs) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if existed:
            _copy_permissions(target, temp)
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise _write_error(exc, verb, shown, folder, existed) from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
    _sync_folder(folder)


def _create_temporary(folder: str, base: str) -> tuple[int, str]:
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _attempt in range(100):
        temp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no free name for a temporary file")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "nothing was written")
        view = view[written:]


def _copy_permissions(source: str, destination: str) -> None:
    try:
        os.chmod(destination, stat.S_IMODE(os.stat(source).st_mode))
    except OSError:
        pass  # the default permissions are the next best thing


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); not needed for correctness, so best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(exc: OSError, verb: str, shown: str, folder: str, existed: bool) -> WriteError:
    done = "saved" if verb == "save" else "written"
    kept = "the previous file is unchanged" if existed else f"nothing was {done}"
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return WriteError(f"Cannot {verb} '{shown}': the disk is full; {kept}.", "disk-full")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WriteError(
            f"Cannot {verb} '{shown}': the folder is read-only or you may not write there; {kept}.",
            "read-only")
    if code in (errno.ENOENT, errno.ENOTDIR):
        return WriteError(f"Cannot {verb} '{shown}': the folder '{folder}' does not exist.",
                                 "no-folder")
    if code == errno.ENAMETOOLONG:
        return WriteError(f"Cannot {verb} '{shown}': the name is too long.", "bad-name")
    return WriteError(f"Cannot {verb} '{shown}' ({exc.strerror or exc}); {kept}.", "io")
