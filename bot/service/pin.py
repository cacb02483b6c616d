"""The PIN dialog: an optional 6-digit PIN typed twice, then a case code shown once.

After consent (and, with a desk, after the trainee said how replies may reach them) the trainee
may choose a PIN; guessable ones are refused. The helpline then makes a case code that looks
like a phone number and shows it once. Messages holding a PIN are deleted from the chat
(``Scrub``). When replies wait in the mailbox, the PIN is the only way back, so it cannot be
skipped. When the PIN is settled, the case goes to the desk (``bot.service.handoff``).

After an urgent handoff the desk has the case already: the PIN is then only offered, by a button
(``later``, ``PIN_ASK``), and when it is settled the chat goes back to the desk (or, without a
desk, to the flow's question) without asking the desk a second time.
"""

from __future__ import annotations

from dataclasses import replace

from bot import engine
from bot.casecode import is_weak, read_pin
from bot.conversation import Conversation, Mode
from bot.effects import Reply, Scrub
from bot.service import handoff
from bot.service.call import PIN_ASK, SKIP, Back, Call, choose
from bot.values import Text

HANDED = "handed"
"""Scratch mark: the desk has the case already (an urgent handoff); do not ask it again."""


def later(call: Call, lang: str) -> Reply:
    """After an urgent handoff: a PIN is offered by a button, never asked for."""
    return call.system("pin_later", lang, buttons=((call.label("pin_choose", lang), PIN_ASK),))


def offer(
    call: Call, conversation: Conversation, required: bool, handed: bool = False
) -> Conversation:
    """Offer a PIN (with Skip), or ask for one when replies will wait in the mailbox."""
    lang = conversation.lang
    if handed:
        conversation = replace(conversation, scratch={HANDED: "1"})
    if required:
        call.out.append(call.system("pin_needed", lang))
    else:
        skip = ((call.label("pin_skip", lang), SKIP),)
        call.out.append(call.system("pin_offer", lang, buttons=skip))
    return replace(conversation, mode=Mode.PIN)


def answer(call: Call, conversation: Conversation, event: object) -> Conversation | Back:
    """The trainee types a PIN (or its repetition), or skips."""
    lang = conversation.lang
    if choose(event, {}) == SKIP:
        if not handoff.replies_wait(conversation):
            return _finish(call, conversation)
        call.out.append(call.system("pin_needed", lang))  # replies will wait: no skipping
        return conversation
    if not isinstance(event, engine.TextEntered):
        call.out.append(call.system("pin_format", lang))
        return conversation
    call.out.append(Scrub())
    pin = read_pin(event.text)
    if pin is None:
        call.out.append(call.system("pin_format", lang))
        return conversation
    if conversation.mode is Mode.PIN:
        if is_weak(pin):
            call.out.append(call.system("pin_weak", lang))
            return conversation
        call.out.append(call.system("pin_again", lang))
        scratch = {**conversation.scratch, "pin": pin}
        return replace(conversation, mode=Mode.PIN_AGAIN, scratch=scratch)
    if pin != conversation.scratch.get("pin"):
        call.out.append(call.system("pin_mismatch", lang))
        scratch = {k: v for k, v in conversation.scratch.items() if k != "pin"}
        return replace(conversation, mode=Mode.PIN, scratch=scratch)
    if conversation.case is not None:  # the PIN dialog always follows consent
        code = call.unit.set_pin(conversation.case, pin)
        call.unit.audit("trainee", "pin_set", conversation.case)
        call.out.append(call.system("code_given", lang, {"code": Text(code)}))
    return _finish(call, conversation)


def _finish(call: Call, conversation: Conversation) -> Conversation | Back:
    """All is settled: hand off; then the chat is at the desk, or back where it was."""
    scratch = conversation.scratch
    if scratch.get(HANDED):  # the desk has the case: back to it, or to the flow's question
        settled = replace(conversation, scratch={})
        if call.host.desk_connected:
            call.out.append(call.system("desk_hint", conversation.lang))
            return replace(settled, mode=Mode.DESK)
        return Back(replace(settled, mode=Mode.CHAT))
    reason = scratch.get("reason", "asked")
    after = handoff.finish(call, conversation, bool(scratch.get("urgent")), reason)
    return after if after.mode is Mode.DESK else Back(after)
