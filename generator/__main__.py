"""``python -m generator``: see ``generator.cli``."""

import signal
import sys

# Until the command has started (importing takes a moment), SIGTERM just exits:
# nothing has been written yet. ``cli.main`` then installs its own handler.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

from .cli import main  # noqa: E402

raise SystemExit(main())
