"""Stage 4, render: the model and its indexes -> pages, as (path, bytes).

Templates come from ``templates/`` in the package; a project's own
``templates/`` folder (beside its content) overrides any of them by name.
Templates are compiled once per build and only show what they are given.
Every output path is built from validated ids and checked by the writer.
"""

from __future__ import annotations

import html
import importlib.resources
import secrets
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote

import jinja2
import jinja2.meta
from markupsafe import Markup

from builder import jsonsafe
from builder.arabic import digits, sort_key
from builder.fmt import Formatter
from builder.indexes import Indexes, Neighbours
from builder.markup import Mark, excerpt, mark_spans, strip_tags
from builder.model import Actor, Article, Corpus, Event, EventReport, Place, Settings
from builder.parallel import release_memory
from builder.cards import Background
from builder.search import build_search
from builder.publish import Publisher, publish_outputs
from builder.timeline import claim_differs, numbered_claims, quote_anchor

Output = tuple[str, bytes]
"""A file of the site: its path relative to the output folder, and its bytes."""

KIND_LABELS = {"place": "مكان", "actor": "فاعل", "event": "حدث", "note": "ملاحظة"}
EVENT_TYPE_LABELS = {
    "battle": "معركة",
    "territory-change": "تغيّر السيطرة",
    "airstrike": "غارة جوية",
    "declaration": "إعلان",
    "campaign": "حملة عسكرية",
    "siege": "حصار",
    "attack": "هجوم",
    "protest": "احتجاج",
    "agreement": "اتفاق",
    "other": "أخرى",
}


def default_templates() -> Path:
    """The templates shipped with athar (the repository's ``templates/``)."""
    try:
        path = Path(str(importlib.resources.files("builder.templates")))
        if (path / "base.html").is_file():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "templates"


def make_environment(user_templates: Path | None) -> jinja2.Environment:
    """A Jinja2 environment: user templates first, then the defaults; autoescape on."""
    paths = [str(p) for p in (user_templates, default_templates()) if p and p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates do not change under a Renderer: serve makes a new one (a full build) when they
        # do. Checking each included template's mtime on every page was 6,300 stat calls at 1,000 articles.
        auto_reload=False,
    )
    return env


def static_files(user_templates: Path | None) -> Iterator[tuple[str, Path]]:
    """Static assets (CSS, JS, fonts) by output path; user files override by path."""
    seen: dict[str, Path] = {}
    for root in (user_templates, default_templates()):
        if root is None or not (root / "static").is_dir():
            continue
        for path in sorted((root / "static").rglob("*")):
            rel = "static/" + path.relative_to(root / "static").as_posix()
            if path.is_file() and rel not in seen and not path.name.startswith("."):
                seen[rel] = path
    yield from sorted(seen.items())


@lru_cache(maxsize=1 << 16)
def _quoted_url(base_path: str, path: str) -> str:
    """URLs repeat thousands of times per build; quoting each once is enough."""
    return base_path + quote(path.lstrip("/"), safe="/#?=&")


@dataclass(frozen=True)
class Links:
    """URLs of every page, from ids: one place decides the URL scheme."""

    base_path: str

    def url(self, path: str) -> str:
        """Root-relative URL under the base path, percent-encoded."""
        return _quoted_url(self.base_path, path)

    def article(self, slug: str) -> str:
        return self.url(f"articles/{slug}/")

    def event(self, ident: str) -> str:
        return self.url(f"events/{ident}/")

    def place(self, ident: str) -> str:
        return self.url(f"places/{ident}/")

    def actor(self, ident: str) -> str:
        return self.url(f"actors/{ident}/")

    def tag(self, slug: str) -> str:
        return self.url(f"tags/{slug}/")

    def static(self, name: str) -> str:
        return self.url(f"static/{name}")

    def entity(self, kind: str, ident: str) -> str:
        return getattr(self, kind)(ident)


