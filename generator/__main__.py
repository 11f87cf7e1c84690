"""``python -m generator``: see ``generator.cli``."""

import os
import signal
import sys


def _stop(signum: int, frame: object) -> None:
    # Until the command has started (importing takes a moment), nothing has been written:
    # Ctrl-C or SIGTERM just ends the process, with a line rather than a traceback.
    interrupted = signum == signal.SIGINT
    os.write(2, b"interrupted: nothing was done\n" if interrupted else b"terminated: nothing was done\n")
    os._exit(130 if interrupted else 143)


signal.signal(signal.SIGINT, _stop)
signal.signal(signal.SIGTERM, _stop)

from .cli import main  # noqa: E402

# ``cli.main`` installs its own handlers (Ctrl-C stops a build cleanly, leaving the old site).
signal.signal(signal.SIGINT, signal.default_int_handler)
status = main()
# Everything is written and closed by now. Exiting at once spares the second or so
# that freeing a large archive's millions of objects, one by one, would take.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # the reader went away (``... | head``): nothing left to say
    pass
os._exit(status)
