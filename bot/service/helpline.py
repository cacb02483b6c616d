"""The helpline service: one entry point per incoming event, the same for every adapter.

Handling an event is a short script: open a unit of work → load the conversation → run the
engine or a dialog → save → commit → return the replies for the adapter to send. Sending after
the commit means a crash never sends a reply for a state that was not kept.

The service owns what is not a flow: the language (picker on first contact with a guess from
Telegram's language code, ``/language`` at any time, rendering in the chat's language) and the
case dialogs (``bot.service.dialogs``: consent before anything is kept, the PIN, ``/resume``,
``/delete``). A trainee's event goes through ``bot.service.trainee``. It knows nothing about
Telegram or the terminal. Logs carry event names only,
never text or identities.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime

from bot import engine
from bot.clock import utcnow
from bot.conversation import Conversation
from bot.desk.hours import OfficeHours
from bot.effects import Turn, Wipe
from bot.events import DeleteAsked, Incoming
from bot.flowdefs.model import FlowSet, Msg
from bot.i18n.locales import LANGUAGES, SOURCE, guess
from bot.i18n.render import Renderer
from bot.matching import Matcher
from bot.records import Records, Unit
from bot.service import rounds, trainee
from bot.service.call import Call
from bot.service.check import Guard
from bot.textnorm import fold

log = logging.getLogger(__name__)


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
        self.guard = Guard()

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
        # A code-and-PIN check runs its slow KDF here, before the unit: never inside a transaction.
        prepared = self.guard.prepare(self, self.records, chat, event)
        with self.records.unit() as unit:
            if claim is not None and not claim(unit):
                return Turn(())
            call = Call(self, unit, chat, address, prepared)
            trainee.run(call, event)
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
        the unit that forgets the conversation. Each chat is its own unit: one that fails (its
        key is gone) is reported and skipped, and every other chat is still wiped.
        """
        with self.records.unit() as unit:
            chats = unit.idle_chats(before)

        def wipe(chat: str) -> int:
            with self.records.unit() as unit:
                if not unit.idle_chats(before, chat):
                    return 0  # the trainee came back in the meantime
                address = unit.address(chat)
                unit.end_conversation(chat)
                after(unit, chat, address, Turn((Wipe(),)))
            log.info("conversation.idle_wiped")
            return 1

        return rounds.each("idle_wipe", chats, wipe)

    def left_group(self) -> None:
        """The bot left a group or channel that is not the desk's: audited, naming no chat."""
        with self.records.unit() as unit:
            unit.audit("system", "left_group")

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
        self._matcher: Matcher | None = None  # built when text is first typed
        msg = flows.system.get("exit_word", Msg("system.exit_word", "exit"))
        self._exit_words = {lang: renderer.text(msg, lang) for lang in LANGUAGES}
        self._folded_exit_words = {fold(w).casefold() for w in self._exit_words.values()}
        msg = flows.system.get("delete_word", Msg("system.delete_word", "delete"))
        self._folded_delete_words = {
            fold(renderer.text(msg, lang)).casefold() for lang in LANGUAGES
        }

    @property
    def matcher(self) -> Matcher:
        """What typed text may be about, indexed from ``flows/data/triggers.yaml`` once."""
        if self._matcher is None:
            self._matcher = Matcher(self.flows.triggers)
        return self._matcher

    def exit_words(self) -> dict[str, str]:
        """The word that clears the chat, by language."""
        return self._exit_words

    def word_command(self, text: str) -> engine.CommandGiven | DeleteAsked | None:
        """The command a word typed alone stands for, in any language, or None.

        The exit word is ``/exit``, the delete word ``/delete``; anything else is just text.
        The one place both words are known: the conversation and the flood gate ask it.
        """
        typed = fold(text).strip().casefold()
        if typed and typed in self._folded_exit_words:
            return engine.CommandGiven(engine.Command.EXIT)
        if typed and typed in self._folded_delete_words:
            return DeleteAsked()
        return None

    def start_in(self, chat: str, lang: str) -> Turn:
        """Start a conversation in ``lang`` without the picker (``helpline chat --lang``)."""
        with self.records.unit() as unit:
            call = Call(self, unit, chat, None)
            trainee.advance(call, Conversation(lang), engine.Started())
        return call.turn()
