"""pipelines: the NLP tagging pipeline (spaCy components) that turns a transcript into annotations.

Public API::

    from pipelines import tag, tag_text, load_pipeline
    annotations = tag(transcript)                # list[Annotation], each with Evidence
    transcript, annotations = tag_text(notes)    # typed / dictated notes

See pipelines/tagger.py for the pipeline, pipelines/policy.py for who is credited
with what, and pipelines/data/ for the taxonomy, context triggers and model card.
"""

import scribe  # noqa: F401  (first: it keeps onnxruntime from phoning home)
from pipelines.tagger import build_pipeline, load_pipeline, tag, tag_text, text_to_transcript

__all__ = ["build_pipeline", "load_pipeline", "tag", "tag_text", "text_to_transcript"]