@dataclass(frozen=True, slots=True)
class PageTask:
    """One page to render: where it goes, with which template, about what."""

    path: str
    template: str
    kind: str  # "article", "event", "place", "actor", "tag" or "index"
    key: str = ""  # slug or id for entity pages


def plan(corpus: Corpus, indexes: Indexes) -> list[PageTask]:
    """Every HTML page of the site, in a stable order (cheap: no rendering)."""
    tasks = [PageTask("index.html", "index.html", "index"), PageTask("articles/index.html", "articles.html", "index")]
    tasks += [PageTask(f"articles/{slug}/index.html", "article.html", "article", slug) for slug in corpus.articles]
    tasks.append(PageTask("events/index.html", "events.html", "index"))
    tasks += [PageTask(f"events/{e.event.id}/index.html", "event.html", "event", e.event.id) for e in indexes.timeline.entries]
    tasks.append(PageTask("places/index.html", "places.html", "index"))
    tasks += [PageTask(f"places/{pid}/index.html", "place.html", "place", pid) for pid in corpus.places]
    tasks.append(PageTask("actors/index.html", "actors.html", "index"))
    tasks += [PageTask(f"actors/{aid}/index.html", "actor.html", "actor", aid) for aid in corpus.actors]
    tasks.append(PageTask("tags/index.html", "tags.html", "index"))
    tasks += [PageTask(f"tags/{slug}/index.html", "tag.html", "tag", slug) for slug in corpus.tags]
    tasks += [PageTask("search/index.html", "search.html", "index"), PageTask("404.html", "404.html", "index")]
    return tasks


def _same(value: Any) -> Any:
    return value


