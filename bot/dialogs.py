"""The case dialogs: consent, the PIN and case code, ``/resume`` and ``/delete``.

These are not flows that maintainers edit: they decide what is kept and who can come back to
it, so they live in code, with their texts in ``flows/system.yaml``.

* **Consent.** When a trainee first asks for a person (or gives a danger answer), nothing is
  kept with a case until they agree to a short purpose statement; the consent text's version
  and the time are recorded. Declining keeps nothing. The flow's texts (the emergency numbers
  first of all) are shown before the statement; its waiting question comes again once the
  dialog ends, so the trainee goes on where they were.
* **PIN and code.** After consent the trainee may choose a 6-digit PIN (typed twice; guessable
  ones refused); the helpline then makes a case code that looks like a phone number and shows
  it once. Messages holding a PIN or a code are deleted from the chat.
* **Resume.** ``/resume`` asks for the code (on a chat the helpline does not know, after the
  language picker), then the PIN; one Argon2id lookup either opens the case or not, with the
  same reply for an unknown code and a wrong PIN, and every check padded to the same time. At
  most 10 failures an hour (30 a day) per chat; past 200 failures an hour across the helpline
  every answer slows down. No past conversation is shown, only the case's status; then the
  flow's current question (or the menu).
* **Delete.** ``/delete`` destroys the case (its key first) and the conversation at once, wipes
  the chat and confirms neutrally.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import engine, handoff
from bot.casecode import is_weak, read_code, read_pin
from bot.conversation import Conversation, Mode
from bot.desk.hours import JST
from bot.events import DeskForget, DeskRequest, Forward, Reply, Scrub, Wipe
from bot.flowdefs.model import Msg
from bot.records import case_answers
from bot.values import Choice, Day, Text

if TYPE_CHECKING:
    from bot.service import Call

log = logging.getLogger(__name__)

YES, NO = "dialog:yes", "dialog:no"
SKIP = handoff.SKIP
PER_CHAT_HOUR, PER_CHAT_DAY = 10, 30
FLEET_HOUR = 200
SLOWDOWN_SECONDS = 2.0
RESUME_SECONDS = 0.5
"""Every code-and-PIN check takes at least this long, so its timing tells nothing (S3)."""


def consent_version(call: Call) -> str:
    """Return the version of the consent text: a hash of its English wording."""
    msg = call.flows.system.get("consent", Msg("system.consent", ""))
    return hashlib.sha256(msg.text.encode()).hexdigest()[:12]


def _choice(event: engine.Event | object) -> str | None:
    """Return the dialog button an event chooses (by press or by its number typed)."""
    return handoff.choose(event, {"1": YES, "2": NO})


# Handoff and consent.


def ask_consent(call: Call, conversation: Conversation, handoff: engine.Handoff) -> Conversation:
    """The flow asks for a person and no case exists yet: first the purpose statement."""
    call.out.append(consent_prompt(call, conversation.lang))
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


def consent_prompt(call: Call, lang: str) -> Reply:
    """The purpose statement with its two buttons."""
    buttons = ((call.label("consent_yes", lang), YES), (call.label("consent_no", lang), NO))
    return call.system("consent", lang, buttons=buttons)


def finish_handoff(
    call: Call, conversation: Conversation, urgent: bool, reason: str
) -> Conversation:
    """Ask the desk to take over the chat's case; tell the trainee what happens next.

    With the desk connected, the chat is then at the desk (``Mode.DESK``): what the trainee
    writes goes to the volunteer.
    """
    lang = conversation.lang
    if conversation.case is None:  # callers open the case first; never hand off without one
        return conversation
    call.out.append(DeskRequest(urgent, reason, conversation.case))
    log.info("handoff.requested", extra={"urgent": urgent, "reason": reason})
    if not call.helpline.desk_connected:
        call.out.append(call.system("desk_unavailable", lang))
        return replace(conversation, mode=Mode.CHAT, scratch={})
    mailbox = handoff.replies_wait(conversation)
    call.out.append(call.system("handoff_mailbox" if mailbox else "handoff_asked", lang))
    office, now = call.helpline.office, call.helpline.clock()
    if office is not None and not office.is_open(now):
        opens = office.next_open(now).astimezone(JST)
        call.out.append(
            call.system(
                "desk_closed_now",
                lang,
                {"day": Day(opens.date()), "time": Text(f"{opens:%H:%M}")},
            )
        )
    return replace(conversation, mode=Mode.DESK, scratch={})


def back_to_flow(call: Call, conversation: Conversation) -> None:
    """Leave the dialog and show the flow's current question again (or the menu)."""
    call.advance(replace(conversation, mode=Mode.CHAT, scratch={}), engine.Repeat())


