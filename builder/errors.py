"""Diagnostics: every content problem as ``path:line:column: error: message``.

Problems are collected, never raised one by one, so that ``athar check``
reports everything in one run (the habit of MkDocs' ``load_config``); the
caller decides once, at the end, whether to stop.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, NamedTuple


class Loc(NamedTuple):
    """A place in a source file; line and column are 1-based (0 = unknown).

    A named tuple rather than a frozen dataclass: the loader makes one for
    every YAML key and value of the corpus (millions at 10,000 articles),
    and a tuple is built three times faster and is half the size.
    """

    path: Path
    line: int = 0
    column: int = 0

    def at(self, line: int, column: int) -> "Loc":
        return Loc(self.path, line, column)

    def __str__(self) -> str:
        shown = _display_path(self.path)
        if self.line:
            return f"{shown}:{self.line}:{self.column or 1}"
        return shown


def _display_path(path: Path) -> str:
    """Show a path relative to the working folder when it lies inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass(frozen=True)
class Diagnostic:
    """One problem with the content, worded for the researcher who wrote it."""

    loc: Loc
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        text = f"{self.loc}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


@dataclass
class Problems:
    """Collects diagnostics across every stage of a build."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, loc: Loc, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(loc, message, hint, "error"))

    def warning(self, loc: Loc, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(loc, message, hint, "warning"))

    def extend(self, other: "Problems") -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def errors_for(self, path: Path) -> bool:
        """Whether an error was already recorded for this file."""
        return any(d.loc.path == path and d.severity == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in file order, so output is stable and easy to follow."""
        return sorted(
            self.items,
            key=lambda d: (str(d.loc.path), d.loc.line, d.loc.column, d.message),
        )

    def __bool__(self) -> bool:  # "are there errors?"
        return bool(self.errors)


class ContentError(Exception):
    """Raised once at the end of a stage when the content has errors (exit 1)."""

    exit_code = 1

    def __init__(self, problems: Problems):
        super().__init__(f"{len(problems.errors)} error(s) in the content")
        self.problems = problems


class Interrupted(Exception):
    """Work given up because newer work came: a live update's data files, when another edit arrives.

    Raised between pieces of work by whoever was handed an ``interrupted``
    callable that now returns True; nothing half-made is left behind.
    """


def stop_if(interrupted: Callable[[], bool] | None) -> None:
    """Raise :class:`Interrupted` if there is an ``interrupted`` and it says newer work came."""
    if interrupted is not None and interrupted():
        raise Interrupted


class UsageError(Exception):
    """The command was used wrongly (exit 2)."""

    exit_code = 2


class WriteError(Exception):
    """The site could not be written (permissions, disk full); the previous site is kept (exit 1)."""

    exit_code = 1


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """A hint naming the closest known values, in the manner of Click."""
    pool = sorted(set(choices))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not close:
        close = [c for c in pool if word and (word in c or c in word)][:n]
    if not close:
        return ""
    return "did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
