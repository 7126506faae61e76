"""How soon is a workbook page usable? Prints figures, writes benchmarks/results/pages.json.

1. Each step page, opened in a fresh Chromium context at 1366x900 (nothing
   cached): the time from asking for the page to its first usable control
   (a visible input, list or button inside the page's widgets, noted by the
   page itself at the first frame it is shown), median of ``--samples``. The
   floor it is compared with is a static page holding one control, served
   from this machine and measured the same way: what no server can beat.
   Beside it, voila's own floor: a notebook showing one text box, served by
   the same ``orb serve`` (template, kept-ready kernel), measured the same way.
   With ``--lean``, each step is opened again with voila's page script swapped for a lean one
   (``benchmarks/lean_page``: the widget manager and the kernel connection, one file, built with npm):
   how soon the same page, from the same kept-ready kernel, could be usable without voila's script.
   A measurement only; the product serves voila's script.
2. N people open the Results page at the same moment (``--crowd 8 30``):
   when the first and the last of them had a usable page, and the memory
   (PSS, psutil) of voila and every kernel it runs, before and after.

Pages are opened the way a team opens them: ``?county=NAME`` in the address,
on a demo workspace of ``--counties`` counties. Between samples the page is
closed and the step's kept-ready kernel replaced, so every sample is a person
arriving at a server that was waiting for them.

The server is ``orb serve`` with ``--pool N`` kernels started ahead of time per
step (``--pool 0``: none) and ``--results-pool M`` for the Results page, as a
coach sets it before a webinar (``orb serve --pool 06-results=8``).

Run: .venv/bin/python benchmarks/bench_pages.py [--samples 5] [--crowd 8 30] [--pool 1] [--lean]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psutil
from _common import CHROMIUM, FLAGS, static_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
VIEWPORT = {"width": 1366, "height": 900}
MB = 1024 * 1024
#: The first usable control of a page: something a person can type in, pick from or press.
CONTROL = (
    ".jupyter-widgets input:visible, .jupyter-widgets select:visible, "
    ".jupyter-widgets button:visible, .jupyter-widgets textarea:visible"
)
STATIC = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>
<body><div class="jupyter-widgets"><label>Your name <input type="text"></label></div></body></html>"""


#: Run in every page before its own scripts: notes the moment the first control is visible (a box a
#: person can see and use), by the page's clock, checked every frame. The driver's own waiting polls
#: with growing pauses (up to half a second) and would add its pause to slow pages only.
MARK_USABLE = """
(() => {
  const controls = '.jupyter-widgets input, .jupyter-widgets select, .jupyter-widgets button, .jupyter-widgets textarea';
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    return el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : el.offsetParent !== null;
  };
  const look = () => {
    if ([...document.querySelectorAll(controls)].some(shown)) {
      window.__orbUsable = performance.timeOrigin + performance.now();
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""


async def _usable(browser, url: str, timeout_s: float = 180, lean: bytes | None = None) -> float:
    """Seconds from asking for ``url`` to its first usable control, in a fresh context (no cache);
    with ``lean``, the page's script is that one instead of voila's (:func:`lean_script`)."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(MARK_USABLE)
    if lean is not None:
        await _swap_script(context, lean)
    try:
        page = await context.new_page()
        asked = time.time()
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        await page.locator(CONTROL).first.wait_for(state="visible", timeout=timeout_s * 1000)
        await page.wait_for_function("window.__orbUsable !== undefined", timeout=timeout_s * 1000)
        return await page.evaluate("window.__orbUsable") / 1000 - asked
    finally:
        await context.close()


LEAN = HERE / "lean_page"
VOILA_SCRIPT = '<script src="/voila/static/voila.js"></script>'


