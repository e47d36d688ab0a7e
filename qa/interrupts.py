"""Ctrl+C held until a point where acting on it leaves nothing half done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType


@contextmanager
def deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """Ctrl+C noted, and acted on by the caller when it asks: an interrupt inside a write would leave a record written
    but not counted (or half written to a pipe). Only the main thread can hold it; elsewhere nothing is held."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        yield lambda: bool(seen)
    finally:
        signal.signal(signal.SIGINT, previous)


def import_onnxruntime() -> ModuleType:
    """``onnxruntime``, imported whole. Ctrl+C while its native part starts (it imports numpy from C) comes out of the
    import as a bare ImportError, which reads as a damaged model; held until the import is done, it is a plain
    KeyboardInterrupt after it."""
    import sys

    loaded = sys.modules.get("onnxruntime")
    if loaded is not None:
        return loaded
    with deferred_interrupt() as interrupted:
        import onnxruntime
    if interrupted():
        raise KeyboardInterrupt
    return onnxruntime
