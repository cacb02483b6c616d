"""Where the master keys and the index key come from, and how new ones are made.

Keys never live in the database. They come from the environment (``HELPLINE_MASTER_KEYS`` as
``id:base64,id:base64`` with the active key first, and ``HELPLINE_INDEX_KEY``), or from a key
file (JSON, mode 0600). During an index-key rotation the index key is a list, the new key
first: ``HELPLINE_INDEX_KEY=new,old``, or the key file's ``retiring_index`` beside ``index``.
The embedded default writes a key file into the data folder on the first run and says so;
``HELPLINE_REQUIRE_KEYS=1`` (set by the deploy files) refuses to start without configured keys
instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.connection import private_folder
from bot.storage.crypto import PRODUCTION_KDF, KdfCost, Keyring, new_key

KEY_FILE_VERSION = 1


class KeysError(ValueError):
    """The keys are missing or malformed; the message says what to do."""


@dataclass(frozen=True, slots=True)
class KeySource:
    """Where the keys were read from, for ``helpline doctor`` and the first-run notice."""

    keyring: Keyring
    origin: str  # "environment", "key file", or "new key file"
    path: Path | None = None


def _decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeysError(f"{what} is not valid base64") from None
    if len(raw) != 32:  # noqa: PLR2004 - AES-256
        raise KeysError(f"{what} must be 32 bytes (base64 of 32 random bytes)")
    return raw


def encode(key: bytes) -> str:
    """Return a key as base64 text."""
    return base64.b64encode(key).decode()


def new_key_id() -> str:
    """Return a new master key id, like ``k20261127-3f9a``."""
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"


def parse_master_keys(text: str) -> tuple[dict[str, bytes], str]:
    """Read ``id:base64,id:base64`` (the active key first)."""
    masters: dict[str, bytes] = {}
    for index, item in enumerate(part for part in text.split(",") if part.strip()):
        key_id, sep, value = item.strip().partition(":")
        if not sep or not key_id:
            raise KeysError(f"master key {index + 1} should look like id:base64")
        masters[key_id] = _decode(value, f"master key '{key_id}'")
    if not masters:
        raise KeysError("HELPLINE_MASTER_KEYS is empty")
    return masters, next(iter(masters))


def read_key_file(path: Path, kdf: KdfCost = PRODUCTION_KDF) -> Keyring:
    """Read a key file written by ``write_key_file``; the keyring reloads from it when needed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        masters = {
            kid: _decode(value, f"master key '{kid}'") for kid, value in data["masters"].items()
        }
        retiring = [
            _decode(value, "a retiring index key") for value in data.get("retiring_index", [])
        ]
        index = _decode(data["index"], "the index key")
        keyring = Keyring(masters, data["active"], index, kdf, retiring)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KeysError(f"cannot read the key file {path}: {error}") from None
    keyring.reload = lambda: read_key_file(path, kdf)
    return keyring


def reload_keys(source: KeySource) -> bool:
    """Learn the master keys the key file holds now (SIGHUP, the clock); say if any changed.

    Keys from the environment cannot change while the process runs: a restart reads them.
    A key file that cannot be read leaves the keys as they are (``KeysError`` says why).
    """
    if source.path is None or source.keyring.reload is None:
        return False
    return source.keyring.learn(read_key_file(source.path, source.keyring.kdf))


def write_key_file(
    path: Path,
    keyring_masters: dict[str, bytes],
    active: str,
    index_key: bytes,
    retiring_index: Sequence[bytes] = (),
) -> None:
    """Write (or replace) a key file readable by its owner only."""
    data: dict[str, object] = {
        "version": KEY_FILE_VERSION,
        "active": active,
        "masters": {kid: encode(key) for kid, key in keyring_masters.items()},
        "index": encode(index_key),
    }
    if retiring_index:
        data["retiring_index"] = [encode(key) for key in retiring_index]
    private_folder(path.parent)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    temporary.replace(path)  # atomic: a crash never leaves half a key file


def index_keys_of(path: Path) -> tuple[bytes, ...]:
    """Return the index keys stored in a key file: the current one first, then retiring ones."""
    data = json.loads(path.read_text(encoding="utf-8"))
    retiring = [_decode(value, "a retiring index key") for value in data.get("retiring_index", [])]
    return (_decode(data["index"], "the index key"), *retiring)


def parse_index_keys(text: str) -> tuple[bytes, list[bytes]]:
    """Read ``HELPLINE_INDEX_KEY``: one key, or ``new,old`` during an index-key rotation."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise KeysError("HELPLINE_INDEX_KEY is empty")
    keys = [_decode(part, "HELPLINE_INDEX_KEY") for part in parts]
    return keys[0], keys[1:]


def load_keys(
    master_keys: str | None,
    index_key: str | None,
    key_file: Path,
    require: bool,
    kdf: KdfCost = PRODUCTION_KDF,
) -> KeySource:
    """Return the keyring from the environment, the key file, or a new key file."""
    if master_keys or index_key:
        if not (master_keys and index_key):
            raise KeysError("set both HELPLINE_MASTER_KEYS and HELPLINE_INDEX_KEY, or neither")
        masters, active = parse_master_keys(master_keys)
        current, retiring = parse_index_keys(index_key)
        return KeySource(Keyring(masters, active, current, kdf, retiring), "environment")
    if key_file.exists():
        return KeySource(read_key_file(key_file, kdf), "key file", key_file)
    if require:
        raise KeysError(
            "no keys are configured and HELPLINE_REQUIRE_KEYS is set: set "
            "HELPLINE_MASTER_KEYS and HELPLINE_INDEX_KEY (see 'helpline keys new'), "
            f"or provide the key file {key_file}"
        )
    active = new_key_id()
    masters = {active: new_key()}
    index = new_key()
    write_key_file(key_file, masters, active, index)
    return KeySource(read_key_file(key_file, kdf), "new key file", key_file)
