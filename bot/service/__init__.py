"""The helpline service: every rule, for trainees and volunteers alike, behind one entry per event.

Adapters (Telegram, the terminal) hand the service events and carry out what it returns; the
service owns the unit of work and decides everything in between. Its parts, from the top:

* ``helpline``: the ``Helpline`` entries (a trainee's event, a system text, the idle wipe);
* ``trainee``: a trainee's event through the language picker, the dialogs or the engine;
* ``dialogs``: which dialog answers while the chat is in one; the dialogs themselves are
  ``consent``, ``reach`` (the note and how replies reach the trainee), ``pin``, ``handoff``,
  ``resume`` (the code and PIN dialog of ``/resume``, and of ``/delete`` from a new phone) and
  ``deletion`` (``/delete``: the case found from any state, then destroyed);
* ``routing``: typed text where a button is expected: suggestions, danger at once (issue 16);
* ``check``: the code-and-PIN check, run before the unit of work (never in a transaction);
* ``call``: one event being handled (the unit, the chat, the replies) and rendering;
* ``rounds``: the clock's jobs go row by row, so one row that fails is reported and skipped.

Imports go downwards only (``tests/test_architecture.py`` checks it): no module here imports
telegram, sqlalchemy or an adapter.
"""

from bot.service.helpline import Helpline

__all__ = ["Helpline"]
