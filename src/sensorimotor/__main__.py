"""``python -m sensorimotor`` and the ``sensorimotor`` command: the command line.

The command's module (and JAX with it) is imported inside :func:`console_script`, after
its Ctrl-C handler is in place (:func:`on_interrupt`), so that a Ctrl-C at any time ends
with one line and status 130, and a bad JAX setting in the environment
(``JAX_NUM_CPU_DEVICES=abc``) with one line and status 2, not a traceback.
"""

import signal
import sys
import threading

# An interrupt raised here is lost or dangerous: Python prints and drops an exception
# raised in a garbage-collection callback (JAX registers one), and one raised while a C
# extension initialises can crash the process (a segmentation fault or an abort).
_NOT_HERE = ("_xla_gc_callback",)
_IMPORTING = "<frozen importlib"
RETRY_SECONDS = 0.05


def on_interrupt(signum, frame) -> None:
    """The command's SIGINT handler: ``KeyboardInterrupt``, raised where Python can unwind
    it; an interrupt that lands in an import or in JAX's garbage-collection callback is
    delivered again ``RETRY_SECONDS`` later, until it lands elsewhere."""
    while frame is not None:
        if frame.f_code.co_name in _NOT_HERE or frame.f_code.co_filename.startswith(_IMPORTING):
            threading.Timer(RETRY_SECONDS, signal.raise_signal, (signal.SIGINT,)).start()
            return
        frame = frame.f_back
    raise KeyboardInterrupt


def console_script() -> None:
    """Import the command line, then run it (:func:`sensorimotor.run.cli.console_script`)."""
    signal.signal(signal.SIGINT, on_interrupt)
    try:
        from sensorimotor.run.cli import console_script as run_command
    except KeyboardInterrupt:
        print("sensorimotor: interrupted", file=sys.stderr)
        sys.exit(130)
    except ValueError as exc:  # JAX reads its settings from the environment at import
        print(f"sensorimotor: error: cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
    run_command()


if __name__ == "__main__":
    console_script()
