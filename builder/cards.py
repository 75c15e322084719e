"""Share cards: a 1200x630 PNG per article and event, for og:image.

A link to an article posted on a social network shows this picture, so it
must show the Arabic title correctly on every machine that builds the site.
Pillow shapes Arabic only when it has the raqm engine; to be independent of
that, the text is shaped here with ``arabic-reshaper`` (letters become their
joined presentation forms), put in visual order line by line with
``python-bidi`` (right to left, numbers and Latin left to right inside it),
and drawn with Pillow's BASIC layout in a bundled Amiri TrueType subset
(``builder/fonts``).  Lines are broken in logical order before reordering,
so a wrapped title reads from the top right.

Drawing costs tens of milliseconds, so cards are cached on disk by a hash
of everything drawn (texts, fonts, library versions): a rebuild reuses the
PNG of an unchanged title.  Pillow writes no timestamp into a PNG, so the
same card gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).resolve().parent / "fonts"
BOLD = FONTS / "amiri-card-bold.ttf"
REGULAR = FONTS / "amiri-card-regular.ttf"
CARD_VERSION = 1  # bump when the layout changes, so cached cards are redrawn

PAPER = (251, 248, 241)
INK = (31, 26, 20)
MUTED = (107, 93, 77)
ACCENT = (122, 46, 29)
MARGIN_START = 96  # from the right edge (the start of an RTL line)
MARGIN_END = 80
TITLE_SIZES = (72, 64, 56, 48)  # tried in order, largest first
TITLE_TOP, TITLE_BOTTOM = 150, HEIGHT - 130  # the band the title's lines share
LEADING = 1.45  # line height / font size (Amiri's marks need room)


@dataclass(frozen=True)
class Card:
    """What one card shows."""

    title: str
    kicker: str = ""  # small line above the title: kind, date, source
    footer: str = ""  # site name, at the bottom


PAIRS = {"(": ")", "[": "]", "{": "}", "\u00ab": "\u00bb", "\u2039": "\u203a"}
CLOSERS = {v: k for k, v in PAIRS.items()}


def visual(text: str) -> str:
    """One line of logical text, shaped and in visual (left-to-right drawing) order."""
    return mirror_pairs(get_display(arabic_reshaper.reshape(text), base_dir="R"))


def mirror_pairs(shown: str) -> str:
    """Mirror the brackets and guillemets that ended up in right-to-left runs.

    python-bidi reorders (with the bracket-pair rule) but does not apply the
    mirroring rule L4.  A pair reordered inside a right-to-left run shows its
    closing character first; such pairs are swapped here, so «الخلافة» and
    (منذ 2015) keep their shape, while a left-to-right (x) is left alone.
    """
    chars = list(shown)
    stack: list[tuple[int, bool]] = []  # (index, True if a closer seen first)
    for i, c in enumerate(chars):
        if c in PAIRS:
            if stack and stack[-1][1] and chars[stack[-1][0]] == PAIRS[c]:
                j = stack.pop()[0]
                chars[i], chars[j] = chars[j], chars[i]
            else:
                stack.append((i, False))
        elif c in CLOSERS:
            if stack and not stack[-1][1] and chars[stack[-1][0]] == CLOSERS[c]:
                stack.pop()
            else:
                stack.append((i, True))
    return "".join(chars)


@lru_cache(maxsize=16)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break logical text into lines that fit ``width`` once shaped."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.getlength(visual(candidate)) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def fit_title(text: str, width: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title size whose lines fit; at the smallest, cut with an ellipsis."""
    for size in TITLE_SIZES:
        font = _font(BOLD, size)
        most = (TITLE_BOTTOM - TITLE_TOP) // round(size * LEADING)
        lines = wrap(text, font, width)
        if len(lines) <= most:
            return font, lines
    lines = lines[:most]
    last = lines[-1]
    while last and font.getlength(visual(last + " …")) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last + " …"
    return font, lines


def draw(card: Card) -> bytes:
    """Draw a card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(image)
    right = WIDTH - MARGIN_START
    pen.rectangle((WIDTH - 28, 0, WIDTH, HEIGHT), fill=ACCENT)
    small = _font(REGULAR, 34)
    if card.kicker:
        _line(pen, card.kicker, small, right, 70, MUTED)
    font, lines = fit_title(card.title, right - MARGIN_END)
    step = round(font.size * LEADING)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) // 2
    for i, line in enumerate(lines):
        _line(pen, line, font, right, top + i * step, INK)
    pen.line((MARGIN_END, HEIGHT - 120, right, HEIGHT - 120), fill=(214, 204, 188), width=2)
    if card.footer:
        _line(pen, card.footer, small, right, HEIGHT - 100, ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _line(pen: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, right: int, top: int,
          fill: tuple[int, int, int]) -> None:
    """Draw one logical line right-aligned at ``right`` (its start, in RTL)."""
    shown = visual(text)
    pen.text((right - font.getlength(shown), top), shown, font=font, fill=fill)


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    """What else decides a card's pixels: fonts and library versions."""
    parts = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (BOLD, REGULAR)]
    parts += [version(n) for n in ("Pillow", "arabic-reshaper", "python-bidi")]
    return "|".join([str(CARD_VERSION), *parts])


def cache_key(card: Card) -> str:
    payload = json.dumps([_fingerprint(), asdict(card), WIDTH, HEIGHT], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CardCache:
    """Cards by content hash in ``folder`` (e.g. ``.athar-cache/cards``); None = no cache."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.drawn = 0  # cards drawn (not found in the cache) by this instance

    def png(self, card: Card) -> bytes:
        path = self.folder / f"{cache_key(card)}.png" if self.folder else None
        if path is not None and path.is_file():
            data = path.read_bytes()
            if data.startswith(b"\x89PNG\r\n\x1a\n"):
                return data
        data = draw(card)
        self.drawn += 1
        if path is not None:
            _store(path, data)
        return data


def _store(path: Path, data: bytes) -> None:
    """Write atomically; a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".card-", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
