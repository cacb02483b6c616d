"""The texts the code itself needs, each with what it is for: the system texts and the desk's.

Maintainers edit the texts (``flows/system.yaml``, ``flows/data/desk_texts.yaml``); this list
says which must exist, and the use shown beside each (with its ``{placeholders}``) is what the
checker and the translators' notes tell them. Data only.
"""

from __future__ import annotations

from collections.abc import Mapping

SYSTEM_KEYS: Mapping[str, str] = {
    "choose_language": "the language picker's prompt",
    "use_buttons": "re-prompt when text arrives where buttons are expected",
    "stale_button": "a button from an older message was pressed",
    "only_text": "a sticker, photo, voice message or file arrived",
    "flow_changed": "the conversation pointed at a part of a flow that was edited away",
    "nothing_before": "/back at the first question",
    "handoff_asked": "confirmation after asking for a person",
    "desk_unavailable": "asking for a person when no union desk is connected",
    "sorry": "something went wrong; starting again from the menu",
    "retry_yen": "an amount of yen could not be read",
    "retry_number": "a number could not be read",
    "retry_date": "a date could not be read",
    "retry_prefecture": "a prefecture name could not be read",
    "retry_text": "an empty text answer",
    "too_small": "a number below the allowed range",
    "too_large": "a number above the allowed range",
    "too_long": "a text answer over the length limit",
    "goodbye": "the one neutral line left after /exit",
    "not_cleared": "Telegram refused to clear the chat: please delete it by hand",
    "consent": "the purpose statement shown before anything is kept with a case",
    "consent_yes": "button: agree to the purpose statement",
    "consent_no": "button: do not agree",
    "consent_declined": "after declining: nothing was kept",
    "consent_urgent": "after a danger answer: a one-sentence consent, beside the numbers",
    "consent_urgent_yes": "button: agree and ask for an urgent volunteer now",
    "urgent_declined": "declining the urgent one: nothing kept, nobody told, numbers hold",
    "handoff_urgent": "the desk has the urgent case: someone writes here soon; numbers hold",
    "pin_later": "after an urgent handoff: a PIN offered by a button, never asked for",
    "pin_choose": "button: choose a PIN (after an urgent handoff)",
    "pin_offer": "after consent: choose a PIN, or skip (then only this chat can delete)",
    "pin_skip": "button: skip choosing a PIN",
    "pin_format": "a PIN must be exactly 6 digits",
    "pin_weak": "a PIN that is too easy to guess",
    "pin_again": "type the PIN a second time",
    "pin_mismatch": "the two PINs differ",
    "code_given": "the case code, shown once ({code})",
    "resume_code": "/resume: type the case code",
    "resume_code_typo": "the typed case code has a typo (its check digit is wrong)",
    "resume_pin": "/resume: type the PIN",
    "resume_failed": "the code or the PIN is wrong (the same text for both)",
    "resume_wait": "too many failed tries: wait",
    "resumed_open": "after /resume: the case is open",
    "resumed_closed": "after /resume: the case is closed",
    "deleted": "after /delete: everything is deleted",
    "delete_code": "/delete on a chat that holds no case: type the case code (or /exit)",
    "delete_failed": "/delete: the code or the PIN is wrong (one text for both): nothing deleted",
    "delete_word": "one word that, typed alone, asks for /delete (keep it one word)",
    "case_moved": "to the chat a case was resumed away from: nothing more comes here",
    "help": "/help: how the chat works ({exit_word} is the word below)",
    "exit_word": "one word that, typed alone, clears the chat like /exit (keep it one word)",
    "busy": "the helpline cannot keep messages for a moment (its database is down)",
    "slow_down": "someone sends far too many messages: the rest of this minute is not read",
    "command_start": "command menu: /start",
    "command_menu": "command menu: /menu",
    "command_language": "command menu: /language",
    "command_talk": "command menu: /talk",
    "command_resume": "command menu: /resume",
    "command_exit": "command menu: /exit",
    "command_delete": "command menu: /delete",
    "command_help": "command menu: /help",
    "note_offer": "after consent: an optional short message for the volunteer",
    "replies_ask": "how the volunteer's answers may reach the trainee",
    "replies_here": "button: replies here in the chat",
    "replies_hours": "button: replies here, only at safe times",
    "replies_none": "button: no replies here; come back with the code",
    "hours_ask": "ask for the safe hours (like 18-22)",
    "hours_format": "the safe hours could not be read",
    "pin_needed": "replies wait in the mailbox: a PIN is needed",
    "handoff_mailbox": "the desk will answer; come back with /resume to read it",
    "desk_closed_now": "outside the desk's hours: when to expect an answer ({day}, {time})",
    "desk_sent": "a message passed on to the volunteer",
    "desk_not_sent": "a contact or location the trainee sent at the desk: not passed on",
    "desk_hint": "what the trainee writes now goes to the volunteer",
    "mail_waiting": "after /resume: the volunteer's replies follow",
    "case_closed": "the desk closed the case",
    "desk_reply_intro": "the neutral first line above what the desk sends to a trainee",
    "desk_later": "the desk could not be reached yet: the request waits, an answer comes later",
    "console_scrubbed": "terminal chat only: what Telegram does with the message just sent",
    "console_wiped": "terminal chat only: what Telegram does with the whole chat at /exit",
    "console_desk": "terminal chat only, no desk played: a person would now be asked",
    "console_desk_urgent": "terminal chat only, no desk played: a person would be asked at once",
    "suggest_ask": "typed text: the topics it may be about follow as buttons",
    "suggest_other": "button under the typed-text suggestions: none of these, show the menu",
    "suggest_unsure": "typed text that matched no topic: the menu follows",
    "danger_typed": "typed words of danger: the emergency numbers, before the danger check",
    "switch_offer": "typed text in another language: offer to switch (shown in that language)",
}
"""Texts the code itself needs, kept in ``flows/system.yaml`` so maintainers can edit them."""

