"""Imports that cost seconds, made cheap: okrkit's one place for import-time workarounds.

:func:`jsonschema_without_iri_grammar` — jsonschema (imported by Altair to validate chart
specs, and by nbformat to validate notebooks) registers the optional ``iri`` /
``iri-reference`` format checkers from rfc3987-syntax when that is installed (Jupyter's
jupyter-events pulls it in), and importing it builds 39 Lark parsers: 2–4 s of every
process that draws a chart or reads a notebook. Neither Altair nor nbformat checks those
formats, so the module is hidden for that one import (jsonschema treats it as a missing
optional dependency) and is importable again right after.
"""

from __future__ import annotations

import sys

_SLOW_OPTIONAL = "rfc3987_syntax"


def jsonschema_without_iri_grammar() -> None:
    """Import jsonschema without rfc3987-syntax's grammars; nothing when already imported."""
    if "jsonschema" in sys.modules or _SLOW_OPTIONAL in sys.modules:
        return
    sys.modules[_SLOW_OPTIONAL] = None  # type: ignore[assignment]
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules[_SLOW_OPTIONAL]
