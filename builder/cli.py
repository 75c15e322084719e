"""The ``athar`` command: parse arguments, call one function, report.

Exit status: 0 success (warnings allowed unless --strict), 1 the content
has errors, 2 the command was used wrongly.  Diagnostics go to standard
error as ``path:line:column: error: message`` with a hint line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from builder import __version__
from builder.errors import ContentError, Problems, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="athar", description="Build a right-to-left research site from an annotated Arabic news corpus.")
    parser.add_argument("--version", action="version", version=f"athar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def content_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder (default: content)")

    def strict_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p = sub.add_parser("build", help="build the site", description="Build content/ into site/ (atomically: a failed build leaves the old site).")
    content_arg(p)
    p.add_argument("--output", type=Path, default=Path("site"), metavar="DIR", help="output folder (default: site)")
    p.add_argument("--base-url", metavar="URL", help="absolute URL or path prefix the site is published under (overrides site.yaml)")
    p.add_argument("--templates", type=Path, metavar="DIR", help="folder of templates overriding the defaults (default: templates/ beside the content)")
    p.add_argument("--clean", action="store_true", help="also remove temporary folders left by interrupted builds")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    strict_arg(p)

    p = sub.add_parser("check", help="validate the content without building", description="Validate the content and report every problem in one run.")
    content_arg(p)
    strict_arg(p)
    p.add_argument("--suggest", action="store_true", help="list automatic mentions that are not yet annotated")

    p = sub.add_parser("serve", help="build, serve and rebuild on change", description="Build into a preview folder, serve it on 127.0.0.1, rebuild and reload the browser on change.")
    content_arg(p)
    p.add_argument("--output", type=Path, default=Path("site"), metavar="DIR", help="output folder (default: site)")
    p.add_argument("--templates", type=Path, metavar="DIR", help="folder of templates overriding the defaults")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--no-watch", action="store_true", help="do not rebuild on change")

    p = sub.add_parser("new", help="scaffold an article and its annotation file", description="Create content/articles/SLUG.md and SLUG.yaml.")
    p.add_argument("slug", metavar="SLUG", help="lowercase ASCII letters, digits and -")
    content_arg(p)
    p.add_argument("--title", default="", help="headline (Arabic)")
    p.add_argument("--date", default="", help="publication date YYYY-MM-DD (default: today)")

    from builder.schema import SCHEMA_NAMES
    p = sub.add_parser("schema", help="print the JSON Schema of a content file", description="Print a JSON Schema for editors to validate content as you type.")
    p.add_argument("name", choices=SCHEMA_NAMES, metavar="NAME", help="one of: " + ", ".join(SCHEMA_NAMES))
    return parser


def _report(problems: Problems) -> None:
    for diag in problems.sorted():
        print(diag.format(), file=sys.stderr)
    e, w = len(problems.errors), len(problems.warnings)
    if e or w:
        print(f"{e} error(s), {w} warning(s)", file=sys.stderr)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (exit 143)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def run() -> NoReturn:
    """The ``athar`` command as a process: :func:`main`, then exit without tearing the heap down.

    A build of 100,000 articles leaves millions of objects; freeing them one
    by one at exit took 5 s after the site was complete.  Everything athar
    writes is closed by then (files, the staging swap, worker processes), so
    the streams are flushed and the process ends at once.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed (a broken pipe) or gone
            pass
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``athar`` command.

    Every failure ends as a message and an exit status, never a Python
    traceback: 1 for content (and write) errors, 2 for usage errors, 130/143
    when interrupted.  ``ATHAR_DEBUG=1`` shows the traceback of an
    unexpected error, for bug reports.
    """
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _COMMANDS[args.command](args)
    except ContentError as exc:
        _report(exc.problems)
        done = "the site was not changed" if args.command in ("build", "serve") else "fix them and run again"
        what = "has errors" if exc.problems.errors else "has warnings, which --strict counts as errors"
        print(f"athar: the content {what}; {done}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"athar: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("athar: interrupted; the output folder holds the previous site (or the complete new one), "
              "never a partial one", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    except BrokenPipeError:  # `athar schema events | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """Report an error no stage turned into a diagnostic (templates, the file system, a bug)."""
    if os.environ.get("ATHAR_DEBUG"):
        raise exc
    from builder.errors import WriteError
    if isinstance(exc, WriteError):
        print(f"athar: error: {exc}; the previous site is unchanged", file=sys.stderr)
        return 1
    template = _template_error(exc)
    if template:
        print(template, file=sys.stderr)
        return 1
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"athar: error: {exc.strerror or exc}{where}; the previous site is unchanged", file=sys.stderr)
        return 1
    print(f"athar: internal error: {type(exc).__name__}: {exc}\n"
          "  hint: this is a bug in athar; run again with ATHAR_DEBUG=1 and report the traceback", file=sys.stderr)
    return 1


def _template_error(exc: Exception) -> str:
    """A Jinja2 error in a (user) template as ``path:line: error: ...``, or ''."""
    try:
        import jinja2
    except ImportError:  # pragma: no cover - a dependency
        return ""
    if not isinstance(exc, jinja2.TemplateError):
        return ""
    name, line = getattr(exc, "filename", None) or getattr(exc, "name", None), getattr(exc, "lineno", None)
    if not line:
        import traceback
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml", ".txt"))]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno
    where = f"{name}:{line}: " if name and line else (f"{name}: " if name else "")
    message = getattr(exc, "message", None) or str(exc)
    return f"{where}error: template: {message}\n  hint: fix the template (or remove your override to use the default)"


def _options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from builder.build import Options
    if not args.content.is_dir():
        hint = "run athar in your project folder (the one holding content/) or pass --content DIR"
        what = "is not a folder" if args.content.exists() else "not found"
        raise UsageError(f"content folder {args.content} {what}\n  hint: {hint}")
    base_url = getattr(args, "base_url", None)
    if base_url is not None and not _is_base_url(base_url):
        raise UsageError(f"--base-url {base_url!r} is neither an absolute http(s) URL nor a path starting with /"
                         "\n  hint: write e.g. --base-url https://example.org/project/ or --base-url /project/")
    return Options(
        content=args.content,
        output=getattr(args, "output", Path("site")),
        templates=getattr(args, "templates", None),
        base_url=getattr(args, "base_url", None),
        strict=getattr(args, "strict", False),
    )


def _is_base_url(url: str) -> bool:
    """An absolute http(s) URL with a host, or a path prefix such as /project/ (never //host)."""
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and ".." not in url.split("/")


def _cmd_build(args: argparse.Namespace) -> int:
    from builder.build import build
    from builder.write import clean_stale
    options = _options(args)
    if args.clean:
        clean_stale(Path(os.path.abspath(options.output)).parent, force=True)
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    result = build(options, log)
    _report(result.problems)
    if not args.quiet and result.unchanged:
        print(f"{options.output} is up to date", file=sys.stderr)
    elif not args.quiet:
        total = sum(t for _, t in result.timings)
        print(f"built {result.files} files into {options.output} in {total:.2f} s", file=sys.stderr)
        if result.corpus is not None and "://" not in result.corpus.settings.base_url:
            print(f"note: base_url {result.corpus.settings.base_url!r} names no host, so no sitemap.xml and no share cards "
                  "were written (both need absolute URLs) and canonical URLs are root-relative; publish with an "
                  "absolute base_url (site.yaml or --base-url https://example.org/project/) to get them", file=sys.stderr)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from builder.build import check
    result = check(_options(args))
    _report(result.problems)
    if args.suggest and result.corpus is not None:
        from builder.suggest import suggestions
        for line in suggestions(result.corpus):
            print(line)
    corpus = result.corpus
    assert corpus is not None
    print(f"ok: {len(corpus.articles)} articles, {len(corpus.events)} events, "
          f"{len(corpus.places)} places, {len(corpus.actors)} actors", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from builder.serve import serve
    return serve(_options(args), host=args.host, port=args.port, watch=not args.no_watch)


def _cmd_new(args: argparse.Namespace) -> int:
    from builder.new import new_article
    md, ann = new_article(args.content, args.slug, args.title, args.date)
    print(f"created {md}\ncreated {ann}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from builder.schema import schema_text
    sys.stdout.write(schema_text(args.name))
    return 0


_COMMANDS = {
    "build": _cmd_build,
    "check": _cmd_check,
    "serve": _cmd_serve,
    "new": _cmd_new,
    "schema": _cmd_schema,
}
