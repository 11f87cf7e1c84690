"""A static site generator for archives of captured official statements."""

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"


def _code_checksum() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def _code() -> str:
    return f"{__version__}+{_code_checksum()}"


def __getattr__(name: str) -> str:
    # ``CODE`` is made when first asked for, not as the package is imported: ``python -m
    # generator`` imports the package before its own Ctrl-C handler is in place.
    if name == "CODE":
        return _code()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: (Documented here; made by ``__getattr__``.) The version and a checksum of the generator's
#: own code. Caches and the build record are keyed by it, so that changed code (a release,
#: a ``git pull`` of an editable install) renders every page again instead of keeping old ones.
CODE: str
