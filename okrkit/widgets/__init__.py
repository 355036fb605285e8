"""Notebook apps (ipywidgets), imported lazily so ``import okrkit.widgets`` stays cheap."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CheckinApp": "okrkit.widgets.checkin",
    "MonthlyReviewApp": "okrkit.widgets.review",
    "PlanningWorkshopApp": "okrkit.widgets.workshop",
    "RetrospectiveApp": "okrkit.widgets.retro",
    "WhatIfApp": "okrkit.widgets.whatif_app",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'okrkit.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
