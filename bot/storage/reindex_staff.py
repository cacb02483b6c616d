"""The index key's rotation for enrolled volunteers (``staff``): their rows follow the new key.

A volunteer's row is found by ``pseudonym("staff", user id)``; the id itself is kept only
sealed in the row (their private chat with the bot, whose id is their user id). So the
re-index opens each row, works the pseudonym out again under the current index key, and
re-seals the row with it (the seal repeats the key it is found by). A row without a private
chat (enrolment begun, never finished) cannot be moved: after ``keys retire --index`` that
volunteer enrols again. Called by ``bot.storage.reindex`` in one transaction; nothing logged.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.crypto import Keyring
from bot.storage.models import StaffRow
from bot.storage.sealing import from_json, open_row, seal_row, to_json


def staff_user_ids(session: Session, keyring: Keyring) -> list[int]:
    """The Telegram user ids of enrolled volunteers whose private chat is known (for claims)."""
    found = []
    for row in session.scalars(select(StaffRow)):
        address = from_json(open_row(keyring, "staff", row.id, row.dek, row.sealed)).get("address")
        if isinstance(address, str) and address.lstrip("-").isdigit():
            found.append(int(address))
    return found


def move_staff_rows(session: Session, keyring: Keyring) -> int:
    """Give every volunteer's row the pseudonym of the current index key; return how many."""
    moved = 0
    for row in session.scalars(select(StaffRow)):
        data = from_json(open_row(keyring, "staff", row.id, row.dek, row.sealed))
        address = data.get("address")
        if not (isinstance(address, str) and address.lstrip("-").isdigit()):
            continue
        key = keyring.pseudonym("staff", int(address))
        if row.key == key:
            continue
        row.key = key
        data["key"] = key
        row.dek, row.sealed = seal_row(keyring, "staff", row.id, to_json(data))
        moved += 1
    return moved


def staff_rows_behind(session: Session, keyring: Keyring) -> int:
    """How many volunteers' rows (with a private chat) are not yet under the current key."""
    behind = 0
    for row in session.scalars(select(StaffRow)):
        address = from_json(open_row(keyring, "staff", row.id, row.dek, row.sealed)).get("address")
        if isinstance(address, str) and address.lstrip("-").isdigit():
            behind += row.key != keyring.pseudonym("staff", int(address))
    return behind
