#!/usr/bin/env bash
# Install everything session-scribe needs into ./.venv (idempotent).
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --test   also the Debian packages and Python tools the tests use
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

# Debian packages: decoding and speech tools always; the audio server, browser
# and PDF tools only for the tests.
debs=(espeak-ng sox libsox-fmt-all libportaudio2 fonts-dejavu-core)  # DejaVu: Unicode text in PDF notes
if [[ $want_test == 1 ]]; then
  debs+=(ffmpeg pulseaudio pulseaudio-utils libasound2-plugins chromium poppler-utils sqlite3 binutils)
fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
# --no-compile: pip would write bytecode for every module of every package (177 MB,
# most of it for code never imported: pandas' tests, transformers' hundreds of model
# classes); Python writes it on first import for the modules a command uses (about 36 MB).
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check --no-compile)
if [[ $want_test == 1 ]]; then
  "${pip[@]}" -e ".[test]"
else
  "${pip[@]}" -e .
fi
