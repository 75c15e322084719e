"""Share cards: Arabic shaped and ordered without raqm, fixed size, deterministic, cached."""

from __future__ import annotations

import io
import os
import stat
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageChops, ImageDraw, ImageFont

from builder import cards
from builder.cards import (BOLD, HEIGHT, MARGIN_START, REGULAR, WIDTH, Card, CardCache, draw, fit_title, mirror_pairs,
                           order, visual)
from builder.write import PUBLISHED_MODE, Linked, _umask, write_file
from fixtures_site import CONTENT

TITLE = "عمليات تحرير الموصل والرقة مزقت أوصال دولة الخلافة المزعومة"


def _png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data))


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    """The pixels of one character (a missing one shows the font's .notdef glyph)."""
    image = Image.new("L", (120, 120))
    ImageDraw.Draw(image).text((20, 10), char, font=font, fill=255)
    return image.tobytes()


def test_visual_text_is_joined_and_right_to_left() -> None:
    shown = visual("سلام")
    # Joined: every letter became its contextual presentation form ...
    assert shown == "\ufee1\ufefc\ufeb3", "final meem, lam-alef ligature, initial seen: in drawing order"
    assert all(unicodedata.name(c).startswith("ARABIC ") and unicodedata.name(c).endswith(" FORM") for c in shown)
    # ... and the drawing order is reversed: the first letter read is drawn last (rightmost).
    assert unicodedata.name(shown[-1]) == "ARABIC LETTER SEEN INITIAL FORM"


def test_numbers_and_latin_stay_left_to_right_and_brackets_keep_their_shape() -> None:
    shown = visual("الحملة (منذ 2015) «الخلافة» ISIS (x)")
    # Drawn left to right: the Latin run (with its own brackets) comes first, as written;
    # the Arabic runs are reversed, and their brackets and guillemets mirrored back into shape.
    assert shown == "ISIS (x) «\ufe94\ufed3\ufefc\ufea8\ufedf\ufe8d» (2015 \ufeac\ufee8\ufee3) \ufe94\ufee0\ufee4\ufea4\ufedf\ufe8d"
    assert mirror_pairs(")أ(") == "(أ)"
    assert mirror_pairs("(a)") == "(a)"
    assert mirror_pairs("»ب«") == "«ب»"


def test_every_character_of_the_bundled_titles_has_a_glyph_in_the_card_fonts() -> None:
    titles = [e["title"] for e in yaml.safe_load((CONTENT / "events.yaml").read_text(encoding="utf-8"))]
    titles += [p.read_text(encoding="utf-8").split("title:", 1)[1].split("\n", 1)[0].strip().strip('"')
               for p in sorted((CONTENT / "articles").glob("*.md"))]
    titles.append(yaml.safe_load((CONTENT / "site.yaml").read_text(encoding="utf-8"))["title"])
    for path in (BOLD, REGULAR):
        font = ImageFont.truetype(str(path), 40, layout_engine=ImageFont.Layout.BASIC)
        notdef = _glyph(font, "\uffff")
        missing = {c for t in titles for c in visual(t) if not c.isspace() and _glyph(font, c) == notdef}
        assert not missing, f"{path.name} lacks {sorted(missing)}"


def test_card_is_a_1200x630_png_and_the_same_bytes_every_time() -> None:
    card = Card(TITLE, "مقال · 17 تشرين الثاني/نوفمبر 2017 · أخبار الآن", "أثر")
    first, second = draw(card), draw(card)
    assert first == second
    image = _png(first)
    assert image.size == (WIDTH, HEIGHT) == (1200, 630)
    assert image.format == "PNG"
    assert not set(image.info) - {"dpi"}, f"no text chunks or timestamps: {image.info}"


def test_title_is_aligned_to_the_right_margin() -> None:
    plain = _png(draw(Card("", "", ""))).convert("RGB")
    titled = _png(draw(Card(TITLE, "", ""))).convert("RGB")
    ink = ImageChops.difference(plain, titled).getbbox()
    assert ink is not None
    left, _, right, _ = ink
    assert WIDTH - MARGIN_START - 12 <= right <= WIDTH - MARGIN_START + 12, ink
    assert left > 40, "the text starts at the right and does not run off the left edge"


