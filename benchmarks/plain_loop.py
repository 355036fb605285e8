"""The reference of bench_end_to_end.py: a plain-Python loop over the two files.

PyYAML's C loader for the plan, ``csv.DictReader`` for the check-ins, the latest check-in
per key result (by date, then file order), linear progress clamped to 0..1, the weighted
mean per objective. No validation, no line numbers, no pacing or status: the floor a
hand-written script gets away with. Prints one JSON line (counts and the mean score).

Usage: ``python benchmarks/plain_loop.py PLAN.yaml CHECKINS.csv``.
"""

import csv
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as fh:
    plan = yaml.load(fh, Loader=yaml.CSafeLoader)
krs = {}
for obj in plan["objectives"]:
    for kr in obj.get("key_results") or []:
        krs[kr["id"]] = (obj["id"], kr)
latest = {}
with open(sys.argv[2], newline="", encoding="utf-8") as fh:
    for row in csv.DictReader(fh):
        kid = row["kr_id"]
        if kid in krs and (kid not in latest or row["date"] >= latest[kid][0]):
            latest[kid] = (row["date"], float(row["value"]))
sums = {}
for kid, (oid, kr) in krs.items():
    base, target = float(kr.get("baseline") or 0), float(kr["target"])
    value = latest[kid][1] if kid in latest else base
    span = target - base
    progress = 0.0 if span == 0 else min(1.0, max(0.0, (value - base) / span))
    if kr.get("direction") in ("decrease", "at_most"):
        progress = 0.0 if span == 0 else min(1.0, max(0.0, (base - value) / -span))
    w = float(kr.get("weight", 1))
    total, weights = sums.get(oid, (0.0, 0.0))
    sums[oid] = (total + w * progress, weights + w)
scores = [t / w for t, w in sums.values() if w]
print(json.dumps({"key_results": len(krs), "checked_in": len(latest),
                  "objectives": len(scores), "mean_score": sum(scores) / max(1, len(scores))}))
