"""The model resolver: packaged models, local folders, pinned hashes, no surprise downloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scribe.asr import models
from scribe.core.errors import ModelError
from scribe.core.hashing import sha256_file


def test_tiny_en_resolves_from_its_package() -> None:
    name, path = models.resolve_model("tiny.en")
    assert name == "tiny.en"
    assert (path / "model.bin").is_file() and (path / "config.json").is_file()


def test_base_is_assembled_once_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIBE_CACHE", str(tmp_path / "cache"))
    name, path = models.resolve_model("base")
    assert name == "base" and path.is_relative_to(tmp_path)
    built = (path / "model.bin").stat().st_mtime_ns
    assert models.resolve_model("base")[1] == path
    assert (path / "model.bin").stat().st_mtime_ns == built  # not assembled again

    # A damaged cached copy is detected by its hash and rebuilt from the verified parts.
    with open(path / "model.bin", "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    models.resolve_model("base")
    assert sha256_file(path / "model.bin") == models.PACKAGED["base"].sha256["model.bin"]


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"not the weights you pinned")
    with pytest.raises(ModelError, match="pinned checksum"):
        models.verify_file(bad, models.PACKAGED["tiny.en"].sha256["model.bin"])


def test_explicit_folder_and_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, tiny = models.resolve_model("tiny.en")
    local = tmp_path / "models" / "my-whisper"
    shutil.copytree(tiny, local)
    assert models.resolve_model(str(local)) == ("my-whisper", local)
    monkeypatch.setenv("SCRIBE_MODELS_DIR", str(tmp_path / "models"))
    assert models.resolve_model("my-whisper") == ("my-whisper", local)


def test_folder_without_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing model\.bin"):
        models.resolve_model(str(tmp_path))


def test_unknown_and_unavailable_names_say_what_to_do() -> None:
    with pytest.raises(ModelError, match=r"Use one of base, tiny\.en"):
        models.resolve_model("large-v9")
    with pytest.raises(ModelError, match="truncated"):
        models.resolve_model("small")
    with pytest.raises(ModelError, match="not found"):
        models.resolve_model("./no/such/folder")


def test_default_model_is_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRIBE_MODEL", raising=False)
    assert models.resolve_model(None)[0] == "base"
    monkeypatch.setenv("SCRIBE_MODEL", "tiny.en")
    assert models.resolve_model(None)[0] == "tiny.en"
