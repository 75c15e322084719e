"""JSON that is safe wherever it lands: a page's <script>, a download, a fetch.

``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026``:
the same JSON to any parser, but no ``</script>`` can break out of an
inline block, and no file of the site carries markup from the content as
raw text (a corpus is untrusted input).  Outside strings JSON never holds
these characters, so the replacement cannot change the data.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` (UTF-8 text, sorted keys) with markup characters escaped."""
    text = _encoder(tuple(sorted(options.items()))).encode(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=16)
def _encoder(options: tuple[tuple[str, Any], ...]) -> json.JSONEncoder:
    """One encoder per set of options: ``json.dumps`` with options made a new one per call.

    A page encodes dozens of small values (each popover's data, JSON-LD),
    and making the encoder was half the cost of encoding one.
    """
    return json.JSONEncoder(**{"ensure_ascii": False, "sort_keys": True, **dict(options)})


def script(value: Any) -> str:
    """Compact JSON for a page's <script> block: no '</script>' or '<!--' can break out."""
    return dumps(value, separators=(",", ":"))
