"""Writing a file all or nothing: a temporary file in the same folder, fsync, then rename.

Standard library only, so that every layer can use it: the scenario writer, the
exports and the command line. A failure at any point leaves the previous file
as it was and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat


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

    The bytes go to a new temporary file in the same folder, which is flushed,
    fsynced and then moved over ``path`` with :func:`os.replace` (atomic on the
    same file system); a symbolic link is followed to its target. A new file
    gets the usual permissions; a replaced one keeps its own.

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
    target = os.path.realpath(os.fspath(path))
    folder, base = os.path.split(target)
    shown = os.path.basename(os.fspath(path)) or base
    existed = os.path.lexists(target)
    if os.path.isdir(target):
        raise WriteError(f"Cannot {verb} '{shown}': it is a folder.", "not-a-file")
    temp = None
    try:
        fd, temp = _create_temporary(folder, base)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
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
