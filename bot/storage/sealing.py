"""Sealing rows: every row that holds something about a trainee has its own data key.

A row's data key is random, kept only wrapped by a master key (``bot.storage.crypto``) and bound
to its table and row; each sealed column is bound to its table, row and column as well, so a
ciphertext copied elsewhere does not open. ``seal_row`` and ``open_row`` seal the one payload of
a queue row (inbox, outbox); ``RowKeys`` gives the unit of work the same for its tables.
"""

from __future__ import annotations

import json
from typing import Any

from bot.storage.crypto import Keyring, new_key, open_sealed, seal

DEK_ID = "dek"
"""The key id written into envelopes sealed with a row's data key."""


def seal_row(keyring: Keyring, table: str, row_id: int, data: bytes) -> tuple[bytes, bytes]:
    """Seal one column of a queue row with a new data key; return (wrapped key, sealed)."""
    dek = new_key()
    wrapped, _ = keyring.wrap(dek, f"{table}|{row_id}")
    return wrapped, seal(dek, DEK_ID, data, f"{table}|{row_id}|payload")


def open_row(keyring: Keyring, table: str, row_id: int, wrapped: bytes, sealed: bytes) -> bytes:
    """Open what ``seal_row`` sealed."""
    dek = keyring.unwrap(wrapped, f"{table}|{row_id}")
    return open_sealed(dek, sealed, f"{table}|{row_id}|payload")


def to_json(data: Any) -> bytes:
    """Compact UTF-8 JSON, the form sealed columns hold."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def from_json(raw: bytes) -> Any:
    """Read what ``to_json`` wrote."""
    return json.loads(raw)


class RowKeys:
    """Row data keys and sealed columns, for the parts of the unit of work."""

    keyring: Keyring

    def _dek(self, table: str, row_id: int, wrapped: bytes) -> bytes:
        return self.keyring.unwrap(wrapped, f"{table}|{row_id}")

    def _new_dek(self, table: str, row_id: int) -> tuple[bytes, bytes]:
        dek = new_key()
        wrapped, _ = self.keyring.wrap(dek, f"{table}|{row_id}")
        return dek, wrapped

    @staticmethod
    def _seal(dek: bytes, table: str, row_id: int, column: str, data: bytes) -> bytes:
        return seal(dek, DEK_ID, data, f"{table}|{row_id}|{column}")

    @staticmethod
    def _open(dek: bytes, table: str, row_id: int, column: str, blob: bytes) -> bytes:
        return open_sealed(dek, blob, f"{table}|{row_id}|{column}")
