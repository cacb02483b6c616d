"""``/resume`` (a case code and PIN, from any phone) and ``/delete`` (everything, at once).

* **Resume.** ``/resume`` asks for the code (on a chat the helpline does not know, after the
  language picker), then the PIN; one Argon2id lookup either opens the case or not, with the
  same reply for an unknown code and a wrong PIN, and every check padded to the same time. At
  most 10 failures an hour (30 a day) per chat; past 200 failures an hour across the helpline
  every answer slows down. No past conversation is shown, only the case's status; then the
  flow's current question (or the menu), or the desk if the case is open and a desk connected.
  Messages holding a code or a PIN are deleted from the chat (``Scrub``).
* **Delete.** ``/delete`` destroys the case (its key first) and the conversation at once, wipes
  the chat and confirms neutrally.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import engine
from bot.casecode import read_code, read_pin
from bot.conversation import Conversation, Mode
from bot.effects import DeskForget, Forward, Scrub, Wipe
from bot.service.call import Back, Call

PER_CHAT_HOUR, PER_CHAT_DAY = 10, 30
FLEET_HOUR = 200
SLOWDOWN_SECONDS = 2.0
RESUME_SECONDS = 0.5
"""Every code-and-PIN check takes at least this long, so its timing tells nothing (S3)."""


def _throttled(call: Call) -> bool:
    now = call.host.clock()
    unit = call.unit
    return (
        unit.failed_resumes(call.chat, now - timedelta(hours=1)) >= PER_CHAT_HOUR
        or unit.failed_resumes(call.chat, now - timedelta(days=1)) >= PER_CHAT_DAY
    )


def start(call: Call, conversation: Conversation) -> Conversation | Back:
    """/resume: ask for the case code (unless this chat has failed too often)."""
    lang = conversation.lang
    if _throttled(call):
        call.out.append(call.system("resume_wait", lang))
        return Back(conversation)
    call.out.append(call.system("resume_code", lang))
    return replace(conversation, mode=Mode.RESUME_CODE, scratch={})


def answer(call: Call, conversation: Conversation, event: object) -> Conversation | Back:
    """The trainee types the code, then the PIN."""
    lang = conversation.lang
    if not isinstance(event, engine.TextEntered):
        key = "resume_code" if conversation.mode is Mode.RESUME_CODE else "resume_pin"
        call.out.append(call.system(key, lang))
        return conversation
    call.out.append(Scrub())
    if conversation.mode is Mode.RESUME_CODE:
        code = read_code(event.text)
        if code is None:
            call.out.append(call.system("resume_code_typo", lang))
            return conversation
        call.out.append(call.system("resume_pin", lang))
        return replace(conversation, mode=Mode.RESUME_PIN, scratch={"code": code})
    pin = read_pin(event.text)
    if pin is None:
        call.out.append(call.system("pin_format", lang))
        return conversation
    if _throttled(call):
        call.out.append(call.system("resume_wait", lang))
        return Back(conversation)
    case = _check(call, conversation.scratch.get("code", ""), pin)
    if case is None:
        call.unit.record_failed_resume(call.chat)
        call.unit.audit("trainee", "resume_failed")
        call.out.append(call.system("resume_failed", lang))
        return Back(conversation)
    return _resumed(call, conversation, case)


def _check(call: Call, code: str, pin: str) -> str | None:
    """The one lookup, padded so that its timing tells nothing; slowed under mass guessing."""
    host = call.host
    if call.unit.failed_resumes(None, host.clock() - timedelta(hours=1)) > FLEET_HOUR:
        host.sleep(SLOWDOWN_SECONDS)  # someone is guessing at scale: slow everyone
    started = host.timer()
    case = call.unit.find_case(code, pin)
    # Whatever the answer, the check takes the same time: the reply comes no sooner.
    host.sleep(max(0.0, RESUME_SECONDS - (host.timer() - started)))
    return case


def _resumed(call: Call, conversation: Conversation, case: str) -> Conversation | Back:
    """The code and PIN opened a case: its status, waiting mail, then the desk or the flow."""
    lang = conversation.lang
    status = call.unit.case_status(case)
    call.unit.audit("trainee", "resumed", case)
    is_open = status is not None and status.status == "open"
    call.out.append(call.system("resumed_open" if is_open else "resumed_closed", lang))
    if is_open and status is not None and status.reply_mode != "mailbox":
        call.unit.set_case_address(case, call.address)  # replies now come to this chat
    mail = call.unit.take_mail(case)
    if mail:
        call.out.append(call.system("mail_waiting", lang))
        call.out += [Forward(item.text, item.desk_message_id) for item in mail]
    if is_open and call.host.desk_connected:
        call.out.append(call.system("desk_hint", lang))
        return replace(conversation, case=case, mode=Mode.DESK, scratch={})
    return Back(replace(conversation, case=case))


def delete_everything(call: Call, conversation: Conversation) -> None:
    """/delete: destroy the case and the conversation, wipe the chat, confirm neutrally."""
    if conversation.case is not None:
        thread = call.unit.case_thread(conversation.case)
        call.unit.delete_case(conversation.case)
        if thread is not None:
            call.out.append(DeskForget(thread))
        call.unit.audit("trainee", "case_deleted")  # which case is gone with it
    call.unit.end_conversation(call.chat)
    call.out += [Wipe(), call.system("deleted", conversation.lang)]
