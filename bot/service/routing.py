"""Typed text where the flow expects a button: offer what it may be about, never jump by itself.

When a trainee in the flows types instead of pressing a button (or types at a question that
expects a number, with words of danger), ``typed`` asks the matcher (``bot.matching``) and
decides:

* words of danger: the emergency numbers at once (``danger_typed``), then the danger check's
  options (the flow goes there; /back returns to the question left);
* a likely topic: "Is your question about one of these?" with at most three suggestions, plus
  "Something else" (the menu) and "Talk to a person"; nothing moves until a tap (``pressed``);
* nothing alike: at the menu, one kind line and the menu; inside a flow, the flow's own
  re-prompt (the question again), which is the menu a trainee there needs;
* a number at a question that expects one, or a button's number: the flow takes it as before;
* written in another helpline language than the chat's: an offer to switch, in that language
  (not with danger: the numbers and the danger check come first and alone).

What is typed is matched in memory and forgotten: the log gets the best target and a confidence
bucket (``text.matched``), a tap the target (``text.routed``) and the reports a count of the
topic (``count_routed``); the text itself is never stored, logged or counted. Text typed at the
desk (``Mode.DESK``) never comes here: it is the volunteer's (``bot.service.dialogs``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import engine
from bot.conversation import Conversation
from bot.effects import Reply
from bot.events import DeleteAsked
from bot.flowdefs import model as m
from bot.flowdefs.triggers import label_for
from bot.i18n.locales import NATIVE_NAMES
from bot.matching import DANGER_TARGET, Confidence, Match
from bot.service.call import LANGUAGE_DATA, Call
from bot.textnorm import fold

log = logging.getLogger(__name__)

SUGGEST_DATA = "typed:"
"""Prefix of a suggestion's button data: ``typed:<target>``."""
OTHER = SUGGEST_DATA + "*menu"
PERSON = SUGGEST_DATA + "*person"
"""The two buttons under every suggestion (a target's name never holds ``*``)."""
DANGER_NODE = ("safety", "check")
"""Where words of danger lead when triggers.yaml has no danger target."""


@dataclass(frozen=True, slots=True)
class Shown:
    """The replies are made; the conversation stays where it was."""


def typed(call: Call, conversation: Conversation, text: str) -> engine.Event | Shown | None:
    """Decide what typed text in the flows leads to.

    None: the flow takes the text as it is. An event: the flow goes on with it (after the
    replies added here). ``Shown``: the replies are made and nothing else happens.
    """
    state = conversation.state
    node = call.flows.node(state.flow, state.node) if state else None
    if state is not None and node is None:
        return None  # the flow was edited under the chat: the engine recovers it
    if isinstance(node, m.ButtonsNode) and _numbered(text, len(node.buttons)):
        return None
    found = call.host.matcher.match(text)
    if isinstance(node, m.AskNode) and not found.danger:
        return None  # a question that expects an answer takes it (or asks again)
    best = found.targets[0] if found.targets else "none"
    log.info("text.matched", extra={"target": best, "confidence": found.confidence.value})
    lang = conversation.lang
    if found.danger:
        call.out.append(call.system("danger_typed", lang))  # nothing else first, not even a switch
        flow, _, nid = _danger_go(call).partition(".")
        return engine.GoTo(flow, nid)
    if not found.targets:
        if state is not None and state.flow != m.MENU_FLOW:
            return None  # inside a flow: its own re-prompt and the question again
        call.out.append(call.system("suggest_unsure", lang))
        return engine.CommandGiven(engine.Command.MENU)
    call.out.append(_suggestions(call, lang, found))
    _offer_switch(call, lang, found)
    return Shown()


def _numbered(text: str, count: int) -> bool:
    typed = fold(text)
    return typed.isdigit() and 1 <= int(typed) <= count


def _danger_go(call: Call) -> str:
    target = call.flows.triggers.targets.get(DANGER_TARGET)
    return target.go if target is not None and target.go else ".".join(DANGER_NODE)


def _suggestions(call: Call, lang: str, found: Match) -> Reply:
    renderer = call.host.renderer
    buttons: list[tuple[str, str]] = []
    for name in found.targets:
        target = call.flows.triggers.targets[name]
        label = label_for(call.flows, target)
        if label is not None:
            buttons.append((renderer.text(label, lang), SUGGEST_DATA + name))
    buttons.append((call.label("suggest_other", lang), OTHER))
    if "person" not in found.targets:
        buttons.append((call.label("command_talk", lang), PERSON))
    return call.system("suggest_ask", lang, buttons=tuple(buttons))


def _offer_switch(call: Call, lang: str, found: Match) -> None:
    """Offer the language the text is written in, in that language, if it is another one."""
    other = found.lang
    if other is None or other == lang or found.confidence is not Confidence.HIGH:
        return
    button = (NATIVE_NAMES[other], LANGUAGE_DATA + other)
    call.out.append(call.system("switch_offer", other, buttons=(button,)))


def pressed(call: Call, conversation: Conversation, data: str) -> engine.Event | DeleteAsked:
    """What a tapped suggestion leads to: a node, the menu, a person, or a command."""
    if data == OTHER:
        return engine.CommandGiven(engine.Command.MENU)
    if data == PERSON:
        return engine.CommandGiven(engine.Command.PERSON)
    target = call.flows.triggers.targets.get(data.removeprefix(SUGGEST_DATA))
    if target is None:  # triggers.yaml changed since the offer
        call.out.append(call.system("stale_button", conversation.lang))
        return engine.Repeat()
    log.info("text.routed", extra={"target": target.name})
    if target.command == "delete":
        return DeleteAsked()
    if target.command == "exit":
        return engine.CommandGiven(engine.Command.EXIT)
    flow, _, nid = target.go.partition(".")
    call.unit.count_routed(flow)
    if isinstance(call.flows.node(flow, nid), m.HandoffNode):  # a person: as /talk, from here
        return engine.CommandGiven(engine.Command.PERSON)
    return engine.GoTo(flow, nid)
