"""Charts: specs with the right encodings, SVG with no network and no script."""

from __future__ import annotations

import datetime as dt
import re
import sys

import altair as alt
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import checkins_frame

from okrkit import charts
from okrkit.errors import MissingDependencyError
from okrkit.frames import empty
from okrkit.plan import parse_plan
from okrkit.scoring import score

PLAN = """period: 2026-Q1
objectives:
  - {id: CS-1, title: Transform service, level: business_unit, team: service}
  - id: BOT-1
    title: "<script>alert(1)</script> Delight customers"
    parent: CS-1
    team: chatbot
    key_results:
      - {id: BOT-1.1, title: "Reach <b>90%</b> CSAT", unit: "%", direction: increase,
         baseline: 60, target: 90}
      - {id: BOT-1.2, title: Cut handling time, unit: min, direction: decrease,
         baseline: 8, target: 2}
  - id: CC-1
    title: Faster contact centre
    parent: CS-1
    team: contact-centre
    key_results:
      - {id: CC-1.1, title: Uptime, unit: "%", direction: at_least, target: 99.9}
"""


@pytest.fixture
def card_and_checkins():
    plan = parse_plan(PLAN)
    ck = checkins_frame([("BOT-1.1", "2026-01-16", 66, 0.8), ("BOT-1.1", "2026-02-13", 75, 0.7),
                         ("BOT-1.2", "2026-02-13", 5, 0.4, "At Risk"),
                         ("CC-1.1", "2026-02-06", 99.95, 0.9)])
    return plan, score(plan, ck, as_of="2026-02-13"), ck


def weeks(objectives):
    """A scorecard's objectives as one week of :func:`okrkit.insights.weekly_scores`."""
    return None if objectives is None else objectives.assign(date=dt.date(2026, 2, 13))


def external_urls(svg: str) -> list[str]:
    urls = re.findall(r"https?://[^\s\"'<>)]+", svg)
    return [u for u in urls if not u.startswith("http://www.w3.org/")]


def test_every_chart_renders_offline_svg(card_and_checkins) -> None:
    plan, card, ck = card_and_checkins
    made = [charts.kr_progress_chart(card.key_results),
            charts.burnup_chart(card.key_results, ck, plan.period, card.as_of),
            charts.checkin_timeline(ck, card.key_results),
            charts.score_distribution(card.key_results),
            charts.score_weeks(weeks(card.objectives)),
            charts.calibration_chart(card.calibration("team"))]
    for chart in made:
        svg = charts.to_svg(chart)
        assert svg.lstrip().startswith("<svg")
        assert "<script" not in svg.lower()
        assert external_urls(svg) == []
    assert "BOT-1.1" in charts.to_svg(made[0]) and "CC-1.1" in charts.to_svg(made[0])


def test_progress_chart_spec(card_and_checkins) -> None:
    _, card, _ = card_and_checkins
    spec = charts.kr_progress_chart(card.key_results).to_dict()
    bars, ticks, target = spec["layer"]
    assert target["mark"]["type"] == "rule"
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["x"]["field"] == "score"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["red", "yellow", "green"]
    assert ticks["encoding"]["x"]["field"] == "expected"
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [round(v["score"], 4) for v in values] == [0.5, 0.5, 1.0]


def test_user_text_is_escaped_in_svg(card_and_checkins) -> None:
    _, card, _ = card_and_checkins
    svg = charts.to_svg(charts.kr_progress_chart(card.key_results))
    assert "&lt;b&gt;90%&lt;/b&gt;" in svg and "<b>" not in svg
    heat = charts.to_svg(charts.score_weeks(weeks(card.objectives)))
    assert "<script>" not in heat


def test_empty_inputs_give_a_no_data_chart(card_and_checkins) -> None:
    plan, card, _ = card_and_checkins
    empty_krs = card.key_results.iloc[0:0]
    empty_ck = pd.DataFrame(columns=["kr_id", "date", "value", "confidence", "status"])
    for chart in (charts.kr_progress_chart(empty_krs),
                  charts.burnup_chart(empty_krs, empty_ck, plan.period, card.as_of),
                  charts.checkin_timeline(empty_ck),
                  charts.score_distribution(empty_krs),
                  charts.score_weeks(weeks(card.objectives.iloc[0:0])),
                  charts.calibration_chart(card.calibration("team").iloc[0:0])):
        svg = charts.to_svg(chart)
        assert "no " in svg


