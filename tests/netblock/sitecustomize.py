"""Loaded by every `python -m qa.cli` the tests start (via PYTHONPATH): network sockets fail, Unix sockets work.

pytest-socket guards the test process only; this guards the children, so "no network at run time" covers the CLI.
"""

from __future__ import annotations

import socket

_real_socket = socket.socket


class _NoNetwork(OSError):
    pass


class _GuardedSocket(_real_socket):
    def __init__(self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None) -> None:
        if fileno is None and family != socket.AF_UNIX:
            raise _NoNetwork(f"network access blocked in tests (socket family {family})")
        super().__init__(family, type, proto, fileno)


def _blocked(*args: object, **kwargs: object) -> object:
    raise _NoNetwork("network access blocked in tests (name lookup)")


socket.socket = _GuardedSocket  # type: ignore[misc]
socket.getaddrinfo = _blocked  # type: ignore[assignment]
socket.gethostbyname = _blocked  # type: ignore[assignment]
socket.create_connection = _blocked  # type: ignore[assignment]