def lean_script() -> bytes:
    """The lean page script (``benchmarks/lean_page``), built with npm and esbuild the first time."""
    built = LEAN / "dist" / "lean.js"
    if not built.exists():
        for argv in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
            done = subprocess.run(argv, cwd=LEAN, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"benchmarks/lean_page: {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return built.read_bytes()


async def _swap_script(context, lean: bytes) -> None:
    """Every page voila draws is given ``lean`` instead of voila's own script (served from here)."""

    async def page(route):
        response = await route.fetch()
        body = await response.text()
        assert VOILA_SCRIPT in body, "voila's page no longer loads voila.js as expected"
        await route.fulfill(response=response, body=body.replace(VOILA_SCRIPT, '<script src="/lean/lean.js"></script>'))

    await context.route(re.compile(r".*/voila/render/.*"), page)
    await context.route("**/lean/lean.js", lambda route: route.fulfill(body=lean, content_type="text/javascript"))


def one_control_notebooks() -> Path:
    """A folder holding one notebook that shows one text box: voila's own floor on this machine."""
    import nbformat

    folder = Path(tempfile.mkdtemp(prefix="orb-voila-floor-"))
    nb = nbformat.v4.new_notebook()
    # Like every workbook page, it waits for its request before it draws (orb_widgets.settings.after_request).
    code = "import ipywidgets\nfrom voila.utils import wait_for_request\nwait_for_request()\nipywidgets.Text(description='Your name')"
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "01-one-control.ipynb")
    return folder


def _taken(served, notebook: str) -> int:
    """How many pages of ``notebook`` were given a kernel kept ready (voila logs each)."""
    return sum(1 for line in served.log().splitlines() if "Using pre-heated kernel" in line and notebook in line)


def memory(served) -> dict:
    pss = {"voila": 0.0, "kernels": 0.0, "n_kernels": 0}
    for i, proc in enumerate(served.processes()):
        try:
            value = proc.memory_full_info().pss / MB
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if i == 0:
            pss["voila"] = round(value, 1)
        else:
            pss["kernels"] += value
            pss["n_kernels"] += 1
    pss["kernels"] = round(pss["kernels"], 1)
    return pss


_SEEN: dict[int, psutil.Process] = {}


