"""The union desk in the terminal: a maintainer plays the volunteer beside the trainee's chat.

With ``helpline chat --desk``, the chat's case goes to a desk shown in the same terminal: the
topic's posts are printed as ``[desk #N] …`` lines, and a line that starts with ``@`` is the
volunteer's, written in the case's topic (``@/claim``, ``@/close``, ``@/reply evidence``,
``@! a note``, ``@We can help.``). The rules are the service's (``bot.service.desk``), on the
same records as the chat, so relays, claims, safe hours and the mailbox behave as on Telegram.

A line that starts with ``@@`` is the volunteer's private chat with the bot, and what the bot
sends there is shown as ``[private] …``: the case's content reaches the volunteer only there,
after the staff step-up (``bot.service.staff``). The terminal's volunteer enrols once with the
code shown at the start (``@@STAFF-…``), then chooses a staff PIN (``@@246810``); after that
``@/claim`` shows the card as ``[private]`` lines, and after 30 minutes the PIN is asked again.

A thin adapter: it carries out the desk's actions as text and reads what the rules queued
back from the records (``drain``), nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.actions import (
    GENERAL,
    Action,
    CloseTopic,
    CopyOut,
    Delete,
    ForgetTopic,
    OpenTopic,
    Ping,
    Post,
    RelayIn,
    ReopenTopic,
    Send,
    WipeChat,
)
from bot.desk.roster import Roster
from bot.desk.staff import StaffMessage
from bot.effects import DeskForget, DeskRequest, Outgoing, Relay, Reply
from bot.engine import TextEntered
from bot.service.desk import DeskRules, DeskSettings
from bot.storage import Outbox

VOLUNTEER = 2
"""The user id the terminal's volunteer acts as (put on the desk's allowlist); also their
private chat with the bot (not the trainee's, ``ADDRESS``)."""
ADDRESS = "1"
"""Where replies to the terminal's trainee go (the chat's "address")."""
DESK_CHAT = -1
PROMPT = "@"

Drain = Callable[[], list[tuple[str, Action]]]
"""Take out what the rules queued (each with its queue), oldest first."""


def terminal_settings(roster: Roster) -> DeskSettings:
    """The desk of a terminal chat: the person at the terminal is its one allowed volunteer."""
    return DeskSettings(DESK_CHAT, frozenset({VOLUNTEER}), roster)


def drain(outbox: Outbox) -> Drain:
    """Take what the rules queued out of the outbox, as the sender would, and forget it."""

    def take() -> list[tuple[str, Action]]:
        taken: list[tuple[str, Action]] = []
        while due := outbox.due():
            for queued in due:
                if queued.action is not None:
                    taken.append((queued.chat_key, queued.action))
                outbox.done(queued)
        return taken

    return take


class TerminalDesk:
    """The desk's side of a terminal chat."""

    def __init__(
        self, rules: DeskRules, drain: Drain, stdout: TextIO, enrolment: str | None = None
    ) -> None:
        self.rules = rules
        self.drain = drain
        self.stdout = stdout
        with rules.records.unit() as unit:
            self.private = unit.pseudonym("chat", VOLUNTEER)
        if enrolment is not None:
            self._say(
                f"[desk] To see cases' content, the volunteer enrols once: @@{enrolment} ,"
                " then @@ and a staff PIN of 6 to 12 digits."
            )
        self.threads = 0
        self.thread: int | None = None
        """The topic the volunteer writes in: the last case's."""
        self.messages = 0

    def trainee_said(self, item: Outgoing) -> None:
        """Carry out what the trainee's turn asks of the desk (a new case, a relay)."""
        match item:
            case DeskRequest(case=case):
                self._open(case)
            case Relay(case=case, text=text):
                self.perform(RelayIn(case, 0, None, text))
            case DeskForget(thread_id=thread):
                self.perform(ForgetTopic(thread))

    def volunteer_said(self, line: str) -> None:
        """A line the volunteer wrote in the topic (without its ``@``); ``@…``: privately."""
        if line.startswith(PROMPT):
            self.private_said(line.removeprefix(PROMPT).strip())
            return
        if self.thread is None:
            self._say("[desk] no case yet: the trainee has not asked for a person")
            return
        self.messages += 1
        message = StaffMessage(
            DESK_CHAT, VOLUNTEER, thread_id=self.thread, message_id=self.messages, text=line
        )
        self.rules.message(None, message, None)
        self.show_queued()

    def private_said(self, line: str) -> None:
        """A line the volunteer wrote in their private chat with the bot."""
        turn = self.rules.staff.private(VOLUNTEER, self.private, TextEntered(line))
        if turn is None:
            self._say("[private] (not a staff step: on Telegram, the trainee's helpline answers)")
            return
        for item in turn.out:
            if isinstance(item, Reply):
                self._say(f"[private] {item.text}")
        self.show_queued()

    def show_queued(self) -> None:
        """Carry out whatever the rules queued, after a round of the desk's clock."""
        self.rules.due_mail()
        for key, action in self.drain():
            if key != self.private:
                self.perform(action)
            elif isinstance(action, Send):
                self._say(f"[private] {action.text}")
            elif isinstance(action, WipeChat):
                self._say("[private] (the chat with the bot is cleared)")

    def perform(self, action: Action) -> None:
        """Show one action as text."""
        match action:
            case OpenTopic(case=case):
                self._open(case)
            case Post(thread=thread, text=text, buttons=buttons):
                labels = " ".join(f"[{label}]" for label, _ in buttons)
                where = "General" if thread == GENERAL else f"#{thread}"
                self._say(f"[desk {where}] {text}" + (f"\n{labels}" if labels else ""))
            case Ping(thread=thread, people=people):
                self._say(f"[desk #{thread}] 通知：{' '.join(name for _, name in people)}")
            case RelayIn(case=case, text=text):
                topic = self.rules.thread_of(case)
                shown = text if text is not None else "（写真・ファイル）"
                self._say(f"[desk #{topic}] 本人：{shown}")
            case CloseTopic(thread=thread):
                self._say(f"[desk #{thread}] (the topic is closed)")
            case ReopenTopic(thread=thread):
                self._say(f"[desk #{thread}] (the topic is open again)")
            case ForgetTopic(thread=thread):
                self._say(f"[desk #{thread}] (the topic is deleted)")
            case Send(text=text) | CopyOut(text=str(text)):
                self._say(text)
            case Delete() | WipeChat() | CopyOut():
                pass

    def _open(self, case: str) -> None:
        opening = self.rules.opening(case)
        if opening is None:
            return
        thread = opening.thread
        if thread is None:
            self.threads += 1
            thread = self.threads
            self._say(f"[desk #{thread}] (a new topic: {opening.name})")
        self.thread = thread
        for post in self.rules.opened(case, thread, opening.thread is None):
            self.perform(post)

    def _say(self, text: str) -> None:
        self.stdout.write("\n" + text + "\n")
