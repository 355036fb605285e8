"""Charts: specs with the right encodings, SVG with no network and no script."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import checkins_frame

from okrkit import charts
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


def external_urls(svg: str) -> list[str]:
    urls = re.findall(r"https?://[^\s\"'<>)]+", svg)
    return [u for u in urls if not u.startswith("http://www.w3.org/")]


def test_every_chart_renders_offline_svg(card_and_checkins) -> None:
    plan, card, ck = card_and_checkins
    made = [charts.kr_progress_chart(card.key_results),
            charts.burnup_chart(card.key_results, ck, plan.period, card.as_of),
            charts.checkin_timeline(ck, card.key_results),
            charts.score_distribution(card.key_results),
            charts.heatmap(card.objectives),
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
    heat = charts.to_svg(charts.heatmap(card.objectives))
    assert "<script>" not in heat


def test_empty_inputs_give_a_no_data_chart(card_and_checkins) -> None:
    plan, card, _ = card_and_checkins
    empty_krs = card.key_results.iloc[0:0]
    empty_ck = pd.DataFrame(columns=["kr_id", "date", "value", "confidence", "status"])
    for chart in (charts.kr_progress_chart(empty_krs),
                  charts.burnup_chart(empty_krs, empty_ck, plan.period, card.as_of),
                  charts.checkin_timeline(empty_ck),
                  charts.score_distribution(empty_krs),
                  charts.heatmap(card.objectives.iloc[0:0]),
                  charts.calibration_chart(card.calibration("team").iloc[0:0])):
        svg = charts.to_svg(chart)
        assert "no " in svg


def test_inputs_not_mutated(card_and_checkins) -> None:
    plan, card, ck = card_and_checkins
    before = (card.key_results.copy(), card.objectives.copy(), ck.copy())
    charts.kr_progress_chart(card.key_results)
    charts.burnup_chart(card.key_results, ck, plan.period, card.as_of)
    charts.checkin_timeline(ck, card.key_results)
    charts.heatmap(card.objectives)
    pd.testing.assert_frame_equal(card.key_results, before[0])
    pd.testing.assert_frame_equal(card.objectives, before[1])
    pd.testing.assert_frame_equal(ck, before[2])


def test_show_never_uses_the_cdn_renderer(card_and_checkins) -> None:
    _, card, _ = card_and_checkins
    out = charts.show(charts.kr_progress_chart(card.key_results))
    assert out.data.startswith('<figure class="okr-chart"><svg')
    interactive = charts.show(charts.kr_progress_chart(card.key_results), mode="offline")
    assert type(interactive).__name__ == "JupyterChart"
