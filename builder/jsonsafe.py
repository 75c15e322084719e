"""JSON that is safe wherever it lands: a page's <script>, a download, a fetch.

``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026``:
the same JSON to any parser, but no ``</script>`` can break out of an
inline block, and no file of the site carries markup from the content as
raw text (a corpus is untrusted input).  Outside strings JSON never holds
these characters, so the replacement cannot change the data.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` (UTF-8 text, sorted keys) with markup characters escaped."""
    options.setdefault("ensure_ascii", False)
    options.setdefault("sort_keys", True)
    text = json.dumps(value, **options)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script(value: Any) -> str:
    """Compact JSON for a page's <script> block: no '</script>' or '<!--' can break out."""
    return dumps(value, separators=(",", ":"))
