"""Fuzzing the edges: whatever a plan or check-in record holds, the only exception that
escapes is an OKRKitError with a message (never a KeyError, TypeError, ...)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrkit.checkins import parse_checkins_csv, validate_checkins
from okrkit.errors import OKRKitError
from okrkit.models import KeyResultModel, ObjectiveModel, PlanModel
from okrkit.plan import load_plan, parse_plan, read_plan
from okrkit.tables import flat_to_plan
from okrkit.workbook import read_flat

CORPUS = Path(__file__).parent / "corpus"
BASE = yaml.safe_load((CORPUS / "base.yaml").read_text())
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["85%", "x%", "", " ", "2026-01-09", "increase", "decrease", "nan", "1e309"]),
    st.dates().map(lambda d: d),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

FIELDS = {  # every key of the schema, plus one it does not have
    "plan": [*PlanModel.model_fields, "extra"],
    "objective": [*ObjectiveModel.model_fields, "targte"],
    "kr": [*KeyResultModel.model_fields, "bogus"],
}


def _expect_clean_failure(call) -> None:
    try:
        call()
    except OKRKitError as err:
        assert str(err).strip(), "an OKRKitError must carry a message"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=st.sampled_from(["plan", "objective", "kr"]),
    key=st.data(),
    value=values,
)
def test_mutated_plans_fail_cleanly(where: str, key: st.DataObject, value: object) -> None:
    data = json.loads(json.dumps(BASE, default=str))
    field = key.draw(st.sampled_from(FIELDS[where]))
    if where == "plan":
        target = data
    elif where == "objective":
        target = data["objectives"][key.draw(st.integers(0, 1))]
    else:
        target = data["objectives"][1]["key_results"][key.draw(st.integers(0, 1))]
    if key.draw(st.booleans()):
        target[field] = value
    else:
        target.pop(field, None)
    text = yaml.safe_dump(data, default_flow_style=False)
    _expect_clean_failure(lambda: parse_plan(text, source="fuzz.yaml"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_fails_cleanly(text: str) -> None:
    _expect_clean_failure(lambda: parse_plan(text, source="fuzz.yaml"))
    _expect_clean_failure(lambda: parse_checkins_csv(text, source="fuzz.csv"))


checkin_cells = st.one_of(scalars, st.sampled_from(["BOT-1.1", "BOT-1.2", "At Risk", "0.5"]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "kr_id": checkin_cells,
                "date": checkin_cells,
                "value": checkin_cells,
                "confidence": checkin_cells,
                "status": checkin_cells,
                "note": checkin_cells,
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_checkin_records_fail_cleanly(records: list[dict[str, object]]) -> None:
    plan = load_plan(CORPUS / "base.yaml")
    frame = pd.DataFrame(records, dtype=object)
    _expect_clean_failure(lambda: validate_checkins(frame, plan=plan, source="fuzz"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "period",
                    "objective_id",
                    "objective_title",
                    "kr_id",
                    "kr_title",
                    "direction",
                    "baseline",
                    "target",
                    "parent_id",
                    "milestones",
                    "due",
                ]
            ),
            scalars,
            max_size=8,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_flat_tables_fail_cleanly(rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows, dtype=object)
    _expect_clean_failure(lambda: flat_to_plan(frame, source="fuzz.csv"))


def test_corpus_is_all_clean_failures() -> None:
    plan = load_plan(CORPUS / "base.yaml")
    tried = 0
    for name in MANIFEST:
        path = CORPUS / name
        if name.endswith(".yaml"):
            _expect_clean_failure(lambda p=path: load_plan(p))
        else:
            _expect_clean_failure(
                lambda p=path: parse_checkins_csv(
                    p.read_bytes().decode("utf-8", "replace"), source=str(p), plan=plan
                )
            )
        tried += 1
    assert tried == len(MANIFEST) >= 20


cell_values = st.one_of(
    scalars.filter(lambda v: not (isinstance(v, float) and v != v)),
    st.sampled_from(["=1/0", "=A1", "1.10", "0x1F", "'=x", "\u202e", "2026-02-30", "yes"]),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
CELLS = [f"{c}{r}" for c in "ABCDEFGHIJKLMNO" for r in (2, 3, 4)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(CELLS), cell_values, max_size=4),
       st.sampled_from([None, "B3:B4", "C2:D2"]))
def test_spreadsheets_fail_cleanly(tmp_path_factory, cells: dict, merge: str | None) -> None:
    from adversarial_files import xlsx_flat
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    path = tmp_path_factory.mktemp("x") / "plan.xlsx"
    xlsx_flat(path, cells={k: (ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
                           for k, v in cells.items()}, merge=merge)
    _expect_clean_failure(lambda: read_flat(path))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_fail_cleanly_in_every_format(tmp_path_factory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("b")
    for suffix in (".yaml", ".csv", ".xlsx"):
        path = folder / f"plan{suffix}"
        path.write_bytes(data)
        _expect_clean_failure(lambda p=path: read_plan(p))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["&a ", "*a ", "[", "]", "{", "}", "<<: ", "- ", "x: ", "\n  ",
                                 "!!python/object:os.system ", "!!binary ", "1e309 ", ", "]),
                max_size=30))
def test_yaml_structure_fuzz_fails_cleanly(parts: list[str]) -> None:
    _expect_clean_failure(lambda: parse_plan("period: 2026-Q1\nobjectives: " + "".join(parts)))
