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

A card is an indexed-colour PNG (about 20 kB).  Drawing one costs about
1.4 ms (glyphs rasterised and words composed once per process, only the
painted rows compressed), many are drawn on every core, and all are cached
on disk by a hash of everything drawn (texts, fonts, library versions): a
rebuild reuses the PNG of an unchanged title.  Pillow writes no timestamp
into a PNG, so the same card gives the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import multiprocessing
import multiprocessing.connection
import os
import signal
import stat
import struct
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import arabic_reshaper
from bidi import get_display
from PIL import Image, ImageChops, ImageDraw, ImageFont

from builder.deflate import NAME as DEFLATE, zlib
from builder.parallel import map_chunks
from builder.write import PUBLISHED_MODE, Linked

WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).resolve().parent / "fonts"
BOLD = FONTS / "amiri-card-bold.ttf"
REGULAR = FONTS / "amiri-card-regular.ttf"
CARD_VERSION = 5  # bump when the layout changes, so cached cards are redrawn

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
WORD_CACHE = 512  # word masks kept per font and size (~10 kB each), forgotten all at once when full
# (10,000 titles of an independent corpus: 512 drew them as fast as 2,048, the card process 17 MB smaller)
LEADING = 1.45  # line height / font size (Amiri's marks need room)
COMPRESS_LEVEL = 1  # zlib level of the PNG: 1 is ~15% faster than 3 for ~8% more bytes
STRATEGY = zlib.Z_RLE  # runs only: paper and glyph rows are runs; 20% faster than level 1's matching and 20% smaller


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


class Face:
    """One font at one size, with what drawing needs cached per character.

    With the BASIC layout (no shaping engine, no kerning) a line is as wide
    as its characters' advances added up, and a character always gives the
    same pixels; so each is measured and rasterised once per process rather
    than once per line (FreeType rendering was a third of a card's cost).
    """

    def __init__(self, path: Path, size: int):
        self.font = ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
        self.size = size
        self._advance: dict[str, float] = {}
        self._glyph: dict[str, tuple[Image.Image, int, int] | None] = {}
        self._word: dict[str, tuple[Image.Image, int, int] | None] = {}

    def getlength(self, shown: str) -> float:
        """Width in pixels of text in visual order (as ``FreeTypeFont.getlength``)."""
        advance = self._advance
        total = 0.0
        for c in shown:
            a = advance.get(c)
            if a is None:
                a = advance[c] = self.font.getlength(c)
            total += a
        return total

    def glyph(self, c: str) -> tuple[Image.Image, int, int] | None:
        """The coverage mask of one character and its offset from the pen; None if blank."""
        if c not in self._glyph:
            left, top, right, bottom = self.font.getbbox(c)
            if right <= left or bottom <= top:
                self._glyph[c] = None
            else:
                mask = Image.new("L", (right - left, bottom - top), 0)
                ImageDraw.Draw(mask).text((-left, -top), c, font=self.font, fill=255)
                self._glyph[c] = (mask, left, top)
        return self._glyph[c]

    def place(self, shown: str, right: float, top: int) -> list[tuple[Image.Image, int, int]]:
        """Where each word of a visual-order line goes when the line ends at ``right`` (RTL start).

        A word is painted as one mask (its glyphs composed once per process):
        a title names the same places and actors as a hundred others, and one
        paste per word instead of per letter was a fifth of a card's cost.
        """
        x = right - self.getlength(shown)
        space = self.getlength(" ")
        placed = []
        for word in shown.split(" "):
            if word:
                w = self.word(word)
                if w is not None:
                    placed.append((w[0], round(x) + w[1], top + w[2]))
                x += self.getlength(word)
            x += space
        return placed

    def word(self, shown: str) -> tuple[Image.Image, int, int] | None:
        """The coverage mask of a word in visual order and its offset from the pen; None if blank."""
        if shown in self._word:
            return self._word[shown]
        x, glyphs = 0.0, []
        for c in shown:
            g = self.glyph(c)
            if g is not None:
                glyphs.append((g[0], round(x) + g[1], g[2]))
            x += self._advance[c]
        if len(self._word) >= WORD_CACHE:
            self._word.clear()
        self._word[shown] = _compose(glyphs)
        return self._word[shown]


