#!/usr/bin/env python3
"""Does scoring cost grow with the number of people? ``orb score`` on a big county against a small one.

    .venv/bin/python benchmarks/bench_score.py [--big 5000] [--small 40] [--runs 5]

Makes two demo workspaces in a temporary folder, each with one fictional county whose scored wave has
``--small`` and ``--big`` respondents (every respondent answers the whole instrument; the county has an
earlier wave of the same size, as a county in its second round would), then runs
``orb score --json`` on each, alternately, ``--runs`` times, as a person at the command line would.
Prints the median wall and CPU seconds of each and their ratio (the aim: the big county within 1.5× of
the small one), and writes benchmarks/results/score.json (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "score.json"
COUNTY = "Alder Creek County"


def make(workspace: Path, people: int) -> None:
    sys.path.insert(0, str(ROOT))
    from orb_widgets import demo
    from orb_widgets.app import App

    demo.make_demo(App.for_workspace(workspace, create=True).store, counties=1, responses=(people, people + 1))


def run_score(workspace: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # The checkout's own code, as `orb` would run it from here (not whatever the venv installed).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run(
        [sys.executable, "-m", "orb_widgets.cli", "score", "--workspace", str(workspace), "--county", COUNTY, "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", type=int, default=5000)
    ap.add_argument("--small", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spaces = {"small": Path(tmp, "small"), "big": Path(tmp, "big")}
        make(spaces["small"], args.small)
        make(spaces["big"], args.big)
        for ws in spaces.values():  # a first run warms the file cache; not counted
            run_score(ws)
        times = {k: [] for k in spaces}
        for _ in range(args.runs):
            for k, ws in spaces.items():
                times[k].append(run_score(ws))
    result = {
        "when": time.strftime("%Y-%m-%d"),
        "machine": platform.platform(),
        "runs": args.runs,
        "people": {"small": args.small, "big": args.big},
    }
    for k in times:
        result[k] = {
            "wall": statistics.median(w for w, _ in times[k]),
            "cpu": statistics.median(c for _, c in times[k]),
        }
    result["ratio_wall"] = result["big"]["wall"] / result["small"]["wall"]
    result["ratio_cpu"] = result["big"]["cpu"] / result["small"]["cpu"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"orb score, {args.small:,} people: {result['small']['wall']:.2f} s wall, {result['small']['cpu']:.2f} s CPU")
    print(f"orb score, {args.big:,} people: {result['big']['wall']:.2f} s wall, {result['big']['cpu']:.2f} s CPU")
    print(f"ratio: {result['ratio_wall']:.2f}× wall, {result['ratio_cpu']:.2f}× CPU (aim: at most 1.5×)")


if __name__ == "__main__":
    main()
