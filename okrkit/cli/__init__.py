"""The ``okrkit`` command line (typer).

Verbs: ``score``, ``lint``, ``import``, ``export``, ``checkin``, ``report``, ``backup``,
``restore``, ``lab``, ``workshop``, ``calibration``, ``backtest``, ``pull``. Bad input prints one clear message naming the file,
line or row and field to stderr and exits with status 2 — never a traceback.

``okrkit score --format json`` prints one JSON object, stable across versions::

    {"period": "2026-Q1", "as_of": "2026-02-13", "overall": 0.61,
     "key_results": [{"kr_id": ..., "objective_id": ..., "team": ..., "title": ...,
                      "direction": ..., "unit": ..., "baseline": ..., "target": ...,
                      "weight": ..., "value": ..., "checkins": ..., "last_checkin": ...,
                      "confidence": ..., "reported_status": ..., "progress": ...,
                      "score": ..., "band": ..., "expected": ..., "pace": ...,
                      "stale": ..., "status": ...}, ...],
     "objectives": [{"objective_id": ..., "parent_id": ..., "level": ..., "team": ...,
                     "title": ..., "owner": ..., "kind": ..., "weight": ...,
                     "n_key_results": ..., "score": ..., "band": ..., "expected": ...,
                     "pace": ..., "status": ..., "score_override": ...,
                     "override_reason": ..., "final_score": ..., "final_band": ...}, ...]}

Missing numbers are ``null``; dates are ISO strings. ``--format csv`` prints the key
result frame (``--level objectives`` for the objective frame) with the same columns.
"""

from __future__ import annotations

import sys

from okrkit.cli import (  # noqa: F401  (register verbs)
    apps,
    calibration,
    checkins,
    lifecycle,
    notify,
    plans,
    pull,
    reports,
    store,
)
from okrkit.cli.base import app, fail, printable

__all__ = ["app", "fail", "main", "printable"]


def main() -> None:
    """Entry point of the ``okrkit`` console script."""
    try:
        _check_argv()
    except UnicodeError:
        print("error: a command-line argument is not valid text (UTF-8)", file=sys.stderr)
        raise SystemExit(2) from None
    app()


def _check_argv() -> None:
    """Refuse command-line arguments that were not valid UTF-8 (surrogate escapes)."""
    for a in sys.argv:
        a.encode("utf-8")  # raises UnicodeEncodeError on lone surrogates


if __name__ == "__main__":  # pragma: no cover
    main()
