"""``python -m generator``: see ``generator.cli``."""

import os
import signal
import sys

# Until the command has started (importing takes a moment), SIGTERM just exits:
# nothing has been written yet. ``cli.main`` then installs its own handler.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

from .cli import main  # noqa: E402

status = main()
# Everything is written and closed by now. Exiting at once spares the second or so
# that freeing a large archive's millions of objects, one by one, would take.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # the reader went away (``... | head``): nothing left to say
    pass
os._exit(status)
