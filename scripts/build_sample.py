"""Regenerate the sample data in ``data/plans`` and ``data/checkins`` (deterministic).

The sample is an AI programme built from the seed documents: the company objective
"Become the industry leader in AI-powered customer experiences", three business-unit
objectives, the Chief AI Officer's three objectives and five AI project teams
(chatbot, computer vision, AI platform, gen-AI assistant, D365 contact centre).

* 2025-Q4 is completed: bi-weekly check-ins to the end of the quarter, retrospective
  reviews, the seed's sample completed computer-vision objective (VIS-1) with its exact
  baselines, targets and actuals, and one score override with its reason.
* 2026-Q1 is in progress: weekly check-ins up to 2026-02-13 (mid-quarter). The chatbot
  team is ahead, the platform team on pace, the contact-centre team behind and the
  gen-AI assistant team has gone quiet (stale since 2026-01-23).

Run ``python scripts/build_sample.py`` after editing the spec below; the output files
are committed, so the sample never depends on this script at run time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
D = dt.date

# (id, title, unit, direction, baseline, target[, extras])
KR = tuple[Any, ...]


def kr(kid: str, title: str, unit: str, direction: str, baseline: float | None,
       target: float, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": kid, "title": title, "unit": unit, "direction": direction}
    if baseline is not None:
        out["baseline"] = baseline
    out["target"] = target
    out.update(extra)
    return out


def obj(oid: str, title: str, *, level: str = "project", parent: str | None = None,
        team: str, owner: str, kind: str = "aspirational", krs: list[dict[str, Any]] | None = None,
        review: dict[str, Any] | None = None, weight: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": oid, "title": title, "level": level}
    if parent:
        out["parent"] = parent
    out.update({"team": team, "owner": owner, "kind": kind})
    if weight is not None:
        out["weight"] = weight
    if krs:
        out["key_results"] = krs
    if review:
        out["review"] = review
    return out


def top(period: str) -> list[dict[str, Any]]:
    return [
        obj("CO-1", "Become the industry leader in AI-powered customer experiences",
            level="company", team="company", owner="Chief Executive Officer"),
        obj("CS-1", "Transform customer service with intelligent automation",
            level="business_unit", parent="CO-1", team="customer-service",
            owner="VP Customer Service"),
        obj("OPS-1", "Achieve operational excellence through intelligent automation",
            level="business_unit", parent="CO-1", team="operations",
            owner="Chief Operating Officer"),
        obj("WP-1", "Make every employee more productive with responsible generative AI",
            level="business_unit", parent="CO-1", team="workplace",
            owner="Chief Information Officer"),
    ]


def caio(period: str) -> list[dict[str, Any]]:
    q1 = period == "2026-Q1"
    owner = "Chief AI Officer"
    return [
        obj("CAIO-1", "Accelerate AI Innovation to Drive Business Growth", level="business_unit",
            parent="CO-1", team="caio-office", owner=owner, krs=[
                kr("CAIO-1.1", "New AI-powered products or features live that increase customer "
                   "engagement by 15%", "features", "increase", 0 if not q1 else 1, 3),
                kr("CAIO-1.2", "Reduce AI model training time by 25% through infrastructure "
                   "optimization", "hours", "decrease", 40 if not q1 else 36, 30 if not q1 else 27),
                kr("CAIO-1.3", "Partnerships with at least 2 leading AI research institutions",
                   "partnerships", "increase", 0, 2),
            ]),
        obj("CAIO-2", "Ensure Ethical and Responsible AI Deployment", level="business_unit",
            parent="CO-1", team="caio-office", owner=owner, krs=[
                kr("CAIO-2.1", "AI ethics framework adopted by 100% of AI projects", "%",
                   "increase", 20 if not q1 else 55, 100),
                kr("CAIO-2.2", "Reduce identified biases in the top 5 AI models by 30%",
                   "bias index", "decrease", 1.0, 0.7),
                kr("CAIO-2.3", "80% of AI team members trained on responsible AI practices", "%",
                   "increase", 35 if not q1 else 60, 80),
            ]),
        obj("CAIO-3", "Enhance AI Operational Excellence and Scalability", level="business_unit",
            parent="CO-1", team="caio-office", owner=owner, kind="committed", krs=[
                kr("CAIO-3.1", "Achieve 99.9% uptime for AI services in production", "%",
                   "at_least", None, 99.9),
                kr("CAIO-3.2", "Automate 40% of AI model deployment processes", "%", "increase",
                   10 if not q1 else 25, 40),
                kr("CAIO-3.3", "Increase AI infrastructure cost efficiency by 20%",
                   "inferences per $", "increase", 1000, 1200),
            ]),
    ]


def plan_2025_q4() -> dict[str, Any]:
    T = "2025-Q4"
    objectives = top(T) + caio(T) + [
        # --- chatbot (pilot quarter) ---
        obj("BOT-1", "Deploy conversational AI that delivers exceptional customer experience",
            parent="CS-1", team="chatbot", owner="Product Manager", krs=[
                kr("BOT-1.1", "Achieve 75% CSAT for chatbot interactions in the pilot", "%",
                   "increase", 58, 75),
                kr("BOT-1.2", "Handle 2,000+ customer conversations per month", "conversations",
                   "increase", 300, 2000),
                kr("BOT-1.3", "Resolve 40% of inquiries without human escalation", "%",
                   "increase", 25, 40),
            ], review={
                "lessons": ["Pilot users forgave slow answers but not wrong ones",
                            "Conversation logging from day one made tuning possible"],
                "next_actions": ["Raise the CSAT target to 90% with monthly milestones",
                                 "Add hand-off summaries for agents"],
                "score_override": 0.9,
                "override_reason": "The conversation KR counted only web chat; app chat was "
                                   "switched on in week 10 and carried 600 more conversations "
                                   "a month that the metric missed.",
            }),
        obj("BOT-2", "Continuously improve chatbot intelligence and coverage", parent="CS-1",
            team="chatbot", owner="NLP Engineer", krs=[
                kr("BOT-2.1", "Cover 60% of customer inquiries with recognised intents", "%",
                   "increase", 35, 60),
                kr("BOT-2.2", "Achieve 82% intent classification accuracy", "%", "increase",
                   70, 82),
                kr("BOT-2.3", "Backend systems answering the bot directly: 3", "systems",
                   "increase", 0, 3),
            ], review={"lessons": "Labelling 200 real transcripts beat 2,000 synthetic ones",
                       "next_actions": "Expand to 20 new intents covering 95% of inquiries"}),
        obj("BOT-3", "Keep the chatbot safe and trustworthy", parent="CS-1", team="chatbot",
            owner="Product Manager", kind="committed", krs=[
                kr("BOT-3.1", "Keep harmful or off-policy responses below 0.5% of "
                   "conversations", "%", "at_most", None, 0.5),
                kr("BOT-3.2", "Cut escalations with missing context from 45% to 30%", "%",
                   "decrease", 45, 30),
                kr("BOT-3.3", "Reach 4/5 agent rating of bot hand-off summaries", "rating",
                   "increase", 2.8, 4.0),
            ], review={"lessons": "Red-team prompts found two jailbreaks before customers did",
                       "next_actions": "Weekly red-team run in CI"}),
        # --- computer vision: the seed's sample completed OKR ---
        obj("VIS-1", "Launch computer vision defect detection system in production",
            parent="OPS-1", team="vision", owner="Computer Vision Lead", krs=[
                kr("VIS-1.1", "Achieve ≥ 95% defect detection accuracy", "%", "increase", 88, 95),
                kr("VIS-1.2", "Process 500+ images per hour", "images/hour", "increase", 100, 500),
                kr("VIS-1.3", "Reduce false positive rate to < 5%", "%", "decrease", 12, 5),
                kr("VIS-1.4", "Deploy to 3 production lines", "lines", "increase", 0, 3),
            ], review={
                "lessons": ["Model performance exceeded expectations with focused effort",
                            "Infrastructure scaling was underestimated in planning",
                            "Need earlier engagement with operations team for deployment",
                            "Hardware lead times should be factored into future timelines"],
                "next_actions": [
                    "Complete rollout to remaining 2 production lines (Q1 2026 priority)",
                    "Continue precision improvements to reach < 5% false positive target",
                    "Implement automated retraining pipeline for ongoing accuracy"],
            }),
        obj("VIS-2", "Build the labelled image foundation for new product lines",
            parent="OPS-1", team="vision", owner="Data Science Lead", krs=[
                kr("VIS-2.1", "Labeled images from new product lines: 20,000", "images",
                   "increase", 2000, 20000),
                kr("VIS-2.2", "Label agreement between inspectors of at least 92%", "%",
                   "increase", 84, 92),
                kr("VIS-2.3", "Reduce labelling cost per image from $0.40 to $0.25", "$",
                   "decrease", 0.40, 0.25),
            ], review={"lessons": "Inspector disagreement was the real ceiling on accuracy",
                       "next_actions": "Scale labelling to 100,000 images"}),
        obj("VIS-3", "Prove the business value of automated inspection", parent="OPS-1",
            team="vision", owner="Operations Director", krs=[
                kr("VIS-3.1", "Reduce manual inspection hours on line 1 by 30%", "hours/week",
                   "decrease", 400, 280),
                kr("VIS-3.2", "Decrease product defect escapes from line 1 by 50%",
                   "escapes/month", "decrease", 20, 10),
                kr("VIS-3.3", "Operator satisfaction with the inspection tool of 80%", "%",
                   "increase", 50, 80),
            ], review={"lessons": "Operators trusted the tool once they could overrule it",
                       "next_actions": "Track labour cost savings in dollars"}),
        # --- AI platform ---
        obj("PLT-1", "Build scalable, secure AI/ML platform that accelerates model development",
            parent="CAIO-3", team="platform", owner="AI Platform Lead", krs=[
                kr("PLT-1.1", "Enable 3 data science teams to deploy models to production",
                   "teams", "increase", 0, 3),
                kr("PLT-1.2", "Reduce time from model development to production from 10 weeks "
                   "to 6 weeks", "weeks", "decrease", 10, 6),
                kr("PLT-1.3", "Support 12 concurrent model training jobs with auto-scaling",
                   "jobs", "increase", 4, 12),
            ], review={"lessons": "Golden-path templates did more than new features",
                       "next_actions": "Onboard 7 more teams; target 2-week path to production"}),
        obj("PLT-2", "Establish governance and compliance for responsible AI", parent="CAIO-2",
            team="platform", owner="AI Governance Lead", kind="committed", krs=[
                kr("PLT-2.1", "Automated bias detection covers 20% of models pre-deployment", "%",
                   "increase", 0, 20),
                kr("PLT-2.2", "Production models in the central registry: 55% coverage", "%",
                   "increase", 10, 55),
                kr("PLT-2.3", "AI Act gap analysis signed off by Legal", "sign-off", "milestone",
                   None, 1),
            ], review={"lessons": "Committed goals were met; registry coverage was the long pole",
                       "next_actions": "Bias detection on 100% of models by end of Q1"}),
        obj("PLT-3", "Run the platform to its SLA", parent="CAIO-3", team="platform",
            owner="AI Platform Lead", kind="committed", krs=[
                kr("PLT-3.1", "Achieve 99.9% platform uptime SLA", "%", "at_least", None, 99.9),
                kr("PLT-3.2", "Keep p95 serving latency under 150 ms", "ms", "at_most", None, 150),
                kr("PLT-3.3", "Detect and alert on model drift within 72 hours", "hours",
                   "decrease", 168, 72),
            ], review={"lessons": "One bad deploy cost most of the error budget",
                       "next_actions": "Canary releases for the serving layer"}),
        # --- gen-AI assistant pilot ---
        obj("GEN-1", "Launch Gen AI assistant that transforms employee productivity",
            parent="WP-1", team="genai-assistant", owner="Product Manager", krs=[
                kr("GEN-1.1", "Employees using the AI assistant daily: 100 in the pilot",
                   "users", "increase", 0, 100),
                kr("GEN-1.2", "Average time savings of 1 hour per pilot employee per week",
                   "hours", "increase", 0, 1),
                kr("GEN-1.3", "Reach 75% user satisfaction score", "%", "increase", 50, 75),
            ], review={"lessons": "Document summarisation carried the pilot",
                       "next_actions": "Scale to 500 daily users"}),
        obj("GEN-2", "Ensure responsible and secure deployment of Gen AI", parent="WP-1",
            team="genai-assistant", owner="AI Safety Lead", kind="committed", krs=[
                kr("GEN-2.1", "Block 97% of harmful content with content filtering", "%",
                   "increase", 85, 97),
                kr("GEN-2.2", "Data leakage incidents or privacy violations: zero", "incidents",
                   "at_most", None, 0),
                kr("GEN-2.3", "Maintain < 12% hallucination rate through grounding", "%",
                   "decrease", 25, 12),
            ], review={"lessons": "Grounding on the intranet halved hallucinations",
                       "next_actions": "Red team testing before the wider rollout"}),
        obj("GEN-3", "Make the assistant part of everyday work", parent="WP-1",
            team="genai-assistant", owner="Change Manager", krs=[
                kr("GEN-3.1", "Use cases with a named business owner: 4", "use cases",
                   "increase", 0, 4),
                kr("GEN-3.2", "Documents summarised per week: 1,000", "documents", "increase",
                   0, 1000),
                kr("GEN-3.3", "Share of pilot users who would recommend the assistant: 60%", "%",
                   "increase", 0, 60),
            ], review={"lessons": "Champions in each department drove adoption",
                       "next_actions": "Recruit champions in 3 more business units"}),
    ]
    return {"period": T, "description": "Q4 2025 — completed quarter (sample data)",
            "cadence_days": 14, "objectives": objectives}


def plan_2026_q1() -> dict[str, Any]:
    T = "2026-Q1"
    objectives = top(T) + caio(T) + [
        obj("BOT-1", "Deploy conversational AI that delivers exceptional customer experience",
            parent="CS-1", team="chatbot", owner="Product Manager", weight=2, krs=[
                kr("BOT-1.1", "Achieve 90% CSAT for chatbot interactions", "%", "increase",
                   65, 90, milestones={"2026-01-31": 72, "2026-02-28": 80, "2026-03-31": 90}),
                kr("BOT-1.2", "Handle 10,000+ customer conversations per month",
                   "conversations", "increase", 2600, 10000),
                kr("BOT-1.3", "Resolve 70% of inquiries without human escalation", "%",
                   "increase", 40, 70),
                kr("BOT-1.4", "Reduce average handling time from 8 minutes to 2 minutes", "min",
                   "decrease", 8, 2),
            ]),
        obj("BOT-2", "Continuously improve chatbot intelligence and coverage", parent="CS-1",
            team="chatbot", owner="NLP Engineer", krs=[
                kr("BOT-2.1", "Cover 95% of customer inquiries with recognised intents", "%",
                   "increase", 60, 95),
                kr("BOT-2.2", "Achieve 95% intent classification accuracy", "%", "increase",
                   82, 95),
                kr("BOT-2.3", "Serve customers in 3 languages (English, Spanish, French)",
                   "languages", "increase", 1, 3),
            ]),
        obj("BOT-3", "Keep the chatbot safe and trustworthy", parent="CS-1", team="chatbot",
            owner="Product Manager", kind="committed", krs=[
                kr("BOT-3.1", "Keep harmful or off-policy responses below 0.5% of "
                   "conversations", "%", "at_most", None, 0.5),
                kr("BOT-3.2", "Cut escalations with missing context from 30% to 5%", "%",
                   "decrease", 30, 5),
                kr("BOT-3.3", "Reach 4.5/5 agent rating of bot hand-off summaries", "rating",
                   "increase", 3.9, 4.5),
            ]),
        obj("VIS-4", "Scale computer vision defect detection across production lines",
            parent="OPS-1", team="vision", owner="Computer Vision Lead", krs=[
                kr("VIS-4.1", "Production lines running defect detection: from 1 to 3", "lines",
                   "increase", 1, 3),
                kr("VIS-4.2", "Reduce false positive rate to < 5%", "%", "decrease", 6.5, 5),
                kr("VIS-4.3", "Process 1,000+ images per hour", "images/hour", "increase",
                   425, 1000),
            ]),
        obj("VIS-5", "Automate visual inspection with AI achieving human-level accuracy",
            parent="OPS-1", team="vision", owner="Computer Vision Lead", krs=[
                kr("VIS-5.1", "Achieve ≥ 98% defect detection accuracy", "%", "increase", 96, 98),
                kr("VIS-5.2", "Achieve 99.5% uptime in production environment", "%",
                   "at_least", None, 99.5),
                kr("VIS-5.3", "Labeled images from new product lines: 100,000+", "images",
                   "increase", 20000, 100000),
            ]),
        obj("VIS-6", "Cut the cost of quality with automated inspection", parent="OPS-1",
            team="vision", owner="Operations Director", krs=[
                kr("VIS-6.1", "Reduce manual inspection labor costs by 60%", "$k/month",
                   "decrease", 250, 100),
                kr("VIS-6.2", "Decrease product defect escapes to customers by 80%",
                   "escapes/month", "decrease", 50, 10),
                kr("VIS-6.3", "Automated retraining turnaround under 2 hours", "hours",
                   "decrease", 24, 2),
            ]),
        obj("PLT-1", "Build scalable, secure AI/ML platform that accelerates model development",
            parent="CAIO-3", team="platform", owner="AI Platform Lead", krs=[
                kr("PLT-1.1", "Enable 10 data science teams to deploy models to production",
                   "teams", "increase", 3, 10),
                kr("PLT-1.2", "Reduce time from model development to production from 6 weeks "
                   "to 2 weeks", "weeks", "decrease", 6, 2),
                kr("PLT-1.3", "Support 50+ concurrent model training jobs with auto-scaling",
                   "jobs", "increase", 12, 50),
            ]),
        obj("PLT-2", "Establish governance and compliance for responsible AI", parent="CAIO-2",
            team="platform", owner="AI Governance Lead", kind="committed", krs=[
                kr("PLT-2.1", "Automated bias detection covers 100% of models pre-deployment",
                   "%", "increase", 20, 100),
                kr("PLT-2.2", "Production models in the central registry: 100% coverage", "%",
                   "increase", 55, 100),
                kr("PLT-2.3", "High-risk AI system risk assessments signed off", "sign-off",
                   "milestone", None, 1),
            ]),
        obj("PLT-3", "Run the platform to its SLA", parent="CAIO-3", team="platform",
            owner="AI Platform Lead", kind="committed", krs=[
                kr("PLT-3.1", "Achieve 99.95% platform uptime SLA", "%", "at_least", None, 99.95),
                kr("PLT-3.2", "Keep p95 serving latency under 100 ms", "ms", "at_most", None, 100),
                kr("PLT-3.3", "Detect and alert on model drift within 24 hours", "hours",
                   "decrease", 72, 24),
            ]),
        obj("GEN-1", "Launch Gen AI assistant that transforms employee productivity",
            parent="WP-1", team="genai-assistant", owner="Product Manager", krs=[
                kr("GEN-1.1", "Onboard 500+ employees using AI assistant daily", "users",
                   "increase", 100, 500),
                kr("GEN-1.2", "Achieve average time savings of 2 hours per employee per week",
                   "hours", "increase", 0.8, 2),
                kr("GEN-1.3", "Reach 85% user satisfaction score", "%", "increase", 71, 85),
                kr("GEN-1.4", "Support 10 use cases (document summarization, email drafting, "
                   "research, etc.)", "use cases", "increase", 4, 10),
            ]),
        obj("GEN-2", "Ensure responsible and secure deployment of Gen AI", parent="WP-1",
            team="genai-assistant", owner="AI Safety Lead", kind="committed", krs=[
                kr("GEN-2.1", "Block 99% of harmful content with content filtering", "%",
                   "increase", 96, 99),
                kr("GEN-2.2", "Data leakage incidents or privacy violations: zero", "incidents",
                   "at_most", None, 0),
                kr("GEN-2.3", "Maintain < 5% hallucination rate through grounding and "
                   "validation", "%", "decrease", 11, 5),
            ]),
        obj("GEN-3", "Make the assistant part of everyday work", parent="WP-1",
            team="genai-assistant", owner="Change Manager", krs=[
                kr("GEN-3.1", "Weekly active users across 3 business units: 1,200", "users",
                   "increase", 150, 1200),
                kr("GEN-3.2", "Documents summarised per week: 5,000", "documents", "increase",
                   900, 5000),
                kr("GEN-3.3", "Share of employees who would recommend the assistant: 70%", "%",
                   "increase", 55, 70),
            ]),
        obj("CC-1", "Transform customer service with AI-powered omnichannel contact center",
            parent="CS-1", team="contact-centre", owner="Customer Service Operations Lead", krs=[
                kr("CC-1.1", "Customer interactions handled in D365 Contact Center: 100%", "%",
                   "increase", 15, 100),
                kr("CC-1.2", "Reduce average handle time (AHT) from 8 minutes to 4 minutes",
                   "min", "decrease", 8, 4),
                kr("CC-1.3", "Achieve first contact resolution (FCR) rate of 85%", "%",
                   "increase", 62, 85),
                kr("CC-1.4", "Improve agent productivity by 40% through AI-assisted workflows",
                   "cases/agent/day", "increase", 30, 42),
            ]),
        obj("CC-2", "Leverage AI to optimize contact center operations and customer "
            "experience", parent="CS-1", team="contact-centre", owner="CX Transformation Lead",
            krs=[
                kr("CC-2.1", "Real-time sentiment analysis with coaching on 100% of "
                   "interactions", "%", "increase", 0, 100),
                kr("CC-2.2", "Reduce customer effort score (CES) from 4.2 to 2.5", "CES",
                   "decrease", 4.2, 2.5),
                kr("CC-2.3", "Increase Net Promoter Score (NPS) from 45 to 65", "NPS",
                   "increase", 45, 65),
            ]),
        obj("CC-3", "Integrate D365 Contact Center with enterprise systems for seamless CX",
            parent="CS-1", team="contact-centre", owner="Integration Architect", krs=[
                kr("CC-3.1", "Connect 8 enterprise systems (CRM, ERP, billing, order "
                   "management, knowledge base, …)", "systems", "increase", 2, 8),
                kr("CC-3.2", "Reduce system switching time from 2 minutes to 30 seconds per "
                   "interaction", "s", "decrease", 120, 30),
                kr("CC-3.3", "Real-time data sync latency under 2 seconds", "s", "decrease",
                   10, 2),
            ]),
    ]
    return {"period": T, "description": "Q1 2026 — in progress; check-ins to 2026-02-13 "
            "(sample data)", "cadence_days": 14, "objectives": objectives}


# ---------------------------------------------------------------------------
# check-ins

PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    # team: progress share reached at the last check-in (range), confidence (range)
    "2025-Q4": {
        "chatbot": {"frac": (0.6, 0.95), "conf": (0.7, 0.9)},
        "vision": {"frac": (0.75, 1.0), "conf": (0.7, 0.9)},
        "platform": {"frac": (0.9, 1.15), "conf": (0.8, 0.95)},
        "genai-assistant": {"frac": (0.4, 0.75), "conf": (0.5, 0.7)},
        "caio-office": {"frac": (0.55, 0.9), "conf": (0.6, 0.8)},
    },
    "2026-Q1": {
        "chatbot": {"frac": (0.62, 0.85), "conf": (0.8, 0.95)},
        "vision": {"frac": (0.38, 0.6), "conf": (0.65, 0.8)},
        "platform": {"frac": (0.44, 0.55), "conf": (0.7, 0.85)},
        "genai-assistant": {"frac": (0.15, 0.3), "conf": (0.55, 0.7), "last": D(2026, 1, 23)},
        "contact-centre": {"frac": (0.06, 0.22), "conf": (0.3, 0.5)},
        "caio-office": {"frac": (0.4, 0.55), "conf": (0.65, 0.8), "every": 2},
    },
}

# exact final values (the seed's sample completed OKR) and other fixed points
FINAL: dict[tuple[str, str], float] = {
    ("2025-Q4", "VIS-1.1"): 96, ("2025-Q4", "VIS-1.2"): 425,
    ("2025-Q4", "VIS-1.3"): 6.5, ("2025-Q4", "VIS-1.4"): 1,
    ("2026-Q1", "VIS-4.1"): 1,  # the two remaining lines wait for camera hardware
}

NOTES = {
    "chatbot": ["Intent model v7 shipped; CSAT up on billing questions",
                "Spanish pilot live for 10% of traffic", "Hand-off summary rated well by agents",
                "Weekend traffic spike handled without escalation backlog"],
    "vision": ["Line 2 cameras still on back-order", "Precision tuning on scratches",
               "Retraining job now nightly", "Uptime dip during PLC firmware update"],
    "platform": ["Feature store GA", "Two more teams on the golden path",
                 "Drift alerts wired to on-call", "Registry backfill 80% done"],
    "genai-assistant": ["Onboarding sessions with Finance", "Grounding index rebuilt",
                        "Legal review of email drafting use case"],
    "contact-centre": ["Voice channel cut-over slipped two weeks",
                       "Agents report Copilot suggestions too slow",
                       "ERP connector blocked on vendor API quota",
                       "FCR flat while agents learn the new workspace"],
    "caio-office": ["Ethics board met", "Bias audit of credit model done",
                    "University partnership term sheet in review"],
}
BLOCKERS = {
    "vision": ["Camera hardware lead time 10 weeks (VIS-4.1)"],
    "contact-centre": ["Vendor API quota for the ERP connector",
                       "Telephony carrier porting dates not confirmed",
                       "Two senior agents out; coaching paused"],
    "genai-assistant": ["Waiting on Legal sign-off for email drafting"],
}
ACHIEVEMENTS = {
    "chatbot": ["CSAT above the monthly milestone", "Spanish launched early"],
    "platform": ["Zero Sev-1 incidents", "Training autoscaler live"],
    "vision": ["Accuracy at 97% on line 1"],
    "caio-office": ["Responsible-AI course launched"],
}
AUTHORS = {"chatbot": "maria.lopez", "vision": "kenji.sato", "platform": "ana.silva",
           "genai-assistant": "tom.baker", "contact-centre": "priya.nair",
           "caio-office": "chief.ai.officer"}


def dates_for(period: str, team: str) -> list[dt.date]:
    prof = PROFILES[period][team]
    if period == "2025-Q4":
        days = [D(2025, 10, 3) + dt.timedelta(days=14 * i) for i in range(7)]  # to Dec 26
    else:
        days = [D(2026, 1, 9) + dt.timedelta(days=7 * i) for i in range(6)]  # to Feb 13
        if prof.get("every") == 2:  # bi-weekly, ending on the as-of date
            days = days[1::2]
    last = prof.get("last")
    return [d for d in days if last is None or d <= last]


COUNTS = {"features", "partnerships", "languages", "lines", "systems", "teams", "use cases",
          "users", "jobs", "conversations", "images", "documents", "escapes/month",
          "images/hour", "incidents"}


def nice(x: float, kr_: dict[str, Any]) -> float:
    if kr_["unit"] in COUNTS:
        return float(round(x))
    span = abs(float(kr_["target"]) - float(kr_.get("baseline", 0) or 0))
    if span >= 50:
        return float(round(x))
    if span >= 5:
        return round(x, 1)
    return round(x, 2)


def checkin_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    period = plan["period"]
    rows: list[dict[str, Any]] = []
    for o in plan["objectives"]:
        team = o["team"]
        if team not in PROFILES[period]:
            continue
        prof = PROFILES[period][team]
        days = dates_for(period, team)
        for k in o.get("key_results", []):
            rng = random.Random(f"{period}:{k['id']}")
            frac = rng.uniform(*prof["frac"])
            direction = k["direction"]
            target = float(k["target"])
            base = float(k.get("baseline", 0) or 0)
            final = FINAL.get((period, k["id"]))
            for i, day in enumerate(days):
                share = (i + 1) / len(days)
                if direction in ("increase", "decrease"):
                    end = final if final is not None else base + (target - base) * frac
                    wobble = (rng.random() - 0.5) * 0.06 * (target - base) if i < len(days) - 1 else 0
                    value = nice(base + (end - base) * share ** 0.9 + wobble, k)
                    if i == len(days) - 1 and final is not None:
                        value = final
                elif direction == "at_least":
                    miss = rng.random() < (0.25 if team == "contact-centre" else 0.08)
                    value = round(target - rng.uniform(0.02, 0.3) if miss
                                  else target + rng.uniform(0.0, 0.06), 2)
                elif direction == "at_most":
                    miss = rng.random() < 0.08
                    value = (round(target + rng.uniform(0.05, 0.4) * max(target, 1), 2) if miss
                             else round(target * rng.uniform(0.5, 1.0), 2))
                else:  # milestone
                    value = 1.0 if share >= 0.8 and frac > 0.5 else 0.0
                conf = round(rng.uniform(*prof["conf"]), 2)
                status = None
                if team == "contact-centre" and i >= 2 and rng.random() < 0.5:
                    status = "At Risk"
                if (period, k["id"]) == ("2026-Q1", "VIS-4.1") and i >= 2:
                    status, conf = "At Risk", 0.4
                note = rng.choice(NOTES[team]) if rng.random() < 0.45 else None
                blockers = (rng.choice(BLOCKERS[team]) if team in BLOCKERS
                            and rng.random() < 0.35 else None)
                if (period, k["id"]) == ("2026-Q1", "VIS-4.1") and i >= 2:
                    blockers = BLOCKERS["vision"][0]
                ach = (rng.choice(ACHIEVEMENTS[team]) if team in ACHIEVEMENTS
                       and rng.random() < 0.2 else None)
                if (period, k["id"]) in FINAL and i == len(days) - 1 and period == "2025-Q4":
                    note = {
                        "VIS-1.1": "Exceeded target through data augmentation and model "
                                   "architecture improvements",
                        "VIS-1.2": "Optimized inference pipeline achieved 85% of stretch goal",
                        "VIS-1.3": "Made significant progress but need additional precision "
                                   "tuning",
                        "VIS-1.4": "Integration delays and hardware procurement issues. "
                                   "Rollout rescheduled to Q1 2026",
                    }[k["id"]]
                rows.append({"kr_id": k["id"], "date": day.isoformat(), "value": value,
                             "confidence": conf, "status": status, "note": note,
                             "blockers": blockers, "achievements": ach,
                             "author": AUTHORS[team]})
    rows.sort(key=lambda r: (r["date"], r["kr_id"]))
    return rows


def write(plan: dict[str, Any]) -> None:
    period = plan["period"]
    header = (f"# Sample OKR plan {period} — generated by scripts/build_sample.py from the\n"
              "# seed documents; edit the script, not this file.\n")
    text = header + yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, width=100)
    (ROOT / "data" / "plans").mkdir(parents=True, exist_ok=True)
    (ROOT / "data" / "plans" / f"{period}.yaml").write_text(text, encoding="utf-8")
    buf = io.StringIO()
    fields = ["kr_id", "date", "value", "confidence", "status", "note", "blockers",
              "achievements", "author"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in checkin_rows(plan):
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    (ROOT / "data" / "checkins").mkdir(parents=True, exist_ok=True)
    (ROOT / "data" / "checkins" / f"{period}.csv").write_text(buf.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    for p in (plan_2025_q4(), plan_2026_q1()):
        write(p)
        print("wrote", p["period"])
