"""The flow engine: one pure function from (flows, state, event) to the next step.

``advance(flows, state, event, today)`` returns a ``Step``: the new state and the effects to
carry out (``Say``, ``ChooseLanguage``, ``Handoff``, ``Wipe``, ``End``, ``LogEvent``). The
engine knows no language, sends nothing and stores nothing; the service renders and sends the
effects after it has saved the state.

The package has two modules, and this one re-exports their public names, so callers write
``from bot import engine; engine.Say`` or ``from bot.engine import advance``:

* ``bot.engine.types``: events in (``Started``, ``TextEntered``, ``ButtonPressed``,
  ``CommandGiven``, ``Repeat``, ``MediaSent``, ``GoTo``), effects out, ``State`` and ``Step``.
  Data only.
* ``bot.engine.run``: ``advance`` and the runner that walks the nodes. Logic, but pure.

Every module here is pure: no I/O, no clock (``today`` is passed in), no randomness, no logging,
and no import of telegram, sqlalchemy, cryptography or babel (``tests/test_architecture.py``
checks each file). It imports only the standard library and this project's pure modules.
"""

from bot.effects import Wipe
from bot.engine.run import MAX_STEPS, MAX_TRAIL, advance
from bot.engine.types import (
    ButtonOut,
    ButtonPressed,
    ChooseLanguage,
    Command,
    CommandGiven,
    Effect,
    End,
    Event,
    GoTo,
    Handoff,
    LogEvent,
    MediaSent,
    Repeat,
    Say,
    Started,
    State,
    Step,
    TextEntered,
)

__all__ = [
    "MAX_STEPS",
    "MAX_TRAIL",
    "ButtonOut",
    "ButtonPressed",
    "ChooseLanguage",
    "Command",
    "CommandGiven",
    "Effect",
    "End",
    "Event",
    "GoTo",
    "Handoff",
    "LogEvent",
    "MediaSent",
    "Repeat",
    "Say",
    "Started",
    "State",
    "Step",
    "TextEntered",
    "Wipe",
    "advance",
]
