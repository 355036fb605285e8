"""How a key result is worded: an outcome, or an activity (DO 4 / DON'T 1).

``docs/seeds/okrs-framework-for-ai-projects.md`` asks for outcomes, not activities:
"Deploy chatbot" ❌ → "Handle 70% of inquiries" ✅; "Attend 10 training sessions" is not
an outcome. :func:`activity_reason` reads a title for that:

* **an outcome** names a result someone can observe changing — a level or a change of a
  metric (a percentage, money, a time, a rate, ``from 8 to 2``, ``by 30%``, ``< 5%``,
  ``zero incidents``, ``halve``), or use by others (``serving 20,000+ users``,
  ``handling 10,000+ predictions/day``). Any title that carries such a result is an
  outcome, whatever its first word: "Launch 3 AI features with over 80% user adoption",
  "Run the platform at 99.9% uptime".
* **an activity** names work done or an output delivered without its result:
  a leading activity verb ("Deploy", "Launch", "Complete", "Hold", "Kick off",
  "Go live", "Finalize", ...; counted or not: "Complete 4 A/B tests"), the same in the
  passive ("Chatbot deployed to production", "Weekly syncs held"), or a noun phrase
  that names no change in a result ("Model monitoring dashboard", "Quarterly roadmap
  review"). Titles that start with a change verb ("Reduce", "Increase", "Achieve", ...),
  and noun phrases that name a metric ("Customer satisfaction", "Latency"; its target is
  in the key result's numbers), are outcomes even without a number (lint asks for the
  numbers elsewhere).

:func:`placeholders` finds unfilled template placeholders (``[use case]``, ``{team}``,
``<product>``, ``TBD``). The wording rules are measured on a labelled corpus of titles
(``tests/data/kr_wording.csv``): see ``tests/test_wording.py``.
"""

from __future__ import annotations

import re

#: verbs (and phrases) that name work or an output when they lead a title
ACTIVITY_VERBS = (
    "attend", "deploy", "implement", "complete", "launch", "build", "create", "develop",
    "conduct", "hold", "run", "organize", "organise", "host", "install", "set up", "setup",
    "write", "publish", "document", "migrate", "integrate", "roll out", "release", "ship",
    "start", "begin", "finish", "perform", "execute", "deliver", "design", "hire", "train",
    "participate", "schedule", "prepare", "draft", "establish", "introduce", "kick off",
    "kick-off", "kickoff", "go live", "go-live", "finalize", "finalise", "sign off",
    "sign", "connect", "provide", "add", "support", "expand", "define", "plan", "review",
    "evaluate", "pilot", "test", "onboard", "upgrade", "refactor", "rewrite", "replace",
    "configure", "procure", "purchase", "buy", "select", "choose", "investigate", "explore",
    "research", "analyse", "analyze", "assess", "audit", "maintain", "keep working",
    "work on", "help", "assist", "coordinate", "facilitate", "communicate", "present",
    "submit", "approve", "update", "move", "transition", "adopt", "set", "put",
)
#: verbs that name a change in a result when they lead a title
CHANGE_VERBS = (
    "achieve", "reach", "reduce", "increase", "decrease", "improve", "grow", "raise",
    "lower", "cut", "halve", "double", "triple", "resolve", "handle", "serve", "sustain",
    "hit", "exceed", "generate", "save", "deflect", "detect", "process", "convert", "retain",
    "win", "earn", "boost", "lift", "shorten", "speed up", "accelerate", "eliminate",
    "prevent", "avoid", "minimize", "minimise", "maximize", "maximise", "pass", "enable",
    "automate", "attain", "deliver on", "recover", "gain", "return", "scale",
)
#: the activity verbs' past participles (the passive wording of an activity)
_PARTICIPLES = (
    "attended", "deployed", "implemented", "completed", "launched", "built", "created",
    "developed", "conducted", "held", "organized", "organised", "hosted", "installed",
    "set up", "written", "published", "documented", "migrated", "integrated", "rolled out",
    "released", "shipped", "started", "begun", "finished", "performed", "executed",
    "delivered", "designed", "hired", "trained", "scheduled", "prepared", "drafted",
    "established", "introduced", "kicked off", "finalized", "finalised", "signed",
    "signed off", "connected", "provided", "added", "defined", "planned", "reviewed",
    "piloted", "tested", "upgraded", "configured", "procured", "purchased", "selected",
    "approved", "submitted", "updated", "live", "done", "in place", "ready", "underway",
    "up and running", "went live", "go live",
)


