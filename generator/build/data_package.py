"""The data package step: ``data/datapackage.json``, made once the data exports are written.

The package (``site.datapackage``) holds each export's size and SHA-256, which are
known only once the exports are written. The site's record keeps a shorter checksum
of each file, so each export's SHA-256 is kept in the build cache by the record's:
a file is read again only when it changed (the full text is the site's largest file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .. import CODE, output
from ..config import SiteConfig
from ..engine.cache import Cache
from ..engine.keys import fingerprint
from ..site import datapackage, pages
from ..site.render import Renderer
from ..site.urls import Paths

LOOKUP = "data-package"


def write_data_package(out: output.Output, config: SiteConfig, specs: Iterable[pages.Spec],
                       renderer: Renderer, cache: Cache | None) -> None:
    """Write ``data/datapackage.json`` into ``out`` for the exports among ``specs``."""
    known = cache.load(LOOKUP) if cache else {}
    facts: dict[str, tuple[str, str, int]] = {}
    for spec in specs:
        if spec.path not in datapackage.PATHS:
            continue
        digest = out.files[spec.path][0]
        fact = known.get(spec.path)
        if not (isinstance(fact, tuple) and len(fact) == 3 and fact[0] == digest):
            try:
                data = out.source(spec.path).read_bytes()
            except FileNotFoundError:  # kept, but deleted by hand: the same bytes again
                data, _ = renderer(spec)
            fact = (digest, hashlib.sha256(data).hexdigest(), len(data))
        facts[spec.path] = fact
    if cache and facts != known:
        cache.save(LOOKUP, facts)
    data = datapackage.descriptor(config.title, {p: (sha, size) for p, (_, sha, size)
                                                 in facts.items()})
    out.write(Paths.data_package(), data, fingerprint(CODE, data))
