"""Writing a file all or nothing: a temporary file in the same folder, fsync, then rename.

Standard library only, so that every layer can use it: the scenario writer, the
exports and the command line. A failure at any point leaves the previous file
as it was and no temporary file behind.

The temporary file is called ``.NAME.XXXXXXXX.tmp`` (``NAME`` the target's
name, ``XXXXXXXX`` eight random hexadecimal digits) and is locked (``flock``,
POSIX) while it is written. A process killed half-way through a write leaves
it behind; the next write into that folder removes such leftovers once they
are more than :data:`STALE_SECONDS` old and no process holds their lock.
Nothing else is ever removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an open file cannot be removed anyway
    fcntl = None

#: Age after which an unlocked temporary file of ours is a leftover of a killed write [s].
STALE_SECONDS = 60.0
#: Name of a temporary file of ours: ``.NAME.XXXXXXXX.tmp`` with eight lowercase hex digits.
TEMPORARY_NAME = re.compile(r"\..+\.[0-9a-f]{8}\.tmp", re.DOTALL)


class WriteError(Exception):
    """A file that could not be written; ``str(exc)`` is one sentence for the user.

    Parameters
    ----------
    message : str
        The sentence shown to the user.
    code : str
        Machine-readable reason, e.g. ``"disk-full"``, ``"read-only"``,
        ``"file-protected"``, ``"too-large"``, ``"no-folder"``.
    """

    def __init__(self, message: str, code: str = "io") -> None:
        super().__init__(message)
        self.code = code


def write_atomically(path: str | os.PathLike[str], data: bytes, *, verb: str = "write",
                     before_replace: Callable[[], None] | None = None) -> os.stat_result:
    """Replace ``path`` by a file holding ``data``, all or nothing.

    Parameters
    ----------
    path : str or path-like
        The target file.
    data : bytes
        Its whole new content.
    verb : str
        What the user was doing, for the message: ``"save"``, ``"write"``, ``"export"``.
    before_replace : callable, optional
        Called with no arguments once the new content is safely on disk, just
        before it replaces ``path`` (e.g. to check that nobody changed ``path``
        meanwhile). If it raises, nothing is replaced, the temporary file is
        removed and the exception propagates unchanged.

    Returns
    -------
    os.stat_result
        The written file's status (size, modification time [ns], ...), taken
        before the rename, which changes neither.

    Raises
    ------
    WriteError
        If anything fails; the previous file is then unchanged and no temporary
        file is left behind.
    """
    target = _Target(path, verb)
    with target.stream(before_replace=before_replace) as stream:
        _write_all(stream.fileno(), data)
    return target.written


@contextlib.contextmanager
def atomic_stream(path: str | os.PathLike[str], *, verb: str = "write", text: bool = False,
                  encoding: str = "utf-8", newline: str | None = None,
                  before_replace: Callable[[], None] | None = None) -> Iterator[IO[Any]]:
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
    before_replace : callable, optional
        As for :func:`write_atomically`.

    Raises
    ------
    WriteError
        If the file cannot be created, written or moved into place (an
        :class:`OSError` raised inside the block counts too); the previous file
        is then unchanged and no temporary file is left behind. Any other
        exception raised inside the block propagates unchanged, with the same
        guarantee.
    """
    with _Target(path, verb).stream(text=text, encoding=encoding, newline=newline,
                                    before_replace=before_replace) as stream:
        yield stream


