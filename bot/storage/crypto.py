"""Field encryption, data keys, keyed pseudonyms and the resume index.

* Fields are sealed with AES-256-GCM in a versioned envelope ``0x01 | key id | nonce | ct+tag``,
  with associated data ``table|row id|column|key id``: a ciphertext copied to another row or
  column fails to open (goal D2). Plaintexts are padded to 256-byte buckets, so the length of a
  ciphertext says little about the text (D8).
* Each case and each conversation has its own random data key (DEK), stored only wrapped by a
  master key (KEK) that never sits in the database. Destroying the wrapped DEK destroys the data
  (crypto-shredding, D4); rotating the master key re-wraps every DEK (D3).
* Telegram ids become ``HMAC-SHA256(index key, id)`` pseudonyms (D6).
* The resume index is ``"r"`` + HMAC(index key, Argon2id(code and PIN)) (S1): one KDF call
  both finds a case and checks the PIN, so an unknown code and a wrong PIN take the same path
  (S3). The Argon2id output (the *seed*) is kept sealed with its case, so a new index key can
  re-index the case without its code and PIN. Indexes made before the seal existed (``v1``:
  Argon2id salted with the index key) are still found, and moved on the next resume.
* The index key can be rotated (``helpline keys rotate --index``): the keyring then holds the
  new index key and the retiring ones; new values use the new key, lookups try every one.

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
from collections.abc import Callable, Mapping, Sequence
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


@dataclass(frozen=True, slots=True)
class IndexKey:
    """One index key and what is derived from it: its id, the pseudonym key, the salts."""

    key: bytes
    id: str
    pseudonym_key: bytes
    resume_key: bytes
    legacy_salt: bytes

    @classmethod
    def of(cls, key: bytes) -> IndexKey:
        """Derive the parts of an index key."""
        return cls(
            key,
            "i" + _subkey(key, "index-id-v1").hex()[:8],
            _subkey(key, "pseudonym-v1"),
            _subkey(key, "resume-v2"),
            _subkey(key, "resume-index-v1"),
        )


RESUME_SEED_SALT = b"helpline resume seed v2"
"""Argon2id's salt for the seed: fixed, as the seed must not depend on the index key (the
HMAC over it does). 23 bytes of a public constant: the secret is the index key's HMAC."""


def index_key_id(key: bytes) -> str:
    """The id of an index key (``i`` and 8 hex digits): names it, reveals nothing of it."""
    return IndexKey.of(key).id


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
        retiring_index: Sequence[bytes] = (),
    ) -> None:
        if active not in masters:
            raise ValueError("the active master key is not in the keyring")
        self._masters: tuple[dict[str, bytes], str] = (dict(masters), active)
        self._index: tuple[IndexKey, ...] = _index_keys(index_key, retiring_index)
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

        Master keys this keyring knows and ``newer`` does not are kept until this process
        stops: a row another process wrapped with them a moment ago still opens. The index keys
        become ``newer``'s (a rotation's new key first, the retiring ones after; once retired,
        no row needs one), and an index key this keyring made values with stays among the
        retiring ones if ``newer`` still retires any: rows this process wrote a moment ago
        under it are still found.
        """
        with self._lock:
            masters, active = self._masters
            merged = {**masters, **newer._masters[0]}
            index = newer._index
            if len(index) > 1 and self._index[0].id not in {part.id for part in index}:
                index = (*index, self._index[0])
            changed = merged != masters or newer.active != active or index != self._index
            self._masters = (merged, newer.active)
            self._index = index
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

    @property
    def index_id(self) -> str:
        """The id of the index key new values are made with."""
        return self._index[0].id

    @property
    def index_ids(self) -> tuple[str, ...]:
        """The ids of every index key known: the current one first, then the retiring ones."""
        return tuple(part.id for part in self._index)

    @property
    def index_keys(self) -> tuple[bytes, ...]:
        """Every index key known, the current one first (for the key file)."""
        return tuple(part.key for part in self._index)

    def _part(self, index_id: str | None) -> IndexKey:
        index = self._index
        if index_id is None:
            return index[0]
        for part in index:
            if part.id == index_id:
                return part
        raise CryptoError(f"the index key '{index_id}' is not configured")

    def pseudonym(self, kind: str, value: str | int, index_id: str | None = None) -> str:
        """Return the keyed pseudonym of an identifier (a Telegram chat or user id).

        Under the current index key, or under the one named (a re-index's old values).
        """
        message = f"{kind}:{value}".encode()
        return hmac.new(self._part(index_id).pseudonym_key, message, hashlib.sha256).hexdigest()

    def _argon(self, salt: bytes, code: str, pin: str) -> bytes:
        kdf = Argon2id(
            salt=salt,
            length=32,
            iterations=self.kdf.iterations,
            lanes=self.kdf.lanes,
            memory_cost=self.kdf.memory_kib,
        )
        with KDF_SLOTS:
            return kdf.derive(f"{code}|{pin}".encode())

    def resume_seed(self, code: str, pin: str) -> bytes:
        """The Argon2id of a case code and PIN (one call): kept sealed with its case."""
        return self._argon(RESUME_SEED_SALT, code, pin)

    def resume_from_seed(self, seed: bytes, index_id: str | None = None) -> str:
        """The resume index of a seed under the current (or the named) index key."""
        mac = hmac.new(self._part(index_id).resume_key, b"resume:" + seed, hashlib.sha256)
        return "r" + mac.hexdigest()[:63]

    def resume_index(self, code: str, pin: str) -> str:
        """Return the lookup index of a case code and PIN under the current index key."""
        return self.resume_from_seed(self.resume_seed(code, pin))

    def resume_candidates(self, code: str, pin: str, legacy: bool) -> tuple[bytes, list[str]]:
        """The seed and every index a case of this code and PIN may be stored under.

        The current index key's first, then the retiring keys'; with ``legacy``, also the
        ``v1`` indexes of cases made before seeds were kept (one more Argon2id per key: the
        number of calls depends on the keys, never on the code or the PIN).
        """
        seed = self.resume_seed(code, pin)
        found = [self.resume_from_seed(seed, part.id) for part in self._index]
        if legacy:
            found += [self._argon(part.legacy_salt, code, pin).hex() for part in self._index]
        return seed, found


def _index_keys(current: bytes, retiring: Sequence[bytes]) -> tuple[IndexKey, ...]:
    """The current index key first, then each retiring one once."""
    parts = [IndexKey.of(current)]
    for key in retiring:
        part = IndexKey.of(key)
        if part.id not in {known.id for known in parts}:
            parts.append(part)
    return tuple(parts)
