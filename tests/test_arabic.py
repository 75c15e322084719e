"""The Arabic text rules (builder/arabic.py), one test per rule, and the
browser's copy of them (templates/static/js/fold.js) run in node on the same
inputs: search only works if index and query fold the same way."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from builder.arabic import (
    Folded, digits, fold_char, hijri_month_name, month_name, normalize, normalize_with_map,
    prefix_stems, search_stem, sort_key, words,
)
from tools import REPO

FOLD_JS = REPO / "templates" / "static" / "js" / "fold.js"


# ------------------------------------------------------------ one test per rule

@pytest.mark.parametrize("variant, plain", [
    ("أحمد", "احمد"), ("إحتلاله", "احتلاله"), ("آذار", "اذار"), ("ٱلله", "الله"),
])
def test_hamza_and_madda_forms_of_alef_fold_to_bare_alef(variant: str, plain: str) -> None:
    assert normalize(variant) == plain


def test_hamza_on_waw_and_ya_fold_to_the_letter() -> None:
    assert normalize("القائم") == normalize("القايم") == "القايم"
    assert normalize("مؤتمر") == "موتمر"


def test_standalone_hamza_is_kept() -> None:
    assert normalize("شيء") == "شيء"
    assert normalize("سماء") != normalize("سما")


def test_ta_marbuta_folds_to_ha() -> None:
    assert normalize("الرقة") == normalize("الرقه") == "الرقه"


def test_alef_maqsura_and_persian_ya_fold_to_ya() -> None:
    assert normalize("فى") == normalize("في") == normalize("فی") == "في"
    assert normalize("التنظيم الإرهابى") == normalize("التنظيم الإرهابي")


def test_persian_kaf_and_heh_forms_fold() -> None:
    assert normalize("کویت") == "كويت"
    assert normalize("ھذا") == "هذا"


@pytest.mark.parametrize("marked", ["المَوْصِل", "الْمَوْصِلُ", "المــوصل", "الموصل\u0670", "ال\u200cموصل"])
def test_diacritics_tatweel_and_invisible_characters_are_dropped(marked: str) -> None:
    assert normalize(marked) == "الموصل"


def test_shadda_is_dropped() -> None:
    assert normalize("الرقّة") == normalize("الرقة")


def test_arabic_indic_and_persian_digits_become_ascii() -> None:
    assert normalize("٢٠١٧") == normalize("۲۰۱۷") == "2017"


def test_canonically_equivalent_forms_fold_the_same() -> None:
    decomposed = "ا\u0654حمد"  # alef + combining hamza above, not NFC
    assert normalize(decomposed) == normalize("أحمد")
    assert normalize("e\u0301") == normalize("é") == "e"


def test_presentation_forms_and_ligatures_unfold() -> None:
    assert normalize("ﺍﻟﻤﻮﺻﻞ") == "الموصل"
    assert normalize("ﻻ") == "لا"


def test_latin_is_lower_cased() -> None:
    assert normalize("Deir ez-Zor") == "deir ez-zor"
    assert normalize("MOSUL") == "mosul"


def test_apostrophes_are_dropped_so_transliterations_are_one_word() -> None:
    assert words("Al-Qa'im") == words("al-Qaim") == words("Al-Qa’im") == ["al", "qaim"]


def test_letters_that_differ_in_meaning_stay_apart() -> None:
    for a, b in [("ذ", "ز"), ("ظ", "ض"), ("ه", "ح"), ("و", "ي")]:
        assert normalize(a) != normalize(b)


def test_words_are_letter_and_digit_runs_of_folded_text() -> None:
    assert words("في دير الزور، عام ٢٠١٧ (Deir ez-Zor)") == ["في", "دير", "الزور", "عام", "2017", "deir", "ez", "zor"]
    assert words("مناطقإحتلاله") == ["مناطقاحتلاله"]


def test_folded_offsets_map_back_to_the_original() -> None:
    text = "في المَوْصِل ﻻ الرقّة"
    folded = Folded.of(text)
    at = folded.text.index("الموصل")
    start, end = folded.span(at, at + len("الموصل"))
    assert text[start:end] == "المَوْصِل"
    at = folded.text.index("لا")
    assert folded.span(at, at + 2) == (text.index("ﻻ"), text.index("ﻻ") + 1)
    at = folded.text.index("الرقه")
    assert text[slice(*folded.span(at, at + 5))] == "الرقّة"


def test_folded_offsets_agree_with_the_per_character_map() -> None:
    rng = random.Random(4)
    alphabet = "اأإآةىيئؤ\u064b\u0651\u0640 ﻻﷺ abİ٢\u200f😀𝐀\U000e0020"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        folded, index = normalize_with_map(text)
        fast = Folded.of(text)
        assert fast.text == folded == normalize(text)
        assert [fast.start(j) for j in range(len(folded))] == index


@pytest.mark.parametrize("form", ["الرقه", "والرقه", "بالرقه", "للرقه", "فالرقه", "وبالرقه"])
def test_search_stem_strips_waw_and_article_to_one_key(form: str) -> None:
    assert search_stem(form) == "رقه"


def test_search_stem_gives_a_word_and_its_clitic_forms_one_key() -> None:
    for word in ["وزير", "موصل", "قايم", "ليبيا", "اذقيه", "كويت", "انبار"]:
        key = search_stem(word)
        for clitics in ["و", "ال", "وال", "بال", "ل", "ف", "وب"]:
            assert search_stem(clitics + word) == key, clitics + word


def test_search_stem_keeps_three_letters() -> None:
    assert search_stem("في") == "في"
    assert search_stem("ولد") == "ولد"
    assert search_stem("الله") == "الله"


def test_prefix_stems_are_every_stage_of_stripping() -> None:
    assert prefix_stems("والرق") == ["والرق", "الرق", "رق"]
    assert prefix_stems("مو") == ["مو"]


# ------------------------------------------------------------ sorting, digits, months

def test_sort_key_ignores_the_article_and_diacritics() -> None:
    names = ["الموصل", "تلعفر", "الرقّة", "بغداد", "الأنبار", "سوريا", "العراق", "دير الزور", "ليبيا", "حلب"]
    assert sorted(names, key=sort_key) == [
        "الأنبار", "بغداد", "تلعفر", "حلب", "دير الزور", "الرقّة", "سوريا", "العراق", "ليبيا", "الموصل"]


def test_sort_key_follows_the_alphabet_after_folding() -> None:
    alphabet = "ا ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي".split()
    shuffled = alphabet[::-1]
    assert sorted(shuffled, key=sort_key) == alphabet
    assert sort_key("آب") < sort_key("بغداد")  # آ sorts as ا
    assert sort_key("الة")[0] == "اله"  # a two-letter word after ال is not stripped


def test_digits_follow_the_site_numerals() -> None:
    assert digits(2017, "arab") == "٢٠١٧"
    assert digits(2017, "latn") == "2017"


def test_month_names_by_style() -> None:
    assert month_name(7, "levantine") == "تموز"
    assert month_name(7, "egyptian") == "يوليو"
    assert month_name(7, "both") == "تموز/يوليو"
    assert month_name(1, "both") == "كانون الثاني/يناير"
    assert hijri_month_name(10) == "شوال"


# ------------------------------------------------------------ the browser's copy

TRICKY = [
    "القائم", "القايم", "المَوْصِل", "الرقّة", "الرقه", "والرقة", "للرقة", "بالموصل", "الـــرقة",
    "إحتلاله", "آذار", "ٱلله", "مؤتمر", "فى", "التى", "الإرهابى", "کویت", "ھذا",
    "٢٠١٧", "۲۰۱۷", "١٤٣٨هـ", "ﺍﻟﻤﻮﺻﻞ", "ﻻ", "ﷺ", "ا\u0654حمد", "e\u0301", "Deir ez-Zor", "Al-Qa'im",
    "MOSUL", "İstanbul", "ΟΔΟΣ", "straße", "Qa’im ‘Ana` x´y", "\u200fمصر\u200e", "ال\u200cموصل", "\ufeffبسم", "نص\u00adطويل",
    "مناطقإحتلاله", "و ومناطق", "دير الزور، الرقة؛ «حلب»", "x_y", "😀الموصل😀", "𝐀𝐁", "½ ² ①",
    "", " ", "سُوريَا", "الْعِرَاقُ", "ئ ؤ أ إ آ ء",
]


def _node_fold(inputs: list[str]) -> list[dict[str, object]]:
    node = shutil.which("node")
    assert node, "node is needed to test the browser's folding (apt-get install nodejs)"
    script = (
        "const vm = require('vm'), fs = require('fs');"
        f"vm.runInThisContext(fs.readFileSync({json.dumps(str(FOLD_JS))}, 'utf8'));"
        "const F = globalThis.AtharFold;"
        "const inputs = JSON.parse(fs.readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(inputs.map(t => {"
        "  const fm = F.foldWithMap(t);"
        "  return {fold: F.fold(t), map: fm[1], words: F.words(t),"
        "          stems: F.words(t).map(F.stem), prefix: F.words(t).map(F.prefixStems)};"
        "})));"
    )
    done = subprocess.run([node, "-e", script], input=json.dumps(inputs), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _utf16_offsets(text: str) -> list[int]:
    """UTF-16 offset of each code point of ``text`` (JS strings count in UTF-16)."""
    out, at = [], 0
    for ch in text:
        out.append(at)
        at += 2 if ord(ch) > 0xFFFF else 1
    return out


def test_javascript_folding_is_identical_to_python() -> None:
    results = _node_fold(TRICKY)
    for text, js in zip(TRICKY, results):
        folded, index = normalize_with_map(text)
        offsets = _utf16_offsets(text)
        assert js["fold"] == folded, text
        units = [offsets[i] for ch, i in zip(folded, index) for _ in range(2 if ord(ch) > 0xFFFF else 1)]
        assert js["map"] == units, text
        assert js["words"] == words(text), text
        assert js["stems"] == [search_stem(w) for w in words(text)], text
        assert js["prefix"] == [prefix_stems(w) for w in words(text)], text


def test_javascript_folding_is_identical_on_every_arabic_character() -> None:
    chars = [chr(c) for c in range(0x0600, 0x0700)] + [chr(c) for c in range(0xFB50, 0xFE00, 7)] + \
            [chr(c) for c in range(0xFE70, 0xFF00)]
    results = _node_fold(chars)
    mismatched = [(c, js["fold"], fold_char(c)) for c, js in zip(chars, results) if js["fold"] != fold_char(c)]
    assert not mismatched


# ------------------------------------------------------------ tag slugs

@pytest.mark.parametrize("name, slug", [
    ("داعش", "داعش"), ("حصاد 2017", "حصاد-2017"), ("حصاد ٢٠١٧", "حصاد-2017"), ("الأنبار", "الانبار"),
    ("الرقّة", "الرقه"), ("Foo_Bar!", "foo-bar"), ("  مدن   محررة  ", "مدن-محرره"), ("Mosul 2017", "mosul-2017"),
])
def test_tag_slugs_are_folded_words_joined_by_hyphens(name: str, slug: str) -> None:
    from builder.corpus import tag_slug
    assert tag_slug(name) == slug


def test_tag_slugs_are_short_stable_and_never_empty() -> None:
    from builder.corpus import tag_slug
    long = tag_slug(" ".join(["كلمة"] * 30))
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("كلمه-")
    assert tag_slug("!!!") == tag_slug("!!!") != tag_slug("???")
    assert tag_slug("!!!").startswith("tag-")


def test_spellings_of_one_tag_share_a_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fixtures_site import MINIMAL
    from helpers_corpus import corpus_from
    files = {**MINIMAL, "articles/two.md": "---\ntitle: ب\ndate: 2017-07-12\ntags: [الأنبار, حصاد ٢٠١٧]\n---\nنص.\n",
             "articles/one.md": "---\ntitle: أ\ndate: 2017-07-11\ntags: [الانبار, حصاد 2017]\n---\nاستعادة السيطرة على مدينة الموصل من داعش.\n"}
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors
    assert sorted(corpus.tags) == ["الانبار", "حصاد-2017"]
