"""What the service may ask of storage: the records port, and the case answers it may keep.

The service works through ``Records.unit()``: one unit of work per incoming event, committed
when the ``with`` block ends without an error (and rolled back otherwise). Two implementations
keep the same contract (``tests/test_records.py`` runs one suite on both): the encrypted
database store (``bot.storage.store``) and an in-memory one for transcripts and unit tests.

Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.actions import Action
from bot.conversation import Conversation
from bot.flowdefs.model import ComputeNode, FlowSet, Store
from bot.values import Value


class RecordsUnavailable(RuntimeError):
    """The records cannot be reached now (the database is down): try again later."""


@dataclass(frozen=True, slots=True)
class CaseStatus:
    """What a trainee may see about their case after resuming: no content."""

    public_id: str
    status: str  # "open" or "closed"
    lang: str
    opened_at: datetime
    reply_mode: str = "here"


@dataclass(frozen=True, slots=True)
class DeskCase:
    """What the union desk may know about a case: never who the trainee is."""

    public_id: str
    status: str
    lang: str
    topic: str | None
    urgent: bool
    reply_mode: str
    hours: tuple[int, int] | None
    address: str | None
    """Where replies go; only the adapter reads it, never a desk text."""
    thread_id: int | None
    claimed_by: str | None
    opened_at: datetime
    answers: dict[str, Value]
    muted: bool = False
    """A volunteer muted the chat (``/mute``): its messages stay out of the topic."""


@dataclass(frozen=True, slots=True)
class Mail:
    """A volunteer's reply kept for the trainee: a text, or a desk message to copy."""

    text: str | None = None
    desk_message_id: int | None = None


