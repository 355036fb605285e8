"""Benchmark: reading a big plan YAML (line numbers kept) against libyaml alone.

The plan is the enterprise generator's 1,000-team case (``--teams 1000``: about 16 key
results per team, 4 levels), written with ``okrkit.plan.dump_plan``. Measured in the same
run, best of ``--repeat``:

* ``okrkit.load_plan`` — parse once with the C composer, build the data from its nodes,
  validate (pydantic), build the frames, check the plan's rules;
* ``yaml.compose(text, Loader=yaml.CSafeLoader)`` — the C composer alone (the floor of
  any reader that keeps line numbers from the nodes);
* ``yaml.load(text, Loader=yaml.CSafeLoader)`` — plain data, no line numbers, no checks.

Usage: ``python benchmarks/bench_plan_load.py [--teams 1000] [--repeat 3]``. Prints a
table and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import timeit
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from generate import make_enterprise

from okrkit.plan import dump_plan, load_plan


def best_of(n: int, fn: Any) -> float:
    return min(timeit.repeat(fn, number=1, repeat=n))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    plan, _ = make_enterprise(16 * args.teams, 10, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.yaml"
        path.write_text(dump_plan(plan), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
        t_okrkit = best_of(args.repeat, lambda: load_plan(path))
        t_compose = best_of(args.repeat, lambda: yaml.compose(text, Loader=yaml.CSafeLoader))
        t_load = best_of(args.repeat, lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    rows = [("okrkit.load_plan", t_okrkit), ("yaml.compose (CSafeLoader)", t_compose),
            ("yaml.load (CSafeLoader)", t_load)]
    print(f"plan: {len(plan.objectives):,} objectives, {len(plan.key_results):,} key results, "
          f"{len(text) / 1e6:.1f} MB of YAML")
    for name, t in rows:
        print(f"  {name:28s} {t:6.2f} s")
    out = {"teams": args.teams, "key_results": len(plan.key_results),
           "yaml_mb": round(len(text) / 1e6, 2), "okrkit_s": round(t_okrkit, 2),
           "compose_s": round(t_compose, 2), "load_s": round(t_load, 2),
           "okrkit_vs_load": round(t_okrkit / t_load, 2),
           "okrkit_vs_compose": round(t_okrkit / t_compose, 2)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
