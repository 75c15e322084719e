"""Time live updates under a real ``athar serve``: from saving a file to its page on disk.

``run.py`` times an edit in-process (the update call itself).  This runs
the preview as a user does, a separate ``athar serve`` process with its
file watcher, on a copy of a corpus, and times from the moment a file is
saved to the moment the page shows the change, polling the output file:

- *edit, quiet*: an article's text edited when the preview is idle;
- *edit, busy*: another article edited while the preview is still making
  the search and data files of the edit before (they take seconds at
  10,000 articles; the save must not wait for them);
- *edit, saved by rename*: an article's text written to a temporary file
  that is renamed over it, as many editors save (vim, JetBrains' safe
  write, ``sed -i``);
- *new article*: a new article file (a copy of an existing one under a
  new slug and title) until its own page exists;
- *deleted article*: those new articles' files removed, until their page
  is gone.

    python benchmarks/live.py --content /dev/shm/athar-bench/n10000/content

The copy and the output go to ``--workdir`` (default /dev/shm, tmpfs) and
are removed at the end.  Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _wait_for(path: Path, marker: str, timeout: float = 120.0) -> float:
    """Seconds until ``path`` holds ``marker`` (polled every millisecond)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if marker in path.read_text(encoding="utf-8"):
                return time.perf_counter() - start
        except (FileNotFoundError, UnicodeDecodeError):  # not there yet, or being replaced
            pass
        time.sleep(0.001)
    raise TimeoutError(f"{path} never showed {marker!r}")


def _wait_gone(path: Path, timeout: float = 120.0) -> float:
    """Seconds until ``path`` no longer exists."""
    start = time.perf_counter()
    while path.exists():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{path} is still there")
        time.sleep(0.001)
    return time.perf_counter() - start


def _append(md: Path, marker: str) -> None:
    """Add a word at the end of an article's text (a text-only edit)."""
    md.write_text(md.read_text(encoding="utf-8").rstrip("\n") + f" {marker}\n", encoding="utf-8")


def _append_by_rename(md: Path, marker: str) -> None:
    """The same edit, saved as many editors do: a temporary file beside it, renamed over it."""
    temporary = md.with_name(md.name + ".new")
    temporary.write_text(md.read_text(encoding="utf-8").rstrip("\n") + f" {marker}\n", encoding="utf-8")
    os.replace(temporary, md)


def _start(content: Path, out: Path, log: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "builder", "serve", "--content", str(content), "--output", str(out),
                             "--port", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=REPO)
    while "http://127.0.0.1" not in log.read_text(encoding="utf-8", errors="replace"):
        if proc.poll() is not None:
            raise SystemExit(f"athar serve stopped:\n{log.read_text(encoding='utf-8', errors='replace')[-2000:]}")
        time.sleep(0.2)
    return proc


def measure(content: Path, workdir: Path, trials: int, port: int, settle: float) -> dict[str, list[float]]:
    root = Path(tempfile.mkdtemp(prefix="athar-live-", dir=workdir))
    try:
        copy, out, log = root / "content", root / "site", root / "serve.log"
        shutil.copytree(content, copy)
        started = time.perf_counter()
        proc = _start(copy, out, log, port)
        print(f"first build and start: {time.perf_counter() - started:.1f} s", flush=True)
        figures: dict[str, list[float]] = {"edit, quiet": [], "edit, busy": [], "edit, saved by rename": [],
                                           "new article": [], "deleted article": []}
        articles = sorted((copy / "articles").glob("*.md"))
        try:
            time.sleep(settle)
            for n in range(trials):
                md = articles[(7 + 31 * n) % len(articles)]
                marker = f"تجربة{n}"
                page = out / "articles" / md.stem / "index.html"
                _append(md, marker)
                figures["edit, quiet"].append(_wait_for(page, marker))
                other = articles[(19 + 31 * n) % len(articles)]
                time.sleep(0.5)  # the preview is now making the search and data files of that edit
                _append(other, marker + "ب")
                figures["edit, busy"].append(_wait_for(out / "articles" / other.stem / "index.html", marker + "ب"))
                time.sleep(settle)
                renamed = articles[(11 + 31 * n) % len(articles)]
                _append_by_rename(renamed, marker + "ج")
                figures["edit, saved by rename"].append(
                    _wait_for(out / "articles" / renamed.stem / "index.html", marker + "ج"))
                time.sleep(settle)
            for n in range(trials):
                source = articles[(3 + 17 * n) % len(articles)]
                slug = f"live-new-{n}"
                title = f"مقال جديد {n}"
                for suffix in (".yaml", ".md"):  # the annotations first: the text makes it an article
                    if source.with_suffix(suffix).exists():
                        text = source.with_suffix(suffix).read_text(encoding="utf-8")
                        if suffix == ".md":  # its own title, and the file name as its slug
                            text = re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)
                            text = re.sub(r"(?m)^slug:.*\n", "", text, count=1)
                        (copy / "articles" / f"{slug}{suffix}").write_text(text, encoding="utf-8")
                figures["new article"].append(_wait_for(out / "articles" / slug / "index.html", title))
                time.sleep(settle)
            for n in range(trials):  # the new articles again: nothing links to them
                for suffix in (".yaml", ".md"):
                    (copy / "articles" / f"live-new-{n}{suffix}").unlink(missing_ok=True)
                figures["deleted article"].append(_wait_gone(out / "articles" / f"live-new-{n}" / "index.html"))
                time.sleep(settle)
        finally:
            proc.terminate()
            proc.wait()
        print(log.read_text(encoding="utf-8", errors="replace")[-1500:])
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, required=True, help="a corpus folder (copied, never changed)")
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--settle", type=float, default=8.0,
                        help="seconds between trials, for the search and data files to be done")
    args = parser.parse_args()
    figures = measure(args.content.resolve(), args.workdir, args.trials, args.port, args.settle)
    print(f"{'save -> page on disk, athar serve':<36} {'median':>8} {'max':>8}  all (ms)")
    for name, values in figures.items():
        ms = [v * 1000 for v in values]
        print(f"{name:<36} {statistics.median(ms):8.0f} {max(ms):8.0f}  {' '.join(f'{v:.0f}' for v in ms)}")


if __name__ == "__main__":
    main()
