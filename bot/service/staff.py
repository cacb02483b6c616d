"""The staff step-up: a case's content only for the volunteer who took it, in a private chat.

The desk's group sees a case's label, topic, urgency, language and age (``bot.desk.card``'s
``summary``); what the case keeps (the answers, the wage check, the trainee's note) goes only to
the volunteer who claimed it, as the bot's message in their private chat with the bot (sent with
``protect_content``, like every message), and only after the staff step-up:

* **Enrolment, once.** The operator runs ``helpline staff enrol``, which prints a one-time code
  (``bot.staffcode``) valid for a set time; the volunteer sends it to the bot in a private chat
  and chooses a staff PIN of 6 to 12 digits. The PIN is kept as its Argon2id key
  (``Records.staff_pin_key``, computed outside any unit of work), the record under the keyed
  pseudonym of the volunteer's Telegram user id; their private chat's id is kept sealed with it
  (the bot must know where to send a card).
* **The PIN again every 30 minutes** (``STEP_UP``): a claim, ``/card`` in the topic or
  ``/cards`` in the private chat asks for it when the last one is older; at most 5 tries in 60
  seconds (``TRIES``/``WINDOW``), then a pause, audited. Typed codes and PINs are deleted at once.
* **Cards go away.** Releasing or closing a case (and another volunteer claiming it) clears the
  former holder's private chat with the bot (``WipeChat``; ``/cards`` shows the cards of the cases
  still theirs); what is left is swept by the idle wipe like any chat.

Which messages are the staff's: in a private chat, a text shaped like an enrolment code, and
every message of an enrolled volunteer while they are in a step (choosing or typing the PIN;
``/cancel`` leaves the second), and their ``/cards``; anything else goes to the trainee flows
(``private`` returns None). A chat that never sent a valid code never reaches a step. Logs and
the audit name a volunteer only by an opaque id (``bot.records.actor_of``); never a Telegram
id.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.actions import Send, WipeChat
from bot.effects import Outgoing, Reply, Scrub, Turn
from bot.engine import TextEntered
from bot.events import Incoming
from bot.flowdefs.model import FlowSet
from bot.i18n.render import Renderer
from bot.records import DeskCase, Records, StaffMember, Unit
from bot.staffcode import enrolment_code, staff_pin

log = logging.getLogger(__name__)

STEP_UP = timedelta(minutes=30)
"""How long a staff PIN, once typed, lets a volunteer see their cases' content."""
TRIES, WINDOW = 5, timedelta(seconds=60)
"""At most this many PIN tries in this window; then a pause (SecureDrop's values)."""
CARDS, CANCEL = "/cards", "/cancel"
"""In the private chat: the cards of one's cases; leave the PIN step."""

CardMaker = Callable[[DeskCase], str]


class StaffHost(Protocol):
    """What the step-up needs of the running helpline: its content and clock."""

    flows: FlowSet
    renderer: Renderer
    clock: Callable[[], datetime]


def verified(member: StaffMember, now: datetime) -> bool:
    """Whether the volunteer typed their staff PIN less than ``STEP_UP`` ago."""
    return member.verified_until is not None and now < member.verified_until


