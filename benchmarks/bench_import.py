"""How long `orb import` takes, and how much memory it holds, for a large Google Forms CSV.

Writes a CSV of ROWS responses (default 1,000,000) to a 36-question survey,
then runs `orb import` on it in a child process and, as the reference,
`pandas.read_csv` of the same file in another; prints seconds and peak memory
(resident set size) of each. Not part of the test suite.

usage: python benchmarks/bench_import.py [ROWS] [--keep DIR]
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_export(path: Path, inst, rows: int) -> None:
    rng = random.Random(8)
    labels = [*inst.scale.labels, inst.scale.dont_know_label, ""]
    head = [
        "Timestamp",
        inst.role_question,
        *(f"[{i.id}] {i.text}" for i in inst.items),
        *(f"[{e}-comments] {inst.comment_prompt(e)}" for e in inst.elements),
    ]
    roles = [r.label for r in inst.roles]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for k in range(rows):
            minute = k // 20
            stamp = f"{1 + minute // 40320 % 12}/{1 + minute // 1440 % 28}/{2025 + minute // 483840} {minute // 60 % 24}:{minute % 60:02d}:{k % 60:02d}"
            w.writerow(
                [
                    stamp,
                    rng.choice(roles),
                    *(rng.choice(labels) for _ in inst.items),
                    *("More time to practise, please." if rng.random() < 0.1 else "" for _ in inst.elements),
                ]
            )


def measure(code: str) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of a child Python running ``code``."""
    peak = (
        "import atexit, resource, sys; atexit.register(lambda: sys.stderr.write("
        "f'PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
    )
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", peak + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - t
    lines = [x for x in done.stderr.splitlines() if x.startswith("PEAK ")]
    if done.returncode or not lines:
        raise SystemExit(done.stdout + done.stderr)
    print(done.stdout.strip())
    return seconds, int(lines[-1].split()[1]) / 1024


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    sys.path.insert(0, str(ROOT))
    from orb_widgets.instrument import tailor

    inst = tailor("cpm-orb", county="Bench County")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "responses.csv"
        write_export(path, inst, rows)
        size = path.stat().st_size / 1e6
        pd_s, pd_mb = measure(f"import pandas as pd; pd.read_csv({str(path)!r}, dtype=str)")
        ws = folder / "ws"
        setup = (
            f"from orb_widgets.app import App; from orb_widgets.instrument import tailor; "
            f"s = App.for_workspace({str(ws)!r}, create=True).store; s.add_county('Bench County'); "
            f"s.save_instrument(tailor('cpm-orb', county='Bench County'))"
        )
        subprocess.run([sys.executable, "-c", setup], check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
        orb_s, orb_mb = measure(
            f"from orb_widgets.cli import main; raise SystemExit(main(['import', "
            f"'--workspace', {str(ws)!r}, '--county', 'Bench County', '--wave', 'w1', "
            f"{str(path)!r}]))"
        )
    print(f"{rows:,} rows, {size:,.0f} MB CSV, 36 questions + 6 comment boxes")
    print(f"pandas.read_csv (reference): {pd_s:8.1f} s  peak {pd_mb:7.0f} MB")
    print(f"orb import (check + store):  {orb_s:8.1f} s  peak {orb_mb:7.0f} MB")


if __name__ == "__main__":
    main()