class Renderer:
    """Renders page tasks; holds the compiled templates for the whole build.

    Built once per build (in the main process, then inherited by worker
    processes), so templates are compiled once.
    """

    def __init__(self, corpus: Corpus, indexes: Indexes, user_templates: Path | None = None, text_memo: bool = False):
        """``text_memo``: keep memoised fragments as str, not UTF-8 (see :meth:`memo`)."""
        self.corpus = corpus
        self.indexes = indexes
        self.links = Links(corpus.settings.base_path)
        env = make_environment(user_templates)
        env.filters.update(Formatter(corpus.settings).filters())
        env.filters["textdir"] = text_direction
        env.filters["textattrs"] = partial(text_attributes, corpus.settings)
        env.globals.update(
            site=corpus.settings,
            corpus=corpus,
            links=self.links,
            url=self.links.url,
            kind_labels=KIND_LABELS,
            type_labels=EVENT_TYPE_LABELS,
            stats=indexes.stats,
            timeline=indexes.timeline,
            memo=self.memo,
            memo_each=self.memo_each,
        )
        self._memo: dict[tuple[str, str], Any] = {}  # bytes, or str with text_memo
        self._entity_json: dict[str, str] = {}  # a place's or actor's popover data, as JSON (see _annotation_data)
        self._kept: Callable[[str], Any] = _same if text_memo else str.encode
        self._shown: Callable[[Any], str] = _same if text_memo else bytes.decode
        self._line: Any = "\n" if text_memo else b"\n"
        # Long lists spliced into the page as UTF-8 (see memo_each): none with text_memo.
        self._splices: list[list[bytes]] | None = None if text_memo else []
        self._splice_mark = f"\ue000{secrets.token_hex(8)}:"  # never in a page: chosen anew by each build
        self._memo_depth = 0
        self.env = env
        self.templates: dict[str, jinja2.Template] = {}
        self.template_roots = (user_templates, default_templates())
        self.publisher = Publisher(corpus, indexes, self.links, self.template_roots)

    def memo(self, kind: str, key: str, macro: Callable[..., Any], *args: Any) -> Any:
        """``macro(*args)``, rendered once per build for ``(kind, key)``.

        For fragments that are the same on every page (an article's card in
        the lists of each place, actor, event and tag it names): rendering
        them again on every page was much of the cost of entity pages.
        A fragment must depend only on what its key names: ``("article-card",
        slug)`` on that article, ``("event-item", id)`` on that event,
        ``("event-entry", id)`` on that event and the articles reporting it,
        since :meth:`rebind` forgets exactly the fragments edited articles touch.

        Fragments are kept as UTF-8: a str holding Arabic takes two bytes for
        every character, markup included, and each process keeps the cards of
        most articles (100,000 articles: ~250 MB a process as str).  A serve
        session (one process, a live edit re-rendering the 11 MB event index
        of 10,000 articles) keeps them as str instead: decoding them all
        again was a tenth of an edit.
        """
        stored = self._memo.get((kind, key))
        if stored is None:
            self._memo_depth += 1  # a list inside a fragment is part of it, not spliced into this page
            try:
                stored = self._memo[(kind, key)] = self._kept(str(macro(*args)))
            finally:
                self._memo_depth -= 1
        return Markup(self._shown(stored))

    def memo_each(self, kind: str, key: str, items: Iterable[Any], macro: Callable[..., Any],
                  keep_in_build: bool = True) -> Markup:
        """``memo(kind, item.<key>, macro, item)`` for each item, one per line.

        The loop of a long list (10,000 article cards, 5,000 events) in
        Python rather than in the template: a live edit re-renders those
        lists, and calling back into Jinja for each item cost more than the
        fragments themselves.

        In a build (fragments kept as UTF-8) the list is not put in the page
        text: the page gets a mark, and :meth:`render_pieces` writes the
        fragments in its place. A place named by most of 100,000 articles
        lists 80,000 cards: joined, decoded into the page and encoded again,
        that was over 200 MB at once in each process, for one page.

        ``keep_in_build=False``: a build renders these fragments again on
        each page rather than keep them, for items shown on a few pages
        only (an event, on the pages of its places and actors: kept, the
        50,000 events of 100,000 articles were ~30 MB in each process at
        the build's peak). serve keeps them: a live edit re-renders a
        place's whole list.
        """
        get = attrgetter(key)
        memo = self._memo
        keep = keep_in_build or self._splices is None
        shown = []
        self._memo_depth += 1
        try:
            for item in items:
                k = (kind, get(item))
                fragment = memo.get(k)
                if fragment is None:
                    fragment = self._kept(str(macro(item)))
                    if keep:
                        memo[k] = fragment
                shown.append(fragment)
        finally:
            self._memo_depth -= 1
        if self._splices is not None and self._memo_depth == 0:
            self._splices.append(shown)
            return Markup(f"{self._splice_mark}{len(self._splices) - 1}\ue001")
        return Markup(self._shown(self._line.join(shown)))

    def forget(self) -> None:
        """Let go of every memoised fragment (the build no longer renders pages)."""
        self._memo.clear()
        self._entity_json.clear()
        release_memory()

    def rebind(self, corpus: Corpus, indexes: Indexes, edited_articles: Iterable[str] | None = None) -> None:
        """Render a new version of the corpus with the same compiled templates.

        ``edited_articles``: when only these articles changed, the memo keeps
        every other fragment (a title edit re-renders the list of all
        articles, whose other 9,999 cards are unchanged); otherwise it is
        emptied.
        """
        if edited_articles is None:
            self._memo.clear()
            self._entity_json.clear()
        else:
            for slug in edited_articles:
                self._memo.pop(("article-card", slug), None)
                for version in (self.corpus.articles.get(slug), corpus.articles.get(slug)):
                    for event_id in version.event_ids if version else ():  # its reports are listed there
                        self._memo.pop(("event-entry", event_id), None)
        self.corpus, self.indexes = corpus, indexes
        self.env.globals.update(corpus=corpus, stats=indexes.stats, timeline=indexes.timeline)
        self.publisher = Publisher(corpus, indexes, self.links, self.template_roots)

    def compile(self, names: set[str]) -> None:
        """Compile templates up front, and those they extend, import or include.

        Worker processes inherit them compiled, and so does a ``serve``
        session: its first live edit compiled base.html and the macros in
        the middle of the update.
        """
        pending, seen = sorted(names), set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            template = self.env.get_template(name)
            if name in names:
                self.templates.setdefault(name, template)
            source = self.env.loader.get_source(self.env, name)[0] if self.env.loader else ""
            pending += [n for n in jinja2.meta.find_referenced_templates(self.env.parse(source)) if n]

    def render(self, task: PageTask) -> Output:
        """The bytes of one page."""
        path, pieces = self.render_pieces(task)
        return path, _joined(pieces)

    def render_pieces(self, task: PageTask) -> tuple[str, list[bytes]]:
        """One page as pieces of bytes to write one after the other: its text, and the lists spliced into it."""
        return self.render_files(task)[0]

    def render_files(self, task: PageTask) -> list[tuple[str, list[bytes]]]:
        """A page as pieces (see :meth:`render_pieces`), then the files made with it (an article's citations)."""
        tpl = self.templates.get(task.template)
        if tpl is None:
            tpl = self.templates[task.template] = self.env.get_template(task.template)
        page_url = "/" + task.path.removesuffix("index.html")
        if self._splices is not None:
            self._splices.clear()
        context = self.context(task)
        extra = self.publisher.page_context(page_url, task.template, context)
        context.update(extra)
        text = tpl.render(page_path=page_url, **context)
        page = [text.encode("utf-8")] if not self._splices else self._spliced(text)
        return [(task.path, page), *((path, [data]) for path, data in self.publisher.page_files(extra))]

    def _spliced(self, text: str) -> list[bytes]:
        """The page's text with each list's mark replaced by its fragments, one per line."""
        assert self._splices is not None
        parts = text.split(self._splice_mark)
        pieces = [parts[0].encode("utf-8")]
        for part in parts[1:]:
            number, _, rest = part.partition("\ue001")
            fragments = self._splices[int(number)]
            lines = [b"\n"] * (2 * len(fragments) - 1) if fragments else []
            lines[::2] = fragments  # fragment, newline, fragment, ...: by C loops (80,000 cards on a page)
            pieces += lines
            pieces.append(rest.encode("utf-8"))
        self._splices.clear()
        return pieces

    def context(self, task: PageTask) -> dict[str, Any]:
        """What a page's template is given."""
        corpus, indexes = self.corpus, self.indexes
        if task.kind == "article":
            return _article_context(corpus.articles[task.key], corpus, indexes, self.links, self._entity_json)
        if task.kind == "event":
            entry = indexes.timeline.by_event[task.key]
            return {"entry": entry, "event": entry.event, "articles": indexes.entity_articles[("event", task.key)]}
        if task.kind == "place":
            return {"place": corpus.places[task.key], "events": indexes.entity_events[("place", task.key)],
                    "articles": indexes.entity_articles[("place", task.key)]}
        if task.kind == "actor":
            return {"actor": corpus.actors[task.key], "events": indexes.entity_events[("actor", task.key)],
                    "articles": indexes.entity_articles[("actor", task.key)]}
        if task.kind == "tag":
            return {"tag": corpus.tags[task.key], "articles": indexes.tag_articles[task.key]}
        return self._index_context(task.template)

    def _index_context(self, template: str) -> dict[str, Any]:
        corpus = self.corpus
        if template == "index.html":
            return {"latest": list(corpus.articles.values())[:10]}
        if template == "articles.html":
            return {"articles": list(corpus.articles.values())}
        if template == "places.html":
            return {"places": sorted(corpus.places.values(), key=lambda p: sort_key(p.name))}
        if template == "actors.html":
            return {"actors": sorted(corpus.actors.values(), key=lambda a: sort_key(a.name))}
        if template == "tags.html":
            return {"tags": sorted(corpus.tags.values(), key=lambda t: sort_key(t.name))}
        return {}


