"""KR sources on real engines: SQLite, DuckDB (duckdb-engine), CSV/Parquet, PostgreSQL, Python."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from fixtures.warehouses import duckdb_file
from store_fixtures import fresh_pg_database, pg_base_url

from okrkit.period import Period
from okrkit.sources import Source, SourceError, connection_url, env_name, fingerprint, run

Q1 = Period.parse("2026-Q1")
AS_OF = dt.date(2026, 2, 13)
KR = {"kr_id": "BOT-1.3", "title": "Resolve 70%", "unit": "%"}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE conversations (day TEXT, resolved INTEGER)")
    rows = [(f"2026-01-{d:02d}", int(d % 3 != 0)) for d in range(1, 29)]
    rows += [(f"2026-02-{d:02d}", 1) for d in range(1, 28)]
    con.executemany("INSERT INTO conversations VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return path


def test_sql_scalar_with_bound_parameters(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("OKRKIT_CONNECTION_SUPPORT", f"sqlite:///{warehouse}")
    src = Source.parse({"connection": "support",
                        "sql": "SELECT 100.0 * avg(resolved) FROM conversations "
                               "WHERE day <= :as_of"})
    got = run(src, KR, Q1, AS_OF)
    con = sqlite3.connect(warehouse)
    want = con.execute("SELECT 100.0 * avg(resolved) FROM conversations WHERE day <= ?",
                       ("2026-02-13",)).fetchone()[0]
    assert got.to_dict("records") == [{"date": AS_OF, "value": pytest.approx(want)}]


def test_sql_history_keeps_the_period(warehouse, monkeypatch) -> None:
    monkeypatch.setenv(env_name("support"), f"sqlite:///{warehouse}")
    src = Source.parse({"connection": "support",
                        "sql": "SELECT day AS date, 100.0 * resolved AS value FROM conversations "
                               "WHERE day BETWEEN :start AND :as_of"})
    got = run(src, KR, Q1, AS_OF)
    assert len(got) == 28 + 13 and got["date"].max() == AS_OF


def test_writes_are_refused_and_the_source_unchanged(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("OKRKIT_CONNECTION_SUPPORT", f"sqlite:///{warehouse}")
    src = Source.parse({"connection": "support", "sql": "DELETE FROM conversations"})
    with pytest.raises(SourceError, match="read-only"):
        run(src, KR, Q1, AS_OF)
    n = sqlite3.connect(warehouse).execute("SELECT count(*) FROM conversations").fetchone()[0]
    assert n == 55


def test_sqlite_timeout_on_a_recursive_query(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("OKRKIT_CONNECTION_SUPPORT", f"sqlite:///{warehouse}")
    src = Source.parse({"connection": "support", "timeout_s": 0.5, "sql":
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                        "SELECT max(x) FROM c"})
    with pytest.raises(SourceError, match=r"longer than 0\.5 s"):
        run(src, KR, Q1, AS_OF)


def test_missing_connection_and_bad_query(warehouse, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("OKRKIT_CONNECTIONS", str(tmp_path / "none.yaml"))
    src = Source.parse({"connection": "nowhere", "sql": "SELECT 1"})
    with pytest.raises(SourceError, match="OKRKIT_CONNECTION_NOWHERE"):
        run(src, KR, Q1, AS_OF)
    monkeypatch.setenv("OKRKIT_CONNECTION_SUPPORT", f"sqlite:///{warehouse}")
    with pytest.raises(SourceError, match="no such table: tickets"):
        run(Source.parse({"connection": "support", "sql": "SELECT count(*) FROM tickets"}),
            KR, Q1, AS_OF)


def test_connections_file(warehouse, monkeypatch, tmp_path) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(f"support: sqlite:///{warehouse}\n")
    monkeypatch.setenv("OKRKIT_CONNECTIONS", str(path))
    monkeypatch.delenv("OKRKIT_CONNECTION_SUPPORT", raising=False)
    assert connection_url("support") == f"sqlite:///{warehouse}"


def test_duckdb_database_read_only(tmp_path, monkeypatch) -> None:
    import duckdb

    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("OKRKIT_CONNECTION_CX", duckdb_file(
        path, "CREATE TABLE csat (day DATE, score DOUBLE)",
        "INSERT INTO csat VALUES ('2026-01-10', 71), ('2026-02-10', 78)"))
    got = run(Source.parse({"connection": "cx", "sql": "SELECT day AS date, score AS value "
                                                      "FROM csat WHERE day <= :as_of"}),
              KR, Q1, AS_OF)
    assert got["value"].tolist() == [71.0, 78.0]
    with pytest.raises(SourceError, match="read-only"):
        run(Source.parse({"connection": "cx", "sql": "DELETE FROM csat"}), KR, Q1, AS_OF)
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM csat").fetchone()[0] == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_sources(tmp_path, suffix) -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2026-01-09", "2026-01-16", "2026-03-20"]),
                          "value": [61.0, 64.5, 90.0]})
    path = tmp_path / f"csat{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    src = Source.parse({"file": path.name})
    got = run(src, KR, Q1, AS_OF, base_dir=tmp_path)  # relative to the plan's folder
    assert got["value"].tolist() == [61.0, 64.5]  # 2026-03-20 is after as_of
    agg = Source.parse({"file": path.name, "sql": "SELECT max(value) FROM data "
                                                  "WHERE date <= :as_of"})
    assert run(agg, KR, Q1, AS_OF, base_dir=tmp_path)["value"].tolist() == [64.5]


def test_file_source_cannot_reach_other_files(tmp_path) -> None:
    (tmp_path / "a.csv").write_text("date,value\n2026-01-09,1\n")
    (tmp_path / "secret.csv").write_text("date,value\n2026-01-09,99\n")
    for sql in ("SELECT * FROM read_csv_auto('secret.csv')",
                f"COPY data TO '{tmp_path / 'out.csv'}'", "SET enable_external_access = true"):
        with pytest.raises(SourceError, match=r"BOT-1\.3: .*(disabled|locked)"):
            run(Source.parse({"file": "a.csv", "sql": sql}), KR, Q1, AS_OF, base_dir=tmp_path)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.postgres
def test_postgresql_source_read_only_and_timeout(monkeypatch) -> None:
    import psycopg

    with fresh_pg_database(pg_base_url()) as url:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
            con.execute("CREATE TABLE uptime (day date, pct float)")
            con.execute("INSERT INTO uptime VALUES ('2026-01-31', 99.93), ('2026-02-07', 99.97)")
        monkeypatch.setenv("OKRKIT_CONNECTION_OPS", url)
        got = run(Source.parse({"connection": "ops", "sql": "SELECT day AS date, pct AS value "
                                                           "FROM uptime"}), KR, Q1, AS_OF)
        assert got["value"].tolist() == [99.93, 99.97]
        with pytest.raises(SourceError) as err:
            run(Source.parse({"connection": "ops", "sql": "DELETE FROM uptime"}), KR, Q1, AS_OF)
        assert "read-only" in str(err.value)
        password = url.split(":")[2].split("@")[0]
        assert password not in str(err.value) and "***" in str(err.value)
        with pytest.raises(SourceError, match=r"longer than 0\.5 s"):
            run(Source.parse({"connection": "ops", "timeout_s": 0.5,
                              "sql": "SELECT pg_sleep(5)"}), KR, Q1, AS_OF)
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
            assert con.execute("SELECT count(*) FROM uptime").fetchone()[0] == 2


def test_python_sources() -> None:
    assert run(Source.parse({"python": "fixtures.metrics:constant"}), KR, Q1, AS_OF)[
        "value"].tolist() == [42.5]
    assert run(Source.parse({"python": "fixtures.metrics:history"}), KR, Q1, AS_OF)[
        "value"].tolist() == [2.0, 3.0]
    with pytest.raises(SourceError, match="warehouse said no"):
        run(Source.parse({"python": "fixtures.metrics:broken"}), KR, Q1, AS_OF)
    with pytest.raises(SourceError, match=r"within 0\.3 s"):
        run(Source.parse({"python": "fixtures.metrics:slow", "timeout_s": 0.3}), KR, Q1, AS_OF)


@pytest.mark.parametrize(("spec", "word"), [
    ({}, "needs connection"), ({"connection": "x"}, "needs sql"),
    ({"python": "not a ref"}, "package.module:function"), ({"sql": "SELECT 1", "table": "t"},
                                                            "unknown source key 'table'"),
    ({"connection": "x", "sql": "SELECT 1", "timeout_s": float("inf")}, "timeout_s"),
    ({"file": "a.csv", "connection": "x"}, "no connection"),
])
def test_bad_source_specs(spec, word) -> None:
    with pytest.raises(ValueError, match=word):
        Source.parse(spec)


def test_fingerprint_follows_what_runs(tmp_path) -> None:
    a = Source.parse({"connection": "x", "sql": "SELECT 1"})
    b = Source.parse({"connection": "x", "sql": "SELECT 2"})
    assert fingerprint(a) != fingerprint(b) and len(fingerprint(a)) == 16
    (tmp_path / "d.csv").write_text("date,value\n2026-01-09,1\n")
    f = Source.parse({"file": "d.csv"})
    before = fingerprint(f, tmp_path)
    (tmp_path / "d.csv").write_text("date,value\n2026-01-09,2\n")
    assert fingerprint(f, tmp_path) != before
