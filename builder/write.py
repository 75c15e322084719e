"""Stage 5, write: put the site on disk atomically.

Files are written into a temporary folder beside the output folder (same
file system), then swapped in with two renames; a failure or an interrupt
at any point removes the temporary folder and leaves the previous site
exactly as it was.  Every path is checked to stay inside the output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from contextlib import contextmanager
from typing import Iterable, Iterator

from builder.errors import UsageError

TMP_PREFIX = ".athar-tmp-"
OLD_PREFIX = ".athar-old-"


def safe_relpath(rel: str) -> PurePosixPath:
    """Refuse output paths that could leave the output folder."""
    path = PurePosixPath(rel)
    if (not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel or path.is_absolute()
            or any(part in ("", ".", "..") for part in rel.split("/"))):
        raise ValueError(f"unsafe output path {rel!r}")
    return path


def check_output_dir(output: Path, protected: Iterable[Path]) -> None:
    """Refuse to replace folders that are not ours to replace."""
    out = output.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise UsageError(f"refusing to write the site into {output}: choose a dedicated folder such as site/")
    for p in protected:
        p = p.resolve()
        if out == p or p.is_relative_to(out) or out.is_relative_to(p):
            raise UsageError(f"refusing to write the site into {output}: it overlaps {p}")


@contextmanager
def staging(output: Path) -> Iterator[Path]:
    """A fresh folder beside ``output``, swapped in only if the block succeeds."""
    output = Path(output)
    parent = output.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=parent))
    try:
        yield tmp
        _swap(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_files(root: Path, files: Iterable[tuple[str, bytes]], copies: Iterable[tuple[str, Path]] = ()) -> int:
    """Write (path, bytes) files and copy (path, source) files under ``root``."""
    count = 0
    for rel, data in files:
        write_file(root, rel, data)
        count += 1
    for rel, source in copies:
        target = root / safe_relpath(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        count += 1
    return count


def write_site(files: Iterable[tuple[str, bytes]], output: Path, copies: Iterable[tuple[str, Path]] = ()) -> int:
    """Write all files into a fresh folder and swap it in for ``output``.

    ``copies`` are (relative path, source file) pairs copied as they are.
    Returns the number of files written.
    """
    with staging(output) as tmp:
        return write_files(tmp, files, copies)


def write_file(root: Path, rel: str, data: bytes) -> None:
    """Write one file under ``root``; the path is checked to stay inside it."""
    target = root / safe_relpath(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"output path {rel!r} escapes the output folder")
    with open(target, "wb") as fh:
        fh.write(data)


def _swap(tmp: Path, output: Path) -> None:
    """Replace ``output`` by ``tmp``; the old site is removed only after."""
    os.chmod(tmp, 0o755)
    if output.exists() or output.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=tmp.parent))
        os.rmdir(old)
        os.rename(output, old)
        try:
            os.rename(tmp, output)
        except BaseException:
            os.rename(old, output)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, output)


def clean_stale(parent: Path) -> None:
    """Remove temporary folders an earlier, killed build left behind."""
    for p in parent.glob(TMP_PREFIX + "*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in parent.glob(OLD_PREFIX + "*"):
        shutil.rmtree(p, ignore_errors=True)
