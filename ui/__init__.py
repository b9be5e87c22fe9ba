"""ui: the local gradio review desk (``scribe ui``); see ui/app.py."""

import scribe  # noqa: F401  (first: it keeps onnxruntime from phoning home)
