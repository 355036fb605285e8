"""``okrkit pull`` end to end on real engines: the KR source stored, pulled, recorded."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from fixtures.warehouses import duckdb_file
from store_fixtures import fresh_pg_database, pg_base_url, sample_plan
from typer.testing import CliRunner

from okrkit.cli import app
from okrkit.pull import latest_pulled, provenance_of, pull
from okrkit.sources import Source
from okrkit.store import open_store

pytest_plugins = ["store_fixtures"]

AS_OF = dt.date(2026, 2, 13)
RATE = {"connection": "support", "note": "from the warehouse",
        "sql": "SELECT 100.0 * avg(ok) FROM tickets WHERE day <= :as_of"}
HISTORY = {"connection": "support",
           "sql": "SELECT day AS date, 100.0 - ok * 3 AS value FROM tickets "
                  "WHERE day BETWEEN :start AND :as_of AND day LIKE '%-_0'"}


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE tickets (day TEXT, ok INTEGER)")
    con.executemany("INSERT INTO tickets VALUES (?, ?)",
                    [((dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat(), int(i % 4 != 0))
                     for i in range(80)])
    con.commit()
    con.close()
    monkeypatch.setenv("OKRKIT_CONNECTION_SUPPORT", f"sqlite:///{path}")
    monkeypatch.setenv("JUPYTERHUB_USER", "puller")
    return path


def sourced_plan(**sources: dict | None):
    """The store fixtures' plan with sources on some key results (kr_id -> mapping)."""
    plan = sample_plan()
    krs = plan.key_results.copy()
    krs["source"] = [Source.parse(sources[k]) if sources.get(k) else None
                     for k in krs["kr_id"]]
    return plan.with_frames(key_results=krs)


def expected_rate(path: Path, day: dt.date) -> float:
    con = sqlite3.connect(path)
    return con.execute("SELECT 100.0 * avg(ok) FROM tickets WHERE day <= ?",
                       (day.isoformat(),)).fetchone()[0]


def test_source_round_trips_through_the_store(store, tmp_path) -> None:
    store.save_plan(sourced_plan(**{"VIS-1.1": RATE, "DAT-1.1": {"file": "d.csv"}}))
    back = store.load_plan("2026-Q1").key_results.set_index("kr_id")["source"]
    assert back["VIS-1.1"] == Source.parse(RATE)
    assert back["DAT-1.1"] == Source.parse({"file": "d.csv"})
    assert back["CO-1.1"] is None
    # backup and restore keep it
    store.backup(tmp_path / "b.jsonl")
    with open_store(f"sqlite:///{tmp_path / 'r.db'}") as other:
        other.restore(tmp_path / "b.jsonl")
        again = other.load_plan("2026-Q1").key_results.set_index("kr_id")["source"]
    assert again["VIS-1.1"] == Source.parse(RATE) and again["CO-1.1"] is None


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_export_keeps_the_source(tmp_path, fmt) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{"VIS-1.2": HISTORY}))
    out = tmp_path / f"plan.{fmt}"
    res = CliRunner().invoke(app, ["export", "--period", "2026-Q1", "--to", fmt, "--out",
                                   str(out), "--db", url])
    assert res.exit_code == 0, res.output
    from okrkit.plan import read_plan

    krs = read_plan(out).key_results  # YAML, or a flat CSV / XLSX table
    got = krs.set_index("kr_id")["source"]
    assert got["VIS-1.2"] == Source.parse(HISTORY) and got["VIS-1.1"] is None


def test_pull_records_with_provenance_and_is_idempotent(store, warehouse) -> None:
    store.save_plan(sourced_plan(**{"VIS-1.1": RATE, "VIS-1.2": HISTORY}))
    now = dt.datetime(2026, 2, 13, 9, 30)
    result = pull(store, "2026-Q1", as_of=AS_OF, now=now)
    assert not result.failed
    rows = store.checkins("2026-Q1", with_source=True)
    rate = rows[rows["kr_id"] == "VIS-1.1"]
    assert rate["value"].tolist() == [pytest.approx(expected_rate(warehouse, AS_OF))]
    assert rate["date"].tolist() == [AS_OF]
    assert rate["author"].tolist() == ["puller"] and rate["note"].tolist() == ["from the warehouse"]
    prov = provenance_of(rate["source"].iloc[0])
    assert prov is not None and prov["kind"] == "sql" and prov["connection"] == "support"
    assert prov["fetched_at"] == "2026-02-13T09:30:00" and len(prov["hash"]) == 16
    history = rows[rows["kr_id"] == "VIS-1.2"]
    assert history["date"].tolist() == [dt.date(2026, 1, 10), dt.date(2026, 1, 20),
                                        dt.date(2026, 1, 30), dt.date(2026, 2, 10)]
    assert result.added == 5
    # the same as_of again: nothing added
    again = pull(store, "2026-Q1", as_of=AS_OF)
    assert again.added == 0 and [p.unchanged for p in again.pulled] == [1, 4]
    assert len(store.checkins("2026-Q1", effective=False)) == 5
    # a changed value is a correction: a new row, the old one stays
    con = sqlite3.connect(warehouse)
    con.execute("UPDATE tickets SET ok = 1")
    con.commit()
    con.close()
    third = pull(store, "2026-Q1", as_of=AS_OF)
    assert third.added == 2  # VIS-1.1, and the one VIS-1.2 day (2026-02-10) that changed
    trail = store.checkins("2026-Q1", effective=False)
    assert len(trail) == 7
    latest = store.checkins("2026-Q1")
    assert latest.loc[latest["kr_id"] == "VIS-1.1", "value"].tolist() == [100.0]
    seen = latest_pulled(store.checkins("2026-Q1", with_source=True))
    assert seen["VIS-1.1"]["value"] == 100.0 and seen["VIS-1.2"]["date"] == dt.date(2026, 2, 10)