def test_inputs_not_mutated(card_and_checkins) -> None:
    plan, card, ck = card_and_checkins
    before = (card.key_results.copy(), card.objectives.copy(), ck.copy())
    charts.kr_progress_chart(card.key_results)
    charts.burnup_chart(card.key_results, ck, plan.period, card.as_of)
    charts.checkin_timeline(ck, card.key_results)
    charts.score_weeks(weeks(card.objectives))
    pd.testing.assert_frame_equal(card.key_results, before[0])
    pd.testing.assert_frame_equal(card.objectives, before[1])
    pd.testing.assert_frame_equal(ck, before[2])


def test_show_never_uses_the_cdn_renderer(card_and_checkins) -> None:
    _, card, _ = card_and_checkins
    out = charts.show(charts.kr_progress_chart(card.key_results))
    assert out.data.startswith('<figure class="okr-chart"><svg')
    interactive = charts.show(charts.kr_progress_chart(card.key_results), mode="offline")
    assert type(interactive).__name__ == "JupyterChart"


# ------------------------------------------------------------------ builder details
INJECT = "<script>alert(1)</script>"
FULL_PLAN = f"""period: 2026-Q1
objectives:
  - {{id: CO-1, title: Grow the business, level: company, team: exec, owner: CEO,
     kind: aspirational}}
  - id: SAL-1
    title: Win more customers
    parent: CO-1
    team: sales
    owner: Head of Sales
    kind: committed
    key_results:
      - {{id: SAL-1.1, title: Grow new ARR, unit: kEUR, direction: increase,
         baseline: 100, target: 200}}
      - {{id: SAL-1.2, title: Cut churn, unit: "%", direction: decrease, baseline: 10,
         target: 5}}
  - id: ENG-1
    title: "{INJECT}"
    parent: CO-1
    team: engineering
    owner: CTO
    key_results:
      - {{id: ENG-1.1, title: "{INJECT}", unit: "%", direction: at_least,
         baseline: 0, target: 99.9}}
      - {{id: ENG-1.2, title: Ship the new pipeline, unit: launches, direction: milestone,
         baseline: 0, target: 1}}
"""
AS_OF = dt.date(2026, 2, 13)
KR_IDS = ["SAL-1.1", "SAL-1.2", "ENG-1.1", "ENG-1.2"]


@pytest.fixture(scope="module")
def plan():
    return parse_plan(FULL_PLAN)


@pytest.fixture(scope="module")
def checkins():
    return checkins_frame([
        ("SAL-1.1", "2026-01-15", 120, 0.8, "In Progress"),
        ("SAL-1.1", "2026-02-01", 150, 0.7, "In Progress"),
        ("SAL-1.1", "2026-03-01", 190, 0.9, "In Progress"),  # after as_of: not plotted
        ("SAL-1.2", "2026-01-20", 9, 0.3, "At Risk"),
        ("ENG-1.1", "2026-01-31", 99.95, 0.9),  # no status reported
        ("ENG-1.1", "2026-02-07", 99.5),  # no confidence
        ("ENG-1.2", "2026-02-10", 1, 1.0, "Complete"),
    ])


@pytest.fixture(scope="module")
def card(plan, checkins):
    return score(plan, checkins, as_of=AS_OF)


def _all_builders(card, checkins):
    return {
        "kr_progress": charts.kr_progress_chart(card.key_results),
        "burnup": charts.burnup_chart(card.key_results, checkins, card.period, card.as_of),
        "timeline": charts.checkin_timeline(checkins, card.key_results),
        "distribution": charts.score_distribution(card.key_results),
        "heatmap": charts.score_weeks(weeks(card.objectives)),
        "calibration": charts.calibration_chart(card.calibration(by="team")),
    }