class TraineeUnit(Protocol):
    """The trainee's part of a unit of work: conversations, cases, the outbox."""

    def conversation(self, chat: str) -> Conversation | None:
        """Return the conversation of a chat (by pseudonym), if any."""

    def save_conversation(
        self, chat: str, conversation: Conversation, address: str | None
    ) -> None:
        """Keep a conversation; ``address`` (the chat id to answer) is kept sealed."""

    def address(self, chat: str) -> str | None:
        """Return what the adapter needs to write to a chat later (kept sealed)."""

    def end_conversation(self, chat: str) -> None:
        """Forget a chat's conversation, its answers and its address."""

    def open_case(self, lang: str, answers: Mapping[str, Value], consent_version: str) -> str:
        """Create a case with a consent row and its kept answers; return its public id."""

    def kept_answers(self, case: str) -> dict[str, Value]:
        """Return the answers kept with a case (for the union desk's case card)."""

    def set_pin(self, case: str, pin: str) -> str:
        """Give a case a new code for this PIN; return the code (shown once, never stored)."""

    def find_case(self, code: str, pin: str) -> str | None:
        """Return the case a code and PIN open, or None (same work either way).

        The slow KDF runs inside the unit: the service uses ``Records.resume_key`` (outside
        any unit) and ``case_by_resume_key`` instead.
        """

    def case_by_resume_key(self, key: str) -> str | None:
        """Return the case a resume key (``Records.resume_key``) opens, or None."""

    def hold_case(self, case: str, chat: str) -> str | None:
        """Make ``chat`` the one chat that holds a case; return the chat that held it before.

        The link outlives the chat's conversation (``/exit``, the idle wipe), as long as the
        case exists. Any other chat's conversation is unlinked from the case.
        """

    def holder(self, case: str) -> str | None:
        """The chat that holds a case, if any."""

    def held_cases(self, chat: str) -> list[str]:
        """The cases a chat holds (or its conversation is linked to), oldest first."""

    def failed_resumes(self, chat: str | None, since: datetime) -> int:
        """Count failed resumes since a time, for one chat or (None) for everyone."""

    def record_failed_resume(self, chat: str) -> None:
        """Note a failed resume by a chat."""

    def case_status(self, case: str) -> CaseStatus | None:
        """Return a case's status, or None if it no longer exists."""

    def touch_case(self, case: str) -> None:
        """Note activity on a case: its retention period starts again."""

    def add_case_answers(self, case: str, answers: Mapping[str, Value]) -> None:
        """Keep more answers with a case (the trainee's note to the desk)."""

    def set_desk(self, case: str, topic: str | None, urgent: bool) -> None:
        """Note what a case is about and whether it is urgent (for the desk's topic)."""

    def set_reply_mode(self, case: str, mode: str, hours: tuple[int, int] | None) -> None:
        """How replies may reach the trainee: ``here``, ``hours`` (safe hours) or ``mailbox``."""

    def set_case_address(self, case: str, address: str | None) -> None:
        """Where replies go (kept sealed); None: nowhere."""

    def case_thread(self, case: str) -> int | None:
        """The case's topic in the desk's group, if it has one."""

    def take_mail(self, case: str) -> list[Mail]:
        """Hand over the replies waiting for a case, oldest first."""

    def delete_case(self, case: str) -> None:
        """Destroy a case: its data key first, then its rows and linked conversations.

        Audit rows that named the case stay, without its name.
        """

    def audit(self, actor: str, action: str, case: str | None = None, detail: str = "") -> None:
        """Write an audit row (kept even if the unit rolls back)."""

    def idle_chats(self, before: datetime, chat: str | None = None) -> list[str]:
        """Return the chats (or just ``chat``) whose conversation rests since before ``before``."""

    def send_later(self, chat: str, actions: Sequence[Action]) -> None:
        """Queue what an adapter must do for a chat (or the desk), committed with the unit."""

    def pseudonym(self, kind: str, value: int) -> str:
        """The keyed pseudonym of a Telegram id: a chat's queue, a volunteer in the audit."""

    def finish_update(self, update_id: int) -> None:
        """Mark an incoming update handled, in the same unit as its effects."""

    def count_completed(self, flow: str, lang: str) -> None:
        """Count a topic flow gone through to its end, for the reports (a count, nobody's)."""

    def count_routed(self, topic: str) -> None:
        """Count a tap on a suggestion made from typed text: its topic, never the text."""

    def claim_update(self, update_id: int, chat: str) -> bool:
        """Hold the chat for this unit, then say whether the update is still its oldest waiting.

        Other processes keep off the chat meanwhile. False: another process holds the chat or
        has handled the update; leave it (it is tried again if it still waits).
        """


class DeskUnit(Protocol):
    """The union desk's part of a unit of work: cases as the desk may know them."""

    def desk_case(self, case: str) -> DeskCase | None:
        """Everything the desk may know about a case (never who the trainee is)."""

    def case_by_thread(self, thread_id: int) -> str | None:
        """The case a desk topic belongs to."""

    def set_thread(self, case: str, thread_id: int) -> None:
        """Note the desk topic of a case (and that it was announced now)."""

    def announced(self, case: str) -> None:
        """Note that a case was announced (again) to the desk."""

    def claim(self, case: str, staff: str | None) -> None:
        """Note who took a case (None: nobody)."""

    def close_case(self, case: str) -> None:
        """Close a case: its retention period starts now; it is counted for the reports."""

    def first_reply(self, case: str) -> None:
        """Note that a volunteer answered (the first time only), for the reports."""

    def add_mail(self, case: str, mail: Mail) -> None:
        """Keep a reply for the trainee to read later (sealed with the case)."""

    def unclaimed(self, before: datetime) -> list[str]:
        """Open cases nobody took, last announced (or their topic refused) before ``before``."""

    def cases_with_mail(self) -> list[str]:
        """Cases with replies waiting that may be delivered in the chat (safe hours)."""

    def open_cases(self) -> list[str]:
        """The open cases, oldest first (for ``/cases``)."""

    def reopen_case(self, case: str) -> None:
        """Open a closed case again (it is no longer counted as closed for the purge)."""

    def set_muted(self, case: str, muted: bool) -> None:
        """Note that a case's chat is muted (its messages stay out of the topic) or not."""

    def set_away(self, staff: str, away: bool) -> None:
        """Note that a volunteer (``pseudonym("staff", id)``) is away (not pinged) or back."""

    def away_staff(self) -> frozenset[str]:
        """The pseudonyms of the volunteers who said they are away."""