def render(corpus: Corpus, indexes: Indexes, user_templates: Path | None = None) -> Iterator[Output]:
    """Yield every file of the site, in a stable order (one process)."""
    renderer = Renderer(corpus, indexes, user_templates)
    for task in plan(corpus, indexes):
        for path, pieces in renderer.render_files(task):
            yield path, _joined(pieces)
    yield from extra_files(corpus, indexes)


def _joined(pieces: list[bytes]) -> bytes:
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def extra_files(corpus: Corpus, indexes: Indexes, cache_dir: Path | None = None,
                cards: Background | None = None, search: Iterable[Output] | None = None,
                data: bool = True) -> Iterator[Output]:
    """Files that are not pages: the search index and the publishing outputs.

    ``cache_dir`` keeps drawn share cards between builds, ``cards`` is the
    process drawing them meanwhile (see builder.cards); ``search``: the
    search files, when the caller makes them its own way; ``data=False``
    leaves out the data downloads (made elsewhere, see builder.build).
    """
    yield from search_files(corpus, indexes) if search is None else search
    yield from publish_outputs(corpus, indexes, cache_dir=cache_dir, cards=cards, data=data)


def search_files(corpus: Corpus, indexes: Indexes) -> Iterable[Output]:
    """The search index's files, made here when the indexes left them out, in this process.

    (Not by a pool: a worker forked now would count the whole corpus once
    more in the peak memory of the build.)
    """
    return indexes.search_files or build_search(corpus, processes=1)


