"""The encrypted local session store (see ``scribe.store.store``)."""

from scribe.store.store import RETENTION_MODES, WORKER_ENV, Store

__all__ = ["RETENTION_MODES", "WORKER_ENV", "Store"]
