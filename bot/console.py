"""The terminal chat: the same service and engine as Telegram, in a terminal or a pipe.

Buttons are shown as numbered choices (type the number); commands are the same as on Telegram
(/menu, /back, /language, /talk, /exit, /start). ``/exit`` or the end of input (Ctrl-D, a closed
pipe) ends the chat cleanly, so it can be scripted. With ``record`` set, the conversation is
saved as a transcript test when the chat ends. With a ``TerminalDesk`` (``--desk``), the union
desk is played in the same terminal: lines starting with ``@`` are the volunteer's.

A thin adapter: it turns lines into events and replies into text, nothing more.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot import engine
from bot.console_desk import ADDRESS, PROMPT, TerminalDesk
from bot.effects import DeskRequest, Reply, Scrub, Turn, Wipe
from bot.events import DeleteAsked, HelpAsked, Incoming, Opened, ResumeAsked
from bot.i18n.locales import NATIVE_NAMES
from bot.service import Helpline
from bot.textnorm import fold
from bot.transcripts import Exchange, dump, render, scenario_of

CHAT = "console"
COMMANDS = {
    "/menu": engine.Command.MENU,
    "/back": engine.Command.BACK,
    "/language": engine.Command.LANGUAGE,
    "/talk": engine.Command.PERSON,
    "/person": engine.Command.PERSON,
    "/exit": engine.Command.EXIT,
}


class Console:
    """One chat between a person at a terminal and the helpline."""

    def __init__(
        self,
        helpline: Helpline,
        stdin: TextIO,
        stdout: TextIO,
        desk: TerminalDesk | None = None,
    ) -> None:
        self.helpline = helpline
        self.desk = desk
        """The union desk played in the same terminal (``helpline chat --desk``), if any."""
        self.address = ADDRESS if desk is not None else None
        self.stdin = stdin
        self.stdout = stdout
        self.buttons: tuple[tuple[str, str], ...] = ()
        self.exchanges: list[Exchange] = []
        self.lang: str | None = None

    def run(self, lang: str | None = None, record: Path | None = None) -> int:
        """Chat until /exit or the end of input; return the exit status (0)."""
        if lang is None:
            opening = self.helpline.handle(CHAT, Opened(None))
        else:
            opening = self.helpline.start_in(CHAT, lang)
        self._note("start", None, opening)
        finished = self._show(opening)
        while not finished:
            if self.stdin.isatty():
                self.stdout.write("> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:  # end of input: Ctrl-D or a closed pipe
                self.stdout.write("\n")
                break
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if self.desk is not None and line.startswith(PROMPT):
                self.desk.volunteer_said(line.removeprefix(PROMPT).strip())
                continue
            action, value, event = self._event(line)
            turn = self.helpline.handle(CHAT, event, self.address)
            self._note(action, value, turn)
            finished = self._show(turn)
        if record is not None:
            self._record(record, lang)
        return 0

    def _event(self, line: str) -> tuple[str, str | None, Incoming]:
        """Turn a typed line into (transcript action, value, event)."""
        word = fold(line)
        if word == "/start":
            return "start", None, Opened(None)
        if word == "/resume":
            return "command", "resume", ResumeAsked()
        if word == "/help":
            return "command", "help", HelpAsked()
        if word == "/delete":
            return "command", "delete", DeleteAsked()
        if word in COMMANDS:
            command = COMMANDS[word]
            return "command", command.value, engine.CommandGiven(command)
        if word.isdigit() and 1 <= int(word) <= len(self.buttons):
            label, data = self.buttons[int(word) - 1]
            return "press", label, engine.ButtonPressed(data)
        return "type", line, engine.TextEntered(line)

    def _show(self, turn: Turn) -> bool:
        """Print a turn; return True when the chat is over (wiped)."""
        for item in turn.out:
            match item:
                case Reply(text=text, buttons=buttons):
                    self.stdout.write("\n" + text + "\n")
                    for number, (label, _) in enumerate(buttons, start=1):
                        self.stdout.write(f"  {number}) {label}\n")
                    self.buttons = buttons
                case DeskRequest(urgent=urgent) if self.desk is None:
                    self.stdout.write(
                        f"\n[the union desk would be asked to take over"
                        f"{' URGENTLY' if urgent else ''}]\n"
                    )
                case Scrub():
                    self.stdout.write("[on Telegram, the message you just sent is deleted]\n")
                case Wipe():
                    self.stdout.write(
                        "\n[on Telegram, the whole chat is now deleted on both sides]\n"
                    )
        if self.desk is not None:
            for item in turn.out:
                self.desk.trainee_said(item)
            self.desk.show_queued()
        self.stdout.flush()
        return any(isinstance(item, Wipe) for item in turn.out)

    def _note(self, action: str, value: str | None, turn: Turn) -> None:
        self.exchanges.append(Exchange(action, value, turn.path, render(turn.out)))
        with self.helpline.records.unit() as unit:
            conversation = unit.conversation(CHAT)
        if conversation is not None:
            self.lang = conversation.lang

    def _record(self, path: Path, lang: str | None) -> None:
        if lang is not None and self.exchanges and self.exchanges[0].action == "start":
            # Started without the picker: a transcript starts with the picker, so record the
            # choice as two turns (open the chat, press the language) for a faithful replay.
            self.exchanges[0] = Exchange("start", lang, None, None)
            self.exchanges.insert(1, Exchange("press", NATIVE_NAMES[lang], None, None))
        title = path.stem.replace("_", " ")
        scenario = scenario_of(
            path, title, self.lang or "en", self.helpline.today(), self.exchanges
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(scenario), encoding="utf-8")
        self.stdout.write(
            f"[saved the conversation as {path}; run 'helpline flows test "
            "--update' to fill in its replies]\n"
        )
