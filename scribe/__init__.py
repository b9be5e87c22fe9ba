"""session-scribe: a local-first session note scribe for social workers."""

__version__ = "0.1.0"