def settle(served, kernels_at_rest: int | None, timeout: float = 240) -> None:
    """Wait until only the pools' kernels are left (closed pages' kernels shut down, when
    ``kernels_at_rest`` is given) and every kernel is idle: the pools' new kernels have run their
    notebooks up to their page's request, so the next person finds the server as the first did."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        procs = [_SEEN.setdefault(p.pid, p) for p in served.processes()[1:]]  # cpu_percent needs the same object
        culled = kernels_at_rest is None or len(procs) <= kernels_at_rest
        busy = 0.0
        for p in procs:
            try:
                busy += p.cpu_percent(interval=None)
            except psutil.NoSuchProcess:
                pass
        quiet = quiet + 1 if culled and busy < 5 + len(procs) else 0
        if quiet >= 3:
            break
        time.sleep(1)


async def _steps(
    browser, served, pages: list[tuple[str, str]], query: str, samples: int, pooled=True, lean: bytes | None = None
) -> dict:
    """Each page opened ``samples`` times, each time by a person arriving at a server whose kernel for
    the page is ready (started ahead of time and waiting)."""
    steps = {}
    for notebook, title in pages:
        times = []
        while len(times) < samples:
            time.sleep(2)  # the taken kernel's replacement is started a second after it is taken
            settle(served, None)  # ... and has run its notebook up to the page's request
            before = _taken(served, notebook)
            took = await _usable(browser, served.page_url(notebook) + query, lean=lean)
            if not pooled or _taken(served, notebook) > before:
                times.append(took)  # a sample counts only when a kept-ready kernel drew the page
        steps[title] = {"median_s": round(statistics.median(times), 3), "samples_s": [round(t, 3) for t in times]}
    return steps


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    from orb_widgets.app import App
    from orb_widgets.demo import make_demo
    from orb_widgets.progress import STEPS
    from orb_widgets.serve import launch
    from orb_widgets.settings import Settings

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="orb-pages-")) / "ws"
    store = App.for_workspace(folder, create=True).store
    names = make_demo(store, counties=args.counties, seed=2026)
    store.engine.dispose()
    county = names[0]
    query = "&" + urllib.parse.urlencode({"county": county})
    static, static_url = static_server(STATIC)
    out = {"load_before": os.getloadavg(), "counties": args.counties, "samples": args.samples}
    out["pool"], out["results_pool"] = args.pool, args.results_pool
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            await _usable(browser, static_url)  # the browser's own first start is not the floor
            floor = [await _usable(browser, static_url) for _ in range(args.samples)]
            out["floor_s"] = statistics.median(floor)
            print(f"static page with one control: {out['floor_s']:.3f} s", flush=True)
            if not args.crowd_only:
                # voila's own floor: the same server, template and kept-ready kernel, one text box.
                with launch(
                    folder, settings=Settings().with_(notebooks=one_control_notebooks()), pool=1, refill_delay=1
                ) as served:
                    one = await _steps(browser, served, [("01-one-control.ipynb", "one text box")], "", args.samples)
                out["voila_floor_s"] = one["one text box"]["median_s"]
                out["voila_floor_x"] = round(out["voila_floor_s"] / out["floor_s"], 1)
                print(f"voila page with one text box: {out['voila_floor_s']:.2f} s {out['voila_floor_x']}x", flush=True)
                # Each step, a person at a time: the pools are refilled a second after a kernel is taken
                # (orb serve waits 30 s, for a crowd's sake; one person at a time finds it refilled).
                with launch(folder, cull_idle_timeout=60, cull_interval=5, pool=args.pool, refill_delay=1) as served:
                    steps = await _steps(
                        browser, served, [(nb, title) for nb, title, _ in STEPS], query, args.samples, args.pool > 0
                    )
                    if args.lean:
                        lean = await _lean_steps(p, served, query, args.samples)
                for title, step in steps.items():
                    if args.lean:
                        step["lean_median_s"] = lean[title]["median_s"]
                        step["lean_samples_s"] = lean[title]["samples_s"]
                        step["lean_x_floor"] = round(step["lean_median_s"] / out["floor_s"], 1)
                    step["x_floor"] = round(step["median_s"] / out["floor_s"], 1)
                    step["x_voila_floor"] = round(step["median_s"] / out["voila_floor_s"], 2)
                    lean_part = (
                        f"   lean script {step['lean_median_s']:5.2f} s {step['lean_x_floor']:5.1f}x"
                        if args.lean
                        else ""
                    )
                    print(
                        f"{title:32s} {step['median_s']:6.2f} s  {step['x_floor']:6.1f}x floor{lean_part}", flush=True
                    )
                out["steps"] = steps
                medians = [s["median_s"] for s in steps.values()]
                out["step_median_s"] = statistics.median(medians)
                out["step_median_x"] = round(out["step_median_s"] / out["floor_s"], 1)
                out["step_slowest_x"] = round(max(medians) / out["floor_s"], 1)
                if args.lean:
                    out["lean_median_s"] = statistics.median(s["lean_median_s"] for s in steps.values())
                    out["lean_median_x"] = round(out["lean_median_s"] / out["floor_s"], 1)
                    print(
                        f"with the lean script: median {out['lean_median_s']:.2f} s = {out['lean_median_x']}x",
                        flush=True,
                    )
            out["crowds"] = await _crowds(browser, folder, query, args, out["floor_s"]) if args.crowd else {}
            await browser.close()
    finally:
        static.shutdown()
    out["load_after"] = os.getloadavg()
    return out


async def _lean_steps(playwright, served, query: str, samples: int) -> dict:
    """Each step again, its page given the lean script. A page whose script was not the server's own
    may not open a connection to this machine by Chromium's local-network checks: those are off here."""
    from orb_widgets.progress import STEPS

    lean = lean_script()
    flags = [*FLAGS, "--disable-features=LocalNetworkAccessChecks"]
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=flags, headless=True)
    try:
        return await _steps(browser, served, [(nb, title) for nb, title, _ in STEPS], query, samples, lean=lean)
    finally:
        await browser.close()


