"""How quick and light is the survey link? Prints figures, writes benchmarks/results/form.json.

1. Link opened → first answer control usable, in a fresh Chromium context:
   median of N at 1366x900, and at 390x844 with the CPU throttled 4x (a
   phone-class CPU).
2. Page weight: the page, its style sheet and script, as sent (gzip).
3. Load: R people (default 300) each open the link, then all press Send
   within one second; every send must be stored. Latency per send (p50/p95)
   and the server's memory before and after, against a first run of 30 to
   show it stays flat.

The reference is the voila form this replaced (one kernel per respondent),
measured on main before the change with the same steps (see REFERENCE).

Run: .venv/bin/python benchmarks/bench_form.py [--respondents 300] [--samples 5]
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _common import CHROMIUM, FLAGS, painted_s, rss_mb

HERE = Path(__file__).resolve().parent
COUNTY = "Alder Creek County"
#: The voila form on main before this change (docs/benchmarks.md, "The survey link", 2 cores).
REFERENCE = {
    "usable_desktop_s": 2.6,
    "usable_phone_s": 2.4,
    "kernel_rss_mb_each": 79,
    "sends_30_p95_s": 5.3,
    "forty_open_median_wait_s": 43,
    "page_weight_kb": 5000,
}


def usable(url: str, samples: int) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for name, size, throttle in [
            ("desktop", {"width": 1366, "height": 900}, 1),
            ("phone_cpu4x", {"width": 390, "height": 844}, 4),
        ]:
            times = []
            for _ in range(samples):
                ctx = browser.new_context(viewport=size)
                page = ctx.new_page()
                if throttle > 1:
                    cdp = ctx.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                page.goto(url, wait_until="commit")
                page.locator("input[type=radio]").first.wait_for(state="visible")
                # Measured in the page (not by the test driver's polling): the first answer
                # control is in the HTML, so it is usable once the page is parsed and painted.
                times.append(painted_s(page))
                ctx.close()
            out[name] = {"samples_s": times, "median_s": statistics.median(times)}
        browser.close()
    return out


def page_weight(base: str, url: str) -> dict:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as r:
        body = r.read()
    html = gzip.decompress(body).decode() if r.headers.get("Content-Encoding") == "gzip" else body.decode()
    sizes = {"page": len(body)}
    for ref in re.findall(r'(?:href|src)="(/survey/static/[^"]+)"', html):
        with urllib.request.urlopen(
            urllib.request.Request(base.rstrip("/") + ref, headers={"Accept-Encoding": "gzip"})
        ) as r:
            sizes[ref.split("/")[-1].split("?")[0]] = len(r.read())
    return {"bytes": sizes, "total_kb": sum(sizes.values()) / 1024, "page_html_kb_uncompressed": len(html) / 1024}


def load(url: str, n: int, items: list[str]) -> dict:
    people = []
    lock = threading.Lock()

    def open_one(k):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(url, timeout=60).read().decode()
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
        data = {
            **hidden,
            "role": "supervisors",
            "c-A": f"load test {k}",
            **{f"q-{i}": str(1 + (k + j) % 5) for j, i in enumerate(items)},
        }
        with lock:
            people.append((opener, urllib.parse.urlencode(data).encode()))

    threads = [threading.Thread(target=open_one, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies, errors = [], []
    start = time.monotonic() + 0.5

    def send(opener, body, k):
        # Everyone presses Send at some moment within the same second.
        time.sleep(max(0.0, start + k / n - time.monotonic()))
        t0 = time.monotonic()
        try:
            with opener.open(urllib.request.Request(url, body, method="POST"), timeout=60) as r:
                ok = r.url.endswith("thanks?lang=en")
        except Exception as exc:  # reported, and the run fails
            errors.append(repr(exc))
            return
        with lock:
            latencies.append(time.monotonic() - t0)
        if not ok:
            errors.append("no thank-you page")

    threads = [threading.Thread(target=send, args=(o, b, k)) for k, (o, b) in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "respondents": n,
        "errors": errors[:5],
        "n_errors": len(errors),
        "send_p50_s": statistics.median(latencies) if latencies else None,
        "send_p95_s": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
    }


def main(argv=None) -> int:
    sys.path.insert(0, str(HERE.parent))
    from orb_widgets.app import App
    from orb_widgets.demo import make_demo
    from orb_widgets.serve import launch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=300)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "results" / "form.json"))
    args = ap.parse_args(argv)
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="orb-bench-form-"))
    store = App.for_workspace(folder, create=True).store
    make_demo(store, counties=2, seed=5, responses=(10, 12))
    link = store.open_link(COUNTY, "bench")
    items = [i.id for i in store.current_instrument(COUNTY).items]
    served = launch(folder, form=True)
    try:
        url = f"{served.url}survey/{link.token}"
        result = {"machine": {"cpus": os.cpu_count()}, "reference_voila_form": REFERENCE}
        result["usable"] = usable(url, args.samples)
        result["weight"] = page_weight(served.url, url)
        result["memory_idle_mb"] = rss_mb(served.process.pid)
        result["load_30"] = load(url, 30, items)
        result["memory_after_30_mb"] = rss_mb(served.process.pid)
        before = store.response_count(COUNTY, "bench")
        result["load"] = load(url, args.respondents, items)
        result["load"]["stored"] = store.response_count(COUNTY, "bench") - before
        result["memory_after_load_mb"] = rss_mb(served.process.pid)
    finally:
        served.stop()
    u, w, ld = result["usable"], result["weight"], result["load"]
    print(
        f"link → first answer control, median of {args.samples}: desktop {u['desktop']['median_s']:.3f} s, "
        f"390x844 with CPU 4x slower {u['phone_cpu4x']['median_s']:.3f} s "
        f"(voila form: {REFERENCE['usable_desktop_s']} s desktop, "
        f"{REFERENCE['usable_desktop_s'] / u['desktop']['median_s']:.0f}x slower)"
    )
    print(
        f"page weight as sent: {w['total_kb']:.1f} KB ({', '.join(f'{k} {v / 1024:.1f}' for k, v in w['bytes'].items())})"
    )
    print(
        f"{ld['respondents']} sends within one second: {ld['stored']} stored, p50 {ld['send_p50_s']:.3f} s, "
        f"p95 {ld['send_p95_s']:.3f} s, {ld['n_errors']} errors"
    )
    print(
        f"server memory: idle {result['memory_idle_mb']:.0f} MB, after 30 sends "
        f"{result['memory_after_30_mb']:.0f} MB, after {ld['respondents']} more "
        f"{result['memory_after_load_mb']:.0f} MB (no kernels)"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")
    assert ld["stored"] == args.respondents, f"only {ld['stored']} of {args.respondents} stored"
    return 0


if __name__ == "__main__":
    sys.exit(main())
