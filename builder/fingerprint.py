"""What a build was made from, so an unchanged rebuild can be skipped.

The fingerprint hashes every input (content files, templates, the options
and athar's own version); the manifest records the output files (size and
modification time).  When both match the last successful build, the site
on disk is exactly what a new build would write, and nothing is done.
Both live in ``.athar-cache/`` beside the output folder, never inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Iterable

from builder import __version__

CACHE_DIR = ".athar-cache"


def _walk(root: str, prefix: str = "") -> Iterable[tuple[str, os.DirEntry[str]]]:
    """(relative path, entry) of every file under ``root``, in sorted order.

    os.scandir with plain strings: tens of thousands of files are listed
    and stat-ed in a fraction of what pathlib costs.
    """
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, rel + "/")
        else:
            yield rel, entry


def inputs_fingerprint(roots: Iterable[Path | None], options: str, changed_after: int | None = None) -> str | None:
    """sha256 over athar itself, the options and every input file's path and bytes.

    With ``changed_after`` (a time.time_ns() taken before a build read its
    inputs), None if any file was modified since: the build may have read
    it before or after the change, so the key would not describe its output.
    So it may run at any time after that instant, even beside the build (the
    card process does it): a file changed before it is hashed gives None, and
    one changed after only makes the key differ from the next build's.
    """
    digest = hashlib.sha256(f"athar {__version__} {_code_digest()}\n{options}\n".encode())
    for root in roots:
        if root is None or not Path(root).is_dir():
            continue
        for rel, entry in _walk(str(root)):
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            hashed, modified = _file_digest(Path(entry.path))
            if changed_after is not None and modified >= changed_after:
                return None
            digest.update(hashed)
    return digest.hexdigest()


def _code_digest() -> str:
    """sha256 of athar's own modules: a changed (or upgraded, or edited) athar rebuilds.

    The version number alone would let a working copy with edited code skip
    a build whose output that code would change.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> tuple[bytes, int]:
    """sha256 of a file, read in blocks, and its modification time; never reads a device, a FIFO or an oversize file.

    Content is untrusted: a 2 GB file or a link to /dev/zero must not
    exhaust memory here before the loader refuses it with a message.
    """
    from builder.source import MAX_FILE_BYTES
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return f"unhashed {info.st_mode} {info.st_size} {info.st_mtime_ns}".encode(), info.st_mtime_ns
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            modified = os.fstat(fh.fileno()).st_mtime_ns  # after reading: a write meanwhile shows
        return digest.digest(), max(info.st_mtime_ns, modified)
    except OSError as exc:  # unreadable: the loader reports it
        return f"unreadable {exc.errno}".encode(), 0


def output_manifest(output: Path) -> dict[str, list[int]]:
    """Every output file with its size and modification time."""
    manifest = {}
    for rel, entry in _walk(str(output)):
        st = entry.stat(follow_symlinks=False)
        manifest[rel] = [st.st_size, st.st_mtime_ns]
    return manifest


def _record_path(output: Path) -> Path:
    output = Path(output).resolve()
    return output.parent / CACHE_DIR / f"{output.name}.build.json"


def recorded(output: Path) -> bool:
    """Whether a successful build of ``output`` was recorded (else a build has nothing to skip)."""
    return _record_path(output).is_file()


def unchanged(output: Path, fingerprint: str) -> bool:
    """Whether ``output`` is still exactly what the build with ``fingerprint`` wrote."""
    record = _record_path(output)
    if not record.is_file() or not Path(output).is_dir():
        return False
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return saved.get("fingerprint") == fingerprint and saved.get("files") == output_manifest(Path(output))


def remember(output: Path, fingerprint: str) -> None:
    """Record a successful build (best effort: a read-only parent only costs speed)."""
    record = _record_path(output)
    try:
        record.parent.mkdir(exist_ok=True)
        tmp = record.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "files": output_manifest(Path(output))}), encoding="utf-8")
        os.replace(tmp, record)
    except OSError:
        pass


def forget(output: Path) -> None:
    """Drop the record (before a build replaces the output)."""
    try:
        _record_path(output).unlink()
    except OSError:
        pass