def test_team_pulls_only_its_own_key_results(store, warehouse) -> None:
    store.save_plan(sourced_plan(**{"CO-1.1": RATE, "VIS-1.1": RATE, "DAT-1.1": RATE}))
    result = pull(store, "2026-Q1", team="vision", as_of=AS_OF)
    assert [p.kr_id for p in result.pulled] == ["VIS-1.1"]
    assert store.checkins("2026-Q1")["kr_id"].tolist() == ["VIS-1.1"]


def test_dry_run_records_nothing(store, warehouse) -> None:
    store.save_plan(sourced_plan(**{"VIS-1.1": RATE}))
    result = pull(store, "2026-Q1", as_of=AS_OF, dry_run=True)
    assert result.added == 1 and len(store.checkins("2026-Q1")) == 0


def test_file_sources_over_csv_and_parquet(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "puller")
    frame = pd.DataFrame({"date": pd.to_datetime(["2026-01-09", "2026-02-06", "2026-03-27"]),
                          "value": [91.0, 93.5, 97.0]})
    frame.to_csv(tmp_path / "acc.csv", index=False)
    frame.assign(value=frame["value"] / 10).to_parquet(tmp_path / "fp.parquet")
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{
            "VIS-1.1": {"file": "acc.csv"},
            "VIS-1.2": {"file": "fp.parquet", "sql": "SELECT min(value) FROM data "
                                                     "WHERE date <= :as_of"}}))
        result = pull(s, "2026-Q1", as_of=AS_OF, base_dir=tmp_path)
        got = s.checkins("2026-Q1")
    assert not result.failed
    assert got[got["kr_id"] == "VIS-1.1"]["value"].tolist() == [91.0, 93.5]
    assert got[got["kr_id"] == "VIS-1.2"]["value"].tolist() == [9.1]
    assert {p.provenance["kind"] for p in result.pulled} == {"file"}


def cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_cli_partial_failure_exits_1_and_records_the_rest(tmp_path, warehouse) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{
            "VIS-1.1": RATE,
            "VIS-1.2": {"connection": "support", "sql": "SELECT count(*) FROM nowhere"},
            "CO-1.1": {"connection": "support", "sql": "DELETE FROM tickets"},
            "DAT-1.1": {"connection": "missing", "sql": "SELECT 1"}}))
    code, out = cli("pull", "--period", "2026-Q1", "--as-of", "2026-02-13", "--db", url)
    assert code == 1
    assert "failed VIS-1.2: no such table: nowhere" in out
    assert "failed CO-1.1: the source is read-only" in out
    assert "failed DAT-1.1: connection 'missing' is not configured" in out
    assert "1 check-in recorded from 1 of 4 sourced key results; 3 failed" in out
    assert "Traceback" not in out
    with open_store(url) as s:
        assert s.checkins("2026-Q1")["kr_id"].tolist() == ["VIS-1.1"]
    assert sqlite3.connect(warehouse).execute("SELECT count(*) FROM tickets").fetchone()[0] == 80


def test_cli_dry_run_and_bad_input(tmp_path, warehouse) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{"VIS-1.1": RATE}))
    code, out = cli("pull", "--period", "2026-Q1", "--as-of", "2026-02-13", "--dry-run",
                    "--db", url)
    assert code == 0 and "would record VIS-1.1 = 75 on 2026-02-13" in out
    assert "1 check-in would be recorded" in out
    for args, word in ((["--period", "2027-Q9"], "2027-Q9"),
                       (["--period", "2026-Q1", "--as-of", "2026-13-01"], "--as-of"),
                       (["--period", "2026-Q1", "--as-of", "2026-05-01"], "outside the period"),
                       (["--period", "2026-Q1", "--team", "nobody"], "nobody")):
        code, out = cli("pull", *args, "--db", url)
        assert code == 2 and word in out and "Traceback" not in out, (args, out)
    with open_store(url) as s:
        assert len(s.checkins("2026-Q1")) == 0