def _assert_standalone(svg: str) -> None:
    assert svg.lstrip().startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<script" not in svg.lower()
    urls = re.findall(r"https?://[^\s\"'<>)]+", svg)
    assert all(u.startswith("http://www.w3.org/") for u in urls), urls
    assert "href=" not in svg.replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "<image" not in svg and "@import" not in svg and "url(http" not in svg


def _datasets(chart) -> list[dict]:
    """All inline data rows anywhere in a chart spec (``datasets`` or ``data.values``)."""
    rows: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "values" and isinstance(value, list) and value and \
                        all(isinstance(v, dict) for v in value):
                    rows.extend(value)
                elif key == "datasets" and isinstance(value, dict):
                    for values in value.values():
                        rows.extend(values)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(chart.to_dict())
    return rows


def test_every_chart_renders_standalone_svg(card, checkins) -> None:
    svgs = {name: charts.to_svg(c) for name, c in _all_builders(card, checkins).items()}
    for name, svg in svgs.items():
        _assert_standalone(svg)
        assert len(svg) > 1000, name
    for kid in KR_IDS:
        assert kid in svgs["kr_progress"]
        assert kid in svgs["burnup"]
        assert kid in svgs["timeline"]
    assert "Grow new ARR" in svgs["kr_progress"]
    for oid in ("SAL-1", "ENG-1", "CO-1"):
        assert oid in svgs["heatmap"]
    for team in ("sales", "engineering", "exec"):
        assert team in svgs["heatmap"]
        assert team in svgs["calibration"]
    assert "0.70" in svgs["heatmap"] or re.search(r">\d\.\d\d<", svgs["heatmap"])
    assert "Distribution of score" in svgs["distribution"]


def test_user_text_is_escaped_not_executed(card, checkins) -> None:
    krs = card.key_results
    assert INJECT in set(krs["title"])
    for chart in (charts.kr_progress_chart(krs),
                  charts.burnup_chart(krs, checkins, card.period, card.as_of)):
        svg = charts.to_svg(chart)
        assert "<script" not in svg.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    html = charts.svg_html(charts.kr_progress_chart(krs))
    assert html.startswith('<figure class="okr-chart"><svg')
    assert html.endswith("</figure>")
    assert "<script" not in html.lower()


def test_injection_in_ids_teams_and_column_names_is_escaped() -> None:
    objectives = pd.DataFrame({"objective_id": [INJECT], "team": [INJECT], "title": ["x"],
                               "score": [0.5]})
    cal = pd.DataFrame({"group": [INJECT], "n": [1], "mean": [0.5], "verdict": ["below"],
                        "committed_misses": [""]})
    scores = pd.DataFrame({INJECT: [0.1, 0.5]})
    ck = checkins_frame([(INJECT, "2026-01-10", 1.0, 0.5, "In Progress")])
    for chart in (charts.score_weeks(weeks(objectives)), charts.calibration_chart(cal),
                  charts.score_distribution(scores, column=INJECT),
                  charts.checkin_timeline(ck)):
        svg = charts.to_svg(chart)
        _assert_standalone(svg)
        assert "&lt;script&gt;" in svg


def test_inputs_are_not_mutated(card, checkins) -> None:
    frames = {
        "krs": card.key_results,
        "obj": card.objectives,
        "ck": checkins,
        "cal": card.calibration(by="team"),
    }
    before = {k: v.copy(deep=True) for k, v in frames.items()}
    charts.kr_progress_chart(frames["krs"]).to_dict()
    charts.burnup_chart(frames["krs"], frames["ck"], card.period, card.as_of).to_dict()
    charts.checkin_timeline(frames["ck"], frames["krs"]).to_dict()
    charts.score_distribution(frames["krs"]).to_dict()
    charts.score_distribution(frames["obj"], column="final_score").to_dict()
    charts.score_weeks(weeks(frames["obj"])).to_dict()
    charts.calibration_chart(frames["cal"]).to_dict()
    for k, v in frames.items():
        pdt.assert_frame_equal(v, before[k])
        assert list(v.index) == list(before[k].index)