@dataclass(frozen=True, slots=True)
class StaffMember:
    """An enrolled volunteer, as the staff step-up knows them: never their Telegram id in clear.

    ``key`` is the keyed pseudonym of their Telegram user id (``pseudonym("staff", id)``);
    ``actor`` (``staff:`` and its first 16 characters) is how the audit and a case's claim name
    them. Everything else is kept sealed.
    """

    key: str
    enrolled_at: datetime
    step: str = "new_pin"
    """``new_pin`` (choose a PIN), ``pin`` (type the PIN to see the cards) or ``ready``."""
    pin: str | None = None
    """The PIN's Argon2id key (``Records.staff_pin_key``); never the PIN."""
    verified_until: datetime | None = None
    tries: tuple[datetime, ...] = ()
    """When the PIN was tried lately (the throttle: 5 in 60 s)."""
    address: str | None = None
    """Their private chat with the bot (where cards go), kept sealed."""

    @property
    def actor(self) -> str:
        """The opaque id the audit and a case's claim name them by."""
        return actor_of(self.key)


def actor_of(key: str) -> str:
    """The opaque id of a volunteer (from their pseudonym) in the audit and a case's claim."""
    return "staff:" + key[:16]


class StaffUnit(Protocol):
    """The staff step-up's part of a unit of work: enrolment codes and enrolled volunteers."""

    def use_enrolment(self, code: str) -> bool:
        """Spend an enrolment code: True once, if it exists and has not expired."""

    def staff_member(self, key: str) -> StaffMember | None:
        """The enrolled volunteer with this pseudonym, if any."""

    def staff_by_actor(self, actor: str) -> StaffMember | None:
        """The enrolled volunteer an audit or claim id names, if any."""

    def save_staff_member(self, member: StaffMember) -> None:
        """Keep (or first enrol) a volunteer."""

    def claimed_cases(self, actor: str) -> list[str]:
        """The open cases a volunteer holds, oldest first."""


class Unit(TraineeUnit, DeskUnit, StaffUnit, Protocol):
    """The operations of one unit of work: the trainee's part, the desk's and the staff's."""


class Records(Protocol):
    """Where conversations and cases are kept."""

    def unit(self) -> AbstractContextManager[Unit]:
        """Start a unit of work."""

    def resume_key(self, code: str, pin: str) -> str:
        """The key a code and PIN find their case by (``Unit.case_by_resume_key``).

        This is the slow KDF (Argon2id): run it outside any unit of work, so that it never
        holds the database's write lock.
        """

    def staff_pin_key(self, staff: str, pin: str) -> str:
        """The key a volunteer's staff PIN is kept as (Argon2id, like ``resume_key``).

        Slow on purpose: run it outside any unit of work.
        """


def case_answers(flows: FlowSet, answers: Mapping[str, Value]) -> dict[str, Value]:
    """Return the answers a case may keep.

    These are the ``store: case`` answers and the results of calculators that used at least one
    of them. Conversation-only answers stay behind.
    """
    kept: dict[str, Value] = {}
    for key, value in answers.items():
        flow_name, _, rest = key.partition(".")
        node_id, _, output = rest.partition(".")
        node = flows.node(flow_name, node_id)
        if node is None:
            continue
        if isinstance(node, ComputeNode) and output:
            inputs = [
                flows.node(flow_name, arg.variable.split(".")[0])
                for arg in node.args.values()
                if arg.variable
            ]
            if any(getattr(i, "store", None) is Store.CASE for i in inputs):
                kept[key] = value
        elif getattr(node, "store", None) is Store.CASE:
            kept[key] = value
    return kept
