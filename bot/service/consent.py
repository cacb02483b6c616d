"""Consent: nothing is kept with a case until the trainee agrees to a short purpose statement.

When a trainee first asks for a person, the flow's texts are shown, then the statement with two
buttons. Agreeing opens the case (the consent text's version and the time are recorded) and
goes on to the desk's questions (``bot.service.reach``) or, without a desk, to the PIN.
Declining keeps nothing, and the flow's waiting question comes again, so the trainee goes on
where they were.

An urgent request (a danger answer, or a flow's ``handoff: urgent``) is one tap: after the
emergency numbers, the statement is a single sentence on the same screen, with "ask someone
now" and "no". Agreeing opens the case, keeps this chat as the place replies go, and hands the
case to the desk at once (``handoff.finish``); only then is a PIN offered, by a button
(``pin.ASK``), so a plea typed at the desk is never taken for a PIN. Declining keeps nothing and
tells nobody: no case, no desk request, not even an empty alert (a ping with no case behind it
gives a volunteer nothing to act on, and its time alone says that someone used the helpline
then). The numbers stay on screen, and the emergency flow's question offers the one tap again.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from bot import engine
from bot.conversation import Conversation, Mode
from bot.effects import Reply
from bot.flowdefs.model import FlowSet, Msg
from bot.records import case_answers
from bot.service import handoff, pin, reach
from bot.service.call import NO, YES, Back, Call, choose
from bot.values import Choice

URGENT_KEY = "consent_urgent"
"""The one-sentence statement of the urgent path (``flows/system.yaml``)."""


def version(flows: FlowSet, key: str = "consent") -> str:
    """Return the version of a consent text: a hash of its English wording."""
    msg = flows.system.get(key, Msg(f"system.{key}", ""))
    return hashlib.sha256(msg.text.encode()).hexdigest()[:12]


def ask(call: Call, conversation: Conversation, handoff_asked: engine.Handoff) -> Conversation:
    """The flow asks for a person and no case exists yet: first the purpose statement."""
    call.out.append(prompt(call, conversation.lang, handoff_asked.urgent))
    scratch = {
        "urgent": "1" if handoff_asked.urgent else "",
        "reason": handoff_asked.reason,
        "topic": _topic(conversation, handoff_asked),
    }
    return replace(conversation, mode=Mode.CONSENT, scratch=scratch)


def _topic(conversation: Conversation, handoff_asked: engine.Handoff) -> str:
    """What the case is about: the menu topic chosen, else the flow the trainee was in."""
    answers = conversation.state.answers if conversation.state else {}
    chosen = answers.get("menu.topics")
    if isinstance(chosen, Choice) and chosen.value not in ("person", "help"):
        return chosen.value
    return handoff_asked.flow


def prompt(call: Call, lang: str, urgent: bool = False) -> Reply:
    """The purpose statement with its two buttons (the one-sentence one when urgent)."""
    yes = call.label("consent_urgent_yes" if urgent else "consent_yes", lang)
    buttons = ((yes, YES), (call.label("consent_no", lang), NO))
    return call.system(URGENT_KEY if urgent else "consent", lang, buttons=buttons)


def answer(call: Call, conversation: Conversation, event: object) -> Conversation | Back:
    """The trainee agrees (a case is opened) or declines (nothing is kept)."""
    choice = choose(event, {"1": YES, "2": NO})
    lang = conversation.lang
    urgent = bool(conversation.scratch.get("urgent"))
    if choice == NO:
        call.out.append(call.system("urgent_declined" if urgent else "consent_declined", lang))
        return Back(conversation)
    if choice != YES:
        call.out.append(prompt(call, lang, urgent))
        return conversation
    answers = case_answers(call.flows, conversation.state.answers if conversation.state else {})
    key = URGENT_KEY if urgent else "consent"
    case = call.unit.open_case(lang, answers, version(call.flows, key))
    call.unit.hold_case(case, call.chat)  # this chat may delete it, even without a PIN
    scratch = conversation.scratch
    call.unit.set_desk(case, scratch.get("topic") or None, urgent)
    call.unit.audit("trainee", "case_opened", case)
    opened = replace(conversation, case=case)
    if urgent:
        return _hand_over_now(call, opened, scratch.get("reason", "danger"))
    if call.host.desk_connected:
        return reach.ask_note(call, opened)
    return pin.offer(call, opened, required=False)


def _hand_over_now(call: Call, opened: Conversation, reason: str) -> Conversation | Back:
    """Urgent: replies come to this chat; the desk has the case before a PIN is offered."""
    case = opened.case
    if case is not None:
        call.unit.set_reply_mode(case, "here", None)
        call.unit.set_case_address(case, call.address)
    after = handoff.finish(call, opened, True, reason)
    call.out.append(pin.later(call, after.lang))
    return after if after.mode is Mode.DESK else Back(after)