@pytest.mark.parametrize(
    "build",
    [
        lambda e: charts.kr_progress_chart(e["krs"]),
        lambda e: charts.burnup_chart(e["krs"], e["ck"], "2026-Q1", "2026-02-13"),
        lambda e: charts.checkin_timeline(e["ck"], e["krs"]),
        lambda e: charts.checkin_timeline(e["ck"]),
        lambda e: charts.score_distribution(e["krs"]),
        lambda e: charts.score_distribution(pd.DataFrame()),
        lambda e: charts.score_weeks(weeks(e["obj"])),
        lambda e: charts.calibration_chart(e["cal"]),
        lambda e: charts.kr_progress_chart(None),
        lambda e: charts.score_weeks(weeks(None)),
    ],
    ids=["kr", "burnup", "timeline-krs", "timeline", "dist", "dist-no-columns", "heatmap",
         "calibration", "kr-none", "heatmap-none"],
)
def test_empty_frames_give_a_no_data_chart(card, build) -> None:
    e = {
        "krs": card.key_results.iloc[0:0],
        "obj": card.objectives.iloc[0:0],
        "ck": empty("checkins"),
        "cal": card.calibration(by="team").iloc[0:0],
    }
    svg = charts.to_svg(build(e))
    _assert_standalone(svg)
    assert re.search(r"no [a-z -]+", svg)


def test_no_data_when_rows_exist_but_nothing_to_plot(card, checkins) -> None:
    obj = card.objectives.assign(score=float("nan"))
    assert "no scores yet" in charts.to_svg(charts.score_weeks(weeks(obj)))
    early = checkins.assign(date=dt.date(2025, 12, 1))  # before the period
    chart = charts.burnup_chart(card.key_results, early, card.period, card.as_of)
    assert "no check-ins yet" in charts.to_svg(chart)
    nan_scores = pd.DataFrame({"score": [float("nan")]})
    assert "no scores" in charts.to_svg(charts.score_distribution(nan_scores))
    # check-ins but no key results
    assert "no check-ins yet" in charts.to_svg(
        charts.burnup_chart(card.key_results.iloc[0:0], checkins, card.period, card.as_of))


def test_kr_progress_follows_plan_order_and_band_colours(card) -> None:
    spec = charts.kr_progress_chart(card.key_results).to_dict()
    bars = spec["layer"][0]["encoding"]
    order = bars["y"]["sort"]
    assert [o.split(" · ")[0] for o in order] == KR_IDS
    assert bars["color"]["scale"] == {"domain": ["red", "yellow", "green"],
                                      "range": ["#d62728", "#e6b000", "#2ca02c"]}
    tips = {t["field"] for t in bars["tooltip"]}
    assert {"progress", "expected", "pace", "status"} <= tips
    assert spec["layer"][1]["mark"]["type"] == "tick"
    assert spec["layer"][1]["encoding"]["x"]["field"] == "expected"
    rows = _datasets(charts.kr_progress_chart(card.key_results))
    assert {"x": 1.0} in rows  # the target rule


def test_burnup_progress_points_and_pace(card, checkins) -> None:
    chart = charts.burnup_chart(card.key_results, checkins, card.period, card.as_of)
    spec = chart.to_dict()
    assert spec["columns"] == 3
    rows = _datasets(chart)
    actual = [r for r in rows if r["kind"] == "actual"]
    sal = sorted((r["date"], r["progress"]) for r in actual if r["kr"].startswith("SAL-1.1"))
    assert sal == [("2026-01-15", pytest.approx(0.2)), ("2026-02-01", pytest.approx(0.5))]
    churn = [r["progress"] for r in actual if r["kr"].startswith("SAL-1.2")]
    assert churn == [pytest.approx(0.2)]  # (9 - 10) / (5 - 10)
    krs = card.key_results.set_index("kr_id")
    eng = [r["progress"] for r in actual if r["kr"].startswith("ENG-1.1")]
    # a threshold KR plots its running share of check-ins that met the threshold,
    # ending at the scored progress
    assert eng == [pytest.approx(1.0), pytest.approx(krs.loc["ENG-1.1", "progress"])]
    expected = sorted((r["date"], r["progress"]) for r in rows
                      if r["kind"] == "expected" and r["kr"].startswith("SAL-1.1"))
    assert expected == [("2026-01-01", 0.0), ("2026-03-31", 1.0)]
    as_of = {r["date"] for r in rows if r["kind"] == "as of"}
    assert as_of == {"2026-02-13"}
    assert all(r["date"] <= "2026-02-13" for r in actual)


