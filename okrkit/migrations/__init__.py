"""Alembic migrations of the okrkit store, shipped inside the package.

``okrkit.store.open_store`` applies them automatically (one transaction, concurrent
openers serialised). ``okrkit.store.engine.upgrade(engine, where, revision)`` applies them
up to a given revision (the tests build an old store that way).

Revisions are frozen: they spell out their tables and never import ``okrkit.store.schema``.
"""
