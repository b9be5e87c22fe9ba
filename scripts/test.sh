#!/usr/bin/env bash
# Quick start, command 2: install, then run the whole test suite (real models, no mocks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/ruff check scribe pipelines note_formats ui tests bench
.venv/bin/python -m pytest "$@"
