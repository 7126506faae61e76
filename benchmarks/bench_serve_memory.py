"""What does one active team member cost on ``orb serve``? Prints figures, writes benchmarks/results/serve_memory.json.

A person clicking through the workbook opens every step page once (as a
browser does: the page is rendered, then its kernel websocket is opened and
the widgets are fetched). Each page has its own kernel. We measure, with
psutil, the PSS and RSS of every kernel voila started and of voila itself,
while all the pages are still open (the worst moment: before closed pages'
kernels are shut down).

PSS (proportional set size) shares the pages that kernels have in common
(Python, libraries) between them, so summed PSS is the real cost; summed RSS
counts shared pages once per kernel and overstates it.

Run: .venv/bin/python benchmarks/bench_serve_memory.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

from kernel_client import KernelChannel, open_page, page_kernel_id  # noqa: E402

from orb_widgets.app import App  # noqa: E402
from orb_widgets.demo import make_demo  # noqa: E402
from orb_widgets.progress import STEPS  # noqa: E402
from orb_widgets.serve import launch  # noqa: E402

MB = 1024 * 1024


def memory(proc: psutil.Process) -> tuple[float, float]:
    info = proc.memory_full_info()
    return info.pss / MB, info.rss / MB


def main() -> None:
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="orb-mem-")) / "ws"
    store = App.for_workspace(folder, create=True).store
    make_demo(store, counties=6, seed=2026)
    county = store.counties()[0].name
    store.engine.dispose()
    with launch(folder, county=county) as served:
        voila = psutil.Process(served.process.pid)
        before = {p.pid for p in voila.children(recursive=True)}
        channels, pages = [], []
        for notebook, title, _ in STEPS:
            html = open_page(served.page_url(notebook) + f"&county={county.replace(' ', '+')}")
            channel = KernelChannel(served, page_kernel_id(html))
            channel.widget_states()  # what a browser does once the page is shown
            channels.append(channel)
            pages.append(title)
        kernels = [p for p in voila.children(recursive=True) if p.pid not in before]
        per_kernel = [memory(p) for p in kernels]
        server = memory(voila)
        for c in channels:
            c.close()
    result = {
        "pages_opened": pages,
        "kernels": len(kernels),
        "per_kernel_pss_mb": [round(p, 1) for p, _ in per_kernel],
        "per_kernel_rss_mb": [round(r, 1) for _, r in per_kernel],
        "person_total_pss_mb": round(sum(p for p, _ in per_kernel), 1),
        "person_total_rss_mb": round(sum(r for _, r in per_kernel), 1),
        "voila_server_pss_mb": round(server[0], 1),
        "voila_server_rss_mb": round(server[1], 1),
    }
    out = HERE / "results" / "serve_memory.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
