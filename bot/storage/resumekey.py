"""The resume key: what a code and PIN find their case by, under every index key known.

``Records.resume_key`` runs the slow KDF outside any transaction and hands the unit of work one
string: the seed (the Argon2id of code and PIN, ``bot.storage.crypto``) and every resume index
the case may be stored under, the current index key's first, separated by ``;``. The unit looks
them all up at once and moves a case found under an old one (``SqlUnit.case_by_resume_key``).
May read ``cases.resume_index``; writes nothing.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.storage.crypto import Keyring
from bot.storage.models import CaseRow

SEPARATOR = ";"


def resume_key(keyring: Keyring, code: str, pin: str, legacy: bool) -> str:
    """The seed and the candidate indexes of a code and PIN, as one string."""
    seed, candidates = keyring.resume_candidates(code, pin, legacy)
    return SEPARATOR.join([seed.hex(), *candidates])


def has_legacy_indexes(engine: Engine) -> bool:
    """Whether any case still has a ``v1`` resume index (made before seeds were kept)."""
    query = select(CaseRow.id).where(
        CaseRow.resume_index.is_not(None), CaseRow.resume_index.not_like("r%")
    )
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).first() is not None
