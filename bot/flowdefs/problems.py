"""Problems found in maintainers' files, and how they are printed.

Every problem names the file, the line, the node (when there is one) and says what to do, in
the form ``flows/wages.yaml:12: node 'monthly_pay': ...``. Warnings start their message with
``warning:``. Pure; standard library only.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Errors stop the helpline from loading the files; warnings are for a maintainer to fix."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding, printable as a single line."""

    path: str
    line: int
    node: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:" if self.line else f"{self.path}:"
        node = f" node '{self.node}':" if self.node else ""
        prefix = " warning:" if self.severity is Severity.WARNING else ""
        return f"{where}{node}{prefix} {self.message}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return " Did you mean 'x'?" for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """Return only the errors."""
    return [p for p in problems if p.severity is Severity.ERROR]


def summary(problems: list[Problem], files: int) -> str:
    """Return a one-line count, e.g. "2 errors, 1 warning in 4 files"."""
    n_err = len(errors(problems))
    n_warn = len(problems) - n_err

    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    return f"{plural(n_err, 'error')}, {plural(n_warn, 'warning')} in {plural(files, 'file')}"