def _article_context(article: Article, corpus: Corpus, indexes: Indexes, links: Links,
                     entity_json: dict[str, str] | None = None) -> dict[str, Any]:
    related = indexes.related.computed.get(article.slug, ())
    reports = event_reports(article, corpus)
    return {
        "article": article,
        "body": mark_spans(article.body_html, _marks(article, corpus, links, reports)),
        "related_computed": related,
        "backlinks": indexes.related.backlinks.get(article.slug, ()),
        "summary": excerpt(article.body_text),
        "neighbours": indexes.neighbours.get(article.slug, Neighbours()),
        "annotations": _annotation_data(article, corpus, links, reports, {} if entity_json is None else entity_json),
        "event_reports": reports,
    }


@dataclass(frozen=True)
class ShownReport:
    """One event report of an article as its page shows it: numbered, with ids of its own."""

    number: int  # among the article's event reports, from 1
    report: EventReport
    event: Event
    key: str  # its data-ann (see _annotation_data)
    item_id: str  # its endnote
    quote_id: str  # the marker after its quote (builder.timeline.quote_anchor)
    differs: bool  # its date disagrees with the record

    @property
    def span(self) -> tuple[int, int, str]:
        return self.report.span.start, self.report.span.end, self.event.id


def event_reports(article: Article, corpus: Corpus) -> list[ShownReport]:
    """The article's event reports, each with its own ids and its own verdict on its date.

    One event may be reported twice in an article (with two dates): keyed
    by event alone, both endnotes had one id and both took the verdict of
    whichever claim differed.
    """
    shown = []
    for (event_id, claimed, nth), report in zip(numbered_claims(article.claims), article.events):
        event = corpus.events[event_id]
        quote_id = quote_anchor(event_id, nth)  # q-ev-ID, q-ev2-ID, ...: the endnote is the same without "q-"
        shown.append(ShownReport(
            len(shown) + 1, report, event, key=f"event:{event_id}" + (f":{nth}" if nth > 1 else ""),
            item_id=quote_id.removeprefix("q-"), quote_id=quote_id, differs=claim_differs(claimed, event.date)))
    return shown


