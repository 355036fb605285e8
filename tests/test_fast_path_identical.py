"""The fast load path gives byte-identical scores (issue 11's "Keep").

``okrkit score PLAN --checkins CSV --format json`` reads the plan through libyaml's C
composer (:mod:`okrkit.yamlnodes`) and the check-ins through pyarrow
(:mod:`okrkit.checkins`). The reference here is the old, plain path: PyYAML's pure-Python
``SafeLoader`` into the same pydantic model, and ``csv.DictReader`` rows through the same
check-in validator, and the old per-row JSON conversion (``to_dict`` + ``jsonable``) with
``json.dumps(indent=2)``. Both feed the same scorer; their scorecards, written canonically
(sorted keys, no layout), must be equal byte for byte, for every sample quarter (closed and
open).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from okrkit.checkins import validate_checkins
from okrkit.cli.base import jsonable
from okrkit.models import PlanModel
from okrkit.plan import plan_from_model
from okrkit.scoring import score as score_plan

ROOT = Path(__file__).resolve().parents[1]
QUARTERS = sorted(p.stem for p in (ROOT / "data" / "plans").glob("*.yaml"))
AS_OF = "2026-02-13"


def _old_path_json(label: str) -> str:
    text = (ROOT / "data" / "plans" / f"{label}.yaml").read_text(encoding="utf-8")
    plan = plan_from_model(PlanModel.model_validate(yaml.load(text, Loader=yaml.SafeLoader)))
    with open(ROOT / "data" / "checkins" / f"{label}.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    frame = pd.DataFrame(rows)
    frame["date"] = [dt.date.fromisoformat(d) for d in frame["date"]]
    for col in ("value", "confidence"):
        frame[col] = [float(v) if v != "" else None for v in frame[col]]
    for col in frame.columns.difference(["date", "value", "confidence"]):
        frame[col] = [v if v != "" else None for v in frame[col]]
    ck = validate_checkins(frame)
    card = score_plan(plan, ck, as_of=dt.date.fromisoformat(AS_OF))

    def records(frame: pd.DataFrame) -> list[dict]:
        return [{k: jsonable(v) for k, v in r.items()} for r in frame.to_dict("records")]

    out = {"period": card.period.label, "as_of": card.as_of.isoformat(),
           "overall": jsonable(card.overall), "key_results": records(card.key_results),
           "objectives": records(card.objectives)}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("label", QUARTERS)
def test_score_json_is_identical_to_the_plain_path(label: str) -> None:
    assert label.startswith("20")
    fast = subprocess.run(
        [sys.executable, "-m", "okrkit.cli", "score", str(ROOT / "data" / "plans" / f"{label}.yaml"),
         "--checkins", str(ROOT / "data" / "checkins" / f"{label}.csv"), "--as-of", AS_OF,
         "--format", "json"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    old = _old_path_json(label)
    assert json.loads(fast.stdout)["key_results"], "the scorecard has key results"
    assert _canonical(json.loads(fast.stdout)) == _canonical(json.loads(old))


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False).encode()