def test_long_titles_shrink_then_end_with_an_ellipsis() -> None:
    font, lines = fit_title(TITLE, WIDTH - 200)
    assert font.size == 72 and len(lines) == 2
    long = " ".join([TITLE] * 8)
    font, lines = fit_title(long, WIDTH - 200)
    assert font.size == min(cards.TITLE_SIZES)
    assert lines[-1].endswith("…")
    assert all(font.getlength(order(line)) <= WIDTH - 200 for line in lines)


def test_cache_reuses_a_card_and_redraws_only_a_changed_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cards"
    card = Card(TITLE, "مقال", "أثر")
    first = CardCache(folder)
    data = first.png(card)
    assert first.drawn == 1 and len(list(folder.glob("*.png"))) == 1

    def fail(_: Card) -> bytes:
        raise AssertionError("an unchanged card was drawn again")

    monkeypatch.setattr(cards, "draw", fail)
    again = CardCache(folder)
    assert again.png(card) == data and again.drawn == 0
    monkeypatch.undo()
    changed = CardCache(folder)
    assert changed.png(Card(TITLE + " جديد", "مقال", "أثر")) != data
    assert changed.drawn == 1 and len(list(folder.glob("*.png"))) == 2


def test_many_cards_come_back_in_order_and_repeats_are_drawn_once(tmp_path: Path) -> None:
    a, b = Card("أ"), Card("ب")
    cache = CardCache(tmp_path)
    pa, pb, pa2 = cache.pngs([a, b, a])
    assert pa == pa2 != pb
    assert cache.drawn == 2
    assert (pa, pb) == (draw(a), draw(b))


def test_a_damaged_cache_file_is_redrawn(tmp_path: Path) -> None:
    card = Card("عنوان", "", "")
    cache = CardCache(tmp_path)
    data = cache.png(card)
    (path,) = tmp_path.glob("*.png")
    path.write_bytes(b"not a png")
    assert CardCache(tmp_path).png(card) == data


def test_without_a_cache_folder_cards_are_still_drawn() -> None:
    cache = CardCache(None)
    assert _png(cache.png(Card("عنوان"))).size == (1200, 630)
    assert cache.drawn == 1


def test_adler32_combine_agrees_with_zlib() -> None:
    import random
    import zlib
    rng = random.Random(5)
    for _ in range(200):
        a = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
        b = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 70000, 7)))
        assert cards._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_zlib_ng_writes_the_bytes_the_standard_zlib_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """A card is the same file on a machine without zlib-ng's wheel (the standard zlib stands in)."""
    import zlib

    from builder import deflate

    assert deflate.NAME.startswith("zlib-ng ")  # the dependency is installed: the fast path is the one tested
    drawn = [Card(TITLE, "مقال · 2017", "أثر"), Card("قصير"), Card("٣٠ ألف مقاتل (تقديرات)", "حدث")]
    fast = [cards.draw(card) for card in drawn]
    monkeypatch.setattr(cards, "zlib", zlib)
    cards._base_segment.cache_clear()  # the shared rows are compressed again too
    assert [cards.draw(card) for card in drawn] == fast


