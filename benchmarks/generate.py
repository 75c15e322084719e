"""Write a realistic synthetic corpus in athar's content format.

Research-shaped: N articles of 300-900 words of real Arabic (the bundled
seed article's paragraphs, recombined) with 5-30 entity mentions, 1-5 event
annotations and 0-3 related links each; registries that grow with N (about
N/5 places, N/20 actors, N/2 events) with aliases, coordinates and dates.
Deterministic for a given seed and N.

    python benchmarks/generate.py OUT_DIR --articles 10000 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_ARTICLE = REPO / "content" / "articles" / "caliphate-collapse-2017.md"

PLACE_PREFIXES = ["تل", "دير", "عين", "بئر", "جسر", "كفر", "سوق", "قلعة", "وادي", "جبل", "خان", "رأس"]
STEMS = """الزهور النخيل الرمان الصفصاف البلوط الزيتون العنب التين الورد السنديان الكرمة الياسمين الحمام
الغزلان العقاب الصقور النسور الذئاب الفرسان الرعاة الحجارة الرمال الصخور الينابيع الآبار الجداول الأنهار
السهول الهضاب التلال الوديان الكهوف القباب المنارة الأسوار الأبراج القناطر الطواحين المعاصر الحقول البساتين
الكروم المراعي البيادر الخيام القوافل الأسواق المساجد الكنائس الأديرة المدارس الجسور الموانئ السفن الأشرعة
المرايا القناديل السيوف الدروع الرايات الطبول القصائد الحكايات الأقمار النجوم الشموس الغيوم الأمطار الرياح
الثلوج الصباح المساء الفجر الغروب الربيع الخريف الصيف الشتاء العسل اللبن القمح الشعير الذرة القطن الحرير""".split()
ADJECTIVES = ["الشرقي", "الغربي", "الشمالي", "الجنوبي", "الكبير", "الصغير", "الجديد", "القديم", "الأعلى", "الأسفل",
              "الأوسط", "البعيد", "القريب", "الأحمر", "الأخضر", "الأبيض", "الأسود", "الذهبي", "الفضي", "الحجري"]
ACTOR_PREFIXES = ["كتائب", "لواء", "قوات", "جبهة", "حركة", "فرقة", "سرايا", "تجمع"]
EVENT_KINDS = [("battle", "معركة"), ("territory-change", "استعادة"), ("airstrike", "قصف"), ("siege", "حصار"),
               ("campaign", "حملة"), ("attack", "هجوم"), ("declaration", "إعلان")]
TAGS = ["داعش", "العراق", "سوريا", "ليبيا", "حصاد-العام", "مقابلات", "تحليل", "ميدان", "نازحون", "حدود"]
SOURCES = ["أخبار الآن", "وكالة الأنباء", "صحيفة المساء", "إذاعة الفجر"]


def _paragraphs() -> list[str]:
    text = SEED_ARTICLE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    paras = [re.sub(r"\s+", " ", p).strip() for p in text.split("\n\n")]
    return [p for p in paras if len(p.split()) > 8]


def _names(rng: random.Random, prefixes: list[str], count: int) -> list[str]:
    """``count`` distinct three-word names, none a prefix of another."""
    combos = [(p, s, a) for p in prefixes for s in STEMS for a in ADJECTIVES]
    rng.shuffle(combos)
    if count > len(combos):
        raise SystemExit(f"cannot make {count} distinct names from {len(combos)} combinations")
    return [" ".join(c) for c in combos[:count]]


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(2011, 2020), rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.15:
        return f'"{year}"'
    if roll < 0.45:
        return f'"{year}-{month:02d}"'
    if roll < 0.55:
        return f"{{start: \"{year}-{month:02d}-{day:02d}\", end: \"{year}-{month:02d}-{min(28, day + rng.randint(1, 20)):02d}\"}}"
    return f'"{year}-{month:02d}-{day:02d}"'


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(out: Path, n: int, seed: int = 1) -> None:
    """Write a corpus of ``n`` articles into ``out`` (replaced if it exists)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "articles").mkdir(parents=True)
    n_places, n_actors, n_events = max(20, n // 5), max(5, n // 20), max(10, n // 2)
    places = _names(rng, PLACE_PREFIXES, n_places)
    actors = _names(rng, ACTOR_PREFIXES, n_actors)
    paras = _paragraphs()

    (out / "site.yaml").write_text(
        "title: مدونة اختبار الأداء\ndescription: مدونة مولدة آليًا لقياس الأداء\nbase_url: /\nauto_mentions: false\n",
        encoding="utf-8")
    with open(out / "places.yaml", "w", encoding="utf-8") as fh:
        for i, name in enumerate(places):
            alias = name.replace("ة", "ه") if "ة" in name else name.split()[0] + "ـ" + " ".join(name.split()[1:])
            fh.write(f"- id: p{i}\n  name: {name}\n  name_en: Place {i}\n  aliases: [{alias}]\n  kind: town\n"
                     f"  country: {'IQ' if i % 2 else 'SY'}\n  lat: {rng.uniform(30, 37):.4f}\n  lon: {rng.uniform(38, 46):.4f}\n")
    with open(out / "actors.yaml", "w", encoding="utf-8") as fh:
        for i, name in enumerate(actors):
            fh.write(f"- id: a{i}\n  name: {name}\n  name_en: Actor {i}\n  kind: armed group\n")
    events = []
    with open(out / "events.yaml", "w", encoding="utf-8") as fh:
        for i in range(n_events):
            kind, word = EVENT_KINDS[i % len(EVENT_KINDS)]
            p = rng.sample(range(n_places), rng.randint(1, 2))
            a = rng.sample(range(n_actors), rng.randint(1, 2))
            title = f"{word} {places[p[0]]} (رقم {i})"  # parenthesised: "رقم 3" must not occur inside "رقم 31"
            events.append(title)
            fh.write(f"- id: e{i}\n  title: {title}\n  date: {_date(rng)}\n  type: {kind}\n"
                     f"  places: [{', '.join(f'p{x}' for x in p)}]\n  actors: [{', '.join(f'a{x}' for x in a)}]\n"
                     f"  sources:\n    - title: Source {i}\n      url: https://example.org/source/{i}\n")
    for i in range(n):
        _article(out, rng, i, paras, places, actors, events)


def _article(out: Path, rng: random.Random, i: int, paras, places, actors, events) -> None:
    year = rng.randint(2012, 2020)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    target_words = rng.randint(300, 900)
    n_mentions = rng.randint(5, 30)
    mention_ids = [("place", rng.randrange(len(places))) if rng.random() < 0.7 else ("actor", rng.randrange(len(actors)))
                   for _ in range(n_mentions)]
    event_ids = rng.sample(range(len(events)), rng.randint(1, 5))
    sentences = []
    for kind, idx in mention_ids:
        name = places[idx] if kind == "place" else actors[idx]
        sentences.append(f"وأفادت مصادر محلية بأن الوضع في {name} تغير خلال الأيام الماضية." if kind == "place"
                         else f"وأعلنت {name} مسؤوليتها عن العملية.")
    for idx in event_ids:
        sentences.append(f"وشهدت المنطقة {events[idx]} بحسب شهود عيان.")
    rng.shuffle(sentences)
    body, words = [], 0
    while words < target_words or sentences:
        if sentences and (rng.random() < 0.6 or words >= target_words):
            para = " ".join(sentences[:3])
            del sentences[:3]
        else:
            para = rng.choice(paras)
        body.append(para)
        words += len(para.split())
    tags = rng.sample(TAGS, rng.randint(0, 3))
    meta = [f"title: {_q(f'تقرير رقم {i}: ' + rng.choice(paras)[:60].rsplit(' ', 1)[0])}", f'date: "{date}"',
            f"source: {rng.choice(SOURCES)}", f"tags: [{', '.join(tags)}]"]
    (out / "articles" / f"a{i:06d}.md").write_text("---\n" + "\n".join(meta) + "\n---\n" + "\n\n".join(body) + "\n",
                                                   encoding="utf-8")
    ann = ["mentions:"]
    for kind, idx in dict.fromkeys(mention_ids):
        name = places[idx] if kind == "place" else actors[idx]
        ann.append(f"  - ref: {kind}:{'p' if kind == 'place' else 'a'}{idx}\n    quote: {name}")
    ann.append("events:")
    for idx in event_ids:
        ann.append(f"  - ref: e{idx}\n    quote: {events[idx]}")
    related = rng.randint(0, 3)
    if related:
        ann.append("related:")
        for _ in range(related):
            if i and rng.random() < 0.6:
                ann.append(f"  - title: تقرير سابق\n    article: a{rng.randrange(i):06d}")
            else:
                ann.append(f"  - title: قصة غير مؤرشفة\n    url: https://example.org/story/{rng.randrange(10**6)}")
    (out / "articles" / f"a{i:06d}.yaml").write_text("\n".join(ann) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.articles, args.seed)
    print(f"wrote {args.articles} articles into {args.out}")


if __name__ == "__main__":
    main()
