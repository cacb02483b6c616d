"""The unit of work's staff side, and the operator's staff commands: enrolment and revocation.

A volunteer's row is found by the keyed pseudonym of their Telegram user id (``staff.key``),
never the id; the rest (PIN key, step-up expiry, throttle, their private chat id) is one sealed
JSON with the row's own data key, bound to the row, and repeating the key so that a row found
under a swapped key opens as nobody. An enrolment code is kept only as ``HMAC(index key,
"enrol:" + code)`` and deleted when used. The operator's functions (``new_enrolment``,
``list_staff``, ``revoke_staff``) write an audit row naming only the volunteer's opaque id
(``staff:`` and 16 hex characters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from bot.records import StaffMember, actor_of
from bot.staffcode import new_enrolment_code
from bot.storage.crypto import Keyring
from bot.storage.models import AuditRow, CaseRow, EnrolmentRow, StaffRow
from bot.storage.sealing import from_json, open_row, seal_row, to_json
from bot.storage.unit_base import UnitBase


def _to_json(member: StaffMember) -> bytes:
    return to_json(
        {
            "key": member.key,
            "step": member.step,
            "pin": member.pin,
            "until": member.verified_until.isoformat() if member.verified_until else None,
            "tries": [t.isoformat() for t in member.tries],
            "address": member.address,
        }
    )


def _member(keyring: Keyring, row: StaffRow) -> StaffMember | None:
    data = from_json(open_row(keyring, "staff", row.id, row.dek, row.sealed))
    if data.get("key") != row.key:
        return None  # found by a key its seal does not repeat: not this volunteer
    until = data.get("until")
    return StaffMember(
        key=row.key,
        enrolled_at=row.enrolled_at,
        step=data["step"],
        pin=data.get("pin"),
        verified_until=datetime.fromisoformat(until) if until else None,
        tries=tuple(datetime.fromisoformat(t) for t in data.get("tries", ())),
        address=data.get("address"),
    )


class StaffPart(UnitBase):
    """Enrolment codes and enrolled volunteers (see ``bot.records.StaffUnit``)."""

    def use_enrolment(self, code: str) -> bool:
        """Spend an enrolment code: True once, if it exists and has not expired."""
        lookup = self.keyring.pseudonym("enrol", code)
        row = self.session.scalars(
            select(EnrolmentRow).where(EnrolmentRow.lookup == lookup)
        ).one_or_none()
        if row is None:
            return False
        self.session.delete(row)
        return self.clock() < row.expires_at

    def staff_member(self, key: str) -> StaffMember | None:
        """The enrolled volunteer with this pseudonym."""
        row = self.session.scalars(select(StaffRow).where(StaffRow.key == key)).one_or_none()
        return _member(self.keyring, row) if row is not None else None

    def staff_by_actor(self, actor: str) -> StaffMember | None:
        """The enrolled volunteer an audit or claim id names."""
        prefix = actor.removeprefix("staff:")
        rows = self.session.scalars(select(StaffRow).where(StaffRow.key.startswith(prefix)))
        for row in rows:
            member = _member(self.keyring, row)
            if member is not None and member.actor == actor:
                return member
        return None

    def save_staff_member(self, member: StaffMember) -> None:
        """Keep a volunteer (enrolled now if new), sealed under a fresh data key."""
        row = self.session.scalars(
            select(StaffRow).where(StaffRow.key == member.key)
        ).one_or_none()
        if row is None:
            row = StaffRow(key=member.key, enrolled_at=member.enrolled_at, dek=b"", sealed=b"")
            self.session.add(row)
            self.session.flush()
        row.dek, row.sealed = seal_row(self.keyring, "staff", row.id, _to_json(member))

    def claimed_cases(self, actor: str) -> list[str]:
        """The open cases a volunteer holds, oldest first."""
        return list(
            self.session.scalars(
                select(CaseRow.public_id)
                .where(CaseRow.status == "open", CaseRow.claimed_by == actor)
                .order_by(CaseRow.id)
            )
        )


@dataclass(frozen=True, slots=True)
class Enrolled:
    """What ``helpline staff list`` shows of a volunteer: an opaque id and dates only."""

    actor: str
    enrolled_at: datetime
    has_pin: bool


def new_enrolment(
    engine: Engine, keyring: Keyring, ttl: timedelta, clock: Callable[[], datetime]
) -> tuple[str, datetime]:
    """Make a one-time enrolment code; return it (shown once, kept only hashed) and its expiry."""
    code, now = new_enrolment_code(), clock()
    with Session(engine) as session, session.begin():
        session.execute(delete(EnrolmentRow).where(EnrolmentRow.expires_at < now))
        session.add(EnrolmentRow(lookup=keyring.pseudonym("enrol", code), expires_at=now + ttl))
        session.add(AuditRow(at=now, actor="operator", action="staff_code_made", detail=""))
    return code, now + ttl


def enrolment_unless_enrolled(
    engine: Engine, keyring: Keyring, user_id: int, clock: Callable[[], datetime]
) -> str | None:
    """A one-time code for a volunteer (the terminal's), unless they enrolled before."""
    with Session(engine) as session:
        key = keyring.pseudonym("staff", user_id)
        if session.scalars(select(StaffRow.id).where(StaffRow.key == key)).first() is not None:
            return None
    return new_enrolment(engine, keyring, timedelta(hours=1), clock)[0]


def list_staff(engine: Engine, keyring: Keyring) -> list[Enrolled]:
    """The enrolled volunteers, by opaque id."""
    with Session(engine) as session:
        rows = session.scalars(select(StaffRow).order_by(StaffRow.id)).all()
        members = [(row, _member(keyring, row)) for row in rows]
    return [
        Enrolled(actor_of(row.key), row.enrolled_at, bool(member and member.pin))
        for row, member in members
    ]


def revoke_staff(engine: Engine, actor: str, clock: Callable[[], datetime]) -> bool:
    """Forget an enrolled volunteer (they must enrol again); audited by opaque id."""
    with Session(engine) as session, session.begin():
        rows = session.scalars(select(StaffRow)).all()
        gone = [row for row in rows if actor_of(row.key) == actor]
        for row in gone:
            session.delete(row)
        if gone:
            audit = AuditRow(at=clock(), actor="operator", action="staff_revoked", detail=actor)
            session.add(audit)
    return bool(gone)