def test_encoding_only_the_painted_rows_gives_the_same_pixels_as_a_whole_picture_encoder() -> None:
    card = Card(TITLE, "مقال · 2017", "أثر")
    ours = _png(draw(card))
    ours.load()
    assert ours.mode == "P" and ours.size == (WIDTH, HEIGHT)
    # The same picture, painted on the base and saved by Pillow's own PNG encoder.
    image = cards._base(card.footer).copy()
    assert Image.open(io.BytesIO(cards.encode(image, card.footer, []))).tobytes() == image.tobytes()
    face = cards._face(BOLD, 56)
    rows = cards._paint(image, face.place(order(TITLE), WIDTH - MARGIN_START, 300), cards.INK_RAMP)
    assert 300 <= rows[0] < rows[1] < 400 and image.tobytes() != cards._base(card.footer).tobytes()
    for spans in ([rows], [(0, HEIGHT)], [(0, 20), (15, 40), rows, (600, HEIGHT)]):
        data = cards.encode(image, card.footer, spans)
        assert Image.open(io.BytesIO(data)).tobytes() == image.tobytes(), spans
    reference = io.BytesIO()
    ours.save(reference, format="PNG")
    assert Image.open(reference).tobytes() == ours.tobytes()
    assert ours.getpalette()[:3] == list(cards.PAPER)
    # Text was painted: the title band is not blank paper.
    assert ours.crop((0, cards.TITLE_TOP, WIDTH - 40, cards.TITLE_BOTTOM)).getbbox() is not None


def test_published_cards_are_the_cache_files_in_order(tmp_path: Path) -> None:
    a, b = Card("أ", "مقال"), Card("ب", "حدث")
    cache = CardCache(tmp_path)
    linked = list(cache.linked([a, b, a]))
    assert all(isinstance(f, Linked) and f.source.parent == tmp_path for f in linked)
    assert [f.read() for f in linked] == [draw(a), draw(b), draw(a)]
    assert cache.drawn == 2 and len(list(tmp_path.glob("*.png"))) == 2
    again = CardCache(tmp_path)
    assert [f.read() for f in again.linked([b])] == [draw(b)] and again.drawn == 0
    assert list(CardCache(None).linked([a])) == [draw(a)]  # no cache: the bytes


def test_published_cards_are_readable_by_everyone_like_the_pages(tmp_path: Path) -> None:
    """A site copied with its modes (rsync -a) is served by another user: a 0600 card would be refused."""
    a, b = Card("أ", "مقال"), Card("ب", "حدث")
    cache = CardCache(tmp_path)
    (linked_a,) = cache.linked([a])
    assert stat.S_IMODE(linked_a.source.stat().st_mode) == PUBLISHED_MODE == 0o644 & ~_umask()
    assert PUBLISHED_MODE & 0o044 == 0o044  # the tests run with the usual umask
    (linked_b,) = cache.linked([b])
    os.chmod(linked_b.source, 0o600)  # a card stored by an older athar (mkstemp's mode)
    (again,) = CardCache(tmp_path).linked([b])
    assert stat.S_IMODE(again.source.stat().st_mode) == PUBLISHED_MODE
    root = tmp_path / "site"
    root.mkdir()
    write_file(root, "a/card.png", linked_a)
    assert stat.S_IMODE((root / "a" / "card.png").stat().st_mode) == PUBLISHED_MODE


