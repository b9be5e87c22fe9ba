#!/usr/bin/env bash
# Quick start, command 1: install, then turn the bundled sample session into a draft note.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
# The sample is fictional: --no-store keeps it out of your encrypted session store.
.venv/bin/scribe note samples/session.ogg --format soap --client DEMO-1 --pronouns she/her --no-store
