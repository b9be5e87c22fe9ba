"""ui: the local gradio review desk (``scribe ui``); see ui/app.py."""