def test_the_background_draws_nothing_while_paused_and_everything_after(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    background = cards.Background(folder)
    try:
        with background.paused():
            background.draw([Card(f"عنوان {n}", "خبر", "athar") for n in range(4)])
            time.sleep(0.5)  # a card takes milliseconds: unpaused, some would be drawn by now
            assert not list(folder.glob("*.png"))
        background.wait()
    finally:
        background.close()
    assert len(list(folder.glob("*.png"))) == 4


def test_the_writer_meets_the_background_or_stops_it(tmp_path: Path) -> None:
    """With the list handed over, the writer draws from its end; with another, it stops the background."""
    made = [Card(f"عنوان {n}", "خبر", "athar") for n in range(30)]
    folder = tmp_path / "same"
    background = cards.Background(folder)
    background.draw(made)
    linked = list(CardCache(folder, helper=background).linked(made))
    assert [f.read() for f in linked] == [draw(c) for c in made]
    assert len(list(folder.glob("*.png"))) == 30

    folder = tmp_path / "other"
    background = cards.Background(folder)
    with background.paused():
        background.draw(made)
        wanted = made[5:8]
        cache = CardCache(folder, helper=background)
        background._paused.value = 0  # as the build does: the writer runs unpaused
        linked = list(cache.linked(wanted))
    assert [f.read() for f in linked] == [draw(c) for c in wanted]
    assert len(list(folder.glob("*.png"))) < 30  # stopped, not run to the end


def test_the_background_runs_its_after_job_once_the_cards_are_done(tmp_path: Path) -> None:
    made = [Card(f"عنوان {n}", "خبر", "athar") for n in range(6)]
    folder = tmp_path / "cards"
    background = cards.Background(folder, after=lambda: "hashed")
    background.draw(made)
    assert [f.read() for f in CardCache(folder, helper=background).linked(made)] == [draw(c) for c in made]
    assert background.outcome() == (True, "hashed")  # the writer met it: it went on with the job, not stopped
    assert not background._process.is_alive()

    nothing = cards.Background(tmp_path / "none", after=lambda: "hashed")
    nothing.draw([])  # a site without cards (no host): nobody finishes them, the job's result still comes back
    assert nothing.outcome() == (True, "hashed")

    def fails() -> None:
        raise OSError("unreadable")

    background = cards.Background(tmp_path / "other", after=fails)
    background.draw(made[:1])
    background.wait()
    assert background.outcome() == (False, None)  # the build then runs the job itself


def test_the_background_draws_at_a_lower_priority_than_the_build(tmp_path: Path) -> None:
    """Beside the render pool it takes what the pages leave; it fills the idle core of the write step."""
    import os

    background = cards.Background(tmp_path / "cards")
    try:
        pid = background._process.pid
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        deadline = time.monotonic() + 10
        while os.getpriority(os.PRIO_PROCESS, pid) == mine and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + cards.NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, 0) == mine  # the build itself keeps its priority
    finally:
        background.close()


def test_the_cards_are_handed_over_in_a_file_that_goes_when_the_process_does(tmp_path: Path) -> None:
    """The background reads the cards from a file as it draws (holding none in memory); close() removes it."""
    folder = tmp_path / "cards"
    made = [Card(f"عنوان {n}", "خبر", "athar") for n in range(5)]
    background = cards.Background(folder)
    try:
        with background.paused():
            background.draw(made)
            listed = list(folder.glob(".cards-*"))
            assert len(listed) == 1 and listed[0].stat().st_size > 0
        background.wait()
    finally:
        background.close()
    assert not list(folder.glob(".cards-*"))
    assert sorted(p.read_bytes() for p in folder.glob("*.png")) == sorted(draw(c) for c in made)


def test_cards_missing_from_the_cache_are_stored_by_the_drawers_not_held_here(tmp_path: Path, monkeypatch) -> None:
    """Without a background process (ATHAR_JOBS=1, or it failed) the cards are drawn straight into the cache.

    The PNGs of 100,000 articles' cards are over 2 GB: they must never come back as one list.
    """
    made = [Card(f"عنوان {n}", "خبر", "athar") for n in range(240)]
    asked: list[int] = []
    pngs = CardCache.pngs
    monkeypatch.setattr(CardCache, "pngs", lambda self, cards: asked.append(len(cards)) or pngs(self, cards))
    cache = CardCache(tmp_path / "cards")
    linked = list(cache.linked(made + made[:3]))
    assert all(not isinstance(f, bytes) for f in linked) and asked == []
    assert cache.drawn == 240 and len(list((tmp_path / "cards").glob("*.png"))) == 240
    assert [f.read() for f in linked[:2]] == [draw(made[0]), draw(made[1])]
    monkeypatch.setattr(cards, "FILL_BATCH", 100)
    assert [len(b) > 0 for b in CardCache(None).linked(made[:5])] == [True] * 5
    list(CardCache(None).linked(made))
    assert max(asked) <= 100


def test_card_keys_are_kept_only_by_a_process_that_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A preview session keeps them (it links every card after each edit); a build's card process does not."""
    monkeypatch.setattr(cards, "_remembered_keys", None)
    card = Card("عنوان", "مقال")
    key = cards.cache_key(card)
    assert cards._remembered_keys is None
    cards.remember_keys()
    assert cards.cache_key(card) == key and cards._remembered_keys == {card: key}
    assert cards.cache_key(Card("عنوان آخر")) != key and len(cards._remembered_keys) == 2