async def _crowds(browser, folder: Path, query: str, args, floor_s: float) -> dict:
    """N people opening Results at the same moment, on ``orb serve`` as a coach starts it before a
    webinar (``--pool 06-results=M``; the server's own idle time and refill delay)."""
    from orb_widgets.progress import STEPS
    from orb_widgets.serve import launch

    crowds = {}
    sizes = {"default": args.pool, "06-results.ipynb": args.results_pool}
    with launch(folder, pool=sizes) as served:
        # Wait for the pools to fill before anyone arrives (a server is started before a webinar).
        deadline = time.monotonic() + 600
        want = args.pool * (len(STEPS) - 1) + args.results_pool
        while len(served.processes()) - 1 < want and time.monotonic() < deadline:
            await asyncio.sleep(1)
        settle(served, None)
        at_rest = len(served.processes()) - 1
        for n in args.crowd:
            settle(served, at_rest, timeout=600)  # the last crowd's closed pages gone, the pool refilled
            before = memory(served)
            start = time.perf_counter()
            peak = {}

            async def sample_memory(peak=peak):
                while True:
                    m = memory(served)
                    if m["kernels"] + m["voila"] > peak.get("kernels", 0) + peak.get("voila", 0):
                        peak.update(m)
                    await asyncio.sleep(0.5)

            sampler = asyncio.ensure_future(sample_memory())
            url = served.page_url("06-results.ipynb") + query
            got = await asyncio.gather(
                *[_usable(browser, url, timeout_s=600) for _ in range(n)], return_exceptions=True
            )
            sampler.cancel()
            times = [t for t in got if isinstance(t, float)]
            never = n - len(times)  # not usable within 10 minutes
            if not times:
                times = [float("inf")]
            crowds[str(n)] = {
                "first_s": round(min(times), 2),
                "last_s": round(max(times), 2),
                "median_s": round(statistics.median(times), 2),
                "last_x_floor": round(max(times) / floor_s, 1),
                "never_usable": never,
                "wall_s": round(time.perf_counter() - start, 2),
                "memory_before": before,
                "memory_peak": peak,
                "load": os.getloadavg(),
                "results_pool": args.results_pool,
            }
            print(
                f"{n} open Results at once (pool {args.results_pool}): first {min(times):.2f} s, last {max(times):.2f} s "
                f"({max(times) / floor_s:.0f}x floor; {never} never usable within 10 minutes); kernels' PSS peak "
                f"{peak.get('kernels', 0):.0f} MB in {peak.get('n_kernels', 0)} kernels, voila {peak.get('voila', 0):.0f} MB",
                flush=True,
            )
    return crowds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--crowd", type=int, nargs="*", default=[8, 30])
    parser.add_argument("--counties", type=int, default=2)
    parser.add_argument("--pool", type=int, default=1, help="preheated kernels per step (0: none)")
    parser.add_argument(
        "--results-pool",
        type=int,
        default=8,
        help="preheated kernels for the Results page (a webinar opens it together)",
    )
    parser.add_argument("--crowd-only", action="store_true", help="skip the one-page-at-a-time part")
    parser.add_argument("--lean", action="store_true", help="each step also with a lean page script (lean_page)")
    parser.add_argument("--out", default=str(HERE / "results" / "pages.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(f"static page with one control: {result['floor_s']:.3f} s (median of {args.samples})")
    if "steps" in result:
        print(
            f"steps: median {result['step_median_s']:.2f} s = {result['step_median_x']}x the floor, slowest "
            f"{result['step_slowest_x']}x; voila's own page with one text box {result['voila_floor_x']}x"
        )
    print(
        f"load average before/after: {result['load_before'][0]:.1f} / {result['load_after'][0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
