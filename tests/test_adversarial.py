"""The adversarial suite: hostile and broken inputs through the real CLI, table-driven.

Every case lives in a YAML file under ``tests/corpus/adversarial/`` (one file per area:
``plans.yaml``, ``checkins.yaml``, ``store.yaml``, ``paths.yaml``, ``cli.yaml``, ...) as a
list of mappings::

    - id: plan-target-infinite           # unique across all files
      class: numbers                     # numbers, ids, paths, restore, time, resources,
                                         # spreadsheets, secrets, environment, other
      files:                             # written into the case folder first
        plan.yaml: |                     # text ...
          period: 2026-Q1
        big.xlsx: {make: xlsx_rows, rows: 2000000}   # ... or a maker in adversarial_files.py
      store: sample                      # empty (default) or sample: the sample quarter loaded
      run: [score, "{dir}/plan.yaml"]    # okrkit arguments; {dir} is the case folder,
                                         # {db} the store URL (``--db {db}`` is appended to
                                         # verbs that take it unless the case says db: false)
      expect:
        exit: 2                          # the exit status
        contains: [plan.yaml, target]    # words the output (stdout + stderr) must contain
        store_unchanged: true            # default: true whenever exit != 0
        writes: ["{dir}/out"]            # the only places files may appear (default: none)

Each case also asserts, always: no traceback, no raw control character in the output, and
no file written anywhere in the case folder outside ``writes`` (the store files excepted).
The counts (tried, handled cleanly) are printed at the end with the reliability figures.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import adversarial_files
import pytest
import yaml
from store_fixtures import LEDGER
from typer.testing import CliRunner

from okrkit.cli import app

HERE = Path(__file__).parent / "corpus" / "adversarial"
CLASSES = {"numbers", "ids", "paths", "restore", "time", "resources", "spreadsheets",
           "secrets", "environment", "other"}
NO_DB = {"lint", "lab", "workshop"}  # verbs without --db
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cases() -> list[Any]:
    out, seen = [], set()
    for path in sorted(HERE.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cid = case["id"]
            assert cid not in seen, f"duplicate adversarial case id {cid}"
            assert case.get("class") in CLASSES, f"{cid}: class must be one of {CLASSES}"
            seen.add(cid)
            out.append(pytest.param(case, id=cid))
    return out


CASES = _cases()


def _fill(value: Any, ctx: dict[str, str]) -> Any:
    if isinstance(value, str):
        for k, v in ctx.items():
            value = value.replace("{" + k + "}", v)
        return value
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    return value


def _store_digest(path: Path) -> str:
    if not path.exists():
        return "absent"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for line in con.iterdump():
            h.update(line.encode())
        return h.hexdigest()
    finally:
        con.close()


def _tree(folder: Path, skip: set[Path]) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and p not in skip}


@pytest.fixture(scope="module")
def sample_copy(sample_db: Path) -> Path:
    return sample_db


@pytest.mark.parametrize("case", CASES)
def test_adversarial(case: dict[str, Any], tmp_path: Path, sample_copy: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    LEDGER["adversarial cases tried"] += 1
    work = tmp_path / "case"
    work.mkdir()
    store = tmp_path / "store" / "okr.db"
    store.parent.mkdir()
    if case.get("store") == "sample":
        shutil.copy(sample_copy, store)
    ctx = {"dir": str(work), "db": f"sqlite:///{store}"}
    for name, spec in (case.get("files") or {}).items():
        target = work / _fill(name, ctx)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, dict):
            adversarial_files.make(target, **spec)
        elif isinstance(spec, bytes):
            target.write_bytes(spec)
        else:
            target.write_text(_fill(str(spec), ctx), encoding="utf-8")
    args = [str(a) for a in _fill(case["run"], ctx)]
    if case.get("db", True) and args[0] not in NO_DB and "--db" not in args:
        args += ["--db", ctx["db"]]
    expect = case.get("expect") or {}
    before_store = _store_digest(store)
    before_files = _tree(work, set())
    monkeypatch.chdir(work)
    env = dict(case.get("env") or {})
    for k, v in env.items():
        monkeypatch.setenv(k, _fill(str(v), ctx))
    if case.get("subprocess"):
        argv = [sys.executable, "-m", "okrkit.cli", *args]
        run_env = dict(os.environ, **{k: _fill(str(v), ctx) for k, v in env.items()})
        raw = [a.encode("utf-8", "surrogateescape") for a in argv]
        proc = subprocess.run(raw, capture_output=True, env=run_env, cwd=work, timeout=120)
        code = proc.returncode
        out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        crashed = "Traceback (most recent call last)" in out
    else:
        result = CliRunner().invoke(app, args)
        code = result.exit_code
        out = result.stdout + result.stderr
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if crashed:
            import traceback

            out += "".join(traceback.format_exception(result.exception))
    assert not crashed, f"a traceback escaped:\n{out}"
    assert "Traceback (most recent call last)" not in out, out
    assert not _RAW_CONTROL.search(out), f"raw control character in the output: {out!r}"
    assert code == expect.get("exit", 2), f"exit {code}, expected {expect.get('exit', 2)}:\n{out}"
    low = out.lower()
    for word in expect.get("contains", []):
        assert str(_fill(word, ctx)).lower() in low, f"{word!r} not in the output:\n{out}"
    for word in expect.get("not_contains", []):
        assert str(_fill(word, ctx)).lower() not in low, f"{word!r} in the output:\n{out}"
    if expect.get("store_unchanged", code != 0):
        assert _store_digest(store) == before_store, "the store changed"
    allowed = [Path(_fill(w, ctx)) for w in expect.get("writes", [])]
    new = _tree(work, before_files) - before_files
    stray = [p for p in new if not any(p == a or a in p.parents for a in allowed)]
    assert not stray, f"files written outside the target: {stray}"
    for p in (tmp_path,):
        outside = [q for q in p.iterdir() if q.name not in ("case", "store")]
        assert not outside, f"files written outside the case folder: {outside}"
    LEDGER["adversarial cases handled cleanly"] += 1


def test_adversarial_counts() -> None:
    """At least 100 cases, covering every class of the hardening issue."""
    classes = Counter(c.values[0]["class"] for c in CASES)
    assert len(CASES) >= 100, f"only {len(CASES)} adversarial cases"
    missing = CLASSES - {"other"} - set(classes)
    assert not missing, f"no adversarial case of class {missing}"

