"""The okrkit store: plans, check-ins and reviews in SQLite or PostgreSQL.

>>> from okrkit.store import open_store
>>> store = open_store("sqlite://")  # in memory
>>> store.periods()
[]
>>> store.close()

See :func:`open_store` and :class:`Store`; the schema lives in :mod:`okrkit.store.schema`
and its history in :mod:`okrkit.migrations`.
"""

from __future__ import annotations

from okrkit.store.core import Store, created_or_nothing, open_store, store_exists

__all__ = ["Store", "created_or_nothing", "open_store", "store_exists"]
