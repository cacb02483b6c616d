"""A trainee's event, from dispatch to the engine's effects: the conversation's one state machine.

``run`` decides where an event goes: the language picker, a dialog waiting for its answer
(``bot.service.dialogs``), or the flows (``advance``). ``advance`` runs the pure engine and
carries out its effects: texts are rendered, a handoff opens the consent dialog (or goes
straight to the desk when the chat has a case), an erase forgets the conversation. A dialog
that is done returns ``Back`` and ``settle`` gives the flow its event, so control only ever
flows downwards: this module calls the dialogs, never the other way round.

No I/O but the unit of work in the ``Call``; logs carry event names only.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot import engine
from bot.conversation import Conversation, Mode
from bot.effects import Wipe
from bot.events import DeleteAsked, HelpAsked, Incoming, Opened, ResumeAsked
from bot.i18n.locales import LANGUAGES, SOURCE, guess
from bot.service import consent, deletion, dialogs, handoff, pin, resume, routing
from bot.service.call import LANGUAGE_DATA, PIN_ASK, Back, Call, picker_order
from bot.textnorm import fold

log = logging.getLogger(__name__)

THEN, RESUME, DELETE = "then", "resume", "delete"
"""A first /resume (or /delete on a chat that holds no case) shows the picker first, then asks
for the code in the chosen language."""
COMPLETED_AT = "next_step"
"""The node every topic flow ends on ("What would you like to do next?"): reaching it, or a
node named ``next_step_<something>`` (a flow with several endings, like the wage check's result
for extra work), counts the flow as gone through, for the advocacy reports."""


def completed(path: tuple[str, ...]) -> set[str]:
    """The flows whose end a turn reached."""
    return {
        flow
        for flow, _, node in (step.partition(".") for step in path)
        if node == COMPLETED_AT or node.startswith(COMPLETED_AT + "_")
    }


def run(call: Call, event: Incoming) -> None:
    """Handle one event of a chat."""
    if isinstance(event, engine.TextEntered):
        event = call.host.word_command(event.text) or event
    conversation = call.unit.conversation(call.chat)
    if conversation is None:
        first_contact(call, event)
        return
    match event:
        case HelpAsked():
            call.out.append(call.help(conversation.lang))
            advance(call, _chatting(conversation), engine.Repeat())
        case ResumeAsked():
            settle(call, resume.start(call, conversation))
        case DeleteAsked():
            settle(call, deletion.asked(call, conversation))
        case Opened():
            advance(call, _chatting(conversation), engine.Started())
        case engine.CommandGiven() if conversation.mode is not Mode.CHAT:
            advance(call, _chatting(conversation), event)  # a command leaves any dialog
        case engine.ButtonPressed(data=data) if data == PIN_ASK and _handed(conversation):
            settle(call, pin.offer(call, conversation, required=False, handed=True))
        case _ if conversation.mode is Mode.LANGUAGE:
            pick_language(call, conversation, event)
        case _ if conversation.mode is not Mode.CHAT:
            settle(call, dialogs.continue_dialog(call, conversation, event))
        case engine.ButtonPressed(data=data) if data.startswith(LANGUAGE_DATA):
            pick_language(call, conversation, event)
        case engine.ButtonPressed(data=data) if data.startswith(routing.SUGGEST_DATA):
            suggested(call, conversation, routing.pressed(call, conversation, data))
        case engine.TextEntered(text=text):
            suggested(call, conversation, routing.typed(call, conversation, text) or event)
        case _:
            advance(call, conversation, event)


def _handed(conversation: Conversation) -> bool:
    """Whether the chat's case is with the desk and no dialog waits (a PIN may be offered)."""
    return conversation.case is not None and conversation.mode in (Mode.CHAT, Mode.DESK)


def suggested(
    call: Call, conversation: Conversation, then: engine.Event | DeleteAsked | routing.Shown
) -> None:
    """Carry out what typed text (or a tapped suggestion) leads to (``bot.service.routing``)."""
    match then:
        case routing.Shown():
            call.save(conversation)
        case DeleteAsked():
            settle(call, deletion.asked(call, conversation))
        case _:
            advance(call, conversation, then)


def _chatting(conversation: Conversation) -> Conversation:
    return replace(conversation, mode=Mode.CHAT, scratch={})


def settle(call: Call, result: Conversation | Back | None) -> None:
    """Keep what a dialog returned, or leave the dialog for the flow (None: keep nothing)."""
    if result is None:
        return
    if isinstance(result, Back):
        advance(call, _chatting(result.conversation), result.event)
    else:
        call.save(result)


