"""Handing a case to the union desk, once the trainee agreed and said how replies may reach them.

``finish`` asks the desk to take over the chat's case (a ``DeskRequest``) and tells the trainee
what happens next: the desk will answer here, or in the mailbox (as the case's reply mode says);
when the desk is closed, when it opens. An urgent request whose replies come here says only
that someone will write as soon as possible and that the numbers still hold: an urgent case
pings the on-call volunteers at any hour, so opening hours are not said. One whose replies wait
(safe hours, the mailbox) keeps the trainee's choice and gets the ordinary notice. With the desk
connected the chat is then at the desk (``Mode.DESK``). Without a desk, the trainee is told
honestly that no volunteer can be reached. Decides nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.conversation import Conversation, Mode
from bot.desk.hours import JST
from bot.effects import DeskRequest, Reply
from bot.service.call import Call
from bot.values import Day, Text, Value

log = logging.getLogger(__name__)


def replies_wait(conversation: Conversation) -> bool:
    """Whether the trainee chose replies in the mailbox (then a PIN is the only way back)."""
    return conversation.scratch.get("replies") == "mailbox"


def _reply_mode(call: Call, case: str) -> str:
    """How the case's replies reach the trainee: here, in safe hours, or the mailbox.

    Only with ``here`` may the trainee be told that someone will write here soon; an urgent
    request on a case whose replies wait keeps the trainee's choice and its ordinary notices.
    """
    status = call.unit.case_status(case)
    return status.reply_mode if status is not None else "here"


NUMBERS = ("help", "numbers")
"""The flow node whose text lists the verified numbers to call (``flows/help.yaml``)."""


def unavailable(call: Call, conversation: Conversation, urgent: bool = False) -> None:
    """No desk is connected: say so at once, with the numbers; no consent, no PIN, no case.

    On the danger path the emergency numbers were just shown: the line alone then, so the step
    stays within three messages.

    Asking the trainee to agree to keep their answers, and to choose a PIN, for a case nobody
    can read would cost them time and keep data for nothing.
    """
    lang = conversation.lang
    call.out.append(call.system("desk_unavailable", lang))
    numbers = call.flows.node(*NUMBERS)
    say = getattr(numbers, "say", None)
    if say is not None and not urgent:
        text = call.host.renderer.text(say, lang)
        call.out.append(Reply(text, (), say.context))
    log.info("handoff.unavailable")


def finish(call: Call, conversation: Conversation, urgent: bool, reason: str) -> Conversation:
    """Ask the desk to take over the chat's case; tell the trainee what happens next."""
    lang = conversation.lang
    if conversation.case is None:  # callers open the case first; never hand off without one
        return conversation
    call.out.append(DeskRequest(urgent, reason, conversation.case))
    log.info("handoff.requested", extra={"urgent": urgent, "reason": reason})
    if not call.host.desk_connected:
        call.out.append(call.system("desk_unavailable", lang))
        return replace(conversation, mode=Mode.CHAT, scratch={})
    replies = _reply_mode(call, conversation.case)
    if urgent and replies == "here":
        call.out.append(call.system("handoff_urgent", lang))
        return replace(conversation, mode=Mode.DESK, scratch={})
    mailbox = replies_wait(conversation) or replies == "mailbox"
    call.out.append(call.system("handoff_mailbox" if mailbox else "handoff_asked", lang))
    office, now = call.host.office, call.host.clock()
    if not urgent and office is not None and not office.is_open(now):  # urgent: on call
        opens = office.next_open(now).astimezone(JST)
        when: dict[str, Value] = {"day": Day(opens.date()), "time": Text(f"{opens:%H:%M}")}
        call.out.append(call.system("desk_closed_now", lang, when))
    return replace(conversation, mode=Mode.DESK, scratch={})
