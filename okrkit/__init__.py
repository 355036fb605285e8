"""okrkit: OKR frames, honest scoring, pacing, forecasts, a store and reports.

Public names are imported lazily so ``import okrkit`` stays cheap (reports start many
kernels); ``from okrkit import score`` works as usual. No submodule shares a name with a
public function (``okrkit.linting`` holds ``lint``, ``okrkit.forecasting`` holds
``forecast``), so ``okrkit.lint`` and ``okrkit.forecast`` stay the documented functions
whatever was imported first.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("okrkit")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

_EXPORTS = {
    "OKRKitError": "okrkit.errors",
    "ValidationError": "okrkit.errors",
    "PlanError": "okrkit.errors",
    "CheckinError": "okrkit.errors",
    "StoreError": "okrkit.errors",
    "ConflictError": "okrkit.errors",
    "ReportError": "okrkit.errors",
    "Problem": "okrkit.errors",
    "Period": "okrkit.period",
    "Plan": "okrkit.frames",
    "load_plan": "okrkit.plan",
    "dump_plan": "okrkit.plan",
    "read_checkins": "okrkit.checkins",
    "score": "okrkit.scoring",
    "Scorecard": "okrkit.scoring",
    "lint": "okrkit.linting",
    "forecast": "okrkit.forecasting",
    "what_if": "okrkit.whatif",
    "suggest_targets": "okrkit.whatif",
    "ScoringPolicy": "okrkit.scoring",
    "open_store": "okrkit.store",
    "Store": "okrkit.store",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'okrkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
