"""``athar new SLUG``: scaffold an article and its annotation file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from builder.dates import parse_day
from builder.errors import UsageError
from builder.schema import ID_RE, suggest_id

_ARTICLE = """---
title: "{title}"
date: "{date}"
# source: أخبار الآن
# source_url: https://...
# author: ...
# dateline: دبي
tags: []
---
{placeholder}
"""

PLACEHOLDER = "الصق نص المقال هنا كما نُشر، حرفًا بحرف."
"""The body of a new article ("paste the article's text here, as published, letter for letter"): check warns while it is there."""

_ANNOTATIONS = """# Stand-off annotations for {slug}.md (see README: "Content format").
# mentions:
#   - ref: place:mosul
#     quote: الموصل
# events:
#   - ref: mosul-recapture-2017
#     quote: استعادة السيطرة على مدينة الموصل
#     claimed_date: 2017-07
# related:
#   - title: عنوان القصة
#     url: https://example.org/story
# notes:
#   - quote: ...
#     text: ...
mentions: []
events: []
related: []
notes: []
"""


def new_article(content: Path, slug: str, title: str = "", when: str = "") -> tuple[Path, Path]:
    """Create ``articles/SLUG.md`` and ``SLUG.yaml``; never overwrite."""
    if not ID_RE.match(slug):
        raise UsageError(f"slug {slug!r} is not valid: use lowercase ASCII letters, digits and '-', e.g. {suggest_id(slug)}")
    day = when or date.today().isoformat()
    if isinstance(parse_day(day), str):
        raise UsageError(f"--date {day!r} is not a date: write YYYY-MM-DD")
    folder = Path(content) / "articles"
    md, ann = folder / f"{slug}.md", folder / f"{slug}.yaml"
    for path in (md, ann):
        if path.exists():
            raise UsageError(f"{path} already exists; choose another slug")
    folder.mkdir(parents=True, exist_ok=True)
    safe_title = (title or "عنوان المقال").replace("\\", "\\\\").replace('"', '\\"')
    md.write_text(_ARTICLE.format(title=safe_title, date=day, placeholder=PLACEHOLDER), encoding="utf-8")
    ann.write_text(_ANNOTATIONS.format(slug=slug), encoding="utf-8")
    return md, ann
