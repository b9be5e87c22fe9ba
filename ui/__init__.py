"""ui: the local gradio review desk."""
