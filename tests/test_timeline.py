"""The event timeline is in date order and shows claimed dates beside documented ones."""

from builder.timeline import build_timeline
from helpers_corpus import corpus_from

FILES = {
    "site.yaml": "title: t\n",
    "events.yaml": (
        "- id: late\n  title: ب\n  date: 2017-10-05\n"
        "- id: year\n  title: ج\n  date: 2017\n"
        "- id: range\n  title: د\n  date: {start: 2017-08-20, end: 2017-08-31}\n"
        "- id: early\n  title: أ\n  date: 2014-06\n"
    ),
    "articles/a.md": "---\ntitle: a\ndate: 2017-11-17\n---\nتحرير تلعفر في تشرين الأول\n",
    "articles/a.yaml": "events:\n  - ref: range\n    quote: تحرير تلعفر\n    claimed_date: 2017-10\n",
}


def test_order_groups_and_claims(tmp_path):
    corpus, problems = corpus_from(tmp_path, FILES)
    assert not problems.errors, [d.format() for d in problems.errors]
    timeline = build_timeline(corpus)
    assert [e.event.id for e in timeline.entries] == ["early", "year", "range", "late"]
    assert [y.year for y in timeline.years] == [2014, 2017]
    assert [m.month for m in timeline.years[1].months] == [0, 8, 10]
    [report] = timeline.by_event["range"].reports
    assert report.slug == "a" and report.claimed_date.iso == "2017-10" and report.differs


def test_agreeing_claim_is_not_flagged(tmp_path):
    files = dict(FILES)
    files["articles/a.yaml"] = "events:\n  - ref: range\n    quote: تحرير تلعفر\n    claimed_date: 2017-08\n"
    corpus, _ = corpus_from(tmp_path, files)
    assert not build_timeline(corpus).by_event["range"].reports[0].differs
