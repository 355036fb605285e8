"""The plan verbs (``okrkit/cli/plans.py``): score by team, lint as JSON, workbook import."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from okrkit.cli import app
from okrkit.plan import read_plan
from okrkit.store import open_store

DATA = Path(__file__).resolve().parent.parent / "data"
PLAN = str(DATA / "plans" / "2026-Q1.yaml")
CHECKINS = str(DATA / "checkins" / "2026-Q1.csv")
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_score_one_team_of_a_plan_file_with_everyones_checkins() -> None:
    code, out, err = run("score", PLAN, "--checkins", CHECKINS, "--team", "vision",
                         "--as-of", "2026-02-13", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    krs = data["key_results"]
    vision = read_plan(PLAN).for_team("vision")
    assert [k["kr_id"] for k in krs] == vision.key_results["kr_id"].tolist()
    assert {k["team"] for k in krs} == {"vision"}
    assert sum(k["checkins"] for k in krs) > 0  # the vision rows of the CSV count
    assert all(k["value"] is not None for k in krs if k["checkins"])


@pytest.mark.parametrize("where", ["file", "store"])
def test_an_unknown_team_exits_2_naming_the_teams(where: str, sample_url: str) -> None:
    plan = PLAN if where == "file" else "2026-Q1"
    code, out, err = run("score", plan, "--team", "nosuch", "--db", sample_url)
    assert code == 2 and out == ""
    assert "team 'nosuch' owns no objective" in err
    assert "chatbot" in err and "vision" in err


def test_score_one_team_from_the_store(sample_url: str) -> None:
    code, out, err = run("score", "2026-Q1", "--team", "chatbot", "--as-of", "2026-02-13",
                         "--format", "json", "--db", sample_url)
    assert code == 0, err
    teams = {k["team"] for k in json.loads(out)["key_results"]}
    assert teams == {"chatbot"}


def test_as_of_before_the_period_gives_a_notice_and_still_scores() -> None:
    code, out, err = run("score", PLAN, "--checkins", CHECKINS, "--as-of", "2025-12-01",
                         "--format", "json")
    assert code == 0
    assert err.strip() == ("note: --as-of 2025-12-01 is before 2026-Q1 starts (2026-01-01): no "
                           "check-in counts yet and nothing is expected; scores are 0")
    data = json.loads(out)
    assert data["as_of"] == "2025-12-01"
    assert {k["score"] for k in data["key_results"]} == {0.0}
    # inside the period: no notice
    code, _, err = run("score", PLAN, "--as-of", "2026-01-01", "--format", "json")
    assert code == 0 and err == ""


def test_lint_json_lists_findings(tmp_path: Path) -> None:
    plan = tmp_path / "p.yaml"
    plan.write_text("period: 2026-Q1\nobjectives:\n  - id: A\n    title: Delight customers\n"
                    "    team: bot\n    key_results:\n      - {id: A.1, title: Deploy chatbot, "
                    "direction: increase, baseline: 0, target: 1}\n")
    code, out, _ = run("lint", str(plan), "--format", "json")
    assert code == 1  # the unit is missing: an error
    findings = json.loads(out)
    assert all(list(f) == ["code", "severity", "objective_id", "kr_id", "field", "message"]
               for f in findings)
    by_code = {f["code"]: f for f in findings}
    assert by_code["activity"] == {**by_code["activity"], "severity": "warning",
                                   "objective_id": "A", "kr_id": "A.1", "field": "title"}
    assert by_code["not-measurable"]["severity"] == "error"
    assert by_code["not-measurable"]["field"] == "unit"
    code, out, _ = run("lint", str(plan), "--format", "yaml")
    assert code == 2 and out == ""


def test_import_of_a_workbook_stores_its_checkins_too(sample_url: str, tmp_path: Path) -> None:
    book = tmp_path / "okr.xlsx"
    code, _, err = run("export", "--period", "2026-Q1", "--to", "xlsx", "--out", str(book),
                       "--db", sample_url)
    assert code == 0, err
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    with open_store(sample_url) as store:
        stored = store.checkins(period="2026-Q1", effective=False)
    code, out, err = run("import", str(book), "--db", fresh)
    assert code == 0, err
    assert "check-ins added from the checkins sheet" in out
    with open_store(fresh) as store:
        again = store.checkins(period="2026-Q1", effective=False)
        assert len(again) == len(stored) > 0
        assert store.periods() == ["2026-Q1"]
        assert not again["value"].isna().any()
        assert sorted(again["recorded_at"]) == sorted(stored["recorded_at"])


def test_a_bad_checkins_sheet_imports_nothing(sample_url: str, tmp_path: Path) -> None:
    book = tmp_path / "okr.xlsx"
    run("export", "--period", "2026-Q1", "--to", "xlsx", "--out", str(book), "--db", sample_url)
    wb = openpyxl.load_workbook(book)
    ws = wb["checkins"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("value") + 1).value = "lots"
    wb.save(book)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, err = run("import", str(book), "--db", fresh)
    assert code == 2 and "saved" not in out
    assert "sheet 'checkins'" in err and "row 3" in err and "value" in err
    with open_store(fresh) as store:
        assert store.periods() == []