def _words(items: tuple[str, ...]) -> str:
    return "|".join(re.escape(v).replace(r"\ ", r"[\s-]+") for v in
                    sorted(items, key=len, reverse=True))


_LEAD_ACTIVITY = re.compile(rf"^\W*({_words(ACTIVITY_VERBS)})\b", re.I)
_LEAD_CHANGE = re.compile(rf"^\W*({_words(CHANGE_VERBS)})\b", re.I)
_PASSIVE = re.compile(rf"\b(?:is |are |was |were |been |be |get |got )?({_words(_PARTICIPLES)})"
                      r"\b(?!\s+(?:by|from|to|at)\s+\d)", re.I)
_NUM = r"(?<![\w.])(?:\d[\d,]*(?:\.\d+)?|\.\d+)"
_UNIT = (r"(?:%|percent\b|pp\b|x\b|×|ms\b|milliseconds?\b|s\b|secs?\b|seconds?\b|mins?\b|"
         r"minutes?\b|h\b|hrs?\b|hours?\b|days?\b|weeks?\b|months?\b|points?\b|pts\b|stars?\b|"
         r"[kmb]\b|bn\b|million\b|billion\b)")
_PEOPLE = (r"(?:users|customers|employees|people|members|agents|teams|business units|"
           r"departments|patients|students|visitors|subscribers|clients|accounts)")
_TIME = r"(?:hour|day|week|month|quarter|year|minute|second)"
#: outputs of the team's own work: a rate of them is a cadence of activity, not a result
_ACTIVITY_NOUNS = (r"(?:workshops?|sessions?|meetings?|syncs?|reviews?|trainings?|reports?|"
                   r"releases?|sprints?|hackathons?|demos?|papers?|posts?|interviews?|"
                   r"newsletters?|webinars?|office hours|events?|updates?|presentations?)\b")
#: a quantity tied to a result (see the module docstring)
_RESULT = re.compile("|".join((
    rf"{_NUM}\s*(?:%|percent\b|pp\b|x\b|×)",                             # 30%, 10x
    rf"[$€£¥]\s*{_NUM}|{_NUM}\s*(?:k|m|bn|million|billion)?\s*(?:usd|eur|gbp|arr|mrr)\b",
    rf"[<>≤≥]=?\s*{_NUM}",                                               # < 5, ≥ 95
    rf"\b(?:under|below|above|over|at least|at most|less than|more than|fewer than|"
    rf"no more than|up to|or (?:more|less))\s+{_NUM}\s*{_UNIT}",        # under 2 seconds
    rf"\bby\s+{_NUM}|\bfrom\s+{_NUM}[^,;()]{{0,40}}?\bto\s+{_NUM}",      # by 30, from 8 to 2
    rf"\bto\s+{_NUM}\s*{_UNIT}",                                         # to 2 minutes
    rf"\b(?:serving|reaching|used by|adopted by|active for)\s+{_NUM}",   # serving 20,000 users
    rf"{_NUM}\s*\+?\s*(?:[\w-]+\s+){{0,3}}{_PEOPLE}\s+(?:using|use|daily|weekly|monthly|"
    r"active|engaged|retained|served)\b|\b(?:daily|weekly|monthly) active\b",
    rf"{_NUM}\s*\+?\s*(?:[\w-]+\s+){{0,2}}(?:concurrent|simultaneous|production models|"
    r"models in production)\b",
    rf"{_NUM}\s*\+?\s*(?:(?!{_ACTIVITY_NOUNS})[\w-]+\s*){{0,3}}(?:/|\bper|\ba|\ban|\beach|"
    rf"\bevery)\s*{_TIME}\b",                                          # 500 images/hour
    rf"{_NUM}\s*\+?\s*[\w-]+\s*(?:/|per)\s*(?:[\w-]+\s+){{0,2}}(?:user|employee|customer|"
    r"interaction|request)\b",                                         # 2 hours per employee
    rf"(?:\bper\s+{_TIME}|\b(?:daily|weekly|monthly))\b[^:]{{0,30}}:\s*{_NUM}",  # X per week: 1,000
    r"\b(?:incidents?|defects?|escapes?|violations?|outages?|findings?|issues?|errors?|"
    r"breaches?|complaints?)\s*:\s*(?:zero|none|0)\b",                # incidents: zero
    rf"\b{_NUM}\s*\+?\s*(?:[\w-]+\s+){{0,3}}{_TIME}s?\b[\w\s]{{0,12}}\b(?:annually|monthly|"
    r"saved|savings)\b",
    r"\b(?:zero|no|all|every)\s+(?:[\w-]+\s+){0,3}(?:incidents?|defects?|escapes?|"
    r"violations?|outages?|findings?|issues?|vulnerabilit(?:y|ies)|errors?|breaches?|"
    r"complaints?)\b",
    rf"\b(?:uptime|availability|accuracy|adoption|satisfaction|csat|nps|retention|"
    rf"conversion|churn|latency|precision|recall|coverage|deflection|resolution rate|"
    rf"error rate|hallucination rate)\b[^.;]{{0,40}}?\b(?:of|at|to|above|below|over|under)\s+"
    rf"{_NUM}",
    r"\b(?:halve|halved|double|doubled|triple|tripled)\b",
)), re.I)
#: a noun phrase's words that name a change in a result on their own
_CHANGE_WORDS = re.compile(
    r"\b(?:higher|lower|fewer|more|less|faster|slower|shorter|cheaper|better|reduced|"
    r"increased|improved|raised|lowered|grown|halved|doubled|up|down|above|below)\b", re.I)
