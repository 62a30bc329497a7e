"""One EV Explorer per user: a second start hands its files to the running one.

Double-clicking a scenario while EV Explorer runs starts a second process (that
is what a file association does). That process connects to the running one
through a local socket (``QLocalServer``/``QLocalSocket``; a Unix-domain socket
or a Windows named pipe), sends the absolute paths of its files, waits for the
answer and exits; the running application opens them (see
:class:`~evexplorer.app.windows.WindowManager` for where).

- The socket's name is per user and per data folder (:func:`server_name`), and
  only its owner may connect (``UserAccessOption``).
- A socket left behind by a crashed instance answers nobody: the new process
  removes it and listens in its place.
- A running instance that accepts the connection but does not answer within
  the timeout (busy or hung) is left alone: the new process opens its files in
  its own window without taking over the socket.
- The check and the take-over happen under a lock file (``QLockFile``, which
  recognises a lock left by a dead process), so that two processes started at
  the same moment do not both become the running one.

Message (UTF-8, one line each way): ``{"protocol": 1, "open": [path, ...]}``,
answered ``ok``. An empty list asks the running instance to show itself.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from .. import recovery

#: Version of the message sent between instances.
PROTOCOL = 1
#: Longest message accepted [bytes].
MAX_MESSAGE_BYTES = 1 << 20
#: Time to connect to a running instance and to get its answer [ms].
TIMEOUT_MS = 5000


def server_name(folder: str | os.PathLike[str] | None = None) -> str:
    """The running instance's socket name: per user and per data folder.

    Parameters
    ----------
    folder : str or path-like, optional
        The data folder (default :func:`evexplorer.recovery.data_dir`).
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError, ImportError):
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    where = str(folder if folder is not None else recovery.data_dir())
    digest = hashlib.sha256(f"{user}\0{where}".encode()).hexdigest()[:16]
    return f"evexplorer-{digest}"


class SingleInstance(QObject):
    """Hands files to the running instance, or becomes it.

    Parameters
    ----------
    name : str, optional
        Socket name (default :func:`server_name`).
    parent : QObject, optional
    """

    #: Files handed over by a later start (absolute paths; empty: show yourself).
    files_received = Signal(list)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self.server: QLocalServer | None = None
        self._clients: dict[QLocalSocket, bytearray] = {}

    @property
    def listening(self) -> bool:
        """True if this process is the running instance."""
        return self.server is not None and self.server.isListening()

    def start(self, paths: list[str], timeout_ms: int = TIMEOUT_MS) -> bool:
        """Hand ``paths`` to a running instance, or become the running instance.

        Parameters
        ----------
        paths : list of str
            Files to open (made absolute here).
        timeout_ms : int
            Longest wait for a running instance's answer [ms].

        Returns
        -------
        bool
            True if a running instance took the files (this process should exit);
            False if this process opens them itself (and, unless a running
            instance failed to answer, now receives later starts' files).
        """
        absolute = [str(Path(p).absolute()) for p in paths]
        lock = QLockFile(str(Path(QDir.tempPath()) / f"{self.name}.lock"))
        locked = lock.tryLock(timeout_ms)
        try:
            answer = self.hand_over(absolute, timeout_ms)
            if answer is True:
                return True
            if answer is None:  # nobody there (or a dead instance's socket): take over
                self.listen()
            return False
        finally:
            if locked:
                lock.unlock()

    def hand_over(self, paths: list[str], timeout_ms: int = TIMEOUT_MS) -> bool | None:
        """Send ``paths`` to the running instance.

        Returns
        -------
        bool or None
            True if it answered; False if it accepted the connection but did not
            answer in time; None if no instance is listening.
        """
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(min(timeout_ms, 1000)):
            return None
        message = json.dumps({"protocol": PROTOCOL, "open": paths}).encode("utf-8") + b"\n"
        socket.write(message)
        socket.waitForBytesWritten(timeout_ms)
        reply = bytearray()
        while b"\n" not in reply and len(reply) < 64:
            if not socket.waitForReadyRead(timeout_ms):
                break
            reply += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        return reply.strip() == b"ok"

    def listen(self) -> bool:
        """Listen for later starts; True if this process now receives their files.

        A socket file left by an instance that no longer answers is removed first.
        """
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            if server.serverError() != QLocalSocket.LocalSocketError.AddressInUseError:
                return False
            QLocalServer.removeServer(self.name)  # a crashed instance's socket
            if not server.listen(self.name):
                return False
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def close(self) -> None:
        """Stop receiving files (the socket is removed)."""
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_connection(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._clients[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QLocalSocket) -> None:
        self._clients.pop(socket, None)
        socket.deleteLater()

    def _on_ready(self, socket: QLocalSocket) -> None:
        buffer = self._clients.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_MESSAGE_BYTES:
            socket.abort()
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer.split(b"\n", 1)[0])
        paths = _paths(line)
        if paths is None:
            socket.write(b"error\n")
        else:
            socket.write(b"ok\n")
            # Opened once the answer is on its way: opening may ask questions.
            QTimer.singleShot(0, lambda p=paths: self.files_received.emit(p))
        socket.flush()
        socket.disconnectFromServer()


def _paths(line: bytes) -> list[str] | None:
    """The paths of a message, or None if it is not one."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(message, dict) or message.get("protocol") != PROTOCOL:
        return None
    paths = message.get("open")
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        return None
    return paths