def _consent(call: Call, conversation: Conversation, event: object) -> Conversation | None:
    choice = _choice(event)
    lang = conversation.lang
    if choice == NO:
        call.out.append(call.system("consent_declined", lang))
        back_to_flow(call, conversation)
        return None
    if choice != YES:
        call.out.append(consent_prompt(call, lang))
        return conversation
    answers = case_answers(call.flows, conversation.state.answers if conversation.state else {})
    case = call.unit.open_case(lang, answers, consent_version(call))
    scratch = conversation.scratch
    call.unit.set_desk(case, scratch.get("topic") or None, bool(scratch.get("urgent")))
    call.unit.audit("trainee", "case_opened", case)
    opened = replace(conversation, case=case)
    if call.helpline.desk_connected:
        return handoff.ask_note(call, opened)
    return offer_pin(call, opened, required=False)


def offer_pin(call: Call, conversation: Conversation, required: bool) -> Conversation:
    """Offer a PIN (with Skip), or ask for one when replies will wait in the mailbox."""
    lang = conversation.lang
    if required:
        call.out.append(call.system("pin_needed", lang))
    else:
        skip = ((call.label("pin_skip", lang), SKIP),)
        call.out.append(call.system("pin_offer", lang, buttons=skip))
    return replace(conversation, mode=Mode.PIN)


# PIN and code.


def _pin(call: Call, conversation: Conversation, event: object) -> Conversation | None:
    lang = conversation.lang
    if _choice(event) == SKIP:
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
        return replace(
            conversation, mode=Mode.PIN_AGAIN, scratch={**conversation.scratch, "pin": pin}
        )
    if pin != conversation.scratch.get("pin"):
        call.out.append(call.system("pin_mismatch", lang))
        scratch = {k: v for k, v in conversation.scratch.items() if k != "pin"}
        return replace(conversation, mode=Mode.PIN, scratch=scratch)
    if conversation.case is not None:  # the PIN dialog always follows consent
        code = call.unit.set_pin(conversation.case, pin)
        call.unit.audit("trainee", "pin_set", conversation.case)
        call.out.append(call.system("code_given", lang, {"code": Text(code)}))
    return _finish(call, conversation)


def _finish(call: Call, conversation: Conversation) -> Conversation | None:
    """All is settled: hand off; then the chat is at the desk, or back where it was."""
    scratch = conversation.scratch
    after = finish_handoff(
        call, conversation, bool(scratch.get("urgent")), scratch.get("reason", "asked")
    )
    if after.mode is Mode.DESK:
        return after
    back_to_flow(call, after)
    return None


# Resume.


def _throttled(call: Call) -> bool:
    now = call.helpline.clock()
    unit = call.unit
    return (
        unit.failed_resumes(call.chat, now - timedelta(hours=1)) >= PER_CHAT_HOUR
        or unit.failed_resumes(call.chat, now - timedelta(days=1)) >= PER_CHAT_DAY
    )


def start_resume(call: Call, conversation: Conversation) -> None:
    """/resume: ask for the case code (unless this chat has failed too often)."""
    lang = conversation.lang
    if _throttled(call):
        call.out.append(call.system("resume_wait", lang))
        back_to_flow(call, conversation)
        return
    call.out.append(call.system("resume_code", lang))
    call.save(replace(conversation, mode=Mode.RESUME_CODE, scratch={}))


def _resume(call: Call, conversation: Conversation, event: object) -> Conversation | None:
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
        back_to_flow(call, conversation)
        return None
    now = call.helpline.clock()
    if call.unit.failed_resumes(None, now - timedelta(hours=1)) > FLEET_HOUR:
        call.helpline.sleep(SLOWDOWN_SECONDS)  # someone is guessing at scale: slow everyone
    started = call.helpline.timer()
    case = call.unit.find_case(conversation.scratch.get("code", ""), pin)
    # Whatever the answer, the check takes the same time: the reply comes no sooner.
    call.helpline.sleep(max(0.0, RESUME_SECONDS - (call.helpline.timer() - started)))
    if case is None:
        call.unit.record_failed_resume(call.chat)
        call.unit.audit("trainee", "resume_failed")
        call.out.append(call.system("resume_failed", lang))
        back_to_flow(call, conversation)
        return None
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
    if is_open and call.helpline.desk_connected:
        call.out.append(call.system("desk_hint", lang))
        return replace(conversation, case=case, mode=Mode.DESK, scratch={})
    back_to_flow(call, replace(conversation, case=case))
    return None


# Delete.


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


# Dispatch.


def continue_dialog(call: Call, conversation: Conversation, event: object) -> None:
    """Handle an event while a dialog waits for its answer."""
    after: Conversation | None
    match conversation.mode:
        case Mode.CONSENT:
            after = _consent(call, conversation, event)
        case Mode.PIN | Mode.PIN_AGAIN:
            after = _pin(call, conversation, event)
        case Mode.RESUME_CODE | Mode.RESUME_PIN:
            after = _resume(call, conversation, event)
        case Mode.NOTE:
            after = handoff.note(call, conversation, event)
        case Mode.REPLIES:
            after = handoff.replies(call, conversation, event)
        case Mode.HOURS:
            after = handoff.hours(call, conversation, event)
        case Mode.DESK:
            after = handoff.at_desk(call, conversation, event)
        case _:
            after = replace(conversation, mode=Mode.CHAT, scratch={})
    if after is not None:  # None: the dialog ended and the flow has saved the conversation
        call.save(after)
