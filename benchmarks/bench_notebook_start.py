"""Benchmark: how long a team waits for the weekly check-in app once its kernel is up.

Each run starts a **fresh** Jupyter kernel (as opening ``notebooks/weekly_checkin.ipynb``
does), waits until it is ready, then times inside the kernel ``import okrkit.widgets`` and
building ``CheckinApp`` on a store (the sample; or a synthetic company of ``--teams``
teams), and separately the first chart drawing (opening the charts panel: Altair and
vl-convert are imported only then). Goal (issue 11): import + build <= 1.5 s.

Usage: ``python benchmarks/bench_notebook_start.py [--runs 5] [--teams 10,100,1000]``.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
GOAL_S = 1.5

CODE = """
import json as _json, time as _time
_t0 = _time.perf_counter()
import okrkit.widgets
from okrkit.widgets import CheckinApp
_t1 = _time.perf_counter()
_app = CheckinApp(db={db!r}, period={period!r}, team={team!r}, as_of={as_of!r})
_t2 = _time.perf_counter()
import sys as _sys
_lazy = "altair" not in _sys.modules and "vl_convert" not in _sys.modules
getattr(_app, "show_charts", lambda: None)()  # (okrkit before 2026-12 drew them at build)
_t3 = _time.perf_counter()
print(_json.dumps({{"import": _t1 - _t0, "build": _t2 - _t1, "charts": _t3 - _t2,
                   "rows": len(_app.rows), "svg": "<svg" in _app.chart.value,
                   "lazy": _lazy}}))
"""


def _kernel_run(code: str, timeout: float = 300) -> dict:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")  # returns once the kernel is ready
    try:
        out: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("ERROR " + "\n".join(msg["content"]["traceback"]))

        kc.execute_interactive(code, timeout=timeout, output_hook=hook)
        text = "".join(out)
        if "ERROR" in text:
            raise RuntimeError(text)
        return json.loads(text.strip().splitlines()[-1])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def measure(db: str, period: str, team: str, as_of: str, runs: int) -> dict:
    """Median seconds of ``runs`` fresh kernels."""
    got = []
    for _ in range(runs):
        got.append(_kernel_run(CODE.format(db=db, period=period, team=team, as_of=as_of)))
    med = {k: statistics.median(r[k] for r in got) for k in ("import", "build", "charts")}
    med["start"] = statistics.median(r["import"] + r["build"] for r in got)
    med["runs"] = [round(r["import"] + r["build"], 3) for r in got]
    med["rows"] = got[0]["rows"]
    med["lazy"] = all(r["lazy"] for r in got)  # no chart library loaded by the build
    assert all(r["svg"] for r in got)
    return med


def _sample(folder: Path) -> str:
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    url = f"sqlite:///{folder / 'sample.db'}"
    with open_store(url) as store:
        load_sample(store, ROOT / "data")
    return url


def _company(folder: Path, teams: int) -> str:
    from bench_reports import make_store

    url = f"sqlite:///{folder / f'company-{teams}.db'}"
    make_store(url, teams)
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--teams", default="10,100,1000",
                    help="synthetic company sizes for the scaling table ('' to skip)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="okrkit-bench-nb-") as tmp:
        folder = Path(tmp)
        sample = measure(_sample(folder), "2026-Q1", "chatbot", "2026-02-13", args.runs)
        rows.append(("sample (chatbot, 10 KRs)", sample))
        for n in [int(x) for x in args.teams.split(",") if x.strip()]:
            rows.append((f"{n} teams (team-01, 9 KRs)",
                         measure(_company(folder, n), "2026-Q1", "team-01", "2026-02-13",
                                 max(1, args.runs // 2))))
    print(f"{'store':28} {'import':>8} {'build':>8} {'start':>8} {'vs goal':>8} "
          f"{'charts':>8}  runs")
    for name, m in rows:
        print(f"{name:28} {m['import']:8.2f} {m['build']:8.2f} {m['start']:8.2f} "
              f"{m['start'] / GOAL_S:8.2f} {m['charts']:8.2f}  {m['runs']}")
    print(f"goal: import + build <= {GOAL_S} s after the kernel starts "
          "(charts are drawn only when their panel is opened)")
    print(json.dumps({"bench": "notebook_start", "goal_s": GOAL_S, **{
        name: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in m.items()}
        for name, m in rows}}))


if __name__ == "__main__":
    main()