def first_contact(call: Call, event: Incoming) -> None:
    """A chat the helpline does not know: show the picker (then /resume, if asked)."""
    code = event.language_code if isinstance(event, Opened | ResumeAsked | DeleteAsked) else None
    lang = guess(code) or SOURCE
    if isinstance(event, DeleteAsked):
        held, lang = deletion.held_lang(call, lang)
        if held:  # the chat still holds a case, after /exit or the idle wipe
            deletion.destroy(call, held, lang)
            return
    if event == engine.CommandGiven(engine.Command.EXIT):
        call.out += [Wipe(call.system("not_cleared", lang).text), call.system("goodbye", lang)]
        return
    then = {THEN: RESUME} if isinstance(event, ResumeAsked) else {}
    then = {THEN: DELETE} if isinstance(event, DeleteAsked) else then
    call.save(Conversation(lang, mode=Mode.LANGUAGE, scratch=then))
    log.info("conversation.opened")
    call.out.append(call.picker(lang))


def pick_language(call: Call, conversation: Conversation, event: Incoming) -> None:
    """Handle an event while the picker waits (or a picker button pressed later)."""
    picked = picked_language(event, conversation.lang)
    if picked is None:
        call.out.append(call.picker(conversation.lang))
        call.save(conversation)
        return
    chosen = replace(conversation, lang=picked, mode=Mode.CHAT, scratch={})
    if conversation.scratch.get(THEN) == RESUME:
        settle(call, resume.start(call, chosen))
        return
    if conversation.scratch.get(THEN) == DELETE:
        settle(call, deletion.asked(call, chosen))
        return
    advance(call, chosen, engine.Repeat() if chosen.state else engine.Started())


def picked_language(event: Incoming, current: str) -> str | None:
    """Return the language an event chooses: a picker button, or its number typed."""
    if isinstance(event, engine.ButtonPressed) and event.data.startswith(LANGUAGE_DATA):
        lang = event.data.removeprefix(LANGUAGE_DATA)
        return lang if lang in LANGUAGES else None
    if isinstance(event, engine.TextEntered):
        typed = fold(event.text)
        order = picker_order(current)
        if typed.isdigit() and 1 <= int(typed) <= len(order):
            return order[int(typed) - 1]
    return None


def advance(call: Call, conversation: Conversation, event: engine.Event) -> None:
    """Run the engine for one event and carry out its effects."""
    step = engine.advance(call.flows, conversation.state, event, call.host.today())
    call.path = step.path
    for flow in completed(step.path):  # counted for the reports: a count is nobody's
        call.unit.count_completed(flow, conversation.lang)
    conversation = replace(conversation, state=step.state)
    handoff_asked = next((e for e in step.effects if isinstance(e, engine.Handoff)), None)
    waiting: engine.Say | None = None
    for effect in step.effects:
        match effect:
            case engine.Say() if handoff_asked and (effect.buttons or effect.expects):
                waiting = effect  # the question comes after what the handoff says
            case engine.Say():
                call.out.append(call.render_say(effect, conversation.lang))
            case engine.ChooseLanguage():
                conversation = replace(conversation, mode=Mode.LANGUAGE)
                call.out.append(call.picker(conversation.lang))
            case Wipe():
                call.unit.end_conversation(call.chat)
                lang = conversation.lang
                call.out += [
                    Wipe(call.system("not_cleared", lang).text),
                    call.system("goodbye", lang),
                ]
                log.info("conversation.erased")
                return
            case engine.End():
                log.info("conversation.ended")
            case engine.LogEvent(event=name, serious=serious):
                log.log(logging.ERROR if serious else logging.INFO, name)
    if handoff_asked is not None and conversation.case is not None:
        conversation = handoff.finish(
            call, conversation, handoff_asked.urgent, handoff_asked.reason
        )
        if waiting is not None and conversation.mode is Mode.CHAT:
            call.out.append(call.render_say(waiting, conversation.lang))
    elif handoff_asked is not None and not call.host.desk_connected:
        handoff.unavailable(
            call, conversation, handoff_asked.urgent
        )  # nobody to read a case: say so, keep nothing
        if waiting is not None:
            call.out.append(call.render_say(waiting, conversation.lang))
    elif handoff_asked is not None:  # no case yet: consent first; the question comes after it
        conversation = consent.ask(call, conversation, handoff_asked)
    call.save(conversation)
