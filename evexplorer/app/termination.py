"""Requests to end the application from outside: POSIX signals, delivered to the event loop.

A signal handler must not run Qt code: Python runs its handlers between two
bytecodes of whatever the main thread was doing, possibly inside Qt. So the
handlers here do nothing; :func:`signal.set_wakeup_fd` makes the interpreter
write the signal's number to one end of a socket pair, and a
``QSocketNotifier`` on the other end wakes the event loop, which emits
:attr:`SignalWakeup.received` from ordinary, safe code. The window manager
answers SIGTERM (log-out, shutdown, ``kill``), SIGHUP (the terminal closed) and
SIGINT (Ctrl+C) as it answers a close: recovery copies first, then the
unsaved-changes question.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

#: The signals that ask the application to end, where the system has them.
TERMINATION_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: the wake-up byte does the work, in the event loop."""


class SignalWakeup(QObject):
    """Turns POSIX signals into a Qt signal emitted from the event loop.

    Install it in the main thread once the application exists; :meth:`close`
    puts the previous handlers back.

    Parameters
    ----------
    signals : iterable of int
        The signals to catch (default :data:`TERMINATION_SIGNALS`).
    parent : QObject, optional
    """

    #: A caught signal's number, emitted from the event loop.
    received = Signal(int)

    def __init__(self, signals: Iterable[int] = TERMINATION_SIGNALS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(),
                                                 warn_on_full_buffer=False)
        self._previous: dict[int, Any] = {}
        for number in signals:
            self._previous[number] = signal.signal(number, _ignore)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    @property
    def signals(self) -> tuple[int, ...]:
        """The signals caught."""
        return tuple(self._previous)

    def _drain(self) -> None:
        try:
            data = self._reader.recv(256)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._notifier.setEnabled(False)
            return
        for number in data:
            if number in self._previous:
                self.received.emit(number)

    def close(self) -> None:
        """Restore the previous handlers and wake-up descriptor."""
        if self._reader is None:
            return
        self._notifier.setEnabled(False)
        for number, handler in self._previous.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(number, signal.SIG_DFL if handler is None else handler)
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()
        self._reader = None
