"""The unit of work's desk side: a case's topic in the desk group, its claim, replies and mail.

What the union desk may know of a case (``desk_case``), which topic is whose, who claimed it,
when it was announced, closing (counted for the reports) and reopening, muting, which
volunteers are away (``desk_away``, by pseudonym), and the mailbox: volunteers' replies
waiting for the trainee, sealed with the case's key, handed over once and then deleted. How
replies may reach the trainee (the mode, safe hours, the address) is kept sealed as well.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, update

from bot.records import DeskCase, Mail
from bot.storage.models import AwayRow, CaseRow, MailRow
from bot.storage.sealing import to_json
from bot.storage.tallies import tally_case
from bot.storage.unit_base import UnitBase


class DeskPart(UnitBase):
    """The desk's records of a case (see ``bot.records.Unit``)."""

    def desk_case(self, case: str) -> DeskCase | None:
        """Everything the desk may know about a case."""
        row = self._case_row(case)
        if row is None:
            return None
        prefs = self._opened(row, "prefs")
        hours = json.loads(prefs).get("hours") if prefs else None
        address = self._opened(row, "address")
        return DeskCase(
            public_id=row.public_id,
            status=row.status,
            lang=row.lang,
            topic=row.topic,
            urgent=row.urgent,
            reply_mode=row.reply_mode,
            hours=(int(hours[0]), int(hours[1])) if hours else None,
            address=address.decode() if address else None,
            thread_id=row.thread_id,
            claimed_by=row.claimed_by,
            opened_at=row.created_at,
            answers=self._answers(row),
            muted=row.muted,
        )

    def case_by_thread(self, thread_id: int) -> str | None:
        """The case a desk topic belongs to."""
        return self.session.scalars(
            select(CaseRow.public_id).where(CaseRow.thread_id == thread_id)
        ).one_or_none()

    def case_thread(self, case: str) -> int | None:
        """The case's desk topic."""
        row = self._case_row(case)
        return row.thread_id if row else None

    def set_thread(self, case: str, thread_id: int) -> None:
        """Note the desk topic of a case (and when it was announced)."""
        self.session.execute(
            update(CaseRow)
            .where(CaseRow.public_id == case)
            .values(thread_id=thread_id, announced_at=self.clock())
        )

    def announced(self, case: str) -> None:
        """Note that a case was announced (again) to the desk."""
        self.session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(announced_at=self.clock())
        )

    def claim(self, case: str, staff: str | None) -> None:
        """Note who took a case (None: nobody)."""
        self.session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(claimed_by=staff)
        )

    def close_case(self, case: str) -> None:
        """Close a case: the retention period starts now, and it is counted for the reports."""
        row = self._case_row(case)
        if row is None:
            return
        now = self.clock()
        row.status, row.closed_at, row.last_activity_at = "closed", now, now
        tally_case(self.session, self.keyring, row, now)

    def first_reply(self, case: str) -> None:
        """Note that a volunteer answered (the first time only), for the reports."""
        self.session.execute(
            update(CaseRow)
            .where(CaseRow.public_id == case, CaseRow.first_reply_at.is_(None))
            .values(first_reply_at=self.clock())
        )

    def set_reply_mode(self, case: str, mode: str, hours: tuple[int, int] | None) -> None:
        """Note how replies may reach the trainee (safe hours kept sealed)."""
        row = self._case_row(case)
        if row is not None:
            row.reply_mode = mode
            prefs = {"hours": list(hours)} if hours else None
            row.prefs = self._sealed(row, "prefs", to_json(prefs) if prefs else None)

    def set_case_address(self, case: str, address: str | None) -> None:
        """Note where replies go, sealed."""
        row = self._case_row(case)
        if row is not None:
            row.address = self._sealed(row, "address", address.encode() if address else None)

    def add_mail(self, case: str, mail: Mail) -> None:
        """Keep a reply for the trainee to read later, sealed with the case's key."""
        row = self._case_row(case)
        if row is None:
            return
        item = MailRow(case_id=row.id, payload=b"", created_at=self.clock())
        self.session.add(item)
        self.session.flush()
        data = {"text": mail.text, "copy": mail.desk_message_id}
        dek = self._dek("cases", row.id, row.dek)
        item.payload = self._seal(dek, "mailbox", item.id, "payload", to_json(data))

    def take_mail(self, case: str) -> list[Mail]:
        """Hand over (and forget) the replies waiting for a case."""
        row = self._case_row(case)
        if row is None:
            return []
        rows = self.session.scalars(
            select(MailRow).where(MailRow.case_id == row.id).order_by(MailRow.id)
        ).all()
        dek = self._dek("cases", row.id, row.dek)
        mail = []
        for item in rows:
            data = json.loads(self._open(dek, "mailbox", item.id, "payload", item.payload))
            mail.append(Mail(data.get("text"), data.get("copy")))
        self.session.execute(delete(MailRow).where(MailRow.case_id == row.id))
        return mail

    def unclaimed(self, before: datetime) -> list[str]:
        """Open cases nobody took, last announced (or their topic refused) before ``before``."""
        return list(
            self.session.scalars(
                select(CaseRow.public_id).where(
                    CaseRow.status == "open",
                    CaseRow.claimed_by.is_(None),
                    CaseRow.announced_at < before,
                )
            )
        )

    def cases_with_mail(self) -> list[str]:
        """Cases with replies waiting that may be delivered in the chat (safe hours)."""
        return list(
            self.session.scalars(
                select(CaseRow.public_id)
                .where(CaseRow.reply_mode == "hours", CaseRow.address.is_not(None))
                .where(CaseRow.id.in_(select(MailRow.case_id)))
            )
        )

    def open_cases(self) -> list[str]:
        """The open cases, oldest first (for ``/cases``)."""
        query = select(CaseRow.public_id).where(CaseRow.status == "open")
        return list(self.session.scalars(query.order_by(CaseRow.created_at, CaseRow.id)))

    def reopen_case(self, case: str) -> None:
        """Open a closed case again: not closed, so not purged; counted once (``tallied_at``)."""
        self.session.execute(
            update(CaseRow)
            .where(CaseRow.public_id == case, CaseRow.status == "closed")
            .values(status="open", closed_at=None, last_activity_at=self.clock())
        )

    def set_muted(self, case: str, muted: bool) -> None:
        """Note that a case's chat is muted (its messages stay out of the topic) or not."""
        self.session.execute(update(CaseRow).where(CaseRow.public_id == case).values(muted=muted))

    def set_away(self, staff: str, away: bool) -> None:
        """Note that a volunteer (by pseudonym) is away, or back."""
        row = self.session.get(AwayRow, staff)
        if away and row is None:
            self.session.add(AwayRow(key=staff, since=self.clock()))
        elif not away and row is not None:
            self.session.delete(row)

    def away_staff(self) -> frozenset[str]:
        """The pseudonyms of the volunteers who said they are away."""
        return frozenset(self.session.scalars(select(AwayRow.key)))
