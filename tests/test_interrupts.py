"""Ctrl+C while onnxruntime starts is held until the import is done, then raised as a plain KeyboardInterrupt
(interrupted inside the import, onnxruntime's native start turns it into an ImportError that read as a damaged
model). Run in a fresh interpreter, where onnxruntime is not yet imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import builtins, os, signal, sys
    import numpy  # as the build does, first
    from qa.interrupts import import_onnxruntime

    real = builtins.__import__

    def ctrl_c_inside(name, *args, **kwargs):
        if name == "numpy.core.multiarray" or (name == "onnxruntime" and not sys.modules.get("onnxruntime")):
            os.kill(os.getpid(), signal.SIGINT)  # lands while onnxruntime is being imported
        return real(name, *args, **kwargs)

    builtins.__import__ = ctrl_c_inside
    try:
        import_onnxruntime()
    except KeyboardInterrupt:
        builtins.__import__ = real
        print("interrupted after the import:", "onnxruntime" in sys.modules and hasattr(sys.modules["onnxruntime"], "InferenceSession"))
    except ImportError as exc:
        print("import error:", exc)
    else:
        print("not interrupted")
    """
)


def test_ctrl_c_during_the_import_is_a_plain_interrupt_after_it() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], check=False, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "interrupted after the import: True", done.stdout + done.stderr


def test_an_import_already_done_is_returned_as_is() -> None:
    import onnxruntime

    from qa.interrupts import import_onnxruntime

    assert import_onnxruntime() is onnxruntime