def _marks(article: Article, corpus: Corpus, links: Links, reports: list[ShownReport]) -> list[Mark]:
    """How each annotated span of an article is marked in its text.

    Every mark carries ``data-ann`` (its key in the page's annotation data,
    see :func:`_annotation_data`) so the page script can show what it is on
    hover, focus or tap.  Places and actors are links (inside a link of
    the text, or of a longer mention, a span marked alike); event and note
    spans (which may be cut into several ``<mark>`` pieces) get one empty,
    focusable marker link after them, numbered by CSS from ``data-n``: the
    article's text stays exactly the source text.
    """
    marks = []
    numerals = corpus.settings.numerals
    by_span: dict[tuple[int, int, str], list[ShownReport]] = {}
    for shown in reports:
        by_span.setdefault(shown.span, []).append(shown)
    named: dict[tuple[str, str, bool], tuple[str, tuple[str, str]]] = {}  # a name's tags, made once per article
    for span in article.spans:
        if span.kind in ("place", "actor"):
            tags = named.get((span.kind, span.ref, span.auto))
            if tags is None:
                tags = named[(span.kind, span.ref, span.auto)] = _name_tags(span.kind, span.ref, span.auto, corpus, links)
            marks.append(Mark(span.start, span.end, tags[0], "</a>", True, "", tags[1]))
            continue
        key = f"{span.kind}:{span.ref}"
        if span.kind == "event":
            shown = by_span[(span.start, span.end, span.ref)].pop(0)  # reports of one quote, in order
            n = digits(shown.number, numerals)
            label = html.escape(f"{KIND_LABELS['event']} {n}: {shown.event.title}")
            key = shown.key
            marks.append(Mark(
                span.start, span.end, f'<mark class="m m-event" data-event="{span.ref}" data-ann="{key}">', "</mark>",
                after=f'<a class="mref mref-event" id="{shown.quote_id}" href="{links.event(span.ref)}" '
                      f'aria-label="{label}" title="{label}" data-n="{n}" data-ann="{key}"></a>',
            ))
        elif span.kind == "note":
            n = digits(span.ref, numerals)
            label = html.escape(f"{KIND_LABELS['note']} {n}")
            marks.append(Mark(
                span.start, span.end, f'<mark class="m m-note" data-ann="{key}">', "</mark>",
                after=f'<a class="mref mref-note" id="note-ref-{span.ref}" href="#note-{span.ref}" '
                      f'aria-label="{label}" title="{label}" data-n="{n}" data-ann="{key}"></a>',
            ))
    return marks


def _name_tags(kind: str, ref: str, auto: bool, corpus: Corpus, links: Links) -> tuple[str, tuple[str, str]]:
    """A place or actor mention's link, and its tags where it cannot be a link (inside another)."""
    entity = corpus.places[ref] if kind == "place" else corpus.actors[ref]
    label = html.escape(f"{KIND_LABELS[kind]}: {entity.name}")
    key = f"{kind}:{ref}"
    auto_class = " m-auto" if auto else ""
    attributes = f'class="m m-{kind}{auto_class}" title="{label}" data-ann="{key}"'
    return (f'<a class="m m-{kind}{auto_class}" href="{links.entity(kind, ref)}" title="{label}" data-ann="{key}">',
            (f"<span {attributes}>", "</span>"))


def _line(label: str, value: str, warn: bool = False) -> dict[str, Any]:
    return {"label": label, "value": value, "warn": warn}


