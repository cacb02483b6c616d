"""The terminal chat: the same service and engine as Telegram, in a terminal or a pipe.

Buttons are shown as numbered choices (type the number); commands are the same as on Telegram
(/menu, /back, /language, /talk, /exit, /start). ``/exit``, the end of input (Ctrl-D, a closed
pipe) or Ctrl-C ends the chat cleanly, so it can be scripted; the conversation is cleared as
``/exit`` clears it, so every session starts at the language picker. In a terminal, lines can be
edited and recalled (the standard library's ``readline``) and replies are wrapped to the
terminal's width by display columns (``bot.display``). Notes about what Telegram would do are
system texts, in the chat's language. With ``record`` set, the conversation is saved as a
transcript test when the chat ends. With a ``TerminalDesk`` (``--desk``), the union desk is
played in the same terminal: lines starting with ``@`` are the volunteer's.

A thin adapter: it turns lines into events and replies into text, nothing more.
"""

from __future__ import annotations

import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot import engine
from bot.console_desk import ADDRESS, PROMPT, TerminalDesk
from bot.display import wrap
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
        """Chat until /exit, the end of input or Ctrl-C; return the exit status (0)."""
        try:
            self._chat(lang)
        except KeyboardInterrupt:  # Ctrl-C while a reply was being worked out or printed
            self._end()
        if record is not None:
            self._record(record, lang)
        return 0

    def _chat(self, lang: str | None) -> None:
        self._clear()  # a chat left by a crash or a killed terminal: start afresh
        if lang is None:
            opening = self.helpline.handle(CHAT, Opened(None))
        else:
            opening = self.helpline.start_in(CHAT, lang)
        self._note("start", None, opening)
        finished = self._show(opening)
        while not finished:
            line = self._read()
            if line is None:  # end of input (Ctrl-D, a closed pipe) or Ctrl-C
                self._end()
                return
            if not line.strip():
                continue
            if self.desk is not None and line.startswith(PROMPT):
                self.desk.volunteer_said(line.removeprefix(PROMPT).strip())
                continue
            action, value, event = self._event(line)
            turn = self.helpline.handle(CHAT, event, self.address)
            self._note(action, value, turn)
            finished = self._show(turn)

    def _end(self) -> None:
        """Leave as /exit leaves: the conversation cleared, a second Ctrl-C ignored meanwhile."""
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            self.stdout.write("\n")
            self._show(self._clear())
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _read(self) -> str | None:
        """One line typed, or None at the end of input or on Ctrl-C."""
        try:
            if self._interactive():
                import readline  # noqa: F401, PLC0415 - line editing and history for input()

                return input("> ")
            line = self.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return None
        return line.rstrip("\r\n") if line else None

    def _interactive(self) -> bool:
        """A person at a terminal (not a pipe, not a test's streams)."""
        return self.stdin is sys.stdin and self.stdin.isatty() and self.stdout is sys.stdout

    def _clear(self) -> Turn:
        """Clear this chat's conversation as /exit does; return what that printed (if any)."""
        with self.helpline.records.unit() as unit:
            talking = unit.conversation(CHAT) is not None
        if not talking:
            return Turn(())
        return self.helpline.handle(CHAT, engine.CommandGiven(engine.Command.EXIT))

    def _write(self, text: str) -> None:
        """Write text, wrapped to the terminal's width when there is a terminal."""
        if self.stdout.isatty():
            text = wrap(text, max(20, shutil.get_terminal_size().columns - 1))
        self.stdout.write(text)

    def _system(self, key: str) -> str:
        return self.helpline.text_in(key, self.lang or "en")

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
                    self._write("\n" + text + "\n")
                    for number, (label, _) in enumerate(buttons, start=1):
                        self._write(f"  {number}) {label}\n")
                    self.buttons = buttons
                case DeskRequest(urgent=urgent) if self.desk is None:
                    key = "console_desk_urgent" if urgent else "console_desk"
                    self._write(f"\n[{self._system(key)}]\n")
                case Scrub():
                    self._write(f"[{self._system('console_scrubbed')}]\n")
                case Wipe():
                    self._write(f"\n[{self._system('console_wiped')}]\n")
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
