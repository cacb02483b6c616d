"""Field encryption, data keys, keyed pseudonyms and the resume index.

* Fields are sealed with AES-256-GCM in a versioned envelope ``0x01 | key id | nonce | ct+tag``,
  with associated data ``table|row id|column|key id``: a ciphertext copied to another row or
  column fails to open (goal D2). Plaintexts are padded to 256-byte buckets, so the length of a
  ciphertext says little about the text (D8).
* Each case and each conversation has its own random data key (DEK), stored only wrapped by a
  master key (KEK) that never sits in the database. Destroying the wrapped DEK destroys the data
  (crypto-shredding, D4); rotating the master key re-wraps every DEK (D3).
* Telegram ids become ``HMAC-SHA256(index key, id)`` pseudonyms (D6).
* The resume index is Argon2id over the case code and PIN with a server secret as salt (S1);
  one KDF call both finds a case and checks the PIN, so an unknown code and a wrong PIN take the
  same path (S3).

The only module besides ``bot.storage.keys`` that imports ``cryptography``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
PAD_BUCKET = 256


class CryptoError(ValueError):
    """A ciphertext that cannot be opened: wrong key, wrong row, or tampered with."""


@dataclass(frozen=True, slots=True)
class KdfCost:
    """Argon2id cost for the resume index (memory in KiB)."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 1


PRODUCTION_KDF = KdfCost()
"""At least 64 MiB and 3 passes (goal S1); about 0.2 s a call."""

RELOAD_AT_MOST_EVERY = 1.0
"""Seconds: how often meeting an unknown master key id may make a process read the key file."""

KDF_SLOTS = threading.BoundedSemaphore(4)
"""At most 4 lookups at once in a process: a flood of /resume cannot exhaust memory (S5)."""


def _pad(plaintext: bytes) -> bytes:
    """Prefix the length and fill up to the next 256-byte bucket with random bytes."""
    body = struct.pack(">I", len(plaintext)) + plaintext
    return body + os.urandom(-len(body) % PAD_BUCKET)


def _unpad(padded: bytes) -> bytes:
    (length,) = struct.unpack(">I", padded[:4])
    if length > len(padded) - 4:
        raise CryptoError("bad padding")
    return padded[4 : 4 + length]


def seal(key: bytes, key_id: str, plaintext: bytes, ad: str) -> bytes:
    """Encrypt ``plaintext`` under ``key`` bound to the associated data ``ad``."""
    kid = key_id.encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, _pad(plaintext), f"{ad}|{key_id}".encode())
    return bytes([ENVELOPE_VERSION, len(kid)]) + kid + nonce + sealed


def envelope_key_id(blob: bytes) -> str:
    """Return the key id named in an envelope."""
    if len(blob) < 2 or blob[0] != ENVELOPE_VERSION:  # noqa: PLR2004
        raise CryptoError("not a sealed value")
    return blob[2 : 2 + blob[1]].decode()


def open_sealed(key: bytes, blob: bytes, ad: str) -> bytes:
    """Decrypt a sealed value; raise ``CryptoError`` if anything does not match."""
    key_id = envelope_key_id(blob)
    start = 2 + blob[1]
    nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
    try:
        padded = AESGCM(key).decrypt(nonce, sealed, f"{ad}|{key_id}".encode())
    except InvalidTag:
        raise CryptoError("the value does not open with this key and row") from None
    return _unpad(padded)


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def _subkey(secret: bytes, label: str) -> bytes:
    return HKDF(SHA256(), KEY_BYTES, salt=None, info=label.encode()).derive(secret)


class Keyring:
    """The master keys (by id, one active) and the index key, all from outside the database.

    A running process learns new keys in place (``learn``): every part that holds this keyring
    sees them at once. A data key wrapped by a master key it does not know makes it ask
    ``reload`` (set when the keys come from a key file) for the file's keys once, then try
    again: a bot still running when ``helpline keys rotate`` re-wrapped its rows keeps working.
    """

    def __init__(
        self,
        masters: Mapping[str, bytes],
        active: str,
        index_key: bytes,
        kdf: KdfCost = PRODUCTION_KDF,
    ) -> None:
        if active not in masters:
            raise ValueError("the active master key is not in the keyring")
        self._masters: tuple[dict[str, bytes], str] = (dict(masters), active)
        self._pseudonym_key = _subkey(index_key, "pseudonym-v1")
        self._resume_salt = _subkey(index_key, "resume-index-v1")
        self.kdf = kdf
        self.reload: Callable[[], Keyring] | None = None
        """Where newer keys come from (the key file), or None (the environment)."""
        self._lock = threading.Lock()
        self._reloaded_at = -RELOAD_AT_MOST_EVERY

    @property
    def masters(self) -> dict[str, bytes]:
        """The master keys by id (a copy)."""
        return dict(self._masters[0])

    @property
    def active(self) -> str:
        """The id of the master key new data keys are wrapped with."""
        return self._masters[1]

    def learn(self, newer: Keyring) -> bool:
        """Use ``newer``'s master keys from now on; say whether anything changed.

        Keys this keyring knows and ``newer`` does not are kept until this process stops: a
        row another process wrapped with them a moment ago still opens. The index key is not
        changed here (a new index key needs a re-index: ``helpline keys rotate --index``).
        """
        with self._lock:
            masters, active = self._masters
            merged = {**masters, **newer._masters[0]}
            changed = merged != masters or newer.active != active
            self._masters = (merged, newer.active)
        return changed

    def wrap(self, dek: bytes, ad: str) -> tuple[bytes, str]:
        """Wrap a data key under the active master key; return (wrapped, master key id)."""
        masters, active = self._masters  # one read: a reload in between cannot mix them
        return seal(masters[active], active, dek, f"dek|{ad}"), active

    def unwrap(self, wrapped: bytes, ad: str) -> bytes:
        """Unwrap a data key with whichever master key wrapped it (reloading once if unknown)."""
        key_id = envelope_key_id(wrapped)
        if key_id not in self._masters[0] and self.reload is not None:
            now = time.monotonic()
            if now - self._reloaded_at >= RELOAD_AT_MOST_EVERY:  # a lost key: no file storm
                self._reloaded_at = now
                with contextlib.suppress(ValueError, OSError):
                    self.learn(self.reload())
        key = self._masters[0].get(key_id)
        if key is None:
            raise CryptoError(f"the master key '{key_id}' is not configured")
        return open_sealed(key, wrapped, f"dek|{ad}")

    def pseudonym(self, kind: str, value: str | int) -> str:
        """Return the keyed pseudonym of an identifier (a Telegram chat or user id)."""
        message = f"{kind}:{value}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()

    def resume_index(self, code: str, pin: str) -> str:
        """Return the lookup index of a case code and PIN (one Argon2id call)."""
        kdf = Argon2id(
            salt=self._resume_salt,
            length=32,
            iterations=self.kdf.iterations,
            lanes=self.kdf.lanes,
            memory_cost=self.kdf.memory_kib,
        )
        with KDF_SLOTS:
            return kdf.derive(f"{code}|{pin}".encode()).hex()
