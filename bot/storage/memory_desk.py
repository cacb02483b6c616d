"""The desk commands' records in memory: for tests, transcripts and the terminal desk only.

Same contract as the newer half of ``bot.storage.unit_desk`` (open cases, reopening, muting,
volunteers away), on ``MemoryRecords``' dict of cases. ``MemoryRecords`` is made of this part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class DeskMemory:
    """Volunteers away, and the desk commands' view of ``cases`` (see ``bot.records.DeskUnit``)."""

    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    away: dict[str, datetime] = field(default_factory=dict)
    cases: dict[str, Any] = field(default_factory=dict)

    def open_cases(self) -> list[str]:
        """The open cases, oldest first."""
        found = [c for c in self.cases.values() if c.status == "open"]
        return [c.public_id for c in sorted(found, key=lambda c: c.opened_at)]

    def reopen_case(self, case: str) -> None:
        """Open a closed case again."""
        found = self.cases.get(case)
        if found is not None and found.status == "closed":
            found.status, found.last_activity_at = "open", self.clock()

    def set_muted(self, case: str, muted: bool) -> None:
        """Note that a case's chat is muted or not."""
        if case in self.cases:
            self.cases[case].muted = muted

    def set_away(self, staff: str, away: bool) -> None:
        """Note that a volunteer is away, or back."""
        if away:
            self.away.setdefault(staff, self.clock())
        else:
            self.away.pop(staff, None)

    def away_staff(self) -> frozenset[str]:
        """The volunteers who said they are away."""
        return frozenset(self.away)