class _Target:
    """One atomic replacement of a file: where it goes, what to say when it fails."""

    def __init__(self, path: str | os.PathLike[str], verb: str) -> None:
        given = os.fspath(path)
        self.target = os.path.realpath(given)
        self.folder, self.base = os.path.split(self.target)
        self.shown = os.path.basename(given) or self.base
        self.verb = verb
        self.written: os.stat_result | None = None

    @contextlib.contextmanager
    def stream(self, *, text: bool = False, encoding: str = "utf-8", newline: str | None = None,
               before_replace: Callable[[], None] | None = None) -> Iterator[IO[Any]]:
        existed = os.path.lexists(self.target)
        if os.path.isdir(self.target):
            raise WriteError(f"Cannot {self.verb} '{self.shown}': it is a folder.", "not-a-file")
        remove_stale_temporaries(self.folder)
        temp = None
        step = "create"
        try:
            fd, temp = _create_temporary(self.folder, self.base)
            step = "write"
            mode = "w" if text else "wb"
            kwargs = {"encoding": encoding, "newline": newline} if text else {}
            with os.fdopen(fd, mode, **kwargs) as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
                self.written = os.fstat(stream.fileno())
            if existed:
                _copy_permissions(self.target, temp)
            if before_replace is not None:
                before_replace()
            step = "replace"
            os.replace(temp, self.target)
            temp = None
        except OSError as exc:
            raise self._error(exc, step, existed) from None
        finally:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
        _sync_folder(self.folder)

    def _error(self, exc: OSError, step: str, existed: bool) -> WriteError:
        verb, shown = self.verb, self.shown
        done = "saved" if verb == "save" else "written"
        kept = "the previous file is unchanged" if existed else f"nothing was {done}"
        code = exc.errno
        if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return WriteError(f"Cannot {verb} '{shown}': the disk is full; {kept}.", "disk-full")
        if code == errno.EFBIG:
            return WriteError(
                f"Cannot {verb} '{shown}': the file would be larger than this disk or your "
                f"account allows; {kept}.", "too-large")
        if code == errno.EROFS:
            return WriteError(f"Cannot {verb} '{shown}': the disk is read-only; {kept}.",
                              "read-only")
        if code in (errno.EACCES, errno.EPERM):
            if step == "replace" and existed:
                # The folder took the new file, so it is the old file that may not be replaced.
                return WriteError(
                    f"Cannot {verb} '{shown}': the file is protected against changes (it may "
                    f"be marked immutable or belong to another user); {kept}.", "file-protected")
            return WriteError(
                f"Cannot {verb} '{shown}': the folder is read-only or you may not write there; "
                f"{kept}.", "read-only")
        if code in (errno.ENOENT, errno.ENOTDIR):
            return self._missing_folder_error()
        if code == errno.ENAMETOOLONG:
            return WriteError(f"Cannot {verb} '{shown}': the name is too long.", "bad-name")
        return WriteError(f"Cannot {verb} '{shown}' ({exc.strerror or exc}); {kept}.", "io")

    def _missing_folder_error(self) -> WriteError:
        verb, shown, folder = self.verb, self.shown, self.folder
        if os.path.isdir(folder):
            # It exists but refuses new files, as system folders such as /proc do.
            return WriteError(
                f"Cannot {verb} '{shown}': files cannot be created in the folder '{folder}'.",
                "cannot-create")
        parent = folder  # the nearest existing ancestor: a file there explains the failure
        while not os.path.lexists(parent):
            up = os.path.dirname(parent)
            if up == parent:
                break
            parent = up
        if os.path.lexists(parent) and not os.path.isdir(parent):
            return WriteError(f"Cannot {verb} '{shown}': '{parent}' is a file, not a folder.",
                              "no-folder")
        return WriteError(f"Cannot {verb} '{shown}': the folder '{folder}' does not exist.",
                          "no-folder")


def remove_stale_temporaries(folder: str | os.PathLike[str], *,
                             older_than: float = STALE_SECONDS) -> list[str]:
    """Remove the leftovers of killed writes from ``folder``; best effort, never raises.

    Only regular files named like this module's temporary files
    (:data:`TEMPORARY_NAME`), last modified more than ``older_than`` seconds ago
    and not locked by a writer that is still running, are removed.

    Parameters
    ----------
    folder : str or path-like
        The folder to clean.
    older_than : float
        Minimum age of a leftover [s].

    Returns
    -------
    list of str
        Names of the files removed.
    """
    removed: list[str] = []
    limit = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.endswith(".tmp") and TEMPORARY_NAME.fullmatch(entry.name)):
            continue
        try:
            if _remove_if_stale(entry, limit):
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _remove_if_stale(entry: os.DirEntry[str], limit: float) -> bool:
    info = entry.stat(follow_symlinks=False)
    if not stat.S_ISREG(info.st_mode) or info.st_mtime >= limit:
        return False
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(entry.path, flags)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a writer holds it: not a leftover
        opened = os.fstat(fd)
        now = os.lstat(entry.path)
        if (opened.st_ino, opened.st_dev) != (now.st_ino, now.st_dev):
            return False  # replaced meanwhile
        os.unlink(entry.path)
        return True
    finally:
        os.close(fd)


def _create_temporary(folder: str, base: str) -> tuple[int, str]:
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _attempt in range(100):
        temp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # no locks here (some network file systems): the age rule still holds
        return fd, temp
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