def test_slow_query_times_out(store, warehouse) -> None:
    slow = {"connection": "support", "timeout_s": 0.5, "sql":
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"}
    store.save_plan(sourced_plan(**{"VIS-1.1": slow, "VIS-1.2": RATE}))
    result = pull(store, "2026-Q1", as_of=AS_OF)
    assert [(f.kr_id, "longer than 0.5 s" in f.reason) for f in result.failed] == [
        ("VIS-1.1", True)]
    assert [p.kr_id for p in result.pulled] == ["VIS-1.2"]


@pytest.mark.postgres
def test_postgresql_warehouse(tmp_path, monkeypatch) -> None:
    import psycopg

    monkeypatch.setenv("JUPYTERHUB_USER", "puller")
    with fresh_pg_database(pg_base_url()) as wh:
        with psycopg.connect(wh.replace("postgresql+psycopg", "postgresql")) as con:
            con.execute("CREATE TABLE uptime (day date, pct float)")
            con.execute("INSERT INTO uptime VALUES ('2026-01-31', 99.1), ('2026-02-07', 99.4)")
        monkeypatch.setenv("OKRKIT_CONNECTION_OPS", wh)
        password = wh.split(":")[2].split("@")[0]
        url = f"sqlite:///{tmp_path / 's.db'}"
        with open_store(url) as s:
            s.save_plan(sourced_plan(**{
                "DAT-1.1": {"connection": "ops", "sql": "SELECT day AS date, pct AS value "
                                                        "FROM uptime"},
                "VIS-1.1": {"connection": "ops", "sql": "DELETE FROM uptime"},
                "VIS-1.2": {"connection": "ops", "timeout_s": 0.5,
                            "sql": "SELECT pg_sleep(5)"}}))
        code, out = cli("pull", "--period", "2026-Q1", "--as-of", "2026-02-13", "--db", url)
        assert code == 1
        assert "failed VIS-1.1: the source is read-only" in out
        assert "failed VIS-1.2: the query ran longer than 0.5 s" in out
        assert password not in out and "***" in out
        with open_store(url) as s:
            got = s.checkins("2026-Q1", with_source=True)
        assert got["value"].tolist() == [99.1, 99.4]
        assert json.loads(got["source"].iloc[0])["connection"] == "ops"
        with psycopg.connect(wh.replace("postgresql+psycopg", "postgresql")) as con:
            assert con.execute("SELECT count(*) FROM uptime").fetchone()[0] == 2


def test_relative_sqlite_path_in_a_connections_file(tmp_path, monkeypatch) -> None:
    from okrkit.sources import connection_url

    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "connections.yaml").write_text("wh: sqlite:///../wh.db\n")
    monkeypatch.setenv("OKRKIT_CONNECTIONS", str(tmp_path / "conf" / "connections.yaml"))
    monkeypatch.delenv("OKRKIT_CONNECTION_WH", raising=False)
    assert connection_url("wh") == f"sqlite:///{tmp_path / 'wh.db'}"


def test_score_shows_the_provenance_of_pulled_values(tmp_path, warehouse) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{"VIS-1.1": RATE}))
        pull(s, "2026-Q1", as_of=AS_OF, now=dt.datetime(2026, 2, 13, 6, 15))
        hash_ = provenance_of(s.checkins("2026-Q1", with_source=True)["source"].iloc[0])["hash"]
    code, out = cli("score", "2026-Q1", "--as-of", "2026-02-13", "--db", url)
    assert code == 0
    lines = [ln for ln in out.splitlines() if "pulled" in ln]
    assert lines == [f"VIS-1.1: pulled 75 on 2026-02-13 from sql 'support', fetched "
                     f"2026-02-13T06:15:00 (hash {hash_})"]
    code, out = cli("score", "2026-Q1", "--as-of", "2026-02-01", "--db", url)
    assert code == 0 and "pulled" not in out  # not yet pulled as of then


def test_python_and_duckdb_database_sources(tmp_path, monkeypatch) -> None:
    import duckdb

    monkeypatch.setenv("JUPYTERHUB_USER", "puller")
    path = tmp_path / "cx.duckdb"
    monkeypatch.setenv("OKRKIT_CONNECTION_CX", duckdb_file(
        path, "CREATE TABLE csat (day DATE, score DOUBLE)",
        "INSERT INTO csat VALUES ('2026-01-10', 91.5), ('2026-02-10', 92.5)"))
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as s:
        s.save_plan(sourced_plan(**{
            "VIS-1.1": {"connection": "cx", "sql": "SELECT day AS date, score AS value FROM csat "
                                                   "WHERE day BETWEEN :start AND :as_of"},
            "CO-1.1": {"python": "fixtures.metrics:history"},
            "DAT-1.1": {"python": "fixtures.metrics:broken"}}))
        result = pull(s, "2026-Q1", as_of=AS_OF)
        got = s.checkins("2026-Q1", with_source=True)
    assert [(f.kr_id, "warehouse said no" in f.reason) for f in result.failed] == [
        ("DAT-1.1", True)]
    by = {k: g["value"].tolist() for k, g in got.groupby("kr_id")}
    assert by == {"CO-1.1": [2.0, 3.0], "VIS-1.1": [91.5, 92.5]}
    kinds = {k: provenance_of(t)["kind"] for k, t in zip(got["kr_id"], got["source"],
                                                          strict=True)}
    assert kinds == {"CO-1.1": "python", "VIS-1.1": "sql"}
    assert duckdb.connect(str(path), read_only=True).execute(
        "SELECT count(*) FROM csat").fetchone()[0] == 2