def _annotation_data(article: Article, corpus: Corpus, links: Links, reports: list[ShownReport],
                     entity_json: dict[str, str]) -> str:
    """What each mark of the article stands for, keyed like its ``data-ann``, as JSON for the page.

    For the annotation popovers, already worded and formatted, so the
    script only shows it.  ``lines`` are (label, value) facts, ``warn``
    marking a claim that disagrees with the record; ``note`` is the
    sanitised HTML of the researcher's Markdown.  A place or actor says the
    same on every page: its JSON is made once and kept in ``entity_json``,
    and the object is put together from the JSON of its members, in the
    order of their keys (what :func:`json_script` would write).
    """
    fmt = Formatter(corpus.settings)
    members: dict[str, str] = {}
    for kind, registry in (("place", corpus.places), ("actor", corpus.actors)):
        for ident in {s.ref for s in article.spans if s.kind == kind}:
            key = f"{kind}:{ident}"
            if key not in entity_json:
                entity_json[key] = json_script(_entity_annotation(kind, registry[ident], links))
            members[key] = entity_json[key]
    data: dict[str, dict[str, Any]] = {}
    line = _line
    for shown in reports:
        event, report, differs = shown.event, shown.report, shown.differs
        lines = [line("التاريخ الموثّق", fmt.date(event.date))]
        if report.claimed_date:
            lines.append(line("يذكر المقال تاريخًا مختلفًا" if differs else "كما يذكره المقال", fmt.date(report.claimed_date), differs))
        if event.type:
            lines.append(line("النوع", EVENT_TYPE_LABELS.get(event.type, event.type)))
        data[shown.key] = {
            "kind": "event", "label": f"{KIND_LABELS['event']} {fmt.num(shown.number)}", "name": event.title,
            "name_en": event.title_en or "", "url": links.event(event.id), "lines": lines, "note": report.note_html,
            **_note_layout(corpus.settings, report.note_html),
        }
    for note in article.notes:
        data[f"note:{note.number}"] = {
            "kind": "note", "label": f"{KIND_LABELS['note']} {fmt.num(note.number)}", "name": "", "name_en": "",
            "url": f"#note-{note.number}", "lines": [], "note": note.html,
            **_note_layout(corpus.settings, note.html),
        }
    members.update((key, json_script(value)) for key, value in data.items())
    return "{" + ",".join(f"{json_script(key)}:{members[key]}" for key in sorted(members)) + "}"


def _entity_annotation(kind: str, entity: Place | Actor, links: Links) -> dict[str, Any]:
    """A place's or actor's popover data (see :func:`_annotation_data`)."""
    lines = [_line("أسماء أخرى" if kind == "actor" else "تهجئات أخرى", "، ".join(entity.aliases))] if entity.aliases else []
    return {
        "kind": kind, "label": KIND_LABELS[kind], "name": entity.name, "name_en": entity.name_en or "",
        "url": links.entity(kind, entity.id), "lines": lines, "note": "", "note_dir": "rtl", "note_lang": "",
    }


def _note_layout(settings: Settings, fragment: str) -> dict[str, str]:
    """A note's direction and lang in the annotation data (the page script sets them on the popover)."""
    direction = text_direction(fragment)
    return {"note_dir": direction, "note_lang": text_language(settings, direction)}


def text_attributes(settings: Settings, fragment: str) -> Markup:
    """``dir`` and, when it is not the site's, ``lang`` of a researcher's text (a note, a description, a title).

    Text mostly in Latin letters is taken to be in ``latin_language`` (site.yaml,
    default en), the rest in Arabic: without ``lang`` a screen reader reads an
    English note in the page's Arabic voice (WCAG 3.1.2, Language of Parts).
    """
    direction = text_direction(fragment)
    lang = text_language(settings, direction)
    return Markup(f' dir="{direction}"' + (f' lang="{html.escape(lang)}"' if lang else ""))


def text_language(settings: Settings, direction: str) -> str:
    """The lang of a researcher's text laid out in ``direction``, or "" where it is the site's own."""
    lang = settings.latin_language if direction == "ltr" else "ar"
    return "" if lang == settings.language else lang


def text_direction(fragment: str) -> str:
    """"ltr" for a researcher's note or description mostly in Latin letters, else "rtl".

    ``dir="auto"`` follows the first strong letter, so an English note that
    opens by quoting the Arabic text («القايم» here ...) would be laid out
    right to left and its punctuation scrambled; counting letters does not.
    """
    text = strip_tags(fragment)
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    arabic = sum(1 for ch in text if "\u0600" <= ch <= "\u06ff" and ch.isalpha())
    return "ltr" if latin > arabic else "rtl"


json_script = jsonsafe.script
