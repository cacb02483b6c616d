"""The help directory: who trainees can call, and which numbers may be shown.

Pure data and lookups; ``bot.flowdefs.data`` loads ``flows/data/contacts.yaml``. Texts show a
number only through a ``{phone.<id>}`` placeholder, and only a contact marked ``verified`` (seen
on an official page) may be used that way: the checker refuses anything else, so an unverified
number can never reach a trainee.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PHONE_PLACEHOLDER = "phone."
"""``{phone.houterasu}`` shows the directory's number for the contact ``houterasu``."""

PHONE_NUMBER = re.compile(
    r"(?<![\d-])(?:0\d{1,4}-\d{1,4}-\d{3,4}|0\d{9,10}|#\d{4})(?![\d-])"
    r"|(?<![\d¥.,第])(?<!Article )(?<!Điều )1(?:10|19)(?![\d%.,条])"
)
"""A Japanese phone number written out in a text (0120-811-610, 0570078377, #7119, 110, 119);
article numbers such as "Article 119" or "第119条" are not numbers to call."""


@dataclass(frozen=True, slots=True)
class Contact:
    """One entry of the help directory."""

    id: str
    name: str
    name_ja: str
    phone: str | None
    languages: tuple[str, ...]
    hours: str
    cost: str
    verified: bool
    source: str


class ContactDirectory:
    """All contacts, by id."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self._by_id = {c.id: c for c in contacts}

    def __contains__(self, contact_id: object) -> bool:
        return contact_id in self._by_id

    def get(self, contact_id: str) -> Contact | None:
        """Return a contact, or None."""
        return self._by_id.get(contact_id)

    def phone(self, contact_id: str) -> str | None:
        """Return the number of a verified contact, or None (never an unverified number)."""
        contact = self._by_id.get(contact_id)
        return contact.phone if contact is not None and contact.verified else None

    @property
    def verified(self) -> tuple[Contact, ...]:
        """The contacts that may be shown."""
        return tuple(c for c in self._by_id.values() if c.verified)
