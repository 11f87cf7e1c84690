"""A static site generator for archives of captured official statements."""

import hashlib
from pathlib import Path

__version__ = "0.1.0"


def _code_checksum() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


#: The version and a checksum of the generator's own code. Caches and the build
#: record are keyed by it, so that changed code (a release, a ``git pull`` of an
#: editable install) renders every page again instead of keeping old ones.
CODE = f"{__version__}+{_code_checksum()}"
