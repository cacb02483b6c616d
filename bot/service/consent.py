"""Consent: nothing is kept with a case until the trainee agrees to a short purpose statement.

When a trainee first asks for a person (or gives a danger answer), the flow's texts (the
emergency numbers first of all) are shown, then the statement with two buttons. Agreeing opens
the case (the consent text's version and the time are recorded) and goes on to the desk's
questions (``bot.service.reach``) or, without a desk, to the PIN. Declining keeps nothing, and
the flow's waiting question comes again, so the trainee goes on where they were.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from bot import engine
from bot.conversation import Conversation, Mode
from bot.effects import Reply
from bot.flowdefs.model import FlowSet, Msg
from bot.records import case_answers
from bot.service import pin, reach
from bot.service.call import NO, YES, Back, Call, choose
from bot.values import Choice


def version(flows: FlowSet) -> str:
    """Return the version of the consent text: a hash of its English wording."""
    msg = flows.system.get("consent", Msg("system.consent", ""))
    return hashlib.sha256(msg.text.encode()).hexdigest()[:12]


def ask(call: Call, conversation: Conversation, handoff: engine.Handoff) -> Conversation:
    """The flow asks for a person and no case exists yet: first the purpose statement."""
    call.out.append(prompt(call, conversation.lang))
    scratch = {
        "urgent": "1" if handoff.urgent else "",
        "reason": handoff.reason,
        "topic": _topic(conversation, handoff),
    }
    return replace(conversation, mode=Mode.CONSENT, scratch=scratch)


def _topic(conversation: Conversation, handoff: engine.Handoff) -> str:
    """What the case is about: the menu topic chosen, else the flow the trainee was in."""
    answers = conversation.state.answers if conversation.state else {}
    chosen = answers.get("menu.topics")
    if isinstance(chosen, Choice) and chosen.value not in ("person", "help"):
        return chosen.value
    return handoff.flow


def prompt(call: Call, lang: str) -> Reply:
    """The purpose statement with its two buttons."""
    buttons = ((call.label("consent_yes", lang), YES), (call.label("consent_no", lang), NO))
    return call.system("consent", lang, buttons=buttons)


def answer(call: Call, conversation: Conversation, event: object) -> Conversation | Back:
    """The trainee agrees (a case is opened) or declines (nothing is kept)."""
    choice = choose(event, {"1": YES, "2": NO})
    lang = conversation.lang
    if choice == NO:
        call.out.append(call.system("consent_declined", lang))
        return Back(conversation)
    if choice != YES:
        call.out.append(prompt(call, lang))
        return conversation
    answers = case_answers(call.flows, conversation.state.answers if conversation.state else {})
    case = call.unit.open_case(lang, answers, version(call.flows))
    call.unit.hold_case(case, call.chat)  # this chat may delete it, even without a PIN
    scratch = conversation.scratch
    call.unit.set_desk(case, scratch.get("topic") or None, bool(scratch.get("urgent")))
    call.unit.audit("trainee", "case_opened", case)
    opened = replace(conversation, case=case)
    if call.host.desk_connected:
        return reach.ask_note(call, opened)
    return pin.offer(call, opened, required=False)
