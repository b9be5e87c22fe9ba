"""Keys and authenticated encryption for the session store.

Key hierarchy (the usual envelope design, as in LUKS or age):

- a random 256-bit **data key** encrypts everything; it never changes, so a new
  passphrase does not mean re-encrypting gigabytes of audio;
- the data key is stored only **wrapped** (AES-GCM) under a key derived from the
  passphrase with **Argon2id** (memory-hard; RFC 9106 "second recommended option":
  t=3, m=64 MiB, p=4). Changing the passphrase re-wraps the data key only;
- purpose-specific sub-keys come from the data key with HKDF-SHA256, so the row
  cipher, the client blind index, the audit MAC and each audio file use
  independent keys.

Every ciphertext is AES-256-GCM with associated data naming where it lives
(table, column, row), so a ciphertext copied to another row fails to decrypt.
Python cannot reliably wipe memory; keys live only in process memory and are
never written anywhere in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scribe.core.errors import StoreError
from scribe.core.paths import HOME_ENV, PASSPHRASE_ENV

KEY_BYTES = 32
NONCE_BYTES = 12
#: Environment variable that makes *new* stores use cheap KDF settings. For the
#: test suite only: a store created this way is easy to brute-force.
FAST_KDF_ENV = "SCRIBE_INSECURE_FAST_KDF"
MIN_PASSPHRASE = 8


class IntegrityError(StoreError):
    """A ciphertext failed authentication: wrong key, or the data was altered or damaged."""


class WrongPassphrase(StoreError):
    """The passphrase does not unwrap the store's key."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id settings, stored beside the wrapped key so old stores keep opening."""

    algorithm: str = "argon2id"
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4
    salt: str = ""  # hex

    @classmethod
    def strong(cls) -> KdfParams:
        """The default: RFC 9106's recommendation for memory-constrained machines."""
        return cls(salt=secrets.token_hex(16))

    @classmethod
    def fast(cls) -> KdfParams:
        """Cheap settings for tests: NOT for real data."""
        return cls(time_cost=1, memory_kib=64, parallelism=1, salt=secrets.token_hex(16))

    @classmethod
    def for_new_store(cls) -> KdfParams:
        """Strong unless the test-only environment switch is set."""
        return cls.fast() if os.environ.get(FAST_KDF_ENV) == "1" else cls.strong()

    def with_new_salt(self) -> KdfParams:
        return KdfParams(
            self.algorithm, self.time_cost, self.memory_kib, self.parallelism, secrets.token_hex(16)
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        try:
            params = cls(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise StoreError("The store's key settings are unreadable; the store file is damaged.") from exc
        # Bounds keep a tampered header from making us allocate terabytes.
        if (
            params.algorithm != "argon2id"
            or not 1 <= params.time_cost <= 64
            or not 8 * params.parallelism <= params.memory_kib <= 4 * 1024 * 1024
            or not 1 <= params.parallelism <= 64
            or len(params.salt) < 32
        ):
            raise StoreError("The store's key settings are invalid; the store file is damaged or altered.")
        return params


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    """The key-encryption key: Argon2id(passphrase, salt)."""
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        bytes.fromhex(params.salt),
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def check_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to protect anything."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise StoreError(f"The passphrase must have at least {MIN_PASSPHRASE} characters.")


def _wrap_aad(store_id: str, params: KdfParams) -> bytes:
    # Binding the KDF settings stops anyone from swapping in weaker ones unnoticed.
    return f"ss1|keywrap|{store_id}|{params.to_json()}".encode()


def wrap_key(data_key: bytes, passphrase: str, params: KdfParams, store_id: str) -> bytes:
    """Encrypt the data key under the passphrase-derived key."""
    kek = derive_kek(passphrase, params)
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(store_id, params))


def unwrap_key(wrapped: bytes, passphrase: str, params: KdfParams, store_id: str) -> bytes:
    """Recover the data key; a wrong passphrase raises StoreError and changes nothing."""
    kek = derive_kek(passphrase, params)
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(store_id, params))
    except InvalidTag:
        raise WrongPassphrase(
            "Wrong passphrase for this session store. Nothing was changed; try again "
            f"(or check {PASSPHRASE_ENV} / {HOME_ENV})."
        ) from None


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def subkey(data_key: bytes, purpose: str, salt: bytes | None = None) -> bytes:
    """An independent key for one purpose, derived with HKDF-SHA256."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=f"ss1|{purpose}".encode()
    ).derive(data_key)


class RowCipher:
    """AES-GCM for values stored in the database, bound to their place by associated data."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def aad(*where: Any) -> bytes:
        return "|".join(str(w) for w in ("ss1", *where)).encode()

    def seal(self, plaintext: bytes, *where: Any) -> bytes:
        """Encrypt ``plaintext``; ``where`` (table, column, row key...) becomes associated data."""
        # Random 96-bit nonces: safe far beyond the number of rows a worker will ever store.
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, self.aad(*where))

    def open(self, blob: bytes, *where: Any) -> bytes:
        """Decrypt and authenticate; any change to the blob or its place raises IntegrityError."""
        if not isinstance(blob, bytes) or len(blob) < NONCE_BYTES + 16:
            raise IntegrityError(f"A stored value ({'/'.join(map(str, where))}) is missing or truncated.")
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self.aad(*where))
        except InvalidTag:
            raise IntegrityError(
                f"A stored value ({'/'.join(map(str, where))}) failed its integrity check: "
                "the store was altered or damaged. Restore it from a backup."
            ) from None

    def seal_json(self, value: Any, *where: Any) -> bytes:
        return self.seal(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"), *where)

    def open_json(self, blob: bytes, *where: Any) -> Any:
        return json.loads(self.open(blob, *where).decode("utf-8"))


def mac(key: bytes, *parts: bytes | str | int | None) -> str:
    """HMAC-SHA256 over length-prefixed parts (so fields cannot run into each other), as hex."""
    h = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        if part is None:
            tag, raw = b"n", b""
        elif isinstance(part, bytes):
            tag, raw = b"b", part
        else:
            tag, raw = b"s", str(part).encode("utf-8")
        h.update(tag + len(raw).to_bytes(8, "big") + raw)
    return h.hexdigest()