def test_timeline_status_and_confidence(checkins) -> None:
    chart = charts.checkin_timeline(checkins)
    rows = _datasets(chart)
    assert len(rows) == len(checkins)
    assert {r["status"] for r in rows} == {"In Progress", "At Risk", "Complete",
                                          "not reported"}
    assert all(isinstance(r["date"], str) and len(r["date"]) == 10 for r in rows)
    missing = [r for r in rows if r["confidence"] is None]
    assert len(missing) == 1 and missing[0]["size"] == 0.5
    enc = chart.to_dict()["encoding"]
    assert enc["size"]["field"] == "size" and enc["color"]["field"] == "status"


def test_distribution_bins_follow_bands() -> None:
    scores = pd.DataFrame({"score": [0.0, 0.39, 0.4, 0.7, 0.7000000000001, 0.69, 1.0, 1.2,
                                     float("nan")]})
    chart = charts.score_distribution(scores)
    rows = [r for r in _datasets(chart) if "start" in r]
    got = {(r["start"], r["band"]): r["n"] for r in rows}
    assert got == {(0.0, "red"): 1, (0.3, "red"): 1, (0.4, "yellow"): 1, (0.6, "yellow"): 1,
                   (0.7, "green"): 2, (0.9, "green"): 2}
    means = [r["mean"] for r in _datasets(chart) if "mean" in r]
    assert means == [pytest.approx(scores["score"].mean())]
    assert {"a": 0.7, "b": 0.8} in _datasets(chart)


def test_score_weeks_and_calibration_specs(plan, checkins, card) -> None:
    """Objectives × weeks, not the teams × objectives diagonal: one row per objective,
    one column per week ending up to as-of, each cell coloured by that week's status."""
    from okrkit.insights import weekly_scores

    weekly = weekly_scores(plan, checkins, AS_OF)
    chart = charts.score_weeks(weekly)
    spec = chart.to_dict()
    rect = spec["layer"][0]["encoding"]
    assert rect["x"]["field"] == "week" and rect["y"]["field"] == "objective"
    assert rect["color"]["field"] == "status"
    rows = _datasets(chart)
    assert len(rows) == len(weekly)
    scored = weekly.drop_duplicates("objective_id")
    assert len(set(rect["y"]["sort"])) == len(scored)  # one row per objective
    assert sorted({r["week"] for r in rows}) == sorted(str(d) for d in set(weekly["date"]))
    assert max(r["week"] for r in rows) == str(AS_OF)
    domain = rect["color"]["scale"]["domain"]
    assert set(domain) == {r["status"] for r in rows}  # the legend lists what is shown
    assert all(re.fullmatch(r"\d\.\d\d", r["label"]) for r in rows)
    cal = charts.calibration_chart(card.calibration(by="team"))
    assert {"x": 0.5} in _datasets(cal) and {"x": 0.9} in _datasets(cal)


def test_large_frames_are_not_limited_by_max_rows() -> None:
    n = 6000  # above Altair's default 5000-row limit
    scores = pd.DataFrame({"score": [i / n for i in range(n)]})
    ck = pd.DataFrame({"kr_id": ["K"] * n, "value": range(n), "confidence": 0.5,
                       "status": "In Progress",
                       "date": [dt.date(2026, 1, 1) + dt.timedelta(days=i % 90)
                                for i in range(n)]})
    charts.score_distribution(scores).to_dict()
    assert len(_datasets(charts.checkin_timeline(ck))) == n


