"""session-scribe: a local-first session note scribe for social workers."""

import os

__version__ = "0.1.0"

# onnxruntime (the VAD, MiniLM and the risk classifier run on it) otherwise writes a device id
# and queued usage events under ~/.cache/Microsoft and looks up Microsoft's telemetry host from
# its C library; only this variable, set before onnxruntime is imported, stops both
# (``disable_telemetry_events()`` does not stop the lookups). Every project package imports
# ``scribe`` first, so this runs before any onnxruntime import, whatever the entry point.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
