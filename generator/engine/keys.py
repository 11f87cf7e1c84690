"""Keys: short checksums of what an output or a record is made from.

Every step that keeps work from the last build (the import's memo, the pages,
the search buckets) asks whether what a thing is made from is the same; these
are the checksums it compares.
"""

from __future__ import annotations

import hashlib


def fingerprint(*parts: object) -> str:
    """A short checksum of ``parts`` (their ``repr``, which is stable for plain data)."""
    return digest(repr(parts))


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