def test_vl_version_matches_or_falls_back() -> None:
    want = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    assert charts._vl_version([want, "1.0"]) == want
    major = want.split(".")[0]
    assert charts._vl_version([f"{major}.0", f"{major}.999", "1.0"]) == f"{major}.0"
    assert charts._vl_version(["1.0", "1.2"]) == "1.2"
    import vl_convert

    assert charts._vl_version(list(vl_convert.get_vegalite_versions())) == want


def test_missing_vl_convert_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)
    with pytest.raises(MissingDependencyError, match=r"okrkit\[charts\]"):
        charts.to_svg(charts.score_weeks(weeks(None)))


def test_show_svg_returns_html_and_leaves_the_renderer_alone() -> None:
    renderer = alt.renderers.active
    out = charts.show(charts.score_weeks(weeks(None)))
    assert out.data.startswith('<figure class="okr-chart"><svg')
    assert "<script" not in out.data.lower()
    assert alt.renderers.active == renderer
    with pytest.raises(ValueError, match="mode"):
        charts.show(charts.score_weeks(weeks(None)), mode="cdn")


def test_show_offline_returns_jupyter_chart() -> None:
    import anywidget  # noqa: F401  (a dependency of okrkit[notebooks]: never skipped)
    chart = charts.score_weeks(weeks(None))
    widget = charts.show(chart, mode="offline")
    assert isinstance(widget, alt.JupyterChart)
    assert "cdn" not in str(getattr(alt.JupyterChart, "_esm", "")).lower()[:2000]


def test_burnup_expected_line_is_the_pacing_rule() -> None:
    """Due dates, phased milestones and milestone steps bend the expected line, as pacing
    expects them (okrkit.pacing.expected_path); a scorecard frame takes them from the plan."""
    plan = parse_plan("""period: 2026-Q1
objectives:
  - id: A
    title: Paced
    team: t
    key_results:
      - {id: A.1, title: Due early, unit: u, direction: increase, baseline: 0, target: 10,
         due: 2026-02-15}
      - {id: A.2, title: Phased, unit: u, direction: increase, baseline: 0, target: 10,
         milestones: {2026-01-31: 8}}
""")
    ck = checkins_frame([("A.1", "2026-01-20", 3), ("A.2", "2026-01-20", 3)])
    card = score(plan, ck, "2026-02-13")
    chart = charts.burnup_chart(card.key_results, ck, plan.period, card.as_of, plan)
    line = {}
    for r in _datasets(chart):
        if r["kind"] == "expected":
            line.setdefault(r["kr"].split(" · ")[0], []).append((r["date"], r["progress"]))
    assert line["A.1"] == [("2026-01-01", 0.0), ("2026-02-15", 1.0), ("2026-03-31", 1.0)]
    assert line["A.2"] == [("2026-01-01", 0.0), ("2026-01-31", pytest.approx(0.8)),
                           ("2026-03-31", 1.0)]
    # without the plan a scorecard frame has no due dates: the line is straight
    plain = charts.burnup_chart(card.key_results, ck, plan.period, card.as_of)
    a1 = [r["date"] for r in _datasets(plain) if r["kind"] == "expected"
          and r["kr"].startswith("A.1")]
    assert a1 == ["2026-01-01", "2026-03-31"]


def test_charts_import_skips_the_slow_optional_iri_grammar_only_for_jsonschema() -> None:
    """okrkit.charts imports jsonschema without rfc3987-syntax's Lark grammars (2-4 s),
    and leaves the module importable for anyone who asks for it afterwards."""
    import subprocess

    code = ("import sys, time\n"
            "t = time.perf_counter(); import okrkit.charts; took = time.perf_counter() - t\n"
            "assert 'jsonschema' in sys.modules and 'altair' in sys.modules\n"
            "assert 'rfc3987_syntax' not in sys.modules and 'lark' not in sys.modules\n"
            "import importlib.util\n"
            "if importlib.util.find_spec('rfc3987_syntax'):  # installed with Jupyter\n"
            "    import rfc3987_syntax\n"
            "    assert sys.modules['rfc3987_syntax'] is not None\n"
            "print(took)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