#: words that name a metric: a noun phrase with one names a result to measure
_METRIC_WORDS = re.compile(
    r"\b(?:satisfaction|csat|nps|ces|accuracy|uptime|availability|latency|rate|time|costs?|"
    r"revenue|savings?|score|share|ratio|percentage|adoption|usage|users|retention|"
    r"conversion|churn|errors?|defects?|incidents?|escapes?|throughput|volume|productivity|"
    r"efficiency|speed|quality|precision|recall|coverage|deflection|resolution|engagement|"
    r"growth|margin|profit|sales|spend|rating|sentiment|turnaround|duration|lead time|"
    r"backlog|demand|value)\b", re.I)
#: nouns of work or its outputs: a noun phrase with one names an activity
_WORK_NOUNS = re.compile(
    r"\b(?:initiative|project|programme|program|process|dashboard|review|workshop|"
    r"sessions?|migration|policy|playbook|framework|plan|roadmap|strategy|pilot|"
    r"partnerships?|shortlist|contract|agreements?|documentation|runbook|training|"
    r"meetings?|syncs?|launch|roll-?out|kick-?off|go-?live|hackathon|event|analysis|"
    r"assessments?|audit|evidence|library|portal|tool|platform|integration|upgrade)\b", re.I)
_PLACEHOLDER = re.compile(
    r"\[(?![ xX✓✔]?\])[^\[\]\n]{1,60}\]|\{\{?\s*[A-Za-z_][\w .-]{0,40}\}\}?|"
    r"<(?=[A-Za-z])[A-Za-z _-]{1,40}>|\b(?:TBD|TBC|TODO|XXX+|N/A)\b|\bQ\[X\]|\bQX\b")


def measured_result(title: str) -> bool:
    """Whether ``title`` names a quantity tied to a result (module docstring).

    >>> measured_result("Launch 3 AI features with over 80% user adoption")
    True
    >>> measured_result("Launch 3 AI features")
    False
    """
    return bool(_RESULT.search(title))


def activity_reason(title: str) -> str | None:
    """Why ``title`` reads as an activity rather than an outcome; ``None`` for an outcome.

    >>> activity_reason("Deploy chatbot")
    "it starts with 'Deploy', work rather than a result"
    >>> activity_reason("Chatbot deployed to production")
    "'deployed' names work done rather than a result"
    >>> activity_reason("Run the platform at 99.9% uptime") is None
    True
    """
    text = " ".join(title.split())
    if not text or measured_result(text):
        return None
    lead = _LEAD_ACTIVITY.match(text)
    if lead:
        return f"it starts with '{lead.group(1)}', work rather than a result"
    if _LEAD_CHANGE.match(text):
        return None
    passive = _PASSIVE.search(text)
    if passive:
        return f"'{passive.group(1)}' names work done rather than a result"
    if _CHANGE_WORDS.search(text) or (_METRIC_WORDS.search(text)
                                       and not _WORK_NOUNS.search(text)):
        return None  # a change, or the name of a metric (its target is in the numbers)
    return "it names a thing, not a change in a result"


def placeholders(text: str) -> list[str]:
    """Unfilled template placeholders in ``text`` (``[use case]``, ``{team}``, ``TBD``).

    >>> placeholders("Build accurate predictive model for [use case]")
    ['[use case]']
    >>> placeholders("Checklist [ ] and [x] are not placeholders")
    []
    """
    return [m.group() for m in _PLACEHOLDER.finditer(text)]
