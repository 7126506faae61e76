#!/usr/bin/env python3
"""How much faster ``orb packets`` is than the route a person would script by hand.

    .venv/bin/python benchmarks/bench_packets.py [--counties 12] [--no-pdf-timing]

Makes a demo workspace of fictional counties in a temporary folder, then times

(a) the naive route: for each county, ``papermill`` then ``jupyter nbconvert --to html --no-input``,
    one after the other (a kernel start, imports and nbconvert's start-up per county);
(b) ``orb packets --all --no-pdf --force`` (one fresh forked process per county, in parallel).

Both build the same HTML packets from the same notebook. Prints wall seconds, CPU seconds (the machine
may be shared: CPU seconds say more then), their ratios, per-county seconds and peak memory, and the PDF
seconds per packet from a separate ``orb packets --pdf`` run. Writes benchmarks/results/packets.json
(gitignored) and a line to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "packet.ipynb"
RESULTS = ROOT / "benchmarks" / "results" / "packets.json"

# Runs a command and reports the CPU seconds and peak memory of everything it started.
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "wall = time.perf_counter() - t\n"
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': rc.returncode, 'wall': wall, 'cpu': ru.ru_utime + ru.ru_stime,\n"
    "                  'peak_mb': ru.ru_maxrss / 1024, 'err': rc.stderr.decode()[-2000:]}))\n"
)


def measured(cmd: list[str], env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, cmd)], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(map(str, cmd[:3]))} … failed (exit {result['rc']}):\n{result['err']}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=12, help="fictional counties (at least 12; default 12)")
    ap.add_argument("--no-pdf-timing", action="store_true", help="skip the PDF run")
    args = ap.parse_args()
    n = max(12, args.counties)
    env = {k: v for k, v in os.environ.items() if k not in ("ORB_DATABASE_URL", "ORB_WORKSPACE")}
    env["MPLBACKEND"] = "Agg"
    # Measure this checkout (not whatever an editable install points at), in papermill's kernel too.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    orb = [sys.executable, "-m", "orb_widgets.cli"]
    with tempfile.TemporaryDirectory(prefix="orb-bench-") as tmp:
        tmp = Path(tmp)
        ws = tmp / "ws"
        subprocess.run(
            [*orb, "demo", "--workspace", ws, "--counties", str(n)], check=True, env=env, stdout=subprocess.DEVNULL
        )
        counties = subprocess.run(
            [*orb, "counties", "--workspace", ws], check=True, env=env, capture_output=True, text=True
        ).stdout.splitlines()
        where = subprocess.run(
            [sys.executable, "-c", "import orb_widgets; print(orb_widgets.__file__)"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(
            f"Demo workspace: {len(counties)} fictional counties; machine: {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; measuring {Path(where).parent}"
        )

        # (a) the naive route, one county after the other
        naive_dir = tmp / "naive"
        naive_dir.mkdir()
        naive = []
        for k, county in enumerate(counties):
            nb = naive_dir / f"county-{k}.ipynb"
            run = measured(
                [
                    BIN / "papermill",
                    NOTEBOOK,
                    nb,
                    "-p",
                    "county",
                    county,
                    "-p",
                    "workspace",
                    ws,
                    "--no-progress-bar",
                    "-k",
                    "python3",
                ],
                env,
            )
            conv = measured([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb], env)
            naive.append(
                {
                    "county": county,
                    "seconds": run["wall"] + conv["wall"],
                    "cpu": run["cpu"] + conv["cpu"],
                    "peak_mb": max(run["peak_mb"], conv["peak_mb"]),
                }
            )
            print(f"  naive {k + 1:2}/{len(counties)} {county}: {naive[-1]['seconds']:.2f} s", flush=True)
        naive_wall = sum(r["seconds"] for r in naive)
        naive_cpu = sum(r["cpu"] for r in naive)

        # (b) orb packets, one run
        out = tmp / "packets"
        fast = measured(
            [*orb, "packets", "--all", "--no-pdf", "--force", "--quiet", "--workspace", ws, "--out", out], env
        )
        manifest = json.loads((out / "manifest.json").read_text())
        per = [manifest["packets"][c] for c in counties]
        assert all(p["status"] == "ok" for p in per), "orb packets did not build every packet"

        pdf = None
        if not args.no_pdf_timing:
            out_pdf = tmp / "packets-pdf"
            with_pdf = measured(
                [*orb, "packets", "--all", "--pdf", "--force", "--quiet", "--workspace", ws, "--out", out_pdf], env
            )
            m2 = json.loads((out_pdf / "manifest.json").read_text())
            pdf_secs = [m2["packets"][c]["pdf_seconds"] for c in counties]
            pdf_cpu = [m2["packets"][c]["pdf_cpu_seconds"] for c in counties]
            pdf = {
                "wall": with_pdf["wall"],
                "cpu": with_pdf["cpu"],
                "peak_mb": with_pdf["peak_mb"],
                "pdf_seconds_mean": sum(pdf_secs) / len(pdf_secs),
                "pdf_seconds_max": max(pdf_secs),
                "pdf_cpu_seconds_mean": sum(pdf_cpu) / len(pdf_cpu),
                "pdf_cpu_seconds_max": max(pdf_cpu),
                # what the PDFs added to the whole run's CPU (the warm-up's preview included), a packet
                "added_cpu_per_packet": (with_pdf["cpu"] - fast["cpu"]) / len(counties),
            }

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = {
        "counties": len(counties),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min_after": load,
        "naive": {
            "wall": naive_wall,
            "cpu": naive_cpu,
            "per_county_wall": naive_wall / len(counties),
            "peak_mb": max(r["peak_mb"] for r in naive),
            "counties": naive,
        },
        "orb_packets": {
            "wall": fast["wall"],
            "cpu": fast["cpu"],
            "per_county_wall": fast["wall"] / len(counties),
            "peak_mb": fast["peak_mb"],
            "child_seconds": {p["county"]: p["seconds"] for p in per},
            "child_peak_mb": {p["county"]: p["peak_mb"] for p in per},
        },
        "speedup_wall": naive_wall / fast["wall"],
        "speedup_cpu": naive_cpu / fast["cpu"],
        "with_pdf": pdf,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))

    print(
        f"\n(a) naive papermill + nbconvert, one by one: {naive_wall:6.1f} s wall, {naive_cpu:6.1f} s CPU "
        f"({naive_wall / len(counties):.2f} s a county), peak {result['naive']['peak_mb']:.0f} MB"
    )
    print(
        f"(b) orb packets --no-pdf:                  {fast['wall']:6.1f} s wall, {fast['cpu']:6.1f} s CPU "
        f"({fast['wall'] / len(counties):.2f} s a county), peak {fast['peak_mb']:.0f} MB"
    )
    secs = [p["seconds"] for p in per]
    print(
        f"    each county's own process: {min(secs):.2f}–{max(secs):.2f} s "
        f"(mean {sum(secs) / len(secs):.2f}), peak {max(p['peak_mb'] for p in per):.0f} MB"
    )
    print(f"    speed-up (a)/(b): {result['speedup_wall']:.1f}× wall, {result['speedup_cpu']:.1f}× CPU")
    if pdf:
        print(
            f"    with --pdf: {pdf['wall']:.1f} s wall; WeasyPrint {pdf['pdf_seconds_mean']:.2f} s a packet "
            f"(max {pdf['pdf_seconds_max']:.2f}), {pdf['pdf_cpu_seconds_mean']:.2f} s of CPU "
            f"(max {pdf['pdf_cpu_seconds_max']:.2f}); the whole run's CPU grew "
            f"{pdf['added_cpu_per_packet']:.2f} s a packet"
        )
    if load is not None and load > (os.cpu_count() or 1):
        print(
            f"    note: load average {load:.1f} on {os.cpu_count()} cores — the machine was busy; "
            f"CPU seconds are the fairer comparison"
        )
    print(
        f"\ndocs/benchmarks.md: `orb packets --no-pdf` built {len(counties)} demo packets in {fast['wall']:.1f} s vs "
        f"{naive_wall:.1f} s for papermill + nbconvert one by one ({result['speedup_wall']:.1f}× faster, "
        f"{result['speedup_cpu']:.1f}× less CPU) on {os.cpu_count()} cores"
        + (f"; PDF adds {pdf['pdf_seconds_mean']:.1f} s a packet." if pdf else ".")
    )
    print(f"Results: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
