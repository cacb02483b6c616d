"""Which dialog answers an event while the chat is in one: consent, PIN, resume, the desk's.

The dialogs decide what is kept and who can come back to it, so they live in code, with their
texts in ``flows/system.yaml``; each is its own module (``consent``, ``pin``, ``reach``,
``resume``). Each returns the conversation to keep, or ``Back`` when it is done and the flow
should go on (``bot.service.trainee.settle``), or None when the conversation is gone (deleted).
"""

from __future__ import annotations

from dataclasses import replace

from bot.conversation import Conversation, Mode
from bot.service import consent, pin, reach, resume
from bot.service.call import Back, Call


def continue_dialog(
    call: Call, conversation: Conversation, event: object
) -> Conversation | Back | None:
    """Handle an event while a dialog waits for its answer (None: nothing left to keep)."""
    match conversation.mode:
        case Mode.CONSENT:
            return consent.answer(call, conversation, event)
        case Mode.PIN | Mode.PIN_AGAIN:
            return pin.answer(call, conversation, event)
        case Mode.RESUME_CODE | Mode.RESUME_PIN | Mode.DELETE_CODE | Mode.DELETE_PIN:
            return resume.answer(call, conversation, event)
        case Mode.NOTE:
            return reach.note(call, conversation, event)
        case Mode.REPLIES:
            return reach.replies(call, conversation, event)
        case Mode.HOURS:
            return reach.hours(call, conversation, event)
        case Mode.DESK:
            return reach.at_desk(call, conversation, event)
        case _:
            return replace(conversation, mode=Mode.CHAT, scratch={})