def _compose(glyphs: list[tuple[Image.Image, int, int]]) -> tuple[Image.Image, int, int] | None:
    """Masks at their places as one mask, with its offset."""
    if not glyphs:
        return None
    left = min(x for _, x, _ in glyphs)
    top = min(y for _, _, y in glyphs)
    right = max(x + m.width for m, x, _ in glyphs)
    bottom = max(y + m.height for m, _, y in glyphs)
    mask = Image.new("L", (right - left, bottom - top), 0)
    for m, x, y in glyphs:
        mask.paste(255, (x - left, y - top), m)
    return mask, left, top


@lru_cache(maxsize=16)
def _face(path: Path, size: int) -> Face:
    return Face(path, size)


def shaped_words(text: str) -> list[str]:
    """The words of a text, shaped.

    Arabic letters join only within a word, so words are shaped one by one,
    and each distinct word once per process: reshaping is slow, and the
    titles of a corpus share most of their words.
    """
    return [_shape_word(w) for w in text.split()]


@lru_cache(maxsize=1 << 16)
def _shape_word(word: str) -> str:
    return shape(word)


def wrap(text: str, font: Face, width: float) -> list[str]:
    """Break text into shaped lines that fit ``width``, in reading order (top line first)."""
    return _wrap(_measured(text), font, width)


def _measured(text: str) -> list[tuple[str, str]]:
    """Each shaped word with its visual order (what its width is measured on)."""
    return [(w, order(w)) for w in shaped_words(text)]


def _wrap(words: list[tuple[str, str]], font: Face, width: float) -> list[str]:
    space = font.getlength(" ")
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word, shown in words:
        size = font.getlength(shown)
        if current and used + space + size > width:
            lines.append(" ".join(current))
            current, used = [], 0.0
        used += (space if current else 0.0) + size
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def fit_title(text: str, width: float) -> tuple[Face, list[str]]:
    """The largest title size whose shaped lines fit; at the smallest, cut with an ellipsis."""
    words = _measured(text)  # shaped and ordered once, measured at each size
    for size in TITLE_SIZES:
        font = _face(BOLD, size)
        most = (TITLE_BOTTOM - TITLE_TOP) // round(size * LEADING)
        lines = _wrap(words, font, width)
        if len(lines) <= most:
            return font, lines
    lines = lines[:most]
    last = lines[-1]
    while last and font.getlength(order(last + " …")) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last + " …"
    return font, lines


def _fit_line(text: str, font: Face, width: float) -> str:
    """One shaped line, cut at a word with an ellipsis if it is too wide."""
    words = shaped_words(text)
    line = " ".join(words)
    while len(words) > 1 and font.getlength(order(line)) > width:
        words.pop()
        line = " ".join(words) + " …"
    return line


INK_RAMP, MUTED_RAMP, ACCENT_RAMP = range(len(RAMPS))


def draw(card: Card) -> bytes:
    """Draw a card as PNG bytes (an indexed-colour PNG: small, and fast to encode).

    The image holds palette indices: 0 is paper, and each colour has a
    64-step ramp from the paper colour (antialiasing).  What every card of a
    site shares (accent bar, rule, footer) is drawn once; per card, only the
    kicker and the title are painted onto a copy, and only the rows they
    touch are compressed (see :func:`encode`).
    """
    image = _base(card.footer).copy()
    right = WIDTH - MARGIN_START
    painted = []
    if card.kicker:
        small = _face(REGULAR, 34)
        line = order(_fit_line(card.kicker, small, right - MARGIN_END))
        painted.append(_paint(image, small.place(line, right, 70), MUTED_RAMP))
    font, lines = fit_title(card.title, right - MARGIN_END)
    step = round(font.size * LEADING)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) // 2
    placed = [g for i, line in enumerate(lines) for g in font.place(order(line), right, top + i * step)]
    painted.append(_paint(image, placed, INK_RAMP))
    return encode(image, card.footer, painted)