class StaffSteps:
    """Enrolment, the staff PIN, and the case card in the claiming volunteer's private chat."""

    def __init__(self, host: StaffHost, records: Records, card: CardMaker) -> None:
        self.host = host
        self.records = records
        self.card = card

    # The volunteer's private chat with the bot.

    def private(
        self,
        user_id: int,
        chat: str,
        event: Incoming,
        after: Callable[[Unit, Turn], None] | None = None,
        claim: Callable[[Unit], bool] | None = None,
    ) -> Turn | None:
        """A message in a private chat, if it is the staff's; None: it is a trainee's.

        ``after`` and ``claim`` as for ``Helpline.handle``. The PIN's slow KDF runs between a
        short read and the unit of work that acts, never inside a transaction.
        """
        text = event.text.strip() if isinstance(event, TextEntered) else None
        code = enrolment_code(text) if text else None
        with self.records.unit() as unit:
            key = unit.pseudonym("staff", user_id)
            member = unit.staff_member(key)
        if code is None and not _in_step(member, text):
            return None
        pin, now = (staff_pin(text) if text else None), self.host.clock()
        pin_key = None
        waiting = member is not None and member.step != "ready"
        if member is not None and pin is not None and waiting and not _paused(member, now):
            pin_key = self.records.staff_pin_key(key, pin)
        with self.records.unit() as unit:
            if claim is not None and not claim(unit):
                return Turn(())
            member = unit.staff_member(key)
            if code is not None:
                out = self._enrol(unit, user_id, key, member, code)
            elif member is None:
                out = [Reply(self._said("staff_code_refused"))]
            else:
                out = self._step(unit, member, text, pin_key)
            turn = Turn(tuple(out))
            if after is not None:
                after(unit, turn)
        return turn

    def _enrol(
        self, unit: Unit, user_id: int, key: str, member: StaffMember | None, code: str
    ) -> list[Outgoing]:
        if not unit.use_enrolment(code):
            unit.audit("system", "staff_code_refused")
            log.info("staff.code_refused")
            return [Scrub(), Reply(self._said("staff_code_refused"))]
        now = self.host.clock()
        unit.save_staff_member(StaffMember(key, now, address=str(user_id)))
        unit.audit(StaffMember(key, now).actor, "staff_enrolled")
        log.info("staff.enrolled")
        if member is not None:
            log.info("staff.enrolled_again")
        return [Scrub(), Reply(self._said("staff_choose_pin"))]

    def _step(
        self, unit: Unit, member: StaffMember, text: str | None, pin_key: str | None
    ) -> list[Outgoing]:
        now = self.host.clock()
        if member.step == "new_pin":
            if pin_key is None:  # not a PIN (or not even a text): asked again, deleted if typed
                return [*([Scrub()] if text else []), Reply(self._said("staff_pin_rule"))]
            member = replace(member, step="ready", pin=pin_key, verified_until=now + STEP_UP)
            unit.save_staff_member(member)
            unit.audit(member.actor, "staff_pin_set")
            return [Scrub(), Reply(self._said("staff_ready")), *self.cards(unit, member)]
        if text == CANCEL and member.step == "pin":
            unit.save_staff_member(replace(member, step="ready"))
            return [Reply(self._said("staff_cancelled"))]
        if member.step == "pin":
            return self._check(unit, member, text, pin_key)
        if verified(member, now):  # /cards, stepped up
            return list(self.cards(unit, member))
        unit.save_staff_member(replace(member, step="pin"))
        return [Reply(self._said("staff_pin_ask"))]

    def _check(
        self, unit: Unit, member: StaffMember, text: str | None, pin_key: str | None
    ) -> list[Outgoing]:
        """The PIN typed for the step-up: throttled, compared in constant time, audited."""
        now = self.host.clock()
        recent = tuple(t for t in member.tries if t > now - WINDOW)
        if len(recent) >= TRIES:
            wait = int((recent[-TRIES] + WINDOW - now).total_seconds()) + 1
            unit.audit(member.actor, "staff_pin_paused")
            log.warning("staff.pin_paused")
            return [Scrub(), Reply(self._said("staff_paused", seconds=str(wait)))]
        if text is None or staff_pin(text) is None:
            return [*([Scrub()] if text else []), Reply(self._said("staff_pin_rule"))]
        recent += (now,)
        if pin_key is not None and hmac.compare_digest(pin_key, member.pin or ""):
            member = replace(member, step="ready", verified_until=now + STEP_UP, tries=())
            unit.save_staff_member(member)
            unit.audit(member.actor, "staff_step_up")
            return [Scrub(), *self.cards(unit, member)]
        unit.save_staff_member(replace(member, tries=recent))
        unit.audit(member.actor, "staff_pin_failed")
        if len(recent) >= TRIES:
            unit.audit(member.actor, "staff_pin_paused")
            log.warning("staff.pin_paused")
        left = str(TRIES - len(recent))
        return [Scrub(), Reply(self._said("staff_pin_wrong", left=left))]

    def cards(self, unit: Unit, member: StaffMember) -> list[Reply]:
        """The cards of the open cases a stepped-up volunteer holds (each view audited)."""
        replies = []
        for case_id in unit.claimed_cases(member.actor):
            case = unit.desk_case(case_id)
            if case is not None:
                unit.audit(member.actor, "case_read", case_id)
                replies.append(Reply(self.card(case)))
        return replies or [Reply(self._said("staff_no_cases"))]

    # What the group's claim, /card, release and close do in the private chat.

    def claimed(self, unit: Unit, case: DeskCase, user_id: int, name: str) -> str:
        """A volunteer took a case (or asked for its card): its content, or the PIN first.

        The card goes to their private chat if they typed their PIN lately; else the PIN is
        asked there. Return what the topic is told (never content).
        """
        member = unit.staff_member(unit.pseudonym("staff", user_id))
        if member is None or member.pin is None or member.address is None:
            return self._said("enrol_first", name=name)
        address = int(member.address)
        queue = unit.pseudonym("chat", address)
        if verified(member, self.host.clock()):
            unit.audit(member.actor, "case_read", case.public_id)
            unit.send_later(queue, [Send(address, self.card(case))])
            return self._said("card_sent", name=name)
        unit.save_staff_member(replace(member, step="pin"))
        unit.send_later(queue, [Send(address, self._said("staff_pin_for", case=case.public_id))])
        return self._said("pin_asked", name=name)

    def released(self, unit: Unit, actor: str | None) -> None:
        """A volunteer no longer holds a case: clear their private chat with the bot."""
        member = unit.staff_by_actor(actor) if actor else None
        if member is not None and member.address is not None:
            address = int(member.address)
            unit.send_later(unit.pseudonym("chat", address), [WipeChat(address, sweep=True)])

    def _said(self, key: str, **params: str) -> str:
        return self.host.flows.desk_text(key, **params)


def _in_step(member: StaffMember | None, text: str | None) -> bool:
    """Whether a message of an enrolled volunteer is the staff's (not the trainee flows')."""
    if member is None:
        return False
    return member.step != "ready" or text == CARDS


def _paused(member: StaffMember, now: datetime) -> bool:
    return sum(1 for t in member.tries if t > now - WINDOW) >= TRIES
