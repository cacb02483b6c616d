"""The union desk's rules: what a volunteer's message or button does, and the desk's clock.

One topic per case in the staff group (the adapter creates it; ``opening``/``opened``). What
happens in the group comes here already read (``StaffMessage``) and decided who may act
(``bot.desk.staff``); this module decides the rest, on the records protocol, so it runs the
same on the encrypted database and in memory:

* **A reply** from a volunteer reaches the trainee (no sender name) if replies may reach them
  now (``may_reach``: "here", or inside their safe hours); otherwise it waits in the case's
  mailbox (safe hours, or until they come back with ``/resume``) and the topic says so. What
  reaches a trainee from the desk (a reply, a canned reply, the case-closed notice) starts with
  a neutral line in their language (``desk_reply_intro``, "New message:"): a locked phone
  shows a message's first line, never the volunteer's words. A photo or file is copied with
  that line atop its caption (a message before it would leave the caption as the first line).
* **Commands**: ``/claim``, ``/unclaim``, ``/close``, ``/reply NAME`` (a canned reply in the
  trainee's language), ``/card``; the card's buttons do the first two. Refusals are audited.
  The topic's card says only what claiming needs (``cards.summary``); the case's content goes
  to the claiming volunteer's private chat after the staff step-up (``bot.service.staff``).
* **The clock**: replies waiting for safe hours go out when the hours come (``due_mail``); a
  case nobody took within the set time is announced again (``remind``), its topic opened again
  if the group refused it (``bot.service.desk_refused``); purged cases leave the group.

Everything is queued as typed actions (``bot.actions``) in the unit of work that decided it.
The group never gets a trainee's name, username, Telegram id or phone number; the bot says
there the desk's own texts (``flows/data/desk_texts.yaml``). Logs carry event names only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.actions import (
    DESK_QUEUE,
    Buttons,
    CloseTopic,
    CopyOut,
    DeskAction,
    ForgetTopic,
    OpenTopic,
    Ping,
    Post,
    Send,
)
from bot.desk import card as cards
from bot.desk.roster import Roster, Volunteer
from bot.desk.staff import NEW_COMMANDS as COMMANDS
from bot.desk.staff import Decision, StaffMessage, decide
from bot.flowdefs.model import FlowSet
from bot.i18n.render import Renderer
from bot.records import DeskCase, Mail, Records, Unit
from bot.service import rounds
from bot.service.desk_commands import DeskCommands
from bot.service.safe_hours import may_reach
from bot.service.staff import StaffSteps

log = logging.getLogger(__name__)

CLAIM, RELEASE = "desk:claim", "desk:unclaim"
"""The case card's buttons; their labels are desk texts (``flows/data/desk_texts.yaml``)."""


class DeskHost(Protocol):
    """What the desk needs of the running helpline: its content and clock."""

    flows: FlowSet
    renderer: Renderer
    clock: Callable[[], datetime]

    def text_in(self, key: str, lang: str) -> str:
        """A system text in ``lang``."""


class Counter(Protocol):
    """Where the desk counts what it does (the adapter's metrics)."""

    def count(self, name: str, amount: float = 1, **labels: str) -> None:
        """Add to a counter."""


class _NoCounter:
    def count(self, name: str, amount: float = 1, **labels: str) -> None:
        """Count nothing."""


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Where the desk is and who may act in it."""

    chat_id: int
    staff: frozenset[int]
    roster: Roster
    unclaimed: timedelta = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Opening:
    """What the adapter needs to open a case's topic: its name, or the topic it has already."""

    name: str
    thread: int | None


