"""What do team members cost on JupyterHub, now that each person's server keeps kernels ready?

Starts a real hub over a demo workspace of two counties (``tests/hub_server.py``, as the hub
tests do: ``orb hub-config``, ``jupyterhub -f``, the shared demo password, one server per person),
with a teams file of ``--members`` county team members (``m01``, ``m02`` … alternating between the
two counties), one more member (``solo``) and a coordinator. Each person's server keeps one kernel
ready for *Start here* and one for *Results* (``orb_widgets.hub.singleuser.HUB_POOL``). People log
in through the hub's log-in form over HTTP and their pages' widgets are fetched over the kernel
websocket through the hub's proxy, as a browser does (the client of ``tests/test_hub.py``).

Measured, as PSS (``psutil``'s ``memory_full_info().pss``: pages shared between processes counted
once, so the sum is the real cost), split into the hub and its proxy, each person's server, and the
kernels:

1. the hub at rest, no one logged in;
2. ``solo`` logged in, their server started and its kept-ready kernels idle;
3. ``solo`` with the *Results* and *Planning matrix* pages open (widgets fetched), once the server
   has replaced the *Results* kernel the page took;
4. a burst: the ``--members`` people log in and open *Results* at the same moment (one thread each,
   a barrier starts them together). Per person the seconds from starting to log in to their
   *Results* widgets fetched (non-empty and naming their county); the peak total while it lasts
   (sampled every 0.5 s) and the total once all is quiet again, with every page still open; how
   many pages a kept-ready kernel served (voila logs "Using pre-heated kernel: <id>" into the hub's
   log, where each person's server writes; matched against each page's kernel id).

Everything the benchmark started is stopped at the end, also on Ctrl-C.

Run: .venv/bin/python benchmarks/bench_hub.py [--members 30] [--out benchmarks/results/hub.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

from hub_server import A, B, hub_family, start_hub, stop_hub  # noqa: E402
from kernel_client import page_kernel_id  # noqa: E402
from test_hub import HubChannel, Person  # noqa: E402

MB = 1024 * 1024
SOLO = "solo"
PAGES = ("06-results.ipynb", "07-planning-matrix.ipynb")
PREHEATED = re.compile(r"Using pre-heated kernel: (\S+) for (\S+)")
#: A person still without their Results this long after the burst began is counted as failed (a
#: request that keeps trickling bytes never times out by itself).
BURST_LIMIT_S = 600
#: The burst is stopped (and the hub with it) when the machine has less memory than this left.
LEAST_FREE_MB = 1500
#: What the hub's log is searched for after the burst (each person's server writes there too).
LOGGED = ("Using pre-heated kernel", "Culling kernel", "Traceback", "timed out", "Kernel started", "[E ")
KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def preheated(log: str) -> set[str]:
    """Ids of the Results kernels voila handed out kept ready (each person's server logs into the hub's log)."""
    return {m.group(1) for m in PREHEATED.finditer(log) if m.group(2) == PAGES[0]}


def teams_file(members: list[str]) -> str:
    """Members alternate between the two demo counties; ``solo`` joins the first."""
    county = {A: [SOLO], B: []}
    for i, name in enumerate(members):
        county[(A, B)[i % 2]].append(name)
    lines = ["coordinators: [cora]", "counties:"]
    lines += [f"  {name}: [{', '.join(people)}]" for name, people in county.items()]
    return "\n".join(lines) + "\n"


def county_of(members: list[str]) -> dict[str, str]:
    return {name: (A, B)[i % 2] for i, name in enumerate(members)}


# ------------------------------------------------------------------ memory
def snapshot(hub: dict) -> dict:
    """PSS in MB of everything the hub runs, by part: hub + proxy, each person's server, each kernel."""
    hub_proc = psutil.Process(hub["proc"].pid)
    family = [hub_proc, *hub_family(hub)]
    servers: dict[int, str] = {}
    hub_proxy, other = 0.0, 0.0
    server_mb: dict[str, float] = {}
    kernels: list[dict] = []
    for proc in family:
        try:
            cmd = " ".join(proc.cmdline())
            pss = proc.memory_full_info().pss / MB
            if "orb_widgets.hub.singleuser" in cmd:
                user = proc.environ().get("JUPYTERHUB_USER", str(proc.pid))
                servers[proc.pid] = user
                server_mb[user] = server_mb.get(user, 0.0) + pss
            elif "ipykernel" in cmd:
                kid = KERNEL_FILE.search(cmd)
                kernels.append({"ppid": proc.ppid(), "id": kid.group(1) if kid else "", "mb": pss})
            elif proc.pid == hub_proc.pid or "configurable-http-proxy" in cmd or proc.ppid() == hub_proc.pid:
                hub_proxy += pss
            else:
                other += pss  # a packet build (none is started here)
        except psutil.Error:
            continue  # ended while we looked
    for k in kernels:
        k["user"] = servers.get(k.pop("ppid"), "?")
    total = hub_proxy + other + sum(server_mb.values()) + sum(k["mb"] for k in kernels)
    return {
        "hub_proxy_mb": hub_proxy,
        "other_mb": other,
        "servers_mb": server_mb,
        "kernels": kernels,
        "total_mb": total,
    }


