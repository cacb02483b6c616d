"""Records kept in this process's memory: for transcripts and unit tests only.

Same contract as the database store (``bot.records``), but nothing is encrypted and nothing
survives the process. Never used for a real helpline: the terminal chat and the Telegram bot use
the database store.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from bot.actions import Action
from bot.casecode import new_code
from bot.conversation import Conversation
from bot.records import CaseStatus, DeskCase, Mail, Unit
from bot.storage.memory_desk import DeskMemory
from bot.storage.memory_staff import StaffMemory
from bot.values import Value


@dataclass
class _Case:
    public_id: str
    lang: str
    answers: dict[str, Value]
    consent_version: str
    opened_at: datetime
    last_activity_at: datetime
    status: str = "open"
    topic: str | None = None
    urgent: bool = False
    reply_mode: str = "here"
    hours: tuple[int, int] | None = None
    address: str | None = None
    thread_id: int | None = None
    claimed_by: str | None = None
    announced_at: datetime | None = None
    first_reply_at: datetime | None = None
    holder: str | None = None
    muted: bool = False
    mail: list[Mail] = field(default_factory=list)


@dataclass
class MemoryRecords(DeskMemory, StaffMemory):
    """A ``Records`` implementation in plain dicts (the staff's part: ``StaffMemory``)."""

    rng: random.Random = field(default_factory=random.SystemRandom)
    """Makes case ids and codes; transcripts pass a seeded one so their replies repeat."""
    conversations: dict[str, Conversation] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    cases: dict[str, _Case] = field(default_factory=dict)
    resume: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, datetime]] = field(default_factory=list)
    audit_log: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    touched: dict[str, datetime] = field(default_factory=dict)
    outbox: list[tuple[str, Action]] = field(default_factory=list)
    finished: set[int] = field(default_factory=set)
    completed: list[tuple[str, str]] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """Start a unit of work: on an error, everything but the audit log is put back."""
        kept = [f.name for f in fields(self) if f.name not in ("audit_log", "clock", "rng")]
        saved = copy.deepcopy({name: getattr(self, name) for name in kept})
        try:
            yield self
        except BaseException:
            for name, value in saved.items():
                setattr(self, name, value)
            raise

    def conversation(self, chat: str) -> Conversation | None:
        """Return the conversation of a chat, if any."""
        return self.conversations.get(chat)

    def save_conversation(
        self, chat: str, conversation: Conversation, address: str | None
    ) -> None:
        """Keep a conversation."""
        self.conversations[chat] = conversation
        self.touched[chat] = self.clock()
        if address is not None:
            self.addresses[chat] = address

    def end_conversation(self, chat: str) -> None:
        """Forget a chat's conversation."""
        self.conversations.pop(chat, None)
        self.addresses.pop(chat, None)

    def open_case(self, lang: str, answers: Mapping[str, Value], consent_version: str) -> str:
        """Create a case."""
        public_id = f"C-{self.rng.randrange(16**6):06X}"
        now = self.clock()
        self.cases[public_id] = _Case(public_id, lang, dict(answers), consent_version, now, now)
        return public_id

    def set_pin(self, case: str, pin: str) -> str:
        """Give a case a new code for this PIN."""
        code = new_code(self.rng.randrange)
        self.resume = {key: c for key, c in self.resume.items() if c != case}
        self.resume[self.resume_key(code, pin)] = case
        return code

    def find_case(self, code: str, pin: str) -> str | None:
        """Return the case a code and PIN open."""
        return self.case_by_resume_key(self.resume_key(code, pin))

    def resume_key(self, code: str, pin: str) -> str:
        """Not a KDF: memory records are for tests and transcripts only."""
        return f"{code}|{pin}"

    def case_by_resume_key(self, key: str) -> str | None:
        """Return the case a resume key opens."""
        return self.resume.get(key)

    def hold_case(self, case: str, chat: str) -> str | None:
        """Make a chat the holder of a case; unlink every other chat's conversation."""
        found = self.cases.get(case)
        if found is None:
            return None
        before, found.holder = found.holder, chat
        for other, conversation in self.conversations.items():
            if other != chat and conversation.case == case:
                self.conversations[other] = replace(conversation, case=None)
        return before if before != chat else None

    def holder(self, case: str) -> str | None:
        """The chat that holds a case."""
        found = self.cases.get(case)
        return found.holder if found else None

    def held_cases(self, chat: str) -> list[str]:
        """The cases a chat holds or is linked to."""
        linked = self.conversations.get(chat)
        return [
            c.public_id
            for c in self.cases.values()
            if c.holder == chat or (linked is not None and linked.case == c.public_id)
        ]

    def failed_resumes(self, chat: str | None, since: datetime) -> int:
        """Count failed resumes since a time."""
        return sum(1 for who, at in self.failures if at >= since and chat in (None, who))

    def record_failed_resume(self, chat: str) -> None:
        """Note a failed resume."""
        self.failures.append((chat, self.clock()))

    def kept_answers(self, case: str) -> dict[str, Value]:
        """Return a case's kept answers."""
        found = self.cases.get(case)
        return dict(found.answers) if found else {}

    def address(self, chat: str) -> str | None:
        """Return the chat id a conversation answers to."""
        return self.addresses.get(chat)

    def case_status(self, case: str) -> CaseStatus | None:
        """Return a case's status."""
        found = self.cases.get(case)
        if found is None:
            return None
        return CaseStatus(
            found.public_id, found.status, found.lang, found.opened_at, found.reply_mode
        )

    def add_case_answers(self, case: str, answers: Mapping[str, Value]) -> None:
        """Keep more answers with a case."""
        if case in self.cases:
            self.cases[case].answers.update(answers)

    def set_desk(self, case: str, topic: str | None, urgent: bool) -> None:
        """Note a case's topic and urgency."""
        if case in self.cases:
            self.cases[case].topic, self.cases[case].urgent = topic, urgent

    def set_reply_mode(self, case: str, mode: str, hours: tuple[int, int] | None) -> None:
        """Note how replies may reach the trainee."""
        if case in self.cases:
            self.cases[case].reply_mode, self.cases[case].hours = mode, hours

    def set_case_address(self, case: str, address: str | None) -> None:
        """Note where replies go."""
        if case in self.cases:
            self.cases[case].address = address

    def case_thread(self, case: str) -> int | None:
        """The case's desk topic."""
        found = self.cases.get(case)
        return found.thread_id if found else None

    def take_mail(self, case: str) -> list[Mail]:
        """Hand over waiting replies."""
        found = self.cases.get(case)
        if found is None:
            return []
        mail, found.mail = found.mail, []
        return mail

    def touch_case(self, case: str) -> None:
        """Note activity on a case."""
        if case in self.cases:
            self.cases[case].last_activity_at = self.clock()

    def delete_case(self, case: str) -> None:
        """Forget a case."""
        self.cases.pop(case, None)
        self.resume = {key: c for key, c in self.resume.items() if c != case}
        for chat, conversation in list(self.conversations.items()):
            if conversation.case == case:
                self.end_conversation(chat)
        self.audit_log = [
            (actor, action, None if named == case else named, detail)
            for actor, action, named, detail in self.audit_log
        ]

    def idle_chats(self, before: datetime, chat: str | None = None) -> list[str]:
        """Return the chats resting since before ``before``."""
        return [
            each
            for each in self.conversations
            if self.touched.get(each, before) < before and chat in (None, each)
        ]

    def send_later(self, chat: str, actions: Sequence[Action]) -> None:
        """Queue actions."""
        self.outbox += [(chat, action) for action in actions]

    def pseudonym(self, kind: str, value: int) -> str:
        """Not keyed: memory records are for tests and transcripts only."""
        return f"{kind}:{value}"

    # The desk's part.

    def desk_case(self, case: str) -> DeskCase | None:
        """Everything the desk may know about a case."""
        found = self.cases.get(case)
        if found is None:
            return None
        return DeskCase(
            public_id=found.public_id,
            status=found.status,
            lang=found.lang,
            topic=found.topic,
            urgent=found.urgent,
            reply_mode=found.reply_mode,
            hours=found.hours,
            address=found.address,
            thread_id=found.thread_id,
            claimed_by=found.claimed_by,
            opened_at=found.opened_at,
            answers=dict(found.answers),
            muted=found.muted,
        )

    def case_by_thread(self, thread_id: int) -> str | None:
        """The case a desk topic belongs to."""
        return next((c.public_id for c in self.cases.values() if c.thread_id == thread_id), None)

    def set_thread(self, case: str, thread_id: int) -> None:
        """Note the desk topic of a case."""
        if case in self.cases:
            self.cases[case].thread_id = thread_id
            self.cases[case].announced_at = self.clock()

    def announced(self, case: str) -> None:
        """Note that a case was announced again."""
        if case in self.cases:
            self.cases[case].announced_at = self.clock()

    def claim(self, case: str, staff: str | None) -> None:
        """Note who took a case."""
        if case in self.cases:
            self.cases[case].claimed_by = staff

    def close_case(self, case: str) -> None:
        """Close a case."""
        if case in self.cases:
            self.cases[case].status = "closed"
            self.cases[case].last_activity_at = self.clock()

    def first_reply(self, case: str) -> None:
        """Note a volunteer's first answer."""
        found = self.cases.get(case)
        if found is not None and found.first_reply_at is None:
            found.first_reply_at = self.clock()

    def add_mail(self, case: str, mail: Mail) -> None:
        """Keep a reply for later."""
        if case in self.cases:
            self.cases[case].mail.append(mail)

    def unclaimed(self, before: datetime) -> list[str]:
        """Open cases nobody took, last announced (or their topic refused) before ``before``."""
        return [
            c.public_id
            for c in self.cases.values()
            if c.status == "open"
            and c.claimed_by is None
            and c.announced_at is not None
            and c.announced_at < before
        ]

    def cases_with_mail(self) -> list[str]:
        """Cases with replies waiting that may be delivered in safe hours."""
        return [
            c.public_id
            for c in self.cases.values()
            if c.reply_mode == "hours" and c.address is not None and c.mail
        ]

    def claimed_cases(self, actor: str) -> list[str]:
        """The open cases a volunteer holds."""
        cases = self.cases.values()
        return [c.public_id for c in cases if c.status == "open" and c.claimed_by == actor]

    def finish_update(self, update_id: int) -> None:
        """Mark an update handled."""
        self.finished.add(update_id)

    def count_completed(self, flow: str, lang: str) -> None:
        """Count a completed topic flow."""
        self.completed.append((flow, lang))

    def count_routed(self, topic: str) -> None:
        """Count a suggestion tapped, by topic."""
        self.routed.append(topic)

    def claim_update(self, update_id: int, chat: str) -> bool:
        """One process only: an update is claimable until it is handled."""
        return update_id not in self.finished

    def audit(self, actor: str, action: str, case: str | None = None, detail: str = "") -> None:
        """Note an audit event."""
        self.audit_log.append((actor, action, case, detail))