NOT_MESSAGES = frozenset(
    {
        *(
            key
            for key, use in SYSTEM_KEYS.items()
            if use.startswith(("button:", "command menu:", "terminal chat only"))
        ),
        "exit_word",
        "delete_word",
    }
)
"""System texts never sent as a message of their own (button labels, the command menu, words
typed alone, the terminal chat's notes): the first-line rule (``bot.flowdefs.check.first_lines``)
leaves them out."""


DESK_KEYS: dict[str, str] = {
    "claimed": "a volunteer took the case ({name})",
    "unclaimed": "the case is nobody's again",
    "closed": "the case is closed",
    "already_closed": "a reply to a closed case: not sent",
    "mailbox": "a reply kept until the trainee comes back with /resume",
    "later": "a reply kept for the trainee's safe hours (which: on the private card only)",
    "again": "the trainee asked for a person again",
    "reminder": "nobody took the case in time",
    "topic_refused": "in General: the group refused a case's topic or card ({case})",
    "no_reply": "/reply with a name that does not exist ({name}, {names})",
    "canned": "a canned reply sent: which, and in what language ({name}, {lang})",
    "claim_button": "button on the case card: take the case",
    "release_button": "button on the case card: give the case back",
    "not_allowed": "a button pressed by someone who may not act",
    "someone": "how a volunteer not in the roster is named",
    "enrol_first": "in the topic: a volunteer who took a case has not enrolled yet ({name})",
    "card_sent": "in the topic: the content went to the volunteer's private chat ({name})",
    "pin_asked": "in the topic: the volunteer must type the staff PIN privately ({name})",
    "not_yours": "in the topic: /card by someone who has not taken the case",
    "staff_choose_pin": "private chat: the enrolment code was right; choose a staff PIN",
    "staff_code_refused": "private chat: an enrolment code unknown, used or expired",
    "staff_pin_rule": "private chat: a staff PIN is 6 to 12 digits",
    "staff_ready": "private chat: the PIN is set; how cards come",
    "staff_pin_for": "private chat: type the staff PIN to see the case's card ({case})",
    "staff_pin_ask": "private chat: /cards after 30 minutes: type the staff PIN",
    "staff_pin_wrong": "private chat: a wrong staff PIN ({left})",
    "staff_paused": "private chat: too many PIN tries, wait ({seconds})",
    "staff_no_cases": "private chat: the volunteer holds no open case",
    "staff_cancelled": "private chat: /cancel left the PIN step",
}
"""The union desk's own texts, kept in ``flows/data/desk_texts.yaml`` (the desk's language)."""
DESK_FILE = "data/desk_texts.yaml"
