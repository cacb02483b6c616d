"""``helpline staff enrol | list | revoke``: the volunteers who may see a case's content.

``enrol`` prints a one-time enrolment code and when it expires (``--hours``, 24 by default):
give it to one volunteer, who sends it to the bot in a private chat and chooses a staff PIN
(``bot.service.staff``). The code is kept only as a keyed hash and is gone once used. ``list``
shows the enrolled volunteers by opaque id (``staff:`` and 16 hex characters, the id the audit
names them by) and when they enrolled; ``revoke ID`` removes one (they must enrol again to see
any content). Each is audited; nothing prints or logs a Telegram id or a name.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TextIO

from bot.clock import utcnow
from bot.config import Settings
from bot.storage.database import open_database
from bot.storage.unit_staff import list_staff, new_enrolment, revoke_staff

DEFAULT_HOURS = 24


def staff_command(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run ``helpline staff ACTION``."""
    database = open_database(settings)
    if database.notice:
        print(database.notice, file=stdout)
    engine, keyring = database.engine, database.keys.keyring
    match args.action:
        case "enrol":
            hours = args.hours or DEFAULT_HOURS
            code, expires = new_enrolment(engine, keyring, timedelta(hours=hours), utcnow)
            print(
                f"Enrolment code: {code}\nValid until {expires:%Y-%m-%d %H:%M} UTC, once. "
                "Give it to one volunteer: they send it to the bot in a private chat and "
                "choose a staff PIN.",
                file=stdout,
            )
            return 0
        case "list":
            enrolled = list_staff(engine, keyring)
            for member in enrolled:
                pin = "PIN set" if member.has_pin else "no PIN yet"
                day = f"{member.enrolled_at:%Y-%m-%d}"
                print(f"{member.actor}  enrolled {day}  {pin}", file=stdout)
            print(f"{len(enrolled)} enrolled.", file=stdout)
            return 0
        case "revoke" if args.staff_id:
            if revoke_staff(engine, args.staff_id, utcnow):
                print(f"Revoked {args.staff_id}: they must enrol again.", file=stdout)
                return 0
            print(f"Nobody enrolled is {args.staff_id} ('helpline staff list').", file=stdout)
            return 1
    print("Name the volunteer to revoke: 'helpline staff revoke staff:…'.", file=stdout)
    return 2
