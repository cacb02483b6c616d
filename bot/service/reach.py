"""Before a case goes to the union desk: a note for the volunteer, and how replies may reach.

After consent, when the desk is connected, a trainee is asked three things, each answered with a
button or by typing:

1. an optional short message for the volunteer, in their own words (kept sealed with the case,
   shown on the card as untranslated; never a name, the text asks);
2. how replies may reach them: here in this chat; here, but only in the hours they say are safe;
   or not here at all, so that replies wait in the case's mailbox until they come back with
   ``/resume`` from any phone (then a PIN is not optional);
3. their safe hours, if they chose them (``18-22``, Japan time; full-width digits are fine).

Then the PIN (``bot.service.pin``). Once the case is at the desk, ``at_desk`` relays what the
trainee writes or sends to the case's topic, with a short "Sent."; a text too long for one post
in the topic goes whole, as several posts in order (``bot.desk.card.pieces``), so "Sent." is
true. A button leaves the desk for the flows, and ``/talk`` comes back to it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot import engine
from bot.conversation import Conversation, Mode
from bot.desk.card import MAX_NOTE, NOTE_KEY, pieces
from bot.effects import Relay
from bot.service import handoff, pin
from bot.service.call import HERE, HOURS, NOWHERE, SKIP, Back, Call, choose
from bot.textnorm import fold
from bot.values import Text

_HOURS = re.compile(r"^\s*(\d{1,2})(?::00)?\s*[-~〜～–—]\s*(\d{1,2})(?::00)?\s*$")


def read_hours(text: str) -> tuple[int, int] | None:
    """Read safe hours like ``18-22`` or ``22:00〜6:00`` (Japan time); None if not."""
    match = _HOURS.match(fold(text))
    if match is None:
        return None
    start, end = int(match[1]), int(match[2])
    if not (0 <= start < 24 and 0 < end <= 24) or start == end % 24:  # noqa: PLR2004
        return None
    return start, end


def ask_note(call: Call, conversation: Conversation) -> Conversation:
    """Offer to write a short message for the volunteer."""
    lang = conversation.lang
    skip = ((call.label("pin_skip", lang), SKIP),)
    call.out.append(call.system("note_offer", lang, buttons=skip))
    return replace(conversation, mode=Mode.NOTE)


def note(call: Call, conversation: Conversation, event: object) -> Conversation:
    """The trainee writes their message (or skips it)."""
    if choose(event, {}) == SKIP:
        return ask_replies(call, conversation)
    if not isinstance(event, engine.TextEntered) or not event.text.strip():
        return ask_note(call, conversation)
    if len(event.text) > MAX_NOTE:
        call.out.append(call.system("too_long", conversation.lang))
        return conversation
    if conversation.case is not None:
        call.unit.add_case_answers(conversation.case, {NOTE_KEY: Text(event.text.strip())})
    return ask_replies(call, conversation)


def ask_replies(call: Call, conversation: Conversation) -> Conversation:
    """Ask how the volunteer's replies may reach the trainee."""
    lang = conversation.lang
    buttons = (
        (call.label("replies_here", lang), HERE),
        (call.label("replies_hours", lang), HOURS),
        (call.label("replies_none", lang), NOWHERE),
    )
    call.out.append(call.system("replies_ask", lang, buttons=buttons))
    return replace(conversation, mode=Mode.REPLIES)


def replies(call: Call, conversation: Conversation, event: object) -> Conversation:
    """The trainee chooses how replies reach them."""
    choice = choose(event, {"1": HERE, "2": HOURS, "3": NOWHERE})
    case = conversation.case
    if choice is None or case is None:
        return ask_replies(call, conversation)
    if choice == HOURS:
        call.out.append(call.system("hours_ask", conversation.lang))
        return replace(conversation, mode=Mode.HOURS)
    return _remember(call, conversation, case, "mailbox" if choice == NOWHERE else "here")


def hours(call: Call, conversation: Conversation, event: object) -> Conversation:
    """The trainee types their safe hours."""
    safe = read_hours(event.text) if isinstance(event, engine.TextEntered) else None
    if safe is None or conversation.case is None:
        call.out.append(call.system("hours_format", conversation.lang))
        return conversation
    return _remember(call, conversation, conversation.case, "hours", safe)


def _remember(
    call: Call,
    conversation: Conversation,
    case: str,
    mode: str,
    safe_hours: tuple[int, int] | None = None,
) -> Conversation:
    """Keep how replies may reach the trainee (and where, unless nowhere); offer the PIN.

    The PIN is optional, or needed when replies wait in the mailbox.
    """
    call.unit.set_reply_mode(case, mode, safe_hours)
    call.unit.set_case_address(case, None if mode == "mailbox" else call.address)
    remembered = replace(conversation, scratch={**conversation.scratch, "replies": mode})
    return pin.offer(call, remembered, required=handoff.replies_wait(remembered))


def at_desk(call: Call, conversation: Conversation, event: object) -> Conversation | Back:
    """At the desk: relay what the trainee sends; a button goes back to the flows.

    A chat the desk muted (``/mute``) is told so again instead; nothing of it is relayed.
    """
    case = conversation.case
    if case is None:  # unlinked (the case moved to another chat): the flow's question again
        return Back(replace(conversation, mode=Mode.CHAT))
    found = call.unit.desk_case(case)
    if (
        found is not None
        and found.muted
        and isinstance(event, engine.TextEntered | engine.MediaSent)
    ):
        call.out.append(call.system("desk_muted", conversation.lang))  # not passed on (/mute)
        return conversation
    match event:
        case engine.TextEntered(text=text):
            call.out += [Relay(case, part) for part in pieces(text)]
            call.out.append(call.system("desk_sent", conversation.lang))
        case engine.MediaSent(copyable=True):
            call.out += [Relay(case, None), call.system("desk_sent", conversation.lang)]
        case engine.MediaSent():  # a contact or a location: it would say who and where
            call.out.append(call.system("desk_not_sent", conversation.lang))
        case engine.ButtonPressed():
            return Back(conversation, event)
        case _:
            return replace(conversation, mode=Mode.CHAT)
    return conversation
