"""The ``scribe`` command line: the click group (``app.py``) and one module per command family.

Errors become a one-line message and exit status 1 in ``app.py``, and only there.
"""

from scribe.cli.app import cli, main

__all__ = ["cli", "main"]
