"""The scheduling files of ``okrkit pull``: the cron line and the Airflow DAG run the right command."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import shlex
import subprocess
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
DAG_FILE = ROOT / "deploy" / "airflow" / "okrkit_pull_dag.py"
CRON_FILE = ROOT / "deploy" / "cron" / "okrkit-pull.cron"


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level string constants (f-strings with their names filled in)."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            parts: list[str] = []
            pieces = value.values if isinstance(value, ast.JoinedStr) else [value]
            for p in pieces:
                if isinstance(p, ast.Constant) and isinstance(p.value, str):
                    parts.append(p.value)
                elif isinstance(p, ast.FormattedValue) and isinstance(p.value, ast.Name):
                    parts.append(out.get(p.value.id, "/srv/okrkit"))
                else:
                    break
            else:
                out[node.targets[0].id] = "".join(parts)
    return out


def test_the_dag_runs_okrkit_pull_for_the_quarter_of_the_run() -> None:
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    command = _constants(tree)["COMMAND"]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "id", None) == "BashOperator"]
    assert len(calls) == 1
    kwargs = {k.arg: k.value for k in calls[0].keywords}
    assert isinstance(kwargs["bash_command"], ast.Name) and kwargs["bash_command"].id == "COMMAND"
    for day, period in ((dt.datetime(2026, 2, 13), "2026-Q1"), (dt.datetime(2026, 3, 31),
                        "2026-Q1"), (dt.datetime(2026, 4, 1), "2026-Q2"),
                        (dt.datetime(2026, 12, 1), "2026-Q4")):
        text = jinja2.Template(command).render(logical_date=day, ds=day.date().isoformat())
        cd, _, run = text.partition(" && ")
        assert cd == "cd /srv/okrkit"
        assert shlex.split(run) == [".venv/bin/okrkit", "pull", "--period", period,
                                    "--as-of", day.date().isoformat()]
    if importlib.util.find_spec("airflow") is not None:  # where Airflow is installed
        spec = importlib.util.spec_from_file_location("okrkit_pull_dag", DAG_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.dag.task_dict["okrkit_pull"].bash_command == command


def test_the_cron_line_runs_okrkit_pull_for_the_current_quarter() -> None:
    lines = [ln for ln in CRON_FILE.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]]
    assert len(lines) == 1
    fields = lines[0].split(None, 6)
    assert fields[:5] == ["15", "6", "*", "*", "1-5"] and fields[5] == "okrkit"
    command = fields[6].replace("\\%", "%")  # cron turns \% into %
    assert command.startswith("cd /srv/okrkit && .venv/bin/okrkit pull --period ")
    period_expr = shlex.split(command.split("--period ", 1)[1])[0]
    for month, quarter in ((1, 1), (3, 1), (4, 2), (9, 3), (12, 4)):
        fake = f'date() {{ case "$1" in +%Y) echo 2026;; +%-m) echo {month};; esac; }}; '
        got = subprocess.run(["bash", "-c", fake + f'echo "{period_expr}"'],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert got == f"2026-Q{quarter}"
