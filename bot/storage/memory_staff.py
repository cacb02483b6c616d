"""The staff step-up's records in memory: for tests, transcripts and the terminal desk only.

Same contract as ``bot.storage.unit_staff`` (``bot.records.StaffUnit``), in plain dicts, with
nothing encrypted and a PIN "key" that is no KDF. ``MemoryRecords`` is made of this part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.records import StaffMember, actor_of
from bot.staffcode import new_enrolment_code


@dataclass
class StaffMemory:
    """Enrolment codes and enrolled volunteers in dicts (see ``bot.records.StaffUnit``)."""

    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    enrolments: dict[str, datetime] = field(default_factory=dict)
    """Unused codes and when each expires."""

    def new_enrolment(self, ttl: timedelta) -> tuple[str, datetime]:
        """Make an enrolment code (an operator's command); return it and when it expires."""
        code, expires = new_enrolment_code(), self.clock() + ttl
        self.enrolments[code] = expires
        return code, expires

    def use_enrolment(self, code: str) -> bool:
        """Spend an enrolment code: True once, if it exists and has not expired."""
        expires = self.enrolments.pop(code, None)
        return expires is not None and self.clock() < expires

    def staff_member(self, key: str) -> StaffMember | None:
        """The enrolled volunteer with this pseudonym."""
        return self.staff.get(key)

    def staff_by_actor(self, actor: str) -> StaffMember | None:
        """The enrolled volunteer an audit or claim id names."""
        return next((m for m in self.staff.values() if actor_of(m.key) == actor), None)

    def save_staff_member(self, member: StaffMember) -> None:
        """Keep a volunteer."""
        self.staff[member.key] = member

    def revoke_staff(self, actor: str) -> bool:
        """Forget an enrolled volunteer (an operator's command)."""
        member = self.staff_by_actor(actor)
        return member is not None and self.staff.pop(member.key, None) is not None

    def staff_pin_key(self, staff: str, pin: str) -> str:
        """Not a KDF: memory records are for tests and transcripts only."""
        return f"pin|{staff}|{pin}"
