"""One event being handled: the unit of work, the chat, what to send back, and how to render.

A ``Call`` is what every part of the trainee side works on (``trainee``, the dialogs): it holds
the unit of work, the chat's pseudonym and address, and the replies gathered so far, and it
renders system texts in a language. It never runs the engine and never decides anything: a
dialog that is done says so by returning ``Back`` (``trainee`` then runs the flow), so the
modules that use a ``Call`` never call each other in circles.

``Host`` is what a call needs of the running helpline (content, clock, desk settings); the
``Helpline`` class provides it. Pure apart from the unit of work it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.conversation import Conversation
from bot.desk.hours import OfficeHours
from bot.effects import Outgoing, Reply, Turn
from bot.engine import ButtonPressed, CommandGiven, Event, Repeat, Say, TextEntered
from bot.events import DeleteAsked
from bot.flowdefs.model import FlowSet, Msg
from bot.i18n.locales import LANGUAGES, NATIVE_NAMES
from bot.i18n.render import Renderer
from bot.matching import Matcher
from bot.records import Unit
from bot.service.check import Prepared
from bot.textnorm import fold
from bot.values import Text, Value

LANGUAGE_DATA = "lang:"
"""Prefix of the language picker's button data (``lang:vi``)."""
YES, NO, SKIP = "dialog:yes", "dialog:no", "dialog:skip"
PIN_ASK = "dialog:pin"
"""The button that offers a PIN after an urgent handoff (``bot.service.pin.later``)."""
HERE, HOURS, NOWHERE = "dialog:here", "dialog:hours", "dialog:none"
"""The dialogs' buttons (how replies may reach the trainee: here, in safe hours, nowhere)."""


class Host(Protocol):
    """What a call needs of the running helpline."""

    flows: FlowSet
    renderer: Renderer
    today: Callable[[], date]
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    timer: Callable[[], float]
    desk_connected: bool
    office: OfficeHours | None

    @property
    def matcher(self) -> Matcher:
        """What typed text may be about (``bot.matching``), built from the flows' triggers."""

    def exit_words(self) -> dict[str, str]:
        """The word that clears the chat, by language."""

    def word_command(self, text: str) -> CommandGiven | DeleteAsked | None:
        """The command a word typed alone stands for (the exit or the delete word), or None."""


@dataclass(frozen=True, slots=True)
class Back:
    """A dialog is done: leave it and give the flow this event (the question again, by default)."""

    conversation: Conversation
    event: Event = field(default_factory=Repeat)


class Call:
    """One event being handled: the unit of work, the chat, and what to send back."""

    def __init__(
        self,
        host: Host,
        unit: Unit,
        chat: str,
        address: str | None,
        prepared: Prepared | None = None,
    ) -> None:
        self.host = host
        self.flows = host.flows
        self.unit = unit
        self.chat = chat
        self.address = address
        self.out: list[Outgoing] = []
        self.path: tuple[str, ...] = ()
        self.prepared = prepared
        """The code-and-PIN check this event brings, run before the unit (``check.Guard``)."""

    def turn(self) -> Turn:
        """Return what this call produced."""
        return Turn(tuple(self.out), self.path)

    def save(self, conversation: Conversation) -> None:
        """Keep the conversation (before anything is sent); a case's retention starts again."""
        self.unit.save_conversation(self.chat, conversation, self.address)
        if conversation.case is not None:
            self.unit.touch_case(conversation.case)

    def reachable(self, chat: str) -> tuple[Conversation, int] | None:
        """Another chat's conversation and the chat id to write to it, if it has both.

        A chat without a conversation (after /exit or the idle wipe) is never written to: its
        screen was cleared, and a message there would be all a glance at it shows.
        """
        conversation = self.unit.conversation(chat)
        address = self.unit.address(chat)
        if conversation is None or address is None or not address.lstrip("-").isdigit():
            return None
        return conversation, int(address)

    # Rendering.

    def system(
        self,
        key: str,
        lang: str,
        params: Mapping[str, Value] | None = None,
        buttons: tuple[tuple[str, str], ...] = (),
    ) -> Reply:
        """Return a system text (``flows/system.yaml``) in ``lang``."""
        msg = self.flows.system.get(key, Msg(f"system.{key}", key))
        return Reply(self.host.renderer.text(msg, lang, params), buttons, msg.context)

    def help(self, lang: str) -> Reply:
        """The /help text, naming the exit word of this language."""
        word = self.host.exit_words()[lang]
        return self.system("help", lang, {"exit_word": Text(word)})

    def label(self, key: str, lang: str) -> str:
        """Return a system text used as a button label."""
        return self.system(key, lang).text

    def render_say(self, say: Say, lang: str) -> Reply:
        """Render a Say effect in ``lang``."""
        renderer = self.host.renderer
        text = renderer.text(say.text, lang, say.params)
        buttons = tuple((renderer.text(b.label, lang), b.data) for b in say.buttons)
        return Reply(text, buttons, say.node or say.text.context)

    def picker(self, lang: str) -> Reply:
        """The language picker: its prompt in every language (the guess first), and buttons."""
        order = picker_order(lang)
        msg = self.flows.system.get("choose_language", Msg("system.choose_language", "Language"))
        renderer = self.host.renderer
        prompt = "\n".join(dict.fromkeys(renderer.text(msg, each) for each in order))
        buttons = tuple((NATIVE_NAMES[each], f"{LANGUAGE_DATA}{each}") for each in order)
        return Reply(prompt, buttons, "system.choose_language")


def picker_order(lang: str) -> list[str]:
    """Languages in picker order: the current (guessed) one first."""
    return [lang, *(other for other in LANGUAGES if other != lang)]


def choose(event: object, typed: Mapping[str, str]) -> str | None:
    """The dialog button an event chooses: pressed, or its number typed (full-width too)."""
    if isinstance(event, ButtonPressed) and event.data.startswith("dialog:"):
        return event.data
    if isinstance(event, TextEntered):
        return typed.get(fold(event.text).strip())
    return None
