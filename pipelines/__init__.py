"""pipelines: the NLP tagging pipeline (spaCy components)."""
