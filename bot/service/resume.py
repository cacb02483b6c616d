"""The case code and PIN dialog: ``/resume`` (from any phone), and ``/delete`` from a new one.

``/resume`` asks for the code (on a chat the helpline does not know, after the language picker),
then the PIN; ``/delete`` on a chat that holds no case asks the same (``bot.service.deletion``).
One lookup either opens the case or not, with the same reply for an unknown code and a wrong
PIN. The slow part, Argon2id, ran before this unit of work, outside any transaction, throttled
and padded to the same time (``bot.service.check``); here the key is only looked up and a
failure noted. Messages holding a code or a PIN are deleted from the chat (``Scrub``).

A resumed case shows its status only, never the past conversation; then the mail waiting for
it, then the flow's current question (or the menu), or the desk if the case is open and a desk
connected. One phone at a time: the resuming chat now holds the case; the chat that held it
before is told, neutrally and in its language, and unlinked (it can no longer write to the
desk for the case), and replies go to the new chat only.
"""

from __future__ import annotations

from dataclasses import replace

from bot import engine
from bot.actions import Send
from bot.casecode import read_code, read_pin
from bot.conversation import Conversation, Mode
from bot.effects import Forward, Scrub
from bot.service import deletion
from bot.service.call import Back, Call
from bot.service.check import throttled

NEXT = {Mode.RESUME_CODE: Mode.RESUME_PIN, Mode.DELETE_CODE: Mode.DELETE_PIN}
"""After the code, the PIN."""
DELETING = (Mode.DELETE_CODE, Mode.DELETE_PIN)


def start(call: Call, conversation: Conversation) -> Conversation | Back:
    """/resume: ask for the case code (unless this chat has failed too often)."""
    lang = conversation.lang
    if throttled(call.unit, call.chat, call.host.clock()):
        call.out.append(call.system("resume_wait", lang))
        return Back(conversation)
    call.out.append(call.system("resume_code", lang))
    return replace(conversation, mode=Mode.RESUME_CODE, scratch={})


def answer(call: Call, conversation: Conversation, event: object) -> Conversation | Back | None:
    """The trainee types the code, then the PIN (None: the case and the chat are deleted)."""
    lang = conversation.lang
    deleting = conversation.mode in DELETING
    if not isinstance(event, engine.TextEntered):
        key = "resume_pin"
        if conversation.mode in NEXT:
            key = "delete_code" if deleting else "resume_code"
        call.out.append(call.system(key, lang))
        return conversation
    call.out.append(Scrub())
    if conversation.mode in NEXT:
        code = read_code(event.text)
        if code is None:
            call.out.append(call.system("resume_code_typo", lang))
            return conversation
        call.out.append(call.system("resume_pin", lang))
        return replace(conversation, mode=NEXT[conversation.mode], scratch={"code": code})
    pin = read_pin(event.text)
    if pin is None:
        call.out.append(call.system("pin_format", lang))
        return conversation
    if throttled(call.unit, call.chat, call.host.clock()):
        call.out.append(call.system("resume_wait", lang))
        return Back(conversation)
    prepared = call.prepared
    if prepared is None or (prepared.code, prepared.pin) != (conversation.scratch["code"], pin):
        call.out.append(call.system("resume_pin", lang))  # never checked in here: again
        return conversation
    case = call.unit.case_by_resume_key(prepared.key)
    if case is None:
        call.unit.record_failed_resume(call.chat)
        call.unit.audit("trainee", "delete_failed" if deleting else "resume_failed")
        call.out.append(call.system("delete_failed" if deleting else "resume_failed", lang))
        return Back(conversation)
    if deleting:
        deletion.destroy(call, [case], lang)
        return None
    return _resumed(call, conversation, case)


def _resumed(call: Call, conversation: Conversation, case: str) -> Conversation | Back:
    """The code and PIN opened a case: its status, waiting mail, then the desk or the flow."""
    lang = conversation.lang
    status = call.unit.case_status(case)
    call.unit.audit("trainee", "resumed", case)
    _move(call, case)
    is_open = status is not None and status.status == "open"
    call.out.append(call.system("resumed_open" if is_open else "resumed_closed", lang))
    here = is_open and status is not None and status.reply_mode != "mailbox"
    call.unit.set_case_address(case, call.address if here else None)  # this chat, or nowhere
    mail = call.unit.take_mail(case)  # delivered to the chat that now holds the case
    if mail:
        call.out.append(call.system("mail_waiting", lang))
        call.out += [Forward(item.text, item.desk_message_id) for item in mail]
    if is_open and call.host.desk_connected:
        call.out.append(call.system("desk_hint", lang))
        return replace(conversation, case=case, mode=Mode.DESK, scratch={})
    return Back(replace(conversation, case=case))


def _move(call: Call, case: str) -> None:
    """This chat now holds the case; the chat that held it is told and unlinked."""
    before = call.unit.hold_case(case, call.chat)
    if before is None:
        return
    reached = call.reachable(before)
    if reached is None:
        return  # no conversation there any more: its screen stays clear
    old, chat_id = reached
    call.unit.save_conversation(before, replace(old, mode=Mode.CHAT, scratch={}, case=None), None)
    call.unit.send_later(before, [Send(chat_id, call.system("case_moved", old.lang).text)])
    call.unit.audit("trainee", "case_moved", case)
