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

A card is an indexed-colour PNG (about 25 kB, quick to encode).  Drawing
one costs about 10 ms, so many are drawn on every core, and all are cached
on disk by a hash of everything drawn (texts, fonts, library versions): a
rebuild reuses the PNG of an unchanged title.  Pillow writes no timestamp
into a PNG, so the same card gives the same bytes.
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
from typing import Sequence

import arabic_reshaper
from bidi import get_display
from PIL import Image, ImageChops, ImageDraw, ImageFont

from builder.parallel import map_chunks

WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).resolve().parent / "fonts"
BOLD = FONTS / "amiri-card-bold.ttf"
REGULAR = FONTS / "amiri-card-regular.ttf"
CARD_VERSION = 2  # bump when the layout changes, so cached cards are redrawn

PAPER = (251, 248, 241)
INK = (31, 26, 20)
MUTED = (107, 93, 77)
ACCENT = (122, 46, 29)
RAMPS = (INK, MUTED, ACCENT)  # palette ramps, in this order: the layers of draw()
LEVELS = 64  # antialiasing steps per ramp
RULE_LEVEL = 66  # the thin rule, drawn on the muted ramp: a light (214, 204, 188)
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


def shape(text: str) -> str:
    """Logical text with its letters in their joined forms (still in logical order)."""
    return str(arabic_reshaper.reshape(text))


def order(shaped: str) -> str:
    """One shaped line in visual (left-to-right drawing) order, right-to-left paragraph."""
    return mirror_pairs(get_display(shaped, base_dir="R"))


def visual(text: str) -> str:
    """One line of logical text, shaped and in visual order: what is drawn."""
    return order(shape(text))


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


def shaped_words(text: str) -> list[str]:
    """The words of a text, shaped.

    Arabic letters join only within a word, so the whole text is shaped once
    (reshaping is the slow part) and split where the spaces are.
    """
    words = text.split()
    shaped = shape(" ".join(words)).split(" ")
    return shaped if len(shaped) == len(words) else [shape(w) for w in words]


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break text into shaped lines that fit ``width``, in reading order (top line first).

    With the BASIC layout and no kerning, a line is as wide as its words and
    spaces added up, so each word is measured once.
    """
    space = font.getlength(" ")
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in shaped_words(text):
        size = font.getlength(order(word))
        if current and used + space + size > width:
            lines.append(" ".join(current))
            current, used = [], 0.0
        used += (space if current else 0.0) + size
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def fit_title(text: str, width: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title size whose shaped lines fit; at the smallest, cut with an ellipsis."""
    for size in TITLE_SIZES:
        font = _font(BOLD, size)
        most = (TITLE_BOTTOM - TITLE_TOP) // round(size * LEADING)
        lines = wrap(text, font, width)
        if len(lines) <= most:
            return font, lines
    lines = lines[:most]
    last = lines[-1]
    while last and font.getlength(order(last + " …")) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last + " …"
    return font, lines


def _fit_line(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """One shaped line, cut at a word with an ellipsis if it is too wide."""
    words = shaped_words(text)
    line = " ".join(words)
    while len(words) > 1 and font.getlength(order(line)) > width:
        words.pop()
        line = " ".join(words) + " …"
    return line


def draw(card: Card) -> bytes:
    """Draw a card as PNG bytes (an indexed-colour PNG: small, and fast to encode).

    Each colour is drawn as a coverage layer (antialiased, grey levels),
    mapped onto its own 64-step ramp from the paper colour in a 192-entry
    palette, and the layers are merged; they never overlap.
    """
    layers = [Image.new("L", (WIDTH, HEIGHT), 0) for _ in RAMPS]
    ink, muted, accent = (ImageDraw.Draw(layer) for layer in layers)
    right = WIDTH - MARGIN_START
    accent.rectangle((WIDTH - 28, 0, WIDTH, HEIGHT), fill=255)
    small = _font(REGULAR, 34)
    if card.kicker:
        _line(muted, _fit_line(card.kicker, small, right - MARGIN_END), small, right, 70)
    font, lines = fit_title(card.title, right - MARGIN_END)
    step = round(font.size * LEADING)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) // 2
    for i, line in enumerate(lines):
        _line(ink, line, font, right, top + i * step)
    muted.line((MARGIN_END, HEIGHT - 120, right, HEIGHT - 120), fill=RULE_LEVEL, width=2)
    if card.footer:
        _line(accent, _fit_line(card.footer, small, right - MARGIN_END), small, right, HEIGHT - 100)
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    for ramp, layer in enumerate(layers):
        box = layer.getbbox()
        if box:  # map only where the layer has ink (cheaper than the whole card)
            image.paste(ImageChops.lighter(image.crop(box), layer.crop(box).point(_lut(ramp))), box)
    image.putpalette(_palette())
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()


def _line(pen: ImageDraw.ImageDraw, shaped: str, font: ImageFont.FreeTypeFont, right: int, top: int) -> None:
    """Draw one shaped line right-aligned at ``right`` (its start, in RTL)."""
    shown = order(shaped)
    pen.text((right - font.getlength(shown), top), shown, font=font, fill=255)


@lru_cache(maxsize=1)
def _palette() -> list[int]:
    """Ramps from the paper colour to each colour of RAMPS, LEVELS steps each."""
    palette: list[int] = []
    for color in RAMPS:
        for i in range(LEVELS):
            palette += [round(p + (c - p) * i / (LEVELS - 1)) for p, c in zip(PAPER, color)]
    return palette


@lru_cache(maxsize=4)
def _lut(ramp: int) -> list[int]:
    """Coverage 0-255 of a layer -> palette index on its ramp (0 is paper)."""
    return [0 if v == 0 else ramp * LEVELS + (v * (LEVELS - 1) + 127) // 255 for v in range(256)]


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
        return self.pngs([card])[0]

    def pngs(self, cards: Sequence[Card]) -> list[bytes]:
        """The PNG of each card: from the cache, or drawn (on every core) and cached."""
        keys = [cache_key(c) for c in cards]
        found: dict[str, bytes] = {}
        missing: dict[str, Card] = {}
        for key, card in zip(keys, cards):
            if key in found or key in missing:
                continue
            data = self._read(key)
            if data is None:
                missing[key] = card
            else:
                found[key] = data
        drawn = [png for chunk in map_chunks(_draw_chunk, list(missing.values()), None) for png in chunk]
        for key, data in zip(missing, drawn):
            found[key] = data
            if self.folder is not None:
                _store(self.folder / f"{key}.png", data)
        self.drawn += len(missing)
        return [found[k] for k in keys]

    def _read(self, key: str) -> bytes | None:
        path = self.folder / f"{key}.png" if self.folder else None
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None


def _draw_chunk(_: None, cards: Sequence[Card]) -> list[bytes]:
    """Draw a chunk of cards (in a worker process when there are many)."""
    return [draw(card) for card in cards]


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