class DeskRules:
    """Decides what happens at the desk; queues what the adapter must do."""

    def __init__(
        self,
        host: DeskHost,
        records: Records,
        settings: DeskSettings,
        counter: Counter | None = None,
    ) -> None:
        self.host = host
        self.records = records
        self.settings = settings
        self.counter: Counter = counter or _NoCounter()
        self.staff = StaffSteps(host, records, self.full_card)
        self.commands = DeskCommands(
            host, settings.roster.volunteers, self.staff, self.card_buttons, settings.staff
        )

    # A case's topic (asked by the adapter while it carries out ``OpenTopic``).

    def opening(self, case_id: str) -> Opening | None:
        """The topic to open for a case (None: the case is gone or closed)."""
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
        if case is None or case.status != "open":
            return None
        return Opening(cards.topic_name(case), case.thread_id)

    def opened(self, case_id: str, thread: int, new: bool) -> list[DeskAction]:
        """The topic exists (``new``: just made): what to post in it at once."""
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
            if case is None:
                return []
            if not new:
                return [Post(thread, self._said("again")), *self._ping(unit, case, thread)]
            unit.set_thread(case_id, thread)
            unit.audit("system", "case_card", case_id)
            pings = self._ping(unit, case, thread)
        self.counter.count("helpline_desk_cases_opened_total")
        return [self._card(case, thread), *pings]

    def thread_of(self, case_id: str) -> int | None:
        """The topic of a case, if it has one (a trainee's message goes there)."""
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
        if case is None or case.thread_id is None or case.muted:
            return None  # a muted chat's messages stay out of the topic (``/mute``)
        self.counter.count("helpline_desk_relays_total", direction="to_desk")
        return case.thread_id

    def _card(self, case: DeskCase, thread: int) -> Post:
        """The topic's card: what claiming needs, never the case's content."""
        return Post(thread, cards.summary(case, self.host.clock()), self.card_buttons())

    def full_card(self, case: DeskCase) -> str:
        """The case's content, for the claiming volunteer's private chat only."""
        host = self.host
        return cards.card(case, host.flows, host.renderer, self.settings.roster, host.clock())

    def _ping(self, unit: Unit, case: DeskCase, thread: int) -> list[Ping]:
        """Mention the volunteers on duty who speak the language, and the on-call list if urgent.

        Out of hours nobody is on duty, so only an urgent case wakes anyone; nobody who is away.
        """
        roster = self.settings.roster
        people: list[Volunteer] = roster.on_call() if case.urgent else []
        people += [v for v in roster.on_duty(case.lang, self.host.clock()) if v not in people]
        return self.commands.pings(unit, case, thread, people)

    # What happens in the group.

    def message(
        self, update_id: int | None, message: StaffMessage, bot_username: str | None
    ) -> None:
        """A message in a group: decide who may act and what it asks for, then do it.

        ``update_id`` is the inbox's (None: an adapter without one, like the terminal).
        """
        settings = self.settings
        decision = decide(message, settings.chat_id, settings.staff, bot_username)
        self.decided(update_id, message, decision)

    def press(self, update_id: int | None, message: StaffMessage, data: str) -> str | None:
        """A button pressed in a group; return the short answer to show (None: nothing)."""
        settings = self.settings
        who = StaffMessage(message.chat_id, message.sender_id, message.sender_is_bot)
        refused = decide(who, settings.chat_id, settings.staff, None)
        decision = Decision("ignore")
        if refused.kind == "refuse":
            decision = Decision("refuse", refused.refused)
        elif message.thread_id is not None and data in (CLAIM, RELEASE):
            command = "claim" if data == CLAIM else "unclaim"
            decision = Decision("command", command=command)
            message = StaffMessage(
                message.chat_id, message.sender_id, thread_id=message.thread_id, text=f"/{command}"
            )
        self.decided(update_id, message, decision)
        return self._said("not_allowed") if refused.kind == "refuse" else None

    def decided(self, update_id: int | None, message: StaffMessage, decision: Decision) -> None:
        """Carry out a decision in one unit of work, with the update marked handled."""
        with self.records.unit() as unit:
            if update_id is not None:
                if not unit.claim_update(update_id, DESK_QUEUE):
                    return  # another process handled it
                unit.finish_update(update_id)
            actor = "staff:" + unit.pseudonym("staff", message.sender_id or 0)[:16]
            if decision.kind == "refuse":
                self.counter.count("helpline_staff_refused_total")
                unit.audit(actor, "staff_refused", detail=str(decision.refused))
                log.warning("desk.refused", extra={"why": str(decision.refused)})
                return
            if decision.kind in ("ignore", "internal"):
                return
            case_id = unit.case_by_thread(message.thread_id) if message.thread_id else None
            case = unit.desk_case(case_id) if case_id else None
            if case is None or decision.command in COMMANDS:
                if decision.kind == "command":  # General, or one of ``bot.service.desk_commands``
                    self.commands.run(unit, case, decision, actor, message)
                return
            if decision.kind == "relay":
                self._relay(unit, case, actor, message)
            else:
                self._command(unit, case, decision, actor, message)

    def _relay(self, unit: Unit, case: DeskCase, actor: str, message: StaffMessage) -> None:
        if case.status != "open":
            self._post(unit, case.thread_id, self._said("already_closed"))
            return
        unit.audit(actor, "relayed", case.public_id)
        unit.first_reply(case.public_id)
        copy = message.message_id if message.media else None  # a text goes as words
        self._deliver(unit, case, Mail(message.text, desk_message_id=copy))

    def _command(
        self, unit: Unit, case: DeskCase, decision: Decision, actor: str, message: StaffMessage
    ) -> None:
        match decision.command:
            case "claim" | "card" if case.status == "open":
                name, me = self._name(message.sender_id), message.sender_id or 0
                if decision.command == "claim" and case.claimed_by != actor:
                    self.staff.released(unit, case.claimed_by)
                    unit.claim(case.public_id, actor)
                    unit.audit(actor, "claimed", case.public_id)
                    self._post(unit, case.thread_id, self._said("claimed", name=name))
                elif case.claimed_by != actor:  # /card: the content is the holder's only
                    self._post(unit, case.thread_id, self._said("not_yours"))
                    return
                self._post(unit, case.thread_id, self.staff.claimed(unit, case, me, name))
            case "unclaim":
                self.staff.released(unit, case.claimed_by)
                unit.claim(case.public_id, None)
                unit.audit(actor, "unclaimed", case.public_id)
                self._post(unit, case.thread_id, self._said("unclaimed"))
            case "close":
                self._close(unit, case, actor)
            case "reply":
                self._canned(unit, case, actor, decision.argument.split(" ")[0].lower())

    def _canned(self, unit: Unit, case: DeskCase, actor: str, name: str) -> None:
        """A canned reply: shown in the topic, sent to the trainee in their language."""
        replies = self.host.flows.replies
        msg = replies.get(name)
        if msg is None:
            names = "、".join(sorted(replies)) or "（なし）"
            self._post(unit, case.thread_id, self._said("no_reply", name=name, names=names))
            return
        unit.audit(actor, "relayed", case.public_id, detail=f"reply:{name}")
        unit.first_reply(case.public_id)
        text = self.host.renderer.text(msg, case.lang)
        language = cards.LANGUAGE_JA.get(case.lang, case.lang)
        header = self._said("canned", name=name, lang=language)
        self._post(unit, case.thread_id, f"{header}\n{text}")
        self._deliver(unit, case, Mail(text=text))

    def _close(self, unit: Unit, case: DeskCase, actor: str) -> None:
        if case.status != "open":
            return
        unit.close_case(case.public_id)
        unit.audit(actor, "closed", case.public_id)
        self.staff.released(unit, case.claimed_by)
        self._post(unit, case.thread_id, self._said("closed"))
        if case.thread_id is not None:
            unit.send_later(DESK_QUEUE, [CloseTopic(case.thread_id)])
        text = self.host.text_in("case_closed", case.lang)
        if may_reach(case, self.host.clock()):
            for mail in unit.take_mail(case.public_id):  # anything still waiting goes first
                self._to_trainee(unit, case, mail)
            self._to_trainee(unit, case, Mail(text))
        elif case.reply_mode == "hours" and case.address is not None:
            unit.add_mail(case.public_id, Mail(text))  # after the replies, in safe hours
            return  # where to send them is forgotten once delivered (``due_mail``)
        unit.set_case_address(case.public_id, None)  # nothing more will go there

    def _deliver(self, unit: Unit, case: DeskCase, mail: Mail) -> None:
        """Send a reply to the trainee now, or keep it in the mailbox and say so in the topic.

        A text goes as the bot's own message; a photo or file is copied (no sender, no
        "forwarded from"), its caption's words sent instead if the copy fails (a group that
        protects its content, a message a volunteer deleted before the safe hours came).
        """
        self.counter.count("helpline_desk_relays_total", direction="to_trainee")
        if may_reach(case, self.host.clock()):
            self._to_trainee(unit, case, mail)
            return
        unit.add_mail(case.public_id, mail)  # the safe hours are the card's, not the group's
        later = case.reply_mode == "hours" and case.hours
        self._post(unit, case.thread_id, self._said("later" if later else "mailbox"))

    # Small helpers.

    def _said(self, key: str, **params: str) -> str:
        """One of the desk's own texts (``flows/data/desk_texts.yaml``)."""
        return self.host.flows.desk_text(key, **params)

    def card_buttons(self) -> Buttons:
        """The case card's two buttons: take the case, give it back."""
        return ((self._said("claim_button"), CLAIM), (self._said("release_button"), RELEASE))

    def _name(self, user_id: int | None) -> str:
        names = (v.name for v in self.settings.roster.volunteers if v.id == user_id)
        return next(names, None) or self._said("someone")

    @staticmethod
    def _post(unit: Unit, thread: int | None, text: str) -> None:
        if thread is not None:
            unit.send_later(DESK_QUEUE, [Post(thread, text)])

    def _to_trainee(self, unit: Unit, case: DeskCase, mail: Mail) -> None:
        """Queue a reply for the trainee, behind the neutral first line of their language."""
        if case.address is None:
            return
        chat = int(case.address)
        intro = self.host.text_in("desk_reply_intro", case.lang)
        said = f"{intro}\n{mail.text}" if mail.text else intro
        action: Send | CopyOut = (
            Send(chat, said)
            if mail.desk_message_id is None
            else CopyOut(chat, mail.desk_message_id, said, caption=said)
        )
        unit.send_later(unit.pseudonym("chat", chat), [action])

    # The clock.

    def due_mail(self) -> int:
        """Send replies that waited for the trainee's safe hours, now that they have come.

        Each case is its own unit: one that fails is reported and skipped (``rounds.each``).
        """
        with self.records.unit() as unit:
            cases = unit.cases_with_mail()
        return rounds.each("desk_mail", cases, self._deliver_mail)

    def _deliver_mail(self, case_id: str) -> int:
        now, sent = self.host.clock(), 0
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
            if case is None or not may_reach(case, now):
                return 0
            for mail in unit.take_mail(case_id):
                self._to_trainee(unit, case, mail)
                sent += 1
            if case.status != "open":
                unit.set_case_address(case_id, None)  # the last of a closed case
        return sent

    def remind(self) -> int:
        """Announce again the cases nobody took in time (each its own unit, as ``due_mail``)."""
        with self.records.unit() as unit:
            cases = unit.unclaimed(self.host.clock() - self.settings.unclaimed)
        return rounds.each("desk_reminders", cases, self._remind_one)

    def _remind_one(self, case_id: str) -> int:
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
            if case is None:
                return 0
            unit.announced(case_id)
            if case.thread_id is None:  # its topic was refused (``desk_refused``): again
                unit.send_later(DESK_QUEUE, [OpenTopic(case_id, retry=True)])
                return 1
            self._post(unit, case.thread_id, self._said("reminder"))
            unit.send_later(DESK_QUEUE, self._ping(unit, case, case.thread_id))
        return 1

    def forget(self, threads: tuple[int, ...]) -> None:
        """Purged cases leave the group too."""
        with self.records.unit() as unit:
            unit.send_later(DESK_QUEUE, [ForgetTopic(thread) for thread in threads])
