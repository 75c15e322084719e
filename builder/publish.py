"""Stage 3d, publishing outputs: feeds, sitemap, data downloads, share cards.

Each derived output is a function from the model to bytes (Zola's habit);
only :mod:`builder.write` touches disk.  :func:`publish_outputs` yields them
all in a stable order.
"""

from __future__ import annotations

from typing import Iterator

from builder.indexes import Indexes
from builder.model import Corpus


def publish_outputs(corpus: Corpus, indexes: Indexes) -> Iterator[tuple[str, bytes]]:
    """Every publishing file of the site, as (path, bytes)."""
    return iter(())