def person_mb(snap: dict, user: str) -> tuple[float, float, int]:
    """One person's server, their kernels (MB) and how many kernels they have."""
    mine = [k["mb"] for k in snap["kernels"] if k["user"] == user]
    return snap["servers_mb"].get(user, 0.0), sum(mine), len(mine)


def family_cpu(hub: dict) -> float:
    total = 0.0
    for proc in [psutil.Process(hub["proc"].pid), *hub_family(hub)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def settle(hub: dict, ready=lambda snap: True, quiet_s: float = 4.0, timeout: float = 300) -> tuple[dict, float]:
    """Wait until ``ready(snapshot)`` holds and the hub's processes used under 10% of a core for
    ``quiet_s`` seconds; the snapshot then, and the seconds waited."""
    start = time.monotonic()
    while True:
        before = family_cpu(hub)
        time.sleep(quiet_s)
        busy = (family_cpu(hub) - before) / quiet_s
        snap = snapshot(hub)
        if (busy < 0.1 and ready(snap)) or time.monotonic() - start > timeout:
            snap["settled"] = busy < 0.1 and ready(snap)
            return snap, time.monotonic() - start


def rounded(snap: dict, users: list[str] | None = None) -> dict:
    out = {
        "total_mb": round(snap["total_mb"], 1),
        "hub_proxy_mb": round(snap["hub_proxy_mb"], 1),
        "settled": snap.get("settled", True),
    }
    for user in users or []:
        server, kernels, n = person_mb(snap, user)
        out[user] = {
            "server_mb": round(server, 1),
            "kernels_mb": round(kernels, 1),
            "kernels": n,
            "per_kernel_mb": [round(k["mb"], 1) for k in snap["kernels"] if k["user"] == user],
        }
    return out


# ------------------------------------------------------------------ people
def results_shown(chan, county: str, patience: float) -> dict:
    """The page's widgets once they name the county (what the person sees), asked again until then."""
    deadline = time.monotonic() + patience
    while True:
        states = chan.widget_states()
        if states and county in json.dumps(states):
            return states
        if time.monotonic() > deadline:
            raise TimeoutError(f"no widgets naming {county} after {patience:.0f} s")
        time.sleep(0.5)


def open_page(person, notebook: str, patience: float):
    """The page and its kernel's websocket (the socket retried until ``patience``, as a browser keeps trying)."""
    r = person.get(f"voila/render/{notebook}")
    if r.status_code != 200:
        raise RuntimeError(f"{notebook}: HTTP {r.status_code}")
    deadline = time.monotonic() + patience
    while True:
        try:
            return r.text, HubChannel(person, page_kernel_id(r.text))
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def arrive(hub: dict, name: str, county: str, barrier: threading.Barrier, rec: dict, channels: list) -> None:
    """One member: logs in (the hub starts their server), opens Results and waits for its widgets."""
    barrier.wait()
    t0 = time.monotonic()
    try:
        person = Person(hub, name)
        rec["server_up_s"] = round(time.monotonic() - t0, 2)
        html, chan = open_page(person, PAGES[0], patience=300)
        rec["page_s"] = round(time.monotonic() - t0, 2)
        rec["kernel"] = page_kernel_id(html)
        try:
            results_shown(chan, county, patience=300)
            rec["results_s"] = round(time.monotonic() - t0, 2)
        finally:
            channels.append(chan)  # kept open (and closed at the end) from now on
    except Exception as e:  # a failed person is counted, not fatal
        rec["error"] = f"{type(e).__name__}: {str(e)[:200]}"
        rec["failed_after_s"] = round(time.monotonic() - t0, 2)


class Keeper(threading.Thread):
    """Keeps open pages open: reads what their kernels send, so their sockets answer the server's pings
    as a browser's do (a socket that stops answering is closed, and its kernel later shut down as idle)."""

    def __init__(self, channels: list, every: float = 5.0):
        super().__init__(daemon=True)
        self.channels, self.every = channels, every
        self.done = threading.Event()

    def run(self) -> None:
        from websocket import WebSocketTimeoutException

        while not self.done.wait(self.every):
            for chan in list(self.channels):
                try:
                    chan.ws.settimeout(0.05)
                    for _ in range(1000):
                        chan.ws.recv()
                except WebSocketTimeoutException:
                    pass
                except Exception:
                    pass  # closed


class Sampler(threading.Thread):
    """The hub's total PSS every ``every`` seconds, with the share of the burst's members."""

    def __init__(self, hub: dict, exclude: str, every: float = 0.5):
        super().__init__(daemon=True)
        self.hub, self.exclude, self.every = hub, exclude, every
        self.samples: list[tuple[float, float, float]] = []
        self.least_free_mb = float("inf")  # the machine's memory still available, at its lowest
        self.done = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self.done.is_set():
            snap = snapshot(self.hub)
            solo = sum(person_mb(snap, self.exclude)[:2])
            members = snap["total_mb"] - snap["hub_proxy_mb"] - solo
            self.samples.append((round(time.monotonic() - start, 2), round(snap["total_mb"], 1), round(members, 1)))
            self.least_free_mb = min(self.least_free_mb, psutil.virtual_memory().available / MB)
            self.done.wait(self.every)


# ------------------------------------------------------------------ run
def run(members_n: int, base: Path) -> dict:
    members = [f"m{i:02d}" for i in range(1, members_n + 1)]
    counties = county_of(members)
    result: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cores": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)},
        "members": members_n,
        "load_before": [round(x, 1) for x in os.getloadavg()],
    }
    hub = start_hub(base, teams_file(members))
    channels: list = []
    keeper = Keeper(channels)
    keeper.start()
    try:
        # 1. at rest
        snap, _ = settle(hub)
        result["at_rest"] = rounded(snap)
        print(f"at rest: hub + proxy {snap['hub_proxy_mb']:.0f} MB")

        # 2. one member logged in, nothing open: their server and its two kept-ready kernels
        t0 = time.monotonic()
        solo = Person(hub, SOLO)
        result["solo_server_up_s"] = round(time.monotonic() - t0, 2)
        snap, waited = settle(hub, ready=lambda s: person_mb(s, SOLO)[2] >= 2)
        result["logged_in"] = rounded(snap, [SOLO])
        result["logged_in"]["kernels_ready_after_s"] = round(time.monotonic() - t0, 1)
        print(f"logged in, nothing open: {result['logged_in'][SOLO]}")

        # 3. Results and Planning matrix open; the Results kernel taken is replaced (30 s later)
        solo_kernels = {}
        for notebook in PAGES:
            html, chan = open_page(solo, notebook, patience=120)
            results_shown(chan, A, patience=120)
            channels.append(chan)
            solo_kernels[notebook] = page_kernel_id(html)
        snap, _ = settle(hub, ready=lambda s: person_mb(s, SOLO)[2] >= 4)
        log = (hub["dir"] / "hub.log").read_text(errors="replace")
        result["solo_results_by_kept_ready_kernel"] = solo_kernels[PAGES[0]] in preheated(log)
        result["pages_open"] = rounded(snap, [SOLO])
        result["pages_open"]["page_kernels_mb"] = {
            nb: round(next((k["mb"] for k in snap["kernels"] if k["id"] == kid), 0.0), 1)
            for nb, kid in solo_kernels.items()
        }
        print(f"Results + Planning matrix open: {result['pages_open'][SOLO]}")

        # 4. the burst
        barrier = threading.Barrier(members_n + 1)
        records = {name: {"name": name, "county": counties[name]} for name in members}
        threads = [
            threading.Thread(
                target=arrive, args=(hub, name, counties[name], barrier, records[name], channels), daemon=True
            )
            for name in members
        ]
        for t in threads:
            t.start()
        sampler = Sampler(hub, exclude=SOLO)
        sampler.start()
        barrier.wait()
        t0 = time.monotonic()
        loads = []
        while any(t.is_alive() for t in threads) and time.monotonic() - t0 < BURST_LIMIT_S:
            loads.append(os.getloadavg()[0])
            if sampler.least_free_mb < LEAST_FREE_MB:  # stop before the machine runs out (other work runs on it)
                raise MemoryError(f"under {LEAST_FREE_MB} MB of memory left after {time.monotonic() - t0:.0f} s")
            time.sleep(1)  # joined this way so Ctrl-C stops the run at once
        burst_s = time.monotonic() - t0
        for rec in records.values():
            if "results_s" not in rec and "error" not in rec:  # a page still loading: counted as failed
                rec["error"] = f"still waiting after {BURST_LIMIT_S} s"
        done = sorted(r["results_s"] for r in records.values() if "results_s" in r)
        failed = [r for r in records.values() if "results_s" not in r]
        pooled = preheated((hub["dir"] / "hub.log").read_text(errors="replace"))
        served_pooled = sum(1 for r in records.values() if r.get("kernel") in pooled)
        shown = [n for n in members if "results_s" in records[n]]
        # each shown page's server has its Start here kernel, its Results page and a Results kernel ready again
        after, waited = settle(hub, ready=lambda s: all(person_mb(s, n)[2] >= 3 for n in shown), timeout=480)
        sampler.done.set()  # the peak counts the servers' refills after the burst too
        sampler.join()
        log = (hub["dir"] / "hub.log").read_text(errors="replace")
        seen_in_log = {what: log.count(what) for what in LOGGED}
        peak = max(sampler.samples, key=lambda s: s[1])
        people_after = after["total_mb"] - after["hub_proxy_mb"] - sum(person_mb(after, SOLO)[:2])
        per_person = [person_mb(after, n) for n in shown]
        result["burst"] = {
            "members": members_n,
            "fetched": len(done),
            "failed": len(failed),
            "failures": [{k: r.get(k) for k in ("name", "error", "failed_after_s")} for r in failed],
            "results_s": {
                "first": done[0] if done else None,
                "median": round(statistics.median(done), 2) if done else None,
                "last": done[-1] if done else None,
            },
            "server_up_s": sorted(r["server_up_s"] for r in records.values() if "server_up_s" in r),
            "results_page_s": sorted(r["page_s"] for r in records.values() if "page_s" in r),
            "served_by_kept_ready_kernel": served_pooled,
            "wall_s": round(burst_s, 1),
            "load_avg_1min_max": round(max(loads), 1) if loads else None,
            "peak_total_mb": peak[1],
            "peak_members_mb": peak[2],
            "peak_at_s": peak[0],
            "samples": len(sampler.samples),
            "least_memory_available_mb": round(sampler.least_free_mb),
            "after": rounded(after),
            "after_settled_in_s": round(waited, 1),
            "after_members_mb": round(people_after, 1),
            "after_per_person_mb": round(statistics.mean(p[0] + p[1] for p in per_person), 1) if per_person else None,
            "after_per_person_server_mb": round(statistics.mean(p[0] for p in per_person), 1) if per_person else None,
            "after_per_person_kernels_mb": round(statistics.mean(p[1] for p in per_person), 1) if per_person else None,
            "after_kernels_per_person": {
                n: sum(1 for p in per_person if p[2] == n) for n in sorted({p[2] for p in per_person})
            },
            "hub_log": seen_in_log,
            "people": list(records.values()),
            "timeline": sampler.samples,
        }
    finally:
        keeper.done.set()
        keeper.join()
        for chan in channels:
            try:
                chan.close()
            except Exception:
                pass
        stop_hub(hub)
    result["load_after"] = [round(x, 1) for x in os.getloadavg()]
    return result


