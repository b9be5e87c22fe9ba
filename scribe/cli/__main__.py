"""``python -m scribe.cli``: the same as the ``scribe`` command."""

import sys

from scribe.cli.app import main

sys.exit(main())
