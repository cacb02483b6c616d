"""The helpline service: one entry point per incoming event, the same for every adapter.

Handling an event is a short script: open a unit of work → load the conversation → run the
engine or a dialog → save → commit → return the replies for the adapter to send. Sending after
the commit means a crash never sends a reply for a state that was not kept.

The service owns what is not a flow: the language (picker on first contact with a guess from
Telegram's language code, ``/language`` at any time, rendering in the chat's language) and the
case dialogs in ``bot.dialogs`` (consent before anything is kept, the PIN, ``/resume``,
``/delete``). It knows nothing about Telegram or the terminal. Logs carry event names only,
never text or identities.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

from bot import dialogs, engine
from bot.conversation import Conversation, Mode
from bot.desk.hours import OfficeHours
from bot.engine import Event
from bot.events import (
    DeleteAsked,
    HelpAsked,
    Incoming,
    Opened,
    Outgoing,
    Reply,
    ResumeAsked,
    Turn,
    Wipe,
)
from bot.flowdefs.model import FlowSet, Msg
from bot.i18n.locales import LANGUAGES, NATIVE_NAMES, SOURCE, guess
from bot.i18n.render import Renderer
from bot.records import Records, Unit
from bot.textnorm import fold
from bot.values import Text, Value

log = logging.getLogger(__name__)

LANGUAGE_DATA = "lang:"
"""Prefix of the language picker's button data (``lang:vi``)."""
THEN, RESUME = "then", "resume"
"""A first /resume shows the picker first, then asks for the code in the chosen language."""


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Helpline:
    """Runs conversations: the engine, the dialogs, the language and rendering."""

    def __init__(
        self,
        flows: FlowSet,
        renderer: Renderer,
        records: Records,
        today: Callable[[], date],
        *,
        desk_connected: bool = False,
        office: OfficeHours | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.set_content(flows, renderer)
        self.records = records
        self.today = today
        self.desk_connected = desk_connected
        self.office = office
        """The desk's office hours, to tell trainees when to expect an answer."""
        self.clock = clock
        self.sleep = sleep
        self.timer = timer

    def handle(
        self,
        chat: str,
        event: Incoming,
        address: str | None = None,
        after: Callable[[Unit, Turn], None] | None = None,
        claim: Callable[[Unit], bool] | None = None,
    ) -> Turn:
        """Handle one event from ``chat`` (a pseudonym); return what to send.

        ``address`` is what the adapter needs to write to the chat later (the Telegram chat
        id); it is kept sealed, and dropped when the conversation ends. ``after`` runs inside
        the unit of work, so what it writes (the replies to send, the update marked done) is
        committed together with the new state, or not at all. ``claim`` runs first in the
        unit: if it says no (another process handled the update), nothing happens and nothing
        is sent.
        """
        with self.records.unit() as unit:
            if claim is not None and not claim(unit):
                return Turn(())
            call = Call(self, unit, chat, address)
            call.run(event)
            turn = call.turn()
            if after is not None:
                after(unit, turn)
        return turn

    def tell(
        self,
        chat: str,
        key: str,
        language_code: str | None,
        after: Callable[[Unit, Turn], None],
        claim: Callable[[Unit], bool] | None = None,
    ) -> Turn:
        """Send a system text to a chat in its language, without changing its conversation.

        ``claim`` as for ``handle``.
        """
        with self.records.unit() as unit:
            if claim is not None and not claim(unit):
                return Turn(())
            conversation = unit.conversation(chat)
            lang = conversation.lang if conversation else guess(language_code) or SOURCE
            turn = Turn((Call(self, unit, chat, None).system(key, lang),))
            after(unit, turn)
        return turn

    def wipe_idle(
        self, before: datetime, after: Callable[[Unit, str, str | None, Turn], None]
    ) -> int:
        """Wipe and forget every conversation resting since before ``before``; return how many.

        ``after`` gets each chat, the address to reach it and the ``Wipe`` to carry out, inside
        the unit that forgets the conversation.
        """
        with self.records.unit() as unit:
            chats = unit.idle_chats(before)
        for chat in chats:
            with self.records.unit() as unit:
                if not unit.idle_chats(before, chat):
                    continue  # the trainee came back in the meantime
                address = unit.address(chat)
                unit.end_conversation(chat)
                after(unit, chat, address, Turn((Wipe(),)))
            log.info("conversation.idle_wiped")
        return len(chats)

    def text_for(self, key: str, language_code: str | None) -> str:
        """A system text in the language Telegram's language code suggests (no storage used)."""
        return self.text_in(key, guess(language_code) or SOURCE)

    def text_in(self, key: str, lang: str) -> str:
        """A system text in ``lang``."""
        msg = self.flows.system.get(key, Msg(f"system.{key}", key))
        return self.renderer.text(msg, lang)

    def set_content(self, flows: FlowSet, renderer: Renderer) -> None:
        """Use these flows and translations from now on (at start, and on a reload).

        What depends on them alone is worked out here once, not on every message.
        """
        self.flows, self.renderer = flows, renderer
        msg = flows.system.get("exit_word", Msg("system.exit_word", "exit"))
        self._exit_words = {lang: renderer.text(msg, lang) for lang in LANGUAGES}
        self._folded_exit_words = {fold(w).casefold() for w in self._exit_words.values()}

    def exit_words(self) -> dict[str, str]:
        """The word that clears the chat, by language."""
        return self._exit_words

    def is_exit_word(self, text: str) -> bool:
        """Whether a typed text is, alone, one of the words that clear the chat."""
        typed = fold(text).strip().casefold()
        return bool(typed) and typed in self._folded_exit_words

    def start_in(self, chat: str, lang: str) -> Turn:
        """Start a conversation in ``lang`` without the picker (``helpline chat --lang``)."""
        with self.records.unit() as unit:
            call = Call(self, unit, chat, None)
            call.advance(Conversation(lang), engine.Started())
        return call.turn()


COMPLETED_AT = "next_step"
"""The node every topic flow ends on ("What would you like to do next?"): reaching it counts
the flow as gone through, for the advocacy reports."""


def completed(path: tuple[str, ...]) -> set[str]:
    """The flows whose end a turn reached."""
    return {node.split(".")[0] for node in path if node.endswith("." + COMPLETED_AT)}


class Call:
    """One event being handled: the unit of work, the chat, and what to send back."""

    def __init__(self, helpline: Helpline, unit: Unit, chat: str, address: str | None) -> None:
        self.helpline = helpline
        self.flows = helpline.flows
        self.unit = unit
        self.chat = chat
        self.address = address
        self.out: list[Outgoing] = []
        self.path: tuple[str, ...] = ()

    def turn(self) -> Turn:
        """Return what this call produced."""
        return Turn(tuple(self.out), self.path)

    # Dispatch.

    def run(self, event: Incoming) -> None:
        """Handle one event."""
        if isinstance(event, engine.TextEntered) and self.helpline.is_exit_word(event.text):
            event = engine.CommandGiven(engine.Command.EXIT)
        conversation = self.unit.conversation(self.chat)
        if conversation is None:
            self.first_contact(event)
            return
        match event:
            case HelpAsked():
                self.out.append(self.help(conversation.lang))
                self.advance(replace(conversation, mode=Mode.CHAT, scratch={}), engine.Repeat())
            case ResumeAsked():
                dialogs.start_resume(self, conversation)
            case DeleteAsked():
                dialogs.delete_everything(self, conversation)
            case Opened():
                self.advance(replace(conversation, mode=Mode.CHAT, scratch={}), engine.Started())
            case engine.CommandGiven() if conversation.mode is not Mode.CHAT:
                # A command leaves any dialog; /exit still wipes everything.
                self.advance(replace(conversation, mode=Mode.CHAT, scratch={}), event)
            case _ if conversation.mode is Mode.LANGUAGE:
                self.pick_language(conversation, event)
            case _ if conversation.mode is not Mode.CHAT:
                dialogs.continue_dialog(self, conversation, event)
            case engine.ButtonPressed(data=data) if data.startswith(LANGUAGE_DATA):
                self.pick_language(conversation, event)
            case _:
                self.advance(conversation, event)

    def first_contact(self, event: Incoming) -> None:
        """A chat the helpline does not know: show the picker (then /resume, if asked)."""
        code = (
            event.language_code if isinstance(event, Opened | ResumeAsked | DeleteAsked) else None
        )
        lang = guess(code) or SOURCE
        if isinstance(event, DeleteAsked):
            dialogs.delete_everything(self, Conversation(lang))
            return
        if event == engine.CommandGiven(engine.Command.EXIT):
            self.out += [Wipe(), self.system("goodbye", lang)]
            return
        then = {THEN: RESUME} if isinstance(event, ResumeAsked) else {}
        conversation = Conversation(lang, mode=Mode.LANGUAGE, scratch=then)
        self.save(conversation)
        log.info("conversation.opened")
        self.out.append(self.picker(lang))

    # The language.

    def pick_language(self, conversation: Conversation, event: Incoming) -> None:
        """Handle an event while the picker waits (or a picker button pressed later)."""
        picked = _picked(event, conversation.lang)
        if picked is None:
            self.out.append(self.picker(conversation.lang))
            self.save(conversation)
            return
        chosen = replace(conversation, lang=picked, mode=Mode.CHAT, scratch={})
        if conversation.scratch.get(THEN) == RESUME:
            dialogs.start_resume(self, chosen)
            return
        self.advance(chosen, engine.Repeat() if chosen.state else engine.Started())

    # The flows.

    def advance(self, conversation: Conversation, event: Event) -> None:
        """Run the engine for one event and carry out its effects."""
        step = engine.advance(self.flows, conversation.state, event, self.helpline.today())
        self.path = step.path
        for flow in completed(step.path):  # counted for the reports: a count is nobody's
            self.unit.count_completed(flow, conversation.lang)
        conversation = replace(conversation, state=step.state)
        handoff = next((e for e in step.effects if isinstance(e, engine.Handoff)), None)
        waiting: engine.Say | None = None
        for effect in step.effects:
            match effect:
                case engine.Say() if handoff and (effect.buttons or effect.expects):
                    waiting = effect  # the question comes after what the handoff says
                case engine.Say():
                    self.out.append(self.render_say(effect, conversation.lang))
                case engine.ChooseLanguage():
                    conversation = replace(conversation, mode=Mode.LANGUAGE)
                    self.out.append(self.picker(conversation.lang))
                case engine.Handoff():
                    pass  # below, after the flow's texts
                case engine.Erase():
                    self.unit.end_conversation(self.chat)
                    self.out += [Wipe(), self.system("goodbye", conversation.lang)]
                    log.info("conversation.erased")
                    return
                case engine.End():
                    log.info("conversation.ended")
                case engine.LogEvent(event=name, serious=serious):
                    log.log(logging.ERROR if serious else logging.INFO, name)
        if handoff is not None and conversation.case is not None:
            conversation = dialogs.finish_handoff(
                self, conversation, handoff.urgent, handoff.reason
            )
            if waiting is not None and conversation.mode is Mode.CHAT:
                self.out.append(self.render_say(waiting, conversation.lang))
        elif handoff is not None:  # no case yet: consent first; the question comes after it
            conversation = dialogs.ask_consent(self, conversation, handoff)
        self.save(conversation)

    def save(self, conversation: Conversation) -> None:
        """Keep the conversation (before anything is sent); a case's retention starts again."""
        self.unit.save_conversation(self.chat, conversation, self.address)
        if conversation.case is not None:
            self.unit.touch_case(conversation.case)

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
        return Reply(self.helpline.renderer.text(msg, lang, params), buttons, msg.context)

    def help(self, lang: str) -> Reply:
        """The /help text, naming the exit word of this language."""
        word = self.helpline.exit_words()[lang]
        return self.system("help", lang, {"exit_word": Text(word)})

    def label(self, key: str, lang: str) -> str:
        """Return a system text used as a button label."""
        return self.system(key, lang).text

    def render_say(self, say: engine.Say, lang: str) -> Reply:
        """Render a Say effect in ``lang``."""
        renderer = self.helpline.renderer
        text = renderer.text(say.text, lang, say.params)
        buttons = tuple((renderer.text(b.label, lang), b.data) for b in say.buttons)
        return Reply(text, buttons, say.node or say.text.context)

    def picker(self, lang: str) -> Reply:
        """The language picker: its prompt in every language (the guess first), and buttons."""
        order = _picker_order(lang)
        msg = self.flows.system.get("choose_language", Msg("system.choose_language", "Language"))
        renderer = self.helpline.renderer
        prompt = "\n".join(dict.fromkeys(renderer.text(msg, each) for each in order))
        buttons = tuple((NATIVE_NAMES[each], f"{LANGUAGE_DATA}{each}") for each in order)
        return Reply(prompt, buttons, "system.choose_language")


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
