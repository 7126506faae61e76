"""How light and quick is the respondent form? Prints figures, writes benchmarks/results/form.json.

1. Time to a usable form: Playwright opens the survey link in a fresh browser
   context; from navigation start to the first answer control visible
   (preheated kernels, and once with the pool used up).
2. Memory per respondent kernel: RSS of the voila server's kernel processes.
3. Load: N respondents (default 30) at once, each opening the link and
   sending a full set of answers over its kernel websocket (role group,
   every statement, a comment, Send); all must be stored.

Run: .venv/bin/python benchmarks/bench_form.py [--respondents 30] [--samples 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

from kernel_client import KernelChannel, open_page, page_kernel_id  # noqa: E402

from orb_widgets.demo import make_demo  # noqa: E402
from orb_widgets.serve import launch  # noqa: E402
from orb_widgets.store import Store  # noqa: E402

CHROMIUM = os.environ.get("ORB_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
COUNTY = "Alder Creek County"


def wait_pool(served, filled_before: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.log().count("is filled with") > filled_before:
            return
        time.sleep(0.1)


def time_to_usable(served, samples: int, pool_size: int) -> dict:
    from playwright.sync_api import sync_playwright

    warm, cold = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)

        def one() -> float:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            page = ctx.new_page()
            page.goto(served.page_url(), wait_until="commit")
            try:
                page.locator("input[type=radio]").first.wait_for(state="visible", timeout=60_000)
            except Exception:
                page.screenshot(path=str(HERE / "results" / "form-timeout.png"))
                print("page never became usable; server log tail:\n" + served.log()[-3000:])
                raise
            ms = page.evaluate("performance.now()")
            ctx.close()
            return ms / 1000

        for _ in range(samples):
            filled = served.log().count("is filled with")
            warm.append(one())
            wait_pool(served, filled)  # the pool is refilled before the next person comes
            time.sleep(0.5)
        # The pool used up: pool_size+1 people open the link at the same moment.
        pages = []
        for _ in range(pool_size + 1):
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            page = ctx.new_page()
            page.goto(served.page_url(), wait_until="commit")
            pages.append((ctx, page))
        stuck = 0
        for ctx, page in pages:
            try:
                page.locator("input[type=radio]").first.wait_for(state="visible", timeout=60_000)
                cold.append(page.evaluate("performance.now()") / 1000)
            except Exception:  # reported, not hidden: see "pool_exhausted_stuck"
                stuck += 1
            ctx.close()
        browser.close()
    return {"preheated_s": warm, "preheated_median_s": statistics.median(warm),
            "pool_exhausted_s": max(cold) if cold else None, "pool_exhausted_stuck": stuck}


def kernel_memory(served) -> dict:
    import psutil

    rss = [c.memory_info().rss for c in psutil.Process(served.process.pid).children(recursive=True)
           if "ipykernel" in " ".join(c.cmdline())]
    server = psutil.Process(served.process.pid).memory_info().rss
    return {"kernels": len(rss), "kernel_rss_mb_median": statistics.median(rss) / 2**20 if rss else None,
            "kernel_rss_mb_max": max(rss) / 2**20 if rss else None, "server_rss_mb": server / 2**20}


OPENING = threading.Semaphore(6)  # people open the link over a few seconds, not in one instant


def respondent(served, k: int, timings: list, errors: list, ready: threading.Barrier) -> None:
    t0 = time.monotonic()
    ch = None
    try:
        with OPENING:
            html = open_page(served.page_url(), timeout=300)
        t_page = time.monotonic() - t0
        ch = KernelChannel(served, page_kernel_id(html))
        try:
            states = ch.widget_states(seconds=60)
            radios = {c: s for c, s in states.items() if s.get("_model_name") == "RadioButtonsModel"}
            role = next(c for c, s in radios.items() if "orb-choices-role" in s["_dom_classes"])
            ch.update(role, {"index": k % len(radios[role]["_options_labels"])})
            for c, s in radios.items():
                if c != role:
                    ch.update(c, {"index": (k + len(c)) % len(s["_options_labels"])})
            box = next(c for c, s in states.items() if s.get("_model_name") == "TextareaModel")
            ch.update(box, {"value": f"load test respondent {k}"})
            send = next(c for c, s in states.items() if s.get("description") == "Send my answers")
            form = next(c for c, s in states.items() if "county" in s)
            ready.wait(timeout=600)  # everyone has filled in the form: all press Send at once
            t_send = time.monotonic()
            ch.click(send)
            # Done when the kernel hides the form body (it clears and thanks the person).
            deadline = time.monotonic() + 120
            body = next(c for c, s in states.items() if "orb-form-body" in s.get("_dom_classes", []))
            body_layout = states[body]["layout"].removeprefix("IPY_MODEL_")
            while time.monotonic() < deadline:
                pid = ch.send("comm_msg", {"comm_id": body_layout, "data": {"method": "request_state"}})
                got = [m for m in ch.replies(pid, seconds=10, until="comm_msg")
                       if m["header"]["msg_type"] == "comm_msg"]
                if got and got[0]["content"]["data"]["state"].get("display") == "none":
                    break
                time.sleep(0.3)
            else:
                raise TimeoutError("no confirmation")
            pid = ch.send("comm_msg", {"comm_id": form, "data": {"method": "request_state"}})
            st = {form: [m for m in ch.replies(pid, seconds=10, until="comm_msg")
                         if m["header"]["msg_type"] == "comm_msg"][0]["content"]["data"]["state"]}
            assert st[form]["county"] == COUNTY
        finally:
            ch.close()
        timings.append((t_page, time.monotonic() - t_send))
    except Exception as exc:  # reported, and the run fails
        errors.append(f"respondent {k}: {exc!r}")
        if ch is None:
            try:
                ready.abort()
            except Exception:
                pass


def load(served, store, n: int) -> dict:
    before = store.response_count(COUNTY)
    timings, errors = [], []
    ready = threading.Barrier(n)
    threads = [threading.Thread(target=respondent, args=(served, k, timings, errors, ready)) for k in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    stored = store.response_count(COUNTY) - before
    done = sorted(t for _, t in timings)
    return {"respondents": n, "stored": stored, "errors": errors, "wall_s": wall,
            "page_s_median": statistics.median(p for p, _ in timings) if timings else None,
            "send_to_confirmed_s_median": statistics.median(done) if done else None,
            "send_to_confirmed_s_p95": done[int(0.95 * (len(done) - 1))] if done else None,
            "note": "pages opened at most 6 at a time; then all respondents press Send at the same moment"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=30)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--pool-size", type=int, default=2)
    ap.add_argument("--out", default=str(HERE / "results" / "form.json"))
    args = ap.parse_args(argv)
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="orb-bench-form-"))
    store = Store.open(folder)
    make_demo(store, counties=2, seed=5, responses=(10, 12))
    served = launch(folder, form=True, county=COUNTY, pool_size=args.pool_size)
    try:
        wait_pool(served, 0)
        usable = time_to_usable(served, args.samples, args.pool_size)
        print(f"usable form (preheated), median of {args.samples}: {usable['preheated_median_s']:.2f} s "
              f"(samples {', '.join(f'{s:.2f}' for s in usable['preheated_s'])})")
        print(f"usable form when the pool is used up: {usable['pool_exhausted_s']:.2f} s"
              + (f" ({usable['pool_exhausted_stuck']} page(s) never loaded!)" if usable["pool_exhausted_stuck"] else ""))
        memory = kernel_memory(served)
        print(f"respondent kernel RSS: median {memory['kernel_rss_mb_median']:.0f} MB over "
              f"{memory['kernels']} kernels (max {memory['kernel_rss_mb_max']:.0f} MB); "
              f"voila server {memory['server_rss_mb']:.0f} MB")
        loaded = load(served, store, args.respondents)
        print(f"{loaded['respondents']} respondents sending at once: {loaded['stored']} stored; whole run "
              f"{loaded['wall_s']:.1f} s (page open median {loaded['page_s_median']:.1f} s; Send → confirmed "
              f"median {loaded['send_to_confirmed_s_median']:.2f} s, p95 {loaded['send_to_confirmed_s_p95']:.2f} s)")
        for e in loaded["errors"][:5]:
            print("  ", e)
        memory_after = kernel_memory(served)
        print(f"after the load run: {memory_after['kernels']} kernels, median "
              f"{memory_after['kernel_rss_mb_median']:.0f} MB each")
    finally:
        served.stop()
    result = {"machine": {"cpus": os.cpu_count()}, "pool_size": args.pool_size, "usable": usable,
              "memory": memory, "memory_after_load": memory_after, "load": loaded}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")
    assert loaded["stored"] == args.respondents, f"only {loaded['stored']} of {args.respondents} stored"
    return 0


if __name__ == "__main__":
    sys.exit(main())