@lru_cache(maxsize=4)
def _base(footer: str) -> Image.Image:
    """What every card with this footer shows: the accent bar, the rule and the footer."""
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    right = WIDTH - MARGIN_START
    bar = Image.new("L", (28, HEIGHT), 255)
    _paint(image, [(bar, WIDTH - 28, 0)], ACCENT_RAMP)
    rule = Image.new("L", (right - MARGIN_END + 1, 2), RULE_LEVEL)
    _paint(image, [(rule, MARGIN_END, HEIGHT - 121)], MUTED_RAMP)
    if footer:
        small = _face(REGULAR, 34)
        _paint(image, small.place(order(_fit_line(footer, small, right - MARGIN_END)), right, HEIGHT - 100), ACCENT_RAMP)
    return image


def _paint(image: Image.Image, placed: list[tuple[Image.Image, int, int]], ramp: int) -> tuple[int, int]:
    """Paint coverage masks at their places onto ``image`` in one colour ramp.

    The masks are gathered on one layer the size of their bounding box, that
    layer is mapped to palette indices once, and merged with what is there
    by keeping the larger index (layers of different colours never overlap).
    """
    composed = _compose(placed)
    if composed is None:
        return (0, 0)
    layer, left, top = composed
    box = (left, top, left + layer.width, top + layer.height)
    bottom = box[3]
    image.paste(ImageChops.lighter(image.crop(box), layer.point(_lut(ramp))), box)
    return (max(top, 0), min(bottom, image.height))  # the rows painted


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(image: Image.Image, footer: str, painted: Sequence[tuple[int, int]]) -> bytes:
    """A card as an 8-bit indexed PNG, compressing only the rows painted on its base.

    Compressing the whole 1200x630 picture was two thirds of a card's cost,
    yet most rows are those of the base every card shares.  The image data
    is one zlib stream made of deflate segments, each ending on a full flush
    (byte-aligned, no reference to earlier data), so a base segment
    compressed once per process can be reused as is; the stream's Adler-32
    is combined from the segments'.  Any PNG decoder reads the result.
    """
    parts = [b"\x78\x01"]  # zlib header: deflate, 32 kB window, "fastest" (informative only)
    adler = 1
    for y0, y1, fresh in _segments(painted):
        if fresh:
            data, seg_adler, length = _segment(_rows(image, y0, y1))
        else:
            data, seg_adler, length = _base_segment(footer, y0, y1)
        parts.append(data)
        adler = _adler32_combine(adler, seg_adler, length)
    parts.append(b"\x03\x00")  # an empty final block
    parts.append(adler.to_bytes(4, "big"))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 3, 0, 0, 0)  # 8-bit palette, no interlace
    return b"".join([PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"PLTE", bytes(_palette())),
                     _chunk(b"IDAT", b"".join(parts)), _chunk(b"IEND", b"")])


