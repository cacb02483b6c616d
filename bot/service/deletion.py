"""``/delete`` (or the delete word typed alone): the case is found from any state, then destroyed.

* **A chat that holds a case** (it opened the case or resumed it last; the link outlives
  ``/exit`` and the idle wipe, as long as the case exists) deletes it at once, without the PIN:
  a trainee who skipped the PIN can delete from this chat, and was told so when skipping.
* **Any other chat** (a new phone, or one the case moved away from) is asked for the case code
  and PIN, as for ``/resume`` (``bot.service.resume`` runs that dialog, with its throttle and
  padded timing); an unknown code and a wrong PIN get the same neutral answer, which says that
  nothing was deleted and nothing about whether a case exists.

Destroying a case destroys its key first and every row of it (``Unit.delete_case``), forgets
this chat's conversation and wipes the chat; the chat that held the case, if another one still
has a conversation, is wiped too. "Done" is said only in the unit of work that did it.
"""

from __future__ import annotations

from bot.actions import WipeChat
from bot.conversation import Conversation, Mode
from bot.effects import DeskForget, Wipe
from bot.service.call import Call
from bot.service.check import throttled


def asked(call: Call, conversation: Conversation) -> Conversation | None:
    """/delete: destroy what this chat holds, or ask for the code (None: nothing to keep)."""
    held = _held(call, conversation)
    if held:
        destroy(call, held, conversation.lang)
        return None
    if throttled(call.unit, call.chat, call.host.clock()):
        call.out.append(call.system("resume_wait", conversation.lang))
        return conversation
    call.out.append(call.system("delete_code", conversation.lang))
    return Conversation(
        conversation.lang, conversation.state, Mode.DELETE_CODE, {}, conversation.case
    )


def held_lang(call: Call, default: str) -> tuple[list[str], str]:
    """The cases a chat without a conversation holds, and the language to answer in."""
    held = call.unit.held_cases(call.chat)
    status = call.unit.case_status(held[-1]) if held else None
    return held, status.lang if status is not None else default


def _held(call: Call, conversation: Conversation) -> list[str]:
    held = call.unit.held_cases(call.chat)
    if conversation.case is not None and conversation.case not in held:
        held.append(conversation.case)  # a conversation's own link counts too
    return held


def destroy(call: Call, cases: list[str], lang: str) -> None:
    """Destroy cases (keys first), forget and wipe this chat, then say it is done."""
    for case in cases:
        _wipe_holder(call, case)
        thread = call.unit.case_thread(case)
        call.unit.delete_case(case)
        if thread is not None:
            call.out.append(DeskForget(thread))
        call.unit.audit("trainee", "case_deleted")  # which case is gone with it
    call.unit.end_conversation(call.chat)
    call.out += [Wipe(call.system("not_cleared", lang).text), call.system("deleted", lang)]


def _wipe_holder(call: Call, case: str) -> None:
    """The case is deleted from another chat: the chat that held it is wiped too."""
    holder = call.unit.holder(case)
    if holder is None or holder == call.chat:
        return
    reached = call.reachable(holder)
    if reached is not None:
        call.unit.send_later(holder, [WipeChat(reached[1])])
    call.unit.end_conversation(holder)
