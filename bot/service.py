"""The helpline service: one entry point per incoming event, the same for every adapter.

Handling an event is a short script: load the conversation → run the engine (or the language
picker) → save → then return the rendered replies for the adapter to send. Sending after
saving means a crash never sends a reply for a state that was not kept.

The service owns the language: the picker on first contact (an initial guess from Telegram's
language code, each language named in itself), ``/language`` at any time, and rendering every
text in the conversation's language. It knows nothing about Telegram or the terminal. Logs carry
event names only, never text or identities.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol, TypeAlias

from bot import engine
from bot.engine import Event
from bot.flowdefs.model import FlowSet, Msg
from bot.i18n.locales import LANGUAGES, NATIVE_NAMES, SOURCE, guess
from bot.i18n.render import Renderer
from bot.textnorm import fold

log = logging.getLogger(__name__)

LANGUAGE_DATA = "lang:"
"""Prefix of the language picker's button data (``lang:vi``)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the service keeps per chat.

    The language, the engine's state, and whether the language picker awaits a choice.
    """

    lang: str
    state: engine.State | None = None
    picking: bool = False


class ConversationStore(Protocol):
    """Where conversations are kept between events (memory now; the database later)."""

    def load(self, chat: str) -> Conversation | None:
        """Return the conversation of ``chat``, if any."""

    def save(self, chat: str, conversation: Conversation) -> None:
        """Keep ``conversation`` for ``chat``."""

    def delete(self, chat: str) -> None:
        """Forget everything about ``chat``."""


@dataclass(frozen=True, slots=True)
class Opened:
    """A chat was opened (/start), with Telegram's language code if known."""

    language_code: str | None = None


Incoming: TypeAlias = Opened | Event


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: text and buttons as (label, data) pairs."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    node: str = ""
    """``<flow>.<node>`` that produced it, or ``system.<key>``; for transcripts, never sent."""


@dataclass(frozen=True, slots=True)
class Wipe:
    """Delete this conversation from the chat, both sides."""


@dataclass(frozen=True, slots=True)
class DeskRequest:
    """Ask the union desk to take over this chat."""

    urgent: bool
    reason: str


Outgoing: TypeAlias = Reply | Wipe | DeskRequest


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one event: what to send, and the nodes the engine went through."""

    out: tuple[Outgoing, ...]
    path: tuple[str, ...] = ()


class Helpline:
    """Runs conversations: the engine, the language picker and rendering."""

    def __init__(
        self,
        flows: FlowSet,
        renderer: Renderer,
        store: ConversationStore,
        today: Callable[[], date],
        desk_connected: bool = False,
    ) -> None:
        self.flows = flows
        self.renderer = renderer
        self.store = store
        self.today = today
        self.desk_connected = desk_connected

    def handle(self, chat: str, event: Incoming) -> Turn:
        """Handle one event from ``chat``; return what to send."""
        conversation = self.store.load(chat)
        if conversation is None:
            guessed = event.language_code if isinstance(event, Opened) else None
            return self._first_contact(chat, guessed)
        if conversation.picking:
            picked = self._picked(event, conversation.lang)
            if picked is not None:
                return self._language_chosen(chat, conversation, picked)
            if isinstance(event, engine.TextEntered | engine.MediaSent | engine.ButtonPressed):
                return Turn((self._picker(conversation.lang),))
            conversation = replace(conversation, picking=False)
        if isinstance(event, engine.ButtonPressed) and event.data.startswith(LANGUAGE_DATA):
            picked = self._picked(event, conversation.lang)
            if picked is not None:  # a picker button pressed again later: just switch
                return self._language_chosen(chat, conversation, picked)
        engine_event: Event = engine.Started() if isinstance(event, Opened) else event
        return self._advance(chat, conversation, engine_event)

    def start_in(self, chat: str, lang: str) -> Turn:
        """Start a conversation in ``lang`` without the picker (``helpline chat --lang``)."""
        return self._advance(chat, Conversation(lang), engine.Started())

    # Steps

    def _first_contact(self, chat: str, language_code: str | None) -> Turn:
        lang = guess(language_code) or SOURCE
        conversation = Conversation(lang, None, picking=True)
        self.store.save(chat, conversation)
        log.info("conversation.opened")
        return Turn((self._picker(lang),))

    def _language_chosen(self, chat: str, conversation: Conversation, lang: str) -> Turn:
        conversation = replace(conversation, lang=lang, picking=False)
        event: Event = engine.Repeat() if conversation.state else engine.Started()
        return self._advance(chat, conversation, event)

    def _advance(self, chat: str, conversation: Conversation, event: Event) -> Turn:
        step = engine.advance(self.flows, conversation.state, event, self.today())
        lang = conversation.lang
        out: list[Outgoing] = []
        picking = False
        erase = False
        for effect in step.effects:
            match effect:
                case engine.Say():
                    out.append(self._reply(effect, lang))
                case engine.ChooseLanguage():
                    picking = True
                    out.append(self._picker(lang))
                case engine.Handoff(urgent=urgent, reason=reason):
                    out.append(DeskRequest(urgent, reason))
                    key = "handoff_asked" if self.desk_connected else "desk_unavailable"
                    out.append(self._system(key, lang))
                    log.info("handoff.requested", extra={"urgent": urgent, "reason": reason})
                case engine.Erase():
                    erase = True
                    out.append(Wipe())
                    out.append(self._system("goodbye", lang))
                case engine.End():
                    log.info("conversation.ended")
                case engine.Flag(event=name, serious=serious):
                    log.log(logging.ERROR if serious else logging.INFO, name)
        # Save before anything is sent (the adapter sends after this returns).
        if erase:
            self.store.delete(chat)
        else:
            self.store.save(chat, Conversation(lang, step.state, picking))
        return Turn(tuple(out), step.path)

    # Rendering

    def _reply(self, say: engine.Say, lang: str) -> Reply:
        text = self.renderer.text(say.text, lang, say.params)
        buttons = tuple((self.renderer.text(b.label, lang), b.data) for b in say.buttons)
        return Reply(text, buttons, say.node or say.text.context)

    def _system(self, key: str, lang: str) -> Reply:
        msg = self.flows.system.get(key, Msg(f"system.{key}", key))
        return Reply(self.renderer.text(msg, lang), (), msg.context)

    def _picker(self, lang: str) -> Reply:
        """The language picker: its prompt in every language (the guess first), and buttons."""
        order = _picker_order(lang)
        msg = self.flows.system.get("choose_language", Msg("system.choose_language", "Language"))
        prompt = "\n".join(dict.fromkeys(self.renderer.text(msg, each) for each in order))
        buttons = tuple((NATIVE_NAMES[each], f"{LANGUAGE_DATA}{each}") for each in order)
        return Reply(prompt, buttons, "system.choose_language")

    @staticmethod
    def _picked(event: Incoming, current: str) -> str | None:
        """Return the language an event chooses: a picker button, or its number typed."""
        if isinstance(event, engine.ButtonPressed) and event.data.startswith(LANGUAGE_DATA):
            lang = event.data.removeprefix(LANGUAGE_DATA)
            return lang if lang in LANGUAGES else None
        if isinstance(event, engine.TextEntered):
            typed = fold(event.text)
            order = _picker_order(current)
            if typed.isdigit() and 1 <= int(typed) <= len(order):
                return order[int(typed) - 1]
        return None


def _picker_order(lang: str) -> list[str]:
    """Languages in picker order: the current (guessed) one first."""
    return [lang, *(other for other in LANGUAGES if other != lang)]
