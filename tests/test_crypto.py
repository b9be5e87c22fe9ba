"""Keys, row encryption and encrypted audio files (scribe.store.crypto, scribe.store.securefile)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scribe.core.errors import StoreError
from scribe.store import crypto, securefile
from scribe.store.crypto import IntegrityError, KdfParams, RowCipher

PASS = "correct horse battery"


def test_default_kdf_is_strong_and_fast_needs_the_test_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    strong = KdfParams.strong()
    # RFC 9106 second recommended option: Argon2id, t=3, 64 MiB, 4 lanes.
    assert (strong.algorithm, strong.time_cost, strong.memory_kib, strong.parallelism) == (
        "argon2id",
        3,
        65536,
        4,
    )
    monkeypatch.delenv(crypto.FAST_KDF_ENV, raising=False)
    assert KdfParams.for_new_store().memory_kib == 65536
    monkeypatch.setenv(crypto.FAST_KDF_ENV, "1")
    assert KdfParams.for_new_store().memory_kib < 65536
    assert KdfParams.strong().salt != KdfParams.strong().salt


def test_wrap_and_unwrap() -> None:
    # Cheap settings here; test_store.py opens a store with the strong default once.
    params = KdfParams.fast()
    key = crypto.new_data_key()
    wrapped = crypto.wrap_key(key, PASS, params, "store-1")
    assert key not in wrapped
    assert crypto.unwrap_key(wrapped, PASS, params, "store-1") == key
    with pytest.raises(StoreError, match="Wrong passphrase"):
        crypto.unwrap_key(wrapped, PASS + "!", params, "store-1")


def test_wrapped_key_is_bound_to_its_kdf_settings_and_store() -> None:
    params = KdfParams.fast()
    wrapped = crypto.wrap_key(crypto.new_data_key(), PASS, params, "store-1")
    with pytest.raises(StoreError):
        crypto.unwrap_key(wrapped, PASS, params, "store-2")
    weaker = KdfParams("argon2id", params.time_cost, params.memory_kib, params.parallelism, params.salt[::-1])
    with pytest.raises(StoreError):
        crypto.unwrap_key(wrapped, PASS, weaker, "store-1")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"algorithm": "scrypt", "time_cost": 1, "memory_kib": 64, "parallelism": 1, "salt": "'
        + "0" * 32
        + '"}',
        '{"algorithm": "argon2id", "time_cost": 1, "memory_kib": 999999999, "parallelism": 1, "salt": "'
        + "0" * 32
        + '"}',
        '{"algorithm": "argon2id", "time_cost": 1, "memory_kib": 64, "parallelism": 1, "salt": ""}',
    ],
)
def test_bad_kdf_settings_are_refused(text: str) -> None:
    with pytest.raises(StoreError):
        KdfParams.from_json(text)


def test_short_passphrase_refused() -> None:
    with pytest.raises(StoreError, match="at least 8"):
        crypto.check_passphrase("short")


def test_row_cipher_binds_ciphertext_to_its_place() -> None:
    cipher = RowCipher(crypto.new_data_key())
    a = cipher.seal(b"client said something private", "transcripts", "s1", 1)
    assert b"private" not in a
    assert cipher.open(a, "transcripts", "s1", 1) == b"client said something private"
    with pytest.raises(IntegrityError, match="integrity"):
        cipher.open(a, "transcripts", "s2", 1)  # copied to another session's row
    flipped = bytearray(a)
    flipped[20] ^= 1
    with pytest.raises(IntegrityError):
        cipher.open(bytes(flipped), "transcripts", "s1", 1)
    with pytest.raises(IntegrityError, match="truncated"):
        cipher.open(a[:10], "transcripts", "s1", 1)
    assert cipher.seal(b"x", "t") != cipher.seal(b"x", "t")  # fresh nonce each time


def test_mac_parts_cannot_run_together() -> None:
    key = crypto.new_data_key()
    assert crypto.mac(key, "ab", "c") != crypto.mac(key, "a", "bc")
    assert crypto.mac(key, None) != crypto.mac(key, "") != crypto.mac(key, b"")


@pytest.mark.parametrize("size", [0, 1, 4096, 3 * 4096, 3 * 4096 + 17])
def test_audio_file_round_trip(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    src = tmp_path / "in.wav"
    src.write_bytes(data)
    key = crypto.new_data_key()
    n, sha = securefile.encrypt_file(src, tmp_path / "out.ssa", key, "s1", chunk_bytes=4096)
    assert n == size
    blob = (tmp_path / "out.ssa").read_bytes()
    assert size < 64 or data[:64] not in blob
    assert b"".join(securefile.decrypt_chunks(tmp_path / "out.ssa", key, "s1")) == data
    import hashlib

    assert sha == hashlib.sha256(data).hexdigest()


@pytest.fixture()
def encrypted(tmp_path: Path) -> tuple[Path, bytes]:
    src = tmp_path / "in.wav"
    src.write_bytes(os.urandom(4 * 4096))
    key = crypto.new_data_key()
    securefile.encrypt_file(src, tmp_path / "out.ssa", key, "s1", chunk_bytes=4096)
    return tmp_path / "out.ssa", key


def test_truncated_audio_file_is_detected(encrypted: tuple[Path, bytes]) -> None:
    path, key = encrypted
    blob = path.read_bytes()
    # Cut exactly at a chunk boundary: every remaining chunk is intact, only the "last" flag betrays it.
    path.write_bytes(blob[: securefile.HEADER_BYTES + 2 * (4096 + 16)])
    with pytest.raises(IntegrityError, match="chunk 1"):
        list(securefile.decrypt_chunks(path, key, "s1"))


def test_reordered_or_moved_audio_is_detected(encrypted: tuple[Path, bytes]) -> None:
    path, key = encrypted
    blob = path.read_bytes()
    h, c = securefile.HEADER_BYTES, 4096 + 16
    swapped = blob[:h] + blob[h + c : h + 2 * c] + blob[h : h + c] + blob[h + 2 * c :]
    path.write_bytes(swapped)
    with pytest.raises(IntegrityError, match="chunk 0"):
        list(securefile.decrypt_chunks(path, key, "s1"))
    path.write_bytes(blob)
    with pytest.raises(IntegrityError):
        list(securefile.decrypt_chunks(path, key, "another-session"))
    path.write_bytes(b"RIFF" + blob[4:])
    with pytest.raises(IntegrityError, match="bad header"):
        list(securefile.decrypt_chunks(path, key, "s1"))


def test_wipe_file_overwrites_then_unlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.wav"
    path.write_bytes(b"SECRET" * 1000)
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy(self: Path, missing_ok: bool = False) -> None:
        seen.append(self.read_bytes())
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", spy)
    assert securefile.wipe_file(path) is True
    assert not path.exists()
    assert seen == [bytes(6000)]  # zeros on disk at the moment of unlinking
    assert securefile.wipe_file(path) is False
