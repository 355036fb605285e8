"""Alembic environment: runs on the connection okrkit hands over, or on ``-x url=...``."""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import create_engine

VERSION_TABLE = "okrkit_schema_version"


def _run(connection: Any) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # command line: alembic -x url=... upgrade head
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("OKRKIT_DB")
    if not url:
        raise SystemExit("give the store with -x url=... or $OKRKIT_DB")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


try:
    context.config  # noqa: B018 - only set while alembic runs this file
except AttributeError:  # imported by something else (e.g. pytest --doctest-modules)
    pass
else:
    main()