def _segments(painted: Sequence[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Rows 0..HEIGHT as (start, end, painted) runs, the painted ranges merged."""
    spans: list[list[int]] = []
    for y0, y1 in sorted(p for p in painted if p[1] > p[0]):
        if spans and y0 <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], y1)
        else:
            spans.append([y0, y1])
    out, y = [], 0
    for y0, y1 in spans:
        if y0 > y:
            out.append((y, y0, False))
        out.append((y0, y1, True))
        y = y1
    if y < HEIGHT:
        out.append((y, HEIGHT, False))
    return out


def _rows(image: Image.Image, y0: int, y1: int) -> bytes:
    """Scanlines y0..y1 of an 8-bit image, each behind PNG's filter byte 0 (none).

    The band is pasted one pixel in on a blank band a column wider, whose
    first column is the filter bytes: no Python loop over rows.
    """
    band = Image.new("L", (WIDTH + 1, y1 - y0), 0)
    band.paste(image.crop((0, y0, WIDTH, y1)), (1, 0))
    return band.tobytes()


@lru_cache(maxsize=256)
def _base_segment(footer: str, y0: int, y1: int) -> tuple[bytes, int, int]:
    """Rows y0..y1 of a base, compressed as a segment: (deflate data, Adler-32, length)."""
    return _segment(_rows(_base(footer), y0, y1))


def _segment(rows: bytes) -> tuple[bytes, int, int]:
    """Scanlines as a self-contained deflate segment (ends on a full flush): (data, Adler-32, length)."""
    packer = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15, 8, STRATEGY)
    return packer.compress(rows) + packer.flush(zlib.Z_FULL_FLUSH), zlib.adler32(rows), len(rows)


def _adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of A+B from those of A and B and B's length (zlib's adler32_combine)."""
    base = 65521
    rem = len2 % base
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 = (sum1 + (adler2 & 0xFFFF) + base - 1) % base
    sum2 = (sum2 + ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + base - rem) % base
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


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
    parts += [version(n) for n in ("Pillow", "arabic-reshaper", "python-bidi")] + [DEFLATE]
    return "|".join([str(CARD_VERSION), *parts])


_remembered_keys: dict[Card, str] | None = None


def remember_keys() -> None:
    """Keep every card's cache key in this process from now on.

    A preview session links every card again after each edit (150,000 at
    100,000 articles, 25 us each); a build computes each key once or twice,
    and its card process, which holds the cards at the peak of the build,
    must not keep them.
    """
    global _remembered_keys
    if _remembered_keys is None:
        _remembered_keys = {}


def cache_key(card: Card) -> str:
    """The name of a card's file in the cache (see :func:`remember_keys`)."""
    memo = _remembered_keys
    if memo is None:
        return _cache_key(card)
    key = memo.get(card)
    if key is None:
        key = memo[card] = _cache_key(card)
    return key


def _cache_key(card: Card) -> str:
    payload = json.dumps([_fingerprint(), asdict(card), WIDTH, HEIGHT], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


FILL_BATCH = 1024
"""Cards drawn at a time when there is no cache folder to put them in (their PNGs are held until written)."""


class CardCache:
    """Cards by content hash in ``folder`` (e.g. ``.athar-cache/cards``); None = no cache."""

    def __init__(self, folder: Path | None, processes: int | None = None, helper: "Background | None" = None):
        self.folder = folder
        self.processes = processes  # None: every core (builder.parallel)
        self.helper = helper  # a background drawer to finish before reading the cache
        self.drawn = 0  # cards drawn (not found in the cache) by this instance

    def png(self, card: Card) -> bytes:
        return self.pngs([card])[0]

    def linked(self, cards: Sequence[Card]) -> Iterator[Linked | bytes]:
        """Each card as its cache file, for the writer to link (see builder.write.Linked).

        Cards are never all held at once (those of 100,000 articles are 4 GB).
        Without a cache folder, or for a card the cache lost meanwhile, its bytes.
        """
        if self.folder is None:
            for start in range(0, len(cards), FILL_BATCH):
                yield from self.pngs(cards[start:start + FILL_BATCH])
            return
        paths = [self.folder / f"{key}.png" for key in map(cache_key, cards)]
        self._fill(cards, paths)
        for card, path in zip(cards, paths):
            yield Linked(path) if _is_png(path) else self.pngs([card])[0]

    def _fill(self, cards: Sequence[Card], paths: Sequence[Path]) -> None:
        """Put every card in the cache (``paths``: their files): the background's first, then the rest drawn on every core.

        The processes drawing them store them and hand back only a count:
        with no background process (one core, ATHAR_JOBS=1) or after it
        failed, the PNGs of 150,000 cards came back to this process all
        at once (over 2 GB at 100,000 articles).
        """
        self._finish_helper(cards)
        missing = list({path: card for card, path in zip(cards, paths) if not path.is_file()}.values())
        self.drawn += sum(map_chunks(_ensure_chunk, missing, self.folder, self.processes)) if missing else 0

    def _finish_helper(self, cards: Sequence[Card]) -> None:
        if self.helper is not None:
            self.helper.finish(cards)
            self.helper = None

    def pngs(self, cards: Sequence[Card]) -> list[bytes]:
        """The PNG of each card: from the cache, or drawn (on every core) and cached."""
        self._finish_helper(cards)
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
        drawn = [png for chunk in map_chunks(_draw_chunk, list(missing.values()), None, self.processes)
                 for png in chunk]
        for key, data in zip(missing, drawn):
            found[key] = data
            if self.folder is not None:
                _store(self.folder / f"{key}.png", data)
        self.drawn += len(missing)
        return [found[k] for k in keys]

    def ensure(self, card: Card) -> None:
        """Draw and store a card unless the cache has it."""
        path = self.folder / f"{cache_key(card)}.png" if self.folder is not None else None
        if path is not None and not path.is_file():
            _store(path, draw(card))
            self.drawn += 1

    def _read(self, key: str) -> bytes | None:
        return _cached_png(self.folder / f"{key}.png", whole=True) if self.folder else None


def _is_png(path: Path) -> bool:
    return _cached_png(path, whole=False) is not None


def _cached_png(path: Path, whole: bool) -> bytes | None:
    """A cache file's bytes (``whole``) or signature, if it is a regular file holding a PNG.

    Not a symlink planted in the cache (never followed: its target would be
    published), not a file torn by a crash.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None
        if stat.S_IMODE(mode) != PUBLISHED_MODE:  # published by a hard link: a card of an older athar was 0600
            with contextlib.suppress(OSError):  # another user's cache: published as it is
                os.fchmod(fd, PUBLISHED_MODE)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read() if whole else fh.read(len(PNG_SIGNATURE))
        return data if data.startswith(PNG_SIGNATURE) else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _ensure_chunk(folder: Path, cards: Sequence[Card]) -> int:
    """Draw and store a chunk of cards (in a worker process when there are many); how many were drawn."""
    cache = CardCache(folder, processes=1)
    for card in cards:
        cache.ensure(card)
    return cache.drawn


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
            os.fchmod(fh.fileno(), PUBLISHED_MODE)  # mkstemp's 0600 would be published with the hard link
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


class Background:
    """Share cards drawn into the cache by a process of their own, while the build goes on.

    Cards need only titles and dates, known once the corpus is built, yet
    they were drawn last, after the indexes (one core busy, the other
    idle) and the pages.  The process is forked before the corpus is
    loaded, so it holds none of it (the peak memory of the process tree
    counts each process's pages); it is sent the cards when they are known
    and draws the ones not in the cache, from the first on, storing them
    there.  When the writer needs the cards it helps (:meth:`finish`): it
    draws from the last card backwards until the two meet, so the cards
    never wait on one core while the other is idle.  Anything not stored
    is drawn in the foreground as before: a failure here costs only time.

    Once its cards are done the process can run one more job (``after``):
    the build hands it the hashing of its inputs for the no-change record,
    which otherwise ran after the site was written, on one core (5 s at
    100,000 articles) while this one sat idle.
    """

    def __init__(self, folder: Path, after: Callable[[], Any] | None = None):
        """``after``: a job the process runs once the cards are done (see :meth:`outcome`)."""
        context = multiprocessing.get_context("fork")
        self.folder = folder
        self.count = 0  # cards handed over; the list itself is not kept (150,000 cards are ~60 MB)
        self.waited = 0.0  # seconds the writer spent finishing the cards
        # Shared counters: the next card the background takes, and the lowest the writer took.
        self._next = context.Value("q", 0, lock=False)
        self._stop = context.Value("q", 1 << 62, lock=False)
        self._paused = context.Value("b", 0, lock=False)
        self._conn, child = context.Pipe()
        self._after = after
        self._list: str | None = None  # the file of cards handed over (see _listed)
        self._drawn = False  # whether the process said it is done with the cards (see wait)
        self._process = context.Process(target=_draw_in_background,
                                        args=(child, folder, self._next, self._stop, self._paused, after), daemon=True)
        self._process.start()
        child.close()

    def draw(self, cards: Sequence[Card]) -> None:
        """Hand over the cards to draw (once)."""
        self.count = len(cards)
        try:
            self._conn.send((self._listed(cards), len(cards)))
        except OSError:  # the process died (or the list could not be written): the foreground draws them
            pass

    def _listed(self, cards: Sequence[Card]) -> str:
        """The cards written to a file in the card folder, one after the other, for the process to read as it draws.

        Sent through the pipe, the 150,000 cards of 100,000 articles were
        held by that process for as long as it draws, through the whole
        render when the build peaks: ~115 MB as objects, ~55 MB marshalled.
        Read from a file, a card at a time, they take none of its memory.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix=".cards-", dir=self.folder)
        self._list = path
        with os.fdopen(fd, "wb") as fh:
            for c in cards:
                marshal.dump((c.title, c.kicker, c.footer), fh)
        return path

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the drawing (after the card in hand) while a step uses every core itself."""
        self._paused.value = 1
        try:
            yield
        finally:
            self._paused.value = 0

    def finish(self, cards: Sequence[Card]) -> None:
        """Draw from the last card backwards until meeting the background, then wait for it.

        ``cards`` must be the list handed over, in its order; any other list
        (the count differs) only stops the background after the card in hand.
        """
        start = time.perf_counter()
        cache = CardCache(self.folder, processes=1)
        if len(cards) != self.count:
            cards = []
            self._stop.value = 0
        for i in range(len(cards) - 1, -1, -1):
            self._stop.value = i
            if i < self._next.value:  # the background has taken this one: all the rest are its
                break
            cache.ensure(cards[i])
        self.wait()
        self.waited = time.perf_counter() - start

    def wait(self) -> None:
        """Wait until the background is done with the cards (or gave up); it goes on with ``after`` if given."""
        if self._drawn:
            return
        try:
            self._conn.recv()
            self._drawn = True
        except (EOFError, OSError):
            self.close()
            return
        if self._after is None:
            self.close()

    def outcome(self) -> tuple[bool, Any]:
        """(True, what ``after`` returned), waiting for it, or (False, None) if the process could not run it.

        Waits for the cards first if nobody did (a site without cards never finishes them).
        """
        try:
            self.wait()
            if self._conn.closed:
                return (False, None)
            return (True, self._conn.recv())
        except (EOFError, OSError):
            return (False, None)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process (if still drawing: the build failed or was interrupted)."""
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        if self._list is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._list)
            self._list = None


def _yield_to_the_build() -> None:
    """Run at a lower priority: draw on a core the build leaves idle, not on one it needs.

    Drawn beside the render pool, the cards took a third of both cores from
    the pages; yet the write step that follows runs on one core, leaving
    the other idle, and the writer helps finish the cards at the end.  At a
    lower priority the cards fill those idle times instead.
    """
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # no nice here: same priority, as before
        pass


NICENESS = 10


def _draw_in_background(conn: "multiprocessing.connection.Connection", folder: Path, next_card: Any, stop: Any,
                        paused: Any, after: Callable[[], Any] | None = None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _yield_to_the_build()
    parent = os.getppid()
    try:
        listed, count = conn.recv()
        cards = open(listed, "rb")  # noqa: SIM115 - read to the end below, closed by the with
    except (EOFError, OSError):
        return
    cache = CardCache(folder, processes=1)
    with cards:
        for i in range(count):
            while paused.value:
                if os.getppid() != parent:  # the build is gone: nobody will resume us
                    return
                time.sleep(0.01)
            if i >= stop.value:  # the writer drew this one and all after it
                break
            next_card.value = i + 1
            cache.ensure(Card(*marshal.load(cards)))
    conn.send(True)
    if after is not None:
        try:
            conn.send(after())
        except Exception:  # noqa: BLE001 - the build then does it itself (see Background.outcome)
            return