def summary(r: dict) -> str:
    solo1, solo2, b = r["logged_in"][SOLO], r["pages_open"][SOLO], r["burst"]
    pages = r["pages_open"]["page_kernels_mb"]
    rs = b["results_s"]
    return "\n".join(
        [
            f"hub at rest (hub + proxy): {r['at_rest']['hub_proxy_mb']:.0f} MB PSS",
            f"one member logged in, nothing open: server {solo1['server_mb']:.0f} MB + "
            f"{solo1['kernels']} kept-ready kernels {solo1['kernels_mb']:.0f} MB "
            f"= {solo1['server_mb'] + solo1['kernels_mb']:.0f} MB",
            f"with Results and Planning matrix open: server {solo2['server_mb']:.0f} MB + "
            f"{solo2['kernels']} kernels {solo2['kernels_mb']:.0f} MB = {solo2['server_mb'] + solo2['kernels_mb']:.0f} MB"
            f" (pages' kernels: {pages}; Results by a kept-ready kernel: {r['solo_results_by_kept_ready_kernel']})",
            f"burst of {b['members']}: {b['fetched']} fetched, {b['failed']} failed; Results shown after "
            f"first {rs['first']} s, median {rs['median']} s, last {rs['last']} s; "
            f"{b['served_by_kept_ready_kernel']} by a kept-ready kernel; load up to {b['load_avg_1min_max']}",
            f"  peak {b['peak_total_mb']:.0f} MB total ({b['peak_members_mb']:.0f} MB the members'); after: "
            f"{b['after_members_mb']:.0f} MB, {b['after_per_person_mb']} MB a person "
            f"(server {b['after_per_person_server_mb']} + kernels {b['after_per_person_kernels_mb']}, "
            f"kernels each: {b['after_kernels_per_person']})",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30, help="members logging in at once (default 30)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "hub.json", help="where the figures go")
    args = parser.parse_args(argv)
    os.environ.pop("ORB_DATABASE_URL", None)
    base = Path(tempfile.mkdtemp(prefix="orb-hub-bench-"))
    try:
        result = run(args.members, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), "utf-8")
    print(summary(result))
    print(f"figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
