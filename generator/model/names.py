"""Names: the slugs of ids and the path segments that are safe on every system.

A statement's id, an issuer's id and a source's id become file and folder
names of the site and URLs; the rules for what such a name may hold live here,
where every step (the store, the model, the site, the output) can read them.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

SLUG_MAX = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_APOSTROPHE = re.compile(r"['’`]")


def slugify(title: str, max_len: int = SLUG_MAX) -> str:
    """A lowercase ASCII slug of ``title``, cut at a word boundary."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", _APOSTROPHE.sub("", ascii_title.lower())).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len + 1].rsplit("-", 1)[0] if "-" in slug[:max_len + 1] else slug[:max_len]
    return slug.strip("-") or "statement"


_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,150}$")
#: Names Windows cannot create, whatever the extension (``con.html`` included).
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))})


class UnsafePath(ValueError):
    """A path segment that could escape its folder or break a URL."""


@functools.lru_cache(maxsize=1 << 18)  # each id is checked by every page that links to it
def is_safe_segment(value: str) -> bool:
    """True for a lowercase slug that is safe as one file or folder name on every system."""
    return (bool(_SEGMENT.match(value)) and ".." not in value
            and value.split(".", 1)[0] not in RESERVED_NAMES)


def segment(value: str) -> str:
    """``value`` if it is safe as one path segment (see ``is_safe_segment``), else ``UnsafePath``."""
    if not is_safe_segment(value):
        raise UnsafePath(f"{value!r} cannot be used as part of a URL")
    return value


def safe_segment(value: str) -> str:
    """``value`` if it is a safe segment, else a safe slug of it with a checksum suffix.

    For ids that come from hand-edited files (an issuer id such as ``../x`` or
    ``CON``): the page still gets a stable address, and no two unsafe ids share one.
    """
    if is_safe_segment(value):
        return value
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:80].strip("-") or "x"
    return f"{slug}-{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"
